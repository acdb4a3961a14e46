"""One browser tab's run: the tutorial's recipe, stepped one SGD step or whole epochs at a time.

The numbers are nnfit's own: the manual engine (float32; the tutorial's digits) driven through the
engine contract. Running an epoch in pieces, order[:, :k] then order[:, k:k+B] ..., gives the same
parameters as running it whole, and the epoch's average loss is the mean of each step's pre-update
loss, summed in the same order as nnfit/train.py sums it, so the page shows the CLI's lines.

Changing a setting (seed, hidden, activation, lr, batch size, shuffle) restarts from the seed's start,
so that the page and `nnfit train` with those options print the same numbers. Editing the points keeps
the parameters (the curve chases the points); the epoch in progress starts over on the new points.
"""
from dataclasses import replace
import math
import os
import tempfile
import warnings

import numpy as np

from ..config import Config, check_bool, check_choice, check_int, check_number, ACTIVATION_NAMES
from ..data import DataError, DataWarning, as_points, read_csv, tutorial_data, warn_data
from ..engines import manual
from ..explain import step_ledger
from ..i18n import _
from ..model import network
from ..params import NAMES, Params, init_many
from ..train import TrainingDiverged, epoch_order
from . import diagnose

MAX_POINTS = 2000      # points a tab may hold
MAX_HIDDEN = 20        # neurons a tab may ask for
MAX_LR = 1e6
MAX_SEED = 2**32 - 1
MAX_EPOCHS_PER_CALL = 1000
MAX_VALUE = 1e6        # |x|, |y| of a point
CURVE_POINTS = 1000


class Refused(ValueError):
    """A request the session cannot carry out now; zh and en say why."""

    def __init__(self, en, zh):
        super().__init__(en)
        self.en, self.zh = en, zh


