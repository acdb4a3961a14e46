"""More awkward input, by class (the second tester's report): each ends as nnfit's own one-line error,
never a raw TypeError/ValueError, a NumPy warning or a half-written run.

play messages with a non-string type or a lone surrogate in any string; run directories under a umask
that locks the owner out; long doubles past float64; tables whose columns have names; NNFitRegressor.score
with bad y; read_csv and Model() given things that are not a file name or parameters."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest

import nnfit
from nnfit.config import ConfigError
from nnfit.data import DataError, read_columns, read_csv, read_x_csv
from nnfit.model import Model

HUGE = np.longdouble("1e400")  # finite as a long double, past float64's range
needs_long_double = pytest.mark.skipif(not np.isfinite(HUGE), reason="long double is float64 on this platform")


@pytest.fixture(scope="module")
def two_input_model():
    """A 2-1-1 fit model whose inputs are named a and b: y = a - 3b."""
    x = np.random.default_rng(0).uniform(-1, 1, (30, 2))
    return nnfit.fit(x, x[:, 0] - 3 * x[:, 1], hidden=1, starts=1, epochs=20, regularization="none",
                     x_names=["a", "b"], seed=0)


# -- play: every bad message gets the protocol's one-line error -------------------------------------

@pytest.mark.parametrize("text", [
    '{"type": ["state"]}', '{"type": {"state": 1}}', '{"type": 1}', '{"type": null}', '{"type": true}',
])
def test_play_type_that_is_not_a_string_is_refused(text):
    pytest.importorskip("starlette")
    from nnfit.play.messages import answer
    from nnfit.play.session import Session
    reply = answer(Session(), text)
    assert reply["type"] == "error" and "type is one of" in reply["en"], reply


@pytest.mark.parametrize("text", [
    r'{"type": "csv", "name": "a", "text": "x,y\n1,\ud800\n2,3\n"}',   # the report's case
    r'{"type": "csv", "name": "\udc00.csv", "text": "x,y\n1,2\n2,3\n"}',
    r'{"type": "settings", "activation": "\ud800"}',
    r'{"type": "state", "\ud800": 1}',                                # a key
    r'{"type": "points", "x": [1, 2], "y": [1, "\ud800"]}',          # inside a list
    '{"type": "csv", "name": "a", "text": "x,y\\n1,\ud800\\n"}',      # a raw surrogate in the text itself
])
def test_play_lone_surrogate_anywhere_is_refused_and_the_reply_can_be_sent(text):
    pytest.importorskip("starlette")
    from nnfit.play.messages import answer
    from nnfit.play.server import dumps
    from nnfit.play.session import Session
    session = Session()
    before = session.x.copy()
    reply = answer(session, text)
    assert reply["type"] == "error" and "Unicode" in reply["en"], reply
    dumps(reply).encode("utf-8")  # what the server sends: no surrogate comes back
    np.testing.assert_array_equal(session.x, before)


def test_play_a_surrogate_pair_is_a_character_not_an_error():
    pytest.importorskip("starlette")
    from nnfit.play.messages import answer
    from nnfit.play.session import Session
    reply = answer(Session(), r'{"type": "csv", "name": "\ud83d\ude00.csv", "text": "x,y\n1,2\n2,3\n"}')
    assert reply["type"] != "error", reply


# -- run directories under any umask ----------------------------------------------------------------

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
WRITE_RUNS = """
import os, sys
from nnfit.config import Config
from nnfit.model import Model
from nnfit.runs import RunDirError, write_run
model = Model(([0.5], [0.1], [1.0]), Config(hidden=1), history=[1.0])  # no training: no Numba to compile
def fail():
    raise RunDirError("stopped")
for mask in ("777", "277", "022"):
    os.umask(int(mask, 8))
    write_run(f"m{mask}/deep/ok", model)
    try:
        write_run(f"new{mask}/failed", model, check=fail)
    except RunDirError as e:
        print(e)
"""


@pytest.fixture
def nobodys_dir():
    """A folder that the user nobody can reach and write in (pytest's tmp_path is under root's 0o700 folder)."""
    path = tempfile.mkdtemp(prefix="nnfit-test-")
    os.chmod(path, 0o777)
    yield pathlib.Path(path)
    shutil.rmtree(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv, to run as the user nobody")
def test_a_run_under_any_umask_is_written_whole_or_not_at_all(nobodys_dir):
    """umask 777 made the temporary folder 0o000: nnfit could neither write in it nor remove it."""
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(nnfit.__file__))),
           "HOME": str(nobodys_dir)}
    result = subprocess.run([*NOBODY, sys.executable, "-c", WRITE_RUNS], env=env, capture_output=True, text=True,
                            timeout=60, cwd=nobodys_dir)
    assert result.returncode == 0 and result.stdout == "stopped\n" * 3, result.stdout + result.stderr
    for mask in ("777", "277", "022"):
        dir_mode, file_mode = 0o777 & ~int(mask, 8), 0o666 & ~int(mask, 8)
        for folder in ("", "/deep", "/deep/ok"):  # the folders made for the run too, as mkdir -p makes them
            assert os.stat(nobodys_dir / f"m{mask}{folder}").st_mode & 0o777 == dir_mode, (mask, folder)
        assert sorted(os.listdir(nobodys_dir / f"m{mask}/deep/ok")) == ["history.csv", "model.safetensors"]
        for name in ("history.csv", "model.safetensors"):
            assert os.stat(nobodys_dir / f"m{mask}/deep/ok/{name}").st_mode & 0o777 == file_mode, (mask, name)
    left = sorted(n for n in os.listdir(nobodys_dir) if not n.startswith("m"))
    assert left == [], left  # neither a temporary folder nor the folders made for a failed run


# -- long doubles past float64: DataError, never a NumPy warning ------------------------------------

@needs_long_double
@pytest.mark.parametrize("call", [
    lambda m: nnfit.fit(np.r_[np.linspace(0, 3, 29), HUGE], np.linspace(0, 1, 30)),
    lambda m: nnfit.fit(np.linspace(0, 3, 30), np.r_[np.linspace(0, 1, 29), -HUGE]),
    lambda m: nnfit.train(np.r_[np.linspace(0, 3, 29), HUGE], np.linspace(0, 1, 30), epochs=1),
    lambda m: m.predict(HUGE),
    lambda m: m.predict(np.array([[0.0, 1.0], [HUGE, 0.0]], dtype=np.longdouble)),
], ids=["fit x", "fit y", "train x", "predict 0-d", "predict table"])
def test_long_double_past_float64_is_a_data_error_without_a_warning(two_input_model, call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy RuntimeWarning would escape as itself
        with pytest.raises(DataError, match=r"1e\+400: too large for float64"):
            call(two_input_model)


def test_predict_with_a_tiny_x_scale_gives_no_warning():
    model = nnfit.train(seed=0, epochs=1)
    model.scaling["x_scale"] = 1e-320  # u = x / x_scale overflows: the curve is a step
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(model.predict([-1.0, 1.0])).all()


# -- Model.predict of a table with named columns ----------------------------------------------------

class Frame:
    """A table with named columns, as pandas' DataFrame has them (.columns and __array__)."""

    def __init__(self, columns, rows):
        self.columns, self.rows = list(columns), np.asarray(rows, dtype=np.float64)

    def __array__(self, dtype=None, copy=None):
        return self.rows if dtype is None else self.rows.astype(dtype)


