"""diagnostics.png and fit.png for many inputs (nnfit/diagnostics.py's numbers, plot.py's drawing), and
the warnings of `nnfit fit`: their numbers against hand-worked examples and NumPy, their thresholds on
both sides, and the files `nnfit fit` writes."""
import logging
import struct
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import nnfit
from nnfit.diagnostics import diagnose, error_histogram, fit_warnings, per_output, regression
from nnfit.fit import FitConfig
from nnfit.fit.driver import split_indices


def sin_points(n=200, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    return x, np.sin(x) + rng.normal(0, noise, n)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR: width, height


def test_regression_by_hand():
    # t = 0, 1, 2 (mean 1), o = 1, 2, 4 (mean 7/3): dt = -1, 0, 1; do = -4/3, -1/3, 5/3
    # stt = 2, sto = 4/3 + 5/3 = 3, soo = (16 + 1 + 25) / 9 = 42/9
    # m = sto / stt = 1.5, c = 7/3 - 1.5 = 5/6, R = 3 / sqrt(2 * 42/9) = 9 / sqrt(84)
    r, m, c = regression([0, 1, 2], [1, 2, 4])
    assert (m, c) == pytest.approx((1.5, 5 / 6), rel=1e-15) and r == pytest.approx(9 / np.sqrt(84), rel=1e-15)
    t, o = np.random.default_rng(1).normal(size=(2, 50))
    r, m, c = regression(t, o)
    assert r == pytest.approx(np.corrcoef(t, o)[0, 1], rel=1e-12)
    assert (m, c) == pytest.approx(tuple(np.polyfit(t, o, 1)), rel=1e-10)
    assert np.isnan(regression([1, 1, 1], [0, 1, 2])).all() and np.isnan(regression([0, 1, 2], [5, 5, 5])[0])


def test_error_histogram_by_hand():
    # every error: -1, 0, 1, 3; two bins: [-1, 1) and [1, 3] (NumPy's last bin holds its right edge)
    edges, counts = error_histogram([np.array([-1.0, 0.0]), np.array([[1.0], [3.0]])], bins=2)
    assert list(edges) == [-1.0, 1.0, 3.0] and [list(c) for c in counts] == [[2, 0], [0, 2]]


@pytest.fixture(scope="module")
def early_stopping():
    x, y = sin_points()
    return x, y, nnfit.fit(x, y, seed=0, regularization="none")


def test_split_indices_are_the_fits_split(early_stopping):
    """The indices recomputed from the seed are the driver's: each split's metrics, computed again on
    them, are the model's."""
    x, y, model = early_stopping
    index = split_indices(model.config, len(x))
    assert [len(i) for i in index] == model.extra["split"] == [140, 30, 30]
    assert sorted(np.concatenate(index)) == list(range(len(x)))
    for name, idx in zip(("train", "val", "test"), index):
        mse = np.mean((y[idx] - model.predict(x[idx])) ** 2)
        assert mse == pytest.approx(model.extra["metrics"][name]["mse"], rel=1e-12), name


def test_diagnose_agrees_with_numpy(early_stopping):
    x, y, model = early_stopping
    index = dict(zip(("train", "val", "test"), split_indices(model.config, len(x))))
    g = diagnose(model, x, y, index)
    assert not g["standardized"] and list(g["splits"]) == ["train", "val", "test"]
    errors = {name: y[idx] - model.predict(x[idx]) for name, idx in index.items()}
    edges = np.histogram_bin_edges(np.concatenate(list(errors.values())), 20)
    assert np.array_equal(g["edges"], edges)
    for name, idx in index.items():
        s = g["splits"][name]
        assert np.array_equal(s["e"][:, 0], errors[name]) and np.array_equal(s["x"][:, 0], x[idx])
        assert s["r"] == pytest.approx(np.corrcoef(y[idx], model.predict(x[idx]))[0, 1], rel=1e-12)
        assert np.array_equal(g["counts"][name], np.histogram(errors[name], edges)[0])
    assert sum(c.sum() for c in g["counts"].values()) == len(x)
    assert g["all"][0] == pytest.approx(np.corrcoef(y, model.predict(x))[0, 1], rel=1e-12)


@pytest.fixture(scope="module")
def three_in_two_out():
    """d = 3 inputs, k = 2 outputs in very different units; Bayesian regularization (every point trains)."""
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (120, 3))
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1] * X[:, 2], 100 * np.cos(X[:, 1])]) + rng.normal(0, [0.1, 5], (120, 2))
    return X, Y, nnfit.fit(X, Y, seed=0, hidden=6, starts=4, x_names=["a", "b", "c"], y_names=["u", "v"])


