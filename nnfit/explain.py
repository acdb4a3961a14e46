"""`nnfit explain`: the ledger of one SGD step of a real run.

It trains the run up to the chosen step with the chosen engine, then shows the step: the sample,
every neuron's z_i and h_i, y_hat and the loss; each parameter's gradient formula and its value by
hand (the chain rule, manual.py), by torch autograd and by central finite differences; and the
update old -> new = old - lr * gradient.
"""
from dataclasses import replace

import numpy as np

from . import engines
from .model import network
from .params import Params, init_params
from .train import epoch_order

WORDS = {
    "en": {"step": "SGD step {k} of epoch {e} (seed {s}, lr {lr:g}, {act}, engine {eng})",
           "sample": "sample", "forward": "forward pass", "neuron": "neuron",
           "loss": "loss L = mean (y_hat - y)^2", "param": "param", "formula": "gradient formula",
           "hand": "by hand", "autograd": "autograd", "fd": "finite diff", "update": "update old -> new",
           "agree": "largest difference between the three gradients: {d:.2e}"},
    "zh": {"step": "第 {e} 轮第 {k} 步 SGD（种子 {s}，学习率 {lr:g}，{act}，引擎 {eng}）",
           "sample": "样本", "forward": "前向传播", "neuron": "神经元",
           "loss": "损失 L = (y_hat - y)^2 的均值", "param": "参数", "formula": "梯度公式",
           "hand": "手算", "autograd": "自动求导", "fd": "有限差分", "update": "更新 旧值 -> 新值",
           "agree": "三种梯度的最大差异：{d:.2e}"},
}
PRIME = {"sigmoid": "h{i}(1-h{i})", "tanh": "(1-h{i}^2)", "relu": "[z{i}>0]"}


def state_before_step(cfg, x, y, epoch, sample):
    """The run's parameters just before step `sample` of epoch `epoch`, and that step's sample indices."""
    steps = -(-len(x) // cfg.batch_size)
    if not 1 <= epoch <= cfg.epochs:
        raise ValueError(f"--epoch must be between 1 and {cfg.epochs}, got {epoch}")
    if not 1 <= sample <= steps:
        raise ValueError(f"--sample must be between 1 and {steps} (steps per epoch), got {sample}")
    start = Params(*(p[None, :] for p in init_params(cfg.seed, cfg.hidden, cfg.dtype)))
    engine = engines.get(cfg.resolved_engine()).Engine(start, cfg)
    order = lambda e: epoch_order(cfg.seed, 1, len(x), e) if cfg.shuffle else np.arange(len(x))[None, :]
    for e in range(epoch - 1):
        engine.epoch(x, y, order(e), cfg.batch_size)
    current = order(epoch - 1)
    done = (sample - 1) * cfg.batch_size
    if done:
        engine.epoch(x, y, current[:, :done], cfg.batch_size)
    return Params(*(p[0] for p in engine.params())), current[0, done:done + cfg.batch_size]


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


def explain(cfg, x, y, epoch=1, sample=1, lang="en"):
    """The ledger as text."""
    t = WORDS[lang]
    params, idx = state_before_step(cfg, x, y, epoch, sample)
    xb, yb = x[idx], y[idx]
    H = cfg.hidden
    p64 = Params(*(p.astype(np.float64) for p in params))
    f64 = replace(cfg, dtype="float64", models=1)
    one = Params(*(p[None, :] for p in p64))
    loss, by_hand = engines.get("manual").Engine(one, f64).gradients(xb, yb)
    _, by_autograd = engines.get("matrix").Engine(one, f64).gradients(xb, yb)
    by_fd = finite_differences(p64, xb, yb, cfg.activation)
    y_hat, z, h = network(p64, xb, cfg.activation)

    lines = [t["step"].format(k=sample, e=epoch, s=cfg.seed, lr=cfg.lr, act=cfg.activation, eng=cfg.resolved_engine()), ""]
    for n in range(len(xb)):
        lines.append(f"{t['sample']} {idx[n] + 1}: x = {xb[n]:.6g}, y = {yb[n]:.6g}")
        lines.append(f"  {t['forward']}:")
        lines.append(f"  {t['neuron']:>8} {'z_i = w_i x + b_i':>20} {'h_i = act(z_i)':>16} {'a_i h_i':>12}")
        for i in range(H):
            lines.append(f"  {i + 1:>8} {z[n, i]:>20.6g} {h[n, i]:>16.6g} {p64.a[i] * h[n, i]:>12.6g}")
        lines.append(f"  y_hat = sum_i a_i h_i = {y_hat[n]:.6g}   y_hat - y = {y_hat[n] - yb[n]:.6g}")
    lines.append(f"{t['loss']} = {loss:.6g}")
    lines.append("")
    mean = "mean " if len(xb) > 1 else ""
    formulas = {"w": "{m}2(y_hat-y) a{i} " + PRIME[cfg.activation] + " x",
                "b": "{m}2(y_hat-y) a{i} " + PRIME[cfg.activation],
                "a": "{m}2(y_hat-y) h{i}"}
    lines.append(f"{t['param']:<6} {t['formula']:<30} {t['hand']:>13} {t['autograd']:>13} {t['fd']:>13}   {t['update']}")
    worst = 0.0
    for name in "wba":
        for i in range(H):
            g1, g2, g3 = (getattr(g, name)[i] for g in (by_hand, by_autograd, by_fd))
            old = getattr(params, name)[i]
            new = old - cfg.lr * g1
            worst = max(worst, abs(g1 - g2), abs(g1 - g3))
            formula = formulas[name].format(m=mean, i=i + 1)
            lines.append(f"{name}{i + 1:<5} {formula:<30} {g1:>13.6g} {g2:>13.6g} {g3:>13.6g}   "
                         f"{old:.6g} -> {old:.6g} - {cfg.lr:g} * {g1:.6g} = {new:.6g}")
    lines.append("")
    lines.append(t["agree"].format(d=worst))
    return "\n".join(lines)
