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

Many inputs and outputs: `layers` is the one place that reads the model, and it gives the general
shapes: W (H, d), B (H,), A (k, H), x_shift/x_scale (d,), y_shift/y_scale (k,). ONNX uses them as they
are ([N, d] -> [N, k]). A 1-H-1 network keeps the chapter's templates (one loop, w_i x + b_i); any
other gets the d-H-k templates, one loop more for the inputs and one for the outputs:

    u_j = (x_j - x_shift_j) / x_scale_j
    z_i = Σ_j W_ij u_j + b_i,   h_i = act(z_i)          (the dot product first, then + b_i, as x @ W.T + b)
    ŷ_k = (Σ_i A_ki h_i) · y_scale_k + y_shift_k

Python and JS take x as a number (d = 1) or a sequence of d numbers and return a number (k = 1) or a
list of k; C is `double nnfit_predict(const double x[d], double y[k])`, which fills y (unless NULL)
and returns y[0]; LaTeX writes u_j, h_i and one line per output, counted from 1.
"""
import errno
import os
import tempfile
from string import Template

import numpy as np

from .config import ConfigError
from .i18n import _, system_reason
from .model import IDENTITY

# act(z) in each language, written as Model.predict computes it (nnfit/activations.py): the sigmoid
# as (1 + tanh(z/2)) / 2, which equals 1 / (1 + e^-z) and cannot overflow for any z.
ACT = {
    "python": {"sigmoid": "0.5 * (math.tanh(0.5 * z) + 1.0)", "tanh": "math.tanh(z)", "relu": "max(z, 0.0)"},
    "c": {"sigmoid": "0.5 * (tanh(0.5 * z) + 1.0)", "tanh": "tanh(z)", "relu": "z < 0.0 ? 0.0 : z"},  # (NaN stays NaN, as in NumPy)
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
            "scaled": any(np.any(s[n] != v) for n, v in IDENTITY.items()), "activation": model.config.activation}


def num(v):
    """A double as the shortest text that reads back as the same double (Python, C99 and JS alike)."""
    return repr(float(v))


def shown(text):
    """A column or file name as the header shows it, safe in every target's comment or docstring: a
    backslash, a double quote, a star (which could end a Python docstring or a C comment) and any
    character that is not printable (a line break would end a JS comment) are written as escapes,
    \\xNN or \\uNNNN: text in a comment, the character itself in Python's docstring."""
    def escape(ch):
        if ch not in '\\"*' and ch.isprintable():
            return ch
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(map(escape, str(text)))


def header(model, source):
    """The lines that open every export: what the network is, the formula it computes, where it was
    trained, and the columns' names when the data had them (through shown())."""
    c = model.config
    L = layers(model)
    d, k = L["W"].shape[1], L["A"].shape[0]
    if d == k == 1:
        formula = (f"y = y_shift + y_scale * sum_i a_i * {c.activation}(w_i * (x - x_shift) / x_scale + b_i)"
                   if L["scaled"] else f"y = sum_i a_i * {c.activation}(w_i * x + b_i)")
        ranges = f"x in [{num(model.x_range[0])}, {num(model.x_range[1])}]"
    else:  # indices from 0, as the code's arrays: x[j], neuron i, y[k]
        formula = (f"y[k] = y_shift[k] + y_scale[k] * sum_i A[k][i] * {c.activation}("
                   f"sum_j W[i][j] * (x[j] - x_shift[j]) / x_scale[j] + B[i])")
        pairs = [model.x_range] if d == 1 else model.x_range
        ranges = ", ".join(f"x[{j}] in [{num(lo)}, {num(hi)}]" for j, (lo, hi) in enumerate(pairs))
        if d == 1:
            ranges = ranges.replace("x[0]", "x")
    lines = [f"nnfit export of {shown(source) if source else 'a model'}: a {d}-{c.hidden}-{k} {c.activation} network ({model.kind} mode).",
             formula,
             f"Trained on {ranges}; outside {'it' if d == 1 else 'them'} the curve extrapolates."]
    names = [(side, n) for side, n in (("x", model.x_names), ("y", model.y_names)) if n is not None]
    if names:  # x = t, or x[0] = age, x[1] = height; then y likewise
        lines.append("Columns: " + "; ".join(", ".join(f"{side}{'' if len(n) == 1 else f'[{j}]'} = {shown(name)}"
                                                       for j, name in enumerate(n)) for side, n in names) + ".")
    return lines + ["The same float64 steps as nnfit's Model.predict; its sums may round in another order (a few units "
                    "in the last place of the terms summed)."]


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