def test_named_columns_are_taken_by_name_in_any_order(two_input_model):
    m = two_input_model
    rows = [[0.2, 0.1], [-0.5, 0.3]]  # a, b
    expected = m.predict(np.array(rows))
    np.testing.assert_array_equal(m.predict(Frame(["a", "b"], rows)), expected)
    np.testing.assert_array_equal(m.predict(Frame(["b", "a"], np.array(rows)[:, ::-1])), expected)
    assert m.outside(Frame(["b", "a"], [[0.1, 0.2]])) == 0


@pytest.mark.parametrize("columns, message", [
    (["c", "d"], "missing 'a', 'b'; unexpected 'c', 'd'"),
    (["a", "c"], "missing 'b'; unexpected 'c'"),
    (["a", "b", "c"], "unexpected 'c'"),
    (["a"], "missing 'b'"),
    (["a", "a"], "missing 'b'; repeated 'a'"),
    (["a", 1], "missing 'b'; unexpected 1"),
])
def test_named_columns_that_do_not_match_are_refused_by_name(two_input_model, columns, message):
    with pytest.raises(DataError, match=r"x's columns are not the model's inputs \(a, b\): " + message):
        two_input_model.predict(Frame(columns, np.zeros((2, len(columns)))))


def test_numbered_columns_or_a_model_without_names_go_by_position(two_input_model):
    rows = [[0.2, 0.1]]
    np.testing.assert_array_equal(two_input_model.predict(Frame([0, 1], rows)), two_input_model.predict(rows))
    model = nnfit.train(seed=0, epochs=1)  # no names
    np.testing.assert_array_equal(model.predict(Frame(["anything"], [[0.5]])), model.predict([0.5]))


def test_a_pandas_dataframe_is_taken_by_name(two_input_model):
    pd = pytest.importorskip("pandas")
    m = two_input_model
    np.testing.assert_array_equal(m.predict(pd.DataFrame({"b": [0.1], "a": [0.2]})), m.predict([[0.2, 0.1]]))
    with pytest.raises(DataError, match="unexpected 'c'"):
        m.predict(pd.DataFrame({"c": [0.1], "a": [0.2]}))
    with pytest.raises(DataError, match=r"unexpected 'q' \(predict takes the inputs alone, as scikit-learn does: "
                                         r"select them, x\[\['a', 'b'\]\]\)$"):  # (the frame the model was fit on: helper-92)
        m.predict(pd.DataFrame({"a": [0.2], "b": [0.1], "q": [1.0]}))


# -- NNFitRegressor.score validates y as fit does ---------------------------------------------------

@pytest.mark.parametrize("bad_y", [
    lambda y: np.r_[np.nan, y[1:]], lambda y: np.r_[np.inf, y[1:]], lambda y: y[:5], lambda y: ["a"] * len(y),
    lambda y: np.ma.masked_array(y, mask=np.arange(len(y)) == 0),
], ids=["nan", "inf", "short", "text", "masked"])
def test_score_with_bad_y_is_a_data_error(bad_y):
    pytest.importorskip("sklearn")
    from nnfit import NNFitRegressor
    x = np.linspace(0, 3, 30)
    X, y = np.c_[x, x ** 2], np.sin(x)
    r = NNFitRegressor(hidden=2, starts=1, epochs=5, random_state=0).fit(X, y)
    assert np.isfinite(r.score(X, y))
    with pytest.raises(DataError):
        r.score(X, bad_y(y))


# -- read_csv and Model() given the wrong kind of thing ---------------------------------------------

@pytest.mark.parametrize("path, message", [
    (3, "must be a string or path, got 3"), (None, "must be a string or path, got None"),
    (["a.csv"], "must be a string or path"),
    ("a\x00", "not a file name (it contains a NUL character)"), (b"a\x00b", "NUL character"),
])
@pytest.mark.parametrize("reader", [read_csv, read_x_csv, read_columns])
def test_csv_readers_refuse_what_is_not_a_file_name(reader, path, message):
    with pytest.raises(DataError) as e:
        reader(path)
    assert message in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("params, config, message", [
    ({"w": "x"}, "train", "params must be the three arrays w, b, a (a Params or a tuple), got dict"),
    (None, None, "params must be the three arrays w, b, a (a Params or a tuple), got NoneType"),
    ((1, 2), "train", "got 2 values"),
    ((["x"], [1.0], [1.0]), "train", "w[0] is 'x': every value must be a real number"),
    (([1.0, 2.0], [1.0], [1.0]), "train", "one value per hidden neuron (b has 1), got shapes (2,), (1,), (1,)"),
    (([], [], []), "train", "b has 0"),
    (([1.0], [1.0], [1.0]), None, "config must be a nnfit Config (nnfit.train) or FitConfig (nnfit.fit), got NoneType"),
    (([1.0], [1.0], [1.0]), {"hidden": 1}, "got dict"),
])
def test_model_constructor_refuses_bad_parameters_and_configs(params, config, message):
    config = nnfit.Config(hidden=1) if config == "train" else config
    with pytest.raises(ConfigError) as e:
        Model(params, config)
    assert message in str(e.value), str(e.value)


def test_model_constructor_still_takes_what_nnfit_makes(two_input_model):
    model = nnfit.train(seed=0, epochs=1)
    again = Model(model.params, model.config)
    assert again.params.w.dtype == model.params.w.dtype == np.float32
    np.testing.assert_array_equal(again.predict([0.5]), model.predict([0.5]))
    m = two_input_model
    again = Model(m.params, m.config, x_range=m.x_range, scaling=m.scaling)
    np.testing.assert_array_equal(again.predict([[0.2, 0.1]]), m.predict([[0.2, 0.1]]))
    one_row = Model([p[None, :] for p in model.params], model.config)  # (1, H) each, as plot.py passes them
    np.testing.assert_array_equal(one_row.predict([0.5]), model.predict([0.5]))


