"""fit.png renders real Chinese glyphs with no warning and no font look-up message."""
import logging
import warnings

import pytest

import nnfit
from nnfit.data import tutorial_data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plot_without_font_warnings(tmp_path, caplog, lang):
    from nnfit.plot import plot_fit, plot_loss
    model = nnfit.train(seed=0)
    caplog.set_level(logging.DEBUG, logger="matplotlib.font_manager")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_fit(model, *tutorial_data(), tmp_path / "fit.png", lang=lang)
        plot_loss(model.history, tmp_path / "loss.png", lang=lang)
    bad = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO or "findfont" in r.getMessage().lower()
           and "not found" in r.getMessage().lower()]
    assert not bad, bad
    assert (tmp_path / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chinese_glyphs_come_from_a_cjk_font():
    from matplotlib import font_manager
    from nnfit.plot import TEXT, _pyplot
    _pyplot(False)
    path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    from matplotlib.ft2font import FT2Font
    font = FT2Font(path)
    chars = set("".join(v for v in TEXT["zh"].values()))
    missing = [c for c in chars if c.strip() and font.get_char_index(ord(c)) == 0]
    assert "NotoSansSC" in path and not missing, (path, missing)


def test_plot_has_red_points_and_blue_curve(tmp_path):
    import matplotlib.image as mpimg
    from nnfit.plot import plot_fit
    plot_fit(nnfit.train(seed=0), *tutorial_data(), tmp_path / "fit.png")
    img = mpimg.imread(tmp_path / "fit.png")[:, :, :3]
    red = (img[:, :, 0] > 0.9) & (img[:, :, 1] < 0.2) & (img[:, :, 2] < 0.2)
    blue = (img[:, :, 2] > 0.9) & (img[:, :, 0] < 0.2) & (img[:, :, 1] < 0.2)
    assert red.sum() > 500 and blue.sum() > 1000
