"""Bad input by whole classes, through every command as a black box (nnfit.cli.main) and the Python API.

Every case must end as the README promises: exit status 2 for a bad option, 1 for bad data, model file
or output directory; exactly one stderr line starting `nnfit: error: `; no traceback; nothing written
(no run directory, no temporary directory) and an earlier run untouched. Cases are generated: each
option of each command times each class of bad value, each CSV corruption (a good file mutated) times
each command that reads data, and Hypothesis for arbitrary CSV text.
"""
import hashlib
import math
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import nnfit
from nnfit.data import DataError, read_csv, read_x_csv

# The quickest correct call of each command; a bad value is added to it.
BASE = {
    "train": ["train", "--seed", "0", "--epochs", "2", "--no-plot"],
    "explain": ["explain", "--seed", "0", "--epochs", "2"],
    "compare": ["compare", "--seed", "0", "--epochs", "2"],
    "fit": ["fit", "--seed", "0", "--epochs", "3", "--starts", "2", "--no-plot"],
}

# Classes of bad values, by the kind of option they are given to.
NOT_NUMBERS = ["abc", "", "1,5", "0x10", "1_0", "٣", "²", "１"]
NOT_FINITE = ["nan", "-inf", "1e400"]
BAD = {
    "count": NOT_NUMBERS + NOT_FINITE + ["-1", "0", "1.5", "1e30", "9223372036854775808"],
    "seed": NOT_NUMBERS + NOT_FINITE + ["-1", "0.5", "9223372036854775808"],
    "positive": NOT_NUMBERS + NOT_FINITE + ["-1e-3", "0"],
    "fraction": NOT_NUMBERS + NOT_FINITE + ["-0.1", "0.5", "2"],
}
OPTIONS = {
    "train": {"--hidden": "count", "--epochs": "count", "--batch-size": "count", "--models": "count",
              "--seed": "seed", "--lr": "positive"},
    "fit": {"--hidden": "count", "--epochs": "count", "--starts": "count", "--patience": "count",
            "--seed": "seed", "--lr": "positive", "--mu": "positive", "--mu-max": "positive",
            "--val-fraction": "fraction"},
}
OPTIONS["explain"] = OPTIONS["compare"] = OPTIONS["train"]
CHOICES = {"--activation": ["swish", "", "SIGMOID", "sigmoid "], "--dtype": ["float16", "f32", ""],
           "--engine": ["turbo", ""], "--device": ["tpu", ""], "--lang": ["fr", ""]}


def option_cases():
    for command, options in OPTIONS.items():
        for option, kind in options.items():
            for value in BAD[kind]:
                yield pytest.param(command, option, value, id=f"{command} {option} {value!r}")
        for option, values in CHOICES.items():
            if command == "fit" and option in ("--dtype", "--engine", "--device"):
                continue
            for value in values:
                yield pytest.param(command, option, value, id=f"{command} {option} {value!r}")


@pytest.fixture
def workdir(tmp_path, monkeypatch, capsys):
    """A directory with an earlier run in it; check() runs a command and asserts the promised failure."""
    from nnfit.cli import main
    monkeypatch.chdir(tmp_path)
    earlier = tmp_path / "runs" / "001"
    earlier.mkdir(parents=True)
    (earlier / "model.safetensors").write_bytes(b"an earlier run, not to be touched")
    before = snapshot(tmp_path)

    def put(name, content):
        """Write an input file (part of the state every failure must leave as it is)."""
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
        before.update(snapshot(tmp_path))

    def check(argv, status, *pieces):
        got = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        lines = err.splitlines()
        assert got == status, f"status {got}, stderr: {err}"
        assert len(lines) == 1 and lines[0].startswith("nnfit: error: "), err
        assert "Traceback" not in out + err
        for piece in pieces:
            assert piece in lines[0], lines[0]
        assert snapshot(tmp_path) == before, "nothing may be written, and the earlier run stays as it was"
        return lines[0]
    check.path, check.put = tmp_path, put
    return check


def snapshot(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            regular = os.path.isfile(path)  # a FIFO is listed, not read
            files[os.path.relpath(path, root)] = hashlib.sha1(open(path, "rb").read()).hexdigest() if regular else "special"
        files[os.path.relpath(folder, root) + "/"] = ""
    return files


@pytest.mark.parametrize("command,option,value", list(option_cases()))
def test_bad_option_values(workdir, command, option, value):
    line = workdir(BASE[command] + [option, value], 2)
    assert option in line or option.replace("--", "").replace("-", "_") in line, line


@pytest.mark.parametrize("command", BASE)
def test_unknown_options_and_missing_values(workdir, command):
    workdir(BASE[command] + ["--bogus"], 2, "--bogus")
    workdir(BASE[command] + ["--hidden"], 2, "--hidden")


def test_lr_beyond_float32(workdir):
    workdir(BASE["train"] + ["--lr", "1e-50"], 2, "--lr", "rounds to 0 in float32")
    workdir(BASE["train"] + ["--lr", "1e39"], 2, "--lr", "too large for float32")


@pytest.mark.parametrize("big", [["--models", "100000000"], ["--epochs", "100000000", "--models", "1000"],
                                 ["--hidden", "10000", "--models", "1000000"]], ids=lambda big: " ".join(big))
def test_runs_too_large_for_memory_fail_fast(workdir, big):
    workdir(["train", "--seed", "0", "--no-plot"] + big, 2, "--models", "memory")


# --- data files: a good file, mutated ------------------------------------------------------------------

GOOD = "x,y\n-2,1.5\n-1,0.5\n0,0\n1,0.5\n2,1.5\n"
CORRUPT = {  # name -> (file bytes, pieces of the message)
    "text cell": (GOOD.replace("-1,0.5", "-1,abc"), ["line 3", "'y'", "abc"]),
    "typo cell": (GOOD.replace("\n1,0.5", "\n1,0.s"), ["line 5", "0.s"]),
    "empty cell": (GOOD.replace("0,0", "0,"), ["line 4", "empty cell"]),
    "nan": (GOOD.replace("0,0", "nan,0"), ["line 4", "'nan' is not a finite number"]),
    "inf": (GOOD.replace("0,0", "0,-Infinity"), ["line 4", "not a finite number"]),
    "overflow": (GOOD.replace("0,0", "0,1e999"), ["line 4", "too large"]),
    "beyond 1e150": (GOOD.replace("0,0", "0,-2e150"), ["line 4", "'-2e150' is beyond ±1e+150"]),  # squares overflow
    "x beyond 1e150": (GOOD.replace("0,0", "1e300,0"), ["line 4", "column 'x'", "beyond ±1e+150"]),
    "unicode digit": (GOOD.replace("0,0", "٣,0"), ["line 4", "not a number"]),
    "superscript": (GOOD.replace("0,0", "²,0"), ["line 4", "not a number"]),
    "underscore": (GOOD.replace("0,0", "1_0,0"), ["line 4", "not a number"]),
    "extra column": (GOOD.replace("0,0", "0,0,7"), ["line 4", "has 3 columns"]),
    "missing column": (GOOD.replace("0,0", "0"), ["line 4", "has 1 column, but"]),
    "header only": ("x,y\n", ["header but no rows"]),
    "one point": ("x,y\n1,2\n", ["at least 2 points"]),
    "empty": ("", ["the file is empty"]),
    "blank lines": ("\n \n\t\n", ["the file is empty"]),
    "empty cells only": (",\n,\n , \n", ["no values: every line is blank or holds only empty cells"]),
    "NUL byte": (GOOD.replace("0,0", "0,\x000"), ["NUL bytes"]),
    "latin-1": (GOOD.encode() + "3,\xe9\n".encode("latin-1"), ["not a UTF-8 text file"]),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["not a text file"]),
    "typo in a header-less first row": ("1.0,2.o\n2,3\n3,4\n", ["line 1", "'2.o'"]),
    "one column": ("1\n2\n3\n", ["line 1: the first row has 1 column, and every row needs two (x, y)"]),
    "three columns": ("a,b,c\n1,2,3\n4,5,6\n", ["has 3 columns", "with --x and --y"]),
    "trailing commas": ("1,2,\n3,4,\n5,6,\n", ["has 3 columns", "line 1 ends with a comma: its last column is empty"]),
    "semicolons": ("x;y\n1;2\n3;4\n", ["line 1", "separate them by ';'"]),
    "tabs": ("1\t2\n3\t4\n", ["line 1", "separate them by tabs"]),
    "unclosed quote": ('x,y\n1,2\n"3,4\n5,6\n', ["line 3", "not closed"]),
    "unclosed quote on the last line": ('x,y\n1,2\n2,3\n"3,4\n', ["line 4: a quote that is not closed"]),
    "unclosed quote at the end of the file": ('x,y\n1,2\n2,3\n3,4\n"5,6', ["line 5: a quote that is not closed"]),
    "a lone quote on the last line": ('x,y\n1,2\n2,3\n3,4\n"', ["line 5: a quote that is not closed"]),
    "text after a closing quote": ('x,y\n1,"2"3\n2,3\n3,4\n', ["line 2: not valid CSV"]),
    "huge cell": ("x,y\n1," + "9" * 200_000 + "\n2,3\n", ["line 2"]),
    # UTF-16 / UTF-32 (a BOM says which) that stop being valid: their encoding, line and bytes, not UTF-8's
    "utf-16 lone surrogate": ("x,y\n1,2\n".encode("utf-16") + "\ud800".encode("utf-16-le", "surrogatepass")
                              + "3,4\n".encode("utf-16-le"), ["line 3", "not valid UTF-16 text", "\\x00\\xd8"]),
    "utf-16 odd last byte": ("x,y\n1,2\n".encode("utf-16") + b"5", ["line 3", "not valid UTF-16 text", "b'5'"]),
    "utf-32 cut short": ("x,y\n1,2\n".encode("utf-32")[:-2], ["line 2", "not valid UTF-32 text"]),
}


def data_cases():
    for command in BASE:
        for name in CORRUPT:
            yield pytest.param(command, name, id=f"{command} {name}")


