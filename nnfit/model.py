"""A trained model: predict, save, load. Saved as safetensors, with everything needed to rebuild it
(config, data range, final loss, scaling) in the file's metadata. No file is ever unpickled."""
import errno
import json
import math
import numbers
import os
import secrets
import sys
import warnings
from dataclasses import fields

import numpy as np

from .activations import ACTIVATIONS
from .config import Config, ConfigError, is_numeric
from .i18n import _, library_reason, system_reason
from .params import NAMES, Params

FORMAT = "nnfit-1"
HISTORY_IN_METADATA = 100_000  # epochs of loss history kept in the JSON metadata; a longer history is the float64
                               # tensor "history" (safetensors refuses a header over 100 MB: about 4.5e6 epochs as JSON)
IDENTITY = {"x_shift": 0.0, "x_scale": 1.0, "y_shift": 0.0, "y_scale": 1.0}


class ModelFileError(ValueError):
    """A model file that cannot be used; the message is one line."""


def activate(name, z):
    """act(z) in NumPy, for prediction without torch (the registry in nnfit/activations.py)."""
    if name not in ACTIVATIONS:  # (a config changed after the model was made)
        raise ConfigError("activation", _("must be one of {names}, got {value!r}").format(
            names=", ".join(ACTIVATIONS), value=name))
    return ACTIVATIONS[name](z)


def strict_json(value):
    """value with every non-finite float replaced by None: JSON has no NaN or infinity (strict readers,
    JavaScript's JSON.parse, refuse them)."""
    if isinstance(value, dict):
        for k in value:  # (JSON would write 1 as "1": it would load as another key)
            if not isinstance(k, str):
                raise TypeError(_("extra's keys must be strings, got {key!r}").format(key=k))
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def network(params, x, activation):
    """y_hat = sum_i a_i act(w_i x + b_i) for each x, in float64; also z and h, (..., H).

    With d inputs (w of shape (H, d)) x is (..., d) and z = W x + b; with k outputs (a of shape
    (k, H)) y_hat is (..., k)."""
    w, b, a = (np.asarray(p, dtype=np.float64) for p in params)
    x = np.asarray(x, dtype=np.float64)
    z = (x[..., None] * w if w.ndim == 1 else x @ w.T) + b  # (..., H)
    h = activate(activation, z)  # (..., H)
    y = np.sum(h * a, axis=-1) if a.ndim == 1 else h @ a.T  # the same sum for each x, however many are asked
    return y, z, h


def flat(params):
    """The parameters in fit mode's flat order (nnfit/fit/network.py): W row by row, b, A row by row."""
    return np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1) for p in params])