def test_helper_46_findings(tmp_path, monkeypatch):
    """A link that loops is not "no such file"; only ASCII digits number runs (int('٣') is 3); the
    estimator's unknown parameter and negative random_state, and predict's unknown keyword, are
    ConfigErrors naming what was given; integers beyond 2**53 that float64 rounds are warned about,
    as read_csv warns for such cells."""
    from nnfit.model import ModelFileError, load
    from nnfit.runs import next_run_dir
    from nnfit.sklearn import NNFitRegressor
    os.symlink(tmp_path / "l2", tmp_path / "l1")
    os.symlink(tmp_path / "l1", tmp_path / "l2")
    with pytest.raises(ModelFileError, match="cannot read: Too many levels of symbolic links"):
        load(tmp_path / "l1")
    (tmp_path / "runs" / "\u0663").mkdir(parents=True)
    (tmp_path / "runs" / "002").mkdir()
    assert next_run_dir(str(tmp_path / "runs")).endswith("003")
    with pytest.raises(ConfigError, match="^bogus is not an option of NNFitRegressor"):
        NNFitRegressor().set_params(bogus=1)
    assert NNFitRegressor().set_params(hidden=3).hidden == 3
    with pytest.raises(ConfigError, match="^random_state must be >= 0, got -1"):
        NNFitRegressor(starts=2, random_state=-1).fit(np.arange(10.0)[:, None], np.arange(10.0))
    with pytest.raises(ConfigError, match=f"^random_state must be <= {2**63 - 1}, got {2**70}$"):
        NNFitRegressor(starts=2, random_state=2**70).fit(np.arange(10.0)[:, None], np.arange(10.0))
    model = nnfit.train(seed=0)
    with pytest.raises(ConfigError, match="^foo is not an option of Model.predict"):
        model.predict([1.0], foo=1)
    x = np.arange(30) * 3 + 2**53
    with pytest.warns(nnfit.DataWarning, match=r"x\[1\] is the integer 9007199254740995, beyond 2\*\*53.*15 such"):
        nnfit.fit(x, np.sin(np.arange(30)), seed=0, starts=2, epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exact integers (and 2**52 + k) say nothing
        model.predict(np.array([2**52 + 1, 10**20], dtype=object))
        model.predict([0.5, 2**53 + 2])
    for given in (np.array([2**53 + 1, 3], dtype=object), [0.5, 2**53 + 1], [2**70 + 1, 3]):  # Python ints, as NumPy gets them
        with pytest.warns(nnfit.DataWarning, match=r"x\[\d\] is the integer \d+, beyond 2\*\*53"):
            model.predict(given)


def test_column_names_the_model_cannot_keep_are_warned_about(tmp_path):
    """A header name with a control character (a tab, U+2028) or a repeated name cannot pick its column
    again, so the model keeps no names for those columns: said in one warning, not silently."""
    (tmp_path / "t.csv").write_text('"tab\there",y\n0,0\n1,1\n2,4\n3,9\n')
    with pytest.warns(nnfit.DataWarning, match=r"the --x column 'tab\\there' has a name that could not pick it again"):
        x, y, names = read_columns(str(tmp_path / "t.csv"))
    assert names == (None, ["y"]) and x.shape == (4, 1)
    (tmp_path / "d.csv").write_text("x,x,y\n0,1,0\n1,2,1\n2,3,4\n")
    with pytest.warns(nnfit.DataWarning, match="a --x column name is repeated"):
        assert read_columns(str(tmp_path / "d.csv"), y_cols=["y"])[2] == (None, ["y"])
    (tmp_path / "g.csv").write_text("a,b\n0,1\n1,2\n2,3\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_columns(str(tmp_path / "g.csv"))[2] == (["a"], ["b"])


def test_helper_49_findings(tmp_path):
    """--scale none with x far from 0 for its spread: a Bayesian fit whose covariance float64 cannot hold
    says so when intervals are asked for (not "needs a Bayesian fit"), and where g^T cov g cancels below
    0 the std is still at least the noise's, never 0. Column names an input and an output share, or that
    train cannot keep, are warned about."""
    t = np.linspace(0, 1, 60)
    noise = 0.05 * np.random.default_rng(7).normal(size=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nnfit.DataWarning)
        far = nnfit.fit(1e6 + 1e-8 * t, 3 * t + 1 + noise, scale="none", seed=0, progress=False)
        kinked = nnfit.fit(1e6 + 1e-3 * t, np.abs(t - 0.2) + noise, scale="none", seed=0, progress=False)
    for model, x in ((far, 1e6 + 1e-8 * t), (kinked, 1e6 + 1e-3 * t)):  # (which keep a posterior is round-off's call)
        assert model.extra["bayes"]
        if model.posterior is None:
            with pytest.raises(ConfigError, match="this Bayesian fit kept no posterior"):
                model.predict(x, return_std=True)
        else:
            std = model.predict(x, return_std=True)[1]
            noise_std = np.sqrt(model.extra["regularization"]["noise_var"]) * model.scaling["y_scale"]  # (in scaled units)
            assert np.all(np.isfinite(std)) and np.all(std >= noise_std)
    (tmp_path / "rep.csv").write_text("x,x\n1,2\n3,4\n5,6\n")
    with pytest.warns(nnfit.DataWarning, match="the column name 'x' is an input's and an output's"):
        assert read_columns(str(tmp_path / "rep.csv"))[2] == (None, None)
    (tmp_path / "ctl.csv").write_text("a,b\x07\n1,2\n3,4\n5,6\n")
    done = subprocess.run([sys.executable, "-m", "nnfit", "train", "--data", str(tmp_path / "ctl.csv"), "--epochs", "2",
                           "--no-plot", "--seed", "0", "--out", str(tmp_path / "run")], capture_output=True, text=True)
    assert done.returncode == 0 and "cannot pick them again" in done.stderr and "Traceback" not in done.stderr


def test_helper_50_findings(tmp_path, cli):
    """A model trained on a GPU loads, predicts and exports on a machine without one (its config is a
    record, not a run); names of up to 255 bytes are written by save and export (their temporary files
    have short names of their own); explain on data too large for float32 says so at any learning rate;
    the float32 warning that x values collapse is given once by compare and by explain too."""
    model = nnfit.train(seed=0, engine="matrix")
    model.config.device = "cuda"
    model.save(tmp_path / "gpu.st")
    loaded = nnfit.load(tmp_path / "gpu.st")
    assert loaded.config.device == "cuda" and np.array_equal(loaded.predict([1.0]), model.predict([1.0]))
    status, out, err = cli("predict", tmp_path / "gpu.st", "1")
    assert status == 0 and err == "" and float(out.split(",")[1]) == pytest.approx(float(model.predict([1.0])[0]))
    for name in ("s" * 246, "s" * 255):
        assert model.save(tmp_path / name) == str(tmp_path / name) and nnfit.load(tmp_path / name).config.hidden == 5
        status, out, err = cli("export", tmp_path / "gpu.st", "--to", "c", "-o", tmp_path / ("c" + name[1:]))
        assert status == 0 and (tmp_path / ("c" + name[1:])).read_text().startswith("/*"), err
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary file left behind
    (tmp_path / "big.csv").write_text("x,y\n1,1e149\n2,-1e149\n3,1e149\n")
    for lr in ("0.01", "1e-30"):
        status, out, err = cli("explain", "--seed", "0", "--data", "big.csv", "--lr", lr, "--lang", "en")
        assert status == 1 and err.count("\n") == 1 and "too large for float32: scale them or use --dtype float64" in err, err
    (tmp_path / "off.csv").write_text("x,y\n" + "".join(f"{1e15 + i:.17g},{np.sin(i)}\n" for i in range(40)))
    for command in ("compare", "explain"):
        status, out, err = cli(command, "--seed", "0", "--data", "off.csv", "--epochs", "2", "--lang", "en")
        assert status == 0 and err.count("are the same number in float32") == 1, (command, err)


def test_helper_53_findings():
    """nnfit.fit keeps a pandas DataFrame's column names (and a Series' name), so that predict takes a frame
    by name in any order; a sparse matrix, and a value that is not a number among numbers (pandas' NA, a
    word in a list of numbers), are named as such."""
    import scipy.sparse

    class Frame:  # what nnfit.fit reads of a pandas DataFrame: its values and its columns
        __module__ = "pandas.core.frame"

        def __init__(self, values, columns):
            self.values, self.columns = np.asarray(values), list(columns)

        def __array__(self, dtype=None, copy=None):
            return self.values if dtype is None else self.values.astype(dtype)

        def __len__(self):
            return len(self.values)

        def __getitem__(self, names):
            return Frame(self.values[:, [self.columns.index(n) for n in names]], names)

    class Series(Frame):
        __module__ = "pandas.core.series"

        def __init__(self, values, name):
            self.values, self.name = np.asarray(values), name

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 3))
    model = nnfit.fit(Frame(X, ["a", "b", "c"]), Series(X[:, 0] - 2 * X[:, 2], "q"), hidden=3, starts=2, seed=0)
    assert (model.x_names, model.y_names) == (["a", "b", "c"], ["q"])
    frame = Frame(X, ["a", "b", "c"])
    assert np.array_equal(model.predict(frame[["c", "a", "b"]]), model.predict(X))
    assert nnfit.fit(Frame(X, [0, 1, 2]), X[:, 0], hidden=2, starts=2, seed=0).x_names is None  # numbered: no names
    with pytest.raises(DataError, match=r"^x is a sparse matrix \(csr_matrix\): nnfit needs dense numbers"):
        nnfit.fit(scipy.sparse.csr_matrix(X), X[:, 0])
    with pytest.raises(DataError, match=r"^x is a sparse matrix"):
        model.predict(scipy.sparse.csr_matrix(X))
    with pytest.raises(DataError, match=r"^x\[2, 1\] is <NA>: every value must be a real number$"):
        class NA:
            def __repr__(self):
                return "<NA>"
        nnfit.fit([[0.5, 1.0], [1.0, 2.0], [1.5, NA()]], [1, 2, 3])
    with pytest.raises(DataError, match=r"^y\[1\] is 'a': every value must be a real number$"):
        nnfit.fit([1, 2, 3], [1, "a", 3])