@pytest.mark.parametrize("command,name", list(data_cases()))
def test_corrupt_data_files(workdir, command, name):
    content, pieces = CORRUPT[name]
    workdir.put("d.csv", content)
    workdir(BASE[command] + ["--data", "d.csv"], 1, "d.csv", *pieces)


COLUMN_CHOICES = [  # (file, --x, --y, pieces)
    ("t,noise,value\n0,9,0\n1,9,1\n", "time", "value", ["no such column"]),
    ("t,noise,value\n0,9,0\n1,9,1\n", "0", "7", ["no such column", "0 to 2"]),
    ("t,noise,value\n0,9,0\n1,9,1\n", "-1", "2", ["indices start at 0"]),
    ("t,noise,value\n0,9,0\n1,9,1\n", "²", "2", ["no such column"]),
    ("t,t,value\n0,9,0\n1,9,1\n", "t", "value", ["columns 0 and 1"]),
    ("0,9,0\n1,9,1\n", "t", "2", ["no header"]),
    ("t,noise,value\n0,9,0\n1,9,1\n", "t,noise", "value", ["takes one column", "nnfit fit"]),  # fit's list, to train
]


@pytest.mark.parametrize("content,x,y,pieces", COLUMN_CHOICES, ids=[f"--x {c[1]} --y {c[2]}" for c in COLUMN_CHOICES])
def test_bad_column_choices(workdir, content, x, y, pieces):
    workdir.put("d.csv", content)
    workdir(BASE["train"] + ["--data", "d.csv", "--x", x, "--y", y], 1, *pieces)


def test_a_header_name_with_a_comma_is_reached_by_index(workdir):
    """fit's --x splits names at commas, so a header cell "a,b" cannot be named: the error says to use
    its index (train takes one column and finds it by name)."""
    workdir.put("d.csv", '"a,b",y\n' + "".join(f"{i},{i % 3}\n" for i in range(6)))
    workdir(BASE["fit"] + ["--data", "d.csv", "--x", "a,b"], 1, "the header's 'a,b' has a comma", "by its index, 0")


@pytest.mark.parametrize("kind", ["fifo", "directory", "missing", "device"])
def test_data_that_is_not_a_regular_file(workdir, kind):
    path = {"fifo": "pipe.csv", "directory": "dir.csv", "missing": "none.csv", "device": "/dev/zero"}[kind]
    if kind == "fifo":
        os.mkfifo(workdir.path / path)  # no writer: reading it would wait forever
    if kind == "directory":
        (workdir.path / path).mkdir()
    workdir.put("unrelated.txt", "")  # take the state again, with the fifo or directory
    line = workdir(BASE["train"] + ["--data", path], 1, path)
    assert {"fifo": "not a regular file", "directory": "directory", "missing": "no such file",
            "device": "not a regular file"}[kind] in line


def test_data_variants_that_are_fine(tmp_path):
    """BOMs, CR-only or CRLF line ends, quotes, spaces, a header-less file, exponents: all read the same."""
    want = (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), np.array([1.5, 0.5, 0.0, 0.5, 1.5]))
    variants = {
        "plain": GOOD.encode(),
        "utf-8 BOM": b"\xef\xbb\xbf" + GOOD.encode(),
        "utf-16 BOM": GOOD.encode("utf-16"),
        "utf-32 BOM": GOOD.encode("utf-32"),  # its BOM starts as UTF-16's: read as UTF-16 it was "not a number"
        "utf-32 big-endian BOM": b"\x00\x00\xfe\xff" + GOOD.encode("utf-32-be"),
        "CR only": GOOD.replace("\n", "\r").encode(),
        "CRLF": GOOD.replace("\n", "\r\n").encode(),
        "quoted": GOOD.replace("-1,0.5", '"-1","0.5"').encode(),
        "a quote inside a header cell": GOOD.replace("x,y", 'height (5\'11"),y', 1).encode(),  # a character, not a quoted cell
        "a quoted cell beside a quote inside one": GOOD.replace("x,y", '"x",y"', 1).encode(),
        "spaces": GOOD.replace("-1,0.5", "  -1 ,\t0.5 ").encode(),
        "no header": GOOD.split("\n", 1)[1].encode(),
        "exponents": GOOD.replace("0,0", "0e0,-0.0E+1").encode(),
        "blank lines": GOOD.replace("\n", "\n\n").encode(),
    }
    for name, content in variants.items():
        (tmp_path / "d.csv").write_bytes(content)
        x, y = read_csv(tmp_path / "d.csv")
        assert np.array_equal(x, want[0]) and np.array_equal(y, want[1]), name


CSV_TEXT = st.text(alphabet=st.sampled_from(list("0123456789.,-+eE \n\r\"xyabnif\t") + ["\x00", "٣", "é"]),
                   max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=CSV_TEXT)
def test_any_csv_text_gives_numbers_or_a_data_error(tmp_path, text):
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    for read in (lambda: read_csv(path), lambda: (read_x_csv(path),)):
        try:
            arrays = read()
        except DataError as e:
            assert "\n" not in str(e) and str(path) in str(e)
            continue
        for a in arrays:
            assert a.dtype == np.float64 and a.ndim == 1 and np.all(np.isfinite(a))
        assert len({len(a) for a in arrays}) == 1


# --- predict ---------------------------------------------------------------------------------------------

@pytest.fixture
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.safetensors"
    nnfit.train(seed=0, epochs=1).save(path)
    return str(path)


@pytest.mark.parametrize("value", NOT_NUMBERS + NOT_FINITE)
def test_predict_bad_x_values(workdir, model_file, value):
    workdir(["predict", model_file, "1", value], 2, "X must be" if value != "1e400" else "X 1e400 is too large for a float")


X_CORRUPT = ["unicode digit", "superscript", "underscore", "nan", "extra column", "header only", "empty",
             "blank lines", "NUL byte", "latin-1", "binary", "typo in a header-less first row", "unclosed quote",
             "huge cell"]  # the ones that reach the x column (predict reads only the first column)


@pytest.mark.parametrize("name", X_CORRUPT)
def test_predict_corrupt_x_files(workdir, model_file, name):
    content, _ = CORRUPT[name]
    workdir.put("xs.csv", content)
    workdir(["predict", model_file, "--csv", "xs.csv"], 1, "xs.csv")


def test_predict_bad_model_paths(workdir):
    workdir.put("empty.safetensors", b"")
    workdir(["predict", "missing.safetensors", "1"], 1, "no such file")
    workdir(["predict", "empty.safetensors", "1"], 1, "empty")
    workdir(["predict", ".", "1"], 1, "directory")


# --- output directories -----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["train", "fit"])
@pytest.mark.parametrize("out,piece", [("runs/001", "already exists"), ("runs/001/model.safetensors/x", "cannot create")])
def test_unusable_out(workdir, command, out, piece):
    workdir(BASE[command] + ["--out", out], 1, piece)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="Linux's /proc")