class Model:
    """One 1-H-1 network: y_hat = sum_i a_i act(w_i x + b_i), in the user's units; in fit mode also
    d-H-k: d inputs (w of shape (H, d)) and k outputs (a of shape (k, H)).

    config is the training Config (nnfit.train) or the FitConfig (nnfit.fit) that made it; `kind`
    says which. final_loss is the training MSE of these parameters."""

    def __init__(self, params, config, history=(), x_range=(-10.0, 10.0), scaling=None, extra=None, final_loss=None):
        self.params = params
        self.config = config
        self.history = history  # average training loss per epoch
        self.x_range = x_range  # one input: (low, high); else one pair per column
        self.x_names = self.y_names = None  # the columns' names, when the data had them
        self.scaling = scaling
        if extra is not None and not isinstance(extra, dict):
            raise ConfigError("extra", _("must be a dict (or None), got {type}").format(type=type(extra).__name__))
        self.extra = dict(extra or {})  # fit mode: metrics, the start kept, validation and test histories
        self._final_loss = None if final_loss is None else checked_loss(final_loss)
        self.posterior = None  # Bayesian fits: the parameters' posterior covariance (P, P), scaled units
        self.check(history=True)

    def check(self, history=False):
        """The attributes checked as the model was made, again (predict, save, export and repr call it), so that one
        changed since (m.scaling["x_shift"] = nan, m.x_range = 5, m.config.hidden = 7) is a ConfigError naming it,
        not a NaN or a NumPy error (helper-86). history: also the loss history (only save writes it: a million
        epochs' list takes a while)."""
        self.params = as_params(self.params)
        check_config(self.config)
        self.config.validate(here=False)  # (its fields too: hidden as an array, a tensor or sNaN; helper-89)
        if getattr(self.config, "hidden", None) != len(self.params.b):  # (load refuses such a file; helper-82)
            raise ConfigError("params", _("hold {count} hidden neurons, but the config says hidden={hidden}").format(
                count=len(self.params.b), hidden=getattr(self.config, "hidden", None)))
        if not isinstance(self.config.activation, str) or self.config.activation not in ACTIVATIONS:
            raise ConfigError("activation", _("must be one of {choices}; got {value}").format(
                choices=", ".join(ACTIVATIONS), value=shown(self.config.activation)))
        if history:
            self.history = checked_history(self.history)
        self.x_range = checked_x_range(self.x_range, self.n_inputs)
        self.scaling = checked_scaling(self.scaling, self.n_inputs, self.n_outputs)
        for name, width in (("x_names", self.n_inputs), ("y_names", self.n_outputs)):
            names = getattr(self, name)
            if names is not None and not (isinstance(names, list) and len(names) == width and all(
                    isinstance(n, str) for n in names)):
                raise ConfigError(name, _("must be a list of {width} names (str) or None, got {value}").format(
                    width=width, value=shown(names)))
        if not isinstance(self.extra, dict):
            raise ConfigError("extra", _("must be a dict (or None), got {type}").format(type=type(self.extra).__name__))
        if self.posterior is not None:  # (its shape on every use; its numbers, a copy of P^2 of them, where history
            # is checked too: a 48 MiB posterior made each predict 400 times slower; helper-89)
            net = self.config.hidden * (self.n_inputs + 1 + self.n_outputs)
            cov = self.posterior if isinstance(self.posterior, np.ndarray) and self.posterior.dtype.kind == "f" else None
            if history and cov is not None:
                cov = real_array(cov)
            if cov is None or cov.ndim != 2 or cov.shape[0] != cov.shape[1] or len(cov) not in (
                    net, net + self.n_outputs) or (history and not np.isfinite(cov).all()):
                raise ConfigError("posterior", _("must be None or a square array of finite numbers, one row per "
                                                 "parameter ({count}), got {value}").format(
                    count=net + self.n_outputs, value=shown(self.posterior)))

    @property
    def n_inputs(self):
        return 1 if self.params.w.ndim == 1 else self.params.w.shape[1]

    @property
    def n_outputs(self):
        return 1 if self.params.a.ndim == 1 else self.params.a.shape[0]

    @property
    def kind(self):
        return "train" if isinstance(self.config, Config) else "fit"

    @property
    def final_loss(self):
        if self._final_loss is not None:
            return self._final_loss
        return self.history[-1] if self.history else float("nan")

    @final_loss.setter
    def final_loss(self, value):
        self._final_loss = checked_loss(value)

    def predict(self, x=None, return_std=False, **unknown):
        """y_hat for each x, in float64. One input: x a number, list or array, and y_hat an array of
        x's shape, except that a column (N, 1) is a table of N points, as nnfit.fit and scikit-learn
        take it: y_hat (N,). d inputs: x of shape (N, d) (or (d,) for one point) and y_hat (N,) (or a
        0-d array). k outputs: one more axis of length k at the end. A table with named columns (a pandas
        DataFrame) gives the inputs by the names the model was fitted with (x_names), in any order.

        return_std (Bayesian fits only): also the standard deviation of a new observation at each x,
        sqrt(1/beta + g^T A^-1 g) (MacKay's evidence framework), as scikit-learn's
        GaussianProcessRegressor returns it: y_hat +- 1.96 std is a 95% prediction interval."""
        from .config import check_bool
        for name in unknown:  # (a keyword Python would refuse with a TypeError: nnfit's own error, as train's)
            raise ConfigError(name, _("is not an option of {what}; the options are {names}").format(
                what="Model.predict", names="x, return_std"))
        check_bool("return_std", return_std)
        self.check()
        x = self.inputs(x)
        if not all(np.isfinite(np.asarray(p, dtype=np.float64)).all() for p in self.params):
            from .train import TrainingDiverged  # (one of Models' whose training diverged: its sums are not at fault)
            raise TrainingDiverged(_("this model's training diverged: its parameters are not finite, so it has no "
                                     "predictions; train it again with a smaller lr"))
        s = self.scaling
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a tiny x_scale (1e-320) overflows u: the curve is a step
            u = (x - np.asarray(s["x_shift"])) / np.asarray(s["x_scale"])
            y_hat, _h, _ds = network(self.params, u, self.config.activation)
            y_hat = y_hat * np.asarray(s["y_scale"]) + np.asarray(s["y_shift"])
        undefined = np.isnan(y_hat).reshape(-1, self.n_outputs).any(axis=1)  # per point (outputs last)
        if undefined.any():  # from finite x (inputs checks them): inf - inf in the network's sums (x near 1.8e308;
            from .data import DataError  # helper-66: a silent [nan]). Only outside the training range: within it a
            points = np.reshape(x, (-1, self.n_inputs))  # model file's numbers are at fault, which load checks
            lo, hi = (np.array(self.x_range, dtype=np.float64).reshape(-1, 2).T if self.x_range is not None else
                      (np.full(self.n_inputs, np.inf), np.full(self.n_inputs, -np.inf)))
            outside = undefined & ((points < lo) | (points > hi)).any(axis=1)  # (helper-70: load blamed the inputs)
            if not outside.any():
                outside = None
        if undefined.any() and outside is not None:
            point = points[int(np.argmax(outside))]
            raise DataError(_("the prediction at x = {x} is undefined (NaN: the network's sums overflowed float64 there); "
                              "inputs beyond ±1e150 are past the sizes nnfit works with").format(
                                  x=",".join(f"{v:g}" for v in point)))
        if not return_std:
            return y_hat
        reg = self.extra.get("regularization") if isinstance(self.extra.get("regularization"), dict) else {}
        if self.posterior is None and reg.get("no_posterior"):
            from .fit.driver import no_interval_words
            raise ConfigError("return_std", _("this Bayesian fit kept no posterior: {why}").format(
                why=no_interval_words(reg, self.n_outputs)))
        if self.posterior is None and self.extra.get("bayes"):
            raise ConfigError("return_std", _("this Bayesian fit kept no posterior: its covariance could not be held in "
                                                "float64 (with --scale none, x far from 0 for its spread, or beyond 1e140); "
                                                "fit with --scale standard for intervals"))
        if self.posterior is None:
            raise ConfigError("return_std", _("needs a Bayesian fit (nnfit.fit with regularization 'bayes' or 'auto' "
                                                "on 20 points or more): this model has no posterior"))
        try:  # (extra changed since the fit, m.extra = {}: nnfit's error, not a KeyError; helper-89)
            from .fit.network import Shape, jacobian
            net = Shape(self.n_inputs, self.config.hidden, self.n_outputs)
            net = net._replace(bias=len(self.posterior) > net.P)  # the fit's output bias, folded into y_shift: c = 0 here
            rows = u.reshape(-1, net.d)
            p = np.concatenate([flat(self.params), np.zeros(net.P - net.weights)])
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # x near float64's limit: see below
                _y, g = jacobian(p[None, :], rows, np.zeros((len(rows), net.k)), net,
                                 self.config.activation)  # (1, n k, P) = dy_hat/dp
                reg = self.extra["regularization"]
                # far outside the data (x ~ 1e300 with relu) g's entries are so large that g^T cov g overflows, and
                # inf - inf within the sum made the std NaN: such rows are computed as size^2 (g / size)^T cov (g / size)
                size = np.max(np.abs(g[0]), axis=1)
                size = np.where(size > 1e100, size, 1.0)
                unit = g[0] / size[:, None]
                # (the parameters' part is never below 0, not even where round-off in g^T cov g cancels: --scale none
                # with x at 1e6 +- 1e-3 made it negative, and the std 0)
                # the noise: one level, or with several outputs each one's (output_noise; rows n k + j)
                several = reg.get("output_noise_var") is not None
                noise = np.tile(reg["output_noise_var"], len(rows)) if several else reg["noise_var"]
                # (g^T cov g for every row through BLAS's product: einsum's own loops took 3.5 s for 1281 rows at P = 1241)
                var = noise / size / size + np.maximum(np.sum((unit @ self.posterior) * unit, axis=1), 0.0)
                # beta is estimated from N - gamma residual degrees of freedom (each output's share of them): integrating
                # over it makes the predictive distribution a Student t with nu = N - gamma, whose std is sqrt(nu / (nu - 2)) times
                nu = max(reg.get("dof", np.inf) / (net.k if several else 1), 2.5)
                var = np.where(np.ravel(noise) == 0, 0.0, var) if several else var  # a constant output
                var = var * (nu / (nu - 2) if np.isfinite(nu) else 1.0)
                std = (size * np.sqrt(np.maximum(var, 0.0))).reshape(len(rows), net.k) * np.abs(np.asarray(s["y_scale"]))
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
            if isinstance(e, ConfigError):
                raise
            raise ConfigError("extra", _("is not what a Bayesian fit writes ({kind}: {error}): its regularization, "
                                         "needed for return_std, was changed").format(
                kind=type(e).__name__, error=" ".join(str(e).split())[:80])) from None
        std = np.where(np.isnan(std), np.inf, std)  # g itself overflowed (x ~ 1.7e308): no finite uncertainty
        std = std.reshape(np.shape(y_hat))
        return y_hat, std[()] if std.ndim == 0 else std  # a scalar for a scalar x, as y_hat is

    def inputs(self, x):
        """x checked (finite numbers) and, with d inputs, of shape (..., d). A table whose columns have
        names (a pandas DataFrame: anything with .columns) gives the model's inputs by name, in any order."""
        from .data import DataError
        order = self.column_order(x)
        x = as_inputs(x)
        if order is not None:
            x = x[..., order]
        d = self.n_inputs
        if d == 1 and x.ndim == 2 and x.shape[1] == 1:  # a table of one column (what fit takes as x (N, 1))
            x = x[:, 0]
        if d > 1 and (x.ndim == 0 or x.shape[-1] != d):
            raise DataError(_("this model takes {d} inputs per point (x of shape (points, {d})), got shape {shape}").format(
                d=d, shape=x.shape))
        return x

    def column_order(self, x):
        """Where each of the model's inputs is among x's named columns; None (columns taken in order) when
        x has no .columns, when the model knows no names, or when the columns are numbered (0, 1, ...;
        scikit-learn takes a frame's names only when they are strings). DataError when the names differ."""
        from .data import DataError
        columns = getattr(x, "columns", None)
        if columns is None and self.n_inputs > 1 and getattr(x, "ndim", None) == 1 and hasattr(x, "index"):
            columns = x.index  # a pandas Series as one point, named by its index (df.iloc[0]): by name too (helper-84:
            # taken in order, a reordered Series predicted another point, silently)
        if columns is None or not self.x_names:
            return None
        try:
            columns = list(columns)
        except TypeError:  # not a list of names
            return None
        if not any(isinstance(c, str) for c in columns):
            return None
        problems = []
        for what, names in ((_("missing {names}"), [n for n in self.x_names if n not in columns]),
                            (_("unexpected {names}"), [c for c in columns if c not in self.x_names]),
                            (_("repeated {names}"), [n for n in self.x_names if columns.count(n) > 1])):
            if names:
                problems.append(what.format(names=", ".join(map(repr, names))))
        if problems:
            only_more = all(n in columns for n in self.x_names) and len(problems) == 1  # (every input there, and others)
            raise DataError(_("x's columns are not the model's inputs ({inputs}): {problems}").format(
                inputs=", ".join(self.x_names), problems="; ".join(problems)) + (_(
                    " (predict takes the inputs alone, as scikit-learn does: select them, x[{names}])").format(
                    names=repr(list(self.x_names))) if only_more else ""))
        return [columns.index(n) for n in self.x_names]

    def outside(self, x):
        """How many of the points x lie outside the training data's range (in any input)."""
        x = self.inputs(x)
        lo, hi = np.array(self.x_range, dtype=np.float64).T
        out = (x < lo) | (x > hi)
        return int(np.sum(out if self.n_inputs == 1 else out.any(axis=-1)))

    def metadata(self):
        return {
            "format": FORMAT,
            "kind": self.kind,
            "config": json.dumps(self.config.to_dict()),
            "x_range": json.dumps(self.x_range),
            "final_loss": json.dumps(self.final_loss if np.isfinite(self.final_loss) else None),
            "history": json.dumps("tensor" if len(self.history) > HISTORY_IN_METADATA else
                                  [h if np.isfinite(h) else None for h in self.history]),
            "scaling": json.dumps(self.scaling),
            "extra": json.dumps(strict_json(self.extra), allow_nan=False),  # NaN (R² of a constant y) as null
            "columns": json.dumps({"x": self.x_names, "y": self.y_names}),
        }

    def save(self, path):
        """Write the model to a .safetensors file (written to a temporary name, then renamed; a file
        already at path is replaced, as numpy.save does: the command line never does that). The file
        gets the mode a new file gets under the umask (safetensors alone makes it 0o600); a file replaced
        keeps its mode, and a symbolic link is written through."""
        from safetensors.numpy import save_file
        from .runs import umask
        if not isinstance(path, (str, bytes, os.PathLike)) or not os.fspath(path):  # bytes too, as load takes them
            raise ModelFileError(_("save needs a file name (a str or a path), got {type}").format(
                type=type(path).__name__ if not isinstance(path, (str, bytes)) else repr(path)))
        path = os.fsdecode(os.fspath(path))
        shown = path
        try:
            self.check(history=True)  # (changed since it was made, m.history = 5: not len()'s TypeError; helper-86)
        except ConfigError as e:
            raise ModelFileError(_("{path}: cannot save the model: {error}").format(path=shown, error=e)) from None
        if os.path.islink(path):  # through the link, as numpy.save writes: the link stays, its target is replaced
            path = os.path.realpath(path)
            if os.path.islink(path):  # realpath stops inside a loop of links: there is no file to write through to
                raise ModelFileError(_("{path}: a loop of symbolic links; give a file name to save the model to").format(
                    path=shown))
        mode = (os.stat(path).st_mode & 0o7777) if os.path.isfile(path) else 0o666 & ~umask()  # a file keeps its mode
        if os.path.exists(path) and not os.path.isfile(path):  # never swap a device or a directory for a file
            raise ModelFileError(_("{path}: not a regular file; give a file name to save the model to").format(path=path))
        # the temporary file beside it, with a short name of its own (the model's name and a suffix went past
        # 255 bytes for names of 246 and more)
        tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".nnfit-{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            tensors = {n: np.ascontiguousarray(p) for n, p in zip(NAMES, self.params)}
            if self.posterior is not None:
                tensors["posterior_cov"] = np.ascontiguousarray(self.posterior, dtype=np.float64)
            if len(self.history) > HISTORY_IN_METADATA:  # (non-finite as NaN, as the JSON history's null: a diverged run's)
                history = np.array(self.history, dtype=np.float64)
                tensors["history"] = np.where(np.isfinite(history), history, np.nan)
            try:
                metadata = self.metadata()
            except (TypeError, ValueError) as e:  # extra holding what JSON cannot (an object, a set)
                raise ModelFileError(_("{path}: cannot save the model: {error}").format(path=shown, error=e)) from None
            except RecursionError:  # (extra nested thousands deep: load would refuse it as too deep too)
                raise ModelFileError(_("{path}: cannot save the model: extra is nested too deeply").format(path=shown)) from None
            try:  # load's own checks on what would be written: nnfit never writes a file it would refuse
                loaded = from_file(shown, metadata, dict(tensors))
            except ModelFileError as e:
                raise ModelFileError(_("{error} (not saved: nnfit.load would refuse the file)").format(error=e)) from None
            for given, kept in ((self.x_names, loaded.x_names), (self.y_names, loaded.y_names)):
                if given and given != kept:  # (names load drops: repeated, or shared by x and y)
                    raise ModelFileError(_("{path}: cannot save the model: nnfit.load would drop its column names {names!r} "
                                           "(they must be distinct, x's and y's apart, and names a CSV header gives "
                                           "back)").format(path=shown, names=given))
            directory = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(directory):
                raise ModelFileError(_("{path}: no such directory {directory!r}; create it first").format(
                    path=path, directory=directory))
            try:
                save_file(tensors, tmp, metadata=metadata)
                os.chmod(tmp, mode)
                os.replace(tmp, path)
            except (OSError, ValueError) as e:  # SafetensorError is neither: caught below by name
                raise ModelFileError(_("{path}: cannot write the model: {error}").format(
                    path=path, error=system_reason(e) if isinstance(e, OSError) else e)) from None
            except Exception as e:
                if type(e).__name__ != "SafetensorError":
                    raise
                raise ModelFileError(_("{path}: cannot write the model: {error}").format(
                    path=path, error=library_reason(str(e).replace(tmp, path)))) from None
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        return shown

    def __repr__(self):
        try:
            self.check(history=True)  # (final_loss may be history's last)
        except ConfigError as e:  # (a repr that raised would break a debugger's or a notebook's display)
            return f"Model(invalid: {e})"
        c = self.config
        shape = "" if self.n_inputs == self.n_outputs == 1 else f"inputs={self.n_inputs}, outputs={self.n_outputs}, "
        return (f"Model(kind={self.kind!r}, {shape}hidden={c.hidden}, activation={c.activation!r}, "
                f"final_loss={self.final_loss:.6g})")


