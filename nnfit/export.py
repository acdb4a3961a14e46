"""Export a model as a self-contained function (MATLAB's genFunction): Python, C, JavaScript, LaTeX, ONNX.

Every target computes what Model.predict computes, with the same operations in the same order:

    u   = (x - x_shift) / x_scale                  the input scaling (fit mode; left out when identity)
    z_i = w_i u + b_i,   h_i = act(z_i)            the hidden layer
    ŷ   = (Σ_i a_i h_i) · y_scale + y_shift        the output, back in the user's units

so an export agrees with predict to a few units in the last place of the terms summed (float64).
The scaling is applied explicitly rather than folded into w and b: folding gives b_i - w_i x_shift /
x_scale, which cancels digits when |x_shift| >> x_scale (x in years 2000..2020, say); the explicit
form is exact wherever predict is, and it is what genFunction writes too. Numbers are written with
repr(), the shortest text that reads back as the same double, so no digit of a weight is lost.

    TARGETS[name](model, source) -> str (text targets) or bytes (onnx)

Many inputs and outputs (issue 10, item 1): `layers` is the one place that reads the model, and it
already gives the general shapes: W (H, d), B (H,), A (k, H), x_shift/x_scale (d,), y_shift/y_scale
(k,). ONNX uses them as they are ([N, d] -> [N, k]). The text targets write the d = k = 1 case; for
d inputs they take a sequence x, compute u_j per column and z_i = Σ_j W[i][j] u_j + b_i (one more
loop), and for k outputs they sum one row of A per output and return a list (Python, JS) or fill a
`double y[k]` (C) — the same templates with one loop each more.
"""
import errno
import os
import tempfile
from string import Template

import numpy as np

from .model import IDENTITY

# act(z) in each language, written as Model.predict computes it (nnfit/activations.py): the sigmoid
# as (1 + tanh(z/2)) / 2, which equals 1 / (1 + e^-z) and cannot overflow for any z.
ACT = {
    "python": {"sigmoid": "0.5 * (math.tanh(0.5 * z) + 1.0)", "tanh": "math.tanh(z)", "relu": "max(z, 0.0)"},
    "c": {"sigmoid": "0.5 * (tanh(0.5 * z) + 1.0)", "tanh": "tanh(z)", "relu": "z > 0.0 ? z : 0.0"},
    "js": {"sigmoid": "0.5 * (Math.tanh(0.5 * z) + 1.0)", "tanh": "Math.tanh(z)", "relu": "Math.max(z, 0.0)"},
}
TEX_ACT = {"sigmoid": (r"\sigma\!\left(", r"\right)"), "tanh": (r"\tanh\!\left(", r"\right)"),
           "relu": (r"\max\!\left(0,\ ", r"\right)")}
TEX_DEF = {"sigmoid": r"\sigma(z) = \frac{1}{1 + e^{-z}}", "tanh": r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
           "relu": r"\max(0, z)"}
ONNX_OP = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}


def layers(model):
    """The model's numbers in the general shapes (d inputs, k outputs), as float64."""
    w, b, a = (np.asarray(p, dtype=np.float64) for p in model.params)
    s = {key: np.atleast_1d(np.asarray(v, dtype=np.float64)) for key, v in model.scaling.items()}
    H = len(b)
    return {"W": w.reshape(H, -1), "B": b, "A": a.reshape(-1, H),  # (H, d), (H,), (k, H)
            "x_shift": s["x_shift"], "x_scale": s["x_scale"], "y_shift": s["y_shift"], "y_scale": s["y_scale"],
            "scaled": model.scaling != IDENTITY, "activation": model.config.activation}


def num(v):
    """A double as the shortest text that reads back as the same double (Python, C99 and JS alike)."""
    return repr(float(v))


def header(model, source):
    """The lines that open every export: what the network is and the formula it computes."""
    c = model.config
    L = layers(model)
    formula = (f"y = y_shift + y_scale * sum_i a_i * {c.activation}(w_i * (x - x_shift) / x_scale + b_i)"
               if L["scaled"] else f"y = sum_i a_i * {c.activation}(w_i * x + b_i)")
    lines = [f"nnfit export of {source or 'a model'}: a 1-{c.hidden}-1 {c.activation} network ({model.kind} mode).",
             formula,
             f"Trained on x in [{num(model.x_range[0])}, {num(model.x_range[1])}]; outside it the curve extrapolates.",
             "Same float64 operations, in the same order, as nnfit's Model.predict."]
    return lines


def commented(model, source, mark):
    return "".join(f"{mark} {line}\n".rstrip() + "\n" for line in header(model, source))


def joined(values):
    return ", ".join(num(v) for v in values)


