"""Plots, the only module that imports matplotlib. Chinese text uses the Noto Sans SC font that ships
in the pylopdf-fonts-zh-cn wheel, so it renders on a machine with no Chinese font installed."""
import numpy as np

TEXT = {
    "zh": {"title": "神经网络拟合结果", "x": "输入 x", "y": "输出 y", "data": "实际数据点", "model": "模型预测",
           "loss_title": "训练损失", "epoch": "轮次 (epoch)", "loss": "平均损失", "train": "训练集", "val": "验证集"},
    "en": {"title": "Neural network fit", "x": "input x", "y": "output y", "data": "data points", "model": "model prediction",
           "loss_title": "Training loss", "epoch": "epoch", "loss": "average loss", "train": "train", "val": "validation"},
}


def _pyplot(show):
    import matplotlib
    if not show:
        matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot as plt
    import pylopdf_fonts_zh_cn
    path = str(pylopdf_fonts_zh_cn.sans_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = ["Noto Sans SC", "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False  # the minus sign as '-', which every font has
    return plt


def plot_fit(model, x, y, path, lang="zh", show=False):
    """The tutorial's figure: the points in red, the prediction on 1000 points in blue."""
    plt = _pyplot(show)
    t = TEXT[lang]
    lo, hi = model.x_range
    x_dense = np.linspace(lo, hi, 1000)
    fig = plt.figure(figsize=(10, 6))
    plt.scatter(x, y, color="red", label=t["data"], zorder=5)
    plt.plot(x_dense, model.predict(x_dense), color="blue", label=t["model"], linewidth=2)
    plt.title(t["title"], fontsize=14)
    plt.xlabel(t["x"], fontsize=12)
    plt.ylabel(t["y"], fontsize=12)
    plt.grid(True, linestyle="--", alpha=0.7)
    plt.legend(fontsize=10)
    fig.savefig(path, dpi=100)
    if show:
        plt.show()
    plt.close(fig)
    return path


def plot_loss(history, path, lang="zh", val_history=None):
    """Average loss per epoch on a log scale (training, and validation when there is one)."""
    plt = _pyplot(False)
    t = TEXT[lang]
    fig = plt.figure(figsize=(8, 4.5))
    epochs = np.arange(1, len(history) + 1)
    plt.semilogy(epochs, history, color="blue", label=t["train"])
    if val_history is not None and len(val_history):
        plt.semilogy(epochs[:len(val_history)], val_history, color="orange", label=t["val"])
    plt.title(t["loss_title"], fontsize=14)
    plt.xlabel(t["epoch"], fontsize=12)
    plt.ylabel(t["loss"], fontsize=12)
    plt.grid(True, linestyle="--", alpha=0.7)
    plt.legend(fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
