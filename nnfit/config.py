"""The training configuration: one flat dataclass, checked once at the boundary."""
import contextlib
from dataclasses import asdict, dataclass, fields
import math
import numbers
import os
import struct
import sys
import warnings

from .activations import NAMES as ACTIVATION_NAMES
from .i18n import _
ENGINE_NAMES = ("auto", "scalar", "manual", "matrix")
DTYPE_NAMES = ("float32", "float64")
DEVICE_NAMES = ("cpu", "cuda")
# Upper bounds that fail fast, before anything is allocated (and Config.check_memory for their product).
MAX_HIDDEN = 10_000
MAX_EPOCHS = 100_000_000
MAX_MODELS = 100_000_000
MAX_BATCH_SIZE = 1_000_000_000  # above the number of points it means one full batch per epoch
SEED_LIMIT = 2**63              # seed + models - 1 must stay below it (torch.manual_seed's range)


class ConfigError(ValueError):
    """A bad option value; `option` is its name as the Python API spells it."""

    def __init__(self, option, message):
        super().__init__(f"{option} {message}")
        self.option = option
        self.message = message

    def __reduce__(self):  # pickled whole (joblib sends a worker's errors back so: GridSearchCV with n_jobs)
        return type(self), (self.option, self.message)


@dataclass
class Config:
    hidden: int = 5              # H, neurons in the hidden layer (the tutorial's 5)
    activation: str = "sigmoid"  # sigmoid | tanh | relu: the hidden neurons' act()
    lr: float = 0.01             # learning rate of plain SGD (the tutorial's 0.01)
    epochs: int = 50             # passes over the data (the tutorial's 50)
    batch_size: int = 1          # samples per SGD step; the step averages their loss
    shuffle: bool = False        # visit the samples in a seeded random order each epoch
    seed: int | None = None      # start of torch's generator; None draws one at random
    engine: str = "auto"         # scalar | manual | matrix; auto: manual (the fastest), matrix on cuda
    dtype: str = "float32"       # float32 (the tutorial's) | float64
    models: int = 1              # M independent models; model k starts from seed + k
    device: str = "cpu"          # cpu | cuda (matrix engine only)
    keep_grads: bool = False     # never zero the gradients, as the chapter's section-4 loop (scalar engine only)

    def validate(self, here=True):
        """Raise ConfigError naming the first bad option and its value; store plain Python values
        (a NumPy integer becomes an int) so that the config can be saved as JSON. here=False: a saved
        model's config, which need not run on this machine (a GPU or the memory it trained with)."""
        self.hidden = check_int("hidden", self.hidden, 1, MAX_HIDDEN)
        self.activation = check_choice("activation", self.activation, ACTIVATION_NAMES)
        self.lr = check_number("lr", self.lr, 0, low_open=True)
        self.epochs = check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        self.batch_size = check_int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        self.shuffle = check_bool("shuffle", self.shuffle)
        self.models = check_int("models", self.models, 1, MAX_MODELS)
        if self.seed is not None:
            self.seed = check_int("seed", self.seed, 0, SEED_LIMIT - 1)
            if self.seed > SEED_LIMIT - self.models:  # model k trains from seed + k
                raise ConfigError("seed", _("must be <= {top} with --models {models} (model k trains from seed + k), got {seed}").format(
                    top=SEED_LIMIT - self.models, models=self.models, seed=self.seed))
        self.engine = check_choice("engine", self.engine, ENGINE_NAMES)
        self.dtype = check_choice("dtype", self.dtype, DTYPE_NAMES)
        self.device = check_choice("device", self.device, DEVICE_NAMES)
        check_representable("lr", self.lr, self.dtype)
        if here:
            self.check_memory(n=10)
        if self.device == "cuda" and self.resolved_engine() != "matrix":
            raise ConfigError("device", _("cuda runs only the matrix engine: choose it (--engine matrix, engine='matrix')"))
        if self.device == "cuda" and here:  # now, before a seed is drawn and printed or anything trains
            from ._torch import require_torch
            if not require_torch(_("--device cuda"), "device").cuda.is_available():
                raise ConfigError("device", _("cuda: no CUDA GPU is available here (torch.cuda.is_available() is False)"))
        self.keep_grads = check_bool("keep_grads", self.keep_grads)
        if self.keep_grads and (self.resolved_engine() != "scalar" or self.models > 1):
            raise ConfigError("keep_grads", _("is the chapter's own loop: the scalar engine, one model; "
                                              "got engine={engine!r}, models={models!r}").format(
                                                engine=self.engine, models=self.models))
        if self.engine == "scalar" and self.models > 1:
            raise ConfigError("engine", _("scalar trains one model at a time; use manual or matrix for models > 1"))
        return self

    def memory_bytes(self, n):
        """A run's largest arrays for n points, estimated before any is allocated:
        (bytes, the option that drives the largest part)."""
        M, H, E = self.models, self.hidden, self.epochs
        size = 4 if self.dtype == "float32" else 8
        history = 8 * M * E                         # the (M, E) float64 loss history
        params = M * 3 * H * (8 + 4 * size)         # the start in float64, the engine's copies of w, b, a
        if self.resolved_engine() == "matrix":
            params += 8 * M * min(self.batch_size, n) * H * size  # (M, B, H) tensors, forward and backward
        orders = 16 * M * n if self.shuffle else 0  # a shuffled order per model and its sort keys, (M, N)
        many = M > 1
        parts = [(history, "models" if many else "epochs"), (params, "models" if many else "hidden"), (orders, "models")]
        return sum(b for b, _option in parts), max(parts)[1]

    def check_memory(self, n, share=0.5):
        """ConfigError naming an option when a run on n points would need more than `share` of the RAM."""
        need, option = self.memory_bytes(n)
        ram = machine_ram()
        if need > share * ram:
            points = _(" x {n} points").format(n=n) if n > 10 else ""
            raise ConfigError(option, _("{value}: this run would need about {need:.3g} GiB of memory (models {models} "
                                        "x epochs {epochs} x hidden {hidden}{points}), more than half of this "
                                        "machine's {ram:.3g} GiB").format(
                value=getattr(self, option), need=need / 2**30, models=self.models, epochs=self.epochs,
                hidden=self.hidden, points=points, ram=ram / 2**30))

    def resolved_engine(self):
        """The engine that will run: 'auto' is the compiled manual engine, the fastest, which gives
        the tutorial program's lines to the last digit (tests/test_golden.py); matrix on a GPU."""
        if self.engine != "auto":
            return self.engine
        if self.keep_grads:
            return "scalar"  # the chapter's loop is the only one that can keep its gradients
        return "matrix" if self.device == "cuda" else "manual"

    def to_dict(self):
        return asdict(self)

    @classmethod
    def check_names(cls, options, what="train"):
        """ConfigError for an option that is not a field, listing the fields."""
        names = [f.name for f in fields(cls)]
        for name in options:
            if name not in names:
                raise ConfigError(name, _("is not an option of {what}; the options are {names}").format(
                    what=what, names=", ".join(names)))

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def machine_ram():
    """This machine's memory in bytes (8 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


def is_numeric(value, kind=numbers.Real):
    """Whether value is a number of that kind (numbers.Integral, numbers.Real) as an option takes one: not a bool,
    nor NumPy's timedelta64, which NumPy counts among its integers (3 days is not 3 neurons: helper-86)."""
    return isinstance(value, kind) and not isinstance(value, bool) and type(value).__name__ != "timedelta64"


