"""Each engine's gradients equal torch autograd's (float64) and central finite differences."""
import numpy as np
import pytest
import torch

from nnfit import engines
from nnfit.config import Config
from nnfit.explain import finite_differences
from nnfit.params import Params

TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def torch_gradients(params, x, y, activation):
    """The oracle, written independently: mean squared error of sum_i a_i act(w_i x + b_i)."""
    w, b, a = (torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params)
    xt, yt = torch.tensor(x), torch.tensor(y)
    y_hat = (TORCH_ACT[activation](xt[:, None] * w + b) * a).sum(dim=1)
    loss = ((y_hat - yt) ** 2).mean()
    loss.backward()
    return loss.item(), Params(w.grad.numpy(), b.grad.numpy(), a.grad.numpy())


CASES = [(h, act, batch, seed) for h, act, batch, seed in
         [(1, "sigmoid", 1, 0), (5, "sigmoid", 1, 1), (5, "tanh", 3, 2), (7, "relu", 4, 3),
          (3, "tanh", 1, 4), (12, "sigmoid", 10, 5), (4, "relu", 2, 6)]]


@pytest.mark.parametrize("engine", ["scalar", "manual", "matrix"])
@pytest.mark.parametrize("hidden,activation,batch,seed", CASES)
def test_gradients_equal_autograd_and_finite_differences(engine, hidden, activation, batch, seed):
    rng = np.random.default_rng(seed)
    params = Params(*(rng.normal(size=hidden) for _ in range(3)))
    x, y = rng.uniform(-3, 3, size=batch), rng.normal(size=batch)
    cfg = Config(hidden=hidden, activation=activation, dtype="float64", seed=0)
    eng = engines.get(engine).Engine(Params(*(p[None, :] for p in params)), cfg)
    loss, grads = eng.gradients(x, y)
    want_loss, want = torch_gradients(params, x, y, activation)
    fd = finite_differences(params, x, y, activation)
    assert abs(loss - want_loss) < 1e-12
    d_auto = np.max(np.abs(grads.flat() - want.flat()))
    d_fd = np.max(np.abs(grads.flat() - fd.flat()))
    assert d_auto < 1e-12, f"{engine} vs autograd: largest difference {d_auto:.3g}"
    assert d_fd < 1e-6, f"{engine} vs finite differences: largest difference {d_fd:.3g}"


def test_hand_worked_example():
    # One neuron, sigmoid, w = 0, b = 0, a = 2, x = 1, y = 0:
    # z = 0, h = 0.5, y_hat = 1, e = 1, L = 1;
    # dL/da = 2e h = 1; dL/dw = 2e a h(1-h) x = 2*2*0.25*1 = 1; dL/db = 1.
    cfg = Config(hidden=1, dtype="float64", seed=0)
    eng = engines.get("manual").Engine(Params(np.zeros((1, 1)), np.zeros((1, 1)), np.full((1, 1), 2.0)), cfg)
    loss, g = eng.gradients(np.array([1.0]), np.array([0.0]))
    assert loss == 1.0 and (g.w[0], g.b[0], g.a[0]) == (1.0, 1.0, 1.0)
