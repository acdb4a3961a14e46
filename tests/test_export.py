"""nnfit export: every target must compute what Model.predict computes (the oracle), for train-mode
models (no scaling) and fit-mode models (x in the thousands, y offset and scaled), every activation,
inside the data range and far outside it. Generated code is run by its own runtime: the Python module
in a namespace that can import only math, the C file by the system's C compiler, the JS module by
node, the ONNX graph by onnxruntime."""
import ast
import builtins
import copy
import functools
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import nnfit
from nnfit.export import TARGETS, export, layers
from nnfit.model import network
from nnfit.params import Params

ACTIVATIONS = ("sigmoid", "tanh", "relu")
CASES = [(kind, act) for kind in ("train", "fit") for act in ACTIVATIONS]
TOL = 1e-12  # float64 code; ONNX runs in float64 too


@functools.lru_cache(maxsize=None)
def model(kind, act):
    if kind == "train":  # the tutorial's data and recipe, float32 parameters
        return nnfit.train(seed=0, activation=act, lr=0.001 if act == "relu" else 0.01)
    x = np.linspace(1000.0, 9000.0, 15)  # x in the thousands, y offset from 0 and scaled
    return nnfit.fit(x, 1000.0 + 50.0 * np.sin(x / 1500.0), seed=0, activation=act, hidden=9)


def inputs(m):
    """x across the data range and out to 10^3 and 10^6 ranges beyond it on both sides."""
    lo, hi = m.x_range
    r = hi - lo
    far = r * np.logspace(-2, 6, 40)
    return np.concatenate([np.linspace(lo, hi, 101), lo - far, hi + far, [0.0, -1.0, 1.0]])


def assert_agrees(m, xs, got, tol=TOL):
    """|export - predict| within tol of the size of what is summed, |y_shift| + |y_scale| Σ|a_i h_i|:
    the most a float64 sum of those terms can promise (relative where y is not a cancellation)."""
    want = m.predict(xs)
    s = m.scaling
    _, _, h = network(m.params, (xs - s["x_shift"]) / s["x_scale"], m.config.activation)  # (N, H)
    size = abs(s["y_shift"]) + abs(s["y_scale"]) * np.sum(np.abs(h * m.params.a), axis=-1)
    got = np.asarray(got, dtype=np.float64).reshape(want.shape)
    err = np.abs(got - want) / np.maximum(size, np.finfo(float).tiny)
    k = int(np.argmax(err))
    assert err[k] <= tol, f"largest difference {err[k]:.3g} (x = {xs[k]!r}: export {got[k]!r}, predict {want[k]!r})"


def python_predict(code):
    """exec the exported module in a fresh namespace whose only importable module is math."""
    def only_math(name, *args, **kwargs):
        if name != "math":
            raise ImportError(f"the export imports {name}")
        return __import__(name, *args, **kwargs)
    ns = {"__builtins__": {**vars(builtins), "__import__": only_math}, "__name__": "exported"}
    exec(compile(code, "exported.py", "exec"), ns)
    return ns["predict"]