# The text targets, written out as their files look, filled in by fill(). $u and $out are the scaling's
# two lines; $consts its four numbers (all three empty or plain when the scaling is the identity).
PYTHON = Template('''"""$header"""
import math

W = ($w,)  # w_i
B = ($b,)  # b_i
A = ($a,)  # a_i
$consts

def act(z):
    return $act


def predict(x):
    """y_hat for one number x, as a float."""
    u = $u
    s = 0.0
    for w, b, a in zip(W, B, A):
        s += act(w * u + b) * a
    return $out
''')

C = Template('''/*
$header *
 * C99, self-contained: compile it with your program and link with -lm. Its header is one line:
 *     double nnfit_predict(double x);
 */
#include <math.h>

double nnfit_predict(double x);

static const double nnfit_w[$H] = {$w};
static const double nnfit_b[$H] = {$b};
static const double nnfit_a[$H] = {$a};
$consts
static double nnfit_act(double z)
{
    return $act;
}

double nnfit_predict(double x)
{
    const double u = $u;
    double s = 0.0;
    int i;
    for (i = 0; i < $H; ++i)
        s += nnfit_act(nnfit_w[i] * u + nnfit_b[i]) * nnfit_a[i];
    return $out;
}
''')

JS = Template('''$header
const W = [$w];  // w_i
const B = [$b];  // b_i
const A = [$a];  // a_i
$consts
function act(z) {
  return $act;
}

export function predict(x) {
  const u = $u;
  let s = 0.0;
  for (let i = 0; i < W.length; i++) s += act(W[i] * u + B[i]) * A[i];
  return $out;
}
''')

# (u, out, one constant) per language: u = (x - x_shift) / x_scale and y = s * y_scale + y_shift
SCALING = {
    "python": ("(float(x) - X_SHIFT) / X_SCALE", "s * Y_SCALE + Y_SHIFT", "{NAME} = {value}\n", "float(x)"),
    "c": ("(x - NNFIT_X_SHIFT) / NNFIT_X_SCALE", "s * NNFIT_Y_SCALE + NNFIT_Y_SHIFT",
          "static const double NNFIT_{NAME} = {value};\n", "x"),
    "js": ("(x - X_SHIFT) / X_SCALE", "s * Y_SCALE + Y_SHIFT", "const {NAME} = {value};\n", "x"),
}


def fill(template, lang, model, header):
    """The template with the model's numbers; the scaling lines only when it is not the identity."""
    L = layers(model)
    u, out, const, plain = SCALING[lang]
    names = ("x_shift", "x_scale", "y_shift", "y_scale")
    consts = "".join(const.format(NAME=n.upper(), value=num(L[n][0])) for n in names) if L["scaled"] else ""
    return template.substitute(header=header, H=L["B"].size, w=joined(L["W"][:, 0]), b=joined(L["B"]),
                               a=joined(L["A"][0]), act=ACT[lang][L["activation"]], consts=consts,
                               u=u if L["scaled"] else plain, out=out if L["scaled"] else "s")


def to_python(model, source=None):
    """A module that imports only math and defines predict(x) for a number x."""
    return fill(PYTHON, "python", model, "\n".join(header(model, source)) + "\n")


def to_c(model, source=None):
    """C99: `double nnfit_predict(double x)`, needing only <math.h> (link with -lm)."""
    return fill(C, "c", model, commented(model, source, " *"))


def to_js(model, source=None):
    """An ES module exporting predict(x) for a number x."""
    return fill(JS, "js", model, commented(model, source, "//"))


def tex(v):
    """|v| in LaTeX at full precision: 1.25e-05 -> 1.25\\times 10^{-5}."""
    m, _, e = num(abs(v)).partition("e")
    return f"{m}\\times 10^{{{int(e)}}}" if e else m


def signed(v, first=False):
    """v as a term of a sum: '+ 2.5' or '- 2.5', or '2.5' / '-2.5' when it comes first."""
    return ("-" if v < 0 else "" if first else "+") + ("" if first else " ") + tex(v)


