"""Fit mode: "give me a good curve".

The tutorial's recipe (50 epochs of SGD) underfits. Fit mode uses what curve-fitters use instead:
Levenberg-Marquardt on the residuals (as MATLAB's fitnet), with MacKay's Bayesian regularization on
noisy data (as MATLAB's trainbr) or early stopping on a validation split, K random starts trained at
once with the best kept, and inputs and targets scaled before training.

    config.py       FitConfig: the options, checked once
    driver.py       split, scale, starts, the epochs, the best start, metrics
    network.py      residuals and their Jacobian for K starts at once
    lm.py           Levenberg-Marquardt and Bayesian regularization
    first_order.py  sgd, momentum, adam (small classes) and L-BFGS-B (SciPy)
    report.py       the summary a person reads
"""
import sys

from ..data import as_points
from .config import FitConfig
from .driver import fit_points
from .report import summary

__all__ = ["FitConfig", "fit", "fit_points", "summary"]


def fit(x=None, y=None, verbose=False, progress=None, **options):
    """Fit the 1-H-1 network to (x, y) (the tutorial's points by default). Options are FitConfig's
    fields. Returns a Model in the user's units; model.extra holds the metrics, the start kept, the
    validation and test histories. progress: a bar on stderr for fits over a second (None: only on a
    terminal)."""
    cfg = FitConfig.from_options(options)
    if cfg.seed is None:
        from ..train import draw_seed
        cfg.seed = draw_seed()
    cfg.validate()
    x, y = as_points(x, y)
    model = fit_points(cfg, x, y, progress=progress)
    if verbose:
        print(summary(model), file=sys.stdout)
    return model
