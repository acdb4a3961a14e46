"""The network as fit mode sees it: K starts at once, parameters flat, residuals and their Jacobian.

    p = (w_1..w_H, b_1..b_H, a_1..a_H)     one row per start, (K, P) with P = 3H
    r_n = y_hat(x_n) - y_n                 (K, N)

The Jacobian J = dr/dp, (K, N, P), by the chain rule as in nnfit/engines/manual.py:

    dr/dw_i = a_i act'(z_i) x      dr/db_i = a_i act'(z_i)      dr/da_i = h_i
"""
import numpy as np

from ..activations import ACTIVATIONS, DERIVATIVES
from ..params import Params


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


def forward(p, x, activation, ws=None):
    """z and h, (K, N, H), and y_hat, (K, N)."""
    ws = ws or Workspace()
    w, b, a = Params.from_flat(p)  # (K, H) each
    K, H = w.shape
    z = np.multiply(x[None, :, None], w[:, None, :], out=ws.get("z", (K, len(x), H)))
    z += b[:, None, :]  # (K, N, H) = w_i x + b_i
    h = ACTIVATIONS[activation](z, out=ws.get("h", z.shape))  # (K, N, H)
    return z, h, np.matmul(h, a[:, :, None])[:, :, 0]  # (K, N): y_hat = sum_i a_i h_i


def residuals(p, x, y, activation, ws=None):
    """r = y_hat - y, (K, N)."""
    return forward(p, x, activation, ws)[2] - y


def jacobian(p, x, y, activation, ws=None):
    """r (K, N) and J = dr/dp (K, N, P). J is a new array (the caller keeps it)."""
    z, h, y_hat = forward(p, x, activation, ws)
    K, N, H = h.shape
    a = Params.from_flat(p).a  # (K, H)
    J = np.empty((K, N, 3 * H))  # d/dw_i, d/db_i, d/da_i
    dz = DERIVATIVES[activation](z, h, out=J[:, :, H:2 * H])
    dz *= a[:, None, :]  # a_i act'(z_i)
    np.multiply(dz, x[None, :, None], out=J[:, :, :H])
    J[:, :, 2 * H:] = h
    return y_hat - y, J


def gradient(p, x, y, activation, ws=None):
    """The mean squared error (K,) and its gradient d MSE / dp (K, P), without forming J."""
    z, h, y_hat = forward(p, x, activation, ws)
    r = y_hat - y  # (K, N)
    a = Params.from_flat(p).a
    e = 2.0 * r / len(x)  # (K, N) = d MSE / d y_hat
    dz = DERIVATIVES[activation](z, h)
    dz *= a[:, None, :]
    dz *= e[:, :, None]  # (K, N, H) = dMSE/dz_i
    g = np.concatenate([np.matmul(dz.transpose(0, 2, 1), x[None, :, None])[:, :, 0], dz.sum(axis=1),
                        np.matmul(h.transpose(0, 2, 1), e[:, :, None])[:, :, 0]], axis=1)
    return np.mean(r * r, axis=1), g


def curvature(p, x, y, activation, ws=None, sub=None):
    """What a Levenberg-Marquardt epoch needs: r (K, N), J^T J (K, P, P) and J^T r (K, P).

    With `sub` (indices into x), J^T J is estimated from those points only, scaled by N / len(sub):
    on thousands of points the Gauss-Newton matrix of a random thousand is as good a guide for the
    step, at a fraction of the cost. J^T r, the gradient, is always exact (backpropagated over all
    points, without forming J)."""
    if sub is None:
        r, J = jacobian(p, x, y, activation, ws)
        return r, np.matmul(J.transpose(0, 2, 1), J), np.matmul(J.transpose(0, 2, 1), r[:, :, None])[:, :, 0]
    z, h, y_hat = forward(p, x, activation, ws)
    r = y_hat - y  # (K, N)
    a = Params.from_flat(p).a
    dz = DERIVATIVES[activation](z, h, out=ws.get("dz", z.shape) if ws else None)
    dz *= a[:, None, :]  # (K, N, H) = a_i act'(z_i)
    rdz = dz * r[:, :, None]
    Jtr = np.concatenate([np.matmul(rdz.transpose(0, 2, 1), x[None, :, None])[:, :, 0], rdz.sum(axis=1),
                          np.matmul(h.transpose(0, 2, 1), r[:, :, None])[:, :, 0]], axis=1)  # (K, P)
    _, Js = jacobian(p, x[sub], y[sub], activation)
    JtJ = np.matmul(Js.transpose(0, 2, 1), Js) * (len(x) / len(sub))
    return r, JtJ, Jtr
