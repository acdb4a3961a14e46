"""Levenberg-Marquardt, optionally with MacKay's Bayesian regularization (MATLAB's trainlm / trainbr).

Per start, with residuals r (N,) (points times outputs), their Jacobian J (N, P) and parameters p (P,), LM minimizes

    F = beta E_D + sum_g alpha_g E_W,g       E_D = sum_n r_n^2,  E_W,g = sum_{j in g} p_j^2

over groups g of parameters (GROUPS; alpha = 0, beta = 1 without regularization) by the damped Gauss-Newton step

    (beta J^T J + diag(alpha) + mu I) delta = beta J^T r + alpha p,      p <- p - delta

keeping the step when F falls. mu then shrinks and, after a failed try, grows: by Nielsen's rule from
the gain ratio (actual over predicted fall of F; x1/3 at best, doubling on failures), or by MATLAB's
fixed factors (mu_rule "fixed": x0.1 and x10). No matrix is inverted: each try solves the damped system
(equilibrated by its diagonal), and mu is kept at least 1e-10 of beta max diag(J^T J), so the system
stays positive definite and well conditioned even when J^T J is singular (a dead neuron, duplicated x).
Every start is its own problem: one whose numbers go bad stops alone, and never takes the others down.
The predicted fall of F is the quadratic model's, 2 g.delta - delta^T H delta (H = beta J^T J + diag alpha).

With accelerate (on thousands of points, the race's winner refined on all of them, driver.py), each
try adds Transtrum and Sethna's geodesic acceleration (2011): with v = -delta, the second derivative of
the residuals along v, r_vv (network.along), gives a = -(H + mu I)^-1 beta J^T r_vv and the step
v + a / 2 wherever 2 |a| <= ACCEL_RATIO |v|. On networks whose parameters trade off against each other
(output weights in the hundreds that cancel), plain LM creeps along a curved valley with mu stuck high
(gain ratio ~0.6). Measured at 5000 noisy points: about the same total time with it as without
(2-3x faster on sin 3x and a damped sine, slower on a step and |x|), and closer fits where convergence
is slow (sin 3x at 20000 points: RMSE 0.0023 against 0.0066; 2000 exact points: 3e-4 against 1.5e-3).
Not used in the race (there it favoured winners with their biases switched off, 2-4x worse on sin 3x
in a new-user trial) nor on small data (30% slower, no closer).

Each epoch runs compiled (compiled.py, the same arithmetic one start at a time) unless COMPILED is False;
the NumPy step below is the reference that tests/test_fit.py holds it to.

Bayesian regularization re-estimates alpha and beta after each step from the effective number of
parameters of each group (with d inputs, the weights of each input are a group of their own after
ARD_AFTER epochs: MacKay's automatic relevance determination, which switches off inputs the data do
not need), gamma_g (see _scaled_data_hessian: from the Cholesky factor and inverse of a
matrix whose eigenvalues are at least 1; with one group it is the textbook
gamma = sum_j beta lambda_j / (beta lambda_j + alpha)):

    alpha_g = gamma_g / (2 E_W,g)        beta = (N - gamma) / (2 E_D)

starting, as Foresee and Hagan (1997) and MATLAB do, from gamma = P. A start has converged when E_D
and gamma have stalled for STALL epochs, or when none of its fitted values has moved by 0.3% of
their own uncertainty (the noise's std times sqrt(gamma / N)) in STALL epochs, or, with `settle`
(the driver's: driver.settle_nats), when its steps lowered F by less than `settle` nats in STALL
epochs. F is a negative log posterior (beta E_D, the data's part, is about N / 2 at its optimum), so
a fall of F is a log-likelihood ratio; without regularization F = E_D, and its fall is counted in
nats of the Gaussian likelihood with the noise's variance estimated as E_D / (N - P).

With `warm` (the driver's, on small data with one input: every other pair of starts), those starts
first run WARM_EPOCHS epochs of plain LM (alpha = 0, beta = 1), and MacKay's updates begin afterwards,
from Foresee and Hagan's start at where they got to (gamma at most WARM_GAMMA N). From a random
start the updates can lock a network into a near-constant fit before the data have shaped it: where N
is near P, the start's beta is
(N - P) / (2 E_D) with E_D the untrained start's, so the prior outweighs the data from the first
epoch (two bumps at 30 points: all 16 starts ended with 2-4 effective parameters, test RMSE 0.24
against scikit-learn's 0.09, where a start that had first fitted the data found 11 and a log
evidence 13 nats larger). The other half of the starts begin as before, and the evidence chooses.
"""
import numpy as np

from ..activations import CODES
from .network import Workspace, along, backward, curvature, of_starts, residuals