def test_helper_55_findings(tmp_path):
    """A dok_matrix (a dict too) is named as sparse; the value named in a deque is the one there; Decimals are
    numbers; a DataFrame's names are kept only where a CSV header gives them back (no spaces around them, not
    numbers); a one-column CSV whose header has '，' (Chinese punctuation) is not taken for full-width separators."""
    from collections import deque
    from decimal import Decimal

    import scipy.sparse
    with pytest.raises(DataError, match=r"^x is a sparse matrix \(dok_matrix\)"):
        nnfit.fit(scipy.sparse.dok_matrix(np.eye(3)), [1, 2, 3])
    with pytest.raises(DataError, match=r"^x\[1\] is 'a': every value must be a real number$"):
        nnfit.fit(deque([1, "a", 3]), [1, 2, 3])
    model = nnfit.fit([Decimal(i) / 4 for i in range(12)], [i % 3 for i in range(12)], hidden=2, starts=2, seed=0)
    assert np.isfinite(model.predict([Decimal("0.5")])).all()

    class Frame:
        __module__ = "pandas.core.frame"

        def __init__(self, values, columns):
            self.values, self.columns = np.asarray(values), list(columns)

        def __array__(self, dtype=None, copy=None):
            return self.values

        def __len__(self):
            return len(self.values)

    X = np.random.default_rng(0).uniform(-1, 1, (30, 2))
    for columns in ([" a ", "b"], ["1", "b"], ["a", ""], ["a", "a"]):
        assert nnfit.fit(Frame(X, columns), X[:, 0], hidden=2, starts=2, seed=0).x_names is None, columns
    path = tmp_path / "m.safetensors"
    nnfit.fit(seed=0, hidden=2, starts=2).save(path)
    (tmp_path / "t.csv").write_text("温度（室内，摄氏）\n1\n2\n", encoding="utf-8")
    from nnfit.cli import main
    assert main(["predict", str(path), "--csv", str(tmp_path / "t.csv")]) == 0
    (tmp_path / "s.csv").write_text("1，2\n3，4\n", encoding="utf-8")
    with pytest.raises(DataError, match="seems to separate them by full-width commas"):
        from nnfit.data import read_csv
        read_csv(tmp_path / "s.csv")


def test_a_models_one_column_scaling_given_as_lists_saves_and_loads(tmp_path):
    """Model(...) took [0.0] for a one-output model's y_shift, saved it, and load refused the file (helper-56):
    one column's value is held as a number, as the file holds it."""
    from nnfit.fit.config import FitConfig
    cfg = FitConfig(hidden=1, activation="tanh", seed=0)
    cfg.validate()
    m = nnfit.Model((np.array([[1.0, 2.0]]), np.array([0.0]), np.array([[1.0]])), cfg, x_range=[(0.0, 1.0), (0.0, 1.0)],
                    scaling={"x_shift": [0.0, 0.0], "x_scale": [1.0, 1.0], "y_shift": [0.0], "y_scale": np.array([1.0])})
    m.save(tmp_path / "m.safetensors")
    back = nnfit.load(tmp_path / "m.safetensors")
    assert back.predict([0.5, 0.5]) == m.predict([0.5, 0.5]) == pytest.approx(np.tanh(1.5))


def test_helper_72_findings(tmp_path, cli, monkeypatch):
    """Model's own arguments are checked as load checks a file's (ConfigError naming the argument, not Python's
    ValueError or KeyError), and save never writes a file load would refuse; a fit's refusals come before a drawn
    seed is said; `nnfit fit --version` is pointed before the command; --val-fraction and --patience with Bayesian
    regularization are said to be unused; a first line of nan and inf is data, not a header; a huge --lr gets a
    hint that holds."""
    import copy
    trained = nnfit.train(seed=0)
    p, c = trained.params, trained.config
    for argument, value in (("x_range", "ab"), ("x_range", (1,)), ("x_range", (5, -5)), ("x_range", (0, np.inf)),
                            ("history", None), ("history", ["a"]), ("history", "12"), ("final_loss", "a"),
                            ("final_loss", True), ("scaling", "abc"), ("scaling", {"x_shift": 0}),
                            ("scaling", {"x_shift": 0, "x_scale": 0, "y_shift": 0, "y_scale": 1}),
                            ("scaling", {"x_shift": [0, 1], "x_scale": 1, "y_shift": 0, "y_scale": 1}),
                            ("extra", [1, 2])):
        with pytest.raises(ConfigError, match=f"^{argument} "):
            Model(p, c, **{argument: value})
    with pytest.raises(ConfigError, match="^final_loss must be a number"):
        trained.final_loss = "a"
    changed = copy.deepcopy(trained)
    changed.config.activation = "softmax"
    with pytest.raises(ConfigError, match="^activation must be one of"):
        changed.predict(1.0)
    with pytest.raises(nnfit.ModelFileError, match="cannot save the model: .*JSON"):
        Model(p, c, extra={"a": object()}).save(tmp_path / "object.safetensors")
    for extra in ({1: "a"}, {"a": [{(1, 2): 3}]}):  # (JSON would have written the key 1 as "1": another key on load)
        with pytest.raises(nnfit.ModelFileError, match="cannot save the model: extra's keys must be strings, got"):
            Model(p, c, extra=extra).save(tmp_path / "keys.safetensors")
    assert not (tmp_path / "keys.safetensors").exists()
    with pytest.raises(nnfit.ModelFileError, match="tensor 'w' holds non-finite values .*not saved"):
        Model((np.full(5, np.nan), p.b, p.a), c).save(tmp_path / "nan.safetensors")
    broken = copy.deepcopy(trained)
    broken.scaling["x_scale"] = 0.0  # (changed after the checks: predict checks again, and says nothing of NumPy's)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ConfigError, match="^scaling x_scale must be 1 finite number.*none of them 0, got 0.0"):
            broken.predict(1.0)
    with pytest.raises(nnfit.ModelFileError, match="cannot save the model: scaling x_scale .*none of them 0"):
        broken.save(tmp_path / "zero.safetensors")
    assert sorted(os.listdir(tmp_path)) == []  # nothing written, not even a temporary file
    Model(p, c, history=np.array([1.0, np.nan, np.inf]), x_range=[-1, 2], final_loss=np.float32(0.5)).save(tmp_path / "ok.safetensors")
    assert nnfit.load(tmp_path / "ok.safetensors").x_range == (-1.0, 2.0)
    os.remove(tmp_path / "ok.safetensors")
    # the CLI: one line for a refused fit, before any seed; the hints
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{i / 10},{(i % 7) / 7}\n" for i in range(30)))
    for argv in (("--hidden", "1000"), ("--starts", "10000", "--hidden", "300"),
                 ("--regularization", "none", "--val-fraction", "0.49", "--test-fraction", "0.49")):
        status, out, err = cli("fit", "--data", "d.csv", *argv, "--lang", "en")
        assert status == 2 and err.count("\n") == 1 and err.startswith("nnfit: error: ") and out == "", err
    status, out, err = cli("fit", "--version")
    assert status == 2 and "(--version comes before the command: nnfit --version)" in err and "did you mean" not in err
    status, out, err = cli("fit", "--data", "d.csv", "--regularization", "bayes", "--val-fraction", "0.3", "--patience", "3",
                           "--seed", "0", "--quiet", "--no-plot", "--lang", "en")
    assert status == 0 and err.splitlines()[0] == ("nnfit: warning: Bayesian regularization trains on every point, with no "
                                                   "validation split: --val-fraction, --patience not used (early "
                                                   "stopping, --regularization none, watches a validation split)"), err
    status, out, err = cli("fit", "--data", "d.csv", "--regularization", "none", "--patience", "3", "--seed", "0", "--quiet",
                           "--no-plot", "--out", "es", "--lang", "en")
    assert status == 0 and "not used" not in err, err
    for first, cell in (("nan,nan", "nan"), ("inf,-inf", "inf"), ("NaN,1", "NaN")):
        (tmp_path / "n.csv").write_text(f"{first}\n1,2\n2,3\n3,1\n")
        status, out, err = cli("fit", "--data", "n.csv", "--lang", "en")
        assert status == 1 and err == f"nnfit: error: n.csv, line 1, column '0': {cell!r} is not a finite number\n", err
    (tmp_path / "h.csv").write_text("x,nan\n1,2\n2,3\n3,1\n")  # (a header with another name: a header, nan a name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_columns(str(tmp_path / "h.csv"))[2] == (["x"], ["nan"])
    status, out, err = cli("train", "--activation", "relu", "--lr", "1e30", "--seed", "0", "--no-plot", "--lang", "en")
    assert status == 1 and "(--lr 0.001 does not diverge from this start in 50 epochs)" in err, err
    status, out, err = cli("train", "--lr", "1e30", "--seed", "0", "--models", "3", "--no-plot", "--lang", "en")
    assert status == 1 and "(e.g. --lr 0.01)" in err, err


