"""Fit mode: "give me a good curve".

The tutorial's recipe (50 epochs of SGD) underfits. Fit mode uses what curve-fitters use instead:
Levenberg-Marquardt on the residuals (as MATLAB's fitnet), with MacKay's Bayesian regularization on
noisy data (as MATLAB's trainbr) or early stopping on a validation split, K random starts trained at
once with the best kept, and inputs and targets scaled before training. While fitting, the network
has an output bias (free, as scikit-learn's and MATLAB's have); the saved model keeps it in y_shift,
so that it is the chapter's network with its scaling.

    config.py       FitConfig: the options, checked once
    driver.py       split, scale, starts, the epochs, the best start, metrics
    network.py      residuals and their Jacobian for K starts at once
    lm.py           Levenberg-Marquardt and Bayesian regularization
    line.py         the straight line as one more candidate (its evidence in closed form)
    kink.py         one kink (two straight pieces) as one more candidate, its place integrated out
    first_order.py  sgd, momentum, adam (small classes) and L-BFGS-B (SciPy)
    report.py       the summary a person reads
"""
import importlib
import sys
from collections.abc import Iterable

from ..data import as_table, keepable_names
from ..i18n import _
from .config import FitConfig

__all__ = ["FitConfig", "fit", "fit_points", "summary"]
SUBMODULES = ("config", "driver", "first_order", "kink", "line", "lm", "network", "report")


def __getattr__(name):
    """fit_points and summary load on first use: the CLI reads FitConfig's defaults for every command's
    parser, and `nnfit predict` or `--help` should not import Numba and SciPy for them."""
    if name == "fit_points":
        from .driver import fit_points
        return fit_points
    if name == "summary":
        from .report import summary
        return summary
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fit(x=None, y=None, verbose=False, progress=None, x_names=None, y_names=None, **options):
    """Fit a d-H-k network to x (N,) or (N, d) and y (N,) or (N, k) (the tutorial's points by
    default; d = k = 1 is the chapter's 1-H-1 network). Options are FitConfig's fields. Returns a
    Model in the user's units; model.extra holds the metrics, the start kept, the validation and test
    histories. x_names, y_names: the columns' names, kept in the model. progress: a bar on stderr for
    fits over a second (None: only on a terminal)."""
    from ..config import check_bool
    check_bool("verbose", verbose)
    if progress is not None:
        check_bool("progress", progress)
    cfg = FitConfig.from_options(options)
    if cfg.seed is None:
        from ..train import draw_seed
        cfg.seed = draw_seed()
    cfg.validate()
    given = (x_names is not None, y_names is not None)
    from ..config import ConfigError
    for n, what in ((x_names, "x_names"), (y_names, "y_names")):  # (a set's order is its hashes': helper-84)
        if isinstance(n, (set, frozenset, dict)):
            raise ConfigError(what, _("must be a list of names in the columns' order, got a {type}").format(
                type=type(n).__name__))
        if getattr(n, "ndim", None) == 0:  # (a 0-d array or tensor is iterable by its type, not by its value: helper-86)
            raise ConfigError(what, _("must be a list of names in the columns' order, got a 0-d {type}").format(
                type=type(n).__name__))
    # (an array of names, or a DataFrame's columns: a list, whose truth is not ambiguous)
    x_names, y_names = (list(n) if isinstance(n, Iterable) and not isinstance(n, (str, bytes, list)) else n
                        for n in (x_names, y_names))
    x_names = (names_of(x, "columns") or names_of(x, "name")) if x_names is None else x_names
    y_names = (names_of(y, "columns") or names_of(y, "name")) if y_names is None else y_names
    if not all(given) and x_names and y_names and not isinstance(x_names, str) and not isinstance(y_names, str):
        try:
            shared = set(map(str, x_names)) & set(map(str, y_names))
        except TypeError:  # (not lists of names: refused below)
            shared = set()
        if shared:  # a DataFrame's or a Series' name that is also the other side's: the data's names are not kept (as a
            x_names, y_names = (x_names if given[0] else None), (y_names if given[1] else None)  # CSV header's; helper-69)
            if not any(given):
                x_names = y_names = None
    X, Y = as_table(x, y)
    names = []
    for n, what in ((x_names, "x_names"), (y_names, "y_names")):
        if isinstance(n, (str, bytes)):  # a list of its characters, else
            raise ConfigError(what, _("must be a list of names, one per column, got the string {text!r}").format(text=n))
        n = None if n is None else list(n) if isinstance(n, Iterable) else n
        if n is not None and (not isinstance(n, list) or any(c is None or isinstance(c, (bytes, bytearray)) for c in n)):
            raise ConfigError(what, _("must be a list of names, one per column, got {names!r}").format(names=n))
        names.append(None if n is None else [str(c) for c in n])
    names = tuple(names)
    for n, width, what in ((names[0], X.shape[1], "x_names"), (names[1], Y.shape[1], "y_names")):
        if n is not None and len(n) != width:
            raise ConfigError(what, _("names {count} columns, but the data has {width}").format(count=len(n), width=width))
        if n is not None and keepable_names(n) is None:
            raise ConfigError(what, _("must be distinct, non-empty names without control characters, commas or spaces "
                                      "around them, and not numbers (names a CSV header gives back), got {names!r}").format(
                names=n))
    if names[0] and names[1] and set(names[0]) & set(names[1]):
        raise ConfigError("y_names", _("shares the name {name!r} with x_names: an input and an output need names of their "
                                       "own").format(name=sorted(set(names[0]) & set(names[1]))[0]))
    from .driver import fit_points
    model = fit_points(cfg, X, Y, progress=progress, names=names)
    if verbose:
        from .report import summary
        print(summary(model), file=sys.stdout)
    return model


def names_of(v, attribute):
    """The names of a pandas DataFrame's columns (attribute "columns") or of a Series (its "name"), as a list,
    where they are names nnfit keeps and a CSV header gives back (distinct, printable strings without commas, not
    numbers, without spaces around them); else None. A model fitted
    with them predicts from a DataFrame by name, in any column order."""
    if type(v).__module__.split(".")[0] != "pandas":
        return None
    names = getattr(v, attribute, None)
    names = [names] if attribute == "name" else list(names) if names is not None else None
    from ..data import keepable_names
    return keepable_names(names)  # (what a CSV header written from it reads back)


def attach_submodules():
    """nnfit.fit is the function fit (nnfit/__init__.py), so `import nnfit.fit.lm as lm` and `nnfit.fit.driver.X`
    look the submodules up on it: they become its attributes too, imported, when nnfit.fit is first looked up."""
    for module in SUBMODULES:
        setattr(fit, module, importlib.import_module(f"{__name__}.{module}"))
