"""The hand-derived engine: the gradients written out by the chain rule, no autograd.

For one sample (x, y) and H neurons, the forward pass is

    z_i   = w_i x + b_i                      (1)-(5), before the activation
    h_i   = act(z_i)
    y_hat = a_1 h_1 + a_2 h_2 + ... + a_H h_H     (no output bias)
    L     = (y_hat - y)^2

and the chain rule gives, with e = y_hat - y:

    dL/dy_hat = 2e
    dL/da_i   = dL/dy_hat * dy_hat/da_i  = 2e * h_i
    dL/dh_i   = dL/dy_hat * dy_hat/dh_i  = 2e * a_i
    dL/dz_i   = dL/dh_i * act'(z_i)      = 2e * a_i * act'(z_i)
    dL/dw_i   = dL/dz_i * dz_i/dw_i      = 2e * a_i * act'(z_i) * x
    dL/db_i   = dL/dz_i * dz_i/db_i      = 2e * a_i * act'(z_i)

with act' written through the neuron's output h_i = act(z_i):

    sigmoid  h = 1 / (1 + e^-z)   act'(z) = h (1 - h)
    tanh     h = tanh(z)          act'(z) = 1 - h^2
    relu     h = max(z, 0)        act'(z) = 1 if z > 0 else 0

A mini-batch of B samples averages the loss, L = (1/B) sum_n (y_hat_n - y_n)^2, so its gradient is
the average of the per-sample gradients. Then every parameter steps downhill: p <- p - lr * dL/dp.

The functions below are exactly these lines, compiled by Numba and run for many models at once, one
block of models per CPU core. In float32 the operations come in the order torch's autograd performs
them in the tutorial's program, so the losses match it to the last printed digit in practice.
"""
import math

import numba
import numpy as np

from ..activations import CODES
from ..params import Params


def _probe():
    pass


def cache_where_numba_cannot():
    """The functions below are compiled once and cached (cache=True) beside this file or in the user's
    cache directory. Where neither can be written (a read-only install run by a user without a home
    directory), Numba refuses with "cannot cache function": then the cache goes to a private directory
    of this user's under the system's temporary directory (0o700, owned by the user, else a new one)."""
    from numba.core import caching
    try:
        if any(locator.from_function(_probe, __file__) for locator in caching.CacheImpl._locator_classes):
            return
    except (AttributeError, OSError):  # another Numba's internals: leave its caching alone
        return
    from ..runs import private_temp_dir
    numba.config.CACHE_DIR = private_temp_dir("numba")


cache_where_numba_cannot()

MANY_MODELS = True
KINDS = CODES  # activation name -> the code `act` and `chain` switch on (nnfit/activations.py)
BLOCK = 256  # models per parallel task: their parameters stay in the core's cache


@numba.njit(cache=True, inline="always", error_model="numpy")
def act(kind, z, one):
    """h = act(z)"""
    if kind == 0:
        return one / (one + math.exp(-z))  # sigmoid
    if kind == 1:
        return math.tanh(z)
    return z if z > 0 else z - z  # relu (z - z: a zero of z's type)


@numba.njit(cache=True, inline="always", error_model="numpy")
def chain(kind, dh, h, one):
    """dL/dz = dL/dh * act'(z), with act'(z) written through h."""
    if kind == 0:
        return dh * (one - h) * h  # sigmoid: act' = h (1 - h)
    if kind == 1:
        return dh * (one - h * h)  # tanh: act' = 1 - h^2
    return dh if h > 0 else dh - dh  # relu: act' = 1 if z > 0 else 0


@numba.njit(cache=True, inline="always", error_model="numpy")
def add_gradients(w, b, a, x, y, kind, one, h, y_hat, g, gw, gb, ga, losses):
    """Forward and backward for one sample in each of B models side by side (column m is model m).

    w, b, a, h and the gradients gw, gb, ga are (H, B); x, y, y_hat, g, losses are (B,).
    Adds dL/dw_i, dL/db_i, dL/da_i into gw, gb, ga and L into losses.
    """
    H, B = w.shape
    for i in range(H):
        for m in range(B):
            h[i, m] = act(kind, w[i, m] * x[m] + b[i, m], one)  # h_i = act(w_i x + b_i)
    for m in range(B):
        y_hat[m] = a[0, m] * h[0, m]
    for i in range(1, H):
        for m in range(B):
            y_hat[m] = y_hat[m] + a[i, m] * h[i, m]  # y_hat = a_1 h_1 + ... + a_H h_H
    for m in range(B):
        e = y_hat[m] - y[m]
        losses[m] += e * e  # L = (y_hat - y)^2
        g[m] = e + e  # dL/dy_hat = 2e
    for i in range(H):
        for m in range(B):
            ga[i, m] += g[m] * h[i, m]  # dL/da_i = 2e h_i
            dz = chain(kind, g[m] * a[i, m], h[i, m], one)  # dL/dz_i = 2e a_i act'(z_i)
            gw[i, m] += dz * x[m]  # dL/dw_i = dL/dz_i x
            gb[i, m] += dz  # dL/db_i = dL/dz_i