def test_helper_74_findings(tmp_path, cli):
    """A long history holding inf saves (as NaN, as a short one's null) and loads; final_loss takes what float()
    takes (a 0-d array, a Fraction); --val-fraction and --patience below 20 points are said to be unused."""
    from fractions import Fraction
    trained = nnfit.train(seed=0)
    history = np.r_[np.linspace(1.0, 0.1, 100_001), np.inf]
    model = Model(trained.params, trained.config, history=history, final_loss=np.array(0.5))
    model.save(tmp_path / "long.safetensors")
    back = nnfit.load(tmp_path / "long.safetensors")
    assert len(back.history) == len(history) and np.isnan(back.history[-1]) and back.history[:-1] == history[:-1].tolist()
    assert Model(trained.params, trained.config, final_loss=Fraction(1, 4)).final_loss == 0.25
    status, out, err = cli("fit", "--val-fraction", "0.3", "--patience", "4", "--regularization", "none", "--seed", "0",
                           "--quiet", "--no-plot", "--out", "r", "--lang", "en")
    assert status == 0 and err.splitlines()[0] == ("nnfit: warning: 10 points are too few for a validation split (it needs 20 "
                                                   "or more): --val-fraction, --patience not used"), err


def test_helper_79_findings(tmp_path, cli):
    """A column index of more than 4300 digits (past what int() reads) is no such column, in one line with its
    digits cut short, in every command that picks columns; a negative loss in a Model's history is refused
    where the Model is made (save refused it after, as "must be a list of numbers"), and load says why."""
    (tmp_path / "p.csv").write_text("x,y\n1,2\n3,4\n5,6\n")
    huge = "9" * 4400
    for argv in (("fit", "--x", huge), ("train", "--y", huge), ("fit", "--y", "-" + huge), ("explain", "--x", huge)):
        status, out, err = cli(*argv[:1], "--data", "p.csv", *argv[1:], "--lang", "en")
        assert status == 1 and len(err.splitlines()) == 1 and "characters)" in err and "internal" not in err, err
    nnfit.train(seed=0, epochs=2).save(tmp_path / "m.safetensors")
    status, out, err = cli("predict", "m.safetensors", "--csv", "p.csv", "--x", huge)
    assert status == 1 and err.startswith("nnfit: error: p.csv: --x 9999") and "no such column" in err, err
    (tmp_path / "c.csv").write_text("# my data\n1,2\n2,3\n")  # (predict said only "has 2 columns, but line 1 has 1")
    status, out, err = cli("predict", "m.safetensors", "--csv", "c.csv")
    assert status == 1 and err.endswith("(line 1 is '# my data': nnfit reads no comment lines; remove it)\n"), err
    (tmp_path / "z.csv").write_text("x,y\n1,2\n3,4\n\x1a\n")  # (a DOS end-of-file mark: the row's text was not shown)
    status, out, err = cli("fit", "--data", "z.csv", "--no-plot")
    assert status == 1 and err == "nnfit: error: z.csv, line 4: '\\x1a' has 1 column, but line 1 has 2\n", err
    trained = nnfit.train(seed=0, epochs=2)
    for history in ([0.5, -1.0], np.array([0.5, -2.0])):
        with pytest.raises(ConfigError, match=r"^history holds -\d\.0: a loss is never below 0$"):
            Model(trained.params, trained.config, history=history)
    assert Model(trained.params, trained.config, history=[np.nan, 1.0]).history[1] == 1.0  # (a diverged epoch's NaN)
    import json
    from safetensors.numpy import save_file
    save_file({n: np.ascontiguousarray(p) for n, p in zip("wba", trained.params)}, str(tmp_path / "neg.safetensors"),
              metadata={**trained.metadata(), "history": json.dumps([0.5, -1.0])})  # (written by other means)
    with pytest.raises(nnfit.ModelFileError, match="must be a list of numbers, none below 0"):
        nnfit.load(tmp_path / "neg.safetensors")


def test_out_dash_and_bytearray_data_are_refused(tmp_path, cli):
    """--out - (standard output, as export -o - means) is refused in one line with status 2, nothing made
    (it made a folder named "-"); a bare -- at the end is taken as the end of the options; a bytearray as
    data is refused as bytes are (NumPy read its bytes as integers: helper-79)."""
    for command in ("train", "fit"):
        status, out, err = cli(command, "--out", "-", "--no-plot", "--lang", "en")
        assert status == 2 and err.startswith("nnfit: error: --out -: a run is a folder") and len(err.splitlines()) == 1, err
    assert not (tmp_path / "-").exists() and not (tmp_path / "runs").exists()
    status, out, err = cli("train", "--no-plot", "--epochs", "1", "--out", "r", "--")  # a bare -- at the end: no options
    assert status == 0 and (tmp_path / "r" / "model.safetensors").exists(), err  # follow (it was "unrecognized")
    status, out, err = cli("train", "--no-plot", "--", "foo")
    assert status == 2 and "unrecognized arguments: foo (" in err, err
    for data in (bytearray(b"\x01\x02\x03\x04"), b"\x01\x02\x03\x04"):
        with pytest.raises(nnfit.DataError, match="must be a list or array of numbers, got (bytearray|bytes)"):
            nnfit.fit(data, [1.0, 2.0, 3.0, 4.0])