class Session:
    def __init__(self):
        self.cfg = Config(seed=0, engine="manual")  # the tutorial's recipe, seed 0
        self.x, self.y = tutorial_data()
        self.restart()

    # -- what can change ---------------------------------------------------------------------------

    def restart(self):
        """Back to the seed's start: epoch 0, no history, no ledger."""
        start = init_many(self.cfg.seed, 1, self.cfg.hidden, self.cfg.dtype)  # (1, H) each, torch's draws
        self.engine = manual.Engine(start, self.cfg)
        self.epoch = 0           # finished epochs
        self.done = 0            # samples done in the epoch in progress
        self.epoch_sum = 0.0     # their summed pre-update losses
        self.history = []        # average loss of each finished epoch
        self.last = None         # the ledger of the last step
        self.failure = None      # the divergence finding, once the loss is no longer finite

    def settings(self, **changes):
        """Check and apply new settings, then restart. Unknown names are refused."""
        checks = {
            "seed": lambda v: check_int("seed", v, 0, MAX_SEED),
            "hidden": lambda v: check_int("hidden", v, 1, MAX_HIDDEN),
            "activation": lambda v: check_choice("activation", v, ACTIVATION_NAMES),
            "lr": lambda v: check_number("lr", v, 0, MAX_LR, low_open=True),
            "batch_size": lambda v: check_int("batch_size", v, 1, MAX_POINTS),
            "shuffle": lambda v: check_bool("shuffle", v),
        }
        unknown = sorted(set(changes) - set(checks))
        if unknown:
            raise Refused(f"unknown setting {unknown[0]!r}", f"未知的设置 {unknown[0]!r}")
        self.cfg = replace(self.cfg, **{k: checks[k](v) for k, v in changes.items()}).validate()
        self.restart()

    def set_points(self, x, y):
        """New points (checked); the parameters stay, the epoch in progress starts over."""
        x, y = as_points(x, y)
        if len(x) > MAX_POINTS:
            raise DataError(_("at most {max} points, got {count}").format(max=MAX_POINTS, count=len(x)))
        if max(np.max(np.abs(x)), np.max(np.abs(y))) > MAX_VALUE:
            raise DataError(_("every x and y must be within ±{limit:g}").format(limit=MAX_VALUE))
        self.x, self.y = x, y
        self.done, self.epoch_sum, self.last = 0, 0.0, None

    def load_csv(self, name, text):
        """Points from a CSV file's text, read by nnfit's own CSV reader (header optional, two columns)."""
        name = name if isinstance(name, str) and name.strip() and name.isprintable() else repr(name)  # (a line break in
        with tempfile.TemporaryDirectory() as tmp:                                   # it split the reply: helper-84)
            path = os.path.join(tmp, "points.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            try:
                with warnings.catch_warnings(record=True) as caught:  # (they name the file as the user does)
                    warnings.simplefilter("always", DataWarning)
                    x, y = read_csv(path, pick=_("the page reads files of two columns, x then y: keep those two"))
            except DataError as e:
                raise DataError(str(e).replace(path, name)) from None
            finally:
                for w in caught:
                    if issubclass(w.category, DataWarning):
                        warn_data(str(w.message).replace(path, name))
                    else:
                        warnings.warn(w.message, w.category)
        self.set_points(x, y)

    def tutorial_points(self):
        self.set_points(*tutorial_data())

    # -- training ---------------------------------------------------------------------------------

    def order(self):
        """This epoch's sample order, (1, N): data order, or the seeded shuffle train.py uses."""
        if self.cfg.shuffle:
            return epoch_order(self.cfg.seed, 1, len(self.x), self.epoch)
        return np.arange(len(self.x))[None, :]

    def step(self):
        """One SGD step (one sample, or one mini-batch), with its ledger."""
        self.refuse_if_failed()
        order = self.order()
        piece = order[:, self.done:self.done + self.cfg.batch_size]
        self.last = self.ledger(self.params(), piece[0], self.epoch + 1, self.done // self.cfg.batch_size + 1)
        self.run(piece)

    def epochs(self, count):
        """Finish the epoch in progress, then run whole epochs, `count` in all; the ledger is the last step's."""
        self.refuse_if_failed()
        bs = self.cfg.batch_size
        for k in range(count):
            order = self.order()
            if self.done:  # finish a started epoch step by step: the loss sums in train.py's order
                while self.done and not self.failure:
                    piece = order[:, self.done:self.done + bs]
                    if k == count - 1 and self.done + bs >= len(self.x):  # the last step's ledger (helper-68: the
                        # ledger still showed the step before the epoch, whose numbers the parameters no longer had)
                        self.last = self.ledger(self.params(), piece[0], self.epoch + 1, self.done // bs + 1)
                    self.run(piece)
            else:
                before = self.params() if k == count - 1 else None
                self.run(order)  # a whole epoch in one call, exactly as train.run does it
                if before is not None and not self.failure:
                    self.last = self.last_step_ledger(before, order)
            if self.failure:
                break

    def run(self, piece):
        """Run the SGD steps over samples x[piece] (1, n) and book their losses."""
        with np.errstate(all="ignore"):
            loss = float(self.engine.epoch(self.x, self.y, piece, self.cfg.batch_size)[0])
        self.epoch_sum += loss
        self.done += piece.shape[1]
        if self.done >= len(self.x):
            self.history.append(self.epoch_sum / len(self.x))
            self.epoch, self.done, self.epoch_sum = self.epoch + 1, 0, 0.0
        if not (math.isfinite(loss) and np.isfinite(self.engine.w).all() and np.isfinite(self.engine.a).all()):
            epoch = self.epoch if self.done == 0 else self.epoch + 1
            good = diagnose.stable_lr(self.cfg, self.x, self.y, min(max(epoch, self.cfg.epochs), 200))
            self.failure = diagnose.diverged(epoch, None if math.isfinite(loss) else loss, self.cfg.lr, good)
            self.last = None  # (a ledger from before the divergence is not the last step's; the page says why there is none)

    def last_step_ledger(self, before, order):
        """The ledger of an epoch's last step: replay the epoch from `before` up to that step."""
        bs, n = self.cfg.batch_size, order.shape[1]
        last = (n - 1) // bs * bs  # where the last mini-batch starts
        replay = manual.Engine(Params(*(p[None, :] for p in before)), self.cfg)
        if last:
            replay.epoch(self.x, self.y, order[:, :last], bs)
        return self.ledger(Params(*(p[0] for p in replay.params())), order[0, last:], self.epoch, last // bs + 1)

    def ledger(self, params, idx, epoch, step):
        """nnfit explain's ledger of the step from `params` on samples idx (None if that step diverges)."""
        try:
            return {"epoch": epoch, "sample": step, **step_ledger(params, self.x, self.y, idx, self.cfg)}
        except TrainingDiverged:
            return None

    def refuse_if_failed(self):
        if self.failure:
            raise Refused("the loss diverged: lower the learning rate and press Reset",
                          "损失已经发散：请改小学习率，再按“重置”")

    def params(self):
        return Params(*(p[0] for p in self.engine.params()))  # (H,) each, float32

    # -- what the page shows ----------------------------------------------------------------------

    def curve(self):
        """ŷ on CURVE_POINTS x values spanning the points with a margin; float64 from the float32 params."""
        lo, hi = float(np.min(self.x)), float(np.max(self.x))
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        grid = np.linspace(lo - pad, hi + pad, CURVE_POINTS)
        with np.errstate(all="ignore"):
            y_hat = network(self.params(), grid, self.cfg.activation)[0]
        return {"x0": lo - pad, "x1": hi + pad, "y": y_hat}

    def state(self, history_from=0):
        """Everything the page draws, JSON-able. The history is sent from epoch `history_from` on."""
        params = self.params()
        loss = self.history[-1] if self.history else None
        findings = [self.failure] if self.failure else []
        if np.isfinite(params.flat()).all():
            findings += diagnose.diagnose(params, self.x, self.y, self.cfg.activation)
        steps = -(-len(self.x) // self.cfg.batch_size)
        return jsonable({
            "type": "state",
            "settings": {k: getattr(self.cfg, k) for k in ("seed", "hidden", "activation", "lr", "batch_size", "shuffle")},
            "points": {"x": self.x, "y": self.y},
            "epoch": self.epoch,
            "step": self.done // self.cfg.batch_size,  # steps done in the epoch in progress
            "steps": steps,                            # steps per epoch
            "loss": loss,
            "loss_text": None if loss is None else f"{loss:.6f}",  # as the CLI prints it
            "history": {"start": history_from, "values": self.history[history_from:]},
            "params": {name: getattr(params, name) for name in NAMES},
            "curve": self.curve(),
            "ledger": self.last,
            "findings": findings,
            "diverged": self.failure is not None,
        })


def jsonable(v):
    """NumPy arrays and scalars as lists and floats; NaN and infinities as None (JSON has none)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [jsonable(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    return v
