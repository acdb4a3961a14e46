"""The training loop shared by every engine: the tutorial's recipe.

    for each epoch:
        for each mini-batch, in data order (or a seeded shuffle):
            forward, loss, gradients, p -= lr * grad        <- the engine
        print the epoch's average loss

An engine is a class `Engine(params, cfg)` with `.epoch(x, y, order, batch_size)` returning each
model's summed loss over the epoch (before each step's update) and `.params()` returning the (M, H)
parameters; see nnfit/engines/__init__.py.
"""
import math
import sys

import numpy as np

from . import engines
from .config import Config, check_bool
from .data import as_points, warn_data
from .i18n import _
from .model import Model, Models
from .params import init_many


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message says at which epoch and what to try."""


def train(x=None, y=None, verbose=False, **options):
    """Train the network on (x, y) (the tutorial's points by default) with the tutorial's recipe.

    Options are Config's fields (hidden, activation, lr, epochs, batch_size, shuffle, seed,
    engine, dtype, models, device). Returns a Model, or Models when models > 1.
    """
    Config.check_names(options)
    cfg = Config(**options)
    if cfg.seed is None:
        cfg.seed = draw_seed()
    cfg.validate()
    check_bool("verbose", verbose)
    x, y = as_points(x, y)
    return run(cfg, x, y, out=sys.stdout if verbose else None)


def draw_seed():
    return int(np.random.SeedSequence().generate_state(1)[0]) % 2**31


def run(cfg, x, y, out=None, on_epoch=None):
    """Train per a validated cfg; print epoch lines to `out` when given; call on_epoch(epoch, params)
    after each epoch when given (e.g. to record frames of an animation; nothing is kept otherwise)."""
    cfg.check_memory(len(x))
    with np.errstate(all="ignore"):  # a diverging run is reported by check_finite, not by NumPy warnings
        warn_if_x_collapses(x, cfg.dtype)
        return _run(cfg, x, y, out, on_epoch)


def _run(cfg, x, y, out, on_epoch):
    M = cfg.models
    batch_size = min(cfg.batch_size, len(x))  # a batch larger than the data is the whole data
    Engine = engines.get(cfg.resolved_engine()).Engine
    start = init_many(cfg.seed, M, cfg.hidden, cfg.dtype)  # (M, H) each, as torch.manual_seed(seed + k) draws
    engine = Engine(start, cfg)
    history = np.empty((M, cfg.epochs))
    for epoch in range(cfg.epochs):
        order = epoch_order(cfg.seed, M, len(x), epoch) if cfg.shuffle else np.arange(len(x))[None, :]
        history[:, epoch] = engine.epoch(x, y, order, batch_size) / len(x)
        check_finite(history[:, epoch], epoch + 1, cfg, x, y)
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


def check_finite(losses, epoch, cfg, x=None, y=None):
    """TrainingDiverged when every model's loss is NaN or infinite, with a hint that fits the cause
    (the data's size when x and y are given, else the learning rate)."""
    finite = np.isfinite(losses)
    if finite.all() or (cfg.models > 1 and finite.any()):
        return  # with many models, the ones that diverge drop out; the others go on
    bad = losses[~finite][0]
    raise TrainingDiverged(_("the loss became {bad} at epoch {epoch} with lr {lr:g}; {hint}").format(
        bad=bad, epoch=epoch, lr=cfg.lr, hint=divergence_hint(cfg, x, y)))


STABLE_WORK = 500_000  # sample-steps (a run of one model: about 0.3 s): the most a divergence hint spends on a learning rate that holds


def stable_lr(cfg, x, y, epochs):
    """The largest lr / 10^k (k = 1, 2, ..., down to 1e-6 and at least 8 of them) whose run of one model from
    the same start (the manual engine) stays finite for `epochs` epochs, rounded to 3 digits; None where none
    does. (A run that diverges mostly does so in its first epochs, and ends there: --lr 1e30 tries 36 rates.)"""
    from dataclasses import replace
    from .engines import manual
    for k in range(1, max(9, math.ceil(math.log10(cfg.lr / 1e-6)) + 1)):
        trial = replace(cfg, lr=cfg.lr / 10 ** k, models=1)
        engine = manual.Engine(init_many(cfg.seed, 1, cfg.hidden, cfg.dtype), trial)
        orders = (epoch_order(cfg.seed, 1, len(x), e) if cfg.shuffle else np.arange(len(x))[None, :] for e in range(epochs))
        with np.errstate(all="ignore"):
            if all(np.isfinite(engine.epoch(x, y, order, cfg.batch_size)).all() for order in orders):
                return float(f"{trial.lr:.3g}")
    return None


def divergence_hint(cfg, x=None, y=None):
    """What to do about a run that overflowed: the data's size when x and y are given and too large for
    the dtype (a smaller learning rate would not help), a tiny learning rate, else a smaller one: one that
    was tried from the same start and holds for the run's epochs, where that is cheap (one model,
    STABLE_WORK), else a tenth."""
    big = float(np.finfo(cfg.dtype).max) ** 0.5 / 10  # squares of larger values overflow
    if x is not None and max(np.max(np.abs(x)), np.max(np.abs(y))) > big:
        return (_("the data's values are too large for {dtype}: scale them or use --dtype float64")
                if cfg.dtype == "float32" else _("the data's values are too large for {dtype}: scale them")
                ).format(dtype=cfg.dtype)
    if cfg.lr / 10 < np.finfo(cfg.dtype).tiny:
        return _("the learning rate is already tiny: scale the data")
    if x is not None and cfg.models == 1 and cfg.seed is not None and len(x) * cfg.epochs <= STABLE_WORK:
        good = stable_lr(cfg, np.asarray(x), np.asarray(y), cfg.epochs)
        if good is not None:
            return _("try a smaller learning rate (--lr {lr:g} does not diverge from this start in {epochs} "
                     "epochs) or scaled data").format(lr=good, epochs=cfg.epochs)
    return _("try a smaller learning rate (e.g. --lr {lr:g}) or scaled data").format(
        lr=cfg.lr / 10 if cfg.lr <= 1 else type(cfg).lr)  # (past 1, a tenth diverges too: the default, 0.01)


def warn_if_x_collapses(x, dtype):
    """Warn (DataWarning) when distinct x values become one number in the run's dtype."""
    if dtype != "float32":
        return
    xs = np.unique(x)
    same = np.flatnonzero(np.diff(xs.astype(np.float32)) == 0)
    if same.size:
        a, b = float(xs[same[0]]), float(xs[same[0] + 1])
        warn_data(_("x values {a!r} and {b!r} are the same number in float32 ({same!r}), as are {count} pair(s) in all; "
                    "use --dtype float64 or shift x (e.g. subtract {shift!r})").format(
                        a=a, b=b, same=float(np.float32(a)), count=same.size, shift=float(xs[0])))


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