def test_diagnose_standardizes_many_outputs_and_per_output_agrees(three_in_two_out):
    X, Y, model = three_in_two_out
    index = {"train": np.arange(len(X)), "val": np.arange(0), "test": np.arange(0)}
    g = diagnose(model, X, Y, index)
    O = model.predict(X)  # (120, 2)
    mean, std = Y.mean(axis=0), Y.std(axis=0)
    assert g["standardized"] and list(g["splits"]) == ["train"]
    assert np.allclose(g["splits"]["train"]["e"], (Y - O) / std, rtol=0, atol=1e-12)
    assert g["all"][0] == pytest.approx(np.corrcoef(((Y - mean) / std).ravel(), ((O - mean) / std).ravel())[0, 1], rel=1e-12)
    t, o, half, r, rmse = per_output(model, X, Y)
    _, std_hat = model.predict(X, return_std=True)
    assert np.array_equal(o, O) and np.array_equal(half, 1.96 * std_hat)
    for j in range(2):
        assert r[j] == pytest.approx(np.corrcoef(Y[:, j], O[:, j])[0, 1], rel=1e-12)
        assert rmse[j] == pytest.approx(np.sqrt(np.mean((Y[:, j] - O[:, j]) ** 2)), rel=1e-12)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plots_without_font_warnings_or_global_state(tmp_path, caplog, lang, early_stopping, three_in_two_out):
    import matplotlib
    from nnfit.plot import plot_diagnostics, plot_targets
    rc = {k: matplotlib.rcParams._get(k) for k in matplotlib.rcParams}
    caplog.set_level(logging.DEBUG, logger="matplotlib.font_manager")
    x, y, model = early_stopping
    X, Y, many = three_in_two_out
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_diagnostics(model, x, y, dict(zip(("train", "val", "test"), split_indices(model.config, len(x)))),
                         tmp_path / "d1.png", lang)
        everything = {"train": np.arange(len(X))}
        plot_diagnostics(many, X, Y, everything, tmp_path / "d3.png", lang)
        plot_targets(many, X, Y, everything, tmp_path / "fit3.png", lang)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert rc == {k: matplotlib.rcParams._get(k) for k in matplotlib.rcParams}
    assert png_size(tmp_path / "d1.png") == png_size(tmp_path / "d3.png") == (1300, 950)
    assert png_size(tmp_path / "fit3.png") == (960, 520)  # two panels side by side


def fake(split, metrics, parameters=15, bayes=False, gamma=None, k=1):
    """A model as fit_warnings sees it: its extra, parameter count and outputs."""
    extra = {"split": split, "metrics": metrics, "bayes": bayes}
    if gamma is not None:
        extra["regularization"] = {"gamma": gamma}
    return SimpleNamespace(extra=extra, params=(np.zeros(parameters),), n_outputs=k)


def m(mse, r2, n=30):
    return {"n": n, "mse": mse, "r2": r2, "rmse": np.sqrt(mse)}