def test_out_where_access_says_yes_is_refused_before_training(tmp_path, monkeypatch, capsys):
    """/proc passes access(W_OK) for root, and mkdir there fails: found by trying, before any epoch."""
    from nnfit.cli import main
    monkeypatch.chdir(tmp_path)
    assert main(BASE["train"] + ["--out", "/proc/nnfit-run"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("nnfit: error: /proc/nnfit-run: cannot create") and err.count("\n") == 1


# --- the Python API ---------------------------------------------------------------------------------------

WRONG_TYPES = {  # option -> values of a wrong type or range
    "hidden": ["5", True, 5.0, None, [5], 0, -1, 10**9],
    "epochs": ["50", False, 50.5, None, 0, 10**20],
    "batch_size": ["1", True, 1.0, 0, 2**63],
    "models": ["1", True, 1.0, 0, 10**12],
    "lr": ["0.1", True, None, float("nan"), float("inf"), 0, -1, 1e-50, [0.1]],
    "seed": ["0", True, 0.5, -1, 2**63],
    "shuffle": ["yes", 1, None],
    "activation": ["swish", None, 1, "Sigmoid"],
    "engine": ["turbo", None],
    "dtype": ["float16", None, np.float32],
    "device": ["tpu", None],
}


@pytest.mark.parametrize("option,value", [(o, v) for o, vs in WRONG_TYPES.items() for v in vs],
                         ids=[f"{o}={v!r}" for o, vs in WRONG_TYPES.items() for v in vs])
def test_api_wrong_types_are_config_errors(option, value):
    with pytest.raises(nnfit.ConfigError) as e:
        nnfit.train(**{"seed": 0, "epochs": 1, option: value})
    assert e.value.option == option and "\n" not in str(e.value)


def test_api_unknown_option_names_it_and_lists_the_options():
    with pytest.raises(nnfit.ConfigError, match=r"foo is not an option of train; the options are hidden, .*device"):
        nnfit.train(foo=1)


def test_api_numpy_numbers_are_accepted(tmp_path):
    m = nnfit.train(hidden=np.int64(4), epochs=np.int32(3), batch_size=np.uint8(2), seed=np.int64(1),
                    lr=np.float32(0.01), models=np.int16(1))
    assert type(m.config.hidden) is int and type(m.config.lr) is float
    m.save(tmp_path / "m.safetensors")  # the config is plain JSON


BAD_POINTS = {
    "strings": (["1", "2", "3"], [1, 2, 3]),
    "one string": ("123", [1, 2, 3]),
    "dict": ({"a": 1, "b": 2}, [1, 2]),
    "ragged": ([[1, 2], [3]], [1, 2]),
    "None x": (None, [1, 2, 3]),
    "None y": ([1, 2, 3], None),
    "bools": ([True, False, True], [1, 2, 3]),
    "complex": ([1j, 2, 3], [1, 2, 3]),
    "3-D": (np.ones((3, 2, 2)), np.ones(3)),  # fit mode takes (N, d); train mode 1-D only (test_api_train_*)
    "scalar": (1.0, 2.0),
    "empty": ([], []),
    "one point": ([1.0], [2.0]),
    "lengths": ([1, 2, 3], [1, 2]),
    "nan": ([1, float("nan"), 3], [1, 2, 3]),
    "inf": ([1, 2, 3], [1, float("inf"), 3]),
    "beyond 1e150": ([1, 2, 3], [1, 2, 1e300]),  # a fit of y ~ 1e300 was a NaN model that could not be loaded
    "objects": ([object(), object()], [1, 2]),
}


TRAIN_BAD_POINTS = {**BAD_POINTS, "2-D": (np.ones((3, 2)), np.ones(3))}  # the chapter's network has one input


@pytest.mark.parametrize("name", TRAIN_BAD_POINTS)
def test_api_bad_points_are_data_errors(name):
    x, y = TRAIN_BAD_POINTS[name]
    with pytest.raises(DataError) as e:
        nnfit.train(x, y, seed=0, epochs=1)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("name", BAD_POINTS)
def test_api_fit_bad_points_are_data_errors(name):
    x, y = BAD_POINTS[name]
    with pytest.raises(DataError) as e:
        nnfit.fit(x, y, seed=0, epochs=2, starts=2)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("option,value", [("foo", 1), ("goal", "x"), ("hidden", True), ("lr", "0.1"),
                                          ("seed", 2**63), ("starts", 0), ("epochs", 10**20)])
def test_api_fit_wrong_options_are_config_errors(option, value):
    with pytest.raises(nnfit.ConfigError):
        nnfit.fit(**{"seed": 0, "epochs": 2, "starts": 2, option: value})


# --- export -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv,status,piece", [
    (["missing.safetensors", "--to", "c"], 1, "no such file"),
    (["{model}", "--to", "cobol"], 2, "--to"),
    (["{model}", "--to", ""], 2, "--to"),
    (["{model}"], 2, "--to"),
    (["{model}", "--to", "c", "-o", "d.csv"], 1, "already exists"),
    (["{model}", "--to", "c", "-o", "nodir/x.c"], 1, "nodir/x.c"),
    (["{model}", "--to", "c", "-o", ""], 2, "-o must name a file, got ''"),
    (["d.csv", "--to", "python"], 1, "d.csv"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_export_bad_input(workdir, model_file, argv, status, piece):
    workdir.put("d.csv", GOOD)
    workdir(["export"] + [a.format(model=model_file) for a in argv], status, piece)


def test_api_save_needs_a_file_name_and_follows_the_umask(tmp_path):
    model = nnfit.train(seed=0, epochs=2)
    for bad in (None, 3, ["a"], "", b""):
        with pytest.raises(nnfit.ModelFileError, match="^save needs a file name"):
            model.save(bad)
    model.save(os.fsencode(tmp_path / "bytes.safetensors"))  # a bytes path, as nnfit.load takes one
    assert nnfit.load(os.fsencode(tmp_path / "bytes.safetensors")).final_loss == model.final_loss
    old = os.umask(0o027)
    try:
        model.save(tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "m.safetensors").st_mode & 0o777 == 0o640  # safetensors alone made it 0o600


def test_huge_counts_are_shown_short(workdir):
    """--hidden 1e300 parses exactly (an integral value); the message shows 1e+300, not 301 digits."""
    for argv, status, piece in ((["train", "--hidden", "1e300", "--no-plot"], 2, "--hidden must be <= 10000, got 1e+300"),
                                (["train", "--epochs", "1e30", "--no-plot"], 2, "got 1e+30"),
                                (["explain", "--epoch", "1e30", "--lang", "en"], 2, "got 1e+30")):
        assert len(workdir(argv, status, piece)) < 120


def test_api_predict_and_flags_take_what_fit_takes():
    """predict takes numbers as nnfit.fit does (text, dates and booleans are DataErrors there too);
    progress, verbose and return_std are True or False (None: progress's default)."""
    model = nnfit.fit(seed=0, epochs=3)
    for x in (np.array(["2020-01-01"], dtype="datetime64[D]"), [True]):
        with pytest.raises(DataError, match="^x must be"):
            model.predict(x)
    for x, message in ((["1"], "x[0] is '1'"), ([1, None], "x[1] is None"), ([[0.5], [2, "a"]], None)):
        with pytest.raises(DataError, match=f"^{re.escape(message)}: every value must be a real number$" if message else "^x must be"):
            model.predict(x)
    with pytest.raises(DataError, match="^x is nan: every value must be a finite number$"):
        model.predict(float("nan"))
    assert np.isfinite(model.predict([0.5, np.float32(2)])).all()
    for bad in (dict(progress="yes"), dict(verbose="no")):
        with pytest.raises(nnfit.ConfigError, match="must be True or False"):
            nnfit.fit(seed=0, epochs=2, **bad)
    with pytest.raises(nnfit.ConfigError, match="^return_std must be True or False"):
        model.predict(1.0, return_std="yes")


@pytest.mark.parametrize("x_names, y_names, refused", [
    (["a,b", "c"], None, "x_names"),  # `--x a,b` separates names: 'a,b' could never be picked again
    (["1", "c"], None, "x_names"),  # a number: a header line of numbers is read as data (helper-66)
    ([" a", "c"], None, "x_names"),  # spaces around it: a CSV header gives back 'a'
    (["a", "c"], ["5e3"], "y_names"),
    (["a", "c"], ["a"], "y_names"),  # an input's name for the output: the CLI keeps no names for such a header
])
def test_api_names_a_csv_header_would_not_give_back_are_refused(x_names, y_names, refused):
    """Explicit x_names / y_names follow the rule the model keeps names by (data.unkeepable), the same for
    a CSV header, a DataFrame and NNFitRegressor."""
    with pytest.raises(nnfit.ConfigError, match=f"^{refused} (must be distinct, non-empty names without control characters, "
                                                "commas or spaces around them, and not numbers|shares the name 'a' with x_names)"):
        nnfit.fit([[1, 2], [3, 4], [5, 7]], [1, 2, 3], x_names=x_names, y_names=y_names, epochs=2)


def test_header_names_the_model_could_not_pick_again_are_not_kept(tmp_path, recwarn):
    """A CSV header cell 'a,b' (quoted) was kept in the model, and an ONNX export's comma-joined x_names then
    had five parts for four inputs (helper-67): the model keeps no names for those columns, with a warning."""
    from nnfit.data import read_columns
    path = tmp_path / "names.csv"
    path.write_text('with space,"a,b",q,y\n1,2,3,4\n2,3,4,6\n3,5,4,7\n')
    x, y, names = read_columns(str(path), None, "y")
    assert names == (None, ["y"]) and x.shape == (3, 3)
    assert any("'a,b' has a name that could not pick it again" in str(w.message) for w in recwarn)



# --- streams, the environment, the file system --------------------------------------------------------------

def run_nnfit(args, cwd, **env):
    """nnfit in a new process (for what a process is started with: its environment, its streams)."""
    import subprocess
    import sys
    full = dict(os.environ, LANG="C.UTF-8", TMPDIR=str(cwd), **env)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "nnfit", *args], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=120)


def test_a_read_error_names_the_file(workdir):
    """A file that opens but cannot be read (/proc/self/mem: EIO), and a socket (ENXIO on open): the
    file named, not the bare reason."""
    import socket
    if os.path.exists("/proc/self/mem"):
        workdir(BASE["train"] + ["--data", "/proc/self/mem"], 1, "/proc/self/mem: cannot read")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(workdir.path / "points.csv"))
        workdir.put("unrelated.txt", "")
        workdir(BASE["fit"] + ["--data", "points.csv"], 1, "points.csv: is not a regular file")
    finally:
        sock.close()


@pytest.mark.parametrize("command", ["train", "fit"])
def test_a_write_that_fails_names_the_file_and_leaves_nothing(workdir, monkeypatch, command):
    """A full disk while the run is written (a write with no file name in its error, as savefig's):
    the file named, and nothing of the run left."""
    import errno
    from nnfit import runs

    def full(path, model):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(runs, "write_history", full)
    quiet = ["--hidden", "1"] if command == "fit" else []  # (no warning about parameters for 10 values)
    workdir(BASE[command] + quiet + ["--out", "r"], 1, os.path.join("r", "history.csv") + ": cannot write: No space left")


def test_stdout_closed_or_full(workdir, model_file, monkeypatch):
    """Started with stdout closed, a command whose result goes there says so (it exited 0 having printed
    nothing); a full stdout (/dev/full) is named."""
    import errno
    import sys
    monkeypatch.setattr(sys, "stdout", None)
    workdir(["predict", model_file, "1"], 1, "standard output is closed: nnfit predict")
    workdir(["explain", "--seed", "0"], 1, "standard output is closed: nnfit explain")

    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self):
            pass

        def isatty(self):  # (uvicorn's logging asks)
            return False
    monkeypatch.setattr(sys, "stdout", Full())
    workdir(["predict", model_file, "1"], 1, "standard output: No space left on device")
    pytest.importorskip("uvicorn")
    workdir(["play", "--no-browser"], 1, "standard output: No space left on device")  # its URL: not the host's fault
    monkeypatch.setattr(sys, "stdout", None)
    workdir(["play", "--no-browser"], 1, "standard output is closed: nnfit play")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_stdout_when_python_buffers_it(tmp_path, model_file):
    """In a user's shell (PYTHONUNBUFFERED unset) short output sits in Python's buffer and meets /dev/full only
    at the last flush: still one line and exit 1, no traceback (it was exit 120), and no run written (helper-59)."""
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG="C.UTF-8", TMPDIR=str(tmp_path))
    for args in (["predict", model_file, "1"], ["--version"], ["train", "--seed", "0", "--no-plot"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "nnfit", *map(str, args)], cwd=tmp_path, env=env, stdout=full,
                                  stderr=subprocess.PIPE, text=True, timeout=120)
        assert (done.returncode, done.stderr) == (1, "nnfit: error: standard output: No space left on device\n"), args
    assert os.listdir(tmp_path) == []


def test_a_source_date_epoch_numpy_cannot_read(tmp_path):
    """SOURCE_DATE_EPOCH='' (build environments set it so): NumPy's f2py, imported by SciPy, failed on it at
    import, so train and fit could not run at all (helper-59)."""
    done = run_nnfit(["train", "--seed", "0", "--epochs", "1", "--no-plot", "--quiet", "--out", "r"], tmp_path,
                     SOURCE_DATE_EPOCH="")  # (train meets it as fit does: Numba's LAPACK imports SciPy's linalg)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert sorted(os.listdir(tmp_path / "r")) == ["history.csv", "model.safetensors"]


