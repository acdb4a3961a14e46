"""The network as fit mode sees it: K starts at once, parameters flat, residuals and their Jacobian.

d inputs, H hidden neurons, k outputs (the chapter's network is d = k = 1; the next chapter's matrix
form in general):

    z_ni = sum_c W_ic x_nc + b_i     h_ni = act(z_ni)     y_hat_nj = sum_i A_ji h_ni (+ c_j)

    p = (W row by row, b, A row by row[, c])  one row per start, (K, P) with P = H (d + 1 + k) (+ k);
                                              for d = k = 1 that is (w_1..w_H, b_1..b_H, a_1..a_H[, c])
    r = y_hat - y                             (K, N k): sample n's outputs at n k .. n k + k - 1

With Shape.bias the network has an output bias c (k,), as scikit-learn's and MATLAB's do; fit mode
uses one and, since y_hat is linear in c, saves it in the model's y_shift, so that the saved model
is the chapter's network (no output bias) with its scaling.

The Jacobian J = dr/dp, (K, N k, P), by the chain rule as in nnfit/engines/manual.py:

    dr_nj/dW_ic = A_ji act'(z_ni) x_nc     dr_nj/db_i = A_ji act'(z_ni)     dr_nj/dA_li = [l = j] h_ni
    dr_nj/dc_l = [l = j]

tests/test_fit.py checks it against torch.func.jacrev in float64.

The second derivative of y_hat along a direction v = (V, e, B[, e_c]) of parameter space (for LM's
geodesic acceleration), with z' = V x + e the change of z along v (y_hat is linear in c: e_c adds nothing):

    d2 y_hat_nj / dt2 at p + t v, t = 0 = 2 sum_i B_ji act'(z_ni) z'_ni + sum_i A_ji act''(z_ni) z'_ni^2
"""
from typing import NamedTuple

import numpy as np

from ..activations import ACTIVATIONS, DERIVATIVES, SECOND


class PerStart:
    """Each start's own activation, names (K,): a fit that tries several activations (driver.AUTO) runs
    all their starts as one batch. Indexing takes a subset of the starts, as the optimizers do."""

    def __init__(self, names):
        self.names = np.asarray(names, dtype=object)

    def __getitem__(self, idx):
        return PerStart(self.names[idx])

    def __repr__(self):
        return f"PerStart({list(self.names)})"


def of_starts(activation, idx):
    """The activation of the starts idx: a name is every start's, a PerStart is indexed."""
    return activation if isinstance(activation, str) else activation[idx]


def act(activation, table):
    """table[activation] (ACTIVATIONS, DERIVATIVES or SECOND) for a name; for PerStart, a function of the
    same signature that applies each start's own to its rows (K, ...) of every array argument: on
    each run of equal names, a view (the driver orders the starts by kind, so a kind is one run)."""
    if isinstance(activation, str):
        return table[activation]
    names = activation.names
    cuts = [0] + [i for i in range(1, len(names)) if names[i] != names[i - 1]] + [len(names)]
    if len(cuts) == 2:
        return table[names[0]]

    def each(z, *args, out=None):
        out = np.empty_like(z) if out is None else out
        for a, b in zip(cuts[:-1], cuts[1:]):
            table[names[a]](z[a:b], *(arg[a:b] for arg in args), out=out[a:b])
        return out
    return each


