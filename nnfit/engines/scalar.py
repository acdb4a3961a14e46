"""The tutorial's engine: every neuron written out, PyTorch autograd for the gradients.

This is the chapter's "sequential coding", for any H: each w_i, b_i, a_i is its own scalar tensor,
the forward pass goes neuron by neuron,

    h_i = act(w_i * x + b_i)                  (1)-(5)
    y_hat = a_1 h_1 + a_2 h_2 + ... + a_H h_H
    loss = (y_hat - y)^2

`loss.backward()` fills every parameter's .grad, and each is updated by p -= lr * p.grad and its
gradient zeroed, one sample (or mini-batch) at a time. With cfg.keep_grads the gradients are never
zeroed, as the chapter's section-4 loop is printed: each backward() then adds to the sum of all the
earlier ones, and every step goes by that sum (`nnfit train --keep-grads`).
"""
import numpy as np

from .._torch import require_torch
from ..activations import TORCH
from ..params import Params

torch = require_torch("scalar")

MANY_MODELS = False
ACT = {name: getattr(torch, fn) for name, fn in TORCH.items()}  # the registry, nnfit/activations.py


class Engine:
    def __init__(self, params, cfg):
        dtype = getattr(torch, cfg.dtype)
        self.lr = cfg.lr
        self.act = ACT[cfg.activation]
        self.keep_grads = getattr(cfg, "keep_grads", False)
        # One scalar tensor per parameter, as in the tutorial's HiddenLayer and OutputLayer.
        def leaves(values):
            return [torch.tensor([float(v)], dtype=dtype, requires_grad=True) for v in np.ravel(values)]
        self.w, self.b, self.a = leaves(params.w), leaves(params.b), leaves(params.a)

    def forward(self, x):
        """y_hat for one sample x (a Python float), neuron by neuron."""
        h = [self.act(w_i * x + b_i) for w_i, b_i in zip(self.w, self.b)]  # h_i = act(w_i x + b_i)
        y_hat = self.a[0] * h[0]
        for a_i, h_i in zip(self.a[1:], h[1:]):  # y_hat = a_1 h_1 + a_2 h_2 + ... (left to right)
            y_hat = y_hat + a_i * h_i
        return y_hat

    def batch_loss(self, xs, ys):
        """Squared errors of a mini-batch: their mean (for the step) and their sum (for the report)."""
        losses = [(self.forward(x) - y).pow(2) for x, y in zip(xs, ys)]  # (y_hat - y)^2
        total = sum(loss.item() for loss in losses)
        loss = losses[0]
        if len(losses) > 1:
            loss = torch.stack(losses).mean()
        return loss, total

    def step(self, xs, ys):
        """One SGD step on a mini-batch; returns the sum of its losses before the update."""
        loss, total = self.batch_loss(xs, ys)
        loss.backward()  # autograd: every p.grad = d loss / d p
        with torch.no_grad():
            for p in self.w + self.b + self.a:
                p -= self.lr * p.grad
            if not self.keep_grads:  # the chapter's section 4 forgets this; its full program has it
                for p in self.w + self.b + self.a:
                    p.grad.zero_()
        return total

    def epoch(self, x, y, order, batch_size):
        """One pass over the data in the given order; returns the summed loss, shape (1,)."""
        order = order[0]
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            total += self.step([float(v) for v in x[idx]], [float(v) for v in y[idx]])
        return np.array([total])

    def gradients(self, x, y):
        """Mean loss over the samples and d loss / d (w, b, a), without updating."""
        loss, _ = self.batch_loss([float(v) for v in x], [float(v) for v in y])
        params = self.w + self.b + self.a
        grads = torch.autograd.grad(loss, params)
        return loss.item(), Params.from_flat(torch.cat(grads).detach().numpy().astype(np.float64))

    def params(self):
        def values(ps):
            return torch.cat([p.detach() for p in ps]).numpy()[None, :]  # (1, H)
        return Params(values(self.w), values(self.b), values(self.a))
