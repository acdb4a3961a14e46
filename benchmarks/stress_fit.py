"""Several hundred fits of noisy and awkward data: does every nnfit.fit end in a finite model or one of
nnfit's own errors?

    .venv/bin/python benchmarks/stress_fit.py               # 800 seeded fits, about 110 s here
    .venv/bin/python benchmarks/stress_fit.py --fits 50     # fewer
    .venv/bin/python benchmarks/stress_fit.py --only 17     # case 17 alone, with its data and options

Each case draws, from its own seed: a curve (smooth, kinked, stepped, oscillating, spiky, linear,
constant), an x layout (uniform, grid, duplicated, two clusters, all equal, all equal but one), 2 to
5000 points (log-uniform), x and y spans from 1e-9 to 1e9 around 0, many spans away or near 1e9,
noise from none to three times the signal, and outliers; and fit options: every activation, optimizer,
regularization and scaling, hidden 1-30, 16 starts (or 1-16), learning rates up to 1e6. Epochs are
the default 1000, cut only where a fit's estimated cost would take more than a few seconds.

Outcomes:
    finite model         predictions finite on the data and on a grid three times as wide,
                         final_loss equal to the training MSE, save -> load -> predict identical
    nnfit error          ConfigError / DataError / TrainingDiverged (by class)
    nnfit warning        a DataWarning of nnfit's own (e.g. no start beat the mean: the constant is kept),
                         counted beside the fit's outcome
    anything else        an exception of another class, a non-finite prediction, a dishonest
                         final_loss, a changed prediction after save and load, a warning or text
                         on stderr, or an lm fit worse on its training points than their mean
The first example of each "anything else" is printed with the line that reruns it.
"""
import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter, defaultdict

import numpy as np

import nnfit
from nnfit.fit.driver import split

NNFIT_ERRORS = (nnfit.ConfigError, nnfit.DataError, nnfit.TrainingDiverged)
SHAPES = {  # the truth, on t in [-1, 1]
    "linear": lambda t: t,
    "smooth": lambda t: np.sin(1.5 * t) + 0.5 * t,
    "damped": lambda t: np.exp(-2 * (t + 1)) * np.sin(8 * t),
    "kinked": lambda t: np.abs(t - 0.3),
    "stepped": lambda t: np.floor(2.5 * t),
    "oscillating": lambda t: np.sin(12 * t),
    "spike": lambda t: np.exp(-(t / 0.05) ** 2),
    "constant": lambda t: np.zeros_like(t),
}
LAYOUTS = ["uniform"] * 4 + ["grid"] * 2 + ["duplicated", "clusters", "one_x", "one_apart"]
OFFSETS = ["zero"] * 3 + ["far", "near_1e9"]
COST_BUDGET = 2e10 # estimated cost units (about 3e9 a second here) after which epochs are cut


def case(i, seed):
    """Data and options of case i, from its own seed."""
    rng = np.random.default_rng([seed, i])
    c = {"i": i}
    c["shape"] = str(rng.choice(list(SHAPES)))
    c["layout"] = str(rng.choice(LAYOUTS))
    c["n"] = int(np.clip(round(np.exp(rng.uniform(np.log(2), np.log(5000)))), 2, 5000))
    c["x_exp"], c["y_exp"] = (int(rng.choice([0, 0, 0, *range(-9, 10)])) for _ in range(2))
    c["x_offset"], c["y_offset"] = str(rng.choice(OFFSETS)), str(rng.choice(OFFSETS))
    c["noise"] = float(rng.choice([0.0, 1e-6, 1e-2, 0.1, 0.1, 0.3, 3.0]))
    c["outliers"] = int(rng.choice([0, 0, 0, 1, 3]))
    c["outlier_size"] = float(rng.choice([10.0, 1e3, 1e6]))
    c["data_seed"] = int(rng.integers(2**32))
    opts = {
        "optimizer": str(rng.choice(["lm", "lm", "lm", "lbfgs", "adam", "momentum", "sgd"])),
        "activation": str(rng.choice(["auto", "sigmoid", "tanh", "relu"])),
        "regularization": str(rng.choice(["auto", "auto", "bayes", "none"])),
        "scale": str(rng.choice(["standard", "standard", "minmax", "none"])),
        "hidden": int(np.clip(round(np.exp(rng.uniform(0, np.log(30)))), 1, 30)),
        "starts": int(rng.choice([16, 16, 16, rng.integers(1, 17)])),
        "seed": int(rng.integers(2**63)),
    }
    if opts["regularization"] == "bayes" and opts["optimizer"] != "lm" and rng.random() < 0.8:
        opts["regularization"] = "auto"  # keep most cases fitting; some check the ConfigError
    if opts["optimizer"] in ("sgd", "momentum", "adam"):
        opts["lr"] = float(rng.choice([0.01, 0.01, 1e-4, 0.1, 1.0, 100.0, 1e6]))
    opts["epochs"] = capped_epochs(opts, c["n"])
    c["opts"] = opts
    return c


