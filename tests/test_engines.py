"""The three engines compute the same training; M models at once equal M runs alone."""
import os

import numpy as np
import pytest

import nnfit

OPTIONS = [
    dict(),
    dict(hidden=3, activation="tanh", lr=0.05, epochs=20, batch_size=3),
    dict(hidden=8, activation="relu", lr=0.002, epochs=15, batch_size=4, shuffle=True),
    dict(hidden=2, activation="sigmoid", lr=0.1, epochs=10, batch_size=10, shuffle=True),
]


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64)))) for p, q in zip(a, b))


@pytest.mark.parametrize("options", OPTIONS)
def test_engines_agree_in_float64(options):
    runs = {e: nnfit.train(seed=4, dtype="float64", engine=e, **options) for e in ("scalar", "manual", "matrix")}
    for e in ("manual", "matrix"):
        d = max_diff(runs[e].history, runs["scalar"].history)
        assert d < 1e-9, f"{e} vs scalar history: largest difference {d:.3g}"
        d = max_diff(runs[e].params, runs["scalar"].params)
        assert d < 1e-9, f"{e} vs scalar parameters: largest difference {d:.3g}"


def test_own_data_float64_agreement():
    x = np.linspace(-2, 3, 17)
    y = np.sin(2 * x)
    a = nnfit.train(x, y, seed=1, dtype="float64", engine="scalar", epochs=12, batch_size=5, shuffle=True)
    b = nnfit.train(x, y, seed=1, dtype="float64", engine="matrix", epochs=12, batch_size=5, shuffle=True)
    assert max_diff(a.params, b.params) < 1e-9


# Bitwise equal where it holds by construction: the manual engine runs each model's float32 operations
# in the same order whatever M is. torch picks other CPU kernels for (M, B, H) tensors of other shapes
# (ATEN_CPU_CAPABILITY=avx2 gave 3.5e-8 between M=5 and M=1), so the matrix engine is held to a
# tolerance: a few float32 roundings (eps 1.2e-7) of values near 1, grown over the run's steps.
MATRIX_TOLERANCE = 1e-5


@pytest.mark.parametrize("engine", ["manual", "matrix"])
@pytest.mark.parametrize("options", OPTIONS[:3])
def test_many_models_equal_runs_alone(engine, options):
    many = nnfit.train(seed=10, models=5, engine=engine, **options)
    assert len(many) == 5
    x = np.linspace(-10, 10, 7)
    for k in range(5):
        alone = nnfit.train(seed=10 + k, engine=engine, **options)
        if engine == "manual":
            assert np.array_equal(many[k].history, alone.history), f"model {k}"
            assert max_diff(many[k].params, alone.params) == 0
            assert np.array_equal(many[k].predict(x), alone.predict(x))
        else:
            d = max(max_diff([many[k].history], [alone.history]), max_diff(many[k].params, alone.params),
                    max_diff([many[k].predict(x)], [alone.predict(x)]))
            assert d < MATRIX_TOLERANCE, f"model {k}: largest difference {d:.3g}"
    assert many.best.final_loss == np.min(many.final_losses)


def test_serial_and_parallel_kernels_agree_bitwise():
    """Up to one block of models runs without a parallel region; past it, blocks run in parallel.
    Model k is the same either way, to the bit."""
    from nnfit.engines.manual import BLOCK
    many = nnfit.train(seed=3, models=BLOCK + 2, epochs=5, shuffle=True, batch_size=3)
    few = nnfit.train(seed=3, models=4, epochs=5, shuffle=True, batch_size=3)
    assert np.array_equal(many.histories[:4], few.histories)
    assert all(np.array_equal(p[:4], q) for p, q in zip(many.params, few.params))


def test_many_models_with_default_engine_equal_scalar_alone():
    many = nnfit.train(seed=0, models=3)
    for k in range(3):
        assert np.array_equal(many[k].history, nnfit.train(seed=k, engine="scalar").history)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_many_models_predict_as_each_alone(activation):
    """Models.predict is each model's own predict, row by row, the same numbers, at once; where a model's
    training diverged (relu on the tutorial's x: 40 of 50 in 5 epochs) its row is NaN, and that model's
    own predict refuses in one line (it blamed an input past 1e150, at x = -12)."""
    many = nnfit.train(seed=0, models=50, activation=activation, epochs=5)
    x = np.linspace(-12, 12, 37)
    got = many.predict(x)
    assert got.shape == (50, 37) and many.predict(2.0).shape == (50,)
    for k in range(len(many)):
        if np.isfinite(many.final_losses[k]):
            assert np.array_equal(got[k], many[k].predict(x))
        else:
            assert np.isnan(got[k]).all()
            with pytest.raises(nnfit.TrainingDiverged, match="training diverged: its parameters are not finite"):
                many[k].predict(x)
    assert np.isfinite(many.final_losses).any()


def test_scalar_engine_refuses_many_models():
    with pytest.raises(nnfit.ConfigError, match="scalar"):
        nnfit.train(models=2, engine="scalar")


def test_divergence_is_reported():
    with pytest.raises(nnfit.TrainingDiverged, match="epoch 1 .*smaller learning rate"):
        nnfit.train(seed=0, lr=50)


def test_cuda_without_gpu_is_a_clear_error():
    import torch
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present; this checks the message when there is none")
    with pytest.raises(nnfit.ConfigError, match="no CUDA GPU"):
        nnfit.train(seed=0, device="cuda")


def test_cuda_matches_cpu():
    import torch
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU here (CI has none)")
    a = nnfit.train(seed=0, models=4, engine="matrix", device="cuda", dtype="float64")
    b = nnfit.train(seed=0, models=4, engine="matrix", dtype="float64")
    assert max_diff(a.params, b.params) < 1e-9


@pytest.mark.parametrize("engine", ["manual", "matrix"])
def test_no_numpy_warnings_from_training(engine):
    """Divergence, overflow in casts and huge data are reported by nnfit's errors, never by NumPy warnings."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        many = nnfit.train(seed=0, lr=2, models=20, engine=engine, epochs=3)  # some diverge, the rest go on
        assert 0 < np.isfinite(many.final_losses).sum() < 20
        repr(many)
        with pytest.raises(nnfit.TrainingDiverged):
            nnfit.train([0, 1, 2], [1e30, 2e30, 3e39], seed=0, epochs=2, engine=engine)
        with pytest.raises(nnfit.TrainingDiverged):
            nnfit.train(seed=0, lr=1e6, engine=engine, epochs=3)


def test_the_compiled_engine_caches_where_numba_cannot(tmp_path):
    """Where Numba can write no cache (a read-only install, a user without a home: "cannot cache
    function", a traceback), the manual engine's cache goes to a private directory under TMPDIR."""
    import subprocess
    import sys
    code = ("from numba.core import caching\n"
            "caching.CacheImpl._locator_classes = [caching.UserProvidedCacheLocator]  # nowhere else can be written\n"
            "import numba, os\n"
            "from nnfit.engines import manual  # Numba's error came here, as the functions were decorated\n"
            "assert manual.sgd_epoch._cache._cache_path.startswith(numba.config.CACHE_DIR)\n"
            "print(numba.config.CACHE_DIR, oct(os.stat(numba.config.CACHE_DIR).st_mode & 0o777))\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(tmp_path / f"nnfit-numba-{os.getuid()}"), "0o700"]
