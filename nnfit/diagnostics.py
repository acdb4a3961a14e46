"""A fit's diagnostics as MATLAB's nftool shows them, and the warnings about a fit in plain words.
Pure NumPy: plot.py draws diagnostics.png and fit.png (d > 1 or k > 1) from these numbers.

    diagnose      the targets t, outputs o and errors t - o of the train / validation / test points,
                  R and the line o = m t + c of each split, the errors' histogram
    regression    R (Pearson's) and the least-squares line of the outputs on the targets
    fit_warnings  too many parameters for the points, validation far above training, test far below
"""
import math

import numpy as np

from .i18n import _, listed

SPLITS = ("train", "val", "test")
BINS = 20  # the error histogram's bins (nftool: 20)

# fit_warnings' thresholds; why these numbers: see its docstring
MANY_PARAMETERS = 0.5  # (effective) parameters above this share of the training values
VAL_RATIO = 4.0        # validation MSE above this many times the training MSE ...
VAL_R2 = 0.99          # ... and the validation R² below this (the extra error matters)
R2_DROP = 0.1          # test R² more than this below the training R² ...
TEST_RATIO = 2.0       # ... and the test MSE above this many times the training MSE
MIN_HELD_OUT = 5       # a validation or test set is judged from this many points on
FLAT_R2 = 0.01         # a training R² below this: the fit is about the constant mean of y


def regression(t, o):
    """R (Pearson's correlation of outputs and targets) and the line o = m t + c fitted by least
    squares, for 1-D t and o; R, m and c are NaN when the targets (or, for R, the outputs) are constant."""
    t, o = np.asarray(t, np.float64).ravel(), np.asarray(o, np.float64).ravel()
    dt, do = t - t.mean(), o - o.mean()
    stt, soo, sto = dt @ dt, do @ do, dt @ do
    r = sto / math.sqrt(stt * soo) if stt > 0 and soo > 0 else math.nan
    m = sto / stt if stt > 0 else math.nan
    return float(r), float(m), float(o.mean() - m * t.mean())


def error_histogram(errors, bins=BINS):
    """Common bin edges (bins + 1,) over every error, and each group's counts (bins,) in them."""
    every = np.concatenate([np.ravel(e) for e in errors])
    try:
        edges = np.histogram_bin_edges(every, bins)
    except ValueError:  # errors that differ in the last digits only: no bins fit between them, so a wider window
        mid = float(np.median(every))
        half = max(float(every.max() - every.min()), abs(mid) * 1e-6, 1e-300)
        edges = np.histogram_bin_edges(every, bins, range=(mid - half, mid + half))
    return edges, [np.histogram(np.ravel(e), edges)[0] for e in errors]


def diagnose(model, x, y, index, bins=BINS):
    """What diagnostics.png shows, from x (N,) or (N, d), y (N,) or (N, k) and index {split: indices}
    (fit.driver.split_indices). With k > 1 outputs, targets and outputs are each standardized by the
    training targets' mean and std, so that outputs in different units share one axis.
    Returns {"splits": {name: {"x", "t", "o", "e", "r", "m", "c"}} for the splits with points
    (t, o, e: (n_s, k)), "all": (r, m, c), "edges", "counts": {name: (bins,)}, "standardized"}."""
    n = len(y)
    x, t = np.asarray(x, np.float64).reshape(n, -1), np.asarray(y, np.float64).reshape(n, -1)  # (N, d), (N, k)
    o = np.asarray(model.predict(x if x.shape[1] > 1 else x[:, 0]), np.float64).reshape(n, -1)  # (N, k)
    standardized = t.shape[1] > 1
    if standardized:
        train = t[index["train"]]
        mean, std = train.mean(axis=0), train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        t, o = (t - mean) / std, (o - mean) / std
    splits = {}
    for name in SPLITS:
        idx = np.asarray(index.get(name, ()), dtype=int)
        if len(idx):
            r, m, c = regression(t[idx], o[idx])
            splits[name] = {"x": x[idx], "t": t[idx], "o": o[idx], "e": t[idx] - o[idx], "r": r, "m": m, "c": c}
    edges, counts = error_histogram([s["e"] for s in splits.values()], bins)
    return {"splits": splits, "all": regression(t, o), "edges": edges, "counts": dict(zip(splits, counts)),
            "standardized": standardized}


def flat_fit(model):
    """The warning for a fit about the constant mean (training R² below FLAT_R2) that did not keep the constant
    itself (that one says so where it is kept), else None; nnfit.fit also gives it as a DataWarning."""
    e, m = model.extra, model.extra["metrics"]
    constant = str(e.get("stopped", "")).startswith("no start beat the constant")
    if constant or not m["train"]["r2"] < FLAT_R2:  # NaN (y constant) compares False
        return None
    cfg = model.config  # hints only for what this fit could change
    tries = ([_("--scale standard")] if getattr(cfg, "scale", "standard") != "standard" else []) + (
        [_("another --lr"), _("more --epochs")] if getattr(cfg, "optimizer", "lm") in ("sgd", "momentum", "adam") else [])
    return _("the fit explains {share:.1%} of y's variance on its training points: it is about the constant "
             "mean (y may be noise to this network{hint})").format(
                 share=max(m["train"]["r2"], 0.0), hint=_("; or try {options}").format(options=listed(tries)) if tries else "")


