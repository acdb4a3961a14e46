"""FitConfig: fit mode's options, one flat dataclass checked once at the boundary (with the same
validators as the training Config)."""
from dataclasses import asdict, dataclass, fields

from ..config import ACTIVATION_NAMES, ConfigError, check_choice, check_int, check_number
from ..i18n import _

MU_RULES = ("nielsen", "fixed")
OPTIMIZERS = ("lm", "lbfgs", "adam", "momentum", "sgd")
REGULARIZATIONS = ("auto", "bayes", "none")
SCALINGS = ("standard", "minmax", "none")
MIN_SPLIT_POINTS = 20  # with fewer points there is no validation or test split, and auto is no regularization
MAX_HIDDEN = 1000
MAX_STARTS = 10_000
MAX_EPOCHS = 10_000_000
PATIENCE = {"lm": 6, "lbfgs": 50, "adam": 200, "momentum": 200, "sgd": 200}
# the default patience, by optimizer. LM's is MATLAB's (max_fail 6): an LM epoch is a long step. L-BFGS-B's iterations
# and full-batch first-order epochs are short ones, and a validation MSE that stalls for 6 of them stopped the fit
# before it had learned the curve: over 5 noisy functions x 60-1000 points x 4 seeds (hidden 10), lbfgs with patience
# 6 kept sin 3x at 60 points at test RMSE 0.64 (20: 0.13, 50: 0.13; scikit-learn's lbfgs, all points and no early
# stop: 0.10), at 200 points 0.38 (0.052, 0.044), a damped sine at 60 points 0.24 (0.083, 0.080); 50 beat 20 on 7 of
# the 15 rows and lost 3 by 2-8%, in about 1.7x the time. adam at 1000 epochs: sin 3x at 200 points 0.71 (50: 0.41,
# 200: 0.12); momentum: the logistic curve at 200 points 0.11 (100 and 200: 0.024), |x| at 60 0.35 (0.11)


@dataclass
class FitConfig:
    hidden: int = 5              # H, neurons in the hidden layer
    activation: str = "auto"     # auto (with Bayesian regularization: sigmoid and relu, the evidence picks) | sigmoid | tanh | relu
    optimizer: str = "lm"        # lm | lbfgs | adam | momentum | sgd (full-batch)
    starts: int = 16             # K random starts, trained at once; the best one is kept
    seed: int | None = None      # seeds the starts and the split (SeedSequence); None draws one
    epochs: int = 1000           # most iterations (MATLAB's trainlm: 1000)
    scale: str = "standard"      # standard (mean 0, std 1) | minmax (to [-1, 1]) | none
    regularization: str = "auto" # bayes (MacKay's, as MATLAB's trainbr) | none | auto: bayes with lm from 20 points
    val_fraction: float = 0.15   # validation share for early stopping (not used with bayes)
    test_fraction: float | None = None  # test share; None: as val_fraction (70/15/15), but 0 with bayes
    patience: int | None = None  # epochs of no validation improvement before a start stops; None: the optimizer's (PATIENCE)
    goal: float = 1e-12          # stop when the best start's training MSE (scaled units) is below this
    min_grad: float = 1e-9       # a start stops when its gradient norm is below this
    mu: float = 1e-3             # LM: first damping (MATLAB: 0.001)
    mu_rule: str = "nielsen"     # LM's damping: nielsen (by the gain ratio, x1/3..x2) | fixed (MATLAB's mu_up, mu_down)
    mu_up: float = 10.0          # LM, fixed rule: damping times this after a failed step (MATLAB: 10)
    mu_down: float = 0.1         # LM, fixed rule: damping times this after a successful step (MATLAB: 0.1)
    mu_max: float = 1e10         # LM: a start stops when its damping exceeds this
    lr: float = 0.01             # adam / momentum / sgd: learning rate
    momentum: float = 0.9        # momentum: the velocity's decay

    def validate(self, here=True):
        """Raise ConfigError naming the first bad option and its value; store plain Python values (a
        NumPy integer or a Fraction becomes an int or a float) so that the model can be saved as JSON.
        (here: as the training Config's; a fit's options depend on nothing of the machine.)"""
        self.hidden = check_int("hidden", self.hidden, 1, MAX_HIDDEN)
        self.activation = check_choice("activation", self.activation, ("auto",) + tuple(ACTIVATION_NAMES))
        self.optimizer = check_choice("optimizer", self.optimizer, OPTIMIZERS)
        self.starts = check_int("starts", self.starts, 1, MAX_STARTS)
        if self.seed is not None:
            self.seed = check_int("seed", self.seed, 0, 2**63 - 1)
        self.epochs = check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        self.scale = check_choice("scale", self.scale, SCALINGS)
        self.regularization = check_choice("regularization", self.regularization, REGULARIZATIONS)
        self.val_fraction = check_number("val_fraction", self.val_fraction, 0, 0.5, high_open=True)
        if self.test_fraction is not None:
            self.test_fraction = check_number("test_fraction", self.test_fraction, 0, 0.5, high_open=True)
        if self.patience is None:
            self.patience = PATIENCE[self.optimizer]
        self.patience = check_int("patience", self.patience, 1, MAX_EPOCHS)
        self.goal = check_number("goal", self.goal, 0)
        self.min_grad = check_number("min_grad", self.min_grad, 0)
        self.mu = check_number("mu", self.mu, 0, 1e300, low_open=True)
        self.mu_rule = check_choice("mu_rule", self.mu_rule, MU_RULES)
        self.mu_up = check_number("mu_up", self.mu_up, 1, 1e10, low_open=True)
        self.mu_down = check_number("mu_down", self.mu_down, 0, 1, low_open=True, high_open=True)
        self.mu_max = check_number("mu_max", self.mu_max, 0, 1e300, low_open=True)
        if self.mu > self.mu_max and self.mu == FitConfig.mu:  # (the one given is named: here mu_max)
            raise ConfigError("mu_max", _("must be at least --mu ({mu:g}), got {value!r}").format(mu=self.mu, value=self.mu_max))
        if self.mu > self.mu_max:
            raise ConfigError("mu", _("must be at most --mu-max ({mu_max:g}), got {value!r}").format(
                mu_max=self.mu_max, value=self.mu))
        self.lr = check_number("lr", self.lr, 0, 1e300, low_open=True)
        self.momentum = check_number("momentum", self.momentum, 0, 1, high_open=True)
        if self.regularization == "bayes" and self.optimizer != "lm":
            raise ConfigError("regularization", _("bayes works with the lm optimizer only, got optimizer {optimizer!r}").format(
                optimizer=self.optimizer))
        return self

    def bayes(self, n):
        """Whether n points get Bayesian regularization."""
        if self.regularization == "auto":
            return self.optimizer == "lm" and n >= MIN_SPLIT_POINTS
        return self.regularization == "bayes"

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_options(cls, options):
        """A FitConfig from keyword options; an unknown name is a ConfigError listing the known ones."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise ConfigError(unknown[0], _("is not a fit option; the options are {names}").format(names=", ".join(names)))
        return cls(**options)