MU_FLOOR = 1e-10     # mu is at least this times beta * max diag(J^T J)
STALL = 8            # epochs of stalled E_D and gamma after which a Bayesian start has converged
STALL_RTOL = 1e-5    # relative change of E_D counted as stalled
STALL_GAMMA = 1e-2   # change of gamma counted as stalled
ARD_AFTER = 20       # with many inputs, their weights share one alpha for this many epochs, then get one each
                     # (ARD): from the start, an input could be switched off before the fit had found a use for it
MOVE_RTOL = 3e-3     # ... or when no fitted value moved by this times their own uncertainty, sigma sqrt(gamma / N),
                     # in STALL epochs: on tables and noisy curves E_D can creep for hundreds of epochs after the
                     # curve has stopped changing in any way that matters (the largest change, not the RMS: a
                     # step that is still sharpening moves a few points only)
ALPHA_MIN, ALPHA_MAX = 1e-8, 1e12  # alpha's range: below, no prior to speak of; above, the group is 0
GROUPS = "wba"       # one alpha each for w (for each input: ARD), b and a (MacKay); "one": a single alpha, as
                     # MATLAB's trainbr; "wba-shared": one alpha for all input weights; "neuron": one alpha for
                     # each hidden neuron's w and b, one for a. Measured, not the default: on 18 noisy 1-D
                     # functions it halved the error on steps but cost 5-10% on smooth curves, and on the
                     # tutorial's 10 points it kept 6.8 effective parameters instead of 4 (11 hyperparameters
                     # fitted to 10 values follow the noise)
WARM_EPOCHS = 10     # plain-LM epochs of a `warm` start before its Bayesian updates (see the docstring). Measured on
                     # 33 noisy rows of 30-300 points, 8 seeds, against scikit-learn's lbfgs: two bumps at 30 points
                     # 2.70x -> 0.76x, x^5 - 2x^3 + x 1.55x -> 0.88x, sin 2x + x/2 1.00x -> 0.43x, the rest within
                     # noise but log(1 + x) at 30 points 1.30x -> 1.54x; 20 epochs did no better; all starts warm
                     # cost max(0, x) at 60 points 10-20%; starting every start from a weaker prior instead (gamma
                     # P / 10) fixed the same rows but broke others (|x| at 60 points 1.03x -> 1.55x of relu)
WARM_GAMMA = 0.5     # ... and they begin with gamma = P, at most this times N: beta = (N - gamma) / (2 E_D) then says the
                     # noise's variance is at most 1 / WARM_GAMMA times the warm fit's mean square residual. At the
                     # former cap, N - 1, a warm fit of 30 points with P = 31 began with that variance N times its
                     # mean square residual, and the prior took the fit to the constant mean: exp(-x^2 / 4) sin 3x at 30
                     # points kept the constant on 5 of 8 seeds, 2.53x scikit-learn's error (1.12x with 0.5). It
                     # changes nothing from N = 2P on. Over the benchmark's 79 rows and 42 held-out ones, 8 seeds:
                     # within 5% of scikit-learn's logistic 97 of 121 (96 before), 0.25 did no better on that curve
MAX_TRIES = 100      # a start whose tries in one epoch all fail this many times stops: with the fixed rule, mu_up near 1
                     # (legal: any factor above 1) took a million tries of one epoch from mu to mu_max (a fit of 10
                     # points ran for hours); the defaults give up at mu_max within about 20 tries
ACCEL_RATIO = 0.75   # geodesic acceleration a is used while 2 |a| <= this times |delta| (Transtrum and Sethna's 0.75)
HESSIAN_POINTS = 1000  # above twice this many points, J^T J comes from this many (network.curvature)
COMPILED = True      # epochs run compiled.lm_epoch: the same arithmetic as _tries and _update_regularization, without
                     # NumPy's cost per call (2.5-5x faster epochs on fit mode's small arrays); False: the NumPy reference
COMPILED_MAX_P = 256 # ... below this many parameters. 15 epochs on 300 points, compiled against NumPy: P = 91 0.76 / 0.68 s,
                     # 151 0.27 / 0.36, 241 0.89 / 0.84, 421 3.2 / 2.3, 441 4.0 / 2.6; 841 (40 inputs, hidden 20) 28.6 / 14.1


def cholesky_each(M):
    """The Cholesky factors L (K, P, P) and inverses (K, P, P) of symmetric positive definite M
    (K, P, P), and which starts' M could be factored (a start whose M cannot gets NaN, alone)."""
    K, P, _ = M.shape
    L, inv = np.full((K, P, P), np.nan), np.full((K, P, P), np.nan)
    ok = np.isfinite(M).all(axis=(1, 2))
    if ok.any():
        try:
            L[ok], inv[ok] = np.linalg.cholesky(M[ok]), np.linalg.inv(M[ok])
        except np.linalg.LinAlgError:  # find the culprit: one start at a time
            for k in np.flatnonzero(ok):
                try:
                    L[k], inv[k] = np.linalg.cholesky(M[k]), np.linalg.inv(M[k])
                except np.linalg.LinAlgError:
                    ok[k] = False
    return L, inv, ok


