"""NNFitRegressor against scikit-learn's own oracle, its estimator checks, and in its tools
(Pipeline, GridSearchCV, cross_val_score, clone)."""
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone
from sklearn.datasets import make_friedman1
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import nnfit
from nnfit.sklearn import NNFitRegressor

FAST = {"hidden": 3, "starts": 2, "epochs": 50}  # the checks fit many times: a small, short fit


def expected_failed_checks(estimator):
    """The checks NNFitRegressor does not pass, each with the reason (none at present)."""
    return {}


@parametrize_with_checks([NNFitRegressor(**FAST)], expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def friedman():
    """100 points of Friedman #1: 5 inputs that matter, 5 that do not, noise N(0, 1)."""
    return make_friedman1(n_samples=100, noise=1.0, random_state=0)


def test_predict_is_the_models_predict(friedman):
    X, y = friedman
    est = NNFitRegressor(hidden=5, starts=4, epochs=100, random_state=0).fit(X, y)
    assert isinstance(est.model_, nnfit.Model)
    assert est.n_features_in_ == 10 and est.n_outputs_ == 1
    np.testing.assert_array_equal(est.predict(X), est.model_.predict(X))
    assert est.predict(X).shape == (100,)


def test_return_std_shape_and_needs_bayes(friedman):
    X, y = friedman
    y_hat, std = NNFitRegressor(hidden=3, starts=2, epochs=50, random_state=0).fit(X, y).predict(X[:7], return_std=True)
    assert y_hat.shape == std.shape == (7,) and np.all(std > 0)
    plain = NNFitRegressor(hidden=3, starts=2, epochs=50, regularization="none", random_state=0).fit(X, y)
    with pytest.raises(nnfit.ConfigError, match="return_std"):
        plain.predict(X, return_std=True)


def test_two_outputs(friedman):
    X, y = friedman
    Y = np.column_stack([y, -2 * y])  # (N, 2)
    est = NNFitRegressor(hidden=3, starts=2, epochs=50, random_state=0).fit(X, Y)
    assert est.n_outputs_ == 2 and est.predict(X[:4]).shape == (4, 2)


def test_column_names_reach_the_model(friedman):
    pd = pytest.importorskip("pandas")
    X, y = friedman
    frame = pd.DataFrame(X[:, :3], columns=["age", "dose", "weight"])
    est = NNFitRegressor(hidden=3, starts=2, epochs=50, random_state=0).fit(frame, y)
    assert list(est.feature_names_in_) == est.model_.x_names == ["age", "dose", "weight"]


def test_random_state_reproduces(friedman):
    X, y = friedman
    fit = lambda rs: NNFitRegressor(hidden=3, starts=2, epochs=50, random_state=rs).fit(X, y).predict(X)
    np.testing.assert_array_equal(fit(3), fit(3))
    np.testing.assert_array_equal(fit(np.random.RandomState(3)), fit(np.random.RandomState(3)))
    assert np.max(np.abs(fit(3) - fit(4))) > 1e-6


def test_get_set_params_and_clone_round_trip():
    est = NNFitRegressor(hidden=7, optimizer="lbfgs", regularization="none", random_state=5)
    params = est.get_params()
    assert params["hidden"] == 7 and params["optimizer"] == "lbfgs" and params["random_state"] == 5
    twin = clone(est)
    assert twin is not est and twin.get_params() == params
    twin.set_params(hidden=3, scale="minmax")
    assert twin.hidden == 3 and twin.scale == "minmax" and est.hidden == 7


def test_bad_option_is_a_value_error_at_fit_naming_it(friedman):
    X, y = friedman
    est = NNFitRegressor(activation="softsign")  # stored unchanged: checked by fit, not by __init__
    with pytest.raises(ValueError, match="activation"):
        est.fit(X, y)
    for rs in (1.5, "x", True):  # nnfit's own ConfigError (a ValueError), not scikit-learn's plain one
        with pytest.raises(nnfit.ConfigError, match="random_state must be None, an int or a numpy RandomState"):
            NNFitRegressor(hidden=2, random_state=rs).fit(X, y)


def test_in_a_pipeline_grid_search_and_cross_val_score(friedman):
    X, y = friedman
    pipe = make_pipeline(StandardScaler(), NNFitRegressor(starts=2, epochs=50, random_state=0))
    grid = GridSearchCV(pipe, {"nnfitregressor__hidden": [2, 4]}, cv=3).fit(X, y)
    assert grid.best_params_["nnfitregressor__hidden"] in (2, 4) and grid.score(X, y) > 0.5
    scores = cross_val_score(NNFitRegressor(hidden=4, starts=2, epochs=50, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.3)


def test_one_input_column_is_the_1d_fit():
    """X with one column fits as nnfit.fit on 1-D x does: the two code paths agree."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 60)
    y = np.sin(x) + rng.normal(0, 0.1, 60)
    est = NNFitRegressor(hidden=5, starts=4, epochs=100, random_state=1).fit(x[:, None], y)
    model = nnfit.fit(x, y, hidden=5, starts=4, epochs=100, seed=1, test_fraction=0.0)
    np.testing.assert_allclose(est.predict(x[:, None]).reshape(-1), model.predict(x), rtol=0, atol=1e-12)


def test_importing_nnfit_does_not_import_sklearn_and_without_it_says_what_to_install():
    code = ("import sys, nnfit; assert 'sklearn' not in sys.modules\n"
            "sys.modules['sklearn'] = None  # as if it were not installed\n"
            "try:\n    nnfit.NNFitRegressor\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "nnfit.NNFitRegressor needs scikit-learn 1.6 or later: pip install nnfit[sklearn]"


def test_masked_values_are_refused_and_a_bool_target_is_taken():
    """A masked X or y is refused as nnfit.fit refuses it (validate_data would use the values under the
    mask); a bool y is fitted as numbers, as MLPRegressor takes it."""
    X = np.linspace(-1, 1, 20)[:, None]
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    masked[3, 0] = np.ma.masked
    estimator = NNFitRegressor(starts=2, epochs=5, random_state=0)
    with pytest.raises(nnfit.DataError, match=r"^X\[3, 0\] is masked"):
        estimator.fit(masked, X[:, 0])
    with pytest.raises(nnfit.DataError, match=r"^y\[2\] is masked"):
        estimator.fit(X, np.ma.masked_array(X[:, 0], mask=np.arange(20) == 2))
    fitted = estimator.fit(X, X[:, 0] > 0)
    assert fitted.predict(X).dtype == np.float64
    with pytest.raises(nnfit.DataError, match=r"^X\[3, 0\] is masked"):
        fitted.predict(masked)


def test_bad_data_is_nnfits_data_error_with_sklearns_message():
    """What scikit-learn's validate_data refuses (NaN, inf, sparse, strings, shapes) is an nnfit.DataError,
    as nnfit.fit raises for the same data; it is still a ValueError carrying sklearn's words."""
    import scipy.sparse
    X = np.linspace(0, 1, 40)[:, None]
    y = np.sin(X[:, 0])
    for bad_X, bad_y, words in [(np.r_[X[:-1], [[np.nan]]], y, "NaN"), (np.r_[X[:-1], [[np.inf]]], y, "infinity"),
                                (scipy.sparse.csr_matrix(X), y, "Sparse"), (X[:, 0], y, "Expected 2D array"),
                                (X[:3], y, "inconsistent numbers of samples"), (X, np.array(["a"] * 40), "string")]:
        with pytest.raises(nnfit.DataError, match=words):
            NNFitRegressor(**FAST).fit(bad_X, bad_y)
    fitted = NNFitRegressor(**FAST, random_state=0).fit(X, y)
    for bad_X, words in [(np.array([[np.inf]]), "infinity"), (np.zeros((2, 3)), "3 features"), ("abc", "convert")]:
        with pytest.raises(nnfit.DataError, match=words):
            fitted.predict(bad_X)
    # one line: the arrays scikit-learn prints inside its messages are left out; complex numbers are named where
    # they are, as nnfit.fit names them (they were sklearn's "Complex data not supported" and the whole array)
    for bad_X, bad_y, words in [(X[:, 0], y, "Expected 2D array, got 1D array instead: Reshape your data"),
                                (X + 0j, y, r"^Complex data not supported: X\[0, 0\] is 0j: every value must be a real number$"),
                                (X, list(y[:-1]) + [2j], r"y\[39\] is 2j"), (X.tolist()[:-1] + [[1j]], y, r"X\[39, 0\] is 1j")]:
        with pytest.raises(nnfit.DataError, match=words) as error:
            NNFitRegressor(**FAST).fit(bad_X, bad_y)
        assert "\n" not in str(error.value)
    with pytest.raises(nnfit.DataError, match="Expected 2D array") as error:
        fitted.predict(X[:, 0])
    assert "\n" not in str(error.value) and "array=" not in str(error.value)


def test_helper_53_findings(friedman):
    """What scikit-learn's checks let through reaches nnfit's own errors, with no NumPy warning: a Python int
    past float64, a torch tensor that requires grad, a long double past float64 (named where), dates."""
    import warnings

    import torch
    X, y = friedman
    X, y = X[:40], y[:40]
    cases = [(lambda: NNFitRegressor(**FAST).fit([[10 ** 400] + list(X[0, 1:])] + X[1:].tolist(), y),
              "^X or y holds a number too large for float64$"),
             (lambda: NNFitRegressor(**FAST).fit(torch.tensor(X, requires_grad=True), y),
              "^X must be a list or array of numbers: Can't call numpy"),
             (lambda: NNFitRegressor(**FAST).fit(X, np.r_[np.longdouble("1e400"), y[1:].astype(np.longdouble)]),
              r"^y\[0\] is 1e\+400: too large for float64"),
             (lambda: NNFitRegressor(**FAST).fit(np.arange(40).astype("datetime64[D]")[:, None], y),
              "^X holds dates or times: nnfit needs numbers")]
    model = NNFitRegressor(**FAST, random_state=0).fit(X, y)
    cases += [(lambda: model.predict(np.full((1, X.shape[1]), np.longdouble("1e400"))), r"^X\[0, 0\] is 1e\+400"),
              (lambda: model.predict([[10 ** 400] * X.shape[1]]), "^X or y holds a number too large")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for make, message in cases:
            with pytest.raises(nnfit.DataError, match=message):
                make()
        assert np.allclose(NNFitRegressor(**FAST, random_state=0).fit(X.astype(np.longdouble), y).predict(X), model.predict(X))


def test_helper_55_findings(friedman):
    """own_checks looks at dtypes only to find dates: a Series' one extension dtype (pandas' Int64) is not a list of
    them, and a bool tensor is taken as scikit-learn takes it (only a tensor that requires grad goes to nnfit's check)."""
    import torch
    from nnfit.sklearn import own_checks

    class Int64Dtype:  # pandas' extension dtype: neither a NumPy dtype nor iterable
        kind = "i"

    class Series:
        dtype = dtypes = Int64Dtype()

    series = Series()
    assert own_checks(series, "y") is series
    X, y = friedman
    model = NNFitRegressor(**FAST, random_state=0).fit(torch.tensor(X[:40] > 0.5), torch.tensor(y[:40] > 14))
    assert np.isfinite(model.predict(X[:3] > 0.5)).all()


def test_helper_66_findings(friedman):
    """y's name (a pandas Series') reaches the model, as nnfit.fit keeps it; the names a model keeps follow one
    rule everywhere (data.keepable_names: no numbers, no spaces around them, no commas), so that the CLI's
    predict --csv reads them back."""
    from nnfit.data import keepable_names
    X, y = friedman

    class Series:  # what names_of reads of a pandas Series: its module, its name; sklearn reads it as an array
        __module__ = "pandas.core.series"
        name = "target"

        def __init__(self, values):
            self.values = np.asarray(values)

        def __array__(self, dtype=None, copy=None):
            return self.values if dtype is None else self.values.astype(dtype)

        def __len__(self):
            return len(self.values)

    model = NNFitRegressor(**FAST, random_state=0).fit(X[:40], Series(y[:40]))
    assert model.model_.y_names == ["target"]
    assert [keepable_names([n]) for n in ("a", "1", "1e3", " a", "a,b", "nan", "温度", "")] == \
           [["a"], None, None, None, None, ["nan"], ["温度"], None]  # ('nan' heads a column: a header's cells are not numbers)


def test_the_epoch_limit_is_a_convergence_warning(friedman):
    """As MLPRegressor warns at max_iter, the estimator warns when the kept start ran all its epochs (helper-66); a fit
    that settled does not."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    X, y = friedman
    with pytest.warns(ConvergenceWarning, match="ran all epochs=5"):
        NNFitRegressor(hidden=3, starts=2, epochs=5, activation="sigmoid", random_state=0).fit(X[:60], y[:60])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        NNFitRegressor(hidden=3, starts=2, random_state=0).fit(X[:60], y[:60])


def test_period_columns_are_dates():
    """pandas' Period columns (dtype period[M], kind 'O') got "float() argument must be ... not 'Period'" (helper-66)."""
    from nnfit.sklearn import own_checks

    class PeriodDtype:
        kind = "O"

        def __str__(self):
            return "period[M]"

    class Frame:
        columns = ["a", "b"]
        dtypes = [np.dtype("float64"), PeriodDtype()]

    with pytest.raises(nnfit.DataError, match="^X holds dates or times"):
        own_checks(Frame(), "X")
