"""The training loop shared by every engine: the tutorial's recipe.

    for each epoch:
        for each mini-batch, in data order (or a seeded shuffle):
            forward, loss, gradients, p -= lr * grad        <- the engine
        print the epoch's average loss

An engine is a class `Engine(params, cfg)` with `.epoch(x, y, order, batch_size)` returning each
model's summed loss over the epoch (before each step's update) and `.params()` returning the (M, H)
parameters; see nnfit/engines/__init__.py.
"""
import sys

import numpy as np

from . import engines
from .config import Config
from .data import as_points
from .model import Model, Models
from .params import Params, init_many, init_params


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message says at which epoch and what to try."""


def train(x=None, y=None, verbose=False, **options):
    """Train the network on (x, y) (the tutorial's points by default) with the tutorial's recipe.

    Options are Config's fields (hidden, activation, lr, epochs, batch_size, shuffle, seed,
    engine, dtype, models, device). Returns a Model, or Models when models > 1.
    """
    cfg = Config(**options)
    if cfg.seed is None:
        cfg.seed = draw_seed()
    cfg.validate()
    x, y = as_points(x, y)
    return run(cfg, x, y, out=sys.stdout if verbose else None)


def draw_seed():
    return int(np.random.SeedSequence().generate_state(1)[0]) % 2**31


def run(cfg, x, y, out=None, on_epoch=None):
    """Train per a validated cfg; print epoch lines to `out` when given; call on_epoch(epoch, params)
    after each epoch when given (e.g. to record frames of an animation; nothing is kept otherwise)."""
    M = cfg.models
    if M == 1 and cfg.resolved_engine() != "manual":  # torch is loaded anyway: draw as the tutorial does
        start = Params(*(p[None, :] for p in init_params(cfg.seed, cfg.hidden, cfg.dtype)))
    else:  # the same numbers, from a compiled copy of torch's generator (no torch import, 10^5 seeds/0.1 s)
        start = init_many(cfg.seed, M, cfg.hidden, cfg.dtype)  # (M, H) each
    engine = engines.get(cfg.resolved_engine()).Engine(start, cfg)
    history = np.empty((M, cfg.epochs))
    for epoch in range(cfg.epochs):
        order = epoch_order(cfg.seed, M, len(x), epoch) if cfg.shuffle else np.arange(len(x))[None, :]
        history[:, epoch] = engine.epoch(x, y, order, cfg.batch_size) / len(x)
        check_finite(history[:, epoch], epoch + 1, cfg)
        if on_epoch is not None:
            on_epoch(epoch + 1, engine.params())
        if out is not None:
            print(epoch_line(epoch + 1, history[:, epoch]), file=out, flush=False)
    x_range = (float(np.min(x)), float(np.max(x)))
    params = engine.params()
    if M == 1:
        return Model(params, cfg, history[0], x_range)
    return Models(params, cfg, history, x_range)


def epoch_line(epoch, losses):
    if len(losses) == 1:
        return f"Epoch {epoch}, Average Loss: {losses[0]:.6f}"  # the tutorial's line
    return f"Epoch {epoch}, Best Loss: {np.nanmin(losses):.6f}, Median Loss: {np.nanmedian(losses):.6f}"


def check_finite(losses, epoch, cfg):
    finite = np.isfinite(losses)
    if finite.all() or (cfg.models > 1 and finite.any()):
        return  # with many models, the ones that diverge drop out; the others go on
    bad = losses[~finite][0]
    raise TrainingDiverged(
        f"the loss became {bad} at epoch {epoch} with lr {cfg.lr:g}; "
        f"try a smaller learning rate (e.g. --lr {cfg.lr / 10:g}) or scaled data")


def epoch_order(seed, models, n, epoch):
    """The seeded shuffle: a random permutation of range(n) per model, (M, n).

    Model k's order depends only on (seed + k, epoch), so it is the same trained alone or with others.
    Each sample gets a SplitMix64 hash of (model seed, epoch, index) as its sort key.
    """
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps around on purpose
        seeds = np.arange(seed, seed + models, dtype=np.uint64)[:, None]  # (M, 1)
        index = np.arange(n, dtype=np.uint64)[None, :]  # (1, n)
        keys = _splitmix64(_splitmix64(seeds * np.uint64(1 << 20) + np.uint64(epoch)) + index)  # (M, n)
    return np.argsort(keys, axis=1, kind="stable")


def _splitmix64(z):
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))