def fit_warnings(model):
    """Plain-words warnings about a fit (model.extra of fit_points), [] when none applies.

    Too many parameters: with P parameters fitted by least squares to n values (points × outputs),
    the training MSE is on average (1 - P/n) times the noise's variance; above P > n/2 it looks more
    than twice as good as the fit is, and at P >= n the curve can pass through every point. So warn
    when P > n/2 with neither regularization nor a validation split (early stopping limits the fit on
    its own; the validation check below covers it), and with Bayesian regularization when the
    effective parameters gamma > n/2.
    Validation: for a fit that carries over, the validation MSE is about the training MSE times
    (1 + P/n) / (1 - P/n), which is 4 at P/n = 0.6, beyond the rule above; and early stopping picks
    the epoch where the validation MSE is least, which flatters it. So warn above 4 times, when the
    validation points also miss more than 1% of their variance (R² < 0.99: a near-exact fit of
    smooth data may have tiny errors in any ratio).
    Test: R² more than 0.1 below the training R² (a tenth of the variance unexplained besides), with
    a test MSE over twice the training MSE (so that a test set of little spread, whose R² is low
    however good the fit, does not count).
    Validation and test need 5 points or more: fewer are too few to judge by.
    Flat: a training R² below 1% (a fit that kept the constant says so itself): the curve is about
    the mean of y (sgd at lr 1000 drove the weights to 1e9 and a constant, silently)."""
    e = model.extra
    n_train, n_val, n_test = e["split"]
    values = n_train * model.n_outputs
    out = []
    reg = e.get("regularization")
    if e["bayes"] and reg and reg["gamma"] > MANY_PARAMETERS * values:
        out.append(_("Bayesian regularization kept {gamma:.1f} effective parameters for {values} training values: "
                     "the fit can follow the noise; try a smaller --hidden or more points").format(
                         gamma=reg["gamma"], values=values))
    # what the fit fitted: W, b, A and, since fits have one, the output bias (folded into y_shift)
    parameters = e.get("parameters", sum(int(np.size(p)) for p in model.params))
    if not e["bayes"] and not n_val and parameters > MANY_PARAMETERS * values:
        out.append(_("{P} parameters for {values} training values, with no regularization or validation split: "
                     "the fit can follow the noise; try --regularization bayes, a smaller --hidden or more points").format(
                         P=parameters, values=values))
    m = e["metrics"]
    constant = str(e.get("stopped", "")).startswith("no start beat the constant")  # warned about as it was kept
    flat = flat_fit(model)
    if flat:
        out.append(flat)
    if constant:  # the mean of y, kept: it follows no noise, so a worse held-out error is not overfitting
        return out
    if n_val >= MIN_HELD_OUT and m["val"]["mse"] > VAL_RATIO * m["train"]["mse"] and not m["val"]["r2"] >= VAL_R2:
        if m["train"]["mse"] > 0:
            out.append(_("the validation MSE is {ratio:.3g} times the training MSE: the fit does not carry over to new "
                         "points (overfitted); try a smaller --hidden or more points").format(
                             ratio=m["val"]["mse"] / m["train"]["mse"]))
        else:  # ("inf times" before: stress_fit)
            out.append(_("the validation MSE is {val:.3g} where the fit passes through every training point: it does not "
                         "carry over to new points (overfitted); try a smaller --hidden or more points").format(
                             val=m["val"]["mse"]))
    if n_test >= MIN_HELD_OUT and m["test"]["r2"] < m["train"]["r2"] - R2_DROP \
            and m["test"]["mse"] > TEST_RATIO * m["train"]["mse"]:
        out.append(_("the test R² {test:.3f} is far below the training R² {train:.3f}: the fit does not carry over to "
                     "new points (overfitted); try a smaller --hidden or more points").format(
                         test=m["test"]["r2"], train=m["train"]["r2"]))
    return out


def per_output(model, x, y):
    """fit.png with d > 1 or k > 1, from x (N, d) and y (N, k): targets t and outputs o (N, k), the half
    width 1.96 std of the 95% prediction interval (N, k) for a Bayesian fit (else None), and each
    output's R and RMSE over every point (k,)."""
    n = len(y)
    x, t = np.asarray(x, np.float64).reshape(n, -1), np.asarray(y, np.float64).reshape(n, -1)
    x = x if x.shape[1] > 1 else x[:, 0]
    if model.posterior is not None:
        o, std = model.predict(x, return_std=True)
        half = 1.96 * np.asarray(std).reshape(n, -1)
    else:
        o, half = model.predict(x), None
    o = np.asarray(o, np.float64).reshape(n, -1)
    r = np.array([regression(t[:, j], o[:, j])[0] for j in range(t.shape[1])])
    rmse = np.sqrt(np.mean((t - o) ** 2, axis=0))
    return t, o, half, r, rmse
