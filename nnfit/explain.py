"""`nnfit explain`: the ledger of one SGD step of a real run.

It trains the run up to the chosen step (the chapter's engine, `scalar`, by default), then shows the
step as the chapter computes it: the sample, every neuron's z_i = w_i x + b_i, h_i = σ(z_i) and
a_i h_i, ŷ and the loss (ŷ - y)^2, all in the run's dtype; each parameter's gradient three ways,

    autograd     what torch's loss.backward() gives in the run's dtype (float32 by default), the
                 number the chapter's update really uses
    by hand      the chain rule in float64 (nnfit/engines/manual.py)
    finite diff  (L(p + ε) - L(p - ε)) / 2ε in float64

and the update old -> new = old - lr * grad, `new` computed by the engine itself.

`step_ledger` returns the ledger as plain JSON-able numbers (for the `nnfit play` page too);
`explain` formats it as text.
"""
from dataclasses import replace
import unicodedata

import numpy as np

from . import engines
from .activations import PRIME_TEXT
from .config import shown_int
from .i18n import _
from .model import network
from .params import NAMES, Params, init_params
from .train import TrainingDiverged, check_finite, divergence_hint, epoch_order, warn_if_x_collapses

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SYMBOL = {"sigmoid": "σ"}  # as the chapter writes it; other activations by name
GRADIENT = {"w": "2(ŷ−y)·a{i}·{d}·x", "b": "2(ŷ−y)·a{i}·{d}", "a": "2(ŷ−y)·h{i}"}


def sub(i):
    """1 -> '₁', 12 -> '₁₂': the chapter's subscripts."""
    return str(i).translate(SUB)


def formulas(activation, hidden, batch=1):
    """The formula text of the step, and of each parameter's gradient, by name ('w1', ...)."""
    s = SYMBOL.get(activation, activation)
    mean = f"(1/{batch})Σ " if batch > 1 else ""
    text = {"z": "zᵢ = wᵢ·x + bᵢ", "h": f"hᵢ = {s}(zᵢ)", "y_hat": "ŷ = " + " + ".join(
                f"a{sub(i)}h{sub(i)}" for i in range(1, min(hidden, 3) + 1)) + (" + …" if hidden > 3 else ""),
            "loss": f"L = {mean}(ŷ − y)²", "update": "new = old − lr·∂L/∂p"}
    for name in NAMES:
        for i in range(1, hidden + 1):
            d = PRIME_TEXT[activation].replace("-", "−").format(i=sub(i))  # act'(z_i), the registry's
            text[f"{name}{i}"] = f"∂L/∂{name}{sub(i)} = {mean}" + GRADIENT[name].format(i=sub(i), d=d)
    return text


TORCH_SAMPLES = 200_000  # the most samples the torch engines (scalar, matrix) train on to reach a step (about 0.3-0.4 ms each:
                         # 80 s); the manual engine has no such limit


