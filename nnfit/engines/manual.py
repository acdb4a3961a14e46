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

from ..params import Params

MANY_MODELS = True
KINDS = {"sigmoid": 0, "tanh": 1, "relu": 2}
BLOCK = 64  # models per parallel task


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
def add_gradients(w, b, a, x, y, kind, one, h, gw, gb, ga):
    """Forward and backward for one sample: adds dL/dw_i, dL/db_i, dL/da_i into gw, gb, ga; returns L."""
    H = w.shape[0]
    for i in range(H):
        h[i] = act(kind, w[i] * x + b[i], one)  # h_i = act(w_i x + b_i)
    y_hat = a[0] * h[0]
    for i in range(1, H):
        y_hat = y_hat + a[i] * h[i]  # y_hat = a_1 h_1 + ... + a_H h_H
    e = y_hat - y
    g = e + e  # dL/dy_hat = 2e
    for i in range(H):
        ga[i] += g * h[i]  # dL/da_i = 2e h_i
        dz = chain(kind, g * a[i], h[i], one)  # dL/dz_i = 2e a_i act'(z_i)
        gw[i] += dz * x  # dL/dw_i = dL/dz_i x
        gb[i] += dz  # dL/db_i = dL/dz_i
    return e * e  # L = (y_hat - y)^2


@numba.njit(cache=True, parallel=True, error_model="numpy")
def sgd_epoch(w, b, a, x, y, order, batch_size, lr, kind, losses):
    """One epoch of SGD for every model. w, b, a: (M, H), updated in place; losses: (M,), += sum of L."""
    M, H = w.shape
    N = order.shape[1]
    one = lr / lr
    for block in numba.prange((M + BLOCK - 1) // BLOCK):
        h, gw, gb, ga = np.empty(H, w.dtype), np.empty(H, w.dtype), np.empty(H, w.dtype), np.empty(H, w.dtype)
        for m in range(block * BLOCK, min(M, block * BLOCK + BLOCK)):
            row = order[m] if order.shape[0] > 1 else order[0]
            total = 0.0
            for start in range(0, N, batch_size):
                gw[:] = 0
                gb[:] = 0
                ga[:] = 0
                count = one - one
                for n in range(start, min(start + batch_size, N)):
                    total += add_gradients(w[m], b[m], a[m], x[row[n]], y[row[n]], kind, one, h, gw, gb, ga)
                    count += one
                step = lr / count  # the batch's mean gradient, times lr
                for i in range(H):
                    w[m, i] -= step * gw[i]
                    b[m, i] -= step * gb[i]
                    a[m, i] -= step * ga[i]
            losses[m] += total


@numba.njit(cache=True)
def batch_gradients(w, b, a, x, y, kind):
    """Mean loss over the samples and its gradients (gw, gb, ga) for one model, (H,) each."""
    H = w.shape[0]
    one = w[0] / w[0] if w[0] != 0 else w[0] + 1
    h, gw, gb, ga = np.empty(H, w.dtype), np.zeros(H, w.dtype), np.zeros(H, w.dtype), np.zeros(H, w.dtype)
    total = 0.0
    for n in range(x.shape[0]):
        total += add_gradients(w, b, a, x[n], y[n], kind, one, h, gw, gb, ga)
    N = x.shape[0]
    return total / N, gw / N, gb / N, ga / N


class Engine:
    def __init__(self, params, cfg):
        self.dtype = np.dtype(cfg.dtype)
        self.w, self.b, self.a = (np.ascontiguousarray(p, dtype=self.dtype) for p in params)  # (M, H)
        self.lr = self.dtype.type(cfg.lr)
        self.kind = KINDS[cfg.activation]

    def epoch(self, x, y, order, batch_size):
        losses = np.zeros(self.w.shape[0])
        sgd_epoch(self.w, self.b, self.a, x.astype(self.dtype), y.astype(self.dtype),
                  np.ascontiguousarray(order), batch_size, self.lr, self.kind, losses)
        return losses

    def gradients(self, x, y):
        w, b, a = (p[0].astype(np.float64) for p in (self.w, self.b, self.a))
        loss, gw, gb, ga = batch_gradients(w, b, a, np.asarray(x, np.float64), np.asarray(y, np.float64), self.kind)
        return loss, Params(gw, gb, ga)

    def params(self):
        return Params(self.w.copy(), self.b.copy(), self.a.copy())
