"""One kink as a candidate of a Bayesian fit (nnfit/fit/kink.py, driver.KINK): its batch of evidences
against fit_line's on the explicit features, its evidence over the kink's place against a dense
quadrature, the relu network that holds it, and what nnfit.fit does with it."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

import nnfit
from nnfit.fit import driver, kink as K
from nnfit.fit.line import fit_line
from nnfit.fit.network import Shape, forward, jacobian
from nnfit.fit.report import summary


def scaled(x, y):
    return ((x - x.mean()) / x.std())[:, None], ((y - y.mean()) / y.std())[:, None]


def corner(n, seed, at=0.3, noise=0.1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    return x, np.abs(x - at) + rng.normal(0, noise, n)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(8, 200), st.floats(-0.8, 0.8), st.floats(0.0, 3.0))
@example(155, 155, 0.0, 3.0)
def test_the_batch_is_fit_line_at_each_place(seed, n, at, bend):
    """Batch (every place at once, from running sums over the sorted x) gives fit_line's log
    evidence for the features [u, relu(u - t)] at each t, on data with and without a corner, at places
    fit_kink tries (K.MIN_SIDE points on each side). To 1e-5 nat: a place near an edge makes relu(u - t)
    nearly u - t, and the running sums' round-off then moves the evidence by up to a few 1e-6 nat whatever
    the iterations (seed 155, n 155, bend 3: 1.24e-6 at 500 and at 5000; a clean clone's CI drew it; the
    largest of 10,000 places 2.3e-6). With one point beyond the place (which fit_kink never tries) the two
    can settle at different fixed points (fit_line switches the slope change off, alpha 1e20): 3e-4 nat.
    The margins that decide are 0.5-2 nats."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    u, v = scaled(x, x + bend * np.maximum(x - at, 0) + rng.normal(0, 0.2, n))
    inner = np.sort(u[:, 0])[[K.MIN_SIDE - 1, -K.MIN_SIDE]]
    knots = np.sort(rng.uniform(*inner, 5))
    with pytest.MonkeyPatch.context() as mp:  # iterated as far as fit_line (the batch's own cap is K.ITERATIONS)
        mp.setattr(K, "ITERATIONS", 500)
        mp.setattr(K, "RTOL", 1e-10)
        batch = K.Batch(u[:, 0], v[:, 0], 0.0).evidences(knots)
    for t, e in zip(knots, batch):
        line = fit_line(K.features(u, t), v)
        if line is not None and math.isfinite(line["evidence"]):
            assert e == pytest.approx(line["evidence"], abs=1e-5)


@pytest.mark.parametrize("seed,n", [(0, 40), (1, 120), (2, 400)])
def test_the_evidence_is_the_integral_over_the_kinks_place(seed, n):
    """fit_kink's evidence is ln of the integral of p(D | t) over a uniform prior on t across the data:
    against a dense trapezoid quadrature of fit_line's evidence over the same span (where a kink has
    K.MIN_SIDE distinct x on each side), to within 0.1 nat (its cells are the midpoints between the data's
    x, a few across the peak at 40 points); and its kink is within 0.2 nat of where p(D | t) is largest."""
    x, y = corner(n, seed)
    u, v = scaled(x, y)
    kink = K.fit_kink(u, v)
    s = np.unique(u[:, 0])
    lo, hi = s[K.MIN_SIDE - 1], s[-K.MIN_SIDE]
    grid = np.linspace(lo, hi, 1001)
    ev = np.array([fit_line(K.features(u, t), v)["evidence"] for t in grid])
    top = ev.max()
    dense = top + math.log(np.trapezoid(np.exp(ev - top), grid) / np.ptp(u))
    assert kink["evidence"] == pytest.approx(dense, abs=0.1)
    assert kink["at_knot"] >= top - 0.2
    assert abs(kink["knot"] - grid[np.argmax(ev)]) < 0.05


@pytest.mark.parametrize("H", [2, 5, 10])
def test_a_relu_network_holds_the_kink_exactly(H):
    """as_network's relu network is c1 u + c2 relu(u - t) + c0 on the training points and far beyond
    them, and carries the kink's posterior: g^T cov g is x^T (2 H)^-1 x for x = [u, relu(u - t), 1,
    -c2 1[u > t]] (the place t by Laplace's approximation: its column is the finite difference of the
    curve in t), wider than with the place held fixed near the kink and the same far from it."""
    x, y = corner(60, H)
    u, v = scaled(x, y)
    kink = K.fit_kink(u, v)
    net = Shape(1, H, 1, bias=True)
    p = K.as_network(kink, net, u)
    far = np.concatenate([u, 50 * u, -300 * u])
    X = np.c_[K.features(far, kink["knot"]), np.ones(len(far))]
    y_hat = forward(p[None, :], far, net, "relu")[2][0]
    assert np.allclose(y_hat[:, 0], X @ np.r_[kink["C"][:, 0], kink["c0"]], rtol=1e-12, atol=1e-9)
    cov = K.posterior_on_network(kink, net, p, u)
    _r, g = jacobian(p[None, :], far, np.zeros((len(far), 1)), net, "relu")
    t, c, h = kink["knot"], np.r_[kink["C"][:, 0], kink["c0"]], 1e-7
    curve = lambda z, knot: np.c_[K.features(z, knot), np.ones(len(z))] @ c
    step = lambda z: (curve(z, t + h) - curve(z, t - h)) / (2 * h)  # d y_hat / d t, away from the kink
    X4, U4 = np.c_[X, step(far)], np.c_[np.c_[K.features(u, t), np.ones(len(u))], step(u)]
    H4 = kink["beta"] * U4.T @ U4
    H4[:3, :3] = kink["H"]
    expected = np.einsum("np,pq,nq->n", X4, np.linalg.inv(2 * H4), X4)
    got = np.einsum("np,pq,nq->n", g[0], cov, g[0])
    assert np.allclose(got, expected, rtol=1e-6)
    fixed = np.einsum("np,pq,nq->n", X, np.linalg.inv(2 * kink["H"]), X)
    near = np.abs(far[:, 0] - t) < 0.1
    assert np.all(got[near] > fixed[near]) and np.all(got >= fixed * (1 - 1e-9))


