"""`nnfit train --animate --terms`: train.gif with one frame per epoch, loss.png, fit.png."""
import numpy as np
from PIL import Image

from nnfit.plot import frame_epochs


def frames(path):
    with Image.open(path) as im:
        out = []
        for k in range(im.n_frames):
            im.seek(k)
            out.append(np.asarray(im.convert("RGB")))
        return out


def test_train_animate_writes_one_frame_per_epoch(cli, tmp_path):
    status, out, err = cli("train", "--seed", "0", "--epochs", "4", "--animate", "--terms", "--out", "run")
    assert status == 0, err
    assert "fit.png, loss.png, train.gif" in err
    images = frames(tmp_path / "run" / "train.gif")
    assert len(images) == 4 and images[0].shape[2] == 3
    assert np.abs(images[0].astype(int) - images[-1]).sum() > 0  # the curve moved


def test_animate_best_of_many_models(cli, tmp_path):
    status, out, err = cli("train", "--seed", "0", "--epochs", "3", "--models", "4", "--animate", "--no-plot", "--out", "run")
    assert status == 0, err
    assert "train.gif" in err and "fit.png" not in err
    assert len(frames(tmp_path / "run" / "train.gif")) == 3


def test_frames_are_capped_for_long_runs():
    assert list(frame_epochs(50)) == list(range(1, 51))
    many = frame_epochs(5000)
    assert len(many) == 100 and many[0] == 1 and many[-1] == 5000 and np.all(np.diff(many) > 0)
