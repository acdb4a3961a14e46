"""Property-based tests of fit mode (issue 8, item 2), with Hypothesis.

Generated data: smooth, kinked, stepped, oscillating, spiky, linear or constant curves; x laid out
uniformly, on a grid, duplicated, in two far clusters or (nearly) all equal; 2 to 5000 points; x and
y on scales from 1e-9 to 1e9, centred, offset by many spans, or sitting near 1e9; noise from none to
three times the signal; a few outliers up to 1e6 spans. Across every activation, optimizer,
regularization and scaling, hidden 1-50, starts 1-16, and learning rates up to 1e6.

Properties, with NumPy's warnings turned into errors (a warning that would reach a user fails):

    every nnfit.fit(...) returns a model, or raises ConfigError, DataError or TrainingDiverged;
    a model predicts finite numbers on its data and on a grid three times as wide;
    model.final_loss is the training MSE of the saved parameters;
    save -> load -> predict gives the same numbers, bit for bit;
    the caller's NumPy error state is unchanged;
    with the default optimizer (lm) the fit is never worse on its training points than their mean,
    and on a straight line with a little noise never much worse than the least-squares line.

Sizes. The default run is sized for CI (about 20 s here): few examples, and every fit's epochs
capped so that its estimated cost stays within a budget (the largest data sets still appear, with
fewer epochs). Its examples are derandomized: the same on every run and machine. The tests marked
`slow` run many more examples with larger budgets and fresh random examples each run; they are
skipped unless asked for, in any of these ways (the hooks are in tests/conftest.py):

    pytest -m slow tests/test_fit_properties.py
    pytest --run-slow tests/test_fit_properties.py
    NNFIT_SLOW=1 pytest tests/test_fit_properties.py
"""
import os
import tempfile
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the property tests need hypothesis (pip install hypothesis)")
pytest.importorskip("scipy", reason="the lbfgs optimizer needs scipy")
from hypothesis import HealthCheck, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nnfit  # noqa: E402
from nnfit.fit.config import OPTIMIZERS, REGULARIZATIONS, SCALINGS  # noqa: E402
from nnfit.fit.driver import split  # noqa: E402

NNFIT_ERRORS = (nnfit.ConfigError, nnfit.DataError, nnfit.TrainingDiverged)
ACTIVATIONS = ("auto", "sigmoid", "tanh", "relu")  # auto: sigmoid and relu starts, the evidence picks

FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=400, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAST_BUDGET, SLOW_BUDGET = 2e9, 2e10  # cost units (about 3e9 a second here) one fit may spend


# ---------------------------------------------------------------- data

SHAPES = {  # the truth, on t in [-1, 1]
    "linear": lambda t: t,
    "smooth": lambda t: np.sin(1.5 * t) + 0.5 * t,
    "kinked": lambda t: np.abs(t - 0.3),
    "stepped": lambda t: np.floor(2.5 * t),
    "oscillating": lambda t: np.sin(12 * t),
    "spike": lambda t: np.exp(-(t / 0.05) ** 2),
    "constant": lambda t: np.zeros_like(t),
}
LAYOUTS = ("uniform", "grid", "duplicated", "clusters", "one_x", "one_apart")
OFFSETS = ("zero", "far", "near_1e9")


