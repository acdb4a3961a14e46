"""`nnfit compare`: every engine trained from the same start on the same data, side by side."""
import time
import warnings
from dataclasses import replace

import numpy as np

from .engines import ENGINES
from .explain import table
from .i18n import _
from .data import DataWarning
from .train import run, warn_if_x_collapses


WORK = 250_000  # the most epochs x points x max(hidden, 5) compare takes on: the torch engines train one sample at a time
                # (the scalar one 0.2 ms + 0.05-0.09 ms a neuron each, twice: a warm-up and the timed run), so at most
                # about a minute; 5000 points at the default 50 epochs took 2.5 minutes, --epochs 1e6 would take hours


def check_work(cfg, n):
    """ValueError (one line) where compare would run for more than a few minutes on n points."""
    work = cfg.epochs * n * max(cfg.hidden, 5)
    if work > WORK:
        raise ValueError(_("compare trains every engine, the torch ones one sample at a time: {epochs} epochs x {n} points x "
                           "{hidden} neurons (at least 5 counted) is {work}, more than its {limit} (about a minute); use fewer "
                           "--epochs, points or --hidden, or time one engine with nnfit train --engine").format(
                               epochs=cfg.epochs, n=n, hidden=max(cfg.hidden, 5), work=f"{work:,}", limit=f"{WORK:,}"))


def compare(cfg, x, y):
    """A table: engine, final loss, largest parameter difference from scalar, training time."""
    rows, reference = [], None
    warn_if_x_collapses(x, cfg.dtype)  # once here, not once a run
    for name in ENGINES:
        if cfg.models > 1 and name == "scalar":
            continue  # scalar trains one model at a time
        one = replace(cfg, engine=name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            run(one, x, y)  # once to compile or warm up, so the time below is the training alone
            t0 = time.perf_counter()
            result = run(one, x, y)
        seconds = time.perf_counter() - t0
        flat = result.params.flat() if cfg.models == 1 else np.concatenate(result.params, axis=-1)
        final = result.final_loss if cfg.models == 1 else float(np.nanmin(result.final_losses))
        if reference is None:
            reference = (name, flat)
        diff = float(np.max(np.abs(flat.astype(np.float64) - reference[1])))
        rows.append((name, final, diff, seconds))
    cells = [[_("engine"), _("final loss"), _("max |param - {engine}|").format(engine=reference[0]), _("time (ms)")]]
    cells += [[name, f"{final:.6f}" if abs(final) < 1e6 else f"{final:.6g}", f"{diff:.3g}", f"{seconds * 1e3:.2f}"] for name, final, diff, seconds in rows]
    title = _("seed {seed}, {models} model(s), dtype {dtype}, {epochs} epochs").format(
        seed=cfg.seed, models=cfg.models, dtype=cfg.dtype, epochs=cfg.epochs)
    if cfg.models > 1:  # (a silent gap read as a missing row)
        title += _("; the scalar engine is left out: it trains one model at a time")
    return "\n".join([title] + table(cells, "<>>>"))  # (columns by display width: Chinese headings take two a character)