def test_warning_thresholds_on_both_sides():
    good = {"train": m(0.010, 0.98), "val": m(0.039, 0.90), "test": m(0.019, 0.89)}
    assert fit_warnings(fake([140, 30, 30], good)) == []
    # parameters: more than half of the training values (points x outputs), only without regularization or validation
    assert fit_warnings(fake([30, 0, 0], {"train": m(0.01, 0.9)}, parameters=15)) == []
    assert fit_warnings(fake([15, 0, 0], {"train": m(0.01, 0.9)}, parameters=15, k=2)) == []
    assert "16 parameters for 30 training values" in fit_warnings(fake([30, 0, 0], {"train": m(0.01, 0.9)}, parameters=16))[0]
    assert fit_warnings(fake([20, 10, 0], {"train": m(0.01, 0.9), "val": m(0.01, 0.9, 10)}, parameters=100)) == []
    assert fit_warnings(fake([30, 0, 0], {"train": m(0.01, 0.9)}, parameters=100, bayes=True, gamma=15.0)) == []
    assert "16.0 effective parameters for 30" in fit_warnings(
        fake([30, 0, 0], {"train": m(0.01, 0.9)}, parameters=100, bayes=True, gamma=16.0))[0]
    # validation: over 4 times the training MSE, with R² below 0.99, from 5 points on
    assert "4.1 times" in fit_warnings(fake([140, 30, 30], {**good, "val": m(0.041, 0.9)}))[0]
    assert fit_warnings(fake([140, 30, 30], {**good, "val": m(0.041, 0.991)})) == []  # a near-exact fit
    through = fit_warnings(fake([140, 30, 30], {**good, "train": m(0.0, 1.0), "val": m(0.041, 0.9)}))[0]
    assert through.startswith("the validation MSE is 0.041 where the fit passes through every training point")  # ("inf times")
    assert fit_warnings(fake([140, 4, 30], {**good, "val": m(1.0, 0.1, 4)})) == []  # too few to judge
    # test: R² more than 0.1 below training's, with the MSE over twice training's, from 5 points on
    assert "R² 0.870 is far below the training R² 0.980" in fit_warnings(fake([140, 30, 30], {**good, "test": m(0.021, 0.87)}))[0]
    assert fit_warnings(fake([140, 30, 30], {**good, "test": m(0.019, 0.5)})) == []  # little spread, small errors
    assert fit_warnings(fake([140, 30, 4], {**good, "test": m(1.0, -3.0, 4)})) == []


def test_no_warning_on_a_good_fit():
    x, y = sin_points()
    for options in ({}, {"regularization": "none"}, {"regularization": "none", "hidden": 20}):
        for seed in (0, 1):
            model = nnfit.fit(x, y, seed=seed, **options)
            assert model.extra["warnings"] == [], (options, seed, model.extra["warnings"])


def test_each_warning_on_a_fit_that_earns_it():
    x, y = sin_points()
    index = split_indices(FitConfig(seed=0, regularization="none"), len(x))
    for which, idx in (("validation MSE", index[1]), ("test R²", index[2])):
        bad = y.copy()
        bad[idx] += 2.0  # these points disagree with the training points: no fit carries over to them
        got = nnfit.fit(x, bad, seed=0, regularization="none").extra["warnings"]
        assert len(got) == 1 and got[0].startswith(f"the {which}"), got
    # 10 points, 16 parameters (15 weights and the output bias), no regularization: the tutorial's fit passes through every point
    got = nnfit.fit(seed=0).extra["warnings"]
    assert len(got) == 1 and got[0].startswith("16 parameters for 10 training values"), got
    got = nnfit.fit(seed=0, regularization="bayes").extra["warnings"]  # what the warning suggests: gone
    assert not any(w.startswith("16 parameters") for w in got) and all("effective parameters" in w for w in got), got
    x8 = np.linspace(-3, 3, 8)
    got = nnfit.fit(x8, np.sin(x8), seed=0, hidden=10, regularization="bayes").extra["warnings"]
    assert len(got) == 1 and "effective parameters for 8 training values" in got[0], got


