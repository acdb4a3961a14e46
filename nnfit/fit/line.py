"""The straight line as one more candidate of a Bayesian fit: the network with no hidden neurons.

On data whose truth is a line, every network the evidence can pick bends a little (a sigmoid is
straight only where its weights are small, and the prior charges the large output weight that
makes up for them): at 100 noisy points of 2x + 1 the kept network's test RMSE was 1.1-1.6 times
the least-squares line's, at 5000 points about twice. MacKay's framework compares models of any
size by their evidence, and for the line it has a closed form. So a Bayesian fit also fits

    y_hat = C^T u + c0     (u the scaled inputs (N, d), C (d, k), c0 (k,))

minimizing F = beta E_D + sum_j alpha_j sum_l C_jl^2 + ALPHA_MIN |c0|^2 as lm.py does the network
(one alpha per input, the intercept free as the network's output bias is), re-estimating alpha and
beta from gamma until they settle, and computes its log evidence with the same formula and the same
constants as LevenbergMarquardt.log_evidence, so the two compare. The driver keeps the line where its
evidence is the larger.

A 1-H-1 relu network holds a line exactly (as_network): neuron l of output l has weights C_l / |C_l|,
a bias that puts its kink REACH times farther out than the farthest training point (from their
centre), and output weight |C_l|; every other neuron is off (w = 0, b = -1, a = 0). Its posterior
(posterior_on_network) is the line's, carried onto those parameters, so prediction intervals are the
line's.
"""
import math

import numpy as np

from .lm import ALPHA_MAX, ALPHA_MIN

REACH = 1000.0      # the kink of the neuron that holds the line: this many times the farthest training point's distance
                    # from the points' centre out
ITERATIONS = 500    # at most this many re-estimations of alpha and beta (a line settles in 5-30)
RTOL = 1e-10        # ... until alpha and beta change by less than this, relatively


def fit_line(u, v, goal=0.0, start=None, rtol=RTOL):
    """The Bayesian line through u (N, d) and v (N, k) (scaled, as the driver's): a dict with C (d, k),
    c0 (k,), alpha (d,), beta, gamma, the log evidence, H (d + 1, d + 1; each output's block of
    beta X^T X + diag alpha, X = [u, 1]), the residuals r (N, k) and exact (the mean squared residual
    below goal: the evidence is then inf, as an exact network's). None where there are too few points
    to estimate the noise (N <= d + 1, each output's parameters), or where the sums are past float64.
    start: alpha (d,) and beta to begin the iteration from (else 1 and the data's, in standardized units);
    rtol: the iteration stops once alpha and beta change by less than this, relatively.

    The line is fitted on u and v standardized here (each input to mean 0 and variance 1, the outputs
    by one shared scale), with the alphas and their range in those units, and handed back in the
    caller's: with the driver's standardized data that changes nothing, and with --scale none an x of
    size 1e-17, at 1e5 or a y of 1e9 is fitted as well as any other (the evidence is the caller's
    too: ln p(v) = ln p(v standardized) - N k ln(scale))."""
    N, d = u.shape
    k = v.shape[1]
    if N <= d + 1:
        return None
    with np.errstate(all="ignore"):
        mu, su = u.mean(axis=0), u.std(axis=0)
        mv, sv = v.mean(axis=0), float(np.sqrt(np.mean(v.var(axis=0))))
    if not (np.isfinite(mu).all() and np.isfinite(su).all() and np.isfinite(mv).all() and math.isfinite(sv)):
        return None  # (unscaled x or y past 1e150: no line to compare)
    su, sv = np.where(su > 0, su, 1.0), (sv if sv > 0 else 1.0)
    U, V = (u - mu) / su, (v - mv) / sv
    if start is not None:
        start = (np.asarray(start[0], dtype=float) * sv * sv / (su * su), float(start[1]) * sv * sv)
    X = np.concatenate([U, np.ones((N, 1))], axis=1)
    try:
        with np.errstate(all="ignore"):
            line = _fit_line(U, V, X, X.T @ X, X.T @ V, goal / (sv * sv), start, rtol)
    except np.linalg.LinAlgError:  # (H is positive definite in exact arithmetic; round-off at the extremes)
        return None
    if line is None:
        return None
    # back to the caller's units: C = C^ sv / su, c0 = mv + sv c0^ - mu^T C; the Hessian in (C, c0) is
    # A^T H^ A for the map (C, c0) -> (C^, c0^): C^_j = C_j su_j / sv, c0^ = (c0 - mv + mu^T C) / sv
    C = line["C"] * sv / su[:, None]
    A = np.zeros((d + 1, d + 1))
    A[np.arange(d), np.arange(d)] = su / sv
    A[d, :d], A[d, d] = mu / sv, 1 / sv
    # (centre, at_centre: the inputs' mean and the line there, before the intercept at u = 0 cancels its digits:
    # x = 1e6 +- 1e-8 with --scale none puts c0 at 7e14 for a y of 250, stored to 0.1; as_network builds on them)
    return dict(line, C=C, c0=mv + sv * line["c0"] - mu @ C, centre=mu, at_centre=mv + sv * line["c0"],
                alpha=line["alpha"] * sv * sv / (su * su),
                beta=line["beta"] / (sv * sv), H=A.T @ line["H"] @ A, r=line["r"] * sv,
                evidence=line["evidence"] - N * k * math.log(sv))