@dataclass
class Data:
    """A generated data set; repr shows how it was made, not the arrays."""
    shape: str
    layout: str
    n: int
    x_exp: int
    x_offset: str
    y_exp: int
    y_offset: str
    noise: float
    outliers: int
    outlier_size: float
    seed: int

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        n = self.n
        if self.layout == "uniform":
            t = rng.uniform(-1, 1, n)
        elif self.layout == "grid":
            t = np.linspace(-1, 1, n)
        elif self.layout == "duplicated":  # a few distinct x, each repeated
            t = rng.choice(np.linspace(-1, 1, max(1, n // 4)), n)
        elif self.layout == "clusters":  # two narrow clumps at the ends
            t = np.where(rng.random(n) < 0.5, -1, 1) * rng.uniform(0.95, 1.0, n)
        elif self.layout == "one_x":  # every x the same
            t = np.zeros(n)
        else:  # one_apart: every x the same but one
            t = np.zeros(n)
            t[-1] = 1.0
        signal = SHAPES[self.shape](t)
        y = signal + self.noise * rng.standard_normal(n)
        if self.outliers:
            at = rng.choice(n, min(self.outliers, n), replace=False)
            y[at] += self.outlier_size * rng.choice([-1.0, 1.0], len(at))
        return place(t, self.x_exp, self.x_offset), place(y, self.y_exp, self.y_offset)


def place(t, exp, offset):
    """Values of span 10**exp around 0, many spans away, or near 1e9."""
    span = 10.0 ** exp
    shift = {"zero": 0.0, "far": 100 * span, "near_1e9": 1e9}[offset]
    return shift + span * t


@st.composite
def datasets(draw, shapes=tuple(SHAPES), layouts=LAYOUTS, max_noise=3.0, outliers=True):
    n = draw(st.one_of(st.integers(2, 40), st.sampled_from([19, 20, 21, 100, 300, 1000, 5000])))
    noise = draw(st.sampled_from([n for n in (0.0, 1e-6, 1e-2, 0.3, 3.0) if n <= max_noise]))
    k = draw(st.sampled_from([0, 0, 1, 3])) if outliers else 0
    return Data(
        shape=draw(st.sampled_from(shapes)), layout=draw(st.sampled_from(layouts)), n=n,
        x_exp=draw(st.integers(-9, 9)), x_offset=draw(st.sampled_from(OFFSETS)),
        y_exp=draw(st.integers(-9, 9)), y_offset=draw(st.sampled_from(OFFSETS)),
        noise=noise, outliers=k, outlier_size=draw(st.sampled_from([10.0, 1e3, 1e6])),
        seed=draw(st.integers(0, 2**32 - 1)))


@st.composite
def fit_options(draw, optimizers=OPTIMIZERS, regularizations=REGULARIZATIONS, scalings=SCALINGS):
    opts = {
        "optimizer": draw(st.sampled_from(optimizers)),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "regularization": draw(st.sampled_from(regularizations)),
        "scale": draw(st.sampled_from(scalings)),
        "hidden": draw(st.integers(1, 50)),
        "starts": draw(st.integers(1, 16)),
        "seed": draw(st.integers(0, 2**63 - 1)),
    }
    if opts["optimizer"] in ("sgd", "momentum", "adam"):
        opts["lr"] = draw(st.sampled_from([0.01, 1e-4, 0.1, 1.0, 100.0, 1e6]))
    return opts


def capped(opts, n, budget, epochs=1000):
    """opts with epochs (and, if one epoch is already too dear, starts) cut so that the fit's
    estimated cost stays within budget: LM forms J^T J (n P^2) and decomposes it (P^3) per start."""
    P = 3 * opts["hidden"]
    per_start = (n * P * P + 4 * P ** 3) if opts["optimizer"] == "lm" else 8 * n * P
    starts = int(max(1, min(opts["starts"], budget // per_start)))
    return {**opts, "starts": starts, "epochs": int(max(1, min(epochs, budget // (starts * per_start))))}


# ---------------------------------------------------------------- the checks

def fit_or_nnfit_error(x, y, **opts):
    """nnfit.fit with NumPy's warnings as errors: the model, or None if nnfit raised its own error.
    Anything else (an exception, a warning) propagates and fails the test."""
    state = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", nnfit.DataWarning)  # nnfit's own warnings are part of its answer
        try:
            return nnfit.fit(x, y, **opts)
        except NNFIT_ERRORS as e:
            note(f"nnfit raised {type(e).__name__}: {e}")
            return None
        finally:
            assert np.geterr() == state, "nnfit.fit changed NumPy's error state"


def training_indices(model, n):
    """The training points of a fit, from the same seeded split the driver makes."""
    cfg = model.config
    bayes = model.extra["bayes"]
    test_fraction = cfg.test_fraction if cfg.test_fraction is not None else (0.0 if bayes else cfg.val_fraction)
    split_rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[0])
    tr, _, _ = split(n, split_rng, 0.0 if bayes else cfg.val_fraction, test_fraction)
    assert len(tr) == model.extra["split"][0]
    return tr


def check_model(model, x, y):
    """Finite predictions, honest final_loss, identical predictions after save and load."""
    lo, hi = x.min(), x.max()
    span = max(hi - lo, abs(lo) * 1e-6, 1e-300)
    grid = np.linspace(lo - span, hi + span, 301)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on_data, on_grid = model.predict(x), model.predict(grid)
        assert np.isfinite(on_data).all(), f"non-finite prediction at x = {x[~np.isfinite(on_data)][:3]}"
        assert np.isfinite(on_grid).all(), f"non-finite prediction at x = {grid[~np.isfinite(on_grid)][:3]}"
        tr = training_indices(model, len(x))
        mse = float(np.mean((on_data[tr] - y[tr]) ** 2))
        assert model.final_loss == pytest.approx(mse, rel=1e-12, abs=0.0), \
            f"final_loss {model.final_loss!r}, training MSE of the saved parameters {mse!r}"
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            model.save(path)
            loaded = nnfit.load(path)
        assert np.array_equal(loaded.predict(x), on_data) and np.array_equal(loaded.predict(grid), on_grid)
        assert loaded.final_loss == model.final_loss
    return tr, mse


def check_beats_mean(model, x, y):
    """An lm fit is never worse on its training points than their mean, up to round-off."""
    tr, mse = check_model(model, x, y)
    yt = y[tr]
    const = float(np.mean((yt - np.mean(yt)) ** 2))
    note(f"training MSE {mse!r}, the mean's {const!r}")
    # 1e-9 relative: the model computes in scaled units and maps back, which costs a few ulps
    # of y's offset; the absolute term covers data whose spread is itself at round-off level.
    assert mse <= const * (1 + 1e-9) + (4e-16 * np.max(np.abs(yt))) ** 2, \
        f"training MSE {mse:.6g} is worse than the mean's {const:.6g}"


# ---------------------------------------------------------------- the properties

def finite_or_nnfit_error(data, opts, budget, against_mean=False):
    x, y = data.arrays()
    opts = capped(opts, len(x), budget)
    note(f"nnfit.fit(x, y, **{opts})")
    model = fit_or_nnfit_error(x, y, **opts)
    if model is None:
        return
    if against_mean:
        check_beats_mean(model, x, y)
    else:
        check_model(model, x, y)


@settings(FAST, max_examples=100)  # (150 took 9-11 s of a worker; the slow profile runs 400)
@given(data=datasets(), opts=fit_options())
def test_every_fit_is_finite_or_an_nnfit_error(data, opts):
    finite_or_nnfit_error(data, opts, FAST_BUDGET)


@settings(FAST, max_examples=60)
@given(data=datasets(), opts=fit_options(optimizers=("lm",)))
def test_lm_never_worse_than_the_mean(data, opts):
    finite_or_nnfit_error(data, opts, FAST_BUDGET, against_mean=True)


def never_much_worse_than_a_line(data, opts, budget):
    x, y = data.arrays()
    if opts["hidden"] == 1 and opts["activation"] != "tanh":
        # y_hat = a act(w x + b) has no output bias: one sigmoid or relu keeps one sign, so on
        # centred (standard-scaled) data it cannot cross zero as a line does; tanh can.
        opts = {**opts, "hidden": 2}
    if opts.get("regularization") == "none" and len(x) >= 20:
        # Early stopping keeps the epoch with the best validation MSE, not a converged fit, and one LM
        # epoch is a big step: it can keep one of the first epochs (a line of 2 sigmoids on 20 points:
        # training MSE 28x the line's; the slow profile found 1.33x on 40 points, epoch 6 kept, and
        # 1.41x on 100, epoch 1 kept, on the code before and after the session that added this line
        # alike). So the property is not early stopping's; the README lists this under "not there yet".
        # Bayesian regularization, auto's choice here, does not have the problem.
        opts = {**opts, "regularization": "auto"}
    if opts["starts"] < 4 and opts["hidden"] <= 2:
        # One start of one or two saturating units can take a first Gauss-Newton step onto a plateau (a
        # step function through the points: w = 24 on 3 points of a line, found here) where LM rightly
        # gives up; that is what one start risks, and why fits have many. Four starts find the line.
        opts = {**opts, "starts": 4}
    if opts["activation"] in ("relu", "auto"):  # auto gives relu half of the starts
        # A relu unit that is off on every point never comes back (its gradient is 0): with few starts
        # a line of two relus can lose a unit for good. The default 16 starts find a live pair.
        opts = {**opts, "starts": max(opts["starts"], 16)}
    if opts.get("regularization") == "bayes" and len(x) < 20:
        # Bayesian regularization forced on fewer points than auto would use it for (20): with about
        # as many parameters as points the evidence may rightly prefer the prior (all a_i = 0, the mean)
        # to a line through two or three points. auto, the default, does not regularize here.
        opts = {**opts, "regularization": "auto"}
    opts = capped(opts, len(x), budget, epochs=300)
    note(f"nnfit.fit(x, y, **{opts})")
    model = fit_or_nnfit_error(x, y, **opts)
    if model is None:
        return
    tr, mse = check_model(model, x, y)
    xt, yt = x[tr], y[tr]
    u = (xt - xt.mean()) / (xt.std() or 1.0)  # centred, so that lstsq is well conditioned at x ~ 1e9
    coef, *_ = np.linalg.lstsq(np.stack([np.ones_like(u), u], axis=1), yt, rcond=None)
    line = float(np.mean((coef[0] + coef[1] * u - yt) ** 2))
    note(f"training MSE {mse!r}, the line's {line!r}")
    # How much worse than the line may a fit be? Without regularization the network can bend to the
    # noise and should do at least as well, but sigmoid and tanh only approximate a line, and capped
    # epochs may stop short. With Bayesian regularization the fit trades data misfit for smaller
    # weights, and a line made of sigmoids needs large output weights; the trade settles where the
    # extra misfit is of the order of the noise per effective parameter, so a few gamma/N of the
    # noise variance. We allow 25 % of the line's MSE (the noise variance) plus 1e-5 of y's variance
    # (a line of sigmoids on noise-free data: two sigmoids under Bayesian regularization on 20 exact
    # points of a line creep towards it, 6e-6 of the variance after 300 epochs, 1.7e-6 after 1000, as
    # the slow profile found) — an RMS misfit of 0.3% of y's spread, far below anything visible.
    # ... plus a misfit at float64's round-off of y itself: 3 points of y = -1e-8 whose spread is 1e-24
    # (the slow profile) are a constant to any fit; the least-squares line happened to hit them exactly.
    # ... and for relu 1e-4 of y's variance instead of 1e-5: a kink can settle just inside the edge of a cluster
    # of points, the few beyond it off the line, where no smooth step moves it (2 relus, 1000 points in two
    # clusters, 1e-6 noise: 3.5e-5 of the variance, an RMS misfit of 0.6% of y's spread, E_D and gamma stalled;
    # the slow profile, on the code before and after the session that allowed it alike).
    kinks = 1e-4 if model.config.activation == "relu" else 1e-5
    assert mse <= 1.25 * line + kinks * float(np.var(yt)) + (1e-12 * float(np.max(np.abs(yt)))) ** 2, \
        f"training MSE {mse:.6g} against the least-squares line's {line:.6g} (y variance {np.var(yt):.3g})"


# scale "none" is left out here: its starts draw w, b from N(0, 1) in the user's units, so x near 100
# saturates every sigmoid from the first epoch (a constant fit), which is what "none" asks for.
LINE_SCALINGS = ("standard", "minmax")


@settings(FAST, max_examples=30)
@given(data=datasets(shapes=("linear",), layouts=("uniform", "grid", "duplicated", "clusters"),
                     max_noise=1e-2, outliers=False),
       opts=fit_options(optimizers=("lm",), scalings=LINE_SCALINGS))
def test_lm_on_a_line_is_near_the_least_squares_line(data, opts):
    never_much_worse_than_a_line(data, {**opts, "hidden": min(opts["hidden"], 10)}, FAST_BUDGET / 2)


@pytest.mark.slow
@SLOW
@given(data=datasets(), opts=fit_options())
def test_every_fit_is_finite_or_an_nnfit_error_many(data, opts):
    finite_or_nnfit_error(data, opts, SLOW_BUDGET)


@pytest.mark.slow
@SLOW
@given(data=datasets(), opts=fit_options(optimizers=("lm",)))
def test_lm_never_worse_than_the_mean_many(data, opts):
    finite_or_nnfit_error(data, opts, SLOW_BUDGET, against_mean=True)


@pytest.mark.slow
@SLOW
@given(data=datasets(shapes=("linear",), layouts=("uniform", "grid", "duplicated", "clusters"),
                     max_noise=1e-2, outliers=False),
       opts=fit_options(optimizers=("lm",), scalings=LINE_SCALINGS))
def test_lm_on_a_line_is_near_the_least_squares_line_many(data, opts):
    never_much_worse_than_a_line(data, opts, SLOW_BUDGET)


# ---------------------------------------------------------------- many inputs and outputs

@st.composite
def tables(draw):
    """x (N, d) and y (N, k): each x column from its own layout, scale and offset (a column may be
    constant, or a copy of another), each y column a sum of shapes of the x columns, noise, outliers."""
    d, k = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    n = draw(st.one_of(st.integers(2, 40), st.sampled_from([20, 100, 300, 2500])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kinds = draw(st.lists(st.sampled_from(["uniform", "uniform", "grid", "duplicated", "constant", "copy"]),
                          min_size=d, max_size=d))
    t = np.empty((n, d))
    for c, kind in enumerate(kinds):
        t[:, c] = {"uniform": lambda: rng.uniform(-1, 1, n), "grid": lambda: np.linspace(-1, 1, n),
                   "duplicated": lambda: rng.choice([-1.0, 0.0, 1.0], n), "constant": lambda: np.zeros(n),
                   "copy": lambda: t[:, 0] if c else rng.uniform(-1, 1, n)}[kind]()
    shapes = draw(st.lists(st.sampled_from(tuple(SHAPES)), min_size=k, max_size=k))
    y = np.column_stack([SHAPES[s](t @ rng.uniform(-1, 1, d) / max(1, d ** 0.5)) for s in shapes])
    y += draw(st.sampled_from([0.0, 1e-3, 0.3])) * rng.standard_normal(y.shape)
    if draw(st.booleans()):
        y[rng.integers(n)] += 1e3
    x = np.column_stack([place(t[:, c], draw(st.integers(-6, 6)), draw(st.sampled_from(OFFSETS))) for c in range(d)])
    y = np.column_stack([place(y[:, j], draw(st.integers(-6, 6)), draw(st.sampled_from(OFFSETS))) for j in range(k)])
    return x, y


@settings(FAST, max_examples=60)
@given(table=tables(), opts=fit_options())
def test_every_fit_of_a_table_is_finite_or_an_nnfit_error(table, opts):
    """With d inputs and k outputs: finite predictions on the data and beyond, final_loss the training
    MSE, the same numbers after save and load; with lm, never worse than the mean of each output
    (in the scaled units the fit weighs the outputs by)."""
    x, y = table
    d, k = x.shape[1], y.shape[1]
    opts = capped({**opts, "hidden": min(opts["hidden"], 20)}, len(x) * (d + k), FAST_BUDGET)
    note(f"x {x.shape}, y {y.shape}: nnfit.fit(x, y, **{opts})")
    model = fit_or_nnfit_error(x, y, **opts)
    if model is None:
        return
    wide = x.min(axis=0) - (x.max(axis=0) - x.min(axis=0)) * np.linspace(-1, 2, 50)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on_data, on_wide = (model.predict(v).reshape(len(v), k) for v in (x, wide))
        assert np.isfinite(on_data).all() and np.isfinite(on_wide).all()
        tr = training_indices(model, len(x))
        mse = float(np.mean((on_data[tr] - y[tr]) ** 2))
        assert model.final_loss == pytest.approx(mse, rel=1e-12, abs=0.0)
        with tempfile.TemporaryDirectory() as tmp:
            model.save(os.path.join(tmp, "m.safetensors"))
            loaded = nnfit.load(os.path.join(tmp, "m.safetensors"))
        assert np.array_equal(loaded.predict(x).reshape(len(x), k), on_data)
    if opts["optimizer"] == "lm":
        yt = y[tr]
        scale = np.std(yt, axis=0) if opts["scale"] == "standard" else (
            (yt.max(axis=0) - yt.min(axis=0)) / 2 if opts["scale"] == "minmax" else np.ones(k))
        scale = np.where(scale > 0, scale, 1.0)
        fit_err = np.mean(((on_data[tr] - yt) / scale) ** 2)
        mean_err = np.mean(((yt - yt.mean(axis=0)) / scale) ** 2)
        assert fit_err <= mean_err * (1 + 1e-9) + 1e-24 * k, (fit_err, mean_err)
