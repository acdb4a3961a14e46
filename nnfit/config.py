"""The training configuration: one flat dataclass, checked once at the boundary."""
from dataclasses import asdict, dataclass, fields
import math
import numbers

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu")
ENGINE_NAMES = ("auto", "scalar", "manual", "matrix")
DTYPE_NAMES = ("float32", "float64")
DEVICE_NAMES = ("cpu", "cuda")


class ConfigError(ValueError):
    """A bad option value; `option` is its name as the Python API spells it."""

    def __init__(self, option, message):
        super().__init__(f"{option} {message}")
        self.option = option
        self.message = message


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

    def validate(self):
        """Raise ConfigError naming the first bad option and its value."""
        _integer("hidden", self.hidden, 1)
        _choice("activation", self.activation, ACTIVATION_NAMES)
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not math.isfinite(self.lr) or self.lr <= 0:
            raise ConfigError("lr", f"must be a finite number > 0, got {self.lr!r}")
        _integer("epochs", self.epochs, 1)
        _integer("batch_size", self.batch_size, 1)
        if not isinstance(self.shuffle, bool):
            raise ConfigError("shuffle", f"must be True or False, got {self.shuffle!r}")
        if self.seed is not None:
            _integer("seed", self.seed, 0)
            if self.seed + self.models - 1 >= 2**63:
                raise ConfigError("seed", f"must be below 2**63 - models, got {self.seed!r}")
        _choice("engine", self.engine, ENGINE_NAMES)
        _choice("dtype", self.dtype, DTYPE_NAMES)
        _integer("models", self.models, 1)
        _choice("device", self.device, DEVICE_NAMES)
        if self.device == "cuda" and self.resolved_engine() != "matrix":
            raise ConfigError("device", "cuda runs only the matrix engine; add engine='matrix'")
        if self.engine == "scalar" and self.models > 1:
            raise ConfigError("engine", "scalar trains one model at a time; use manual or matrix for models > 1")
        return self

    def resolved_engine(self):
        """The engine that will run: 'auto' is the compiled manual engine, the fastest, which gives
        the tutorial program's lines to the last digit (tests/test_golden.py); matrix on a GPU."""
        if self.engine != "auto":
            return self.engine
        return "matrix" if self.device == "cuda" else "manual"

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def _integer(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(name, f"must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ConfigError(name, f"must be >= {low}, got {value!r}")


def _choice(name, value, choices):
    if value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}; got {value!r}")