def _fit_line(u, v, X, XtX, Xtv, goal, start, rtol):
    N, d = u.shape
    k = v.shape[1]
    prior = np.full(d + 1, ALPHA_MIN)
    vtv = float(np.sum(v * v))
    alpha, beta = np.ones(d), 1.0 / (2 * max(vtv / v.size, 1e-300))
    if start is not None:
        alpha, beta = start
    for _ in range(ITERATIONS):
        prior[:d] = alpha
        H = beta * XtX + np.diag(prior)
        Hinv = np.linalg.inv(H)
        coef = beta * Hinv @ Xtv  # (d + 1, k)
        ed = max(vtv - 2 * float(np.sum(coef * Xtv)) + float(np.sum(coef * (XtX @ coef))), 0.0)  # |X coef - v|^2
        if ed < 1e-6 * vtv:  # (the expansion cancels: below this it keeps no digits, and at 0 the loop stopped with
            ed = float(np.sum((X @ coef - v) ** 2))  # beta 1e8 where it is 2.5e15: noise 1e-8 on 100 points)
        shrink = prior * np.diag(Hinv)  # each parameter's share held by the prior, per output
        gammas = k * (1 - shrink)
        gamma = float(np.sum(gammas))
        if ed <= goal * N * k or N * k - gamma <= 0:
            break
        new_alpha = np.clip(gammas[:d] / np.maximum(2 * np.sum(coef[:d] ** 2, axis=1), 1e-300), ALPHA_MIN, ALPHA_MAX)
        new_beta = (N * k - gamma) / (2 * ed)
        settled = np.all(np.abs(new_alpha - alpha) <= rtol * alpha) and abs(new_beta - beta) <= rtol * beta
        alpha, beta = new_alpha, new_beta
        if settled:
            break
    prior[:d] = alpha
    H = beta * XtX + np.diag(prior)
    coef = np.linalg.solve(H, beta * Xtv)
    r = X @ coef - v
    ed = float(np.sum(r * r))
    if not (np.isfinite(coef).all() and math.isfinite(beta)):
        return None
    exact = ed <= goal * N * k
    if exact:  # the points are on a line: that line itself (beta is unbounded; no prior's shrink is left)
        coef = np.linalg.lstsq(X, v, rcond=None)[0]
        r = X @ coef - v
        evidence = math.inf
    else:
        F = beta * ed + float(np.sum(prior[:, None] * coef ** 2))
        sign, logdet = np.linalg.slogdet(H)
        evidence = (-F - 0.5 * k * logdet + 0.5 * k * float(np.sum(np.log(prior))) + 0.5 * N * k * math.log(2 * beta)
                    if sign > 0 else -math.inf)
    return {"C": coef[:d], "c0": coef[d], "alpha": alpha, "beta": beta, "gamma": gamma, "evidence": evidence,
            "H": H, "r": r, "exact": exact}


