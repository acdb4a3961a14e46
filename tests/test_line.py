"""The straight line as a candidate of a Bayesian fit (nnfit/fit/line.py, driver.LINE): its evidence
against the Gaussian marginal likelihood it stands for, its fixed point, its leave-one-out error
against refitting, the relu network that holds it, and what nnfit.fit does with it."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nnfit
from nnfit.fit import driver
from nnfit.fit.line import REACH, as_network, fit_line, loo_rmse, posterior_on_network
from nnfit.fit.lm import ALPHA_MIN
from nnfit.fit.network import Shape, forward, jacobian
from nnfit.fit.report import summary


def marginal(u, v, alpha, beta):
    """ln p(v | alpha, beta) of the line with Gaussian priors, by the textbook: v ~ N(0, S) per output,
    S = noise variance I + X diag(prior variances) X^T, with our units (exp(-beta E_D): variance 1 / (2 beta)).
    The intercept's prior variance (1 / (2 ALPHA_MIN), 5e7) is added as a rank-one update c 1 1^T of the
    slopes' S0 (determinant lemma and Sherman-Morrison), so that float64 keeps its digits."""
    N, d = u.shape
    S0 = np.eye(N) / (2 * beta) + u @ np.diag(1 / (2 * np.asarray(alpha))) @ u.T
    c, one = 1 / (2 * ALPHA_MIN), np.ones(N)
    _sign, logdet0 = np.linalg.slogdet(S0)
    s = one @ np.linalg.solve(S0, one)
    total = 0.0
    for j in range(v.shape[1]):
        a = np.linalg.solve(S0, v[:, j])
        t = one @ a
        quad = v[:, j] @ a - c * t * t / (1 + c * s)
        total += -0.5 * (quad + logdet0 + math.log1p(c * s) + N * math.log(2 * math.pi))
    return total


def scaled(x, y):
    return (x - x.mean(axis=0)) / x.std(axis=0), (y - y.mean(axis=0)) / y.std(axis=0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 3), st.integers(1, 2), st.integers(8, 40))
def test_the_evidence_is_the_marginal_likelihood_at_its_maximum(seed, d, k, n):
    """fit_line's log evidence is the Gaussian marginal likelihood of the data (up to the N/2 ln 2 pi that
    driver compares without, as lm.log_evidence), and its alpha, beta are where that is largest: moving
    either by 1% lowers it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = x @ rng.normal(size=(d, k)) + rng.normal(0, 0.3, (n, k))
    u, v = scaled(x, y)
    line = fit_line(u, v)
    best = marginal(u, v, line["alpha"], line["beta"])
    assert line["evidence"] - 0.5 * n * k * math.log(2 * math.pi) == pytest.approx(best, rel=1e-9, abs=1e-8)
    for alpha, beta in ((line["alpha"] * 1.01, line["beta"]), (line["alpha"] / 1.01, line["beta"]),
                        (line["alpha"], line["beta"] * 1.01), (line["alpha"], line["beta"] / 1.01)):
        if np.all(alpha < 1e11):  # (an alpha at its cap, ALPHA_MAX, is not at a stationary point; one on its way
            # there, a slope the data do not support, gains a few 1e-8 nat from another 1%)
            assert marginal(u, v, alpha, beta) <= best + 1e-6


def test_leave_one_out_is_refitting_without_the_point():
    """The PRESS residuals of the line at fixed alpha and beta are exact: the same as refitting it on the
    other N - 1 points."""
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (25, 2))
    y = (x @ [1.5, -0.5])[:, None] + rng.normal(0, 0.2, (25, 1))
    u, v = scaled(x, y)
    line = fit_line(u, v)
    X = np.c_[u, np.ones(len(u))]
    prior = np.diag(np.r_[line["alpha"], ALPHA_MIN])
    errors = []
    for i in range(len(u)):
        keep = np.arange(len(u)) != i
        coef = np.linalg.solve(line["beta"] * X[keep].T @ X[keep] + prior, line["beta"] * X[keep].T @ v[keep])
        errors.append(float((X[i] @ coef)[0] - v[i, 0]))
    assert loo_rmse(line, u, [3.0]) == pytest.approx(3.0 * np.sqrt(np.mean(np.square(errors))), rel=1e-9)


@pytest.mark.parametrize("d,H,k", [(1, 5, 1), (3, 4, 2), (2, 2, 2)])
def test_a_relu_network_holds_the_line_exactly(d, H, k):
    """as_network's relu network predicts the line itself on the training points and far beyond them
    (its kinks REACH times out), and carries the line's posterior: the network's predictive variance
    g^T cov g (g = dy_hat/dp) is the line's x^T (2 H)^-1 x."""
    rng = np.random.default_rng(d + H + k)
    u = rng.normal(size=(30, d))
    v = u @ rng.normal(size=(d, k)) + 0.5 + rng.normal(0, 0.1, (30, k))
    line = fit_line(u, v)
    net = Shape(d, H, k, bias=True)
    p = as_network(line, net, u)
    far = np.concatenate([u, 50 * u, -300 * u])
    y_hat = forward(p[None, :], far, net, "relu")[2][0]
    assert np.allclose(y_hat, far @ line["C"] + line["c0"], rtol=1e-12, atol=1e-9)
    cov = posterior_on_network(line, net, p)
    _r, g = jacobian(p[None, :], far, np.zeros((len(far), k)), net, "relu")
    X = np.c_[far, np.ones(len(far))]
    expected = np.einsum("np,pq,nq->n", X, np.linalg.inv(2 * line["H"]), X)
    assert np.allclose(np.einsum("np,pq,nq->n", g[0], cov, g[0]), np.repeat(expected, k), rtol=1e-8)
    assert np.all(np.linalg.eigvalsh(cov) > -1e-12 * np.abs(cov).max())