def check_int(name, value, low, high=None):
    """An integer (not a bool) in [low, high]; ConfigError naming the option and the value otherwise."""
    if isinstance(value, numbers.Rational) and not isinstance(value, numbers.Integral) and value.denominator == 1:
        value = value.numerator  # Fraction(3): a whole number
    if not is_numeric(value, numbers.Integral):
        raise ConfigError(name, _("must be an integer >= {low}, got {value!r}").format(low=low, value=value))
    if value < low:
        raise ConfigError(name, _("must be >= {low}, got {value}").format(low=low, value=shown_int(value)))
    if high is not None and value > high:
        raise ConfigError(name, _("must be <= {high}, got {value}").format(high=high, value=shown_int(value)))
    return int(value)


def shown_int(value):
    """An integer as a message shows it: 1e+300 rather than its 301 digits (--epochs 1e300 parses exactly),
    but every digit up to 20 of them, so that 2**63 is not shown rounded to look like 2**63 - 1."""
    value = int(value)
    if abs(value) < 10**20:
        return str(value)
    if abs(value) < 10**300:
        return f"{value:.6g}"
    digits = str(abs(value))  # (not f"{value:.6g}": past float's range that raises OverflowError)
    return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:6].rstrip('0') or '0'}e+{len(digits) - 1:02d}".replace(".0e", "e")