def inverse(H):
    """H^-1, or nan where H is singular to float64 (the caller's units: x at 1e6 with --scale none):
    the driver then keeps no posterior and no leave-one-out error."""
    try:
        with np.errstate(all="ignore"):
            return np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return np.full_like(H, np.nan)


def as_network(line, net, u):
    """The line as the parameters (P,) of the relu network `net` (network.Shape with an output bias,
    H >= k): see the module's docstring. line: fit_line's dict (C, centre and at_centre are read); u: the
    training points (scaled), whose farthest from the centre sets the kink's distance."""
    d, H, k = net.d, net.H, net.k
    W, b, A = np.zeros((H, d)), np.full(H, -1.0), np.zeros((k, H))
    # the kink REACH times the points' reach from their centre beyond them, measured from there, and the
    # output bias from the line at the centre (not from the origin: with --scale none, x = 1e6 +- 1e-8 and a
    # kink 1e9 out, w u + b rounded away every digit of x's spread); not floored at 1 (x of size 1e-30: a kink
    # 1000 out would leave a / c to cancel 33 digits)
    centre, c = np.asarray(line["centre"], dtype=float), np.array(line["at_centre"], dtype=float)
    farthest = float(np.max(np.linalg.norm(u - centre, axis=1)))
    reach = REACH * (farthest if farthest > 0 else 1.0)
    for out in range(k):
        slope = line["C"][:, out]
        size = float(np.linalg.norm(slope))
        W[out] = slope / size if size > 0 else np.eye(d)[0]
        b[out], A[out, out] = reach - W[out] @ centre, size  # w u + b = w (u - centre) + reach > 0 on every point
        c[out] -= size * reach
    return np.concatenate([W.ravel(), b, A.ravel(), c])


def posterior_on_network(line, net, p, betas=None, u=None):
    """The line's posterior covariance, (2 H)^-1 per output (MacKay's, as driver.posterior_cov), carried
    onto the network's parameters p (as_network's): the slope C_l = a_l w_l with a_l fixed moves
    w_l by dC_l / a_l, and the intercept moves c_l. (P, P), zero elsewhere. betas (k,): each output's own
    noise precision (driver.output_noise; 0 for a constant output, whose block stays 0), H_l = beta_l X^T X
    + (H - beta X^T X) on the inputs u (N, d); None: the line's shared beta."""
    d, H, k = net.d, net.H, net.k
    if betas is not None:
        X = np.concatenate([u, np.ones((len(u), 1))], axis=1)
        XtX = X.T @ X
        prior = line["H"] - line["beta"] * XtX  # (the alphas' diagonal)
    cov = np.zeros((net.P, net.P))
    A = p[H * (d + 1):H * (d + 1) + k * H].reshape(k, H)
    for out in range(k):
        if betas is not None and betas[out] == 0:
            continue
        cov_line = inverse(2 * (line["H"] if betas is None else betas[out] * XtX + prior))
        a = A[out, out]
        w = out * d + np.arange(d)  # neuron `out`'s weights
        c = net.P - k + out
        cov[c, c] = cov_line[d, d]
        if a > 0:
            cov[np.ix_(w, w)] = cov_line[:d, :d] / (a * a)
            cov[w, c] = cov[c, w] = cov_line[:d, d] / a
    return cov


def loo_rmse(line, u, y_scale):
    """The line's leave-one-out RMSE in y's units: exact for a fixed alpha and beta (PRESS residuals
    r_n / (1 - h_nn), h_nn = beta x_n^T H^-1 x_n), as driver.loo_rmse approximates it for a network."""
    X = np.concatenate([u, np.ones((len(u), 1))], axis=1)
    h = line["beta"] * np.einsum("np,pq,nq->n", X, inverse(line["H"]), X)
    press = line["r"] / np.maximum(1 - h, 1e-3)[:, None] * np.asarray(y_scale)
    return float(np.sqrt(np.mean(press * press)))