def to_latex(model, source=None):
    """The formula in the chapter's notation, then with the numbers, one neuron per line (amsmath align*)."""
    L = layers(model)
    act, (open_, close) = L["activation"], TEX_ACT[L["activation"]]
    f = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\max"}[act]
    v = "u" if L["scaled"] else "x"
    inner = f"w_i {v} + b_i" if act != "relu" else f"0,\\ w_i {v} + b_i"
    terms = [f"{signed(a, i == 0)}\\,{open_}{tex(w) if w >= 0 else '-' + tex(w)}\\,{v} {signed(b)}{close}"
             for i, (w, b, a) in enumerate(zip(L["W"][:, 0], L["B"], L["A"][0]))]
    lines = []
    if L["scaled"]:
        xs, xc, ys, yc = (L[k][0] for k in ("x_shift", "x_scale", "y_shift", "y_scale"))
        lines += [f"u &= \\frac{{x - x_{{\\mathrm{{shift}}}}}}{{x_{{\\mathrm{{scale}}}}}} = \\frac{{x {signed(-xs)}}}{{{tex(xc)}}}",
                  f"\\hat{{y}} &= y_{{\\mathrm{{shift}}}} + y_{{\\mathrm{{scale}}}} \\sum_{{i=1}}^{{{len(terms)}}} a_i\\,{f}({inner})",
                  f"&= {signed(ys, True)} {'+' if yc >= 0 else '-'} {tex(yc)}\\,\\Bigl[{terms[0]}"]
        lines += [f"&\\qquad {t}" for t in terms[1:]]
        lines[-1] += r"\Bigr]"
    else:
        lines += [f"\\hat{{y}} &= \\sum_{{i=1}}^{{{len(terms)}}} a_i\\,{f}({inner})", f"&= {terms[0]}"]
        lines += [f"&\\qquad {t}" for t in terms[1:]]
    return (commented(model, source, "%") + f"% Needs amsmath. Here {TEX_DEF[act]}.\n"
            "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n")


def to_onnx(model, source=None):
    """An ONNX model (bytes), float64 throughout: x [N, d] -> y [N, k]; onnxruntime runs every op in double.
    Needs the `onnx` package (ImportError otherwise)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    L = layers(model)
    d, k = L["W"].shape[1], L["A"].shape[0]
    const = lambda name, v: numpy_helper.from_array(np.ascontiguousarray(v, dtype=np.float64), name)
    inits = [const("W", L["W"].T), const("B", L["B"]), const("A", L["A"].T)]  # (d, H), (H,), (H, k)
    nodes, x = [], "x"
    if L["scaled"]:  # u = (x - x_shift) / x_scale
        inits += [const(n, L[n]) for n in ("x_shift", "x_scale", "y_shift", "y_scale")]
        nodes += [helper.make_node("Sub", ["x", "x_shift"], ["x_minus_shift"]),
                  helper.make_node("Div", ["x_minus_shift", "x_scale"], ["u"])]
        x = "u"
    nodes += [helper.make_node("MatMul", [x, "W"], ["wu"]),  # (N, H)
              helper.make_node("Add", ["wu", "B"], ["z"]),
              helper.make_node(ONNX_OP[L["activation"]], ["z"], ["h"]),
              helper.make_node("MatMul", ["h", "A"], ["s" if L["scaled"] else "y"])]  # (N, k)
    if L["scaled"]:  # y = s * y_scale + y_shift
        nodes += [helper.make_node("Mul", ["s", "y_scale"], ["s_scaled"]),
                  helper.make_node("Add", ["s_scaled", "y_shift"], ["y"])]
    graph = helper.make_graph(nodes, "nnfit", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", d])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", k])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="nnfit",
                          doc_string="\n".join(header(model, source)))
    m.ir_version = 8  # opset 17's IR: readable by onnxruntime >= 1.13
    helper.set_model_props(m, {"activation": L["activation"], "hidden": str(L["B"].size), "kind": model.kind,
                               "x_range": f"{num(model.x_range[0])},{num(model.x_range[1])}"})
    onnx.checker.check_model(m)
    return m.SerializeToString()


TARGETS = {"python": to_python, "c": to_c, "js": to_js, "latex": to_latex, "onnx": to_onnx}


def export(model, to, source=None):
    """The model as `to` (a key of TARGETS): text as a str, ONNX as bytes."""
    assert to in TARGETS, to
    if (model.n_inputs > 1 or model.n_outputs > 1) and to != "onnx":
        from .config import ConfigError
        raise ConfigError("to", f"{to}: this export writes one input and one output; the model has "
                                f"{model.n_inputs} inputs and {model.n_outputs} outputs (use --to onnx)")
    return TARGETS[to](model, source)


def write_new(path, content):
    """Write content (str or bytes) to a new file, all or nothing: into a temporary file beside it,
    then hard-linked into place, which fails if the file exists — an existing file is never touched.
    RunDirError (one line) when it cannot."""
    from .runs import RunDirError
    path = os.fspath(path)
    if os.path.lexists(path):
        raise RunDirError(f"{path}: already exists; nnfit never overwrites a file, give a new -o")
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = None, None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=os.path.dirname(os.path.abspath(path)))
        os.fchmod(fd, 0o644)  # as a plain new file, not mkstemp's 0o600
        with os.fdopen(fd, "wb") as f:
            fd = None
            f.write(data)
        try:
            os.link(tmp, path)  # atomic, and never replaces
        except FileExistsError:
            raise RunDirError(f"{path}: already exists; nnfit never overwrites a file, give a new -o") from None
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            os.rename(tmp, path)  # a file system without hard links
    except OSError as e:
        raise RunDirError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.lexists(tmp):
            os.remove(tmp)
    return path