@pytest.mark.parametrize("kind,act", CASES)
def test_python(kind, act):
    m = model(kind, act)
    code = export(m, "python")
    imports = [n for n in ast.walk(ast.parse(code)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [a.name for n in imports for a in n.names] == ["math"]
    predict = python_predict(code)
    xs = inputs(m)
    ys = [predict(float(x)) for x in xs]
    assert all(type(y) is float for y in ys)
    assert_agrees(m, xs, ys)
    assert predict(int(xs[3])) == pytest.approx(float(m.predict(int(xs[3]))), rel=1e-12, abs=1e-12)


def test_python_sigmoid_cannot_overflow():
    predict = python_predict(export(model("fit", "sigmoid"), "python"))
    for x in (-1e300, 1e300, -1e12, 1e12):  # math.exp(-z) would overflow for z < -709
        assert np.isfinite(predict(x))


C_DRIVER = r"""
#include <stdio.h>
double nnfit_predict(double x);
int main(void) { double x; while (scanf("%lf", &x) == 1) printf("%.17g\n", nnfit_predict(x)); return 0; }
"""


def c_compiler():
    return shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


@pytest.mark.skipif(c_compiler() is None, reason="no C compiler (cc, gcc or clang) on this machine")
@pytest.mark.parametrize("kind,act", CASES)
def test_c(kind, act, tmp_path):
    m = model(kind, act)
    (tmp_path / "model.c").write_text(export(m, "c"))
    (tmp_path / "driver.c").write_text(C_DRIVER)
    exe = tmp_path / "predict"
    subprocess.run([c_compiler(), "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2",
                    "model.c", "driver.c", "-o", str(exe), "-lm"], cwd=tmp_path, check=True)
    xs = inputs(m)
    out = subprocess.run([str(exe)], input="\n".join(map(repr, xs.tolist())), capture_output=True, text=True, check=True)
    assert_agrees(m, xs, [float(v) for v in out.stdout.split()])


@pytest.mark.skipif(c_compiler() is None, reason="no C compiler (cc, gcc or clang) on this machine")
def test_c_relu_keeps_a_nan_as_predict_does(tmp_path):
    """Where a relu network's sums overflow (inf - inf: NaN), C's relu gave 0 and a finite number where predict
    and the other exports give NaN (helper-56)."""
    x = np.linspace(-1, 1, 50)
    m = nnfit.fit(x, 2 * x + 1, hidden=3, seed=1)  # (noise-free: the line is kept by rule, not by a margin of evidence)
    assert m.extra["line"]["kept"] and (m.params.w == 0).any()  # the line: neurons with w = 0, where 0 * inf is NaN
    xs = np.array([0.5, -1.797e308, 1.797e308])

    def predicted(v):  # (predict says a NaN is undefined, as a DataError: helper-66)
        try:
            return float(m.predict(v))
        except nnfit.DataError as e:
            assert "is undefined (NaN" in str(e)
            return np.nan
    want = np.array([predicted(v) for v in xs])
    assert np.isnan(want).any()
    (tmp_path / "model.c").write_text(export(m, "c"))
    (tmp_path / "driver.c").write_text(C_DRIVER)
    subprocess.run([c_compiler(), "-std=c99", "-O2", "model.c", "driver.c", "-o", "predict", "-lm"], cwd=tmp_path, check=True)
    out = subprocess.run([str(tmp_path / "predict")], input="\n".join(map(repr, xs.tolist())), capture_output=True,
                         text=True, check=True)
    got = np.array([float(v) for v in out.stdout.split()])
    assert np.array_equal(np.isnan(got), np.isnan(want)) and got[0] == pytest.approx(want[0], rel=1e-12)


JS_RUNNER = """
import { readFileSync } from "fs";
import { predict } from "./model.mjs";
const xs = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(xs.map(predict)));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="no node (Node.js) on this machine")
@pytest.mark.parametrize("kind,act", CASES)
def test_js(kind, act, tmp_path):
    m = model(kind, act)
    (tmp_path / "model.mjs").write_text(export(m, "js"))
    (tmp_path / "run.mjs").write_text(JS_RUNNER)
    xs = inputs(m)
    out = subprocess.run(["node", "run.mjs"], cwd=tmp_path, input=json.dumps(xs.tolist()),
                         capture_output=True, text=True, check=True)
    assert_agrees(m, xs, json.loads(out.stdout))


NUMBER = r"([+-]?)\s*(\d+(?:\.\d+)?)(?:\\times 10\^\{(-?\d+)\})?"


def latex_numbers(text):
    """The numbers of the align block, in order, with their signs (the symbolic lines left out)."""
    body = text.split("\\begin{align*}\n")[1].split("\n\\end{align*}")[0]
    body = body.replace(r"\max\!\left(0,\ ", r"\max\!\left(")  # relu's 0 is not a parameter
    nums = []
    for line in body.split(" \\\\\n"):
        if "a_i" not in line:  # ŷ = Σ a_i σ(w_i x + b_i) is the formula, not the numbers
            nums += [float(f"{s}{m}e{e or 0}") for s, m, e in re.findall(NUMBER, line.split("=")[-1])]
    return nums


@pytest.mark.parametrize("kind,act", CASES)
def test_latex(kind, act):
    m = model(kind, act)
    text = export(m, "latex")
    L = layers(m)
    want = [-L["x_shift"][0], L["x_scale"][0], L["y_shift"][0], L["y_scale"][0]] if kind == "fit" else []
    for w, b, a in zip(L["W"][:, 0], L["B"], L["A"][0]):
        want += [a, w, b]  # a_i σ(w_i u + b_i), one neuron per line
    assert latex_numbers(text) == want  # every number, at full precision, in its place
    body = text.split("\\begin{align*}")[1]
    assert body.count("{") == body.count("}") and body.count(r"\left(") == body.count(r"\right)")
    assert body.count(r"\Bigl[") == body.count(r"\Bigr]") == (kind == "fit")
    assert {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\max"}[act] in body and "\\hat{y}" in body


@pytest.mark.parametrize("kind,act", CASES)
def test_onnx(kind, act):
    onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install 'nnfit[export]')")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install 'nnfit[export]')")
    m = model(kind, act)
    graph = onnx.load_from_string(export(m, "onnx"))
    onnx.checker.check_model(graph, full_check=True)
    ops = [n.op_type for n in graph.graph.node]
    assert ops[-4 if kind == "fit" else -2:][:2] == [{"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}[act], "MatMul"]
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    assert [i.type for i in session.get_inputs()] == ["tensor(double)"]
    xs = inputs(m)
    (y,) = session.run(None, {"x": xs[:, None]})  # (N, 1) -> (N, 1)
    assert y.shape == (xs.size, 1)
    assert_agrees(m, xs, y[:, 0])


# --- the command line -----------------------------------------------------------------------------

@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.safetensors"
    model("fit", "tanh").save(path)
    return path


@pytest.mark.parametrize("to", [t for t in TARGETS if t != "onnx"])
def test_cli_stdout(cli, saved, to):
    status, out, err = cli("export", saved, "--to", to)
    assert (status, err) == (0, "")
    assert out == export(nnfit.load(saved), to, source="model.safetensors")


def test_cli_output_file(cli, saved, tmp_path):
    assert cli("export", saved, "--to", "python", "-o", "model.py") == (0, "", "wrote model.py\n")  # (helper-83: silence
    # read as nothing done; train and fit say where their files went)
    text = (tmp_path / "model.py").read_text()
    assert python_predict(text)(4321.0) == pytest.approx(float(nnfit.load(saved).predict(4321.0)), rel=1e-12)
    assert sorted(os.listdir(tmp_path)) == ["model.py", "model.safetensors"]  # no temporary file left


def test_cli_onnx_needs_output_file(cli, saved, tmp_path):
    status, out, err = cli("export", saved, "--to", "onnx")
    assert status == 2 and "give -o FILE.onnx" in err and out == ""
    pytest.importorskip("onnx", reason="onnx is not installed (pip install 'nnfit[export]')")
    assert cli("export", saved, "--to", "onnx", "-o", "model.onnx")[0] == 0
    assert (tmp_path / "model.onnx").read_bytes() == export(nnfit.load(saved), "onnx", source="model.safetensors")


def test_cli_onnx_without_the_package(cli, saved, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now fails as if not installed
    status, out, err = cli("export", saved, "--to", "onnx", "-o", "model.onnx")
    assert status == 2 and err.count("\n") == 1 and "pip install 'nnfit[export]'" in err, err


def test_cli_never_overwrites(cli, saved, tmp_path):
    (tmp_path / "model.c").write_text("keep me")
    status, out, err = cli("export", saved, "--to", "c", "-o", "model.c")
    assert status == 1 and "model.c: already exists" in err and err.count("\n") == 1, err
    assert (tmp_path / "model.c").read_text() == "keep me"
    assert sorted(os.listdir(tmp_path)) == ["model.c", "model.safetensors"]


@pytest.mark.parametrize("argv,status,message", [
    (["--to", "matlab"], 2, "--to must be one of python, c, js, latex, onnx; got 'matlab'"),
    ([], 2, "the following arguments are required: --to"),
    (["--to", "c", "-o", "no/such/dir/model.c"], 1, "no/such/dir/model.c: cannot write"),
])
def test_cli_bad_options(cli, saved, argv, status, message):
    got, out, err = cli("export", saved, *argv)
    assert got == status and message in err and err.startswith("nnfit: error: ") and out == "", err


def test_cli_bad_model_files(cli, tmp_path):
    status, _, err = cli("export", "missing.safetensors", "--to", "python")
    assert status == 1 and "missing.safetensors: no such file" in err
    (tmp_path / "junk.safetensors").write_bytes(b"not a model")
    status, _, err = cli("export", "junk.safetensors", "--to", "python")
    assert status == 1 and "junk.safetensors: not a readable safetensors model file" in err


# --- d inputs, k outputs ------------------------------------------------------------------------
# The same oracle (Model.predict) for d-H-k networks: d in {1, 2, 3} inputs whose columns differ in
# size (one in the thousands), k in {1, 2} outputs, each activation with the default scaling and each
# scaling with tanh.

SHAPES = [(2, 1), (3, 1), (2, 2), (3, 2), (1, 2)]
MULTI = ([(d, k, "standard", act) for d, k in SHAPES for act in ACTIVATIONS]
         + [(d, k, scale, "tanh") for d, k in SHAPES for scale in ("none", "minmax")])


@functools.lru_cache(maxsize=None)
def model_n(d, k, scale, act):
    rng = np.random.default_rng(10 * d + k)
    X = rng.uniform(-1.0, 1.0, (40, d)) * np.array([3.0, 500.0, 0.02])[:d] + np.array([0.0, 2000.0, 1.0])[:d]
    t = X / np.array([3.0, 500.0, 0.02])[:d]  # each column back to about [-1, 1] (up to its offset)
    Y = np.stack([np.sin(2 * t[:, 0]) + t[:, -1] ** 2, 100.0 + 10.0 * np.cos(t.sum(axis=1))], axis=1)[:, :k]
    m = nnfit.fit(X[:, 0] if d == 1 else X, Y[:, 0] if k == 1 else Y, seed=0, hidden=4, epochs=30, starts=2,
                  scale=scale, activation=act)
    assert (m.n_inputs, m.n_outputs) == (d, k)
    return m


def points(m, n=60):
    """(N, d) points inside the training ranges, around them, and out to 10^6 ranges beyond, in any
    mix of directions (and 0)."""
    rng = np.random.default_rng(1)
    lo, hi = np.array(m.x_range, dtype=np.float64).reshape(-1, 2).T  # (d,), (d,)
    r = hi - lo
    inside = lo + rng.uniform(0.0, 1.0, (n, lo.size)) * r
    near = lo + rng.uniform(-3.0, 4.0, (n, lo.size)) * r
    far = (lo + hi) / 2 + rng.choice([-1.0, 1.0], (n, lo.size)) * r * 10.0 ** rng.uniform(-2, 6, (n, lo.size))
    return np.concatenate([inside, near, far, np.zeros((1, lo.size))])


def assert_agrees_n(m, X, got, tol=TOL):
    """|export - predict| within tol of the size of the sums: |y_shift| + |y_scale| Σ_i |A_ki| (|h_i| +
    Σ_j |W_ij u_j| + |b_i|), the most float64 promises when z_i = Σ_j W_ij u_j + b_i cancels (and act
    has slope at most 1)."""
    L = layers(m)
    u = (X - L["x_shift"]) / L["x_scale"]  # (N, d)
    want = m.predict(X[:, 0] if m.n_inputs == 1 else X).reshape(len(X), -1)  # (N, k)
    h = np.abs(network(Params(L["W"], L["B"], L["A"]), u, L["activation"])[2])  # (N, H)
    terms = h + np.abs(u) @ np.abs(L["W"]).T + np.abs(L["B"])  # (N, H)
    size = np.abs(L["y_shift"]) + np.abs(L["y_scale"]) * (terms @ np.abs(L["A"]).T)  # (N, k)
    got = np.asarray(got, dtype=np.float64).reshape(want.shape)
    err = np.abs(got - want) / np.maximum(size, np.finfo(float).tiny)
    n, o = np.unravel_index(int(np.argmax(err)), err.shape)
    assert err[n, o] <= tol, (f"largest difference {err[n, o]:.3g} (x = {X[n].tolist()!r}, output {o}: "
                              f"export {got[n, o]!r}, predict {want[n, o]!r})")


def as_arg(m, x):
    """One point as the exports take it: a number when d = 1, else a list of d numbers."""
    return float(x[0]) if m.n_inputs == 1 else [float(v) for v in x]


@pytest.mark.parametrize("d,k,scale,act", MULTI)
def test_python_many(d, k, scale, act):
    m = model_n(d, k, scale, act)
    code = export(m, "python")
    imports = [n for n in ast.walk(ast.parse(code)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [a.name for n in imports for a in n.names] == ["math"]
    assert f"a {d}-4-{k} {act} network" in code.splitlines()[0]
    predict = python_predict(code)
    X = points(m)
    ys = [predict(as_arg(m, x)) for x in X]
    if k == 1:
        assert all(type(y) is float for y in ys)
    else:
        assert all(type(y) is list and len(y) == k and all(type(v) is float for v in y) for y in ys)
    assert_agrees_n(m, X, ys)
    if d > 1:  # any sequence of d numbers: a tuple, a NumPy row, ints
        assert predict(tuple(X[0])) == predict(X[0]) == ys[0]
        assert predict([1] * d) == predict([1.0] * d)
        with pytest.raises(ValueError, match=f"^predict takes {d} numbers, got {d + 1}$"):
            predict([0.0] * (d + 1))


C_DRIVER_N = r"""
#include <stdio.h>
#include <stddef.h>
double nnfit_predict(const double x[D], double y[K]);
int main(void)
{
    double x[D], y[K];
    int j;
    for (;;) {
        for (j = 0; j < D; ++j)
            if (scanf("%lf", &x[j]) != 1)
                return 0;
        printf("%.17g %.17g", nnfit_predict(x, y), nnfit_predict(x, NULL));
        for (j = 0; j < K; ++j)
            printf(" %.17g", y[j]);
        printf("\n");
    }
}
"""


@pytest.mark.skipif(c_compiler() is None, reason="no C compiler (cc, gcc or clang) on this machine")
@pytest.mark.parametrize("d,k,scale,act", MULTI)
def test_c_many(d, k, scale, act, tmp_path):
    m = model_n(d, k, scale, act)
    code = export(m, "c")
    assert f" *     double nnfit_predict(const double x[{d}], double y[{k}]);\n" in code
    (tmp_path / "model.c").write_text(code)
    (tmp_path / "driver.c").write_text(C_DRIVER_N)
    exe = tmp_path / "predict"
    subprocess.run([c_compiler(), "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2", f"-DD={d}", f"-DK={k}",
                    "model.c", "driver.c", "-o", str(exe), "-lm"], cwd=tmp_path, check=True)
    X = points(m)
    text = "\n".join(" ".join(map(repr, x)) for x in X.tolist())
    run = subprocess.run([str(exe)], input=text, capture_output=True, text=True, check=True)
    out = np.array([[float(v) for v in line.split()] for line in run.stdout.splitlines()])
    assert out.shape == (len(X), 2 + k)
    assert np.array_equal(out[:, 0], out[:, 2]) and np.array_equal(out[:, 1], out[:, 2])  # returns y[0]; y may be NULL
    assert_agrees_n(m, X, out[:, 2:])


JS_RUNNER_N = """
import { readFileSync } from "fs";
import { predict } from "./model.mjs";
const xs = JSON.parse(readFileSync(0, "utf8"));
let error = "";
for (const bad of [new Array(D + 1).fill(0), 1.5]) {
  try { predict(bad); } catch (e) { error += `${e.name}: ${e.message}\n`; }
}
console.log(JSON.stringify({ys: xs.map(predict), error}));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="no node (Node.js) on this machine")
@pytest.mark.parametrize("d,k,scale,act", MULTI)
def test_js_many(d, k, scale, act, tmp_path):
    m = model_n(d, k, scale, act)
    (tmp_path / "model.mjs").write_text(export(m, "js"))
    (tmp_path / "run.mjs").write_text(JS_RUNNER_N.replace("D + 1", str(d + 1)))
    X = points(m)
    out = subprocess.run(["node", "run.mjs"], cwd=tmp_path, input=json.dumps([as_arg(m, x) for x in X]),
                         capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert all(isinstance(y, float if k == 1 else list) for y in got["ys"])
    assert_agrees_n(m, X, got["ys"])
    if d > 1:
        assert got["error"] == "".join(f"RangeError: predict takes {d} numbers, got {n}\n" for n in (d + 1, 1))


def latex_numbers_n(text):
    """The numbers of the second align block (the first is the formula), in order, with their signs;
    subscripts and relu's 0 left out."""
    body = text.split("\\begin{align*}\n")[2].split("\n\\end{align*}")[0]
    body = re.sub(r"_\{\d+\}", "", body.replace(r"\max\!\left(0,\ ", r"\max\!\left("))
    nums = []
    for line in body.split(" \\\\\n"):
        line = line.split("&=")[-1].split(r"&\qquad")[-1]
        nums += [float(f"{s}{m}e{e or 0}") for s, m, e in re.findall(NUMBER, line)]
    return nums


@pytest.mark.parametrize("d,k,scale,act", MULTI)
def test_latex_many(d, k, scale, act):
    m = model_n(d, k, scale, act)
    text = export(m, "latex")
    L = layers(m)
    x_scaled = scale != "none"  # scale none: x as it is, y still centred
    want = [v for j in range(d) for v in (-L["x_shift"][j], L["x_scale"][j])] if x_scaled else []
    for w, b in zip(L["W"], L["B"]):
        want += [*w, b]  # h_i = act(w_i1 u_1 + ... + b_i)
    for o in range(k):
        want += [L["y_shift"][o], L["y_scale"][o], *L["A"][o]]  # ŷ_k = y_shift + y_scale [a_k1 h_1 + ...]
    assert latex_numbers_n(text) == want  # every number, at full precision, in its place
    formula, numbers = (b.split("\\end{align*}")[0] for b in text.split("\\begin{align*}")[1:])
    assert formula.count("&=") == 2 + x_scaled and numbers.count("&=") == d * x_scaled + 4 + k
    for body in (formula, numbers):
        assert body.count("{") == body.count("}") and body.count(r"\left(") == body.count(r"\right)")
    assert numbers.count(r"\Bigl[") == numbers.count(r"\Bigr]") == k
    assert {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\max"}[act] in numbers


@pytest.mark.parametrize("d,k,scale,act", MULTI)
def test_onnx_many(d, k, scale, act):
    onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install 'nnfit[export]')")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install 'nnfit[export]')")
    m = model_n(d, k, scale, act)
    graph = onnx.load_from_string(export(m, "onnx"))
    onnx.checker.check_model(graph, full_check=True)
    props = {p.key: p.value for p in graph.metadata_props}
    ranges = [list(map(float, p.split(","))) for p in props["x_range"].split(";")]  # "lo,hi;lo,hi"
    assert ranges == np.reshape(m.x_range, (d, 2)).tolist()
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    [i] = session.get_inputs()
    [o] = session.get_outputs()
    assert (i.type, i.shape, o.shape) == ("tensor(double)", ["N", d], ["N", k])
    X = points(m)
    (y,) = session.run(None, {"x": X})  # (N, d) -> (N, k)
    assert y.shape == (len(X), k)
    assert_agrees_n(m, X, y)


def test_header_names_ranges():
    """The header is true: the d-H-k shape and each input's range (the names: test_cli_many_inputs)."""
    m = model_n(2, 2, "standard", "tanh")
    lines = export(m, "python", source="run/model.safetensors").split('"""')[1].splitlines()
    (lo0, hi0), (lo1, hi1) = m.x_range
    assert lines[0] == "nnfit export of run/model.safetensors: a 2-4-2 tanh network (fit mode)."
    assert lines[2] == (f"Trained on x[0] in [{lo0!r}, {hi0!r}], x[1] in [{lo1!r}, {hi1!r}]; "
                        "outside them the curve extrapolates.")
    assert not any(line.startswith("Columns:") for line in lines)


def test_cli_many_inputs(cli, tmp_path):
    """nnfit export run/model.safetensors --to c for a 2-H-2 model with named columns: the C file,
    compiled, agrees with predict; every target names the columns."""
    m = model_n(2, 2, "standard", "sigmoid")
    m.x_names, m.y_names = ["age", "height"], ["weight", "bmi"]
    (tmp_path / "run").mkdir()
    m.save(tmp_path / "run" / "model.safetensors")
    status, out, err = cli("export", "run/model.safetensors", "--to", "c")
    assert (status, err) == (0, "")
    loaded = nnfit.load(tmp_path / "run" / "model.safetensors")
    assert out == export(loaded, "c", source="model.safetensors")
    assert " * Columns: x[0] = age, x[1] = height; y[0] = weight, y[1] = bmi.\n" in out
    for to in ("python", "js", "latex"):
        text = cli("export", "run/model.safetensors", "--to", to)[1]
        assert "Columns: x[0] = age, x[1] = height; y[0] = weight, y[1] = bmi." in text
    if c_compiler() is not None:
        (tmp_path / "driver.c").write_text(C_DRIVER_N)
        subprocess.run([c_compiler(), "-std=c99", "-DD=2", "-DK=2", "-o", "predict", "-xc", "-", "driver.c", "-lm"],
                       input=out, text=True, cwd=tmp_path, check=True)
        X = points(m, 10)
        res = subprocess.run(["./predict"], input="\n".join(" ".join(map(repr, x)) for x in X.tolist()),
                             capture_output=True, text=True, cwd=tmp_path, check=True).stdout
        assert_agrees_n(m, X, [[float(v) for v in line.split()[2:]] for line in res.splitlines()])


HOSTILE = ['"""; print("INJECTED"); """', "*/ int injected(void){return 42;} /*", 'out"""\\', "a\\x41", "ẞ 温度 𝑥"]


def test_hostile_names_stay_text(tmp_path, capsys):
    """Column names (a CSV header) and the source's file name go into every export's header comment or
    docstring as text: a name that would end a Python docstring or a C comment, or that holds a line
    break (a file name may), runs nothing, breaks nothing, and reads back as itself."""
    m = copy.deepcopy(model_n(2, 1, "standard", "sigmoid"))  # model_n's models are shared: not renamed in place
    m.x_names, m.y_names = HOSTILE[:2], HOSTILE[2:3]
    source = "run\n/*x*/\"\"\"/model.safetensors"
    py = export(m, "python", source=source)
    module = {}
    exec(compile(py, "exported.py", "exec"), module)  # a SyntaxError or the print would fail the test
    assert capsys.readouterr().out == ""
    assert HOSTILE[0] in module["__doc__"] and HOSTILE[2] in module["__doc__"] and source in module["__doc__"]
    assert_agrees_n(m, points(m), np.array([[module["predict"](list(x))] for x in points(m)]))
    plain = model_n(2, 1, "standard", "sigmoid")
    for to in ("c", "js", "latex"):
        text, same = export(m, to, source=source), export(plain, to, source="model.safetensors")
        assert text.count("*/") == same.count("*/") and text.count("\n") == same.count("\n") + 1, to  # + the Columns line
    m.x_names = HOSTILE[3:]
    doc = {}
    exec(compile(export(m, "python"), "exported.py", "exec"), doc)
    assert "x[0] = a\\x41, x[1] = ẞ 温度 𝑥" in doc["__doc__"]
    if c_compiler() is not None:
        (tmp_path / "m.c").write_text(export(m, "c", source=source) + "int main(void) { return 0; }\n")
        done = subprocess.run([c_compiler(), "-std=c99", "-Wall", "-Werror", "-c", "m.c"], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0 and "injected" not in export(m, "c").split("*/", 1)[1], done.stderr