def capped_epochs(opts, n, epochs=1000):
    P = 3 * opts["hidden"]
    per_epoch = opts["starts"] * ((n * P * P + 4 * P ** 3) if opts["optimizer"] == "lm" else 40 * n * P)
    return int(max(5, min(epochs, COST_BUDGET // per_epoch)))


def arrays(c):
    rng = np.random.default_rng(c["data_seed"])
    n, layout = c["n"], c["layout"]
    if layout == "uniform":
        t = rng.uniform(-1, 1, n)
    elif layout == "grid":
        t = np.linspace(-1, 1, n)
    elif layout == "duplicated":
        t = rng.choice(np.linspace(-1, 1, max(1, n // 4)), n)
    elif layout == "clusters":
        t = np.where(rng.random(n) < 0.5, -1, 1) * rng.uniform(0.95, 1.0, n)
    else:
        t = np.zeros(n)
        if layout == "one_apart":
            t[-1] = 1.0
    y = SHAPES[c["shape"]](t) + c["noise"] * rng.standard_normal(n)
    if c["outliers"]:
        at = rng.choice(n, min(c["outliers"], n), replace=False)
        y[at] += c["outlier_size"] * rng.choice([-1.0, 1.0], len(at))
    return place(t, c["x_exp"], c["x_offset"]), place(y, c["y_exp"], c["y_offset"])


def place(t, exp, offset):
    span = 10.0 ** exp
    return {"zero": 0.0, "far": 100 * span, "near_1e9": 1e9}[offset] + span * t


def training_indices(model, n):
    cfg, bayes = model.config, model.extra["bayes"]
    test_fraction = cfg.test_fraction if cfg.test_fraction is not None else (0.0 if bayes else cfg.val_fraction)
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[0])
    return split(n, rng, 0.0 if bayes else cfg.val_fraction, test_fraction)[0]


def problems_of(model, x, y, opts):
    """What is wrong with a returned model: a list of (class, detail)."""
    found = []
    lo, hi = x.min(), x.max()
    span = max(hi - lo, abs(lo) * 1e-6, 1e-300)
    grid = np.linspace(lo - span, hi + span, 301)
    on_data, on_grid = model.predict(x), model.predict(grid)
    if not (np.isfinite(on_data).all() and np.isfinite(on_grid).all()):
        found.append(("non-finite prediction", f"{np.sum(~np.isfinite(on_data))} of {len(x)} on the data, "
                      f"{np.sum(~np.isfinite(on_grid))} of 301 on the grid"))
        return found
    tr = training_indices(model, len(x))
    mse = float(np.mean((on_data[tr] - y[tr]) ** 2))
    if not abs(model.final_loss - mse) <= 1e-12 * mse:
        found.append(("final_loss is not the training MSE", f"final_loss {model.final_loss!r}, MSE {mse!r}"))
    with tempfile.TemporaryDirectory() as d:
        model.save(os.path.join(d, "m.safetensors"))
        loaded = nnfit.load(os.path.join(d, "m.safetensors"))
    if not (np.array_equal(loaded.predict(x), on_data) and np.array_equal(loaded.predict(grid), on_grid)):
        found.append(("save -> load changes predictions", ""))
    yt = y[tr]
    const = float(np.mean((yt - yt.mean()) ** 2))
    if opts["optimizer"] == "lm" and mse > const * (1 + 1e-9) + (4e-16 * np.max(np.abs(yt))) ** 2:
        how = "bayes" if model.extra["bayes"] else ("early stopping" if model.extra["split"][1] else "no regularization")
        found.append((f"lm worse than the mean ({how}, scale {opts['scale']})",
                      f"training MSE {mse:.6g} > the mean's {const:.6g} (x{mse / const:.4f})"))
    return found


def run_case(c):
    """(outcomes [(class, detail)], seconds, stderr text)."""
    x, y = arrays(c)
    err = io.StringIO()
    t0 = time.perf_counter()
    outcomes = []
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        try:
            model = nnfit.fit(x, y, **c["opts"])
        except NNFIT_ERRORS as e:
            outcomes.append((f"nnfit error: {type(e).__name__} ({c['opts']['optimizer']})", str(e)))
        except Exception as e:  # noqa: BLE001 -- counting these is the point
            tb = traceback.extract_tb(e.__traceback__)[-1]
            outcomes.append((f"other exception: {type(e).__name__}",
                             f"{str(e)[:200]} (at {os.path.basename(tb.filename)}:{tb.lineno})"))
        else:
            seconds = time.perf_counter() - t0
            try:
                outcomes += problems_of(model, x, y, c["opts"])
            except Exception as e:  # noqa: BLE001
                outcomes.append((f"other exception after the fit: {type(e).__name__}", str(e)[:200]))
            if not outcomes:
                outcomes.append(("finite model", ""))
    seconds = time.perf_counter() - t0 if "seconds" not in locals() else seconds
    for w in caught:
        text = f"{w.category.__name__}: {w.message} ({os.path.basename(w.filename)}:{w.lineno})"
        if issubclass(w.category, nnfit.DataWarning):  # nnfit's own warning: part of its answer, counted apart
            kind = re.sub(r"\d[\d.e+-]*", "N", str(w.message).split(":")[0].split(";")[0])  # (one row a kind: "N parameters ...")
            outcomes.append((f"nnfit warning: {kind} ({c['opts']['optimizer']})", text))
        else:
            outcomes.append(("warning leaked", text))
    if err.getvalue().strip():
        outcomes.append(("text on stderr", err.getvalue().strip().splitlines()[-1][:200]))
    return outcomes, seconds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fits", type=int, default=800, help="number of cases (default 800)")
    ap.add_argument("--seed", type=int, default=0, help="seeds every case (default 0)")
    ap.add_argument("--only", type=int, default=None, help="run this case alone and print it")
    args = ap.parse_args(argv)
    if args.only is not None:
        c = case(args.only, args.seed)
        x, y = arrays(c)
        print(c)
        print(f"x[:5] = {x[:5].tolist()}\ny[:5] = {y[:5].tolist()}")
        outcomes, seconds = run_case(c)
        for cls, detail in outcomes:
            print(f"{cls}: {detail}")
        print(f"{seconds:.2f} s")
        return 0
    counts, first, times = Counter(), {}, defaultdict(list)
    t_all = time.perf_counter()
    for i in range(args.fits):
        c = case(i, args.seed)
        outcomes, seconds = run_case(c)
        times[c["opts"]["optimizer"]].append(seconds)
        for cls, detail in dict(outcomes).items():
            counts[cls] += 1
            first.setdefault(cls, (i, c, detail))
        if (i + 1) % 25 == 0:
            print(f"  {i + 1} fits, {time.perf_counter() - t_all:.0f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - t_all
    ok = lambda cls: cls == "finite model" or cls.startswith(("nnfit error", "nnfit warning"))
    print(f"\n{args.fits} fits (seed {args.seed}) in {total:.0f} s\n")
    print(f"{'outcome':<60} {'fits':>5}")
    for cls in sorted(counts, key=lambda k: (not ok(k), k)):
        print(f"{cls:<60} {counts[cls]:>5}")
    print(f"\n{'optimizer':<10} {'fits':>5} {'median s':>9} {'90% s':>7} {'max s':>7} {'total s':>8}")
    for name, ts in sorted(times.items()):
        print(f"{name:<10} {len(ts):>5} {np.median(ts):>9.2f} {np.quantile(ts, 0.9):>7.2f} {max(ts):>7.2f} {sum(ts):>8.1f}")
    print()
    for cls in sorted(counts):
        i, c, detail = first[cls]
        if not ok(cls) or cls.startswith("nnfit error"):
            head = "first example" if not ok(cls) else "first"
            print(f"{cls}: {head} case {i}: {detail}\n    {data_line(c)}\n    nnfit.fit(x, y, **{c['opts']})"
                  f"\n    rerun: python benchmarks/stress_fit.py --seed {args.seed} --only {i}")
    return 1 if any(not ok(k) for k in counts) else 0


def data_line(c):
    return ", ".join(f"{k}={c[k]}" for k in ("shape", "layout", "n", "x_exp", "x_offset", "y_exp", "y_offset",
                                              "noise", "outliers", "outlier_size", "data_seed"))


if __name__ == "__main__":
    sys.exit(main())