# The same three for d inputs and k outputs (any model but 1-1): W, A as rows, the scaling always
# written out (exact when it is the identity: (x - 0) / 1 = x). One loop more for the inputs, one for
# the outputs; the sums in the order predict makes them: z_i = sum_j W[i][j] u[j], then + B[i].
PYTHON_N = Template('''"""$header"""
import math

W = ($W)  # W[i][j]: input j -> neuron i
B = ($b,)  # B[i]
A = ($A)  # A[k][i]: neuron i -> output k
X_SHIFT = ($x_shift,)  # u[j] = (x[j] - X_SHIFT[j]) / X_SCALE[j]
X_SCALE = ($x_scale,)
Y_SHIFT = ($y_shift,)  # y[k] = s[k] * Y_SCALE[k] + Y_SHIFT[k]
Y_SCALE = ($y_scale,)


def act(z):
    return $act


def predict(x):
    """y_hat for one point: x $x_doc; $y_doc."""
    x = $x_list
    if len(x) != $d:
        raise ValueError(f"predict takes $d numbers, got {len(x)}")
    u = [(v - m) / c for v, m, c in zip(x, X_SHIFT, X_SCALE)]
    h = []
    for w, b in zip(W, B):
        z = 0.0
        for w_j, u_j in zip(w, u):
            z += w_j * u_j
        h.append(act(z + b))
    y = []
    for a, m, c in zip(A, Y_SHIFT, Y_SCALE):
        s = 0.0
        for a_i, h_i in zip(a, h):
            s += h_i * a_i
        y.append(s * c + m)
    return $y_return
''')

C_N = Template('''/*
$header *
 * C99, self-contained: compile it with your program and link with -lm. Its header is one line:
 *     double nnfit_predict(const double x[$d], double y[$k]);
 * x: the $d inputs; y: filled with the $k outputs (or NULL, to get y[0] alone); returns y[0].
 */
#include <math.h>
#include <stddef.h>

double nnfit_predict(const double x[$d], double y[$k]);

static const double nnfit_w[$H][$d] = {$W};  /* W[i][j]: input j -> neuron i */
static const double nnfit_b[$H] = {$b};
static const double nnfit_a[$k][$H] = {$A};  /* A[k][i]: neuron i -> output k */
static const double nnfit_x_shift[$d] = {$x_shift};
static const double nnfit_x_scale[$d] = {$x_scale};
static const double nnfit_y_shift[$k] = {$y_shift};
static const double nnfit_y_scale[$k] = {$y_scale};

static double nnfit_act(double z)
{
    return $act;
}

double nnfit_predict(const double x[$d], double y[$k])
{
    double u[$d], h[$H], s, y0 = 0.0;
    int i, j, k;
    for (j = 0; j < $d; ++j)
        u[j] = (x[j] - nnfit_x_shift[j]) / nnfit_x_scale[j];
    for (i = 0; i < $H; ++i) {
        double z = 0.0;
        for (j = 0; j < $d; ++j)
            z += nnfit_w[i][j] * u[j];
        h[i] = nnfit_act(z + nnfit_b[i]);
    }
    for (k = 0; k < $k; ++k) {
        s = 0.0;
        for (i = 0; i < $H; ++i)
            s += h[i] * nnfit_a[k][i];
        s = s * nnfit_y_scale[k] + nnfit_y_shift[k];
        if (k == 0)
            y0 = s;
        if (y != NULL)
            y[k] = s;
    }
    return y0;
}
''')

