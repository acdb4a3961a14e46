"""nnfit export: every target must compute what Model.predict computes (the oracle), for train-mode
models (no scaling) and fit-mode models (x in the thousands, y offset and scaled), every activation,
inside the data range and far outside it. Generated code is run by its own runtime: the Python module
in a namespace that can import only math, the C file by the system's C compiler, the JS module by
node, the ONNX graph by onnxruntime."""
import ast
import builtins
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
    assert cli("export", saved, "--to", "python", "-o", "model.py") == (0, "", "")
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
