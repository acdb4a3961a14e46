"""Plots, the only module that imports matplotlib: fit.png, loss.png, diagnostics.png (fit mode) and the
training animation train.gif.

A guest in the caller's process: each picture is its own `matplotlib.figure.Figure` drawn inside
`matplotlib.rc_context`, so no backend, rcParams or pyplot state is changed (pyplot only for --show).
Chinese text uses the Noto Sans SC font that ships in the pylopdf-fonts-zh-cn wheel, so it renders on
a machine with no Chinese font installed; registering it with matplotlib's font list is the one
lasting effect, and it is idempotent.
"""
import os
import sys
import warnings
from contextlib import contextmanager

import numpy as np

from .model import network

TEXT = {
    "zh": {"title": "神经网络拟合结果", "x": "输入 x", "y": "输出 y", "x_of": "输入 {name}", "y_of": "输出 {name}",
           "data": "实际数据点", "model": "模型预测",
           "loss_title": "每轮的平均损失", "epoch": "轮次（epoch）", "loss": "平均损失", "train": "训练集", "val": "验证集",
           "test": "测试集", "best": "最佳轮次 {e}", "kept": "保留的轮次 {e}（贝叶斯正则化：最后一轮）", "terms": "各神经元的项", "band": "95% 预测区间",
           "frame": "第 {e}/{n} 轮，平均损失 {loss:.6f}", "so_far": "截至本轮的每轮平均损失",
           "diag_title": "拟合诊断", "performance": "训练过程：每轮的均方误差", "mse": "均方误差（MSE）",
           "hist_title": "误差直方图（{bins} 个区间）", "error": "误差 = 目标 - 输出", "count": "点数", "zero": "零误差",
           "regression_title": "目标与输出", "target": "目标", "output": "输出", "identity": "输出 = 目标",
           "line": "拟合线：输出 = {m:.3g}·目标 {sign} {c:.3g}", "all": "全部", "residuals_title": "残差",
           "standardized": "（标准化）", "scaled": "（缩放后的单位）", "stats": "R = {r}，RMSE = {rmse:.4g}", "colon": "："},
    "en": {"title": "Neural network fit", "x": "input x", "y": "output y", "x_of": "input {name}", "y_of": "output {name}",
           "data": "data points", "model": "model prediction",
           "loss_title": "Average loss per epoch", "epoch": "epoch", "loss": "average loss", "train": "train", "val": "validation",
           "test": "test", "best": "best epoch {e}", "kept": "kept epoch {e} (Bayesian: the last)", "terms": "each neuron's term", "band": "95% prediction interval",
           "frame": "epoch {e}/{n}, average loss {loss:.6f}", "so_far": "average loss so far",
           "diag_title": "Fit diagnostics", "performance": "Performance: MSE per epoch", "mse": "mean squared error (MSE)",
           "hist_title": "Error histogram ({bins} bins)", "error": "error = target - output", "count": "points", "zero": "zero error",
           "regression_title": "Target vs output", "target": "target", "output": "output", "identity": "output = target",
           "line": "fit: output = {m:.3g}·target {sign} {c:.3g}", "all": "all", "residuals_title": "Residuals",
           "standardized": " (standardized)", "scaled": " (scaled units)", "stats": "R = {r}, RMSE = {rmse:.4g}", "colon": ": "},
}
COLORS = {"train": "blue", "val": "orange", "test": "green"}  # the splits, in every plot
SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAX_FRAMES = 100  # train.gif: one frame per epoch up to this many epochs, evenly spaced epochs beyond
MANY_POINTS = 200  # fit.png: above this many points, the points are drawn small and under the curve