class Shape(NamedTuple):
    """The sizes of one network: d inputs, H hidden neurons, k outputs; bias: an output bias too."""
    d: int
    H: int
    k: int
    bias: bool = False

    @property
    def P(self):
        return self.H * (self.d + 1 + self.k) + (self.k if self.bias else 0)

    @property
    def weights(self):
        """How many parameters are not the output bias: W, b and A, the chapter's network."""
        return self.H * (self.d + 1 + self.k)

    def split(self, p):
        """W (..., H, d), b (..., H), A (..., k, H): views of flat parameters p (..., P)."""
        d, H, k, _bias = self
        lead = p.shape[:-1]
        W = p[..., :H * d].reshape(*lead, H, d)
        b = p[..., H * d:H * (d + 1)]
        A = p[..., H * (d + 1):self.weights].reshape(*lead, k, H)
        return W, b, A

    def out_bias(self, p):
        """The output bias c (..., k), a view of p (..., P); zeros without one."""
        return p[..., self.weights:] if self.bias else np.zeros(p.shape[:-1] + (self.k,))

    def groups(self, ard=True):
        """(P,) the prior group of each parameter (one alpha each): the input weights of input c
        (column c of W) in group c (MacKay's automatic relevance determination: an input the data do
        not need gets a large alpha and its weights shrink to 0), then b, then A. With one input: w, b, a.
        ard=False: all of W in one group (w, b, a for any d). Not the output bias (see lm.py)."""
        d, H, k, _bias = self
        if not ard:
            d = 1
        W = np.tile(np.arange(d), H) if d > 1 else np.zeros(H * self.d, dtype=int)
        return np.concatenate([W, np.full(H, d), np.full(H * k, d + 1)])


class Workspace:
    """Reused scratch arrays: large NumPy temporaries are fresh memory pages each time, and filling
    them costs more than the arithmetic. get(name, shape) returns a view of a buffer at least that big."""

    def __init__(self):
        self.buffers = {}

    def get(self, name, shape):
        buf = self.buffers.get(name)
        if buf is None or buf.shape[0] < shape[0] or buf.shape[1:] != tuple(shape[1:]):
            buf = self.buffers[name] = np.empty(shape)
        return buf[:shape[0]]


def forward(p, x, shape, activation, ws=None):
    """z and h, (K, N, H), and y_hat, (K, N, k), for x (N, d)."""
    ws = ws or Workspace()
    W, b, A = shape.split(p)  # (K, H, d), (K, H), (K, k, H)
    K, (N, H) = len(p), (len(x), shape.H)
    z = ws.get("z", (K, N, H))
    if shape.d == 1:  # the chapter's network: a product, not a matrix product
        np.multiply(x[None, :, 0, None], W[:, None, :, 0], out=z)
    else:
        np.matmul(x[None], W.transpose(0, 2, 1), out=z)
    z += b[:, None, :]  # (K, N, H) = W x + b
    h = act(activation, ACTIVATIONS)(z, out=ws.get("h", z.shape))  # (K, N, H)
    y_hat = np.matmul(h, A.transpose(0, 2, 1))  # (K, N, k): y_hat = A h
    if shape.bias:
        y_hat += shape.out_bias(p)[:, None, :]  # + c
    return z, h, y_hat


def residuals(p, x, y, shape, activation, ws=None):
    """r = y_hat - y, (K, N k), for x (N, d) and y (N, k)."""
    y_hat = forward(p, x, shape, activation, ws)[2]
    return (y_hat - y).reshape(len(p), -1)


def jacobian(p, x, y, shape, activation, ws=None):
    """r (K, N k) and J = dr/dp (K, N k, P). J is a new array (the caller keeps it)."""
    z, h, y_hat = forward(p, x, shape, activation, ws)
    return (y_hat - y).reshape(len(p), -1), jacobian_at(p, x, z, h, shape, activation)


def jacobian_at(p, x, z, h, shape, activation):
    """J = dr/dp (K, N k, P) at x (N, d), from the forward pass's z and h (K, N, H) there."""
    (d, H, k, _bias), (K, N) = shape, (len(p), len(x))
    A = shape.split(p)[2]  # (K, k, H)
    J = np.zeros((K, N, k, shape.P))  # d r_nj / d (W, b, A[, c])
    dz = act(activation, DERIVATIVES)(z, h)  # (K, N, H) = act'(z)
    Jb = J[..., H * d:H * (d + 1)]
    np.multiply(dz[:, :, None, :], A[:, None, :, :], out=Jb)  # A_ji act'(z_ni)
    if d == 1:
        np.multiply(Jb, x[None, :, None, :], out=J[..., :H])
    else:
        J[..., :H * d] = (Jb[..., None] * x[None, :, None, None, :]).reshape(K, N, k, H * d)
    for j in range(k):
        J[:, :, j, H * (d + 1) + j * H:H * (d + 1) + (j + 1) * H] = h
        if shape.bias:
            J[:, :, j, shape.weights + j] = 1.0
    return J.reshape(K, N * k, shape.P)