JS_N = Template('''$header
const W = [$W];  // W[i][j]: input j -> neuron i
const B = [$b];  // B[i]
const A = [$A];  // A[k][i]: neuron i -> output k
const X_SHIFT = [$x_shift];  // u[j] = (x[j] - X_SHIFT[j]) / X_SCALE[j]
const X_SCALE = [$x_scale];
const Y_SHIFT = [$y_shift];  // y[k] = s[k] * Y_SCALE[k] + Y_SHIFT[k]
const Y_SCALE = [$y_scale];

function act(z) {
  return $act;
}

// y_hat for one point: x $x_doc; $y_doc.
export function predict(x) {
  const xs = $x_list;
  if (xs.length !== $d) throw new RangeError(`predict takes $d numbers, got $${xs.length}`);
  const u = xs.map((v, j) => (v - X_SHIFT[j]) / X_SCALE[j]);
  const h = W.map((w, i) => {
    let z = 0.0;
    for (let j = 0; j < w.length; j++) z += w[j] * u[j];
    return act(z + B[i]);
  });
  const y = A.map((a, k) => {
    let s = 0.0;
    for (let i = 0; i < a.length; i++) s += h[i] * a[i];
    return s * Y_SCALE[k] + Y_SHIFT[k];
  });
  return $y_return;
}
''')

# How each language takes x (as a list, when d = 1 and when d > 1) and gives y back (k = 1, k > 1),
# and how it writes a matrix's rows (open, close, indent).
SHAPES = {"python": ("[float(x)]", "[float(v) for v in x]", "y[0]", "y"),
          "js": ("[Number(x)]", 'typeof x === "number" ? [x] : Array.from(x, Number)', "y[0]", "y"),
          "c": ("", "", "", "")}
ROWS = {"python": ("(", ")", "\n    "), "js": ("[", "]", "\n  "), "c": ("{", "}", "\n    ")}


def rows(lang, M):
    """A matrix one row a line; Python's rows are tuples, so a row of one number needs its comma."""
    open_, close, indent = ROWS[lang]
    one = "," if lang == "python" and M.shape[1] == 1 else ""
    text = "".join(f"{indent}{open_}{joined(r)}{one}{close}," for r in M)
    return (text if lang == "python" else text.rstrip(",")) + "\n"


def fill_n(template, lang, model, header):
    """A d-H-k template with the model's numbers."""
    L = layers(model)
    (H, d), k = L["W"].shape, L["A"].shape[0]
    x1, xd, y1, yk = SHAPES[lang]
    floats, list_ = ("floats", "list") if lang == "python" else ("numbers", "array")
    return template.substitute(
        header=header, H=H, d=d, k=k, W=rows(lang, L["W"]), b=joined(L["B"]), A=rows(lang, L["A"]),
        act=ACT[lang][L["activation"]], **{n: joined(L[n]) for n in ("x_shift", "x_scale", "y_shift", "y_scale")},
        x_list=x1 if d == 1 else xd, y_return=y1 if k == 1 else yk,
        x_doc="a number" if d == 1 else f"a {'sequence' if lang == 'python' else list_} of {d} numbers",
        y_doc=f"returns a {floats[:-1]}" if k == 1 else f"returns a{'n' * (list_ == 'array')} {list_} of {k} {floats}")


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


def one_to_one(model):
    return model.n_inputs == model.n_outputs == 1


def to_python(model, source=None):
    """A module that imports only math and defines predict(x): x a number (d = 1) or a sequence of d
    numbers; returns a float, or a list of k floats."""
    text = "\n".join(header(model, source)) + "\n"
    return fill(PYTHON, "python", model, text) if one_to_one(model) else fill_n(PYTHON_N, "python", model, text)


def to_c(model, source=None):
    """C99, needing only <math.h> (link with -lm): `double nnfit_predict(double x)` for a 1-H-1
    network, else `double nnfit_predict(const double x[d], double y[k])` (fills y, returns y[0])."""
    text = commented(model, source, " *")
    return fill(C, "c", model, text) if one_to_one(model) else fill_n(C_N, "c", model, text)


def to_js(model, source=None):
    """An ES module exporting predict(x): x a number (d = 1) or an array of d numbers; returns a
    number, or an array of k numbers."""
    text = commented(model, source, "//")
    return fill(JS, "js", model, text) if one_to_one(model) else fill_n(JS_N, "js", model, text)


def tex(v):
    """|v| in LaTeX at full precision: 1.25e-05 -> 1.25\\times 10^{-5}."""
    m, _e, e = num(abs(v)).partition("e")
    return f"{m}\\times 10^{{{int(e)}}}" if e else m