@numba.njit(cache=True, inline="always", error_model="numpy")
def sgd_block(W, B_, A, lo, nb, x, y, order, batch_size, lr, kind, losses):
    """One epoch of SGD for models lo .. lo + nb - 1 (one block). W, B_, A: (M, H), updated in place;
    order: (1 or M, N); losses: (M,), += each model's summed L. The block's parameters are held
    transposed, (H, nb), so that the loops over models run in SIMD lanes."""
    H = W.shape[1]
    N = order.shape[1]
    one = lr / lr
    w, b, a = W[lo:lo + nb].T.copy(), B_[lo:lo + nb].T.copy(), A[lo:lo + nb].T.copy()  # (H, nb)
    h, gw, gb, ga = np.empty_like(w), np.empty_like(w), np.empty_like(w), np.empty_like(w)
    xs, ys, y_hat, g = np.empty(nb, w.dtype), np.empty(nb, w.dtype), np.empty(nb, w.dtype), np.empty(nb, w.dtype)
    total = np.zeros(nb)
    for start in range(0, N, batch_size):
        gw[:], gb[:], ga[:] = 0, 0, 0
        count = one - one
        for n in range(start, min(start + batch_size, N)):
            for m in range(nb):
                k = order[lo + m, n] if order.shape[0] > 1 else order[0, n]
                xs[m], ys[m] = x[k], y[k]
            add_gradients(w, b, a, xs, ys, kind, one, h, y_hat, g, gw, gb, ga, total)
            count += one
        step = lr / count  # the batch's mean gradient, times lr
        for i in range(H):
            for m in range(nb):
                w[i, m] -= step * gw[i, m]  # p <- p - lr dL/dp
                b[i, m] -= step * gb[i, m]
                a[i, m] -= step * ga[i, m]
    W[lo:lo + nb], B_[lo:lo + nb], A[lo:lo + nb] = w.T, b.T, a.T
    losses[lo:lo + nb] += total


@numba.njit(cache=True, parallel=True, error_model="numpy")
def sgd_epoch(W, B_, A, x, y, order, batch_size, lr, kind, losses):
    """One epoch of SGD for every model, in blocks of BLOCK models, one block per parallel task."""
    M = W.shape[0]
    for blk in numba.prange((M + BLOCK - 1) // BLOCK):
        lo = blk * BLOCK
        sgd_block(W, B_, A, lo, min(M, lo + BLOCK) - lo, x, y, order, batch_size, lr, kind, losses)


@numba.njit(cache=True, error_model="numpy")
def sgd_epoch_serial(W, B_, A, x, y, order, batch_size, lr, kind, losses):
    """The same for at most one block of models, without a parallel region: starting the threads
    would cost more than the work (0.6 s instead of 1 ms for one model when the cores are busy)."""
    sgd_block(W, B_, A, 0, W.shape[0], x, y, order, batch_size, lr, kind, losses)


@numba.njit(cache=True, error_model="numpy")
def batch_gradients(w, b, a, x, y, kind):
    """Mean loss over the samples and its gradients (gw, gb, ga) for one model, (H,) each."""
    H = w.shape[0]
    one = np.ones(1, w.dtype)[0]
    w, b, a = w.reshape(H, 1), b.reshape(H, 1), a.reshape(H, 1)  # a block of one model
    h, gw, gb, ga = np.empty((H, 1)), np.zeros((H, 1)), np.zeros((H, 1)), np.zeros((H, 1))
    y_hat, g, total = np.empty(1), np.empty(1), np.zeros(1)
    for n in range(x.shape[0]):
        add_gradients(w, b, a, x[n:n + 1], y[n:n + 1], kind, one, h, y_hat, g, gw, gb, ga, total)
    N = x.shape[0]
    return total[0] / N, gw[:, 0] / N, gb[:, 0] / N, ga[:, 0] / N


class Engine:
    def __init__(self, params, cfg):
        self.dtype = np.dtype(cfg.dtype)
        self.w, self.b, self.a = (np.ascontiguousarray(p, dtype=self.dtype) for p in params)  # (M, H)
        self.lr = self.dtype.type(cfg.lr)
        self.kind = KINDS[cfg.activation]

    def epoch(self, x, y, order, batch_size):
        losses = np.zeros(self.w.shape[0])
        sgd = sgd_epoch_serial if self.w.shape[0] <= BLOCK else sgd_epoch
        sgd(self.w, self.b, self.a, x.astype(self.dtype), y.astype(self.dtype),
                  np.ascontiguousarray(order), batch_size, self.lr, self.kind, losses)
        return losses

    def gradients(self, x, y):
        w, b, a = (p[0].astype(np.float64) for p in (self.w, self.b, self.a))
        loss, gw, gb, ga = batch_gradients(w, b, a, np.asarray(x, np.float64), np.asarray(y, np.float64), self.kind)
        return loss, Params(gw, gb, ga)

    def params(self):
        return Params(self.w.copy(), self.b.copy(), self.a.copy())