def test_helper_82_findings(tmp_path, cli, monkeypatch):
    """A new round of awkward input (helper-82), each answered in one line by nnfit's own errors: a model file
    with float8 tensors (was "internal error: AttributeError"), integers of more than 4300 digits with leading
    zeros (was "internal error: ValueError"), names given as an array (was a bare ValueError), a Decimal's
    signaling NaN, an extra nested too deeply to save (RecursionError), a Model whose parameters do not match
    its config's hidden (predicted, refused only at save), numbers float64 would make 0 (silently 0), Excel's
    sep= line, an option after a bare --, a pip name that is not the import name, --out through a missing
    folder's .. (trained, then failed), and no warnings from a huge x_range or the estimator's HTML."""
    import decimal
    import fractions
    import json
    import struct
    from nnfit.cli import describe
    from nnfit.model import ModelFileError, load
    model = nnfit.train(seed=0, epochs=2)
    model.save(tmp_path / "m.safetensors")
    raw = (tmp_path / "m.safetensors").read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    meta = header.pop("__metadata__")
    f8 = {"__metadata__": meta}
    for i, name in enumerate(("a", "b", "w")):
        f8[name] = {"dtype": "F8_E4M3", "shape": [5], "data_offsets": [5 * i, 5 * i + 5]}
    text = json.dumps(f8).encode()
    (tmp_path / "f8.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + bytes(15))
    with pytest.raises(ModelFileError, match="a tensor's dtype has no NumPy type"):
        load(tmp_path / "f8.safetensors")
    status, out, err = cli("predict", "f8.safetensors", "1")
    assert status == 1 and "internal error" not in err and len(err.splitlines()) == 1, err
    long = "0" * 4400 + "9007199254740993"
    (tmp_path / "z.csv").write_text(f"x,y\n1,2\n2,{long}\n3,5\n")
    status, out, err = cli("train", "--data", "z.csv", "--no-plot", "--epochs", "1", "--seed", "0", "--out", "r1")
    assert status == 0 and "beyond 2**53" in err and "internal error" not in err, err
    status, out, err = cli("predict", "m.safetensors", long)
    assert status == 0 and out.startswith("9007199254740992.0,"), err
    X = np.random.default_rng(0).normal(size=(30, 2))
    assert nnfit.fit(X, X[:, 0], x_names=np.array(["a", "b"]), hidden=2, starts=2, seed=0).x_names == ["a", "b"]
    with pytest.raises(DataError, match=r"Decimal\('sNaN'\): every value must be a real number"):
        nnfit.fit([decimal.Decimal("sNaN"), 1, 2, 3], [1, 2, 3, 4])
    deep = inner = {}
    for _ in range(3000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(ModelFileError, match="extra is nested too deeply"):
        Model(model.params, model.config, extra=deep).save(tmp_path / "deep.safetensors")
    with pytest.raises(ConfigError, match="hold 1 hidden neurons, but the config says hidden=5"):
        Model((1, 2, 3), model.config)
    with pytest.raises(DataError, match="too small for float64"):
        nnfit.fit([fractions.Fraction(1, 10 ** 400), 1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(ConfigError, match="goal is Fraction.*too small for float64"):
        nnfit.fit(goal=fractions.Fraction(1, 10 ** 400))
    (tmp_path / "sep.csv").write_text("sep=,\nx,y\n1,2\n2,3\n3,5\n")
    status, out, err = cli("fit", "--data", "sep.csv")
    assert status == 1 and "'sep=,' is Excel's separator line" in err, err
    status, out, err = cli("train", "--", "--seed", "0")
    assert status == 2 and "after --, nothing is an option: put --seed before the --" in err, err
    assert describe(ModuleNotFoundError("No module named 'PIL'", name="PIL")).endswith("pip install pillow")
    status, out, err = cli("train", "--seed", "0", "--epochs", "1", "--no-plot", "--out", "nope/../made")
    assert status == 0 and (tmp_path / "made" / "model.safetensors").exists() and not (tmp_path / "nope").exists(), err
    status, out, err = cli("fit", "--hidden", "1000", "--epochs", "1")
    assert status == 2 and "with 1 input and 16 starts" in err, err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wide = Model(model.params, model.config, x_range=(-1e308, 1e308))
        wide.save(tmp_path / "wide.safetensors")
        load(tmp_path / "wide.safetensors")
        pytest.importorskip("sklearn")
        nnfit.NNFitRegressor()._repr_html_()


def test_python_m_nnfit_beside_a_file_named_like_a_module_and_numba_threads_0(tmp_path):
    """`python -m nnfit` puts the current folder first on Python's path: a signal.py there said a traceback;
    now one line names the file. NUMBA_NUM_THREADS=0 with explain said Numba's words with status 2 (the
    other commands: the variable named, status 1); now as they do."""
    (tmp_path / "signal.py").write_text("x = 1\n")
    run = subprocess.run([sys.executable, "-m", "nnfit", "--version"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and run.stderr.startswith("nnfit: error: could not start: ") and len(run.stderr.splitlines()) == 1
    assert "signal.py hides Python's own module" in run.stderr and "Traceback" not in run.stderr, run.stderr
    env = dict(os.environ, NUMBA_NUM_THREADS="0", LANG="C.UTF-8")
    env.pop("LANGUAGE", None), env.pop("LC_ALL", None)
    run = subprocess.run([sys.executable, "-m", "nnfit", "explain", "--seed", "0"], capture_output=True, text=True,
                         timeout=120, env=env)
    assert run.returncode == 1 and "NUMBA_NUM_THREADS='0' in the environment" in run.stderr, run.stderr


def test_helper_84_findings(tmp_path, cli):
    """helper-84's round: a pandas Series as one point is read by its names (it was read in order: another point,
    silently); x_names as a set (hash order) or of bytes is refused; a long double nonzero that float64 makes 0
    is refused; Models.predict and Model.predict without x or with an unknown keyword say so in nnfit's words;
    a file option given twice is refused (the last was kept silently); a scalar x past 2**53 is named "x", not
    "x[]"; one start is "1 start"."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(40, 4)), columns=list("abcd"))
    model = nnfit.fit(df[["a", "b", "c"]], df["d"], hidden=2, starts=2, seed=0)
    row = df.iloc[0]
    assert model.predict(row[["c", "b", "a"]]) == model.predict(row[["a", "b", "c"]]) == model.predict(df.iloc[[0]][["c", "a", "b"]])[0]
    with pytest.raises(DataError, match="missing 'a'; unexpected 'd'"):
        model.predict(row[["c", "b", "d"]])
    with pytest.raises(DataError, match="x must be numbers, got None"):
        model.predict()
    for names in ({"a", "b", "c"}, [b"a", b"b", b"c"]):
        with pytest.raises(ConfigError, match="x_names"):
            nnfit.fit(df[["a", "b", "c"]].values, df["d"].values, x_names=names, hidden=2, starts=2, seed=0)
    if np.finfo(np.longdouble).tiny < np.finfo(np.float64).tiny:  # (x86's 80-bit long double)
        with pytest.raises(DataError, match="too small for float64"):
            nnfit.fit(np.array([np.longdouble("1e-4000"), 1, 2, 3]), [1.0, 2, 3, 4])
    many = nnfit.train(seed=0, epochs=2, models=3)
    with pytest.raises(ConfigError, match="return_std is not an option of Models.predict"):
        many.predict(0.5, return_std=True)
    with pytest.raises(DataError, match="x must be numbers, got None"):
        many.predict()
    with pytest.warns(nnfit.DataWarning, match=r"^x is the integer 9007199254740993"):
        nnfit.train(seed=0, epochs=1).predict(9007199254740993)
    nnfit.train(seed=0, epochs=1).save(tmp_path / "m.safetensors")
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "b.csv").write_text("x\n2\n")
    status, out, err = cli("predict", "m.safetensors", "--csv", "a.csv", "--csv", "b.csv")
    assert status == 2 and "--csv is given twice ('a.csv' and 'b.csv'); it takes one value" in err and not out, err
    status, out, err = cli("fit", "--hidden", "1000", "--starts", "1", "--epochs", "1")
    assert status == 2 and "with 1 input and 1 start is" in err, err
    (tmp_path / "six.csv").write_text("x,y\n1,2\n2,3\n3,5\n4,4\n5,6\n6,7\n")  # (--val-fraction was warned of; not this)
    status, out, err = cli("fit", "--data", "six.csv", "--test-fraction", "0.2", "--no-plot", "--out", "t6")
    assert status == 0 and "6 points are too few for a test split (it needs 20 or more): --test-fraction not used" in err


def test_helper_86_findings(tmp_path):
    """helper-86's round on the Python API, by class: each case is nnfit's own one-line error, not Python's."""
    import copy
    import decimal
    import enum
    import torch
    from nnfit.export import export
    from nnfit.fit import summary
    from nnfit.sklearn import NNFitRegressor
    x = np.linspace(-1, 1, 30)
    y = x ** 2 + 0.01 * np.sin(40 * x)

    class Activation(str, enum.Enum):  # a (str, Enum) member is its text (str() gave "Activation.TANH")
        TANH = "tanh"

    class Scale(str, enum.Enum):
        NONE = "none"
    assert nnfit.train(seed=0, epochs=2, activation=Activation.TANH).config.activation == "tanh"
    fitted = nnfit.fit(x, y, starts=2, epochs=50, seed=0, activation=Activation.TANH, scale=Scale.NONE)
    assert (fitted.config.activation, fitted.config.scale) == ("tanh", "none")
    fitted.save(tmp_path / "enum.safetensors")
    days = np.timedelta64(3, "D")  # NumPy counts it among its integers
    for call in (lambda: nnfit.fit(x, y, hidden=days), lambda: nnfit.train(lr=np.timedelta64(1, "s")),
                 lambda: NNFitRegressor(random_state=days).fit(x[:, None], y),
                 lambda: nnfit.train(models=3, epochs=2, seed=0)[days]):
        with pytest.raises(ConfigError, match="timedelta64"):
            call()
    est = NNFitRegressor(starts=2, random_state=0).fit(x[:, None], y)
    for bad, said in ((y * 1e160, r"y\[0\] is .*beyond ±1e\+150"), (np.r_[np.longdouble("1e4000"), y[1:]], "too large"),
                      (np.arange(30).astype("datetime64[D]"), "dates or times")):
        with pytest.raises(DataError, match=said):  # (the R² of y times 1e160 was NaN, silently)
            est.score(x[:, None], bad)
    with pytest.raises(DataError, match=r"Decimal\('sNaN'\)"):
        NNFitRegressor().fit(x[:, None], [decimal.Decimal("sNaN")] + list(y[1:]))
    trained = nnfit.train(seed=0)
    p, c, s = trained.params, trained.config, trained.scaling
    for kw, said in ((dict(x_range=(0, 10**400)), "x_range"), (dict(final_loss=10**400), "final_loss"),
                     (dict(final_loss=np.complex64(3 + 4j)), "final_loss"), (dict(x_range=[0, "10"]), "x_range"),
                     (dict(history=np.ones((2, 2))), "history")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (no ComplexWarning)
            with pytest.raises(ConfigError, match=f"^{said} ") as e:
                Model(p, c, scaling=s, **kw)
        assert "\n" not in str(e.value)  # (an array's repr is one line in a message)
    assert Model(p, c, x_range=torch.tensor([0.0, 1.0], requires_grad=True)).x_range == (0.0, 1.0)
    with pytest.raises(ConfigError, match="^params "):
        Model(np.array(1.0), c)
    for names in (np.array("t"), torch.tensor(3.0)):
        with pytest.raises(ConfigError, match="0-d"):
            nnfit.fit(x, y, x_names=names)
    for change, said in ((lambda m: m.scaling.__setitem__("x_shift", float("nan")), "^scaling x_shift"),
                         (lambda m: setattr(m, "x_range", 5), "^x_range"),
                         (lambda m: setattr(m, "params", m.params._replace(b=np.ones(2))), "^params"),
                         (lambda m: setattr(m.config, "hidden", 7), "^params hold 5 hidden neurons"),
                         (lambda m: setattr(m, "x_names", ["a", "b"]), "^x_names"),
                         (lambda m: setattr(m, "posterior", "a"), "^posterior")):
        changed = copy.deepcopy(trained)
        change(changed)  # after the model was made: predict, export and save check again; repr says so
        for use in (lambda: changed.predict([0.1]), lambda: export(changed, "python")):
            with pytest.raises(ConfigError, match=said):
                use()
        with pytest.raises(nnfit.ModelFileError, match="cannot save the model: " + said[1:]):
            changed.save(tmp_path / "changed.safetensors")
        assert repr(changed).startswith("Model(invalid: ")
    changed = copy.deepcopy(trained)
    changed.history = 5  # (save: len()'s TypeError)
    with pytest.raises(nnfit.ModelFileError, match="cannot save the model: history must be a list of numbers"):
        changed.save(tmp_path / "changed.safetensors")
    assert not (tmp_path / "changed.safetensors").exists()
    with pytest.raises(ConfigError, match="^to must be one of"):
        export(trained, "PYTHON")
    from nnfit.config import machine_ram
    n = machine_ram() // (8 * 1000) + 1  # points whose predictions by 1000 models would fill all of this machine's memory
    with pytest.raises(DataError, match=f"^x: {n} points for 1000 models would need about .* GiB for the predictions"):
        nnfit.train(seed=0, epochs=1, models=1000).predict(np.broadcast_to(0.0, (n,)))
    many = nnfit.train(seed=0, epochs=2, models=40)
    grid = np.linspace(-12, 12, 3000).reshape(30, 100)  # (in blocks of points now: the same numbers)
    assert all(np.array_equal(many.predict(grid)[k], many[k].predict(grid)) for k in range(40))
    broken = copy.deepcopy(fitted)
    del broken.extra["split"]  # (as a file whose metadata was edited loads it)
    with pytest.raises(ConfigError, match="^extra is not what a fit writes"):
        summary(broken)
    with pytest.raises(ConfigError, match="^model summary describes a fit"):
        summary(trained)
    for data in ([True, -0.9, 0.1, 0.5], [[0.1], [True]]):  # a True among numbers (NumPy made it 1)
        with pytest.raises(DataError, match=r"^x\[[0-9, ]+\] is True: every value must be a real number"):
            nnfit.fit(data, [1.0, 2.0, 3.0, 4.0][:len(data)])


def test_helper_87_findings(tmp_path, cli):
    """helper-87's round on the command line: each line names the bad value, and a file separated by spaces or '|'
    gets the separator's hint as ';' and tabs do."""
    from safetensors.numpy import safe_open, save_file
    assert cli("train", "--seed", "0", "--epochs", "2", "--no-plot", "--out", "m", "--quiet")[0] == 0
    with safe_open("m/model.safetensors", "np") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    for history, said in (("[1.0, Infinity]", "got Infinity at epoch 2"), ("[1.0, 0.5, -1]", "got -1 at epoch 3"),
                          ('"abc"', "got '\"abc\"'")):
        save_file(tensors, "h.safetensors", metadata=dict(meta, history=history))
        status, out, err = cli("predict", "h.safetensors", "1")
        assert status == 1 and err.rstrip().endswith(said) and err.count("\n") == 1, err
    status, out, err = cli("")
    assert status == 2 and "(an empty argument: '')" in err, err
    status, out, err = cli("TRAIN")
    assert status == 2 and "(did you mean the command train?)" in err, err
    for text, name in (("x y\n1 2\n3 4\n", "spaces"), ("x|y\n1|2\n3|4\n", "'|'"), ("1 2\n3 4\n", "spaces")):
        with open("sep.csv", "w") as f:
            f.write(text)
        status, out, err = cli("fit", "--data", "sep.csv", "--no-plot", "--out", "o")
        assert status == 1 and f"seems to separate them by {name}: save it as CSV with commas" in err, err
    with open("named.csv", "w") as f:  # a name with a space in it is a name
        f.write("my x,y\n" + "".join(f"{k},{k % 3}\n" for k in range(30)))
    assert cli("fit", "--data", "named.csv", "--no-plot", "--out", "o", "--quiet", "--starts", "2")[0] == 0


def test_helper_89_findings(tmp_path):
    """helper-89's round on this stop's changes: a model's scaling None with several inputs is the identity (the check
    had refused it), its config's fields and its Bayesian parts are checked again in nnfit's words, export refuses a
    diverged model, and NNFitRegressor refuses a True among numbers."""
    import copy
    import decimal
    from nnfit.export import export
    from nnfit.fit import FitConfig
    from nnfit.sklearn import NNFitRegressor
    rng = np.random.default_rng(0)
    two = Model((rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=3)), FitConfig(hidden=3, activation="tanh"),
                x_range=[(-1, 1), (-1, 1)], scaling=None)
    assert two.scaling["x_shift"] == [0.0, 0.0] and np.isfinite(two.predict([[0.1, 0.2]])).all()
    two.save(tmp_path / "two.safetensors")
    assert export(two, "latex").startswith("% nnfit export")
    trained = nnfit.train(seed=0)
    for hidden in (np.array([5, 5]), decimal.Decimal("sNaN"), 5.0):
        changed = copy.deepcopy(trained)
        changed.config.hidden = hidden
        with pytest.raises(ConfigError, match="^hidden must be an integer"):
            changed.predict(0.1)
    changed = copy.deepcopy(trained)
    changed.config.activation = np.zeros((2, 2))
    with pytest.raises(ConfigError, match="^activation must be one of") as e:
        changed.predict(0.1)
    assert "\n" not in str(e.value)
    changed = copy.deepcopy(trained)
    changed.history = 5
    assert repr(changed).startswith("Model(invalid: history must be")
    x = np.linspace(-1, 1, 40)
    fitted = nnfit.fit(x, np.sin(3 * x) + 0.01 * rng.normal(size=40), seed=0, starts=2)
    assert fitted.posterior is not None
    for change, said in ((lambda m: setattr(m, "posterior", np.eye(2)), "^posterior must be"),
                         (lambda m: setattr(m, "extra", {}), "^extra is not what a Bayesian fit writes"),
                         (lambda m: m.extra.__setitem__("regularization", None), "^extra is not what a Bayesian fit")):
        changed = copy.deepcopy(fitted)
        change(changed)
        with pytest.raises(ConfigError, match=said):
            changed.predict(0.1, return_std=True)
    diverged = copy.deepcopy(trained)
    diverged.params = diverged.params._replace(w=np.r_[np.inf, diverged.params.w[1:]])
    with pytest.raises(nnfit.TrainingDiverged, match="parameters are not finite"):
        export(diverged, "c")
    with pytest.raises(DataError, match=r"^X\[1, 0\] is True"):
        NNFitRegressor(starts=2).fit([[0.5], [True], [0.1]], [1.0, 2.0, 3.0])
    (tmp_path / "kr.csv").write_bytes(("온도,값\n" + "".join(f"{k},{k % 3}\n" for k in range(30))).encode("cp949"))
    with pytest.warns(nnfit.DataWarning, match="read as GBK .*its first line as '柯档,蔼'; if that is not its text"):
        read_columns(tmp_path / "kr.csv")
    changed = copy.deepcopy(trained)
    torch = pytest.importorskip("torch")
    for history in (torch.tensor([1.0, 0.5], requires_grad=True), torch.tensor([1.0, 0.5], dtype=torch.bfloat16)):
        changed.history = history  # (saved without torch's UserWarning, or NumPy's TypeError for bfloat16)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            changed.save(tmp_path / f"h{history.dtype}.safetensors")
        assert nnfit.load(tmp_path / f"h{history.dtype}.safetensors").history == [1.0, 0.5]


def test_helper_91_findings(tmp_path):
    """helper-91's round on stop 37's changes: complex data in any container the estimator takes is named where it
    is; odd tensors as a model's history are one ConfigError line; the orphan sweep touches no file and tells hosts
    apart; a Chinese hint lists its options with the full-width comma."""
    import stat
    from nnfit.diagnostics import flat_fit
    from nnfit.i18n import speaking
    from nnfit.runs import ORPHAN_AGE, sweep_orphans, this_host
    from nnfit.sklearn import NNFitRegressor
    pd = pytest.importorskip("pandas")
    torch = pytest.importorskip("torch")
    X = np.linspace(0, 1, 20)[:, None]
    y = np.sin(X[:, 0])
    for bad_X, bad_y, where in [(pd.DataFrame({"a": X[:, 0] + 1j}), y, r"X\[0, 0\] is 1j"), (list(X + 1j), y, r"X\[0, 0\]"),
                                (torch.tensor(X) + 1j, y, r"X\[0, 0\]"), (X, pd.Series(y + 1j), r"y\[0\] is 1j"),
                                (np.array([[1.0], [2j]] + [[0.5]] * 18, dtype=object), y, r"X\[1, 0\] is 2j"),
                                ([[1.0], [True], [1j]] + [[0.5]] * 17, y, r"X\[2, 0\] is 1j")]:
        with pytest.raises(DataError, match="^Complex data not supported: " + where) as error:
            NNFitRegressor(starts=2).fit(bad_X, bad_y)
        assert "\n" not in str(error.value) and len(str(error.value)) < 200
    trained = nnfit.train(seed=0, epochs=2)
    for history in (torch.empty(3, device="meta"), torch.tensor([1.0, 2.0]).to_sparse()):
        trained.history = history
        assert repr(trained).startswith("Model(invalid: history must be a list of numbers")
        with pytest.raises(nnfit.ModelFileError, match="history must be a list of numbers"):
            trained.save(tmp_path / "h.safetensors")
    trained.history = [torch.tensor(1.0, requires_grad=True), torch.tensor(0.5, requires_grad=True)]  # history.append(loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trained.save(tmp_path / "g.safetensors")
    if np.finfo(np.longdouble).max > 1e400:  # (x86: 80-bit long doubles)
        trained.history = np.array([1, np.longdouble("1e400")], dtype=np.longdouble)
        assert repr(trained) == "Model(invalid: history holds 1e+400: too large for float64 (at most about 1.8e308))"
    old = __import__("time").time() - ORPHAN_AGE - 1
    a_file = tmp_path / f".nnfit-{this_host()}-999999999-0123abcd"
    a_file.write_text("mine")
    a_file.chmod(0o640)
    os.utime(a_file, (old, old))
    sweep_orphans(str(tmp_path))
    assert a_file.read_text() == "mine" and stat.S_IMODE(a_file.stat().st_mode) == 0o640
    assert this_host().rsplit(".", 1)[1] != "" and len(this_host().rsplit(".", 1)[1]) == 8
    x = np.linspace(-1, 1, 30)
    flat = nnfit.fit(x, x, optimizer="adam", epochs=3, seed=0, scale="none")
    flat.extra["metrics"]["train"]["r2"], flat.extra["stopped"] = 0.001, "the epoch limit"  # (as a fit about its mean)
    with speaking("zh"):
        hint = flat_fit(flat)
    assert "--scale standard，换一个 --lr，更多的 --epochs" in hint, hint