def signed(v, first=False):
    """v as a term of a sum: '+ 2.5' or '- 2.5', or '2.5' / '-2.5' when it comes first."""
    return ("-" if v < 0 else "" if first else "+") + ("" if first else " ") + tex(v)


def shifted(x, shift):
    """x - shift as TeX: 'x - 2.5', 'x + 1', or 'x' alone for a shift of 0 (--scale none, or an input's mean 0)."""
    return f"{x} {signed(-shift)}" if shift != 0 else x


def to_latex(model, source=None):
    """The formula in the chapter's notation, then with the numbers, one neuron per line (amsmath align*)."""
    if not one_to_one(model):
        return to_latex_n(model, source)
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
        lines += [f"u &= \\frac{{x - x_{{\\mathrm{{shift}}}}}}{{x_{{\\mathrm{{scale}}}}}} = \\frac{{{shifted('x', xs)}}}{{{tex(xc)}}}",
                  f"\\hat{{y}} &= y_{{\\mathrm{{shift}}}} + y_{{\\mathrm{{scale}}}} \\sum_{{i=1}}^{{{len(terms)}}} a_i\\,{f}({inner})",
                  f"&= {signed(ys, True)} {'+' if yc >= 0 else '-'} {tex(yc)}\\,\\Bigl[{terms[0]}"]
        lines += [f"&\\qquad {t}" for t in terms[1:]]
        lines[-1] += r"\Bigr]"
    else:
        lines += [f"\\hat{{y}} &= \\sum_{{i=1}}^{{{len(terms)}}} a_i\\,{f}({inner})", f"&= {terms[0]}"]
        lines += [f"&\\qquad {t}" for t in terms[1:]]
    return (commented(model, source, "%") + f"% Needs amsmath. Here {TEX_DEF[act]}.\n"
            "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n")


def to_latex_n(model, source=None):
    """d inputs and k outputs: the formula (u_j per input, h_i per neuron, one line per output), then
    the same lines with the numbers; indices count from 1, as the chapter's i does."""
    L = layers(model)
    (H, d), k = L["W"].shape, L["A"].shape[0]
    act, (open_, close) = L["activation"], TEX_ACT[L["activation"]]
    f = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\max"}[act]
    x_scaled = bool(np.any(L["x_shift"] != 0) or np.any(L["x_scale"] != 1))
    y_scaled = bool(np.any(L["y_shift"] != 0) or np.any(L["y_scale"] != 1))
    v = "u" if x_scaled else "x"
    inner = ("0,\\ " if act == "relu" else "") + f"\\sum_{{j=1}}^{{{d}}} w_{{ij}}\\,{v}_j + b_i"
    formula = [r"u_j &= \frac{x_j - x_{\mathrm{shift},j}}{x_{\mathrm{scale},j}}, \quad j = 1, \dots, "
               + str(d)] * x_scaled
    formula += [f"h_i &= {f}({inner}), \\quad i = 1, \\dots, {H}",
                (r"\hat{y}_k &= y_{\mathrm{shift},k} + y_{\mathrm{scale},k} " if y_scaled else r"\hat{y}_k &= ")
                + f"\\sum_{{i=1}}^{{{H}}} a_{{ki}}\\,h_i, \\quad k = 1, \\dots, {k}"]
    numbers = [f"u_{{{j + 1}}} &= \\frac{{{shifted(f'x_{{{j + 1}}}', L['x_shift'][j])}}}{{{tex(L['x_scale'][j])}}}"
               for j in range(d)] * x_scaled
    for i in range(H):  # h_i = act(w_i1 u_1 + ... + w_id u_d + b_i)
        terms = " ".join(f"{signed(w, j == 0)}\\,{v}_{{{j + 1}}}" for j, w in enumerate(L["W"][i]))
        numbers.append(f"h_{{{i + 1}}} &= {open_}{terms} {signed(L['B'][i])}{close}")
    for o in range(k):  # y_k = y_shift + y_scale [a_k1 h_1 + ... + a_kH h_H], four terms a line
        terms = [f"{signed(a, i == 0)}\\,h_{{{i + 1}}}" for i, a in enumerate(L["A"][o])]
        parts = [" ".join(terms[i:i + 4]) for i in range(0, H, 4)]
        if y_scaled:
            ys, yc = L["y_shift"][o], L["y_scale"][o]
            parts[0] = f"{signed(ys, True)} {'+' if yc >= 0 else '-'} {tex(yc)}\\,\\Bigl[{parts[0]}"
            parts[-1] += r"\Bigr]"
        numbers += [f"\\hat{{y}}_{{{o + 1}}} &= {parts[0]}"] + [f"&\\qquad {p}" for p in parts[1:]]
    names = [f"{side} {', '.join(map(shown, n))}" for side, n in (("inputs", model.x_names), ("outputs", model.y_names)) if n]
    first = "x" if d == 1 else "x[0]"
    return (commented(model, source, "%") + f"% Needs amsmath. Here {TEX_DEF[act]}. Indices count from 1: x_1 is {first}"
            + (f" ({'; '.join(names)})" if names else "") + ".\n"
            + "".join("\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n" for lines in (formula, numbers)))


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
    pairs = [model.x_range] if model.n_inputs == 1 else model.x_range  # "lo,hi", one pair per input joined by ";"
    props = {"activation": L["activation"], "hidden": str(L["B"].size), "kind": model.kind,
             "x_range": ";".join(f"{num(lo)},{num(hi)}" for lo, hi in pairs)}
    props.update({f"{side}_names": ",".join(n) for side, n in (("x", model.x_names), ("y", model.y_names)) if n})
    helper.set_model_props(m, props)
    onnx.checker.check_model(m)
    return m.SerializeToString()