def checked_history(history):
    """A model's loss history as a list of floats (NaN and infinity are a diverged run's); ConfigError unless it
    is numbers, none below 0."""
    if hasattr(history, "detach") and hasattr(history, "numpy"):  # a torch tensor (one that requires grad: no torch
        given = history  # warning per element; helper-89)
        try:
            history = history.detach().cpu()
            if history.is_floating_point() and history.element_size() < 4:  # bfloat16 and float16, which NumPy lacks
                history = history.double()
            history = history.numpy()
        except Exception:  # a tensor NumPy cannot hold: on the meta device, sparse, quantized, complex32 (helper-91)
            raise ConfigError("history", _("must be a list of numbers (the loss of each epoch), got {value}").format(
                value=shown(given))) from None
    elif isinstance(history, (list, tuple)):  # a list of 0-d tensors (history.append(loss), not loss.item()): their
        history = [h.detach() if hasattr(h, "detach") else h for h in history]  # values, without torch's warning
    if isinstance(history, np.ndarray) and history.dtype.kind == "f" and history.dtype.itemsize > 8:
        with np.errstate(over="ignore"):  # a long double past float64's range: refused, not made inf (helper-91)
            wide = history.astype(np.float64)
        if (np.isinf(wide) & np.isfinite(history)).any():
            raise ConfigError("history", _("holds {value}: too large for float64 (at most about 1.8e308)").format(
                value=str(history[np.isinf(wide) & np.isfinite(history)][0])))  # (format() would make it inf)
    if isinstance(history, np.ndarray) and history.ndim == 1 and history.dtype.kind in "fiu":
        history = history.astype(np.float64)  # (a long run's: millions of epochs)
    else:
        try:
            if isinstance(history, (str, bytes, dict)):
                raise TypeError
            history = np.array([checked_loss(h, "history", finite=False) for h in history], dtype=np.float64)
        except TypeError:
            raise ConfigError("history", _("must be a list of numbers (the loss of each epoch), got {value}").format(
                value=shown(history))) from None
    if np.any(history < 0):  # (a loss is a mean squared error: load refuses one below 0)
        raise ConfigError("history", _("holds {value}: a loss is never below 0").format(
            value=shown(float(history[history < 0][0]))))
    return history.tolist()


