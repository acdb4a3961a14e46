"""`nnfit compare`: every engine trained from the same start on the same data, side by side."""
import time
from dataclasses import replace

import numpy as np

from .engines import ENGINES
from .train import run


def compare(cfg, x, y):
    """A table: engine, final loss, largest parameter difference from scalar, training time."""
    rows, reference = [], None
    for name in ENGINES:
        if cfg.models > 1 and name == "scalar":
            continue  # scalar trains one model at a time
        one = replace(cfg, engine=name)
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
    head = f"{'engine':<8} {'final loss':>12} {'max |param - ' + reference[0] + '|':>24} {'time (ms)':>10}"
    lines = [f"seed {cfg.seed}, {cfg.models} model(s), dtype {cfg.dtype}, {cfg.epochs} epochs", head]
    for name, final, diff, seconds in rows:
        lines.append(f"{name:<8} {final:>12.6f} {diff:>24.3g} {seconds * 1e3:>10.2f}")
    return "\n".join(lines)
