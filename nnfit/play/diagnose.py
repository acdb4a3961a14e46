"""Plain-word diagnostics for the page, in Chinese and English: what is going wrong and what to try.

Each finding is {"level": "error" | "warn" | "info", "code": ..., "zh": ..., "en": ...}.
"""
import numpy as np

from ..model import network
from ..train import stable_lr  # noqa: F401 (the page's divergence finding uses it: session.py)

SATURATED_Z = 5.0  # |z| > 5: σ'(z) < 0.007 (tanh' < 0.0002), so w_i and b_i barely move
USEFUL_X = 5.0     # beyond |x| ≈ 5, σ(w x + b) is flat unless w is small: scaled data learns faster


def finding(level, code, zh, en):
    return {"level": level, "code": code, "zh": zh, "en": en}


def diverged(epoch, loss, lr, good_lr):
    loss_text = "NaN" if loss is None or np.isnan(loss) else f"{loss:.6g}"
    zh = f"损失发散了：第 {epoch} 轮变成 {loss_text}（学习率 {lr:g} 太大，每一步都冲过了谷底）。"
    en = f"The loss diverged: it became {loss_text} at epoch {epoch} (learning rate {lr:g} is too large; each step overshoots)."
    if good_lr is not None:
        zh += f"学习率 {good_lr:g} 不会发散：改小学习率再按“重置”。"
        en += f" Learning rate {good_lr:g} does not diverge: lower it and press Reset."
    else:
        zh += "请改小学习率或缩放数据，再按“重置”。"
        en += " Lower the learning rate or scale the data, then press Reset."
    return finding("error", "diverged", zh, en)


def diagnose(params, x, y, activation):
    """Findings about the current parameters and data (not divergence: the session reports that)."""
    out = []
    _, z, _ = network(params, x, activation)  # (N, H)
    if activation in ("sigmoid", "tanh"):
        for i in np.flatnonzero(np.all(np.abs(z) > SATURATED_Z, axis=0)):
            out.append(finding(
                "warn", "saturated",
                f"神经元 {i + 1} 在每个点上都饱和了（|w{sub(i)}x + b{sub(i)}| > {SATURATED_Z:g}）：σ′ 几乎为 0，"
                f"w{sub(i)} 和 b{sub(i)} 几乎学不动。",
                f"Neuron {i + 1} is saturated on every point (|w{sub(i)}x + b{sub(i)}| > {SATURATED_Z:g}): σ′ is "
                f"almost 0, so w{sub(i)} and b{sub(i)} barely learn."))
    if activation == "relu":
        for i in np.flatnonzero(np.all(z <= 0, axis=0)):
            out.append(finding(
                "warn", "dead_relu",
                f"神经元 {i + 1} 是“死”的 ReLU：在每个点上 w{sub(i)}x + b{sub(i)} ≤ 0，输出和梯度都是 0，它再也学不动了。",
                f"Neuron {i + 1} is a dead ReLU: w{sub(i)}x + b{sub(i)} ≤ 0 on every point, so its output and "
                f"gradients are 0 and it never learns again."))
    x_far = float(np.max(np.abs(x)))
    y_far = float(np.max(np.abs(y)))
    if x_far > USEFUL_X or y_far > USEFUL_X:  # (the tutorial's own data too: a note on why it learns slowly, not a
        # fault in them; helper-88 read "far outside σ's useful range" as "the chapter's data are wrong")
        bounded = activation in ("sigmoid", "tanh")  # (relu neither saturates nor bounds its output)
        zh = ([f"x 的范围较大（|x| 最大 {x_far:.4g}）：σ(wx + b) 只在 |wx + b| < 4 左右有坡度，w 要很小才不饱和"]
              if x_far > USEFUL_X else []) + (
             [f"y 较大（|y| 最大 {y_far:.4g}）：σ 的输出不超过 1，a 要很大才够得着"] if y_far > USEFUL_X else [])
        en = ([f"x spans a wide range (largest |x| {x_far:.4g}): σ(wx + b) has a slope only for |wx + b| below "
               f"about 4, so w must stay small not to saturate"] if x_far > USEFUL_X else []) + (
             [f"y is large (largest |y| {y_far:.4g}): σ's outputs are at most 1, so a must grow large to reach "
              f"it"] if y_far > USEFUL_X else [])
        if not bounded:
            zh = [f"数据的范围较大（|x| 最大 {x_far:.4g}，|y| 最大 {y_far:.4g}）"]
            en = [f"the data span a wide range (largest |x| {x_far:.4g}, |y| {y_far:.4g})"]
        out.append(finding(
            "info", "scale",
            "提示：" + "；".join(zh) + "。把数据缩放到 [-1, 1] 附近会学得更快（nnfit fit 会自动缩放）。",
            "Note: " + "; ".join(en) + ". Data scaled to about [-1, 1] learn faster (nnfit fit scales for you)."))
    return out


def sub(i):
    """The neuron's number as subscript digits: 0 -> ₁."""
    return "".join(chr(0x2080 + int(d)) for d in str(i + 1))
