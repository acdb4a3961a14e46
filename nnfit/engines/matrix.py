"""The matrix engine: the next chapter's form, a whole mini-batch of every model in one tensor.

With M models, a mini-batch of B samples and H neurons:

    Z     = X W^T + b        h_i = act(w_i x + b_i) for every sample and neuron at once
    h     = act(Z)
    y_hat = h a              a weighted sum per sample
    L     = mean over the batch of (y_hat - y)^2, per model

Autograd computes the gradients. The models are independent: summing their losses before
backward() gives each model exactly its own gradient. Runs on a GPU with device="cuda".
"""
import numpy as np

from .._torch import require_torch
from ..activations import TORCH
from ..params import Params

torch = require_torch("matrix")

MANY_MODELS = True
ACT = {name: getattr(torch, fn) for name, fn in TORCH.items()}  # the registry, nnfit/activations.py


class Engine:
    def __init__(self, params, cfg):
        if cfg.device == "cuda" and not torch.cuda.is_available():
            from ..config import ConfigError
            from ..i18n import _
            raise ConfigError("device", _("cuda: no CUDA GPU is available here (torch.cuda.is_available() is False)"))
        self.device = torch.device(cfg.device)
        self.dtype = getattr(torch, cfg.dtype)
        self.lr = cfg.lr
        self.act = ACT[cfg.activation]
        w, b, a = (torch.tensor(np.asarray(p), dtype=self.dtype, device=self.device) for p in params)  # (M, H) each
        self.w, self.b, self.a = (p.requires_grad_() for p in (w, b, a))

    def losses(self, xb, yb):
        """Per-model mean squared error of a batch. xb, yb: (M or 1, B)."""
        z = xb[:, :, None] * self.w[:, None, :] + self.b[:, None, :]  # (M, B, H) = x w_i + b_i
        h = self.act(z)  # (M, B, H)
        y_hat = torch.matmul(h, self.a[:, :, None])[:, :, 0]  # (M, B) = sum_i a_i h_i
        return ((y_hat - yb) ** 2).mean(dim=1)  # (M,)

    def epoch(self, x, y, order, batch_size):
        x = torch.tensor(x, dtype=self.dtype, device=self.device)  # (N,)
        y = torch.tensor(y, dtype=self.dtype, device=self.device)  # (N,)
        order = torch.as_tensor(order, device=self.device)  # (1 or M, N)
        total = torch.zeros(self.w.shape[0], dtype=torch.float64, device=self.device)  # (M,)
        for start in range(0, order.shape[1], batch_size):
            idx = order[:, start:start + batch_size]  # (1 or M, B)
            loss = self.losses(x[idx], y[idx])  # (M,)
            loss.sum().backward()  # each model's gradient lands in its own row of w.grad, b.grad, a.grad
            with torch.no_grad():
                total += loss.detach().double() * idx.shape[1]
                for p in (self.w, self.b, self.a):
                    p -= self.lr * p.grad  # (M, H)
                    p.grad = None
        return total.cpu().numpy()

    def gradients(self, x, y):
        x = torch.tensor(np.asarray(x), dtype=self.dtype, device=self.device)[None, :]  # (1, B)
        y = torch.tensor(np.asarray(y), dtype=self.dtype, device=self.device)[None, :]  # (1, B)
        loss = self.losses(x, y)[0]
        grads = torch.autograd.grad(loss, (self.w, self.b, self.a))
        return loss.item(), Params(*(g[0].double().cpu().numpy() for g in grads))

    def params(self):
        return Params(*(p.detach().cpu().numpy().copy() for p in (self.w, self.b, self.a)))
