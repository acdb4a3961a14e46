"""Fit mode: "give me a good curve".

The tutorial's recipe (50 epochs of SGD) underfits. Fit mode uses what curve-fitters use instead:
Levenberg-Marquardt on the residuals (as MATLAB's fitnet does), K random starts trained at once with
the best kept, inputs and targets scaled before training, and early stopping on a validation split.

Levenberg-Marquardt, per start: with residuals r = y_hat - y (N,) and their Jacobian J = dr/dp (N, P),
solve (J^T J + mu I) delta = J^T r and try p - delta. If the loss falls, keep it and divide mu by 10
(towards Gauss-Newton); if not, multiply mu by 10 (towards a short gradient step) and try again.
The Jacobian is written by hand, as in manual.py:

    dy_hat/da_i = h_i      dy_hat/dw_i = a_i act'(z_i) x      dy_hat/db_i = a_i act'(z_i)

Everything is NumPy over a leading start dimension K.
"""
import math
import sys
import time
from dataclasses import asdict, dataclass, fields

import numpy as np

from .config import ACTIVATION_NAMES, Config, ConfigError
from .data import as_points
from .model import Model, activate
from .params import Params, init_many

OPTIMIZERS = ("lm", "adam", "momentum", "sgd")
REGULARIZATIONS = ("auto", "bayes", "none")
SCALINGS = ("standard", "minmax", "none")
MIN_SPLIT_POINTS = 20  # with fewer points there is no validation or test split


@dataclass
class FitConfig:
    hidden: int = 5              # H, neurons in the hidden layer
    activation: str = "sigmoid"  # sigmoid | tanh | relu
    optimizer: str = "lm"        # lm | adam | momentum | sgd (full-batch)
    starts: int = 16             # K random starts trained at once; start k draws from seed + k
    seed: int | None = None      # None draws one at random
    epochs: int = 1000           # most iterations (MATLAB's trainlm: 1000)
    scale: str = "standard"      # standard (mean 0, std 1) | minmax (to [-1, 1]) | none
    regularization: str = "auto" # bayes (MacKay's, as MATLAB's trainbr) | none | auto: bayes from 20 points
    val_fraction: float = 0.15   # validation share for early stopping (not used with bayes)
    test_fraction: float | None = None  # test share; None: as val_fraction (70/15/15), but 0 with bayes
    patience: int = 6            # epochs of no validation improvement before a start stops (MATLAB: 6)
    goal: float = 1e-12          # stop when the best start's training MSE (scaled units) is below this
    min_grad: float = 1e-9       # a start stops when its gradient norm is below this
    mu: float = 1e-3             # LM: first damping (MATLAB: 0.001)
    mu_up: float = 10.0          # LM: damping times this after a failed step
    mu_down: float = 0.1         # LM: damping times this after a successful step
    mu_max: float = 1e10         # LM: a start stops when its damping exceeds this
    lr: float = 0.01             # adam / momentum / sgd: learning rate
    momentum: float = 0.9        # momentum: the velocity's decay

    def validate(self):
        if not (isinstance(self.hidden, int) and self.hidden >= 1):
            raise ConfigError("hidden", f"must be an integer >= 1, got {self.hidden!r}")
        for name, choices in (("activation", ACTIVATION_NAMES), ("optimizer", OPTIMIZERS), ("scale", SCALINGS),
                              ("regularization", REGULARIZATIONS)):
            if getattr(self, name) not in choices:
                raise ConfigError(name, f"must be one of {', '.join(choices)}; got {getattr(self, name)!r}")
        for name in ("starts", "epochs", "patience"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {v!r}")
        if self.seed is not None and (not isinstance(self.seed, int) or self.seed < 0):
            raise ConfigError("seed", f"must be an integer >= 0, got {self.seed!r}")
        for name in ("val_fraction", "test_fraction"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, (int, float)) and 0 <= v < 0.5):
                raise ConfigError(name, f"must be in [0, 0.5), got {v!r}")
        for name in ("goal", "min_grad"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise ConfigError(name, f"must be a finite number >= 0, got {getattr(self, name)!r}")
        for name in ("mu", "mu_up", "mu_max", "lr"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) > 0):
                raise ConfigError(name, f"must be a finite number > 0, got {getattr(self, name)!r}")
        if not (0 < self.mu_down < 1 < self.mu_up):
            raise ConfigError("mu_down", f"must be in (0, 1) with mu_up > 1, got {self.mu_down!r} and {self.mu_up!r}")
        if not (0 <= self.momentum < 1):
            raise ConfigError("momentum", f"must be in [0, 1), got {self.momentum!r}")
        if self.regularization == "bayes" and self.optimizer != "lm":
            raise ConfigError("regularization", "bayes works with the lm optimizer only")
        return self

    def bayes(self, n):
        """Whether n points get Bayesian regularization."""
        if self.regularization == "auto":
            return self.optimizer == "lm" and n >= MIN_SPLIT_POINTS
        return self.regularization == "bayes"