def checked_loss(value, name="final_loss", finite=None):
    """value as a float; ConfigError unless it is a real number (what float() takes: a NumPy or torch scalar, a
    Fraction; not a bool or text)."""
    try:
        if isinstance(value, (bool, np.bool_, str, bytes)) or (isinstance(value, numbers.Complex) and not
                                                                isinstance(value, numbers.Real)):  # (float() drops 4j)
            raise TypeError
        return float(value)
    except (TypeError, ValueError, OverflowError, RuntimeError):  # (10**400; a torch tensor that requires grad)
        if finite is False:
            raise TypeError from None  # (checked_history names the list)
        raise ConfigError(name, _("must be a number, got {value}").format(value=shown(value))) from None


def checked_x_range(x_range, d):
    """(low, high) for one input, else [(low, high)] per input: finite numbers, low <= high, as a model file
    holds them (load's rule); ConfigError naming what is wrong."""
    pairs = real_array(x_range)
    if pairs is not None and pairs.size == 2 * d:
        pairs = pairs.reshape((1, 2) if d == 1 else (d, 2))
    else:
        pairs = None
    if pairs is None or not np.isfinite(pairs).all() or (pairs[:, 0] > pairs[:, 1]).any():
        raise ConfigError("x_range", (_("must be (low, high): two finite numbers with low <= high, got {value}") if d == 1 else
                                      _("must be {d} pairs (low, high) of finite numbers with low <= high, got {value}")).format(
            d=d, value=shown(x_range)))
    return (float(pairs[0, 0]), float(pairs[0, 1])) if d == 1 else [(float(lo), float(hi)) for lo, hi in pairs]