def test_explain_says_what_overflowed(workdir):
    """A finite loss whose update overflows float32 is not "the loss became 7.2"."""
    workdir(["explain", "--seed", "0", "--lr", "1e38", "--sample", "1"], 1,
            "the new weights became non-finite (float32 overflowed) at this step with lr 1e+38")


def test_predict_csv_columns_for_a_one_input_model(workdir, tmp_path_factory):
    """--x with two columns for a one-input model says so, header or not; a header naming the model's
    input twice names no --x the user never gave; deep-nested metadata is a model file error."""
    tmp_path = tmp_path_factory.mktemp("models")
    model = tmp_path / "named.safetensors"
    nnfit.fit(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20) ** 2, x_names=["x"], epochs=2, starts=2).save(model)
    workdir.put("nh.csv", "1,2\n3,4\n")
    workdir.put("fb.csv", "foo,bar\n1,2\n")
    workdir.put("dup.csv", "x,x\n0.5,9\n")
    for name in ("nh.csv", "fb.csv"):
        workdir(["predict", model, "--csv", name, "--x", "0,1"], 1, f"{name}: --x names 2 columns, but the model has one input")
    workdir(["predict", model, "--csv", "dup.csv"], 1, "dup.csv: the model's input 'x': columns 0 and 1 of the header both have that name")
    workdir(["train", "--data", "nh.csv", "--x", "0,1"], 1, "nh.csv: --x '0,1': this command takes one column")
    from safetensors.numpy import safe_open, save_file
    with safe_open(str(model), framework="numpy") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    save_file(tensors, str(tmp_path / "deep.safetensors"), metadata=dict(meta, extra="[" * 100_000 + "]" * 100_000))
    for command in (["predict", tmp_path / "deep.safetensors", "1"], ["export", tmp_path / "deep.safetensors", "--to", "python"]):
        workdir(command, 1, "metadata 'extra' is nested too deeply")


def test_predict_an_empty_model_name(workdir):
    workdir(["predict", "", "1"], 1, "the model file name is empty")