def test_a_fit_of_a_noisy_corner_keeps_the_kink(tmp_path):
    """On 300 noisy points of |x - 0.3| the kink's evidence beats the networks' by more than
    driver.KINK_MARGIN, the kink is kept near 0.3, tests closer to the truth than the network the fit
    keeps without it, saves and loads, and the summary says so (in Chinese too)."""
    grid = np.linspace(-1, 1, 1000)
    truth = np.abs(grid - 0.3)
    x, y = corner(300, 901)
    model = nnfit.fit(x, y, hidden=10, seed=1)
    kinked = model.extra["kink"]
    assert kinked["kept"] and not model.extra["line"]["kept"] and model.config.activation == "relu"
    assert kinked["evidence"] > kinked["rivals"] + driver.KINK_MARGIN and abs(kinked["at"] - 0.3) < 0.03
    assert model.extra["regularization"]["parameters"] == 4 and 2 < model.extra["regularization"]["gamma"] <= 3
    assert model.history == [pytest.approx(model.final_loss)]
    assert "kept: two straight pieces" in summary(model) and "the kink's is larger still" in summary(model)
    with_kink = np.sqrt(np.mean((model.predict(grid) - truth) ** 2))
    y_hat, std = model.predict(grid, return_std=True)
    assert np.all(np.isfinite(std)) and 0.09 < std.min() <= std.max() < 0.13
    model.save(tmp_path / "m.safetensors")
    back = nnfit.load(tmp_path / "m.safetensors")
    assert back.extra["kink"] == kinked and np.array_equal(back.predict(grid), model.predict(grid))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(driver, "KINK", False)
        network = nnfit.fit(x, y, hidden=10, seed=1)
    assert "kink" not in network.extra
    assert with_kink < 0.7 * np.sqrt(np.mean((network.predict(grid) - truth) ** 2))
    from nnfit import i18n
    i18n.use("zh")
    try:
        assert "两段直线" in summary(model)
    finally:
        i18n.use("en")