def checked_scaling(scaling, d, k):
    """The model's scaling, u = (x - x_shift) / x_scale and y = y_shift + y_scale * (the network's output): the
    four keys, each a number (one column) or a list of one number per column, finite, the scales not 0 (load's
    rule); None is the identity. ConfigError naming what is wrong."""
    if scaling is None:  # (one number per column where there are several, as a fit's scaling holds them: helper-89)
        return {key: value if width == 1 else [value] * width for (key, value), width in zip(
            IDENTITY.items(), (d, d, k, k))}
    if not isinstance(scaling, dict) or set(scaling) != set(IDENTITY):
        raise ConfigError("scaling", _("must be a dict of {names} (or None), got {value}").format(
            names=", ".join(IDENTITY), value=shown(scaling)))
    out = {}
    for key, width in (("x_shift", d), ("x_scale", d), ("y_shift", k), ("y_scale", k)):
        value = scaling[key]
        column = real_array(value)
        column = None if column is None else column.reshape(-1)
        if column is None or column.size != width or not np.isfinite(column).all() or (
                key.endswith("scale") and (column == 0).any()):
            raise ConfigError("scaling", _("{key} must be {width} finite number(s){nonzero}, got {value}").format(
                key=key, width=width, nonzero=_(", none of them 0") if key.endswith("scale") else "", value=shown(value)))
        out[key] = float(column[0]) if width == 1 else [float(v) for v in column]  # as the model file holds it
    return out