def backward(p, x, r, z, h, shape, activation, scale=1.0, dz=None, ws=None):
    """J^T r (K, P) without forming J: backpropagation of residuals r (K, N, k), times scale."""
    A = shape.split(p)[2]
    e = r * scale if scale != 1.0 else r
    dz = act(activation, DERIVATIVES)(z, h, out=dz)  # (K, N, H)
    eA = np.empty_like(dz) if ws is None else ws.get("eA", dz.shape)
    if shape.k == 1:  # one output: a product (the same numbers as the matrix product, which is slower at this shape)
        np.multiply(e, A, out=eA)
    else:
        np.matmul(e, A, out=eA)
    dz *= eA  # (K, N, H) = act'(z_ni) sum_j A_ji e_nj
    gW = np.matmul(dz.transpose(0, 2, 1), x[None])  # (K, H, d)
    gA = np.matmul(e.transpose(0, 2, 1), h)  # (K, k, H)
    parts = [gW.reshape(len(p), -1), dz.sum(axis=1), gA.reshape(len(p), -1)] + ([e.sum(axis=1)] if shape.bias else [])
    return np.concatenate(parts, axis=1)


def gradient(p, x, y, shape, activation, ws=None):
    """The mean squared error (K,) over all N k outputs and its gradient d MSE / dp (K, P)."""
    z, h, y_hat = forward(p, x, shape, activation, ws)
    r = y_hat - y  # (K, N, k)
    g = backward(p, x, r, z, h, shape, activation, scale=2.0 / r[0].size)
    return np.mean(r * r, axis=(1, 2)), g


def along(p, v, x, shape, activation, ws=None):
    """z and h (K, N, H) at p, and the second derivative of y_hat along v at p, (K, N, k) (see above).
    In place in the workspace: on thousands of points, fresh temporaries cost more than the arithmetic."""
    ws = ws or Workspace()
    z, h, _ = forward(p, x, shape, activation, ws)
    V, e, B = shape.split(v)
    A = shape.split(p)[2]
    dz = ws.get("along", z.shape)
    if shape.d == 1:
        np.multiply(x[None, :, 0, None], V[:, None, :, 0], out=dz)
    else:
        np.matmul(x[None], V.transpose(0, 2, 1), out=dz)
    dz += e[:, None, :]  # (K, N, H) = z'
    first = act(activation, DERIVATIVES)(z, h, out=ws.get("first", z.shape))
    first *= dz
    second = act(activation, SECOND)(z, h, out=ws.get("second", z.shape))
    second *= dz
    second *= dz
    return z, h, 2 * np.matmul(first, B.transpose(0, 2, 1)) + np.matmul(second, A.transpose(0, 2, 1))


def curvature(p, x, y, shape, activation, ws=None, sub=None):
    """What a Levenberg-Marquardt epoch needs: r (K, N k), J^T J (K, P, P) and J^T r (K, P).

    With `sub` (indices into x), J^T J is estimated from those points only, scaled by N / len(sub):
    on thousands of points the Gauss-Newton matrix of a random thousand is as good a guide for the
    step, at a fraction of the cost. J^T r, the gradient, is always exact (backpropagated over all
    points, without forming J)."""
    if sub is None:
        r, J = jacobian(p, x, y, shape, activation, ws)
        Jt = J.transpose(0, 2, 1)
        return r, np.matmul(Jt, J), np.matmul(Jt, r[:, :, None])[:, :, 0]
    z, h, y_hat = forward(p, x, shape, activation, ws)
    r = y_hat - y  # (K, N, k)
    Jtr = backward(p, x, r, z, h, shape, activation, dz=ws.get("dz", z.shape) if ws else None, ws=ws)
    Js = jacobian_at(p, x[sub], z[:, sub], h[:, sub], shape, activation)  # the subset's rows of the forward pass
    JtJ = np.matmul(Js.transpose(0, 2, 1), Js) * (len(x) / len(sub))
    return r.reshape(len(p), -1), JtJ, Jtr

