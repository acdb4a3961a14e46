"""NNFitRegressor: nnfit's fit mode as a scikit-learn estimator (`pip install nnfit[sklearn]`).

    from nnfit import NNFitRegressor
    from sklearn.model_selection import cross_val_score
    cross_val_score(NNFitRegressor(hidden=10, random_state=0), X, y, cv=5)

fit(X, y) calls nnfit.fit(X, y, **options) and keeps the Model it returns as `model_`; predict calls
model_.predict. The options keep FitConfig's names and defaults, with two exceptions said below.
No sample_weight: the fit mode's least squares have no weights to give it.
"""
import contextlib
import decimal
import numbers
import re
import warnings

import numpy as np

from .config import ConfigError, is_numeric
from .i18n import _

try:
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_array, check_is_fitted, validate_data
except ImportError:
    raise ImportError("nnfit.NNFitRegressor needs scikit-learn 1.6 or later: pip install nnfit[sklearn]") from None


@contextlib.contextmanager
def sklearn_errors_as_data_errors():
    """scikit-learn's checks of X and y (NaN, inf, sparse, strings, shapes) raise nnfit.DataError, as
    nnfit.fit does for the same data; its message is kept (a DataError is a ValueError, as sklearn expects)."""
    from .data import DataError, DataTypeError
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # (a long double past float64: refused by own_checks)
            yield
    except DataError:
        raise
    except TypeError as e:  # (a dict in X): still a TypeError too, as sklearn's check_dtype_object wants
        raise DataTypeError(str(e)) from None
    except ValueError as e:
        raise DataError(one_line(str(e))) from None
    except OverflowError:  # a Python int like 10**400 in a list
        raise DataError(_("X or y holds a number too large for float64")) from None
    except decimal.InvalidOperation:  # a Decimal's signaling NaN, which float() refuses (helper-86)
        raise DataError(_("X or y holds Decimal('sNaN'): every value must be a finite number")) from None
    except RuntimeError as e:  # a torch tensor that requires grad
        raise DataError(_("X and y must be arrays of numbers: {error}").format(error=str(e).splitlines()[0])) from None


LONGEST = 1000  # characters of a scikit-learn message kept (its NaN message, the longest meant, is about 650)


