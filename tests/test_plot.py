"""The plots render real Chinese glyphs with no warning and no font look-up message, and leave
matplotlib's global state (rcParams, backend, pyplot) as they found it."""
import logging
import sys
import warnings

import numpy as np
import pytest

import nnfit
from nnfit.data import tutorial_data


@pytest.fixture(scope="module")
def model():
    return nnfit.train(seed=0)


def rc_snapshot():
    import matplotlib
    return {k: matplotlib.rcParams._get(k) for k in matplotlib.rcParams}  # _get: no backend resolution


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plots_without_font_warnings_or_global_state(tmp_path, caplog, lang, model):
    from nnfit.plot import animate_training, plot_fit, plot_loss
    pyplot_before = "matplotlib.pyplot" in sys.modules
    rc_before = rc_snapshot()
    caplog.set_level(logging.DEBUG, logger="matplotlib.font_manager")
    short = nnfit.train(seed=0, epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_fit(model, *tutorial_data(), tmp_path / "fit.png", lang=lang, terms=True)
        plot_loss(tmp_path / "loss.png", lang, model.history, val=model.history[:30], test=model.history[:20], best_epoch=20)
        animate_training(short, [short.params] * 2, *tutorial_data(), tmp_path / "train.gif", lang=lang)
    bad = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO or "findfont" in r.getMessage().lower()
           and "not found" in r.getMessage().lower()]
    assert not bad, bad
    for name in ("fit.png", "loss.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rc_snapshot() == rc_before
    assert pyplot_before or "matplotlib.pyplot" not in sys.modules


def test_chinese_glyphs_come_from_a_cjk_font():
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font
    from nnfit.plot import TEXT, style
    with matplotlib.rc_context(style()):
        path = font_manager.findfont(font_manager.FontProperties(), fallback_to_default=False)
    font = FT2Font(path)
    chars = set("".join(v for v in TEXT["zh"].values()))
    missing = [c for c in chars if c.strip() and c not in "{}/" and font.get_char_index(ord(c)) == 0]
    assert "NotoSansSC" in path and not missing, (path, missing)


def test_plot_has_red_points_and_blue_curve(tmp_path, model):
    import matplotlib.image as mpimg
    from nnfit.plot import plot_fit
    plot_fit(model, *tutorial_data(), tmp_path / "fit.png")
    img = mpimg.imread(tmp_path / "fit.png")[:, :, :3]
    red = (img[:, :, 0] > 0.9) & (img[:, :, 1] < 0.2) & (img[:, :, 2] < 0.2)
    blue = (img[:, :, 2] > 0.9) & (img[:, :, 0] < 0.2) & (img[:, :, 1] < 0.2)
    assert red.sum() > 500 and blue.sum() > 1000


def test_neuron_terms_add_up_to_the_curve(model):
    from nnfit.plot import neuron_terms
    xs = np.linspace(-10, 10, 101)
    terms = neuron_terms(model, xs)  # (101, 5): a_i σ(w_i x + b_i)
    assert terms.shape == (101, 5)
    assert np.max(np.abs(terms.sum(axis=1) - model.predict(xs))) < 1e-12
    # by hand at x = 0: a_i σ(b_i)
    w, b, a = (p.astype(np.float64) for p in model.params)
    assert np.allclose(neuron_terms(model, [0.0])[0], a / (1 + np.exp(-b)), rtol=1e-12)


def test_plot_loss_short_curves(tmp_path, model):
    from nnfit.plot import _positive, plot_loss
    plot_loss(tmp_path / "short.png", "en", model.history, model.history[:10], model.history[:7], best_epoch=7)
    assert (tmp_path / "short.png").exists()
    epochs, values = _positive([0.5, float("nan"), 0.0, 0.25])  # a log axis gets only finite, positive points
    assert list(epochs) == [1, 4] and list(values) == [0.5, 0.25]


def test_a_bayesian_fits_kept_epoch_is_called_so():
    """With Bayesian regularization and no validation split the marked epoch is the kept last one, labelled so
    (helper-83: "best epoch 70" at the end of a training MSE lowest at epoch 10 read as a mistake); with early
    stopping it is the best one."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from nnfit.plot import TEXT, draw_loss, kept_last
    labels = {}
    for lang in ("en", "zh"):
        for last in (False, True):
            ax = Figure().add_subplot()
            draw_loss(ax, TEXT[lang], [0.5, 0.2, 0.21], None, None, 3, "t", "y", last=last)
            labels[lang, last] = [text.get_text() for text in ax.legend().get_texts()][-1]
    assert labels["en", False] == "best epoch 3" and labels["en", True] == "kept epoch 3 (Bayesian: the last)"
    assert labels["zh", True].startswith("保留的轮次 3")
    assert kept_last({"bayes": True, "split": [60, 0, 0]}) and not kept_last({"bayes": True, "split": [40, 10, 10]})
    assert not kept_last({"bayes": False, "split": [60, 0, 0]})


def test_a_log_loss_axis_can_be_read(model):
    """The tutorial's loss, 3.1 down to 0.0496: a log axis with its 2s, 3s... labelled as plain numbers (matplotlib
    labelled 10^0 and 10^-1 alone), and the kept epoch's loss written beside it, as the CLI's last line prints it
    (helper-88); over more than three decades only the powers of ten are labelled."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from nnfit.plot import TEXT, draw_loss
    fig = Figure()
    ax = fig.add_subplot()
    draw_loss(ax, TEXT["en"], model.history, None, None, None, "t", "y")
    fig.canvas.draw()
    shown = {t.get_text() for t in ax.yaxis.get_ticklabels(minor=True) + ax.yaxis.get_ticklabels() if t.get_text()}
    assert ax.get_yscale() == "log" and {"0.1", "0.2", "1", "2"} <= shown and not any("e" in t for t in shown), shown
    assert [t.get_text() for t in ax.texts] == [f"{model.history[-1]:.4g}"] == ["0.04961"]
    wide = Figure().add_subplot()
    draw_loss(wide, TEXT["en"], [10.0, 1.0, 1e-3, 1e-5], None, None, 2, "t", "y")
    wide.figure.canvas.draw()
    assert not any(t.get_text() for t in wide.yaxis.get_ticklabels(minor=True))
    assert [t.get_text() for t in wide.texts] == ["1"]  # (the kept epoch's, not the last's)


def test_the_axes_carry_the_data_columns_names():
    """fit.png's axes are the chapter's "输入 x" / "输出 y", or the columns' names in their place."""
    from nnfit.plot import TEXT, axis_label
    assert axis_label(TEXT["zh"], "x", None) == "输入 x" and axis_label(TEXT["zh"], "y", ["y"]) == "输出 y"
    assert axis_label(TEXT["zh"], "x", ["t"]) == "输入 t" and axis_label(TEXT["en"], "y", ["value"]) == "output value"
