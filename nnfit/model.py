"""A trained model: predict, save, load. Saved as safetensors, with everything needed to rebuild it
(config, data range, final loss, scaling) in the file's metadata. No file is ever unpickled."""
import json
import os

import numpy as np

from .config import Config
from .params import Params, NAMES

FORMAT = "nnfit-1"


class ModelFileError(ValueError):
    """A model file that cannot be used; the message is one line."""


def activate(name, z):
    """act(z) in NumPy, for prediction without torch."""
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), without overflow warnings
    if name == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def network(params, x, activation):
    """y_hat = sum_i a_i act(w_i x + b_i) for each x, in float64; also z and h, (..., H)."""
    w, b, a = (np.asarray(p, dtype=np.float64) for p in params)
    z = np.asarray(x, dtype=np.float64)[..., None] * w + b  # (..., H)
    h = activate(activation, z)  # (..., H)
    return np.sum(h * a, axis=-1), z, h  # the same sum for each x, however many are asked


class Model:
    """One 1-H-1 network: y_hat = sum_i a_i act(w_i x + b_i), in the user's units."""

    def __init__(self, params, config, history=(), x_range=(-10.0, 10.0), scaling=None, extra=None):
        self.params = Params(*(np.asarray(p).reshape(-1) for p in params))  # (H,) each
        self.config = config
        self.history = list(map(float, history))  # average training loss per epoch
        self.x_range = (float(x_range[0]), float(x_range[1]))
        self.scaling = scaling or {"x_shift": 0.0, "x_scale": 1.0, "y_shift": 0.0, "y_scale": 1.0}
        self.extra = dict(extra or {})  # e.g. validation history and metrics from nnfit.fit

    @property
    def final_loss(self):
        return self.history[-1] if self.history else float("nan")

    def predict(self, x):
        """y_hat for each x (a number, list or array), in float64: a NumPy array of x's shape."""
        x = np.asarray(x, dtype=np.float64)
        s = self.scaling
        y_hat, _, _ = network(self.params, (x - s["x_shift"]) / s["x_scale"], self.config.activation)
        return y_hat * s["y_scale"] + s["y_shift"]

    def metadata(self):
        return {
            "format": FORMAT,
            "config": json.dumps(self.config.to_dict()),
            "x_range": json.dumps(self.x_range),
            "final_loss": repr(self.final_loss),
            "history": json.dumps(self.history),
            "scaling": json.dumps(self.scaling),
            "extra": json.dumps(self.extra),
        }

    def save(self, path):
        """Write the model to a .safetensors file (written to a temporary name, then renamed)."""
        from safetensors.numpy import save_file
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            save_file({n: np.ascontiguousarray(p) for n, p in zip(NAMES, self.params)}, tmp, metadata=self.metadata())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return path

    def __repr__(self):
        c = self.config
        return f"Model(hidden={c.hidden}, activation={c.activation!r}, final_loss={self.final_loss:.6g})"


def load(path):
    """Rebuild a Model from a file written by Model.save; ModelFileError if it cannot be used."""
    from safetensors import SafetensorError
    from safetensors.numpy import safe_open
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ModelFileError(f"{path}: is a directory, not a model file")
    if os.path.getsize(path) == 0:
        raise ModelFileError(f"{path}: the file is empty")
    try:
        with safe_open(path, framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as e:
        raise ModelFileError(f"{path}: not a readable safetensors model file ({str(e).splitlines()[0]})") from None
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an nnfit model (metadata 'format' is {meta.get('format')!r})")
    if sorted(tensors) != sorted(NAMES):
        raise ModelFileError(f"{path}: expected tensors a, b, w; found {', '.join(sorted(tensors)) or 'none'}")
    try:
        config = Config.from_dict(json.loads(meta["config"])).validate()
        x_range = json.loads(meta["x_range"])
        history = json.loads(meta.get("history", "[]"))
        scaling = json.loads(meta.get("scaling", "null"))
        extra = json.loads(meta.get("extra", "{}"))
    except (KeyError, ValueError, TypeError) as e:
        raise ModelFileError(f"{path}: bad metadata: {e}") from None
    for n in NAMES:
        t = tensors[n]
        if t.shape != (config.hidden,) or t.dtype.kind != "f":
            raise ModelFileError(f"{path}: tensor {n!r} has shape {t.shape} and dtype {t.dtype}; "
                                 f"expected ({config.hidden},) floats for hidden={config.hidden}")
        if not np.all(np.isfinite(t)):
            raise ModelFileError(f"{path}: tensor {n!r} holds non-finite values")
    return Model(Params(*(tensors[n] for n in NAMES)), config, history, x_range, scaling, extra)


class Models:
    """M models trained at once: models[k] is the model that seed + k gives alone."""

    def __init__(self, params, config, histories, x_range):
        self.params = params          # Params of (M, H) arrays
        self.config = config          # the shared config; model k has seed config.seed + k
        self.histories = histories    # (M, E) average loss per model and epoch
        self.x_range = x_range

    def __len__(self):
        return self.params.w.shape[0]

    def __getitem__(self, k):
        if not -len(self) <= k < len(self):
            raise IndexError(f"model {k} out of range for {len(self)} models")
        k %= len(self)
        from dataclasses import replace
        cfg = replace(self.config, models=1, seed=self.config.seed + k)
        return Model(Params(*(p[k] for p in self.params)), cfg, self.histories[k], self.x_range)

    @property
    def final_losses(self):
        return self.histories[:, -1]

    @property
    def best_index(self):
        losses = np.where(np.isfinite(self.final_losses), self.final_losses, np.inf)
        return int(np.argmin(losses))

    @property
    def best(self):
        return self[self.best_index]

    def __repr__(self):
        f = self.final_losses
        return f"Models(M={len(self)}, best={np.nanmin(f):.6g}, median={np.nanmedian(f):.6g})"