def noisy_line(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    return x, 2 * x + 1 + rng.normal(0, 0.1, n)


def test_a_fit_of_a_noisy_line_keeps_the_line():
    """On 100 noisy points of 2x + 1 the line's evidence beats every network's by more than
    driver.LINE_MARGIN on these seeds, the line is kept, tests closer to the truth than the network
    the fit would otherwise keep, saves and loads with its prediction intervals, and the summary says so."""
    grid = np.linspace(-1, 1, 500)
    gains = []
    for seed in (0, 2):
        x, y = noisy_line(100, seed)
        model = nnfit.fit(x, y, hidden=10, seed=seed)
        assert model.extra["line"]["kept"] and model.config.activation == "relu"
        assert model.extra["line"]["evidence"] > model.extra["line"]["network"] + driver.LINE_MARGIN
        assert model.extra["regularization"]["parameters"] == 2 and 1.5 < model.extra["regularization"]["gamma"] <= 2
        assert "the line is kept" in summary(model) and "kept: the straight line" in summary(model)
        assert model.history == [pytest.approx(model.final_loss)]
        coef = np.polyfit(x, y, 1)
        assert np.allclose(model.predict(grid), np.polyval(coef, grid), atol=2e-3)  # the least-squares line, a prior's shrink off
        y_hat, std = model.predict(grid, return_std=True)
        assert np.all(np.isfinite(std)) and 0.09 < std.min() <= std.max() < 0.12  # noise 0.1 and a little for the line
        gains.append(np.sqrt(np.mean((model.predict(grid) - (2 * grid + 1)) ** 2)))
    assert max(gains) < 0.03


def test_a_saved_line_loads_and_predicts_the_same(tmp_path):
    x, y = noisy_line(100, 0)
    model = nnfit.fit(x, y, hidden=10, seed=0)
    assert model.extra["line"]["kept"]
    model.save(tmp_path / "m.safetensors")
    back = nnfit.load(tmp_path / "m.safetensors")
    assert back.extra["line"] == model.extra["line"]
    grid = np.linspace(-3, 3, 50)
    assert np.array_equal(back.predict(grid), model.predict(grid))
    assert np.allclose(back.predict(grid, return_std=True)[1], model.predict(grid, return_std=True)[1])


def test_the_line_is_not_kept_on_a_curve_nor_tried_where_it_cannot_be():
    """On a sine the networks' evidence is far larger (the line's is recorded, not kept); an activation
    asked for that is not relu, no Bayesian regularization, or another optimizer: no line at all."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, 80)
    y = np.sin(x) + rng.normal(0, 0.1, 80)
    model = nnfit.fit(x, y, hidden=10, seed=0)
    assert not model.extra["line"]["kept"] and model.extra["line"]["evidence"] < model.extra["line"]["network"] - 10
    assert "the network is kept" in summary(model)
    x, y = noisy_line(100, 0)
    for options in ({"activation": "sigmoid"}, {"regularization": "none"}, {"optimizer": "lbfgs"}):
        model = nnfit.fit(x, y, hidden=5, seed=0, **options)
        assert "line" not in model.extra
    model = nnfit.fit(x, y, hidden=5, seed=0, activation="relu")  # (a relu network can be a line itself)
    assert "line" in model.extra and model.extra["line"]["network"] is not None


def test_a_noise_free_line_is_fitted_exactly():
    """Points exactly on a line: the line fits them to the goal (an exact fit, its evidence unbounded) and
    is kept even where a network is exact too (the simplest exact fit): it extrapolates as the line does,
    where an exact network bent away (-1.4 at x = 5, -9.8 at x = 10, from 20 points in [-1, 1])."""
    for x in (np.linspace(-2, 2, 40), np.linspace(-1, 1, 20)):
        model = nnfit.fit(x, 3 * x - 1, hidden=5, seed=0)
        assert model.extra["line"]["kept"] and model.extra["line"]["evidence"] == "exact"
        far = np.array([-10.0, 5.0, 10.0])
        assert np.allclose(model.predict(far), 3 * far - 1, rtol=1e-9, atol=1e-9)


def test_many_points_of_a_line_keep_the_line_after_the_race():
    """From driver.SCOUT_FROM points the starts race; the refined winner's evidence is the one compared."""
    x, y = noisy_line(3000, 0)
    model = nnfit.fit(x, y, hidden=10, seed=0)
    assert model.extra["scout"] and model.extra["line"]["kept"]
    assert model.extra["line"]["network"] is not None
    grid = np.linspace(-1, 1, 200)
    assert np.sqrt(np.mean((model.predict(grid) - (2 * grid + 1)) ** 2)) < 0.01


def test_several_inputs_and_outputs_keep_a_plane():
    """Two outputs, each a plane in three inputs: the line (a plane) is kept and held by one relu neuron
    for each output; a network with fewer neurons than outputs cannot hold it, and does not try."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (150, 3))
    y = x @ np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 1.0]]) + rng.normal(0, 0.1, (150, 2))
    model = nnfit.fit(x, y, hidden=4, seed=0)
    assert model.extra["line"]["kept"] and "relu neurons 1-2 hold it" in summary(model)
    test = rng.uniform(-1, 1, (100, 3))
    assert np.sqrt(np.mean((model.predict(test) - test @ np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 1.0]])) ** 2)) < 0.03
    assert "line" not in nnfit.fit(x, y, hidden=1, seed=0, epochs=5).extra
    # the one-value histories are in each output's scaled units, as a network's are with several outputs
    model = nnfit.fit(x, y, hidden=4, seed=0, test_fraction=0.2)
    assert model.extra["line"]["kept"]
    scale = np.asarray(model.scaling["y_scale"])
    for history, split in ((model.history, "train"), (model.extra["test_history"], "test")):
        each = [out["rmse"] ** 2 for out in model.extra["metrics"][split]["outputs"]]
        assert history == [pytest.approx(np.mean(np.array(each) / scale ** 2), rel=1e-9)]


@pytest.mark.parametrize("scale", [1e-140, 1e149])
def test_unscaled_extremes_end_in_a_finite_model(scale):
    """x unscaled near nnfit's limits (data.MAX_MAGNITUDE, MIN_SPREAD): the line is compared or not, and
    the fit ends in a finite model either way; past float64 (X^T X overflows) fit_line gives up."""
    x = np.linspace(-1, 1, 40) * scale
    y = np.sin(3 * np.linspace(-1, 1, 40)) + np.random.default_rng(0).normal(0, 0.1, 40)
    model = nnfit.fit(x, y, hidden=3, seed=0, scale="none", starts=4, epochs=20)
    assert np.all(np.isfinite(model.predict(x)))
    assert fit_line(x[:, None] / scale * 1e160, (y - y.mean())[:, None]) is None


def test_a_raised_goal_does_not_make_a_curve_exact():
    """--goal stops the epochs early; the line counts as exact only below 1e-12 (driver.EXACT) whatever the
    goal, so a sine with goal 0.1 is not taken for a line."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, 60)
    model = nnfit.fit(x, np.sin(x) + rng.normal(0, 0.1, 60), hidden=5, seed=0, goal=0.1)
    assert model.extra["line"]["evidence"] != "exact" and not model.extra["line"]["kept"]


@pytest.mark.parametrize("span", [1e-6, 1e-9, 1e-30])
def test_unscaled_tiny_x_of_a_line_keeps_the_line(span):
    """--scale none with x spanning 1e-6 or less: the slope is 1e6 and more, which an absolute alpha
    (start 1, floor ALPHA_MIN) held at 0 (the fit was the constant, R2 0); alpha relative to the
    inputs' size fits the line."""
    t = np.random.default_rng(0).uniform(-1, 1, 30)
    model = nnfit.fit(t * span, 2 * t + 1, scale="none", seed=0)
    assert model.extra["line"]["kept"] and model.extra["metrics"]["train"]["r2"] > 1 - 1e-6


def test_unscaled_tiny_y_is_not_fitted_exactly_by_a_line():
    """--scale none with y of size 1e-6: the line's exactness is relative to y's size (driver.exactness),
    so a line is not an "exact" fit of a sine there (it was kept, R2 0.63)."""
    x = np.random.default_rng(0).uniform(-1, 1, 100)
    model = nnfit.fit(x, 1e-6 * np.sin(3 * x), scale="none", seed=0)
    assert not model.extra["line"]["kept"] and model.extra["line"]["evidence"] != "exact"
    assert model.extra["metrics"]["train"]["r2"] > 0.9


def test_a_line_far_from_zero_for_its_spread_is_held_or_left():
    """With --scale none and x = 1e6 +- 1e-8 the neuron that holds the line puts its kink REACH times the
    points' reach beyond their centre, not beyond the origin (a kink 1e9 out rounded away x's spread: the
    kept line was 750 times worse than the constant). Where a relu network cannot hold the line at all
    (two inputs: w u is rounded), the line is not kept, and the fit is no worse than the constant."""
    import warnings
    rng = np.random.default_rng(0)
    t = rng.uniform(-1, 1, 30)
    y = 250 - 7 * t + 0.05 * rng.standard_normal(30)
    x = 1e6 + 1e-8 * t  # (x is stored to 1.2e-10: x's own digits are the least-squares line's)
    far = nnfit.fit(x, y, seed=0, scale="none")
    assert far.extra["line"]["kept"]
    least = np.polyval(np.polyfit(x - 1e6, y, 1), x - 1e6)  # (x - 1e6 is exact)
    assert np.mean((far.predict(x) - y) ** 2) < 1.05 * np.mean((least - y) ** 2) < 0.01 * np.var(y)
    two = rng.uniform(-1, 1, (200, 2))
    y2 = 3 * two[:, 0] - 2 * two[:, 1] + 0.01 * rng.standard_normal(200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nnfit.DataWarning)
        model = nnfit.fit(1e6 + 1e-9 * two, y2, seed=0, scale="none")
    assert model.extra["line"]["kept"] is False and model.extra["line"]["held"] is False
    assert np.mean((model.predict(1e6 + 1e-9 * two) - y2) ** 2) <= np.var(y2) * (1 + 1e-12)
    assert "cannot hold it here in float64" in summary(model)


def test_a_nearly_noise_free_plane_keeps_the_line_with_goal_0():
    """With goal 0 nothing counts as exact, and on a plane with noise 1e-8 E_D by expansion (v^T v - 2 c^T X^T v
    + c^T X^T X c) cancelled to 0 and stopped the line's iteration at beta 1e8 (evidence 2664, below the
    network's 4945: the network was kept, test RMSE 0.08). E_D from the residuals there: the line is kept."""
    rng = np.random.default_rng(83)
    x = rng.normal(size=(100, 6))
    slopes = rng.normal(size=(6, 3)) * (rng.random((6, 1)) < 0.5)
    y = x @ slopes + 1e-8 * rng.normal(size=(100, 3))
    model = nnfit.fit(x, y, hidden=4, seed=0, goal=0)
    assert model.extra["line"]["kept"] and model.extra["line"]["evidence"] > model.extra["line"]["network"]
    new = rng.normal(size=(50, 6))
    assert np.max(np.abs(model.predict(new) - new @ slopes)) < 1e-6
