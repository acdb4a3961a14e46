"""The ledger of one SGD step, as JSON-able numbers for the page: the same numbers `nnfit explain` prints.

`nnfit.explain.step_ledger(params, x, y, idx, cfg)` gives them when that function exists; until then
`own_step_ledger` below computes them the way explain.py does (forward pass and the gradients by hand
in float64, central finite differences beside them, the update p - lr * dL/dp).

The page's shape (every number a float; lists run over samples n, then neurons i):
    idx [n] (0-based sample indices), x [n], y [n], z [n][i], h [n][i], y_hat [n], loss,
    grad {w, b, a: [i]}, grad_fd {w, b, a: [i]}, old {w, b, a: [i]}, new {w, b, a: [i]}, lr, activation
"""
import numpy as np

from ..model import network
from ..params import NAMES, Params


def step_ledger(params, x, y, idx, cfg):
    """The ledger of the step from `params` (H,) on samples x[idx], y[idx] with cfg's lr and activation."""
    from .. import explain
    if hasattr(explain, "step_ledger"):
        return jsonable(explain.step_ledger(params, x, y, np.asarray(idx), cfg))
    return own_step_ledger(params, x, y, idx, cfg)


def explain_ledger(cfg, x, y, epoch, sample):
    """The ledger `nnfit explain --epoch E --sample S` shows for this run (the tests' oracle)."""
    from .. import explain
    if hasattr(explain, "ledger"):
        return jsonable(explain.ledger(cfg, x, y, epoch, sample))
    params, idx = explain.state_before_step(cfg, x, y, epoch, sample)
    return own_step_ledger(params, x, y, idx, cfg)


def own_step_ledger(params, x, y, idx, cfg):
    from .. import engines
    from ..explain import finite_differences
    idx = np.asarray(idx)
    xb, yb = np.asarray(x, np.float64)[idx], np.asarray(y, np.float64)[idx]
    p64 = Params(*(np.asarray(p, np.float64) for p in params))
    y_hat, z, h = network(p64, xb, cfg.activation)  # (n,), (n, H), (n, H)
    one = Params(*(p[None, :] for p in p64))
    f64 = type(cfg)(**{**cfg.to_dict(), "dtype": "float64", "models": 1, "engine": "manual"})
    loss, grad = engines.get("manual").Engine(one, f64).gradients(xb, yb)
    grad_fd = finite_differences(p64, xb, yb, cfg.activation)
    new = Params(*(np.asarray(p) - np.asarray(p).dtype.type(cfg.lr) * g.astype(np.asarray(p).dtype)
                   for p, g in zip(params, grad)))
    return jsonable({
        "idx": idx, "x": xb, "y": yb, "z": z, "h": h, "y_hat": y_hat, "loss": loss,
        "grad": as_dict(grad), "grad_fd": as_dict(grad_fd), "old": as_dict(params), "new": as_dict(new),
        "lr": cfg.lr, "activation": cfg.activation,
    })


def as_dict(p):
    return {name: getattr(p, name) for name in NAMES}


def jsonable(v):
    """NumPy arrays and scalars as lists and floats; NaN and infinities as None (JSON has none)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, Params):
        return jsonable(as_dict(v))
    if isinstance(v, (list, tuple, np.ndarray)):
        return [jsonable(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if np.isfinite(f) else None
    return v