def check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    """A finite real number (not a bool, not a string) in the range; open ends exclude the bound."""
    bounds = [f"{'>' if low_open else '>='} {low:g}" if low is not None else "",
              f"{'<' if high_open else '<='} {high:g}" if high is not None else ""]
    want = _("must be a finite number {bounds}").format(bounds=_(" and ").join(b for b in bounds if b))
    number = as_float(value) if is_numeric(value) else None
    if number is None or not math.isfinite(number):
        raise ConfigError(name, _("{want}, got {value}").format(want=want.rstrip(), value=shown_number(value, number)))
    if number == 0 and value != 0:  # (Fraction(1, 10**400), a long double 1e-400: float makes it 0, silently)
        raise ConfigError(name, _("is {value}: too small for float64, which would make it 0").format(
            value=shown_number(value, number)))
    if (low is not None and (number < low or (low_open and number == low))) or \
            (high is not None and (number > high or (high_open and number == high))):
        raise ConfigError(name, _("{want}, got {value}").format(want=want, value=shown_number(value, number)))
    return number


def shown_number(value, number):
    """A value as a message shows it: its repr, or for a huge int or Fraction the first digits (3.14159e+400)."""
    text = repr(value)
    if len(text) <= 40:
        return text
    if isinstance(value, numbers.Rational) and number is not None and math.isinf(number):
        digits = str(abs(int(value)))
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:6]}e+{len(digits) - 1}"
    return text[:40] + "..."


def as_float(value):
    """A real number as a Python float, compared from then on as one: a NumPy float32 or longdouble,
    a Fraction or a huge int past float's range becomes +-inf, with no NumPy warning on the way."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf


def check_representable(name, value, dtype):
    """A positive float (a Python float is float64) that the run's dtype holds as a positive finite
    number (float32: about 1.4e-45 to 3.4e38), so that the run computes with the value it was given."""
    if dtype == "float32":
        try:
            rounded = struct.unpack("f", struct.pack("f", value))[0]
        except OverflowError:
            rounded = math.inf
        if math.isinf(rounded):
            raise ConfigError(name, _("{value!r} is too large for float32 (at most 3.4e38); use dtype float64").format(
                value=value))
        if rounded == 0:
            raise ConfigError(name, _("{value!r} rounds to 0 in float32, so nothing would change; "
                                      "use dtype float64 or a larger value").format(value=value))
    return value


def check_choice(name, value, choices):
    """One of choices, as a plain str: a str subclass (a (str, Enum) member) is its text, not str()'s "Cls.NAME"
    (helper-86: stored so, it was a KeyError later)."""
    if not isinstance(value, str) or value not in choices:  # (an array's repr on one line)
        raise ConfigError(name, _("must be one of {choices}; got {value}").format(
            choices=", ".join(choices), value=" ".join(repr(value).split())[:80]))
    return str.__str__(value)


def check_bool(name, value):
    """True or False (a NumPy bool too, as a Python bool); not 0, 1 or a string."""
    if not isinstance(value, bool) and not (type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")):
        raise ConfigError(name, _("must be True or False, got {value!r}").format(value=value))
    return bool(value)


@contextlib.contextmanager
def any_digits():
    """int() of a text of any length for the duration (Python refuses past 4300 digits: a CSV cell or an X of
    4400 zeros before 9007199254740993 said "internal error"); the limit again after."""
    get, set_ = getattr(sys, "get_int_max_str_digits", None), getattr(sys, "set_int_max_str_digits", None)
    if get is None:  # (Python before 3.10.7: no limit)
        yield
        return
    saved = get()
    set_(0)
    try:
        yield
    finally:
        set_(saved)