TARGETS = {"python": to_python, "c": to_c, "js": to_js, "latex": to_latex, "onnx": to_onnx}


def export(model, to, source=None):
    """The model as `to` (a key of TARGETS): text as a str, ONNX as bytes."""
    if not isinstance(to, str) or to not in TARGETS:  # (the CLI checks --to first; the API's callers: helper-86)
        raise ConfigError("to", _("must be one of {choices}; got {value!r}").format(choices=", ".join(TARGETS), value=to))
    if not hasattr(model, "check"):
        raise ConfigError("model", _("must be a nnfit Model, got {type}").format(type=type(model).__name__))
    model.check()  # (its attributes, changed since it was made: helper-86)
    if not all(np.isfinite(np.asarray(p, dtype=np.float64)).all() for p in model.params):  # (C would not compile `inf`)
        from .train import TrainingDiverged
        raise TrainingDiverged(_("this model's training diverged: its parameters are not finite, so it has no "
                                 "predictions; train it again with a smaller lr"))
    return TARGETS[to](model, source)


def write_new(path, content):
    """Write content (str or bytes) to a new file, all or nothing: into a temporary file beside it,
    then hard-linked into place, which fails if the file exists — an existing file is never touched.
    RunDirError (one line) when it cannot."""
    from .runs import RunDirError, dangling, umask
    path = os.fspath(path)
    if os.path.lexists(path):
        dangling(path, "-o")
        if os.path.isdir(path):  # (helper-67: "never overwrites a file" for a directory)
            raise RunDirError(_("{path}: is a directory; -o names the new file to write in it").format(
                path=path.rstrip("/") or "/"))
        raise RunDirError(_("{path}: already exists; nnfit never overwrites a file, give a new -o").format(path=path))
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = None, None
    try:
        # (a short name of its own: the file's name and a suffix went past 255 bytes for names of 246 and more)
        fd, tmp = tempfile.mkstemp(prefix=".nnfit-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(path)))
        os.fchmod(fd, 0o666 & ~umask())  # as a plain new file under the umask, not mkstemp's 0o600
        with os.fdopen(fd, "wb") as f:
            fd = None
            f.write(data)
        try:
            os.link(tmp, path)  # atomic, and never replaces
        except FileExistsError:
            raise RunDirError(_("{path}: already exists; nnfit never overwrites a file, give a new -o").format(path=path)) from None
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            os.rename(tmp, path)  # a file system without hard links
    except OSError as e:
        raise RunDirError(_("{path}: cannot write: {reason}").format(path=path, reason=system_reason(e))) from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.lexists(tmp):
            os.remove(tmp)
    return path