def test_a_removed_working_directory(tmp_path, monkeypatch, capsys):
    from nnfit.cli import main
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert main(["train", "--no-plot", "--seed", "0"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["nnfit: error: the current directory no longer exists (it was removed): cd to another one"]


def test_seed_bound_with_many_models_and_cuda_before_the_seed_line(workdir):
    workdir(["train", "--no-plot", "--seed", str(2**63 - 1), "--models", "2"], 2,
            f"--seed must be <= {2**63 - 2} with --models 2")
    import torch
    if not torch.cuda.is_available():  # refused before a seed is drawn and printed: one line
        workdir(["train", "--no-plot", "--device", "cuda", "--engine", "matrix"], 2, "no CUDA GPU")


def test_the_last_lang_wins_and_every_command_takes_it(workdir, capsys):
    from nnfit.cli import main
    workdir(["--lang", "zh", "train", "--lang", "en", "--hidden", "0"], 2, "--hidden must be >= 1")
    assert main(["compare", "--seed", "0", "--epochs", "2", "--lang", "en"]) == 0
    capsys.readouterr()
    workdir(["play", "--lang", "en", "--port", "70000"], 2, "--port must be between 0 and 65535")


def test_environment_that_numba_or_matplotlib_cannot_use(tmp_path):
    """NUMBA_NUM_THREADS=0 (Numba refuses it on import: "internal error, please report" before) and an
    MPLCONFIGDIR that is a file (matplotlib wrote two lines about a temporary cache folder; no home
    directory or a read-only one did the same): one clear line, or none beyond nnfit's own."""
    done = run_nnfit(["train", "--no-plot", "--seed", "0", "--epochs", "1"], tmp_path, NUMBA_NUM_THREADS="0")
    assert done.returncode == 1 and done.stderr.splitlines() == [
        "nnfit: error: NUMBA_NUM_THREADS='0' in the environment is not a number of threads Numba can use: unset it, or set it to 1 or more"]
    (tmp_path / "afile").write_text("")  # and --show's pyplot with no window to be had: silent, as with no screen
    done = run_nnfit(["train", "--seed", "0", "--epochs", "2", "--out", "s", "--show"], tmp_path,
                     MPLCONFIGDIR=str(tmp_path / "afile"), DISPLAY=":99")
    assert done.returncode == 0 and done.stderr.splitlines() == ["wrote s/: model.safetensors, history.csv, fit.png, loss.png"]
    assert os.path.isdir(tmp_path / f"nnfit-matplotlib-{os.getuid()}")


def test_memory_refusal_names_the_inputs():
    x = np.random.default_rng(0).normal(size=(25, 1000))
    with pytest.raises(nnfit.ConfigError, match="^hidden 5 with 1000 inputs, 16 starts and 25 points needs about .* use "
                                                "(--optimizer lbfgs, )?fewer inputs"):  # (lbfgs where one start fits: helper-72)
        nnfit.fit(x, np.arange(25.0), seed=0)
    wide = np.random.default_rng(0).normal(size=(25, 2000))  # (where one start alone does not fit either)
    with pytest.raises(nnfit.ConfigError, match="^hidden 30 with 2000 inputs, 16 starts and 25 points needs about .* use "
                                                "fewer inputs"):
        nnfit.fit(wide, np.arange(25.0), seed=0, hidden=30)


# An adversarial round's classes (helper-36): values the validators took but did not store, scales below
# the smallest spread, warnings that are not nnfit's, links that lead nowhere, streams that are full.

NUMPY_KINDS = [np.int64, np.int32, np.uint16, np.float32, np.float16, np.longdouble]


@pytest.mark.parametrize("kind", NUMPY_KINDS, ids=lambda k: k.__name__)
def test_api_fit_numpy_numbers_and_fractions_are_stored_plain_and_saved(tmp_path, kind):
    """A NumPy scalar or a Fraction for every number option (as GridSearchCV over np.arange gives):
    the fit stores Python ints and floats, so model.save writes JSON; no NumPy warning on the way."""
    import fractions
    import warnings
    whole = (lambda v: kind(v)) if np.issubdtype(kind, np.integer) else int
    real = (lambda v: kind(v)) if np.issubdtype(kind, np.floating) else (lambda v: fractions.Fraction(v).limit_denominator(1000))
    x = np.linspace(-3, 3, 25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = nnfit.fit(x, np.sin(x), hidden=whole(3), starts=whole(2), epochs=whole(5), seed=whole(1), patience=whole(3),
                      lr=real(0.01), goal=real(1e-3), val_fraction=real(0.125), mu=real(0.001), optimizer="lm")
    m.save(tmp_path / "m.safetensors")
    back = nnfit.load(tmp_path / "m.safetensors")
    assert np.allclose(back.predict(x), m.predict(x), rtol=0, atol=1e-6)


@pytest.mark.parametrize("value, piece", [(np.longdouble("1e4000"), "longdouble"), (10**400, "1.00000e+400"),
                                          (-10**400, "-1.00000e+400"), (np.float32(np.inf), "inf")])
def test_api_numbers_past_float_are_config_errors_shown_short(value, piece):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(nnfit.ConfigError) as e:
            nnfit.fit(np.arange(25.0), np.arange(25.0), lr=value, seed=0)
    assert piece in str(e.value) and len(str(e.value)) < 120, str(e.value)


@pytest.mark.parametrize("text, piece", [("1e-400", "1e-400 is too small for a float"),
                                         ("-2.5e-999", "-2.5e-999 is too small"),
                                         ("1e400", "1e400 is too large for a float")])
@pytest.mark.parametrize("command", ["train", "fit"])
def test_a_typed_number_past_float_is_named_as_typed(workdir, command, text, piece):
    workdir(BASE[command] + [f"--lr={text}"], 2, piece)


TINY = {  # (x, y) whose one column varies by less than data.MIN_SPREAD
    "y 1e-200": (np.arange(30.0), np.arange(30.0) * 1e-200),
    "x 1e-200": (np.arange(30.0) * 1e-200, np.arange(30.0)),
    "y denormal": (np.arange(30.0), np.arange(30.0) * 5e-324),
}


@pytest.mark.parametrize("name", TINY)
@pytest.mark.parametrize("command", ["train", "fit"])
def test_a_column_below_the_smallest_spread_is_refused(workdir, command, name):
    x, y = TINY[name]
    workdir.put("tiny.csv", "x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, y)))
    column = name.split()[0]
    line = workdir(BASE[command] + ["--data", "tiny.csv"], 1, f"tiny.csv, column '{column}'", "rescale the column")
    assert "1e-150" in line


@pytest.mark.parametrize("name", TINY)
def test_api_a_column_below_the_smallest_spread_is_a_data_error(name):
    x, y = TINY[name]
    for call in (lambda: nnfit.fit(x, y, seed=0), lambda: nnfit.train(x, y, seed=0),
                 lambda: nnfit.fit(np.c_[np.arange(30.0), x], y, seed=0)):
        with pytest.raises(DataError, match="the smallest spread nnfit works with"):
            call()


@pytest.mark.parametrize("scale", [2.0 ** -465, 2.0 ** -332, 2.0 ** -30, 1e-140, 1e-100, 1e-9])
def test_small_but_legal_scales_fit_as_their_rescaled_selves(scale):
    """Just above the smallest spread, a fit in those units is the fit of the same data in units of 1. A
    power of two scales every number exactly, so the two fits are the same to round-off; a decimal scale
    rounds x and y, and these fits stop at 100 epochs unconverged, so the last digits grow to 1e-7-1e-6
    (past 1e-6 on another machine's digits, or with data moved by 1e-15: helper-75), far below an error
    of the scaling's."""
    x = np.linspace(0, 3, 30)
    y = np.sin(x)
    big = nnfit.fit(x, y, seed=0, starts=4, epochs=100)
    small = nnfit.fit(x * scale, y * scale, seed=0, starts=4, epochs=100)
    exact = math.frexp(scale)[0] == 0.5
    assert np.allclose(small.predict(x * scale) / scale, big.predict(x), rtol=0, atol=1e-12 if exact else 1e-4)


def test_integers_past_2_53_are_read_with_a_warning(workdir, capsys):
    from nnfit.cli import main
    workdir.put("big.csv", "x,y\n" + "".join(f"{2**60 + i},{i % 3}\n" for i in range(25)))
    assert main(BASE["train"] + ["--data", "big.csv", "--out", "r", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "big.csv, line 3, column 'x': the integer 1152921504606846977 is beyond 2**53" in err
    assert "24 such cells" in err


def test_a_long_header_is_not_listed_whole(workdir):
    header = ",".join(f"col{i}" for i in range(2000))
    workdir.put("wide.csv", header + "\n" + ",".join("1" for _ in range(2000)) + "\n" + ",".join("2" for _ in range(2000)) + "\n")
    line = workdir(["fit", "--data", "wide.csv", "--y", "col20000", "--no-plot"], 1, "2000 columns, among them", "'col200'")
    assert len(line) < 300


def test_matplotlibs_warnings_are_not_shown_as_nnfits(workdir, capsys):
    """A constant y of 1e100: matplotlib warns of identical y limits (pointing into nnfit's frames);
    that is not for the user, while nnfit's own DataWarnings still are."""
    from nnfit.cli import main
    workdir.put("c.csv", "x,y\n" + "".join(f"{i},1e100\n" for i in range(5)))
    assert main(["train", "--data", "c.csv", "--dtype", "float64", "--animate", "--epochs", "3", "--seed", "0",
                 "--out", "r1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    workdir.put("w.csv", "x,y\n1e9,1\n1000000001,2\n1000000002,1\n")
    assert main(BASE["train"] + ["--data", "w.csv", "--out", "r2", "--quiet"]) == 0
    assert "nnfit: warning: x values 1000000000.0 and 1000000001.0 are the same number in float32" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["dangling", "loop"])
@pytest.mark.parametrize("command", ["train", "fit"])
def test_out_below_a_link_that_leads_nowhere_fails_before_training(workdir, command, kind):
    link = workdir.path / "link"
    if kind == "dangling":
        os.symlink(workdir.path / "nowhere" / "x", link)
    else:
        os.symlink(workdir.path / "link2", link)
        os.symlink(link, workdir.path / "link2")
    workdir.put("keep", "")  # (the links are part of the state the failure must leave)
    workdir(BASE[command] + ["--epochs", "100000000" if command == "train" else "3", "--out", "link/sub"], 1,
            "is a symbolic link that leads nowhere")


def test_api_save_onto_a_loop_of_links_keeps_the_links(tmp_path):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    with pytest.raises(nnfit.ModelFileError, match="a loop of symbolic links"):
        nnfit.train(seed=0, epochs=1).save(tmp_path / "a")
    assert os.path.islink(tmp_path / "a") and os.path.islink(tmp_path / "b")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["fit", "--help"], ["--lang", "zh", "--help"]])
def test_help_and_version_to_a_full_stdout_fail(monkeypatch, capsys, argv):
    import errno
    import io
    import sys
    from nnfit.cli import main

    class Full(io.TextIOBase):
        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(sys, "stdout", Full())
    assert main(argv) == 1
    assert "standard output: No space left on device" in capsys.readouterr().err or argv[0] == "--lang"


@pytest.mark.parametrize("lead", [["--lang", "zh", "--lang", "en"], ["--lang=zh", "--lang", "en"],
                                  ["--lang", "en", "--lang=en", "--lang", "en"]])
def test_repeated_leading_lang_options(workdir, capsys, lead):
    from nnfit.cli import main
    assert main(lead + ["--version"]) == 0
    assert capsys.readouterr().out.startswith("nnfit ")
    workdir(lead + ["predict", "no_such_model", "nan"], 1, "no_such_model: no such file")  # English: the last one


def test_api_fit_names_of_a_wrong_type_are_config_errors():
    x = np.arange(30.0)
    for names in (5, [None], 3.5):
        with pytest.raises(nnfit.ConfigError, match="x_names must be a list of names"):
            nnfit.fit(x, x, x_names=names, seed=0)
    assert nnfit.fit(x, x, x_names=(n for n in ["t"]), seed=0, epochs=3, starts=2).x_names == ["t"]


def test_fits_in_threads_restore_blas_threads():
    """Several nnfit.fit at once in threads (joblib's threading backend): the BLAS thread counts are
    the caller's again after all of them, not the 1 a fit runs with."""
    import threading
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def counts():
        return sorted(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
    x = np.linspace(-3, 3, 100)
    nnfit.fit(x, np.sin(x), seed=0, epochs=2, starts=2)  # every BLAS the fit loads is loaded now
    before = counts()
    for _ in range(3):
        threads = [threading.Thread(target=nnfit.fit, args=(x, np.sin(x)), kwargs={"seed": s, "progress": False, "epochs": 20})
                   for s in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert counts() == before


def test_the_first_fit_in_a_process_runs_every_blas_on_one_thread(tmp_path):
    """In a new process (as every `nnfit fit` is) SciPy's OpenBLAS was loaded inside the first fit, after the
    limit of one BLAS thread was set, so its second thread spun against a busy core: hidden 60 at 200 points
    took 10.3 s of CPU against 1.5 s. Every BLAS the fit uses is on one thread from its first epoch."""
    import subprocess
    import sys
    pytest.importorskip("threadpoolctl")
    code = """if True:
        import numpy as np, nnfit, threadpoolctl
        from nnfit.fit import lm
        seen, step = [], lm.LevenbergMarquardt.step
        def counted(self, active):
            seen.append(sorted((i["filepath"], i["num_threads"]) for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"))
            return step(self, active)
        lm.LevenbergMarquardt.step = counted
        x = np.linspace(-1, 1, 40)
        nnfit.fit(x, np.sin(3 * x), hidden=3, starts=2, epochs=3, seed=0)
        after = [p for p, _ in seen[-1]]
        print(max(n for row in seen for _, n in row), len(after), sorted(set(after) - set(p for p, _ in seen[0])))
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")  # (two threads when not limited)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    most, libraries, loaded_later = done.stdout.split(" ", 2)
    assert (most, loaded_later.strip()) == ("1", "[]") and int(libraries) >= 1, done.stdout + done.stderr


def test_a_fit_in_another_thread_than_the_first_is_the_same_fit(tmp_path):
    """threadpoolctl 3.8 lets only the first thread that set OpenBLAS's thread count change it again, and other
    threads' settings silently do nothing: a fit in a worker thread (joblib's threading backend, a web server)
    after one in the main thread ran BLAS on two threads, and its numbers differed by 3e-11 on 200 rows of 10
    inputs. Each fit takes the control and gives it back: one BLAS thread in every thread, the same numbers, and
    the caller's thread counts after. (A new process, so that the counts start at two.)"""
    import subprocess
    import sys
    pytest.importorskip("threadpoolctl")
    code = """if True:
        import numpy as np, nnfit, threadpoolctl
        from concurrent.futures import ThreadPoolExecutor
        from nnfit.fit import lm
        seen, step = [], lm.LevenbergMarquardt.step
        def counted(self, active):
            seen.append(max(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"))
            return step(self, active)
        lm.LevenbergMarquardt.step = counted
        x = np.random.default_rng(0).uniform(0, 1, (200, 10))
        y = 10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + 10 * x[:, 3] + 5 * x[:, 4]
        fit = lambda: nnfit.fit(x, y, hidden=6, starts=4, epochs=30, seed=0, progress=False).predict(x)
        main = fit()
        with ThreadPoolExecutor(1) as pool:
            other = pool.submit(fit).result()
            after = pool.submit(lambda: [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]).result()
        now = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        print(max(seen), float(np.abs(main - other).max()), min(after + now))
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")  # (two threads when not limited)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1", "0.0", "2"], done.stdout + done.stderr


def test_a_callers_own_thread_limit_in_another_thread_is_left_alone(tmp_path):
    """A threadpool_limits block in another thread that ends while a fit runs: the fit must not take the control
    from it, nor restore the block's temporary count afterwards (helper-74: the counts stayed at 1 for good)."""
    import subprocess
    import sys
    pytest.importorskip("threadpoolctl")
    code = """if True:
        import threading, numpy as np, nnfit, scipy.linalg  # (both OpenBLAS libraries loaded before counting)
        from threadpoolctl import threadpool_info, threadpool_limits
        blas = lambda: [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        x = np.random.default_rng(2).random((300, 4)); y = np.sin(x.sum(axis=1))
        start, entered, leave = blas(), threading.Event(), threading.Event()
        def holder():
            with threadpool_limits(limits=1):
                entered.set(); leave.wait()
        t = threading.Thread(target=holder); t.start(); entered.wait()
        import nnfit.fit.lm as lm
        step = lm.LevenbergMarquardt.step
        def ending(self, active):  # the block ends during the fit's first epoch
            leave.set(); t.join(); return step(self, active)
        lm.LevenbergMarquardt.step = ending
        nnfit.fit(x, y, seed=0, hidden=3, starts=2, epochs=3, progress=False)
        print(start == blas() == [2] * len(start))
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True"], done.stdout + done.stderr


def test_nnfits_errors_survive_pickling():
    """joblib sends a worker's exception back pickled (GridSearchCV with n_jobs): each error class and its fields."""
    import pickle
    from nnfit.data import DataTypeError
    from nnfit.runs import RunDirError
    for error in (nnfit.ConfigError("hidden", "must be >= 1, got 0"), DataError("x[3] is nan"), DataTypeError("a dict"),
                  nnfit.ModelFileError("m: truncated"), nnfit.TrainingDiverged("epoch 3"), RunDirError("r: exists")):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and vars(back) == vars(error)


# A second adversarial round (helper-38, ~4950 cases): what it found, by class.

def edited_copy(src, dst, change):
    """A copy of model file src with its metadata changed by change(meta) (a dict of JSON strings)."""
    from safetensors.numpy import safe_open, save_file
    with safe_open(src, "numpy") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    change(meta)
    save_file(tensors, dst, metadata=meta)
    return str(dst)


def set_field(key, *path, value):
    def change(meta):
        import json
        if not path:
            meta[key] = value
            return
        d = json.loads(meta[key])
        inner = d
        for p in path[:-1]:
            inner = inner[p]
        inner[path[-1]] = "HUGE"
        meta[key] = json.dumps(d).replace('"HUGE"', value)
    return change


@pytest.mark.parametrize("key, path", [("config", ("hidden",)), ("config", ("seed",)), ("scaling", ("x_scale",)),
                                       ("x_range", (0,)), ("history", (0,)), ("final_loss", ())])
def test_a_model_file_with_an_integer_past_float_is_refused(workdir, tmp_path_factory, key, path):
    tmp_path = tmp_path_factory.mktemp("models")  # (not the workdir, which nothing may change)
    src = tmp_path / "fit.safetensors"
    nnfit.fit(seed=0, epochs=3, starts=2).save(src)
    for digits in (401, 5000):  # (5000: past Python's int() limit of 4300 digits, which said "not valid JSON")
        bad = edited_copy(src, tmp_path / "bad.safetensors", set_field(key, *path, value="1" + "0" * (digits - 1)))
        with pytest.raises(nnfit.ModelFileError, match=f"too large for a float: {digits} digits"):
            nnfit.load(bad)
        workdir(["predict", bad, "0.5"], 1, f"metadata {key!r} holds an integer too large for a float")


def test_a_model_file_with_a_nan_final_loss_is_refused(tmp_path):
    src = tmp_path / "m.safetensors"
    nnfit.train(seed=0, epochs=1).save(src)
    with pytest.raises(nnfit.ModelFileError, match="'final_loss' must be a finite number, got nan"):
        nnfit.load(edited_copy(src, tmp_path / "bad.safetensors", set_field("final_loss", value="NaN")))


@pytest.mark.parametrize("text, value", [("9007199254740993e0", 9007199254740993), ("1e3", 1000), ("+2E2", 200),
                                         (".5e1", 5), ("12345678901234567890", 12345678901234567890)])
def test_counts_in_exponent_notation_are_exact(text, value):
    from nnfit.cli import integer
    assert integer(text) == value


@pytest.mark.parametrize("text", ["12345678901234567891e-2", "1.00000000000000001e1", "1.5", "1e-400", "1e-500", "nan", "inf"])
def test_counts_that_are_not_exact_integers_are_refused(workdir, text):
    workdir(BASE["train"] + ["--seed", text], 2, "--seed", "must be an integer", text)


@pytest.mark.parametrize("text, words", [("1e500", "is too large"), ("1e99999999999999", "is too large"),
                                         ("+2.5E401", "is too large"), ("-1e500", "is too small")])
def test_counts_with_an_exponent_past_400_are_too_large_not_fractions(workdir, text, words):
    """Such an exponent is never computed (1e99999999999999 would not fit in memory); the message says what
    is wrong with the number instead of calling it no integer. 0e999 is 0."""
    from nnfit.cli import integer
    workdir(BASE["train"] + ["--epochs", text], 2, "--epochs", words, text)
    assert integer("0e999") == 0


def test_predict_csv_refuses_to_read_the_models_output_as_its_input(workdir, tmp_path_factory, capsys):
    """A one-input model whose input column is not in the file's header reads the first column, unless that
    column is the model's own output (a file of its training table without x): an error naming both."""
    from nnfit.cli import main
    elsewhere = tmp_path_factory.mktemp("model")  # (not the workdir, which nothing may change)
    (elsewhere / "table.csv").write_text("a,q\n0,1\n1,2\n2,3\n3,2\n")
    assert main(BASE["train"] + ["--data", str(elsewhere / "table.csv"), "--x", "a", "--y", "q", "--out",
                                 str(elsewhere / "m"), "--quiet"]) == 0
    capsys.readouterr()
    workdir.put("swapped.csv", "q,z\n0.5,1\n")
    model = str(elsewhere / "m" / "model.safetensors")
    workdir(["predict", model, "--csv", "swapped.csv"], 1, "swapped.csv", "no column 'a'", "first column, 'q', is the model's output")
    assert main(["predict", model, "--csv", "swapped.csv", "--x", "z"]) == 0 and capsys.readouterr().out.startswith("1.0,")


def test_a_train_model_reads_its_own_column_back(workdir, capsys):
    """train --x b --y q keeps the names, so predict --csv on the same table reads b (not the first column)."""
    from nnfit.cli import main
    workdir.put("table.csv", "a,b,q\n0,5,1\n1,6,2\n2,7,3\n3,8,2\n")
    assert main(BASE["train"] + ["--data", "table.csv", "--x", "b", "--y", "q", "--out", "h", "--quiet"]) == 0
    assert nnfit.load(workdir.path / "h" / "model.safetensors").x_names == ["b"]
    capsys.readouterr()
    assert main(["predict", str(workdir.path / "h" / "model.safetensors"), "--csv", "table.csv"]) == 0
    by_csv = capsys.readouterr().out
    assert main(["predict", str(workdir.path / "h" / "model.safetensors"), "5", "6", "7", "8"]) == 0
    assert capsys.readouterr().out == by_csv


def test_predict_warns_of_an_x_argument_past_2_53(workdir, model_file, capsys):
    from nnfit.cli import main
    assert main(["predict", model_file, "9007199254740993", "1", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "X 9007199254740993 is an integer beyond 2**53" in err and "read as 9007199254740992" in err
    for text in ("9007199254740993e0", "900719925474099.3e1"):  # the same integer, written otherwise
        assert main(["predict", model_file, text, "--lang", "en"]) == 0
        assert f"X {text} is an integer beyond 2**53" in capsys.readouterr().err
    assert main(["predict", model_file, "9007199254740992", "1e20", "--lang", "en"]) == 0  # exact: no warning
    assert "2**53" not in capsys.readouterr().err
    workdir(["predict", model_file, "1e400"], 2, "X 1e400 is too large for a float")


def test_numpy_bools_are_bools(tmp_path):
    m = nnfit.train(seed=0, epochs=2, shuffle=np.bool_(True), keep_grads=np.False_)
    assert m.config.shuffle is True and m.config.keep_grads is False
    m.save(tmp_path / "m.safetensors")
    for bad in (1, "True", None):
        with pytest.raises(nnfit.ConfigError, match="must be True or False"):
            nnfit.train(seed=0, epochs=1, shuffle=bad)


def test_help_and_version_to_a_closed_stdout_fail(monkeypatch, capsys):
    import sys
    from nnfit.cli import main
    monkeypatch.setattr(sys, "stdout", None)
    for argv, said in ((["--version"], "nnfit --version"), (["--help"], "nnfit --help")):
        assert main(argv) == 1
        assert f"standard output is closed: {said} prints its result there" in capsys.readouterr().err


@pytest.mark.parametrize("lead", [["--la", "en"], ["--lan=en"], ["--la", "zh", "--lan", "en"]])
def test_an_abbreviated_leading_lang(workdir, capsys, lead):
    from nnfit.cli import main
    assert main(lead + ["--version"]) == 0
    capsys.readouterr()
    workdir(lead + ["predict", "no_such_model", "1"], 1, "no_such_model: no such file")


def test_return_std_of_a_scalar_is_a_scalar():
    x = np.linspace(-3, 3, 40)
    model = nnfit.fit(x, np.sin(x), seed=0, starts=2, epochs=20)
    mean, std = model.predict(0.5, return_std=True)
    assert np.ndim(mean) == np.ndim(std) == 0 and type(mean) is type(std)


def test_a_full_stderr_does_not_fail_a_written_run(workdir, monkeypatch):
    import errno
    import io
    import sys
    from nnfit.cli import main

    class Full(io.TextIOBase):
        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(sys, "stderr", Full())
    assert main(["train", "--epochs", "2", "--no-plot", "--out", "r"]) == 0  # (the drawn seed's line is lost)
    assert (workdir.path / "r" / "model.safetensors").exists()


def test_a_tensor_that_requires_grad_is_a_data_error():
    torch = pytest.importorskip("torch")
    x = torch.linspace(0, 1, 30, requires_grad=True)
    with pytest.raises(DataError, match="detach"):
        nnfit.fit(x, np.arange(30.0))
    with pytest.raises(DataError, match="detach"):
        nnfit.train(seed=0, epochs=1).predict(x)


def test_a_nan_final_loss_written_as_a_string_is_refused(tmp_path):
    src = tmp_path / "m.safetensors"
    nnfit.train(seed=0, epochs=1).save(src)
    with pytest.raises(nnfit.ModelFileError, match="'final_loss' must be a finite number, got nan"):
        nnfit.load(edited_copy(src, tmp_path / "bad.safetensors", set_field("final_loss", value='"NaN"')))


@pytest.mark.parametrize("command", ["train", "fit"])
def test_a_csv_cell_that_underflows_is_refused_as_typed(workdir, command):
    workdir.put("u.csv", "x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(25)) + "1e-400,1\n")
    workdir(BASE[command] + ["--data", "u.csv"], 1, "u.csv, line 27, column 'x'", "'1e-400' is too small for a number")


def test_whole_fractions_are_counts():
    import fractions
    x = np.linspace(0, 1, 30)
    assert nnfit.fit(x, x, hidden=fractions.Fraction(3), starts=fractions.Fraction(4, 2), epochs=3, seed=0).config.hidden == 3
    with pytest.raises(nnfit.ConfigError, match="hidden must be an integer"):
        nnfit.fit(x, x, hidden=fractions.Fraction(3, 2))


def test_a_signal_lost_inside_a_callback_still_removes_the_run(workdir, monkeypatch):
    """A signal whose exception something swallowed (matplotlib's garbage-collection callback) was noted by
    the handler: it is raised again before the run's directory takes its name."""
    from nnfit import cli
    import signal
    real = cli.write_run

    def swallowed(*args, **kw):
        try:
            cli.on_sigterm(signal.SIGHUP, None)
        except cli.Terminated:
            pass  # as Python's unraisable hook would
        return real(*args, **kw)
    monkeypatch.setattr(cli, "write_run", swallowed)
    workdir(BASE["train"] + ["--out", "r"], 128 + signal.SIGHUP, "terminated by SIGHUP")


def test_a_ctrl_c_lost_inside_a_callback_still_removes_the_run(workdir, monkeypatch):
    """Helper-52: Ctrl-C 1.1 s into `nnfit fit` on 5000 points landed while the plots were drawn, where a
    callback swallowed the KeyboardInterrupt, and the run was written with status 0. The CLI's own
    SIGINT handler notes it, and it is raised again before the run's directory takes its name."""
    from nnfit import cli
    import signal
    real = cli.write_run

    def swallowed(*args, **kw):
        try:
            cli.on_sigint(signal.SIGINT, None)
        except KeyboardInterrupt:
            pass  # as Python's unraisable hook would
        return real(*args, **kw)
    monkeypatch.setattr(cli, "write_run", swallowed)
    workdir(BASE["train"] + ["--out", "r"], 130, "interrupted")


def test_a_signal_lost_while_the_animation_is_drawn_ends_it_at_that_frame(workdir, monkeypatch):
    """Helper-52: SIGTERM while train.gif was drawn was acted on only when all its frames were (15 s
    later). The frames' loop checks for a noted signal after each frame."""
    from nnfit import cli, plot
    import signal
    real, drawn = plot.neuron_terms, []

    def swallowing(*args, **kw):
        drawn.append(1)
        if len(drawn) == 54:  # (1 for the figure, 50 for the y limits, then one a frame: the third frame)
            try:
                cli.on_sigterm(signal.SIGTERM, None)
            except cli.Terminated:
                pass  # as a callback inside matplotlib would
        return real(*args, **kw)
    monkeypatch.setattr(plot, "neuron_terms", swallowing)
    workdir(["train", "--seed", "0", "--epochs", "50", "--animate", "--out", "r"], 143, "terminated")
    assert len(drawn) == 54  # not 101: no frame drawn after it


def test_data_warnings_point_at_the_callers_line(tmp_path):
    """A DataWarning from deep inside nnfit (the fit kept the constant, float32 x values that coincide, CSV
    integers past 2**53) names the caller's file and line, not nnfit's (warn_data)."""
    import warnings
    from nnfit.data import DataWarning, read_csv
    (tmp_path / "big.csv").write_text("x,y\n9007199254740993,1\n9007199254740995,2\n9007199254740999,3\n")
    calls = [lambda: nnfit.fit(np.linspace(0, 1, 30), np.zeros(30) + np.arange(30) % 2, optimizer="sgd", lr=1e-9,
                               epochs=1, seed=0, scale="none"),
             lambda: nnfit.train(x=np.array([1e9, 1e9 + 1, 2e9]), y=np.array([0.0, 1.0, 2.0]), seed=0, epochs=1),
             lambda: read_csv(str(tmp_path / "big.csv"))]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        ours = [w for w in caught if issubclass(w.category, DataWarning)]
        assert ours and all(w.filename == __file__ for w in ours), [(w.filename, str(w.message)[:60]) for w in caught]


def test_compare_refuses_hours_of_work_before_the_seed_line(workdir):
    """compare runs the torch engines one sample at a time, twice: --epochs 1e6 would take hours and 5000
    points at the default 50 epochs took 2.5 minutes. Refused at once (before a drawn seed is printed),
    with the numbers; the default run is far below the limit."""
    from nnfit.compare import WORK
    workdir(["compare", "--epochs", "1000000"], 2, "1000000 epochs x 10 points x 5 neurons (at least 5 counted) is "
            "50,000,000", f"more than its {WORK:,}")
    workdir(["compare", "--epochs", "6000", "--hidden", "1"], 2, "6000 epochs x 10 points x 5 neurons (at least 5 counted)")
    workdir(["compare", "--hidden", "10000", "--epochs", "10"], 2, "10 epochs x 10 points x 10000 neurons")
    assert 50 * 10 * 5 * 50 < WORK


def test_what_a_chinese_input_method_or_excel_makes_gets_a_hint(cli, tmp_path):
    """A CSV that Excel saved as GBK, full-width commas and digits (a Chinese input method): each error says what
    to do (helper-54)."""
    (tmp_path / "gbk.csv").write_bytes("时间,值\n1,2\n3,4\n5,6\n".encode("gbk"))
    (tmp_path / "latin.csv").write_bytes(b"x,y\n1,2\n3,\xff\n")
    (tmp_path / "comma.csv").write_text("x,y\n1,2\n3，4\n", encoding="utf-8")
    (tmp_path / "commas.csv").write_text("x，y\n1，2\n3，4\n", encoding="utf-8")
    (tmp_path / "digit.csv").write_text("x,y\n1,2\n３,4\n", encoding="utf-8")
    (tmp_path / "first.csv").write_text("３，４\n2,3\n5,6\n", encoding="utf-8")  # (no header: line 1 too, helper-92)
    cases = [(("fit", "--data", tmp_path / "first.csv"), 1, "line 1: the first row has 1 column, and every row needs two "
                                                              "(x, y) (full-width characters: did you mean '3,4'?)"),
             (("fit", "--data", tmp_path / "latin.csv"), 1, "(bad byte b'\\xff'); save it as UTF-8"),
             (("fit", "--data", tmp_path / "comma.csv"), 1, "has 1 column, but line 1 has 2 (full-width characters: "
                                                              "did you mean '3,4'?)"),
             (("fit", "--data", tmp_path / "commas.csv"), 1, "seems to separate them by full-width commas '，'"),
             (("fit", "--data", tmp_path / "digit.csv"), 1, "not a number: '３' (full-width characters: did you mean '3'?)"),
             (("train", "--epochs", "５"), 2, "must be an integer, got '５' (full-width characters: did you mean '5'?)"),
             (("train", "--lr", "０.１"), 2, "must be a number, got '０.１' (full-width characters: did you mean '0.1'?)"),
             (("fit", "--data", tmp_path / "comma.csv", "--x", "ｘ"), 1,  # (helper-61: columns too)
              "--x 'ｘ': no such column; the header has 'x', 'y' (full-width characters: did you mean 'x'?)"),
             (("train", "--data", tmp_path / "digit.csv", "--x", "０"), 1, "(full-width characters: did you mean '0'?)"),
             (("fit", "--data", tmp_path / "comma.csv", "--x", "ｚ"), 1, "--x 'ｚ': no such column; the header has 'x', 'y'\n")]
    for argv, status, message in cases:
        code, out, err = cli(*argv, "--no-plot")
        assert (code, out) == (status, ""), (argv, err)
        assert err.count("\n") == 1 and message in err, (argv, err)
    # a GBK file (GB2312 text) is read as GBK, as the live page reads it, and said so (helper-88: it was refused)
    code, out, err = cli("train", "--data", tmp_path / "gbk.csv", "--epochs", "2", "--no-plot", "--seed", "0")
    assert code == 0 and "nnfit: warning: " + str(tmp_path / "gbk.csv") + " is not UTF-8: it was read as GBK" in err, err
    with pytest.warns(nnfit.DataWarning, match="read as GBK"):
        assert read_csv(tmp_path / "gbk.csv", names=True)[2] == ("时间", "值")
    (tmp_path / "big5.csv").write_bytes("時間,值\n1,2\n3,4\n".encode("big5"))  # not GB2312 text: refused, as before
    code, out, err = cli("fit", "--data", tmp_path / "big5.csv", "--no-plot")
    assert code == 1 and "not a UTF-8 text file" in err, err
    model = tmp_path / "m.safetensors"
    nnfit.train(seed=0, epochs=1).save(model)
    code, out, err = cli("predict", model, "１.５")
    assert code == 2 and "(full-width characters: did you mean '1.5'?)" in err, err
    assert cli("predict", model, "１，２") == (2, "", "nnfit: error: X must be one number (the model has one input; give each "
                                                    "point as its own argument: 1 2 3), got '１，２'\n")  # ('1,2' fails too)
    two = tmp_path / "two.safetensors"
    nnfit.fit([[0, 1], [1, 0], [1, 1], [0, 0], [2, 1]], [1, 2, 3, 4, 5], hidden=1, starts=2, seed=0).save(two)
    code, out, err = cli("predict", two, "１，２")
    assert code == 2 and err.endswith("got '１，２' (full-width characters: did you mean '1,2'?)\n"), err


def test_helper_59_findings(workdir, model_file, monkeypatch, capsys):
    """'-' as an X value is a value, not the model; control characters in a file name are escaped (an ESC [2J
    would clear the terminal), in errors and in the lines that say where a run went; a link that leads nowhere
    is named as one; a '# comment' first line is named; a run that another run with the same --out finished
    first is "already exists", as it is when it is there before."""
    import errno
    from nnfit import runs
    workdir(["predict", model_file, "1", "-"], 2, "X must be a number, got '-'")
    workdir(["predict", "no\x1b[2Jpe", "1"], 1, "no\\x1b[2Jpe: no such file")
    workdir(["train", "--data", "a\x9b.csv"], 1, "a\\x9b.csv: no such file")
    os.symlink("nowhere", workdir.path / "dl")
    os.symlink("nowhere", workdir.path / "dl.c")
    workdir.put("unrelated", "")  # (the links are part of the state a failure leaves as it is)
    workdir(["train", "--out", "dl"], 1, "dl: already exists, as a symbolic link that leads nowhere (-> nowhere)")
    workdir(["export", model_file, "--to", "c", "-o", "dl.c"], 1, "dl.c: already exists, as a symbolic link that leads nowhere")
    workdir.put("c.csv", "# my data\n1,2\n2,3\n")
    workdir(["fit", "--data", "c.csv"], 1, "(line 1 is '# my data': nnfit reads no comment lines; remove it)")
    workdir.put("index.csv", "#,x,y\n1,1,2\n2,2,3\n3,3,5\n")  # a header whose first column is named '#' (helper-62)
    assert "comment" not in workdir(["fit", "--data", "index.csv"], 1, "has 3 columns; choose them with --x and --y")
    real_rename = os.rename

    def taken(src, dst):
        if os.path.basename(dst) == "same":
            raise OSError(errno.ENOTEMPTY, os.strerror(errno.ENOTEMPTY), dst)
        return real_rename(src, dst)
    with monkeypatch.context() as m:  # (not monkeypatch.undo(): that would undo workdir's chdir too)
        m.setattr(runs.os, "rename", taken)
        workdir(["train", "--seed", "0", "--epochs", "1", "--no-plot", "--out", "same"], 1,
                "same: already exists; nnfit never overwrites a run")
    from nnfit.cli import main
    assert main(["train", "--seed", "0", "--epochs", "1", "--no-plot", "--out", "new\nrun\x07"]) == 0
    assert capsys.readouterr().err == "wrote new\\nrun\\x07/: model.safetensors, history.csv\n"


def test_helper_67_findings(cli, tmp_path):
    """A second --x or --y was dropped without a word (argparse keeps the last); a list of columns joined by a Chinese
    input method's commas got no hint; predict's messages for a point of several numbers; --mu-max below --mu named
    --mu; an empty name in a list was echoed without its spaces."""
    (tmp_path / "t.csv").write_text("年龄,体重,血压,风险\n1,2,3,4\n2,3,4,5\n3,4,5,7\n4,5,6,8\n5,6,8,9\n", encoding="utf-8")
    cases = [
        (["fit", "--data", "t.csv", "--x", "年龄", "--x", "体重"], 2,
         "--x is given twice ('年龄' and '体重'): several columns are one list, --x 年龄,体重"),
        (["fit", "--data", "t.csv", "--x=年龄", "--y", "风险", "--y", "血压"], 2, "--y is given twice"),
        (["train", "--data", "t.csv", "--x", "年龄", "--x", "体重"], 2, "--x is given twice ('年龄' and '体重'); it takes one column"),
        (["fit", "--data", "t.csv", "--x", "年龄，体重、血压", "--y", "风险"], 1,
         "(full-width characters: did you mean '年龄,体重,血压'?)"),
        (["fit", "--data", "t.csv", "--x", "年龄，体重x", "--y", "风险"], 1, "no such column; the header has"),
        (["fit", "--data", "t.csv", "--mu-max", "1e-5"], 2, "--mu-max must be at least --mu (0.001), got 1e-05"),
        (["fit", "--data", "t.csv", "--x", "年龄, ,体重"], 1, "--x '年龄, ,体重' has an empty column name"),
    ]
    for argv, status, piece in cases:
        code, _out, err = cli(*argv)
        assert code == status and piece in err and len(err.splitlines()) == 1, (argv, err)
    assert cli("fit", "--data", "t.csv", "--x", "年龄,体重,血压", "--y", "风险", "--out", "m", "--no-plot", "--quiet")[0] == 0
    model = str(tmp_path / "m" / "model.safetensors")
    one = nnfit.fit(seed=0, hidden=2, starts=2)
    one.save(tmp_path / "one.safetensors")
    cases = [
        (["predict", model, "--csv", "t.csv", "--x", "年龄，体重，血压"], 1,
         "--x names 1 column, but the model has 3 inputs (full-width characters: did you mean '年龄,体重,血压'?)"),
        (["predict", model, "0.1,,0.3"], 2, "X '0.1,,0.3': its number 2 of 3, '', is not a number"),
        (["predict", str(tmp_path / "one.safetensors"), "0.1,0.2"], 2,
         "X must be one number (the model has one input; give each point as its own argument: 1 2 3), got '0.1,0.2'"),
        (["export", str(tmp_path / "one.safetensors"), "--to", "python", "-o", str(tmp_path / "m")], 1,
         "m: is a directory; -o names the new file to write"),
    ]
    for argv, status, piece in cases:
        code, _out, err = cli(*argv)
        assert code == status and piece in err and len(err.splitlines()) == 1, (argv, err)
    for argv, piece in ((["--lr", "0.5"], "the lm optimizer does not use --lr"),
                        (["--optimizer", "adam", "--mu-max", "1e5"], "the adam optimizer does not use --mu-max")):
        code, _out, err = cli("fit", "--no-plot", "--quiet", "--epochs", "5", "--out", f"w{len(argv)}", *argv)
        assert code == 0 and f"nnfit: warning: {piece}\n" in err, err  # (set, and silently not used: helper-67)


def test_helper_69_findings(cli, tmp_path):
    """A Series' name that is also an explicit input's name is not kept (it blamed y_names, which the user never gave);
    the full-width-comma hint never suggests a column twice; a one-input model given '1,abc' is told it takes one
    number; names a model file from before the rule kept ('1', ' a') are not used; a NaN prediction from finite x is
    an error, not a silent nan; every spelling of "all interfaces" gets play's warning."""
    import json

    from safetensors.numpy import safe_open, save_file

    from nnfit.cli import every_interface

    class Series:
        __module__ = "pandas.core.series"
        name = "a"

        def __init__(self, values):
            self.values = np.asarray(values, dtype=float)

        def __array__(self, dtype=None, copy=None):
            return self.values

        def __len__(self):
            return len(self.values)

    X = np.random.default_rng(0).uniform(-1, 1, (30, 3))
    model = nnfit.fit(X, Series(X[:, 0]), x_names=["a", "b", "c"], hidden=2, starts=2, seed=0)
    assert (model.x_names, model.y_names) == (["a", "b", "c"], None)
    (tmp_path / "t.csv").write_text("a,b,p\n1,2,3\n2,3,4\n3,4,6\n")
    code, _out, err = cli("fit", "--data", "t.csv", "--x", "a，a", "--y", "p")
    assert code == 1 and "did you mean" not in err, err
    model.save(tmp_path / "m.safetensors")
    with safe_open(str(tmp_path / "m.safetensors"), framework="numpy") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    save_file(tensors, str(tmp_path / "old.safetensors"), metadata={**meta, "columns": json.dumps({"x": ["1", "2", "3"], "y": None})})
    assert nnfit.load(tmp_path / "old.safetensors").x_names is None  # (its CSV's header read as a data row: helper-66)
    one = nnfit.fit(seed=0, hidden=2, starts=2)
    one.save(tmp_path / "one.safetensors")
    code, _out, err = cli("predict", tmp_path / "one.safetensors", "1,abc")
    assert code == 2 and "X must be one number (the model has one input" in err, err
    for argv, piece in ((["fit", "--data", "t.csv", "--x", "a", "--x", "a"], "--x is given twice ('a' and 'a')\n"),
                        (["predict", tmp_path / "m.safetensors", "0.1,nan,0.3"], "its number 2 of 3, 'nan', is not a finite number"),
                        (["explain", tmp_path / "one.safetensors"], "(nnfit explain takes its points from --data, not a model file)"),
                        (["compare", tmp_path / "one.safetensors"], "(nnfit compare takes its points from --data")):
        code, _out, err = cli(*argv)  # (helper-70)
        assert code == 2 and piece in err and len(err.splitlines()) == 1, (argv, err)
    with pytest.raises(nnfit.DataError, match=r"^the prediction at x = 1\.79769e\+308,1\.79769e\+308,1\.79769e\+308 is undefined"):
        model.predict(np.full((1, 3), np.finfo(float).max))
    assert [every_interface(h) for h in ("0.0.0.0", "::", "::0", "0", "0:0:0:0:0:0:0:0", "0.0", "00", "0x0",
                                         "127.0.0.1", "::1", "localhost", "[::]", " 0.0.0.0 ")] == [True] * 8 + [False] * 5
    # (the last two do not bind: they are refused as names, with no warning first; helper-70)


def test_a_number_past_float64_is_named_where_it_is_as_given():
    """An int, a Fraction or a Decimal past float64 (helper-77): its index and its value as given, shortened;
    "holds a number too large (first value 0.0)" named neither, and a Decimal became inf."""
    from decimal import Decimal
    from fractions import Fraction
    x = list(np.linspace(0, 1, 30))
    for bad, shown in ((10 ** 400, "1000000000"), (Fraction(10 ** 400, 3), "1000000000"), (Decimal("-1e400"), "-1E+400")):
        given = x[:5] + [bad] + x[6:]
        with pytest.raises(nnfit.DataError, match=r"^x\[5\] is " + re.escape(shown) + r".*: too large for float64") as e:
            nnfit.fit(given, np.sin(x), seed=0)
        assert len(str(e.value)) < 150
    with pytest.raises(nnfit.DataError, match=r"^x\[3\] is inf: every value must be a finite number"):
        nnfit.fit(x[:3] + [Decimal("Infinity")] + x[4:], np.sin(x), seed=0)


def test_a_generator_is_told_what_it_is():
    """A generator, an iterator or a map (helper-77): "must be a list or array of numbers, got generator", where
    NumPy made it one object and the message printed its repr as a bad value."""
    x = np.linspace(0, 1, 30)
    for given, kind in (((v for v in x), "generator"), (iter(list(x)), "list_iterator"), (map(float, x), "map")):
        with pytest.raises(nnfit.DataError, match=f"^x must be a list or array of numbers, got {kind}$"):
            nnfit.fit(given, np.sin(x), seed=0)
    with pytest.raises(nnfit.DataError, match="got list_iterator$"):
        nnfit.train(seed=0, epochs=1).predict(iter([1.0]))


def test_save_refuses_column_names_load_would_drop(tmp_path):
    """Names changed in memory to ones load drops (repeated; helper-77): save refuses, with nothing written,
    where it wrote a file whose names came back as None."""
    X = np.random.default_rng(0).uniform(-1, 1, (30, 3))
    model = nnfit.fit(X, X.sum(axis=1), hidden=2, seed=0, x_names=["a", "b", "c"])
    model.save(tmp_path / "ok.safetensors")
    assert nnfit.load(tmp_path / "ok.safetensors").x_names == ["a", "b", "c"]
    model.x_names = ["a", "a", "b"]
    with pytest.raises(nnfit.ModelFileError, match=r"would drop its column names \['a', 'a', 'b'\]"):
        model.save(tmp_path / "bad.safetensors")
    assert not (tmp_path / "bad.safetensors").exists()
