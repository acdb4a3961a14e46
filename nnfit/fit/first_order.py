"""Full-batch first-order optimizers for fit mode, as small classes (after scikit-learn's
_stochastic_optimizers.py): each turns the gradient of the MSE into an update, for K starts at once.
A new optimizer is one more class here and one entry in OPTIMIZERS.

    SGD       p <- p - lr g
    Momentum  v <- m v + g;  p <- p - lr v
    Adam      Kingma and Ba (2015), beta1 0.9, beta2 0.999, eps 1e-8, bias-corrected
    LBFGS     scipy.optimize.minimize(method="L-BFGS-B", jac=True), one start at a time

`Descent` runs SGD, Momentum or Adam with the interface of lm.LevenbergMarquardt: `.p` (K, P),
`.step(active)` for one epoch, `.stopped` / `.reason` per start, `.mse()`.
"""
import numpy as np

from .network import Workspace, gradient, of_starts

HUGE = 1e30  # a weight (scaled units) beyond this has diverged: sigmoid and tanh saturate past |z| ~ 40


class SGD:
    def __init__(self, cfg, shape):
        self.lr = cfg.lr

    def update(self, g, epoch):
        return self.lr * g


class Momentum:
    def __init__(self, cfg, shape):
        self.lr, self.m = cfg.lr, cfg.momentum
        self.v = np.zeros(shape)

    def update(self, g, epoch):
        self.v = self.m * self.v + g
        return self.lr * self.v


class Adam:
    def __init__(self, cfg, shape, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = cfg.lr, beta1, beta2, eps
        self.m, self.v = np.zeros(shape), np.zeros(shape)

    def update(self, g, epoch):
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g * g
        m_hat = self.m / (1 - self.beta1 ** epoch)
        v_hat = self.v / (1 - self.beta2 ** epoch)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class Descent:
    """Gradient descent on the MSE with one of the update rules above, per start."""

    def __init__(self, cfg, p, x, y, net, rule):
        self.cfg, self.x, self.y, self.net, self.p = cfg, x, y, net, p
        self.rule = rule(cfg, p.shape)
        self.epoch = 0
        self.ws = Workspace()
        self.loss, self.g = gradient(p, x, y, net, cfg.activation, self.ws)
        self.stopped = np.zeros(len(p), dtype=bool)
        self.reason = np.full(len(p), "", dtype=object)

    def mse(self):
        return self.loss

    def step(self, active):
        self.epoch += 1
        run = np.flatnonzero(active & ~self.stopped)  # only these are computed: stopped and dropped starts cost nothing
        with np.errstate(over="ignore", invalid="ignore"):
            update = self.rule.update(self.g, self.epoch)  # every start's state moves; only running ones step
            self.p[run] -= update[run]
            loss, g = gradient(self.p[run], self.x, self.y, self.net, of_starts(self.cfg.activation, run), self.ws)
            self.loss[run], self.g[run] = loss, g
            bad = ~(np.isfinite(loss) & np.isfinite(g).all(axis=1))
            # weights past HUGE (in scaled units) have diverged even where the loss stays finite (relus
            # off on every point): the curve would overflow just beyond the data
            huge = ~bad & ~(np.abs(self.p[run]) < HUGE).all(axis=1)
            small = ~bad & ~huge & (np.sqrt(np.sum(g * g, axis=1)) < self.cfg.min_grad)
        self.stopped[run[bad]], self.reason[run[bad]] = True, "diverged (the loss became non-finite)"
        self.stopped[run[huge]], self.reason[run[huge]] = True, f"diverged (a weight grew past {HUGE:g})"
        self.stopped[run[small]], self.reason[run[small]] = True, "gradient below min_grad"


class LBFGS:
    """L-BFGS-B from SciPy, one start at a time, replayed epoch by epoch (one iteration = one epoch)
    so that the driver's early stopping, history and choice of start work as for the others.

    first: where the driver drops hopeless starts (its last PRUNE_AT epoch), each start runs this many
    iterations at first, and only a start the replay takes past them runs again, from its start, to the
    end: SciPy's minimize cannot be resumed with its memory, but it is deterministic, so the second run
    repeats the first one's iterates and goes on (5000 points of sin 3x, hidden 10: 16 starts' whole runs
    became 16 x 24 iterations and the 4 kept starts' runs, the same fit)."""

    def __init__(self, cfg, p, x, y, net, watch=None, first=None):
        self.cfg, self.x, self.y, self.net, self.p, self.watch = cfg, x, y, net, p, watch
        self.starts = p.copy()
        K = len(p)
        self.trace = [None] * K  # per start: (iterations, P) parameters after each iteration
        self.ends = [None] * K  # per start: why its trace ends ("" at the epoch limit: the driver says so)
        self.whole = [None] * K  # per start: whether its trace is its whole run (else it stopped at `first`)
        for k in range(K):
            self.run(k, cfg.epochs if first is None else min(first, cfg.epochs))
        self.at = np.zeros(len(p), dtype=int)
        self.stopped = np.array([len(t) == 0 for t in self.trace])
        self.reason = np.array(["converged" if s else "" for s in self.stopped], dtype=object)
        self.loss = gradient(p, x, y, net, cfg.activation)[0]

    def run(self, k, limit):
        """Start k's iterates, from its start, for at most `limit` iterations (fewer where it converges or
        validation stops it)."""
        from scipy.optimize import minimize
        cfg, x, y, net, watch = self.cfg, self.x, self.y, self.net, self.watch
        path, watched = [], []

        def fun(q):
            loss, g = gradient(q[None, :], x, y, net, cfg.activation)
            return float(loss[0]), g[0]

        def record(intermediate_result):
            path.append(intermediate_result.x.copy())
            if watch is not None and watch(path):
                watched.append(True)
                raise StopIteration  # early stopping: validation stopped improving

        with np.errstate(over="ignore", invalid="ignore"):
            minimize(fun, self.starts[k].copy(), jac=True, method="L-BFGS-B", callback=record,
                     options={"maxiter": limit, "gtol": cfg.min_grad, "ftol": 1e-15})
        self.trace[k] = np.array(path).reshape(-1, self.p.shape[1])
        self.whole[k] = bool(watched) or len(path) < limit or limit >= cfg.epochs
        self.ends[k] = (f"validation MSE did not improve for {cfg.patience} epochs" if watched else
                        "" if len(path) >= cfg.epochs else "converged (L-BFGS-B stopped)")

    def mse(self):
        return self.loss

    def step(self, active):
        run = np.flatnonzero(active & ~self.stopped)
        for k in run:
            if self.at[k] == len(self.trace[k]) and not self.whole[k]:
                self.run(k, self.cfg.epochs)  # a start kept past `first`: its whole run (the same iterates first)
            if self.at[k] == len(self.trace[k]):
                self.stopped[k], self.reason[k] = True, self.ends[k]
                continue
            self.p[k] = self.trace[k][self.at[k]]
            self.at[k] += 1
            if not (np.abs(self.p[k]) < HUGE).all():
                self.stopped[k], self.reason[k] = True, f"diverged (a weight grew past {HUGE:g})"
            elif self.at[k] == len(self.trace[k]) and self.whole[k]:
                self.stopped[k], self.reason[k] = True, self.ends[k]
        if run.size:
            with np.errstate(over="ignore", invalid="ignore"):
                self.loss[run] = gradient(self.p[run], self.x, self.y, self.net, self.cfg.activation)[0]


RULES = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