def solve_each(M, g):
    """delta (K, P) from M delta = g for K positive definite systems, equilibrated by their
    diagonal (so that a huge alpha on some parameters does not spoil the rest); a start whose
    system cannot be solved gets NaN, alone."""
    ok = np.isfinite(M).all(axis=(1, 2)) & np.isfinite(g).all(axis=1)
    delta = np.full(g.shape, np.nan)
    if ok.any():
        d = 1.0 / np.sqrt(np.maximum(np.diagonal(M[ok], axis1=1, axis2=2), 1e-300))  # (k, P)
        Ms, gs = d[:, :, None] * M[ok] * d[:, None, :], d * g[ok]
        try:
            delta[ok] = d * np.linalg.solve(Ms, gs[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            for j, k in enumerate(np.flatnonzero(ok)):
                try:
                    delta[k] = d[j] * np.linalg.solve(Ms[j], gs[j])
                except np.linalg.LinAlgError:
                    pass
    return delta


class LevenbergMarquardt:
    """One epoch per step(); state per start. p (K, P) is updated in place."""

    def __init__(self, cfg, p, x, y, shape, bayes, groups=None, accelerate=False, state=None, settle=None, warm=None):
        groups = groups or GROUPS
        self.cfg, self.x, self.y, self.shape, self.bayes = cfg, x, y, shape, bayes
        self.p = p
        K, P = p.shape
        N = self.n = y.size  # residuals: points times outputs
        ard = shape.groups()
        group = {"wba": ard, "wba-shared": shape.groups(ard=False), "one": np.zeros(shape.weights, dtype=int),
                 "layers": (ard == ard.max()).astype(int),
                 "neuron": np.concatenate([np.repeat(np.arange(shape.H), shape.d), np.arange(shape.H),
                                           np.full(shape.H * shape.k, shape.H)])}[groups]
        # the output bias, if any, is a group of its own with no prior to speak of (alpha fixed at ALPHA_MIN):
        # it only moves the curve up or down. (y is centered, but c is not near 0 in general: with sigmoids,
        # h is never centered, and c takes the offset sum_i a_i mean(h_i) off the output weights.)
        self.free = group.max() + 1 if shape.bias else None
        self.group = np.concatenate([group, np.full(P - shape.weights, group.max() + 1)])  # (P,) each parameter's alpha group
        G = self.group.max() + 1
        self.sizes = np.bincount(self.group)  # (G,) parameters per group
        self.member = (self.group[:, None] == np.arange(G)).astype(float)  # (P, G): sums over groups as a product
        self.ws = Workspace()
        # J^T J from a fixed random subset on large data (network.curvature); exact below that size
        self.sub = (np.sort(np.random.default_rng(len(x)).choice(len(x), HESSIAN_POINTS, replace=False))
                    if len(x) > 2 * HESSIAN_POINTS else None)
        # the compiled epoch (compiled.py) needs x, y and p contiguous float64; from COMPILED_MAX_P parameters on,
        # NumPy's (LAPACK's) factorizations are faster than its loops
        self.compiled = COMPILED and shape.P < COMPILED_MAX_P and all(
            a.dtype == np.float64 and a.flags.c_contiguous for a in (p, x, y))
        names = np.resize(np.asarray(getattr(cfg.activation, "names", cfg.activation), dtype=object), K)
        self.codes = np.array([CODES[name] for name in names], dtype=np.int64)  # each start's activation
        self.points, self.rows, self.scale = self._subset(self.sub)
        self._sse = None
        self.r, self.JtJ, self.Jtr = self.curvature(self.sub)  # (K, N), (K, P, P), (K, P)
        self.mu = np.full(K, cfg.mu)
        self.accelerate = accelerate
        self.nu = np.full(K, 2.0)
        self.stopped = np.zeros(K, dtype=bool)
        self.reason = np.full(K, "", dtype=object)
        if bayes:  # Foresee and Hagan's start: gamma = P (at most N - 1)
            self.gammas = np.tile(self.sizes * min(1.0, (N - 1) / P), (K, 1)).astype(float)
            self.alpha = self.gammas / (2 * np.maximum(self.ssw(), 1e-300))
            if self.free is not None:
                self.alpha[:, self.free] = ALPHA_MIN
            self.beta = np.maximum(N - self.gamma, 1.0) / (2 * self.sse_floored())
        else:
            self.gammas, self.alpha, self.beta = np.tile(self.sizes, (K, 1)).astype(float), np.zeros((K, G)), np.ones(K)
        self.epoch = 0
        self.recent = np.zeros((STALL, 2, K))  # (E_D, gamma) after the last STALL updates, for the stall test
        self.recorded = 0  # ... how many updates it has seen (row: recorded % STALL)
        self.settle = settle  # nats: with it, a start whose F fell less than this in STALL epochs has converged
        self.fall = np.zeros(K)  # each start's fall of F in its latest epoch (nats)
        self.falls = np.zeros((STALL, K))  # ... in the last STALL epochs (row: epoch % STALL)
        self.flags = np.zeros((5, K), dtype=bool)  # (the compiled epoch's per-start answers, _epoch_compiled)
        self.then, self.updates = None, 0  # the residuals STALL updates ago, for the "no longer moving" test
        self.ard_groups = shape.d if groups == "wba" else 1  # groups of input weights (ARD)
        # the starts still warming up (plain LM, see the docstring), until epoch warm_until
        self.warm = np.zeros(K, dtype=bool) if warm is None or not bayes else np.array(warm, dtype=bool)
        self.warm_until = min(WARM_EPOCHS, cfg.epochs // 2)  # (half the epochs at most: every start ends Bayesian)
        if not self.warm_until:
            self.warm[:] = False
        self.alpha[self.warm], self.beta[self.warm] = 0.0, 1.0
        self.warmed = self.warm.copy()  # (which starts had the warm-up: the summary says so of the kept one)
        if state is not None:  # going on from another run's state (a race's winner): see state_of
            for name in ("mu", "alpha", "beta", "gammas", "updates"):
                setattr(self, name, np.array(state[name], dtype=float) if name != "updates" else state[name])
            if bayes:  # the noise's precision from these points, not the race's subset: a subset that missed the
                # few points away from the rest (one x apart of 4754) fitted its own to 1e-20, and its beta of 1e21
                # then drove mu to mu_max at once (mu scales with beta: it is relative to beta J^T J)
                beta = np.maximum(N - self.gamma, 1.0) / (2 * self.sse_floored())
                self.mu = self.mu * beta / self.beta
                self.beta = beta

    def _subset(self, sub):
        """The points J^T J comes from (sub, or all of them), their residuals' indices (a point's k
        outputs), and the factor that scales their J^T J to all the points'."""
        points = np.arange(len(self.x)) if sub is None else sub
        return points, (points[:, None] * self.shape.k + np.arange(self.shape.k)).reshape(-1), len(self.x) / len(points)

    def curvature(self, sub):
        """r, J^T J and J^T r of every start at p (network.curvature; J^T J from the points sub, or exact)."""
        if not self.compiled:
            return tuple(np.ascontiguousarray(a) for a in curvature(self.p, self.x, self.y, self.shape, self.act(),
                                                                   self.ws, sub))
        from .compiled import curvatures
        (K, P), (_points, rows, scale) = self.p.shape, self._subset(sub)
        r, JtJ, Jtr = np.empty((K, self.y.size)), np.empty((K, P, P)), np.empty((K, P))
        curvatures(self.x, self.y, rows, scale, self.codes, self.shape.d, self.shape.H, self.shape.k,
                   bool(self.shape.bias), self.p, r, JtJ, Jtr)
        return r, JtJ, Jtr

    def act(self, idx=None):
        """The activation of the starts idx (all when None): a name, or network.PerStart's subset."""
        return self.cfg.activation if idx is None else of_starts(self.cfg.activation, idx)

    def state_of(self, k):
        """What another LevenbergMarquardt needs to go on from start(s) k where this one is: the damping
        (for N points, from this one's J^T J over its own, times N / n), alpha, beta, gamma and how many
        re-estimations there have been (ARD starts after ARD_AFTER of them)."""
        return {"mu": self.mu[k].copy(), "alpha": self.alpha[k].copy(), "beta": self.beta[k].copy(),
                "gammas": self.gammas[k].copy(), "updates": self.updates, "points": len(self.x)}

    @property
    def gamma(self):
        return self.gammas.sum(axis=1)  # (K,) effective number of parameters

    def sse(self):
        """(K,) E_D, kept until the residuals change (step): half a dozen uses an epoch, each a pass over r."""
        if self._sse is None:
            self._sse = np.einsum("kn,kn->k", self.r, self.r)
        return self._sse

    def sse_floored(self):
        return np.maximum(self.sse(), self.n * 1e-30)  # keeps beta finite on data fitted exactly

    def ssw(self, p=None):
        p = self.p if p is None else p
        return (p * p) @ self.member  # (K, G)

    def objective(self, p, r, idx):
        return self.beta[idx] * np.sum(r * r, axis=1) + np.sum(self.alpha[idx] * self.ssw(p), axis=1)

    def mse(self):
        return self.sse() / self.r.shape[1]

    def regularized_mse(self):
        """(E_D + sum_g alpha_g / beta E_W,g) / N: what a Bayesian fit minimizes, in the units of the MSE."""
        return (self.sse() + np.sum(self.alpha * self.ssw(), axis=1) / self.beta) / self.n

    def hessian(self, idx, A):
        """Half the Gauss-Newton Hessian of F: beta J^T J + diag(alpha), (k, P, P)."""
        d = self.alpha[idx][:, self.group]  # (k, P)
        return self.beta[idx, None, None] * A + d[:, :, None] * np.eye(A.shape[1])

    def step(self, active):
        cfg, N = self.cfg, self.n
        idx = np.flatnonzero(active & ~self.stopped)
        if not idx.size:
            return
        self.epoch += 1
        self.fall[idx] = 0.0
        # the tries, then r, J^T J and J^T r at the new p, and with Bayesian regularization alpha and beta
        # (for the starts idx[shared]); small: the gradient below min_grad, nonfinite: E_D not finite
        if self.compiled:
            shared, small, nonfinite = self._epoch_compiled(idx)  # (E_D too)
            if self.bayes:
                self._after_update(idx[shared])
        else:
            share, shared = self._tries(idx)
            self._sse = None
            if self.bayes:
                self._update_regularization(idx[shared], share[shared])
            g = 2 * (self.beta[idx, None] * self.Jtr[idx] + self.alpha[idx][:, self.group] * self.p[idx]) / N
            small = np.sqrt(np.sum(g * g, axis=1)) < cfg.min_grad
            nonfinite = ~np.isfinite(self.sse()[idx])
        self._stop(idx[small], "gradient below min_grad")
        self._stop(idx[nonfinite], "numbers went bad")
        self.falls[self.epoch % STALL] = self.fall
        if self.settle is not None and self.epoch >= STALL:
            slow = self.falls.sum(axis=0)[idx] < self.settle
            self._stop(idx[slow], f"converged (F fell by less than {self.settle:.2g} nat in {STALL} epochs)")
        if self.epoch >= self.warm_until and self.warm.any():
            self.begin_bayes(np.flatnonzero(self.warm))

    def begin_bayes(self, idx):
        """The warm starts idx begin MacKay's updates: Foresee and Hagan's start (gamma = P, at most WARM_GAMMA N)
        at their parameters, mu as damped as it was, and none of the convergence tests' records from their
        plain epochs. Also for starts still warm when a run ends (driver.Run.go)."""
        N, P = self.n, self.p.shape[1]
        self.warm[idx] = False
        self._sse = None
        self.gammas[idx] = self.sizes * min(1.0, WARM_GAMMA * N / P, (N - 1) / P)
        alpha = self.gammas[idx] / (2 * np.maximum(self.ssw()[idx], 1e-300))
        if self.free is not None:
            alpha[:, self.free] = ALPHA_MIN
        self.alpha[idx] = np.clip(alpha, ALPHA_MIN, ALPHA_MAX)
        self.beta[idx] = np.maximum(N - self.gamma[idx], 1.0) / (2 * self.sse_floored()[idx])
        # mu as damped as it was (beta J^T J is beta times the plain J^T J): afresh, at the default, it cost
        # 1.6x on x^5 - 2x^3 + x at 30 points); where plain LM gave up, from the configured mu
        mu = np.where(self.mu[idx] <= self.cfg.mu_max, self.mu[idx], self.cfg.mu)
        self.mu[idx], self.nu[idx] = mu * self.beta[idx], 2.0
        self.falls[:, idx] = np.inf  # the settle test waits STALL Bayesian epochs
        self.recent[:, :, idx] = np.nan  # ... and so does the stall test (NaN: never "still")

    def _nats(self, F):
        """What a fall of F is in nats: F is one already with Bayesian regularization; without, F = E_D, and
        the Gaussian log-likelihood with the noise's variance estimated from it, E_D / (N - P), changes by the
        fall times this."""
        return np.ones(len(F)) if self.bayes else max(self.n - self.p.shape[1], 1.0) / (2 * np.maximum(F, 1e-300))

    def _tries(self, idx):
        """The epoch's tries for the starts idx, in NumPy: the reference for compiled.lm_epoch. Returns the
        gamma shares (len(idx), P) and which rows hold them (see step)."""
        cfg = self.cfg
        r, p = self.r[idx], self.p[idx]
        A = self.JtJ[idx]  # (k, P, P) = J^T J
        ok = np.isfinite(A).all(axis=(1, 2))
        self._stop(idx[~ok], "numbers went bad")
        H = self.hessian(idx, A)
        gF = self.beta[idx, None] * self.Jtr[idx] + self.alpha[idx][:, self.group] * p  # half of dF/dp
        F = self.objective(p, r, idx)
        floor = MU_FLOOR * self.beta[idx] * np.max(np.diagonal(A, axis1=1, axis2=2), axis=1) + 1e-300
        nats = self._nats(F)
        eye = np.eye(A.shape[1])
        todo, tries = ok.copy(), 0
        warm = self.warm[idx].copy()  # (as the epoch began: a warm start that gives up below begins Bayesian next epoch)
        while todo.any():
            t = np.flatnonzero(todo)
            k = idx[t]
            mu = np.maximum(self.mu[k], floor[t])
            damped = H[t] + mu[:, None, None] * eye
            delta = solve_each(damped, gF[t])  # the damped Gauss-Newton step
            if self.accelerate and self.epoch > 1:  # not while mu is still finding its scale: those tries mostly fail
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a bad correction is not used
                    delta = self._accelerate(p[t], k, damped, delta)
            trial = p[t] - delta
            with np.errstate(over="ignore", invalid="ignore"):
                F_new = self.objective(trial, residuals(trial, self.x, self.y, self.shape, self.act(k), self.ws), k)
            better = np.isfinite(F_new) & (F_new < F[t])
            self.p[k[better]] = trial[better]
            self.fall[k[better]] = ((F[t] - F_new) * nats[t])[better]
            if cfg.mu_rule == "nielsen":  # mu by the gain ratio rho: actual / predicted fall of F
                pred = 2 * np.sum(delta * gF[t], axis=1) - np.einsum("kp,kpq,kq->k", delta, H[t], delta)
                with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a fall where none was predicted: inf
                    rho = (F[t] - F_new) / np.maximum(pred, 1e-300)
                fac = np.maximum(1 / 3, 1 - (2 * np.clip(rho, 0, 1) - 1) ** 3)
                self.mu[k[better]] = np.maximum(mu[better] * fac[better], 1e-300)
                self.nu[k[better]] = 2.0
                self.mu[k[~better]] = mu[~better] * self.nu[k[~better]]
                self.nu[k[~better]] *= 2
            else:  # MATLAB's factors, from the damping used (mu below the floor would grow unseen)
                self.mu[k[better]] = np.maximum(mu[better] * cfg.mu_down, 1e-300)
                self.mu[k[~better]] = mu[~better] * cfg.mu_up
            todo[t[better]] = False
            give_up = t[~better][~(self.mu[k[~better]] <= cfg.mu_max)]  # NaN too: a damping gone bad ends the tries
            todo[give_up] = False
            self._stop(idx[give_up], "damping mu reached mu_max")
            tries += 1
            if tries >= MAX_TRIES and todo.any():
                self._stop(idx[todo], self._stuck())
                todo[:] = False
        moved = idx[ok & ~self.stopped[idx]]
        if moved.size:
            self.r[moved], self.JtJ[moved], self.Jtr[moved] = curvature(self.p[moved], self.x, self.y, self.shape,
                                                                       self.act(moved), self.ws, self.sub)
        share, shared = np.zeros((len(idx), A.shape[1])), np.zeros(len(idx), dtype=bool)
        if self.bayes and ok.any():  # gamma from the J^T J the step was taken with
            share[ok], shared[ok] = self._scaled_data_hessian(idx[ok], A[ok])[::2]
            shared &= ~warm  # (warm starts: no updates yet)
        return share, shared

    def _epoch_compiled(self, idx):
        """_tries, the hyperparameters' update (_update_regularization's arithmetic) and the gradient and
        E_D tests of step, compiled (compiled.lm_epoch): the same arithmetic up to round-off, without
        NumPy's per-call cost, which on the small arrays of fit mode was most of an epoch's time. Returns,
        for the starts idx, which had alpha and beta updated, which have a gradient below min_grad and
        which a non-finite E_D."""
        from .compiled import lm_epoch
        cfg, d = self.cfg, self.ard_groups
        nats = None if self.bayes else self._nats(self.sse()[idx])  # (F = E_D without Bayesian regularization)
        self.flags[:] = False
        bad, gave_up, shared, small, nonfinite = self.flags
        alpha_p = np.ascontiguousarray(self.alpha[:, self.group])  # (K, P) each parameter's alpha, for the step
        e_d = self.sse().copy()  # E_D, the idx starts' at their new p once the epoch is done
        lm_epoch(self.x, self.y, self.rows, self.points, self.scale, self.codes, self.shape.d, self.shape.H,
                 self.shape.k, bool(self.shape.bias), idx, self.p, self.r, self.JtJ, self.Jtr, alpha_p, self.beta,
                 self.mu, self.nu, bool(self.bayes), self.warm, cfg.mu_rule == "nielsen", float(cfg.mu_down), float(cfg.mu_up),
                 float(cfg.mu_max), MAX_TRIES, MU_FLOOR, bool(self.accelerate and self.epoch > 1), ACCEL_RATIO, self.fall, bad,
                 gave_up, shared, self.group, self.alpha, self.gammas, -1 if self.free is None else int(self.free),
                 d if d > 1 and self.updates < ARD_AFTER else 0, ALPHA_MIN, ALPHA_MAX, float(cfg.min_grad), small,
                 nonfinite, e_d)
        self._sse = e_d
        if nats is not None:
            self.fall[idx] *= nats
        if self.flags[:2].any():
            self._stop(idx[bad[idx]], "numbers went bad")
            stuck = gave_up & (self.mu <= cfg.mu_max)  # (gave up before mu_max: MAX_TRIES tries)
            self._stop(idx[stuck[idx]], self._stuck())
            self._stop(idx[(gave_up & ~stuck)[idx]], "damping mu reached mu_max")
        return shared[idx], small[idx], nonfinite[idx]

    def _stuck(self):
        return f"no try lowered F in {MAX_TRIES} tries of one epoch (mu grows by mu_up {self.cfg.mu_up:g} a try)"

    def _accelerate(self, p, k, damped, delta):
        """The step with Transtrum and Sethna's geodesic acceleration (see the module's docstring):
        delta - a / 2, a = -(damped)^-1 beta J^T r_vv, where the correction is small (2|a| <= ACCEL_RATIO
        |delta|); delta alone elsewhere."""
        xs = self.x if self.sub is None else self.x[self.sub]  # on large data, the points J^T J comes from
        z, h, yvv = along(p, delta, xs, self.shape, self.act(k), self.ws)  # even in delta: along -delta too
        Jt_rvv = backward(p, xs, yvv, z, h, self.shape, self.act(k), scale=len(self.x)/len(xs), dz=self.ws.get("dz", z.shape), ws=self.ws)
        acc = solve_each(damped, -self.beta[k, None] * Jt_rvv)
        size = np.sqrt(np.sum(delta * delta, axis=1))
        small = np.isfinite(acc).all(axis=1) & (2 * np.sqrt(np.sum(acc * acc, axis=1)) <= ACCEL_RATIO * size)
        return np.where(small[:, None], delta - acc / 2, delta)

    def _scaled_data_hessian(self, idx, A, repair=False):
        """What Bayesian regularization needs from H = beta J^T J + diag alpha, through the scaled
        M = B + I, B = beta D^-1 J^T J D^-1, D = diag(sqrt alpha), so that H = D M D: each parameter's
        part of gamma, alpha_j (H^-1)_jj = [M^-1]_jj, so share_j = 1 - [M^-1]_jj (in [0, 1]), and
        ln det M (ln det H = sum_j ln alpha_j + ln det M). M's eigenvalues are at least 1, so its
        Cholesky factor and inverse are well conditioned whatever J^T J is (a dead neuron, a column
        copied): 3-7x cheaper than an eigen-decomposition, with the same numbers up to round-off.
        With one alpha, gamma = sum_j beta l_j / (beta l_j + alpha) over the eigenvalues l of J^T J.
        Returns share (k, P), ln det M (k,) and which starts could be factored (NaN otherwise).

        repair (for the evidence): where the Cholesky factorization fails on a finite M, its eigenvalues,
        floored at 1. In exact arithmetic they are at least 1, but on a near-exact fit beta is ~1e11 and
        the output bias's alpha 1e-8 (ALPHA_MIN), so J^T J's round-off eigenvalues of -1e-14 become
        -1e5 in M: the factorization failed, the evidence was -inf, and a start fitted to 1.5e-12 lost to
        one at 1.3e-6 (the epochs keep skipping such an update, in both the NumPy and compiled steps)."""
        with np.errstate(divide="ignore", invalid="ignore"):  # (alpha 0: plain LM, whose M is not used; NaN: not ok)
            d = 1.0 / np.sqrt(self.alpha[idx][:, self.group])  # (k, P)
            M = self.beta[idx, None, None] * d[:, :, None] * A * d[:, None, :]
        M += np.eye(A.shape[1])
        L, Minv, ok = cholesky_each(M)
        share = np.clip(1.0 - np.diagonal(Minv, axis1=1, axis2=2), 0.0, 1.0)
        logdet = 2 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)
        for j in np.flatnonzero(~ok & np.isfinite(M).all(axis=(1, 2))) if repair else ():
            try:
                lam, U = np.linalg.eigh((M[j] + M[j].T) / 2)
            except np.linalg.LinAlgError:
                continue
            lam = np.maximum(lam, 1.0)  # M = I + a positive semi-definite matrix
            share[j] = np.clip(1.0 - np.einsum("pi,i,pi->p", U, 1.0 / lam, U), 0.0, 1.0)
            logdet[j], ok[j] = np.sum(np.log(lam)), True
        return share, logdet, ok

    def _update_regularization(self, idx, share):
        """gamma per group from each parameter's part of it, share (k, P) (_scaled_data_hessian), then
        alpha_g = gamma_g / (2 E_W,g) and beta = (N - gamma) / (2 E_D)."""
        N = self.n
        gammas = share @ self.member  # (k, G)
        total = gammas.sum(axis=1)
        cap = N - 1.0 if N > 1 else 0.5
        gammas *= np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)[:, None]
        ssw = self.ssw()[idx]
        self.gammas[idx] = gammas
        alpha = gammas / (2 * np.maximum(ssw, 1e-300))
        d = self.ard_groups
        if d > 1 and self.updates < ARD_AFTER:  # the inputs' weights share one alpha at first
            alpha[:, :d] = (gammas[:, :d].sum(axis=1) / (2 * np.maximum(ssw[:, :d].sum(axis=1), 1e-300)))[:, None]
        if self.free is not None:
            alpha[:, self.free] = ALPHA_MIN
        self.alpha[idx] = np.clip(alpha, ALPHA_MIN, ALPHA_MAX)
        self.beta[idx] = (N - gammas.sum(axis=1)) / (2 * self.sse_floored()[idx])
        self._after_update(idx)

    def _after_update(self, idx):
        """After alpha and beta of the starts idx were re-estimated: the tests that they have converged
        (E_D and gamma stalled, or the fitted values no longer moving), and the count of updates."""
        N = self.n
        self.recent[self.recorded % STALL] = self.sse(), self.gamma
        self.recorded += 1
        if self.recorded > STALL:  # over the last STALL updates, from the (STALL + 1)-th on
            sse, gam = self.recent[:, 0], self.recent[:, 1]  # (STALL, K)
            span = (sse.max(axis=0) - sse.min(axis=0)) / np.maximum(sse.max(axis=0), 1e-300)
            still = (span < STALL_RTOL) & (gam.max(axis=0) - gam.min(axis=0) < STALL_GAMMA)
            self._stop(idx[still[idx]], "converged (E_D and gamma stalled)")
        self.updates += 1
        if self.updates % STALL == 0:
            if self.then is not None:
                moved = np.max(np.abs(self.r - self.then), axis=1)  # (K,) largest change of y_hat
                # the fitted curve's own uncertainty: the noise's std times sqrt(gamma / N)
                spread = np.sqrt(self.gamma / (2 * self.beta * N))
                calm = moved < MOVE_RTOL * spread
                self._stop(idx[calm[idx]], f"converged (the fitted values moved less than {MOVE_RTOL:.1%} of their "
                                           f"uncertainty in {STALL} epochs)")
            self.then = self.r.copy()

    def _stop(self, idx, reason):
        if not idx.size:  # (most calls: an epoch runs six of these tests)
            return
        if self.warm.any() and not reason.startswith("numbers"):
            # a warm start is not stopped by the tests for a converged Bayesian fit; where plain LM cannot
            # go on (mu at mu_max, MAX_TRIES failed tries), its Bayesian updates begin now
            warm = self.warm[idx]
            if reason.startswith(("damping", "no try")):
                self.begin_bayes(idx[warm])
            idx = idx[~warm]
            if not idx.size:
                return
        new = idx[~self.stopped[idx]]
        self.stopped[new] = True
        self.reason[new] = reason

    def log_evidence(self, exact=True):
        """MacKay's log evidence ln p(D | alpha, beta) per start, up to a constant shared by all
        starts of one fit: what Bayesian regularization picks the start by. In MacKay's units (his
        E_D, E_W carry a 1/2, so his alpha, beta are twice ours) with H = beta J^T J + diag alpha:
        ln p = -F - 1/2 ln det 2H + sum_g n_g/2 ln 2 alpha_g + N/2 ln 2 beta; the 2s of det 2H and of
        alpha cancel. exact=False: on large data, J^T J from the epochs' subset (HESSIAN_POINTS) as they
        use it, an estimate, instead of from every point (1.4 ms at 5000 points)."""
        N = self.n
        idx = np.arange(len(self.p))
        JtJ = self.JtJ if self.sub is None or not exact else self.curvature(None)[1]  # exact: the epochs' own, or once here
        _share, logdet_M, ok = self._scaled_data_hessian(idx, JtJ, repair=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            logdet = np.sum(np.log(self.alpha[:, self.group]), axis=1) + logdet_M
            ev = (-self.objective(self.p, self.r, idx) - 0.5 * logdet
                  + np.sum(0.5 * self.sizes * np.log(self.alpha), axis=1) + 0.5 * N * np.log(2 * self.beta))
        return np.where(ok & np.isfinite(ev), ev, -np.inf)