def test_fit_cli_writes_the_diagnostics(cli, tmp_path):
    x, y = sin_points(n=60)
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, y)))
    status, out, err = cli("fit", "--data", "d.csv", "--seed", "0", "--out", "one", "--regularization", "none", "--lang", "en")
    assert status == 0 and err == "wrote one/: model.safetensors, history.csv, fit.png, loss.png, diagnostics.png\n", err
    assert png_size(tmp_path / "one" / "fit.png") == (1000, 600) and png_size(tmp_path / "one" / "diagnostics.png") == (1300, 950)
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (40, 3))
    rows = [(*r, r[0] + r[1] * r[2], np.cos(2 * r[0])) for r in X]
    (tmp_path / "m.csv").write_text("a,b,c,u,v\n" + "".join(",".join(repr(float(v)) for v in r) + "\n" for r in rows))
    status, out, err = cli("fit", "--data", "m.csv", "--x", "a,b,c", "--y", "u,v", "--seed", "0", "--starts", "4",
                           "--out", "many", "--lang", "en")
    assert status == 0 and err.endswith("wrote many/: model.safetensors, history.csv, fit.png, loss.png, diagnostics.png\n"), err
    assert png_size(tmp_path / "many" / "fit.png") == (960, 520) and png_size(tmp_path / "many" / "diagnostics.png") == (1300, 950)
    # the tutorial's points: the warning, one line on stderr, in the model file too; with --quiet the warning alone
    status, out, err = cli("fit", "--seed", "0", "--out", "t", "--no-plot", "--lang", "en")
    lines = err.splitlines()
    assert status == 0 and lines[0].startswith("nnfit: warning: 16 parameters for 10 training values") and len(lines) == 2, err
    assert nnfit.load(tmp_path / "t" / "model.safetensors").extra["warnings"] == [lines[0][len("nnfit: warning: "):]]
    status, out, err = cli("fit", "--seed", "0", "--out", "q", "--no-plot", "--quiet", "--lang", "en")
    assert status == 0 and err == lines[0] + "\n" and out == ""  # --quiet: nothing but warnings and errors, as train
    status, out, err = cli("fit", "--seed", "0", "--out", "zh", "--no-plot", "--lang", "zh")
    assert status == 0 and err.startswith("nnfit：警告：16 个参数对 10 个训练值"), err


def test_a_kept_constant_is_not_called_overfitted():
    """A fit that kept y's mean (no start beat it) says so itself; its held-out errors are no overfitting,
    however much larger than the training error they are."""
    import copy
    x = np.linspace(0, 3, 60)
    y = np.sin(3 * x) + np.random.default_rng(0).normal(0, 0.1, 60)
    with pytest.warns(nnfit.DataWarning, match="constant"):
        model = nnfit.fit(x * 1e-140, y, optimizer="lbfgs", scale="none", seed=0)
    assert model.extra["stopped"].startswith("no start beat the constant")
    worse = copy.deepcopy(model)
    worse.extra["metrics"]["test"].update(mse=100.0, r2=-5.0)
    worse.extra["metrics"]["val"].update(mse=100.0, r2=-5.0)
    assert fit_warnings(worse) == []


def test_a_fit_about_the_mean_is_a_data_warning_too():
    """A fit that is about y's mean without keeping the constant (x spanning 1e-6 unscaled, where sigmoid
    starts cannot reach it) warns a Python caller as the constant kept does, not only in model.extra (helper-60)."""
    rng = np.random.default_rng(0)
    t = rng.uniform(-1, 1, 200)
    with pytest.warns(nnfit.DataWarning, match=r"the fit explains 0\.\d% of y's variance.*try --scale standard\)$"):
        model = nnfit.fit(1e-6 * t, t + 0.05 * rng.standard_normal(200), scale="none", activation="sigmoid", seed=0)
    assert model.extra["warnings"][-1].startswith("the fit explains") and model.extra["metrics"]["train"]["r2"] < 0.01


@pytest.mark.parametrize("errors", [[5e-324, 1e-323, 0.0], [1.0, 1 + 2.2e-16, 1 + 4.4e-16], [1e149, 1e149 * (1 + 2e-16)]])
def test_error_histogram_of_errors_that_differ_in_the_last_digits(errors):
    """NumPy finds no 20 distinct bins between them: a wider window around them, every error counted."""
    edges, (counts,) = error_histogram([np.array(errors)])
    assert len(edges) == 21 and np.all(np.diff(edges) > 0) and counts.sum() == len(errors)