def one_line(text):
    """scikit-learn's message on one line: its sentences kept, the arrays it prints among them left out (a
    bracketed block over several lines, or after "array="): "Expected 2D array, got 1D array instead:\narray=[0.
    1.].\nReshape your data ..." becomes "Expected 2D array, got 1D array instead: Reshape your data ..."."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):  # the top-level [...] blocks: dropped where they span lines or follow "array="
        if c == "[":
            depth, start = depth + 1, (i if depth == 0 else start)
        elif c == "]" and depth:
            depth -= 1
            if depth == 0:
                block = text[start:i + 1]
                out.append("" if "\n" in block or text[:start].endswith("array=") else block)
        elif depth == 0:
            out.append(c)
    kept = "".join(out) if depth == 0 else text
    kept = re.sub(r"array=\.?", "", kept)
    line = " ".join(kept.split()) or " ".join(text.split())
    return line if len(line) <= LONGEST else line[:LONGEST - 1] + "…"  # (a frame or tensor printed whole: helper-91)


def own_checks(v, name):
    """What scikit-learn's checks of X or y let through and nnfit.fit refuses, refused with nnfit's message:
    dates and times (sklearn reads them as numbers), a long double past float64's range (sklearn makes it inf,
    with NumPy's warning), a torch tensor that requires grad, a True among numbers, complex numbers (sklearn
    prints the whole container; nnfit names where the first is); v unchanged otherwise."""
    from .data import DataError, _holds_bool, _holds_complex, _numbers
    # a pandas DataFrame's columns' dtypes, else the one dtype of an array, Series or tensor (a pandas extension dtype too)
    dtypes = list(v.dtypes) if hasattr(v, "columns") and hasattr(v, "dtypes") else [getattr(v, "dtype", None)]
    if (any("complex" in str(t) for t in dtypes) or (isinstance(v, (list, tuple)) and _holds_complex(v))
            or (isinstance(v, np.ndarray) and v.dtype.kind == "O" and any(
                isinstance(e, (complex, np.complexfloating)) or "complex" in str(getattr(e, "dtype", "")) for e in v.flat))):
        try:  # complex numbers: scikit-learn's words (its checks match them), where the first is (not the whole array)
            _numbers(v, name)
        except DataError as e:
            raise DataError(_("Complex data not supported: {error}").format(error=e)) from None
    if isinstance(v, (list, tuple)) and _holds_bool(v):  # a True among numbers, which scikit-learn makes 1 (helper-89)
        _numbers(v, name)
    if any(str(getattr(t, "kind", "")) in ("M", "m") or str(t).startswith("period") for t in dtypes):  # (pandas' Period)
        raise DataError(_("{name} holds dates or times: nnfit needs numbers (convert them, e.g. to days)").format(name=name))
    if (isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.dtype.itemsize > 8) or getattr(v, "requires_grad", False):
        _numbers(v, name)  # (a DataError where float64 cannot hold it; else sklearn converts it as before)
    return v


class NNFitRegressor(RegressorMixin, BaseEstimator):
    """A d-H-k network fit by nnfit's fit mode (Levenberg-Marquardt with Bayesian regularization by
    default, K random starts, the best kept, inputs and targets scaled).

    The parameters are FitConfig's (see nnfit.fit.FitConfig), with two defaults of their own: hidden and
    test_fraction.

    Parameters
    ----------
    hidden : int, default 10
        Neurons in the hidden layer (1-1000); 10, not FitConfig's 5: tabular data has several inputs.
    activation : {"auto", "sigmoid", "tanh", "relu"}, default "auto"
        "auto": with Bayesian regularization half the starts sigmoid and half relu, the evidence picks.
    optimizer : {"lm", "lbfgs", "adam", "momentum", "sgd"}, default "lm"
        Levenberg-Marquardt (as MATLAB's fitnet) or the others (full batch).
    regularization : {"auto", "bayes", "none"}, default "auto"
        "bayes": MacKay's (as MATLAB's trainbr, lm only); "none": early stopping on a validation share;
        "auto": bayes with lm from 20 samples.
    epochs : int, default 1000
        Most iterations; a ConvergenceWarning when the kept start ran them all.
    starts : int, default 16
        Random starts trained at once; the best is kept.
    scale : {"standard", "minmax", "none"}, default "standard"
        How X and y are scaled before training (the model predicts in their units).
    val_fraction : float in [0, 0.5), default 0.15
        The validation share for early stopping (not used with Bayesian regularization).
    test_fraction : float in [0, 0.5), default 0
        A test share held out inside the fit; 0, not FitConfig's None (15% without Bayesian
        regularization): scikit-learn measures on data the estimator does not see (cross_val_score).
    patience : int or None, default None
        Epochs without a better validation MSE before a start stops; None: the optimizer's own.
    lr, momentum : float, default 0.01, 0.9
        The first-order optimizers' learning rate and momentum's decay.
    random_state : None, int or numpy RandomState, default None
        The fit's seed (an int is used as it is; otherwise one is drawn from it).

    Attributes: model_ (the nnfit Model; model_.x_names holds X's column names and model_.y_names y's, when
    they are names a CSV header gives back: distinct, printable, no commas or spaces around them, not numbers), n_features_in_,
    feature_names_in_ (when X has string column names), n_outputs_.
    """

    def __init__(self, hidden=10, activation="auto", optimizer="lm", regularization="auto", epochs=1000,
                 starts=16, scale="standard", val_fraction=0.15, test_fraction=0.0, patience=None, lr=0.01,
                 momentum=0.9, random_state=None):
        self.hidden = hidden
        self.activation = activation
        self.optimizer = optimizer
        self.regularization = regularization
        self.epochs = epochs
        self.starts = starts
        self.scale = scale
        self.val_fraction = val_fraction
        self.test_fraction = test_fraction
        self.patience = patience
        self.lr = lr
        self.momentum = momentum
        self.random_state = random_state

    def fit(self, X, y):
        """Fit to X (n_samples, n_features) and y (n_samples,) or (n_samples, n_outputs). Bad options
        raise nnfit.ConfigError, bad data nnfit.DataError (both are ValueErrors)."""
        import nnfit
        from .data import keepable_names, reject_masked
        from .fit import names_of
        reject_masked(X, "X")  # (validate_data would use the values under the mask)
        reject_masked(y, "y")
        y_names = names_of(y, "columns") or names_of(y, "name")  # a Series' name, a DataFrame's columns
        with sklearn_errors_as_data_errors():
            X, y = validate_data(self, own_checks(X, "X"), own_checks(y, "y"), multi_output=True, y_numeric=True,
                                 dtype=np.float64, ensure_min_samples=2)
            y = y.astype(np.float64)  # a bool or int target, as MLPRegressor takes it
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]  # one target column is fit and predicted as (n_samples,), as MLPRegressor does
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        options = {name: getattr(self, name) for name in (
            "hidden", "activation", "optimizer", "regularization", "epochs", "starts", "scale", "val_fraction",
            "test_fraction", "patience", "lr", "momentum")}
        names = getattr(self, "feature_names_in_", None)  # set by validate_data when X has string column names
        # names nnfit could not pick columns by again (nnfit.fit refuses them: a number, spaces around it, a comma)
        # are not kept in the model, nor an output's name that is also an input's
        names = None if names is None else keepable_names([str(c) for c in names])
        if names and y_names and set(names) & set(y_names):
            names = y_names = None
        self.model_ = nnfit.fit(X, y, seed=self._seed(), progress=False, x_names=names, y_names=y_names, **options)
        stopped = str(self.model_.extra.get("stopped", ""))
        if stopped.startswith("the epoch limit reached"):  # as MLPRegressor warns at max_iter (helper-66)
            warnings.warn(ConvergenceWarning(f"NNFitRegressor: the kept start ran all epochs={self.epochs} without "
                                             f"settling; raise epochs if the fit is not good enough"), stacklevel=2)
        return self

    def predict(self, X, return_std=False):
        """y_hat, (n_samples,) or (n_samples, n_outputs). return_std (Bayesian fits only, else
        nnfit.ConfigError): also the standard deviation of a new observation, of the same shape."""
        check_is_fitted(self)
        from .data import reject_masked
        reject_masked(X, "X")
        with sklearn_errors_as_data_errors():
            X = validate_data(self, own_checks(X, "X"), dtype=np.float64, reset=False)
        return self.model_.predict(X, return_std=return_std)

    def score(self, X, y, sample_weight=None):
        """R² of predict(X) against y, as RegressorMixin computes it; bad X or y raise nnfit.DataError, as in fit."""
        check_is_fitted(self)  # NotFittedError (a ValueError too) stays itself
        from .data import _finite_or_error, reject_masked
        reject_masked(y, "y")
        with sklearn_errors_as_data_errors():
            # y as fit takes it (dates refused, its numbers within ±1e150, whose squares float64 holds: helper-86's
            # y times 1e160 gave an R² of NaN, silently)
            target = check_array(own_checks(y, "y"), ensure_2d=False, dtype=np.float64, ensure_min_samples=1)
            _finite_or_error(target, "y")
            return super().score(X, target, sample_weight=sample_weight)

    def set_params(self, **params):
        """As BaseEstimator's, with nnfit.ConfigError (a ValueError, as scikit-learn raises) for a name that
        is not one of the parameters."""
        options = self.get_params(deep=False)
        for name in params:
            if name not in options:
                raise ConfigError(name, _("is not an option of {what}; the options are {names}").format(
                    what="NNFitRegressor", names=", ".join(sorted(options))))
        return super().set_params(**params)

    def _seed(self):
        """An int seed for nnfit.fit: random_state itself when it is an int, else drawn from it."""
        if is_numeric(self.random_state, numbers.Integral):
            if self.random_state < 0:  # (nnfit.fit would name its own option, seed)
                raise ConfigError("random_state", _("must be >= {low}, got {value}").format(low=0, value=int(self.random_state)))
            if self.random_state > 2**63 - 1:  # (FitConfig's seed range)
                raise ConfigError("random_state", _("must be <= {high}, got {value}").format(
                    high=2**63 - 1, value=int(self.random_state)))
            return int(self.random_state)
        if not (self.random_state is None or isinstance(self.random_state, np.random.RandomState)):
            raise ConfigError("random_state", _("must be None, an int or a numpy RandomState, got {value!r}").format(
                value=self.random_state))
        return int(check_random_state(self.random_state).randint(2**31))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