def writable_config_dir():
    """Before matplotlib is first imported: where it could not write its config and cache folder (no home
    directory, a read-only one, MPLCONFIGDIR not a writable folder) it would make a new temporary one
    each run, rebuild its font list there and say so on stderr in two lines; it gets a private folder
    under the system's temporary directory instead, kept between runs (runs.private_temp_dir)."""
    if "matplotlib" in sys.modules:
        return
    home = os.path.expanduser("~")
    given = os.environ.get("MPLCONFIGDIR")
    folders = [given] if given else [os.path.join(os.environ.get(var) or os.path.join(home, sub), "matplotlib")
                                     for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"))]
    if not all(writable_folder(folder) for folder in folders):
        from .runs import private_temp_dir
        os.environ["MPLCONFIGDIR"] = private_temp_dir("matplotlib")


def writable_folder(path):
    try:
        os.makedirs(path, exist_ok=True)  # (what matplotlib would do)
    except OSError:
        return False
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def style():
    """The rc settings of every figure: the bundled Chinese font first, '-' as the minus sign."""
    from matplotlib import font_manager
    import pylopdf_fonts_zh_cn
    path = str(pylopdf_fonts_zh_cn.sans_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return {"font.family": ["Noto Sans SC", "DejaVu Sans"], "font.sans-serif": ["Noto Sans SC", "DejaVu Sans"],
            "axes.unicode_minus": False}


@contextmanager
def figure(show=False, **kw):
    """A Figure inside rc_context; everything drawn and saved inside the `with` uses the style.
    With show=True it is a pyplot figure, shown when the block ends (needs a screen)."""
    writable_config_dir()
    import matplotlib
    with matplotlib.rc_context(style()):
        if not show:
            from matplotlib.figure import Figure
            yield Figure(**kw)
            return
        from matplotlib import pyplot as plt
        fig = plt.figure(**kw)
        try:
            yield fig
            with warnings.catch_warnings():  # DISPLAY set but no window to be had: pyplot fell back to Agg,
                warnings.filterwarnings("ignore", message=".*non-interactive")  # as with no screen, nothing is shown
                plt.show()
        finally:
            plt.close(fig)


def neuron_terms(model, xs):
    """Each neuron's weighted term a_i·act(w_i x + b_i) in the model's units, (len(xs), H);
    they add up to model.predict(xs) minus the output shift (0 unless fit mode scaled y)."""
    s = model.scaling
    _, _, h = network(model.params, (np.asarray(xs, np.float64) - s["x_shift"]) / s["x_scale"], model.config.activation)
    return h * model.params.a * s["y_scale"]  # (N, H)


def term_label(i, activation):
    """'a₁σ(w₁x + b₁)': plain Unicode, not mathtext (parsing it again for every frame is slow)."""
    i = str(i).translate(SUB)
    return f"a{i}{SYMBOL[activation]}(w{i}x + b{i})"


def axis_label(t, axis, names):
    """The chapter's "输入 x" / "输出 y", or the data's column name in its place ("输入 t")."""
    name = names[0] if names else None
    return t[axis] if not name or name == axis else t[axis + "_of"].format(name=name)


def draw_fit(ax, model, x, y, t, terms=False, **legend):
    """The tutorial's figure on one Axes: red points, the prediction on 1000 points in blue, and
    optionally each neuron's term as a thin line; returns the artists the animation updates."""
    lo, hi = model.x_range
    x_dense = np.linspace(lo, hi, 1000)
    if getattr(model, "posterior", None) is not None:  # a Bayesian fit: its 95% prediction interval
        mean, std = model.predict(x_dense, return_std=True)
        ax.fill_between(x_dense, mean - 1.96 * std, mean + 1.96 * std, color="blue", alpha=0.15, linewidth=0,
                        label=t["band"])
    if len(x) <= MANY_POINTS:  # the chapter's plot: the points drawn over the curve
        ax.scatter(x, y, color="red", label=t["data"], zorder=5)
    else:  # thousands of points would hide the curve: small, faint points under it
        ax.scatter(x, y, color="red", label=t["data"], s=6, alpha=0.35, linewidths=0, zorder=1)
    (curve,) = ax.plot(x_dense, model.predict(x_dense), color="blue", label=t["model"], linewidth=2,
                       zorder=2 if len(x) <= MANY_POINTS else 6)
    lines = []
    if terms:
        H = model.config.hidden
        for i, column in enumerate(neuron_terms(model, x_dense).T):
            label = term_label(i + 1, model.config.activation) if H <= 8 else (t["terms"] if i == 0 else None)
            lines += ax.plot(x_dense, column, linewidth=0.9, alpha=0.8, label=label)
    ax.set_title(t["title"], fontsize=14)
    ax.set_xlabel(axis_label(t, "x", getattr(model, "x_names", None)), fontsize=12)
    ax.set_ylabel(axis_label(t, "y", getattr(model, "y_names", None)), fontsize=12)
    ax.grid(True, linestyle="--", alpha=0.7)
    ax.legend(**{"fontsize": 9 if terms else 10, "loc": "best", **legend})
    return x_dense, curve, lines


def plot_fit(model, x, y, path, lang="zh", show=False, terms=False):
    """fit.png: the points in red, the prediction in blue; with terms=True each a_i·σ(w_i x + b_i) too."""
    with figure(show, figsize=(10, 6)) as fig:
        if terms:  # seven or more entries: the legend outside, on the right, where it hides no curve
            fig.subplots_adjust(left=0.08, right=0.76)
            draw_fit(fig.add_subplot(), model, x, y, TEXT[lang], terms, loc="upper left", bbox_to_anchor=(1.01, 1))
        else:
            draw_fit(fig.add_subplot(), model, x, y, TEXT[lang], terms)
        fig.savefig(path, dpi=100)
    return path


def _positive(values):
    """A loss curve for a log axis: epochs 1..len(values), without non-finite or non-positive points."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    epochs = np.arange(1, len(v) + 1)
    keep = np.isfinite(v) & (v > 0)
    return epochs[keep], v[keep]


def plot_loss(path, lang="zh", train=(), val=None, test=None, best_epoch=None, last=False):
    """loss.png: average loss per epoch on a log scale; each curve over the epochs it has (val and test
    may be shorter than train); `best_epoch` (from 1) marked with a vertical line and its label ("kept
    epoch", the last, where `last`: Bayesian regularization keeps its last epoch whatever the training MSE
    did, as its regularized objective fell at every step)."""
    t = TEXT[lang]
    with figure(figsize=(8, 4.5), layout="constrained") as fig:  # constrained: long tick labels never push out the label
        draw_loss(fig.add_subplot(), t, train, val, test, best_epoch, t["loss_title"], t["loss"], last=last)
        fig.savefig(path, dpi=100)
    return path


def kept_last(extra):
    """Whether a fit's kept epoch is its last by rule (Bayesian regularization without a validation split)."""
    return bool(extra.get("bayes")) and not extra.get("split", [0, 0, 0])[1]


def draw_loss(ax, t, train, val, test, best_epoch, title, ylabel, size=12, last=False):
    """The loss curves of plot_loss on one Axes."""
    drawn = []
    for name, values in (("train", train), ("val", val), ("test", test)):
        if values is not None and len(values):
            epochs, positive = _positive(values)
            ax.plot(epochs, positive, color=COLORS[name], label=t[name], marker="o" if len(values) < 3 else None)
            drawn.extend(positive)
    if best_epoch is not None:
        ax.axvline(best_epoch, color="gray", linestyle=":", linewidth=1.5, label=t["kept" if last else "best"].format(e=best_epoch))
    if drawn and max(drawn) >= 10 * min(drawn):  # a log axis needs a positive value, and is worth it over a decade
        ax.set_yscale("log")
        from matplotlib.ticker import LogFormatter
        # over fewer than three decades some ticks between the powers of ten are labelled too, and between 1e-4 and
        # 1e4 as plain numbers (matplotlib's default labels only the powers there: the tutorial's 3.1 to 0.05 read
        # 10^0 and 10^-1 alone; helper-88)
        class Plain(LogFormatter):  # LogFormatter's choice of ticks to label, each as a plain number (0.06, not 6e-02)
            def __call__(self, x, pos=None):
                return f"{x:g}" if super().__call__(x, pos) else ""
        if max(drawn) < 1e4 and min(drawn) > 1e-4 and max(drawn) < 1000 * min(drawn):
            ax.yaxis.set_major_formatter(Plain(labelOnlyBase=True))
            ax.yaxis.set_minor_formatter(Plain(labelOnlyBase=False, minor_thresholds=(3, 1)))
    at = min(best_epoch or len(train), len(train)) if train is not None else 0  # the kept epoch (train's: its last)
    if at and np.isfinite(train[at - 1]) and train[at - 1] > 0:  # its training loss, as the CLI's last line prints it
        ax.annotate(f"{train[at - 1]:.4g}", (at, train[at - 1]), textcoords="offset points", xytext=(0, 6),
                    ha="right", va="bottom", fontsize=size - 3, color=COLORS["train"])
    elif drawn:  # within a decade (a fit refined from a good start: 9.937e-3 to 9.935e-3), a log axis labels its
        # minor ticks 9.9365x10^-3, wide enough to push the axis label out of the figure: plain numbers instead
        from matplotlib.ticker import ScalarFormatter
        ax.yaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    ax.set_title(title, fontsize=size + 2)
    ax.set_xlabel(t["epoch"], fontsize=size)
    ax.set_ylabel(ylabel, fontsize=size)
    ax.grid(True, linestyle="--", alpha=0.7)
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # epochs are whole numbers
    longest = max((len(v) for v in (train, val, test) if v is not None), default=0)
    if longest < 5:  # a fit of an epoch or two: room around its points
        ax.set_xlim(0.5, longest + 0.5)
    ax.legend(fontsize=size - 2)


def frame_epochs(epochs, cap=MAX_FRAMES):
    """The epochs (from 1) that get a frame: all of them up to `cap`, else `cap` evenly spaced ones
    from the first to the last."""
    if epochs <= cap:
        return np.arange(1, epochs + 1)
    return np.unique(np.round(np.linspace(1, epochs, cap)).astype(int))


def animate_training(model, params_history, x, y, path, lang="zh", fps=10, check=None):
    """train.gif: one frame per epoch (capped at MAX_FRAMES): the points, the curve and each neuron's
    term after that epoch, and the average loss so far. `params_history[e - 1]` is the Params after
    epoch e; `model` gives the config, scaling, x-range and loss history. check: called after each
    frame (the CLI's: a signal swallowed while a frame was drawn ends it there). Returns the frame count."""
    from matplotlib.animation import PillowWriter
    from .model import Model
    history = np.asarray(model.history)
    chosen = frame_epochs(len(history))
    states = [Model(params_history[e - 1], model.config, history[:e], model.x_range, model.scaling) for e in chosen]
    t = TEXT[lang]
    with figure(figsize=(10, 7.2), dpi=80) as fig:
        ax, ax_loss = fig.subplots(2, 1, height_ratios=[2.4, 1])
        # the legend outside, on the right: a fixed place (and no "best" search in every frame)
        x_dense, curve, lines = draw_fit(ax, states[-1], x, y, t, terms=True, loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.set_ylim(*_frame_ylim(states, x_dense, y))
        epochs, losses = _positive(history)
        (loss_line,) = ax_loss.plot([], [], color="blue")
        (loss_dot,) = ax_loss.plot([], [], "o", color="blue", markersize=4)
        ax_loss.set_xlim(0.5, len(history) + 0.5)
        if len(losses):
            from matplotlib.ticker import FuncFormatter
            ax_loss.set_yscale("log")
            ax_loss.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.1, not mathtext 10^-1
            ax_loss.set_ylim(losses.min() / 1.3, losses.max() * 1.3)
        ax_loss.set_xlabel(t["epoch"], fontsize=10)
        ax_loss.set_ylabel(t["loss"], fontsize=10)
        ax_loss.set_title(t["so_far"], fontsize=10)
        ax_loss.grid(True, linestyle="--", alpha=0.7)
        fig.tight_layout()

        def draw(k):
            state, e = states[k], int(chosen[k])
            curve.set_ydata(state.predict(x_dense))
            for line, column in zip(lines, neuron_terms(state, x_dense).T):
                line.set_ydata(column)
            upto = epochs <= e
            loss_line.set_data(epochs[upto], losses[upto])
            loss_dot.set_data(epochs[upto][-1:], losses[upto][-1:])
            ax.set_title(t["frame"].format(e=e, n=len(history), loss=history[e - 1]), fontsize=13)

        writer = PillowWriter(fps=fps)  # grabbing frames by hand draws each once (FuncAnimation draws twice)
        with writer.saving(fig, path, dpi=fig.dpi):
            for k in range(len(states)):
                draw(k)
                writer.grab_frame()
                if check is not None:
                    check()
    return len(states)


def _frame_ylim(states, x_dense, y):
    """One y-range for every frame: the data, the curves and the terms, but not beyond 3 data spans."""
    values = np.concatenate([np.ravel(y)] + [s.predict(x_dense) for s in states] +
                            [np.ravel(neuron_terms(s, x_dense)) for s in states])
    values = values[np.isfinite(values)]
    lo, hi = float(np.min(y)), float(np.max(y))
    span = max(hi - lo, 1e-9)
    lo, hi = max(values.min(), lo - 3 * span), min(values.max(), hi + 3 * span)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def plot_diagnostics(model, x, y, index, path, lang="zh"):
    """diagnostics.png, the four panels of MATLAB's nftool: (a) train / validation / test MSE per
    epoch, (b) the error histogram, (c) target vs output with R per split, (d) the residuals against
    x (d = 1) or against the output (d > 1). index: {split: indices} (fit.driver.split_indices)."""
    from matplotlib.ticker import MaxNLocator
    from .diagnostics import diagnose
    t, e, g = TEXT[lang], model.extra, diagnose(model, x, y, index)
    unit = t["standardized"] if g["standardized"] else ""
    with figure(figsize=(13, 9.5)) as fig:
        (a, b), (c, d) = fig.subplots(2, 2)
        draw_loss(a, t, model.history, e.get("val_history") or None, e.get("test_history") or None,
                  e.get("best_epoch"), t["performance"], t["mse"] + (t["scaled"] if unit else ""), size=10, last=kept_last(e))
        edges, bottom = g["edges"], np.zeros(len(g["edges"]) - 1)
        for name, counts in g["counts"].items():  # stacked bars: train, then validation, then test
            b.bar(edges[:-1], counts, width=np.diff(edges), bottom=bottom, align="edge", color=COLORS[name],
                  edgecolor="white", linewidth=0.5, label=t[name])
            bottom = bottom + counts
        b.axvline(0, color="red", linewidth=1.5, label=t["zero"])
        b.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts
        b.set_ylim(0, max(float(bottom.max()), 1.0) * 1.3)  # room above the bars for the legend
        _labels(b, t["hist_title"].format(bins=len(edges) - 1), t["error"] + unit, t["count"])
        r_line = "  ".join(f"{t[name]} {_r(s['r'])}" for name, s in g["splits"].items())
        for name, s in g["splits"].items():
            c.scatter(s["t"].ravel(), s["o"].ravel(), s=12, alpha=0.6, color=COLORS[name], label=t[name])
        lo, hi = _span([s[k] for s in g["splits"].values() for k in ("t", "o")])
        c.plot([lo, hi], [lo, hi], color="black", linestyle="--", linewidth=1, label=t["identity"])
        r, m, k = g["all"]
        if m == m:
            c.plot([lo, hi], [m * lo + k, m * hi + k], color="red", linewidth=1.5, label=t["line"].format(m=m, sign="−" if k < 0 else "+", c=abs(k)))
        _labels(c, f"{t['regression_title']}\nR{t['colon']}{r_line}" + (f"  {t['all']} {_r(r)}" if len(g["splits"]) > 1 else ""),
                t["target"] + unit, t["output"] + unit)
        one_input = next(iter(g["splits"].values()))["x"].shape[1] == 1
        for name, s in g["splits"].items():
            against = np.repeat(s["x"], s["e"].shape[1], axis=1) if one_input else s["o"]
            d.scatter(against.ravel(), s["e"].ravel(), s=12, alpha=0.6, color=COLORS[name], label=t[name])
        d.axhline(0, color="red", linewidth=1.5, label=t["zero"])
        names = model.x_names or [None]
        _labels(d, t["residuals_title"], (names[0] or t["x"]) if one_input else t["output"] + unit, t["error"] + unit)
        fig.suptitle(t["diag_title"], fontsize=15)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    return path


def plot_targets(model, x, y, index, path, lang="zh", show=False):
    """fit.png for d > 1 inputs or k > 1 outputs: target vs output, one panel per output, the points
    coloured by split, the line output = target, R and RMSE; a Bayesian fit's 95% prediction interval
    as error bars. x (N, d), y (N, k); index: {split: indices}."""
    from .diagnostics import per_output
    t = TEXT[lang]
    target, output, half, r, rmse = per_output(model, x, y)
    k = target.shape[1]
    cols = min(k, 3)
    rows = -(-k // cols)
    names = model.y_names or ([None] if k == 1 else [f"y{j + 1}" for j in range(k)])
    with figure(show, figsize=(max(6.5, 4.8 * cols), 5.2 * rows)) as fig:
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for j, ax in enumerate(axes[:k]):
            for name in ("train", "val", "test"):
                idx = np.asarray(index.get(name, ()), dtype=int)
                if not len(idx):
                    continue
                if half is not None:
                    ax.errorbar(target[idx, j], output[idx, j], yerr=half[idx, j], fmt="none", ecolor=COLORS[name],
                                alpha=0.3, linewidth=0.8, label=t["band"] if name == "train" else None)
                ax.scatter(target[idx, j], output[idx, j], s=14, alpha=0.7, color=COLORS[name], label=t[name], zorder=3)
            lo, hi = _span([target[:, j], output[:, j]])
            ax.plot([lo, hi], [lo, hi], color="black", linestyle="--", linewidth=1, label=t["identity"])
            title = t["regression_title"] + (f"{t['colon']}{names[j]}" if names[j] else "")  # (Chinese: '：'; helper-88)
            _labels(ax, f"{title}\n{t['stats'].format(r=_r(r[j]), rmse=rmse[j])}", t["target"], t["output"])
        for ax in axes[k:]:
            ax.set_visible(False)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    return path


def _labels(ax, title, xlabel, ylabel):
    ax.set_title(title, fontsize=11, linespacing=1.5)
    ax.set_xlabel(xlabel, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=10)
    ax.grid(True, linestyle="--", alpha=0.7)
    ax.legend(fontsize=8, loc="best")


def _r(r):
    """R as the plots write it: 4 decimals, n/a when undefined (constant targets or outputs)."""
    return f"{r:.4f}" if r == r else "n/a"


def _span(arrays):
    """The smallest and largest finite value of the arrays (for the line output = target)."""
    v = np.concatenate([np.ravel(a) for a in arrays])
    v = v[np.isfinite(v)]
    return (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
