"""NNFitRegressor on tabular data against scikit-learn's regressors, measured side by side in one
run: `make bench-tabular` (issue 10, item 6).

Every estimator sees the same 5 folds (KFold, shuffled, seed 0) and is scored on the fold it did not
see: RMSE (mean and sd over the folds) and the fit time per fold. The data:

    diabetes    load_diabetes: 442 patients, 10 inputs (already centred and scaled), y 25..346
    friedman1   make_friedman1, 300 points, 10 inputs (5 unused), noise sd 1   (Friedman 1991)
    friedman2   make_friedman2, 300 points, 4 inputs, noise sd 125  (signal : noise sd 3 : 1, as in
                Friedman 1991 and Breiman's bagging paper; y runs 0..1700)
    friedman3   make_friedman3, 300 points, 4 inputs, noise sd 0.1  (3 : 1 likewise)

y is given to every estimator as it is: NNFitRegressor scales y itself (scale="standard"),
GaussianProcessRegressor with normalize_y=True; MLPRegressor and gradient boosting do not, so the
MLP is also run with y standardized (TransformedTargetRegressor) to show what that costs it. The
default NNFitRegressor (Levenberg-Marquardt with Bayesian regularization) is also run with early
stopping on a 15% validation share instead (regularization="none"): 20-100x faster.
Fit times are wall-clock on whatever else the machine runs: compare them within one run only.

Writes its section of benchmarks/results.md (replacing the one there).
"""
import os
import platform
import sys
import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_friedman1, make_friedman2, make_friedman3
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.model_selection import KFold, cross_validate
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import nnfit
from nnfit import NNFitRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
HEADING = "## Tabular data: 5-fold cross-validated RMSE"
BASELINE = "MLPRegressor lbfgs"
OUT = []


def say(line=""):
    print(line, flush=True)
    OUT.append(line)


def datasets():
    """name -> (X, y, what)."""
    return {
        "diabetes": (*load_diabetes(return_X_y=True), "442 x 10"),
        "friedman1": (*make_friedman1(n_samples=300, noise=1.0, random_state=0), "300 x 10, noise 1"),
        "friedman2": (*make_friedman2(n_samples=300, noise=125.0, random_state=0), "300 x 4, noise 125"),
        "friedman3": (*make_friedman3(n_samples=300, noise=0.1, random_state=0), "300 x 4, noise 0.1"),
    }


def mlp(solver):
    return make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(10,), solver=solver, max_iter=5000,
                                                        random_state=0))


def estimators(d):
    """name -> an unfitted estimator for d inputs."""
    kernel = ConstantKernel(1.0) * RBF(length_scale=np.ones(d), length_scale_bounds=(1e-2, 1e5)) \
        + WhiteKernel(noise_level=0.1, noise_level_bounds=(1e-6, 1e1))  # one length scale per input (ARD)
    return {
        "NNFitRegressor(hidden=10)": NNFitRegressor(hidden=10, random_state=0),
        "NNFitRegressor(hidden=10), early stopping": NNFitRegressor(hidden=10, regularization="none", random_state=0),
        BASELINE: mlp("lbfgs"),
        "MLPRegressor lbfgs, y scaled": TransformedTargetRegressor(mlp("lbfgs"), transformer=StandardScaler()),
        "MLPRegressor adam": mlp("adam"),
        "GaussianProcessRegressor (ARD RBF)": make_pipeline(StandardScaler(), GaussianProcessRegressor(
            kernel, normalize_y=True, n_restarts_optimizer=1, random_state=0)),
        "GradientBoostingRegressor": GradientBoostingRegressor(random_state=0),
    }


def measure(est, X, y):
    """RMSE per fold, fit seconds per fold, and the warnings the fits gave (by category, counted)."""
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv = cross_validate(est, X, y, cv=folds, scoring="neg_root_mean_squared_error", n_jobs=1,
                            error_score="raise")
    counts = {}
    for w in caught:
        counts[w.category.__name__] = counts.get(w.category.__name__, 0) + 1
    return -cv["test_score"], cv["fit_time"], counts


def main():
    import sklearn
    say(HEADING)
    say()
    say(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, nnfit {nnfit.__version__}; {time.strftime('%Y-%m-%d')}. "
        f"`make bench-tabular` (benchmarks/bench_tabular.py says how each set and estimator is made). "
        f"Ratio: RMSE over {BASELINE}'s on the same folds (below 1: better).")
    say()
    worse = []
    for name, (X, y, what) in datasets().items():
        say(f"### {name} ({what}; sd of y {np.std(y):.3g})")
        say()
        say("| estimator | RMSE mean | RMSE sd | ratio | fit s / fold | warnings |")
        say("|---|---|---|---|---|---|")
        rows = {label: measure(est, X, y) for label, est in estimators(X.shape[1]).items()}
        base = np.mean(rows[BASELINE][0])
        for label, (rmse, seconds, counts) in rows.items():
            notes = ", ".join(f"{n} x{c}" for c, n in sorted((c, n) for n, c in counts.items())) or ""
            say(f"| {label} | {np.mean(rmse):.4g} | {np.std(rmse):.3g} | {np.mean(rmse) / base:.3f} | "
                f"{np.mean(seconds):.2f} | {notes} |")
        nn = np.mean(rows["NNFitRegressor(hidden=10)"][0])
        if nn > base:
            worse.append(f"{name} ({nn / base:.3f})")
        say()
    say(f"NNFitRegressor(hidden=10) no worse than {BASELINE} on every set: "
        + ("yes" if not worse else "no; worse on " + ", ".join(worse)))
    say()
    write_section()


def write_section():
    """Put OUT in results.md in place of its previous version (from HEADING to the next '## ' or the end)."""
    path = os.path.join(HERE, "results.md")
    old = open(path).read().splitlines() if os.path.exists(path) else []
    start = next((i for i, line in enumerate(old) if line == HEADING), len(old))
    end = next((i for i in range(start + 1, len(old)) if old[i].startswith("## ")), len(old))
    before = old[:start]
    if before and before[-1] != "":
        before.append("")
    with open(path, "w") as f:
        f.write("\n".join(before + OUT + old[end:]).rstrip("\n") + "\n")
    print("wrote its section of benchmarks/results.md", file=sys.stderr)


if __name__ == "__main__":
    main()