def real_array(value):
    """value as a float64 array when it holds real numbers (a number, a list, an array, a torch tensor), else None:
    no text, bools, dicts or complex numbers, nothing float64 cannot hold (10**400), no NumPy warning."""
    if isinstance(value, (str, bytes, dict, bool, np.bool_)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (ComplexWarning, overflow: refused, not said by NumPy)
            array = np.asarray(value.detach() if hasattr(value, "detach") else value)  # (a tensor that requires grad)
            if array.dtype.kind not in "fiuO" or (array.dtype.kind == "O" and not all(
                    is_numeric(v) and not isinstance(v, np.bool_) for v in array.flat)):  # (a "10" or True among numbers)
                return None
            return array.astype(np.float64)
    except (TypeError, ValueError, OverflowError, RuntimeError, Warning):
        return None


def shown(value):
    """A value in a message: its repr on one line (an array's spans several), cut to 60 characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def check_config(config):
    """ConfigError unless config is a Config (nnfit.train) or a FitConfig (nnfit.fit)."""
    fit_config = sys.modules.get(f"{__package__}.fit.config")  # not imported yet: no FitConfig exists (a slow import)
    kinds = (Config,) if fit_config is None else (Config, fit_config.FitConfig)
    if not isinstance(config, kinds):
        raise ConfigError("config", _("must be a nnfit Config (nnfit.train) or FitConfig (nnfit.fit), got {type}").format(
            type=type(config).__name__))


def as_params(params):
    """Params w (H,) or (H, d), b (H,), a (H,) or (k, H): arrays of real numbers (their dtype kept), one
    value per hidden neuron in each; ConfigError naming what is wrong."""
    from .data import DataError, _numbers
    if isinstance(params, (str, bytes, dict)) or not hasattr(params, "__iter__"):
        raise ConfigError("params", _("must be the three arrays w, b, a (a Params or a tuple), got {type}").format(
            type=type(params).__name__))
    try:
        params = list(params)
    except TypeError:  # (a 0-d array: iterable by its type, not by its value)
        raise ConfigError("params", _("must be the three arrays w, b, a (a Params or a tuple), got {type}").format(
            type=type(params).__name__)) from None
    if len(params) != 3:
        raise ConfigError("params", _("must be the three arrays w, b, a (a Params or a tuple), got {count} values").format(
            count=len(params)))
    for name, p in zip(NAMES, params):
        try:
            _numbers(p, name)
        except DataError as e:
            raise ConfigError("params", str(e)) from None
    w, b, a = (np.asarray(p) for p in params)
    w, b, a = (p.astype(np.float64) if p.dtype.kind in "iu" else p for p in (w, b, a))  # (integers: float64, as saved)
    H = b.size
    w = w if w.ndim == 2 and w.shape[0] == H and w.shape[1] > 1 else w.reshape(-1)  # (H,) or (H, d)
    a = a if a.ndim == 2 and a.shape[1] == H and a.shape[0] > 1 else a.reshape(-1)  # (H,) or (k, H)
    if H == 0 or w.shape[0] != H or a.shape[-1] != H:
        raise ConfigError("params", _("w, b and a must hold one value per hidden neuron (b has {hidden}), got shapes "
                                      "{shapes}").format(hidden=H, shapes=", ".join(str(np.shape(p)) for p in params)))
    return Params(w, b.reshape(-1), a)


def as_inputs(x):
    """x values to predict at, as float64: DataError unless they are finite numbers (data._numbers's
    rules, as nnfit.fit's: no text, dates or booleans)."""
    from .data import DataError, _numbers
    if x is None:
        raise DataError(_("x must be numbers, got {x!r}").format(x=x))
    arr = _numbers(x, "x")
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        where = ", ".join(map(str, bad[0]))
        raise DataError((_("{name}[{index}] is {value}: every value must be a finite number") if where else
                         _("{name} is {value}: every value must be a finite number")).format(
            name="x", index=where, value=arr[tuple(bad[0])]))
    return arr


def is_covariance(cov):
    """Whether cov (P, P) is a covariance as a model file may hold one: finite, symmetric and positive
    semi-definite, each to 1e-9 of its largest entry (a fit keeps no posterior that is not: load would
    refuse the file)."""
    if not np.all(np.isfinite(cov)):
        return False
    scale = max(float(np.max(np.abs(cov))), 1e-300)
    if not np.max(np.abs(cov - cov.T)) <= 1e-9 * scale:
        return False
    try:  # its smallest eigenvalue above -1e-9 scale, as a Cholesky factorization of cov + 1e-9 scale I tells (at
        # P = 2001 about 20 times faster than eigvalsh: Model.save checks it too, helper-74)
        np.linalg.cholesky(cov + 1e-9 * scale * np.eye(len(cov)))
        return True
    except np.linalg.LinAlgError:
        return False


def load(path):
    """Rebuild a Model from a file written by Model.save; ModelFileError if it cannot be used."""
    from safetensors import SafetensorError
    from safetensors.numpy import safe_open
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise ModelFileError(_("a model file path must be a string or path, got {path!r}").format(path=path))
    path = os.fsdecode(os.fspath(path))
    if not path:
        raise ModelFileError(_("the model file name is empty; give a .safetensors file"))
    if not os.path.exists(path):
        try:
            os.stat(path)  # a link that loops (or a path it may not search) is not "no such file"
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise ModelFileError(_("{path}: cannot read: {reason}").format(path=path, reason=system_reason(e))) from None
        except ValueError:  # (a NUL in the name)
            pass
        raise ModelFileError(_("{path}: no such file").format(path=path))
    if os.path.isdir(path):
        inside = os.path.join(path, "model.safetensors")
        hint = _(" (its model file is {inside})").format(inside=inside) if os.path.isfile(inside) else ""
        raise ModelFileError(_("{path}: is a directory, not a model file").format(path=path) + hint)
    if not os.path.isfile(path):
        raise ModelFileError(_("{path}: not a regular file").format(path=path))
    if os.path.getsize(path) == 0:
        raise ModelFileError(_("{path}: the file is empty").format(path=path))
    try:
        open(path, "rb").close()  # safetensors says "No such file or directory" for a file it may not read
    except OSError as e:
        raise ModelFileError(_("{path}: cannot read: {reason}").format(path=path, reason=system_reason(e))) from None
    try:
        with safe_open(path, framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        first = (str(e).splitlines() or [type(e).__name__])[0]
        if isinstance(e, AttributeError):  # safetensors' NumPy side names a dtype NumPy lacks (F8_E4M3: helper-82)
            first = _("a tensor's dtype has no NumPy type: {error}").format(error=first)
        raise ModelFileError(_("{path}: not a readable safetensors model file ({error})").format(path=path, error=library_reason(first))
                             + not_a_model_hint(path)) from None
    return from_file(path, meta, tensors)


def from_file(path, meta, tensors):
    """Check the file's metadata field by field and its tensors, then build the Model."""

    def bad(field, why):
        return ModelFileError(_("{path}: metadata {field!r} {why}").format(path=path, field=field, why=why))

    def field(name, default=None):
        if name not in meta:
            if default is not None:
                return default
            raise bad(name, _("is missing"))
        try:
            return json.loads(meta[name], parse_int=float_sized_int)
        except TooLarge as e:
            raise bad(name, _("holds an integer too large for a float: {digits} digits").format(digits=e.args[0])) from None
        except ValueError:
            raise bad(name, _("is not valid JSON: {text!r}").format(text=meta[name][:60])) from None
        except RecursionError:  # arrays nested thousands deep: no field of a model is
            raise bad(name, _("is nested too deeply: {text!r}").format(text=meta[name][:60])) from None

    if meta.get("format") != FORMAT:
        raise ModelFileError(_("{path}: not an nnfit model (metadata 'format' is {format!r})").format(
            path=path, format=meta.get("format")))
    kind = meta.get("kind", "train")
    if kind not in ("train", "fit"):
        raise bad("kind", _("must be 'train' or 'fit', got {kind!r}").format(kind=kind))
    posterior = tensors.pop("posterior_cov", None)
    long_history = tensors.pop("history", None)
    if sorted(tensors) != sorted(NAMES):
        raise ModelFileError(_("{path}: expected tensors a, b, w; found {found}").format(
            path=path, found=", ".join(sorted(tensors)) or _("none")))
    cfg = field("config")
    if not isinstance(cfg, dict):
        raise bad("config", _("must be an object, got {type}").format(type=type(cfg).__name__))
    if kind == "fit":  # (fit mode's package only where it is needed: it loads Numba's compiled fit, and Model.save
        from .fit.config import FitConfig  # checks a trained model with this function too)
    cls = Config if kind == "train" else FitConfig
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(cfg) - names)
    if unknown:
        from .fit.config import FitConfig
        other = FitConfig if kind == "train" else Config
        if not set(cfg) - {f.name for f in fields(other)}:  # a config of the other kind of model
            raise bad("kind", _("is {kind!r}{missing}, but 'config' is a {other} model's (it has {name!r})").format(
                kind=kind, missing=_(" (missing)") if "kind" not in meta else "", name=unknown[0],
                other="fit" if kind == "train" else "train"))
        raise bad("config", _("has an unknown field {name!r}").format(name=unknown[0]))
    for required in ("hidden", "activation"):  # what predictions depend on: never a silent default
        if required not in cfg:
            raise bad("config", _("lacks the field {name!r}").format(name=required))
    try:
        config = cls(**cfg).validate(here=False)  # (a model trained on a GPU predicts with NumPy anywhere)
    except ConfigError as e:
        raise bad("config", _("field {error}").format(error=e)) from None
    if config.activation not in ACTIVATIONS:  # "auto" is a fit's option, never a saved model's activation
        raise bad("config", _("field activation must be one of {names}, got {value!r}").format(
            names=", ".join(ACTIVATIONS), value=config.activation))
    for n in NAMES:
        t = tensors[n]
        if t.dtype not in (np.float16, np.float32, np.float64) or not (
                t.shape == (config.hidden,) or (kind == "fit" and n == "w" and t.ndim == 2 and t.shape[0] == config.hidden
                                                and t.shape[1] >= 1)
                or (kind == "fit" and n == "a" and t.ndim == 2 and t.shape[1] == config.hidden and t.shape[0] >= 1)):
            if kind == "fit" and n != "b":
                raise ModelFileError(_("{path}: tensor {name!r} has shape {shape} and dtype {dtype}; expected floats of "
                                       "shape {want} for hidden={hidden}").format(
                                         path=path, name=n, shape=t.shape, dtype=t.dtype, hidden=config.hidden,
                                         want=f"({config.hidden},) or ({config.hidden}, d)" if n == "w"
                                         else f"({config.hidden},) or (k, {config.hidden})"))
            raise ModelFileError(_("{path}: tensor {name!r} has shape {shape} and dtype {dtype}; "
                                   "expected ({hidden},) floats for hidden={hidden}").format(
                                     path=path, name=n, shape=t.shape, dtype=t.dtype, hidden=config.hidden))
        if not np.all(np.isfinite(t)):
            raise ModelFileError(_("{path}: tensor {name!r} holds non-finite values").format(path=path, name=n))
    d = tensors["w"].shape[1] if tensors["w"].ndim == 2 else 1
    k = tensors["a"].shape[0] if tensors["a"].ndim == 2 else 1
    x_range = field("x_range")
    pairs = [x_range] if d == 1 else x_range if isinstance(x_range, list) and len(x_range) == d else None
    if not (pairs and all(isinstance(r, list) and len(r) == 2 and all(_finite(v) for v in r) and r[0] <= r[1] for r in pairs)):
        raise bad("x_range", (_("must be [low, high], two finite numbers with low <= high, got {text!r}") if d == 1 else
                              _("must be {d} pairs [low, high] of finite numbers with low <= high, got {text!r}")).format(
            d=d, text=meta["x_range"][:60]))
    history = field("history", [])
    if history == "tensor" or long_history is not None:  # a long history: the tensor (HISTORY_IN_METADATA)
        if history != "tensor" or long_history is None or long_history.dtype != np.float64 or long_history.ndim != 1:
            raise bad("history", _("and the tensor 'history' must come together: \"tensor\" and a float64 vector"))
        wrong = ~(np.isnan(long_history) | (np.isfinite(long_history) & (long_history >= 0)))
        if wrong.any():
            raise bad("history", _("must be a list of numbers, none below 0 (a loss of each epoch; null for a diverged "
                                   "one), got {value!r} in the tensor 'history'").format(
                value=float(long_history[np.argmax(wrong)])))
        history = long_history  # (NaN for the epochs JSON writes as null)
    elif not (isinstance(history, list) and all(v is None or (_finite(v) and v >= 0) for v in history)):
        # (losses: mean squared errors, never below 0)
        first = next((k for k, v in enumerate(history) if not (v is None or (_finite(v) and v >= 0))), None) \
            if isinstance(history, list) else None  # (helper-87: the bad value was not said)
        raise bad("history", _("must be a list of numbers, none below 0 (a loss of each epoch; null for a diverged one), "
                               "got {text}").format(text=repr(meta["history"][:60]) if first is None else _(
                                   "{value} at epoch {epoch}").format(value=json.dumps(history[first])[:40], epoch=first + 1)))
    final_loss = field("final_loss", "null") if "final_loss" in meta else None
    if isinstance(final_loss, str):  # written as repr() by nnfit 0.1
        try:
            final_loss = float(final_loss)
        except ValueError:
            raise bad("final_loss", _("must be a number, got {value!r}").format(value=final_loss)) from None
    if final_loss is not None and not _finite(final_loss):  # NaN too (nnfit writes a NaN as null)
        raise bad("final_loss", _("must be a finite number, got {value!r}").format(value=final_loss))
    if final_loss is not None and _finite(final_loss) and final_loss < 0:
        raise bad("final_loss", _("is a mean squared error, never below 0, got {value!r}").format(value=final_loss))
    scaling = field("scaling") if kind == "fit" else field("scaling", IDENTITY)  # a fit's is never the identity
    if scaling is None and kind == "train":
        scaling = IDENTITY
    def columns_of(key):  # a number for one column, else a list of one number per column
        v = scaling[key]
        width = d if key.startswith("x") else k
        return [v] if width == 1 and _finite(v) else v if isinstance(v, list) and len(v) == width > 1 else None
    if not (isinstance(scaling, dict) and set(scaling) == set(IDENTITY)
            and all(columns_of(key) is not None and all(_finite(v) for v in columns_of(key)) for key in IDENTITY)):
        raise bad("scaling", _("must hold {names} as finite numbers, got {text!r}").format(
            names=", ".join(IDENTITY), text=meta.get("scaling", "")[:80]))
    if 0 in columns_of("x_scale") or 0 in columns_of("y_scale"):
        raise bad("scaling", _("has a zero scale"))
    columns = field("columns", {"x": None, "y": None})
    if not (isinstance(columns, dict) and set(columns) == {"x", "y"} and all(
            columns[c] is None or (isinstance(columns[c], list) and len(columns[c]) == width
                                   and all(isinstance(n, str) for n in columns[c]))
            for c, width in (("x", d), ("y", k)))):
        raise bad("columns", _("must map x to {d} names or null and y to {k} names or null, got {text!r}").format(
            d=d, k=k, text=meta.get("columns", "")[:80]))
    extra = field("extra", {})
    if not isinstance(extra, dict):
        raise bad("extra", _("must be an object, got {type}").format(type=type(extra).__name__))
    if isinstance(history, list):
        history = [float("nan") if v is None else float(v) for v in history]
    model = Model(Params(*(tensors[n] for n in NAMES)), config, history, x_range, scaling, extra,
                  final_loss=None if final_loss is None else float(final_loss))
    from .data import keepable_names  # names a file from before the rule kept ('1', ' a'): not used, columns by position
    model.x_names, model.y_names = (None if n is None else keepable_names(n) for n in (columns["x"], columns["y"]))
    if model.x_names and model.y_names and set(model.x_names) & set(model.y_names):
        model.x_names = model.y_names = None
    reg = extra.get("regularization")
    if isinstance(reg, dict) and reg.get("no_posterior") is not None:  # (why a Bayesian fit kept none: its words need these)
        if reg["no_posterior"] not in ("dof", "exact") or not all(
                _finite(reg.get(name)) and reg[name] >= 0 for name in ("dof", "gamma", "parameters")):
            raise bad("extra", _("regularization.no_posterior must be 'dof' or 'exact', with dof, gamma and parameters "
                                 "finite numbers >= 0, got {value!r}").format(value={
                                     name: reg.get(name) for name in ("no_posterior", "dof", "gamma", "parameters")}))
    if posterior is not None:
        P = config.hidden * (d + 1 + k) + k  # with the fit's output bias (folded into y_shift); files written
        # before fits had one have no row for it: (P - k, P - k)
        noise = (extra.get("regularization") or {}).get("noise_var") if isinstance(extra.get("regularization"), dict) else None
        if posterior.shape not in ((P, P), (P - k, P - k)) or posterior.dtype != np.float64:
            raise ModelFileError(_("{path}: tensor 'posterior_cov' must be ({P}, {P}) float64 (or ({Q}, {Q}), from "
                                   "before fits had an output bias), got shape {shape} and dtype {dtype}").format(
                                     path=path, P=P, Q=P - k, shape=posterior.shape, dtype=posterior.dtype))
        if not np.all(np.isfinite(posterior)):
            raise ModelFileError(_("{path}: tensor 'posterior_cov' holds non-finite values").format(path=path))
        if not is_covariance(posterior):
            raise ModelFileError(_("{path}: tensor 'posterior_cov' is not a covariance (symmetric, positive "
                                   "semi-definite)").format(path=path))
        if not (_finite(noise) and noise >= 0):
            raise bad("extra", _("regularization.noise_var must be a finite number >= 0 with a posterior, got {value!r}").format(
                value=noise))
        outputs = extra["regularization"].get("output_noise_var", [0.0] * k)  # (absent: one shared level; null is refused)
        if not (isinstance(outputs, list) and len(outputs) == k
                                        and all(_finite(v) and v >= 0 for v in outputs)):
            raise bad("extra", _("regularization.output_noise_var must be a list of {k} finite numbers >= 0, got {value!r}").format(
                k=k, value=outputs))
        dof = extra["regularization"].get("dof", math.inf)
        if not (isinstance(dof, (int, float)) and not isinstance(dof, bool) and dof > 0):  # NaN compares False
            raise bad("extra", _("regularization.dof must be a number > 0 with a posterior, got {value!r}").format(value=dof))
        model.posterior = posterior
    finite_over_its_range(model, path)
    return model


def not_a_model_hint(path):
    """What an unreadable model file most likely is: a CSV of points given in the model's place, or a
    safetensors file cut short (its header says it is longer than it is); else ""."""
    from .data import TEXT_SUFFIXES
    try:
        with open(path, "rb") as f:
            head = f.read(9)
        size = os.path.getsize(path)
    except OSError:
        return ""
    if len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") > size - 8:
        return _("; the file is shorter than its header says: it was cut short")
    if str(path).lower().endswith(TEXT_SUFFIXES) or (head and all(32 <= c < 127 or c in b"\t\r\n" for c in head)):
        return _("; it looks like text, such as a CSV of points: the model file is the model.safetensors that nnfit "
                 "train or nnfit fit wrote")
    return ""


def finite_over_its_range(model, path):
    """ModelFileError unless the model's predictions (and, with a posterior, their std) are finite all
    over its training range, as far as RANGE_POINTS points can tell: a grid (one input), or the corners
    of the box (over its first 10 inputs, any others at their middles) and points drawn in it (several),
    and with relu each neuron's kink inside it, where a
    piecewise-linear curve has its peaks. Numbers each finite can still overflow together (output
    weights of 1e308, a y_scale of 1e308, an x_scale of 1e-320). nnfit predict refuses any prediction
    that is not finite whatever this finds."""
    ranges = np.array(model.x_range, dtype=np.float64).reshape(-1, 2)  # (d, 2)
    lo, hi = ranges[:, 0], ranges[:, 1]
    d = len(lo)
    t = np.linspace(0.0, 1.0, RANGE_POINTS)[:, None]
    if d == 1:
        with np.errstate(over="ignore"):  # (a range of -1e308 to 1e308: its span is inf, the other form then)
            points = lo + t * (hi - lo) if np.isfinite(hi - lo).all() else lo * (1 - t) + hi * t  # (n, 1)
        if model.config.activation == "relu":
            w, b = (np.asarray(p, dtype=np.float64).reshape(-1) for p in model.params[:2])
            s = model.scaling or {}
            with np.errstate(all="ignore"):
                kinks = (-b / w) * s.get("x_scale", 1.0) + s.get("x_shift", 0.0)  # in the user's units
            kinks = kinks[np.isfinite(kinks) & (kinks >= lo[0]) & (kinks <= hi[0])]
            points = np.concatenate([points, kinks[:, None]])
    else:
        corners = np.array(np.meshgrid(*[[0.0, 1.0]] * min(d, 10))).reshape(min(d, 10), -1).T  # (2^d', d')
        corners = np.hstack([corners, np.full((len(corners), d - corners.shape[1]), 0.5)])
        inside = np.random.default_rng(0).uniform(0, 1, (RANGE_POINTS, d))
        u = np.vstack([corners, inside])
        points = lo * (1 - u) + hi * u
    points = points if d > 1 else points[:, 0]
    with np.errstate(all="ignore"):
        values = model.predict(points, return_std=True) if model.posterior is not None else (model.predict(points),)
    for v in values:
        bad = ~np.isfinite(np.asarray(v, dtype=np.float64).reshape(len(points), -1)).all(axis=1)
        if bad.any():
            at = np.atleast_1d(points[np.argmax(bad)])
            raise ModelFileError(_("{path}: the model's predictions are not finite at x = {x}, within its training "
                                   "range: its numbers overflow float64 together").format(
                                     path=path, x=",".join(f"{e:g}" for e in at)))


RANGE_POINTS = 257  # points finite_over_its_range tries (besides corners and kinks)


class TooLarge(ValueError):
    """An integer in a model file's JSON past float's range (its digit count in args)."""


def float_sized_int(text):
    """json's parse_int: an int, or TooLarge past float's range (1e400 would break every check after it). Over
    309 digits it is past that range before any conversion (Python's int() refuses 4300 digits and more)."""
    if len(text.lstrip("-")) > 309:  # (JSON integers have no leading zeros)
        raise TooLarge(len(text.lstrip("-")))
    value = int(text)
    if abs(value) > sys.float_info.max:
        raise TooLarge(len(text.lstrip("-")))
    return value


def _finite(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


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
        """Model k (an integer, negative from the end), or a list of models for a slice."""
        if isinstance(k, slice):
            try:
                return [self[i] for i in range(*k.indices(len(self)))]
            except (TypeError, ValueError):  # bounds that are not integers, a step of 0
                raise ConfigError("index", _("must be an integer or a slice of integers with a step other than 0, "
                                             "got {value!r}").format(value=k)) from None
        if isinstance(k, np.bool_) or not is_numeric(k, numbers.Integral):
            raise ConfigError("index", _("must be an integer or a slice, got {value!r}").format(value=k))
        if not -len(self) <= k < len(self):
            raise IndexError(f"model {k} out of range for {len(self)} models")
        k = int(k) % len(self)
        from dataclasses import replace
        cfg = replace(self.config, models=1, seed=self.config.seed + k)
        return Model(Params(*(p[k] for p in self.params)), cfg, self.histories[k], self.x_range)

    @property
    def final_losses(self):
        return self.histories[:, -1]

    def predict(self, x=None, **unknown):
        """Every model's y_hat at x, at once: (M, ...) with row k models[k].predict(x), the same numbers, and
        NaN in the rows of models whose training diverged (final loss NaN: models[k].predict refuses them).
        x is checked as Model.predict checks it."""
        for name in unknown:  # (return_std too: trained models have no posterior)
            raise ConfigError(name, _("is not an option of {what}; the options are {names}").format(
                what="Models.predict", names="x"))
        from .config import machine_ram
        from .data import DataError
        x = self[0].inputs(x)
        w, b, a = (np.asarray(p, dtype=np.float64) for p in self.params)  # (M, H) each
        M, H = w.shape
        finite = np.isfinite(w).all(axis=1) & np.isfinite(b).all(axis=1) & np.isfinite(a).all(axis=1)
        if 8 * M * x.size > machine_ram() / 2:  # (helper-86: NumPy's MemoryError, for 373 GiB)
            raise DataError(_("x: {n} points for {models} models would need about {need:.3g} GiB for the predictions, more "
                              "than half of this machine's memory; predict fewer points at a time").format(
                n=x.size, models=M, need=8 * M * x.size / 2**30))
        y = np.empty((M, x.size))
        points = x.reshape(-1)
        step = max(1, 2**22 // (M * H))  # points at a time: their (points, M, H) sums stay within 32 MiB
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(0, points.size, step):
                z = points[i:i + step, None, None] * w + b
                y[:, i:i + step] = np.sum(activate(self.config.activation, z) * a, axis=-1).T
        y = y.reshape((M,) + x.shape)
        if np.isnan(y[finite]).any():  # (past +-1e150 the sums overflow: a model's own predict says where, and why)
            for k in np.flatnonzero(finite):
                self[k].predict(x)
        return y

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