def check_step(cfg, n, epoch, sample):
    """ValueError (one line) unless step `sample` of epoch `epoch` exists for n points, and, on the
    torch engines (the chapter's scalar one is explain's default), can be reached in minutes: they train
    through torch's autograd one sample at a time, and --epoch 1e8 ran for days."""
    steps = -(-n // cfg.batch_size)
    if not 1 <= epoch <= cfg.epochs:
        raise ValueError(_("--epoch must be between 1 and {epochs} (the run's --epochs), got {epoch}").format(
            epochs=cfg.epochs, epoch=shown_int(epoch)))
    if not 1 <= sample <= steps:
        raise ValueError(_("--sample must be between 1 and {steps} (steps per epoch), got {sample}").format(
            steps=steps, sample=shown_int(sample)))
    before = (epoch - 1) * n + (sample - 1) * cfg.batch_size  # the samples trained on before the step
    if cfg.resolved_engine() in ("scalar", "matrix") and before > TORCH_SAMPLES:
        raise ValueError(_("--epoch {epoch} --sample {sample} on {n} points is {samples} samples before the step for the "
                           "{engine} engine, more than its {limit} (about 0.4 ms each); use --engine manual (the same "
                           "digits in practice) or an earlier step").format(
                             epoch=shown_int(epoch), sample=shown_int(sample), n=n, samples=shown_int(before),
                             engine=cfg.resolved_engine(), limit=shown_int(TORCH_SAMPLES)))


def state_before_step(cfg, x, y, epoch, sample):
    """The run's parameters just before step `sample` of epoch `epoch`, and that step's sample indices.

    Raises TrainingDiverged when the loss becomes NaN or infinite on the way there."""
    check_step(cfg, len(x), epoch, sample)
    start = Params(*(p[None, :] for p in init_params(cfg.seed, cfg.hidden, cfg.dtype)))
    engine = engines.get(cfg.resolved_engine()).Engine(start, cfg)
    order = lambda e: epoch_order(cfg.seed, 1, len(x), e) if cfg.shuffle else np.arange(len(x))[None, :]
    for e in range(epoch - 1):
        check_finite(engine.epoch(x, y, order(e), cfg.batch_size) / len(x), e + 1, cfg, x, y)
    current = order(epoch - 1)
    done = (sample - 1) * cfg.batch_size
    if done:
        check_finite(engine.epoch(x, y, current[:, :done], cfg.batch_size) / done, epoch, cfg, x, y)
    params = Params(*(p[0] for p in engine.params()))
    if not np.all(np.isfinite(params.flat())):
        check_finite(np.array([np.inf]), epoch, cfg, x, y)
    return params, current[0, done:done + cfg.batch_size]


def finite_differences(params, x, y, activation, eps=1e-6):
    flat = params.flat().astype(np.float64)
    grad = np.empty_like(flat)
    for j in range(len(flat)):
        up, down = flat.copy(), flat.copy()
        up[j] += eps
        down[j] -= eps
        loss = lambda v: np.mean((network(Params.from_flat(v), x, activation)[0] - y) ** 2)
        grad[j] = (loss(up) - loss(down)) / (2 * eps)
    return Params.from_flat(grad)


def forward_in_dtype(params, xb, yb, activation, dtype):
    """z_i, h_i, a_i h_i, ŷ and ŷ − y per sample, computed as the chapter's forward() does, in the run's dtype."""
    from ._torch import require_torch
    from .engines.scalar import ACT
    torch = require_torch("explain's autograd column")
    t = lambda v: torch.tensor([float(v)], dtype=getattr(torch, dtype))
    w, b, a = ([t(v) for v in p] for p in params)
    rows = []
    for x, y in zip(xb, yb):
        z = [w_i * float(x) + b_i for w_i, b_i in zip(w, b)]  # z_i = w_i x + b_i
        h = [ACT[activation](z_i) for z_i in z]  # h_i = σ(z_i)
        ah = [a_i * h_i for a_i, h_i in zip(a, h)]
        y_hat = ah[0]
        for term in ah[1:]:  # ŷ = a_1 h_1 + a_2 h_2 + ... left to right, as the chapter adds
            y_hat = y_hat + term
        rows.append(([v.item() for v in z], [v.item() for v in h], [v.item() for v in ah], y_hat.item(),
                     (y_hat - float(y)).item()))
    return rows


def step_ledger(params, x, y, idx, cfg):
    """The ledger of one SGD step from `params` (w, b, a of shape (H,)) on the samples x[idx], y[idx].

    Plain floats and lists only (json.dumps-able): the samples with each neuron's z, h, a·h, ŷ and ŷ − y
    and the loss (run's dtype); per parameter its gradient by autograd (run's dtype, the scalar engine,
    as the chapter computes it), by hand (float64 chain rule) and by finite differences (float64),
    the formula, and old -> new where new is what cfg's engine computes. TrainingDiverged if the step's
    loss or new values are not finite."""
    idx = np.asarray(idx).reshape(-1)
    xb, yb = x[idx], y[idx]
    params = Params(*(np.asarray(p, dtype=cfg.dtype).reshape(-1) for p in params))
    one = Params(*(p[None, :] for p in params))  # (1, H): the engines' shape
    loss, autograd = engines.get("scalar").Engine(one, replace(cfg, models=1)).gradients(xb, yb)
    f64 = replace(cfg, dtype="float64", models=1)
    one64 = Params(*(p.astype(np.float64) for p in one))
    _loss, by_hand = engines.get("manual").Engine(one64, f64).gradients(xb, yb)
    by_fd = finite_differences(params, xb, yb, cfg.activation)
    engine = engines.get(cfg.resolved_engine()).Engine(Params(*(p.copy() for p in one)), replace(cfg, models=1))
    engine.epoch(x, y, idx[None, :], len(idx))  # the step itself, as training does it
    new = Params(*(p[0] for p in engine.params()))
    if not (np.isfinite(loss) and np.all(np.isfinite(new.flat())) and np.all(np.isfinite(autograd.flat()))):
        what = (_("the loss became {loss}").format(loss=loss) if not np.isfinite(loss) else
                _("the gradient became non-finite") if not np.all(np.isfinite(autograd.flat())) else
                _("the new weights became non-finite ({dtype} overflowed)").format(dtype=cfg.dtype))
        raise TrainingDiverged(_("{what} at this step with lr {lr:g}; {hint}").format(
            what=what, lr=cfg.lr, hint=divergence_hint(cfg, x, y)))
    text = formulas(cfg.activation, cfg.hidden, len(idx))
    forward = forward_in_dtype(params, xb, yb, cfg.activation, cfg.dtype)
    samples = [{"index": int(k), "x": float(xv), "y": float(yv), "z": z, "h": h, "ah": ah, "y_hat": y_hat, "error": error}
               for k, xv, yv, (z, h, ah, y_hat, error) in zip(idx, xb, yb, forward)]
    rows, worst = [], [0.0, 0.0]
    for name in NAMES:
        for i in range(cfg.hidden):
            g = [float(getattr(v, name)[i]) + 0.0 for v in (autograd, by_hand, by_fd)]  # + 0.0: no -0
            worst = [max(worst[0], abs(g[0] - g[1])), max(worst[1], abs(g[1] - g[2]))]
            rows.append({"name": f"{name}{i + 1}", "kind": name, "i": i + 1, "formula": text[f"{name}{i + 1}"],
                         "autograd": g[0], "hand": g[1], "fd": g[2],
                         "old": float(getattr(params, name)[i]), "new": float(getattr(new, name)[i])})
    return {"seed": cfg.seed, "lr": cfg.lr, "activation": cfg.activation, "hidden": cfg.hidden,
            "engine": cfg.resolved_engine(), "dtype": cfg.dtype, "batch": len(idx),
            "samples": samples, "loss": float(loss), "params": rows, "formulas": text,
            "max_diff_autograd_hand": worst[0], "max_diff_hand_fd": worst[1]}


def ledger(cfg, x, y, epoch=1, sample=1):
    """Train to step `sample` of epoch `epoch` (as the run does) and return that step's ledger."""
    warn_if_x_collapses(x, cfg.dtype)  # (as train warns: the ledger's steps run in the run's dtype)
    params, idx = state_before_step(cfg, x, y, epoch, sample)
    return {"epoch": epoch, "sample": sample, **step_ledger(params, x, y, idx, cfg)}


WORDS = {
    "en": {"step": "SGD step {k} of epoch {e}  (seed {s}, lr {lr:g}, {act}, engine {eng}, {dtype})",
           "sample": "sample {n}: x = {x:.6g}, y = {y:.6g}", "neuron": "neuron", "loss": "loss",
           "param": "param", "formula": "gradient (chain rule)", "autograd": "autograd {dtype}",
           "hand": "by hand float64", "fd": "finite diff float64", "update": "update: old − lr·autograd = new",
           "agree": "largest |autograd − by hand| = {d1:.2e} (rounding in {dtype}; relatively larger where a sigmoid is near 1 "
                    "and 1 − h cancels); largest |by hand − finite diff| = {d2:.2e}"},
    "zh": {"step": "第 {e} 轮第 {k} 步 SGD（种子 {s}，学习率 {lr:g}，{act}，引擎 {eng}，{dtype}）",
           "sample": "样本 {n}：x = {x:.6g}，y = {y:.6g}", "neuron": "神经元", "loss": "损失",
           "param": "参数", "formula": "偏导数（链式法则）", "autograd": "自动求导 {dtype}",
           "hand": "手算 float64", "fd": "有限差分 float64", "update": "更新：旧值 − lr·自动求导 = 新值",
           "agree": "|自动求导 − 手算| 最大 {d1:.2e}（{dtype} 的舍入；在 sigmoid 接近 1、1 − h 相消处相对误差更大）；"
                    "|手算 − 有限差分| 最大 {d2:.2e}"},
}


def width(text):
    """Display width in a terminal: CJK wide and full-width characters take two columns."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows, align):
    """Rows of cells as lines, each column padded to its display width ('<' left, '>' right)."""
    widths = [max(width(r[j]) for r in rows) for j in range(len(align))]
    pad = lambda s, w, a: s + " " * (w - width(s)) if a == "<" else " " * (w - width(s)) + s
    return ["  ".join(pad(c, w, a) for c, w, a in zip(r, widths, align)).rstrip() for r in rows]


def explain(cfg, x, y, epoch=1, sample=1, lang="zh"):
    """The ledger of step `sample` of epoch `epoch` as text."""
    t = WORDS[lang]
    d = ledger(cfg, x, y, epoch, sample)
    f = d["formulas"]
    act = f"σ = {cfg.activation}" if cfg.activation in SYMBOL else cfg.activation
    lines = [t["step"].format(k=sample, e=epoch, s=cfg.seed, lr=cfg.lr, act=act, eng=d["engine"], dtype=cfg.dtype), ""]
    for s in d["samples"]:
        lines.append(t["sample"].format(n=s["index"] + 1, x=s["x"], y=s["y"]))
        rows = [[t["neuron"], f["z"], f["h"], "aᵢ·hᵢ"]]
        rows += [[f"{i + 1}", f"{z:.6g}", f"{h:.6g}", f"{ah:.6g}"] for i, (z, h, ah) in enumerate(zip(s["z"], s["h"], s["ah"]))]
        lines += ["  " + line for line in table(rows, "<>>>")]
        lines.append(f"  ŷ = Σ aᵢ·hᵢ = {s['y_hat']:.6g}    ŷ − y = {s['error']:.6g}")
    lines += [f"{t['loss']} {f['loss']} = {d['loss']:.6g}", ""]
    rows = [[t["param"], t["formula"], t["autograd"].format(dtype=cfg.dtype), t["hand"], t["fd"], t["update"]]]
    for r in d["params"]:
        rows.append([r["kind"] + sub(r["i"]), r["formula"], f"{r['autograd']:.6g}", f"{r['hand']:.6g}",
                     f"{r['fd']:.6g}", f"{r['old']:.8g} − {cfg.lr:g}·({r['autograd']:.6g}) = {r['new']:.8g}"])
    lines += table(rows, "<<>>><")
    lines += ["", t["agree"].format(d1=d["max_diff_autograd_hand"], d2=d["max_diff_hand_fd"], dtype=cfg.dtype)]
    return "\n".join(lines)