def test_the_kink_is_not_kept_on_curves_nor_tried_where_it_cannot_be():
    """A sine and a parabola keep their networks (the kink's evidence reported, not kept); a line keeps
    the line; several inputs or outputs, hidden 1 and too few distinct x fit no kink."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, 200)
    for y in (np.sin(2 * x), x ** 2):
        model = nnfit.fit(x, y + rng.normal(0, 0.1, 200), hidden=10, seed=0)
        assert not model.extra["kink"]["kept"] and model.extra["kink"]["evidence"] < model.extra["kink"]["rivals"]
        assert "not kept" in summary(model)
    model = nnfit.fit(x, 2 * x + 1 + rng.normal(0, 0.1, 200), hidden=10, seed=0)
    assert model.extra["line"]["kept"] and not model.extra["kink"]["kept"]
    X = rng.normal(size=(100, 2))
    assert "kink" not in nnfit.fit(X, np.abs(X[:, 0]), hidden=5, seed=0).extra
    assert "kink" not in nnfit.fit(x[:60], np.c_[np.abs(x[:60]), x[:60]], hidden=5, seed=0).extra
    assert "kink" not in nnfit.fit(x[:60], np.abs(x[:60]), hidden=1, seed=0).extra
    assert "kink" not in nnfit.fit(np.repeat([0.0, 1, 2, 3, 4], 6), np.repeat([0.0, 1, 2, 1, 0], 6), hidden=5, seed=0).extra


def test_a_noise_free_corner_is_fitted_exactly():
    """Noise-free |x - 0.3| at points on both sides: the kink fits every point, is kept as exact, and the
    model is the corner itself far beyond the data (a network would bend away there)."""
    x = np.linspace(-1, 1, 41) + 0.01
    model = nnfit.fit(x, np.abs(x - 0.3), hidden=5, seed=0)
    assert model.extra["kink"]["kept"] and model.extra["kink"]["evidence"] == "exact"
    far = np.array([-50.0, -3, 0.3, 0.31, 4, 80])
    assert np.allclose(model.predict(far), np.abs(far - 0.3), atol=1e-6 * np.abs(far).max())


def test_many_points_of_a_corner_keep_the_kink_after_the_race():
    """At 3000 points (the race's path) the kink is kept on |x| and lands on the corner."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, 3000)
    model = nnfit.fit(x, np.abs(x) + rng.normal(0, 0.1, 3000), hidden=10, seed=0)
    assert model.extra["scout"] and model.extra["kink"]["kept"] and abs(model.extra["kink"]["at"]) < 0.05


def test_after_a_race_a_kink_far_behind_on_its_points_is_not_fitted_on_all(monkeypatch):
    """After a race, the kink is fitted on the race's points first; where its evidence there is more than
    KINK_SURE below the race winner's (a logistic curve: 235 nat at 500 points), it is not fitted on
    every point, the model is the one it would have been, and the summary says why. A corner is still
    fitted on every point and kept (test above)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 2000)
    y = 1 / (1 + np.exp(-4 * x)) + rng.normal(0, 0.1, 2000)
    quick = nnfit.fit(x, y, hidden=10, seed=0)
    race = quick.extra["kink"]["race"]
    assert quick.extra["scout"] and not quick.extra["kink"]["kept"] and race["points"] == driver.SCOUT_POINTS
    assert race["evidence"] < race["networks"] - driver.KINK_SURE
    assert "not fitted on every point" in summary(quick)
    monkeypatch.setattr(driver, "KINK_SURE", math.inf)  # always fitted on every point
    whole = nnfit.fit(x, y, hidden=10, seed=0)
    assert "race" not in whole.extra["kink"] and not whole.extra["kink"]["kept"]
    assert whole.extra["kink"]["evidence"] < whole.extra["kink"]["rivals"] - 100
    grid = np.linspace(-2, 2, 200)
    assert np.array_equal(quick.predict(grid), whole.predict(grid))


@pytest.mark.parametrize("scale,offset", [(1e-17, 0.0), (1e-30, 0.0), (1.0, 1e5), (1e3, 1e6)])
def test_unscaled_x_of_any_size_or_offset_keeps_the_right_kink(tmp_path, scale, offset):
    """--scale none with x of size 1e-17 or at 1e5: the kink is searched and fitted on x and y
    standardized inside fit_kink and fit_line, so it lands on the corner, fits better than the best
    line, and the model saves and loads (a kink of 3 parameters had gamma 60 there, and an unloadable
    posterior; at 1e5 the first allowed place was kept)."""
    x = np.linspace(-1, 1, 60)
    y = np.abs(x - 0.3) + 0.1 * np.random.default_rng(0).normal(size=60)
    X = x * scale + offset
    model = nnfit.fit(X, y, seed=1, scale="none")
    kinked = model.extra["kink"]
    assert kinked["kept"] and abs((kinked["at"] - offset) / scale - 0.3) < 0.1
    assert model.extra["regularization"]["gamma"] <= 3
    line_rmse = np.sqrt(np.mean((np.polyval(np.polyfit(x, y, 1), x) - y) ** 2))
    assert np.sqrt(np.mean((model.predict(X) - y) ** 2)) < 0.5 * line_rmse
    model.save(tmp_path / "m.safetensors")
    assert np.allclose(nnfit.load(tmp_path / "m.safetensors").predict(X), model.predict(X), rtol=1e-12, atol=1e-12)


def test_six_distinct_x_and_noise_free_corners_are_fitted():
    """Exactly 2 MIN_SIDE distinct x (one place for the kink: its cell is the span, not 0), and a
    noise-free corner on 6 points (a fresh start, not a switched-off slope carried over, finds it
    exactly); integer years at --scale none."""
    rng = np.random.default_rng(1)
    x = np.repeat(np.linspace(-1, 1, 6), 10)
    model = nnfit.fit(x, np.abs(x - 0.1) + 0.01 * rng.normal(size=60), seed=1)
    assert isinstance(model.extra["kink"]["evidence"], float)
    x6 = np.linspace(-1, 1, 6)
    model = nnfit.fit(x6, np.abs(x6 - 0.3), seed=1, regularization="bayes")
    assert model.extra["kink"]["kept"] and model.extra["kink"]["evidence"] == "exact"
    years = np.arange(1990, 2021.0)
    model = nnfit.fit(years, np.abs(years - 2005), seed=1, scale="none")
    assert model.extra["kink"]["kept"] and model.extra["kink"]["at"] == pytest.approx(2005, abs=1e-6)
    assert np.allclose(model.predict(years), np.abs(years - 2005), atol=1e-6)


def test_the_summary_places_the_kink_to_a_ten_thousandth_of_the_span():
    """x at 1e6: the place is 1000000.234, not "1e+06"."""
    from nnfit.fit.report import place_text
    assert place_text(1000000.2342, (999999.0, 1000001.0)) == "1000000.234"
    assert place_text(0.23424, (-1.0, 1.0)) == "0.2342"
    assert place_text(-5e-7, (-1.0, 1.0)) == "-5e-07"