def fit(x=None, y=None, verbose=False, **options):
    """Fit the 1-H-1 network to (x, y) well. Options are FitConfig's fields. Returns a Model in the
    user's units, with model.extra holding the metrics, the chosen start and the validation history."""
    names = {f.name for f in fields(FitConfig)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise ConfigError(unknown[0], f"is not a fit option; the options are {', '.join(sorted(names))}")
    cfg = FitConfig(**options)
    if cfg.seed is None:
        from .train import draw_seed
        cfg.seed = draw_seed()
    cfg.validate()
    x, y = as_points(x, y)
    return fit_points(cfg, x, y, out=sys.stdout if verbose else None)


def split(n, seed, val_fraction, test_fraction):
    """Seeded train / validation / test indices (70/15/15 by default); all training below 20 points."""
    if n < MIN_SPLIT_POINTS:
        return np.arange(n), np.arange(0), np.arange(0)
    perm = np.random.default_rng(seed).permutation(n)
    t = round(test_fraction * n) if test_fraction else 0
    v = round(val_fraction * n) if val_fraction else 0
    return np.sort(perm[t + v:]), np.sort(perm[t:t + v]), np.sort(perm[:t])


def scaling(x, y, how):
    if how == "none":
        return {"x_shift": 0.0, "x_scale": 1.0, "y_shift": 0.0, "y_scale": 1.0}
    if how == "standard":
        sx, sy = float(np.std(x)), float(np.std(y))
        return {"x_shift": float(np.mean(x)), "x_scale": sx or 1.0, "y_shift": float(np.mean(y)), "y_scale": sy or 1.0}
    return {"x_shift": float(x.max() + x.min()) / 2, "x_scale": float(x.max() - x.min()) / 2 or 1.0,
            "y_shift": float(y.max() + y.min()) / 2, "y_scale": float(y.max() - y.min()) / 2 or 1.0}


def act_prime_from(kind, z, h):
    if kind == "sigmoid":
        return h * (1 - h)
    if kind == "tanh":
        return 1 - h * h
    return (z > 0).astype(h.dtype)


def residuals(p, x, y, activation):
    """r = y_hat - y for every start: p (K, 3H), x, y (N,) -> (K, N)."""
    w, b, a = Params.from_flat(p)
    h = activate(activation, x[None, :, None] * w[:, None, :] + b[:, None, :])  # (K, N, H)
    return np.matmul(h, a[:, :, None])[:, :, 0] - y  # (K, N)


def jacobian(p, x, y, activation):
    """r (K, N) and J = dr/dp (K, N, 3H), by the chain rule."""
    w, b, a = Params.from_flat(p)
    z = x[None, :, None] * w[:, None, :] + b[:, None, :]  # (K, N, H)
    h = activate(activation, z)  # (K, N, H)
    r = np.matmul(h, a[:, :, None])[:, :, 0] - y  # (K, N)
    dz = a[:, None, :] * act_prime_from(activation, z, h)  # (K, N, H) = a_i act'(z_i)
    J = np.concatenate([dz * x[None, :, None], dz, h], axis=2)  # (K, N, 3H): d/dw_i, d/db_i, d/da_i
    return r, J


def fit_points(cfg, x, y, out=None):
    t0 = time.perf_counter()
    bayes = cfg.bayes(len(x))
    test = cfg.test_fraction if cfg.test_fraction is not None else (0.0 if bayes else cfg.val_fraction)
    tr, va, te = split(len(x), cfg.seed, 0.0 if bayes else cfg.val_fraction, test)
    s = scaling(x[tr], y[tr], cfg.scale)
    u = (x - s["x_shift"]) / s["x_scale"]
    v = (y - s["y_shift"]) / s["y_scale"]
    K = cfg.starts
    p = init_many(cfg.seed, K, cfg.hidden, "float64").flat()  # (K, P)
    train_hist, val_hist, best, epochs_run = optimize(cfg, p, u[tr], v[tr], u[va], v[va], bayes)
    k = best["start"]
    params = Params.from_flat(best["p"][k])
    model_cfg = Config(hidden=cfg.hidden, activation=cfg.activation, epochs=epochs_run, seed=cfg.seed + k,
                       dtype="float64", engine="manual")
    yscale2 = s["y_scale"] ** 2
    model = Model(params, model_cfg, train_hist[:, k] * yscale2, (float(x.min()), float(x.max())), s)
    metrics = {}
    for name, idx in (("train", tr), ("val", va), ("test", te)):
        if len(idx):
            metrics[name] = regression_metrics(y[idx], model.predict(x[idx]))
    model.extra = {"fit": asdict(cfg), "start": k, "epochs": epochs_run, "best_epoch": int(best["epoch"][k]),
                   "metrics": metrics, "seconds": time.perf_counter() - t0, "split": [len(tr), len(va), len(te)], "bayes": bayes,
                   "val_history": [float(v) for v in val_hist[:, k] * yscale2] if len(va) else []}
    if out is not None:
        print(summary(model), file=out)
    return model


def optimize(cfg, p, xt, yt, xv, yv, bayes=False):
    """Train all K starts; returns per-epoch train / val MSE (E, K), the best parameters, epochs run.

    With bayes, LM minimizes F = beta E_D + alpha E_W (E_D = sum r^2, E_W = sum p^2) and re-estimates
    alpha and beta after each epoch from the effective number of parameters
    gamma = P - alpha tr((beta J^T J + alpha I)^-1): alpha = gamma / 2 E_W, beta = (N - gamma) / 2 E_D
    (MacKay; Foresee and Hagan 1997, as MATLAB's trainbr). Without it, alpha = 0 and beta = 1.
    """
    K, P = p.shape
    N = len(xt)
    mu = np.full(K, cfg.mu)
    alpha, beta = np.zeros(K), np.ones(K)
    active = np.ones(K, dtype=bool)
    has_val = len(xv) > 0
    best = {"p": p.copy(), "loss": np.full(K, np.inf), "epoch": np.zeros(K, dtype=int)}
    since_best = np.zeros(K, dtype=int)
    m, vel = np.zeros_like(p), np.zeros_like(p)  # adam / momentum state
    train_hist, val_hist = [], []
    r, J = jacobian(p, xt, yt, cfg.activation)
    loss = np.mean(r * r, axis=1)  # (K,)
    eye = np.eye(P)
    objective = lambda q, res, k: beta[k] * np.sum(res * res, axis=1) + alpha[k] * np.sum(q * q, axis=1)
    for epoch in range(1, cfg.epochs + 1):
        g = np.einsum("knp,kn->kp", J, r)  # (K, P) = J^T r, half the gradient of N * MSE
        if cfg.optimizer == "lm":
            A = np.matmul(J.transpose(0, 2, 1), J)  # (K, P, P) = J^T J
            if bayes and epoch > 1:  # re-estimate the prior's and the noise's precision
                inv = np.linalg.inv(beta[:, None, None] * A + alpha[:, None, None] * eye)  # (K, P, P)
                gamma = np.clip(P - alpha * np.trace(inv, axis1=1, axis2=2), 1.0, N - 1.0)  # (K,)
                alpha = np.where(active, gamma / (2 * np.maximum(np.sum(p * p, axis=1), 1e-300)), alpha)
                beta = np.where(active, (N - gamma) / (2 * np.maximum(np.sum(r * r, axis=1), 1e-300)), beta)
            F = objective(p, r, slice(None))  # (K,)
            H = beta[:, None, None] * A + alpha[:, None, None] * eye  # (K, P, P)
            gF = beta[:, None] * g + alpha[:, None] * p  # (K, P), half the gradient of F
            todo = active.copy()
            for _ in range(12):  # raise mu until the step helps (or give up this epoch)
                idx = np.flatnonzero(todo)
                if not idx.size:
                    break
                step = np.linalg.solve(H[idx] + mu[idx, None, None] * eye, gF[idx][:, :, None])[:, :, 0]
                trial = p[idx] - step
                r_new = residuals(trial, xt, yt, cfg.activation)
                F_new = objective(trial, r_new, idx)
                ok = np.isfinite(F_new) & (F_new < F[idx])
                p[idx[ok]] = trial[ok]
                mu[idx[ok]] *= cfg.mu_down
                mu[idx[~ok]] *= cfg.mu_up
                todo[idx[ok]] = False
                todo &= mu <= cfg.mu_max
            active &= mu <= cfg.mu_max
        else:
            grad = 2 * g / len(xt)  # (K, P), d MSE / dp
            if cfg.optimizer == "adam":
                m = 0.9 * m + 0.1 * grad
                vel = 0.999 * vel + 0.001 * grad * grad
                update = cfg.lr * (m / (1 - 0.9 ** epoch)) / (np.sqrt(vel / (1 - 0.999 ** epoch)) + 1e-8)
            elif cfg.optimizer == "momentum":
                vel = cfg.momentum * vel + grad
                update = cfg.lr * vel
            else:
                update = cfg.lr * grad
            p = np.where(active[:, None], p - update, p)
        r, J = jacobian(p, xt, yt, cfg.activation)
        loss = np.mean(r * r, axis=1)
        train_hist.append(loss.copy())
        watched = loss
        if has_val:
            rv = residuals(p, xv, yv, cfg.activation)
            watched = np.mean(rv * rv, axis=1)
            val_hist.append(watched.copy())
        better = active & np.isfinite(watched) & (watched < best["loss"])
        if bayes:  # no early stopping: keep the latest; the regularized loss E_D + (alpha/beta) E_W picks the start
            watched = (np.sum(r * r, axis=1) + alpha / beta * np.sum(p * p, axis=1)) / N
            better = active & np.isfinite(watched)
        best["p"][better], best["loss"][better], best["epoch"][better] = p[better], watched[better], epoch
        since_best = np.where(better, 0, since_best + 1)
        if has_val:
            active &= since_best <= cfg.patience
        gnorm = np.sqrt(np.sum((2 * (beta[:, None] * np.einsum("knp,kn->kp", J, r) + alpha[:, None] * p) / N) ** 2, axis=1))
        active &= np.isfinite(loss) & (gnorm >= cfg.min_grad)
        if not active.any() or np.nanmin(loss) < cfg.goal:
            break
    best["start"] = int(np.argmin(np.where(np.isfinite(best["loss"]), best["loss"], np.inf)))
    train_hist = np.array(train_hist)
    val_hist = np.array(val_hist) if has_val else np.zeros((len(train_hist), K))
    return train_hist, val_hist, best, epoch


def regression_metrics(y, y_hat):
    err = y_hat - y
    mse = float(np.mean(err ** 2))
    ss_tot = float(np.sum((y - np.mean(y)) ** 2))
    return {"n": int(len(y)), "mse": mse, "rmse": math.sqrt(mse),
            "r2": 1 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else float("nan")}


def summary(model):
    e = model.extra
    f = e["fit"]
    lines = [f"fit: {f['optimizer']}, {f['starts']} starts, hidden {f['hidden']} {f['activation']}, "
             f"scaling {f['scale']}, seed {f['seed']}",
             f"best start: {e['start']} (seed {model.config.seed}), {e['epochs']} epochs, "
             f"best epoch {e['best_epoch']}, {e['seconds'] * 1e3:.1f} ms"]
    n_tr, n_va, n_te = e["split"]
    if n_tr < MIN_SPLIT_POINTS and n_va + n_te == 0:
        lines.append(f"no validation or test split: {n_tr} points (a split needs {MIN_SPLIT_POINTS} or more); "
                     "all points train")
    else:
        how = ("Bayesian regularization (no early stopping)" if e["bayes"] else
               "early stopping on validation" if n_va else "no early stopping")
        lines.append(f"split: {n_tr} train / {n_va} validation / {n_te} test (seeded); {how}")
    for name, m in e["metrics"].items():
        lines.append(f"  {name:<5} n={m['n']:<5} MSE {m['mse']:.3e}  RMSE {m['rmse']:.3e}  R2 {m['r2']:.6f}")
    return "\n".join(lines)


def add_fit_options(p):
    d = FitConfig()
    g = p.add_argument_group("fit (every part overridable)")
    g.add_argument("--hidden", type=int, default=d.hidden, help="neurons in the hidden layer (default %(default)s)")
    g.add_argument("--activation", default=d.activation, help=f"{' | '.join(ACTIVATION_NAMES)} (default %(default)s)")
    g.add_argument("--optimizer", default=d.optimizer, help=f"{' | '.join(OPTIMIZERS)} (default %(default)s)")
    g.add_argument("--starts", type=int, default=d.starts, help="random starts trained at once (default %(default)s)")
    g.add_argument("--seed", type=int, help="seed of the starts and the split (default: drawn and printed)")
    g.add_argument("--epochs", type=int, default=d.epochs, help="most iterations (default %(default)s)")
    g.add_argument("--scale", default=d.scale, help=f"{' | '.join(SCALINGS)} (default %(default)s)")
    g.add_argument("--regularization", default=d.regularization, help="auto | bayes | none (default auto: bayes from 20 points)")
    g.add_argument("--val-fraction", type=float, default=d.val_fraction, help="validation share for early stopping (default %(default)s)")
    g.add_argument("--test-fraction", type=float, help="test share (default: as --val-fraction; 0 with bayes)")
    g.add_argument("--patience", type=int, default=d.patience, help="early-stopping patience in epochs (default %(default)s)")
    g.add_argument("--goal", type=float, default=d.goal, help="stop at this training MSE, scaled units (default %(default)s)")
    g.add_argument("--min-grad", type=float, default=d.min_grad, help="stop a start below this gradient norm (default %(default)s)")
    g.add_argument("--mu", type=float, default=d.mu, help="LM first damping (default %(default)s)")
    g.add_argument("--mu-max", type=float, default=d.mu_max, help="LM largest damping (default %(default)s)")
    g.add_argument("--lr", type=float, default=d.lr, help="adam / momentum / sgd learning rate (default %(default)s)")
    g = p.add_argument_group("data")
    g.add_argument("--data", metavar="FILE.csv", help="your own points: two numeric columns, header optional")
    g.add_argument("--x", help="the x column of --data, by name or 0-based index")
    g.add_argument("--y", help="the y column of --data, by name or 0-based index")


def cmd_fit(args):
    from .cli import Failure, check_lang, load_points, seeded, write_run
    from .plot import plot_loss
    from .runs import NewRunDir, next_run_dir
    check_lang(args.lang)
    names = {f.name for f in fields(FitConfig)}
    cfg = FitConfig(**{k: v for k, v in vars(args).items() if k in names})
    try:
        cfg.validate()
    except ConfigError as e:
        raise Failure(f"--{e.option.replace('_', '-')} {e.message}", 2) from None
    x, y = load_points(args)
    out = args.out or next_run_dir()
    NewRunDir(out)
    seeded(cfg, args)
    model = fit_points(cfg, x, y)
    if not args.quiet:
        print(summary(model))
    loss_png = {} if args.no_plot else {"loss.png": lambda path: plot_loss(
        model.history, path, args.lang, model.extra["val_history"] or None)}
    write_run(out, model, x, y, args, extra_files=loss_png)
    return 0
