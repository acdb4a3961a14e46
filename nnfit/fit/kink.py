"""One kink as one more candidate of a Bayesian fit: two straight pieces joined at a corner.

A corner is what a relu network draws best and what the evidence finds hardest to pay for: the
networks it can pick round a corner over a few neurons, or add kinks near the edges that fit the
noise there (|x - 0.3| at 300 noisy points: 1.18 times scikit-learn's relu test RMSE; max(0, x) at
60 points 1.07 times, the sigmoid fit kept on 2 seeds of 8). With one input and one output a fit
also tries

    y_hat = c1 u + c2 relu(u - t) + c0      (u the scaled input, t the kink)

For a given t this is a line in the features [u, relu(u - t)], fitted by line.fit_line: the same
MacKay updates and the same log evidence as the networks'. The kink's place is not a parameter of
it: its evidence is integrated over a uniform prior on t across the data,

    ln p(D) = ln sum_j p(D | t_j) w_j / R        (R = max u - min u)

with the t_j the midpoints between neighbouring distinct u (at least MIN_SIDE of them on each side;
a subset of MAX_KNOTS of them on large data, then every midpoint near the best one) and w_j the
width of the cell around t_j (the trapezoid rule; the prior's mass outside the first and last t_j
is left out, which can only lower the evidence). For all t_j at once the features' sums come from
running sums over the sorted u (sum relu(u - t)^2 = S2 - 2 t S1 + t^2 S0 over the points above t),
and the alpha and beta updates run as a batch. The kink kept is the one with the largest p(D | t), of
the best midpoint and the least-squares kinks within its cell and the two beside it (_within_cells).

A 1-H-1 relu network holds it exactly (as_network): neuron 0 holds the line c1 u + c0 as in
line.as_network, neuron 1 is relu(u - t) with output weight c2, the others are off. Its posterior
is the line's in the two features, with t held fixed: prediction intervals leave out the kink's
own uncertainty.
"""
import math

import numpy as np

from .line import as_network as line_network, fit_line
from .lm import ALPHA_MAX, ALPHA_MIN

MIN_SIDE = 3        # the kink has at least this many distinct values of u on each side
MAX_KNOTS = 64      # at most this many places for the kink in the first pass; then every midpoint between the best
                    # one's neighbours (at most 4 times this many)
ITERATIONS = 20     # at most this many re-estimations of alpha and beta for each place (a kink at an edge of the data,
                    # nearly a line, can take hundreds while alpha trades between its two slopes; after 20 its evidence was
                    # within 0.005 nat of where it settles, and the best place's settled)
RTOL = 1e-4         # the batch's alpha and beta are settled when they change by less than this, relatively (the evidence is
                    # stationary in them: 1e-3 moved it by under 1e-8 nat against 1e-10)


def features(u, knot):
    """[u, relu(u - knot)] (N, 2) for the scaled input u (N, 1)."""
    return np.concatenate([u, np.maximum(u - knot, 0.0)], axis=1)


def fit_kink(u, v, goal=0.0):
    """The Bayesian kink through u (N, 1) and v (N, 1) (scaled, as the driver's): fit_line's dict for
    the features [u, relu(u - t)] at the best t (C (2, 1): the slope left of the kink and its change
    there), with "knot": t, "at_knot": that line's log evidence and "evidence": the evidence over every
    t (see the module's docstring; inf where some t fits every point to within goal). None where the
    data have fewer than 2 MIN_SIDE distinct u or no kink can be fitted."""
    if u.shape[1] != 1 or v.shape[1] != 1:
        return None
    x, y = u[:, 0], v[:, 0]
    distinct = np.unique(x)
    if len(distinct) < 2 * MIN_SIDE:
        return None
    mids = (distinct[MIN_SIDE - 1:-MIN_SIDE] + distinct[MIN_SIDE:-MIN_SIDE + 1]) / 2
    with np.errstate(all="ignore"):
        knots = _spread(mids, MAX_KNOTS)
        ev = _evidences(x, y, knots, goal)
        best = int(np.argmax(ev))
        # every midpoint between the best one's neighbours, which a subset may have skipped
        lo, hi = knots[max(best - 1, 0)], knots[min(best + 1, len(knots) - 1)]
        near = _spread(mids[(mids > lo) & (mids < hi) & ~np.isin(mids, knots)], 4 * MAX_KNOTS)
        if len(near):
            knots, ev = np.concatenate([knots, near]), np.concatenate([ev, _evidences(x, y, near, goal)])
            order = np.argsort(knots)
            knots, ev = knots[order], ev[order]
        if not np.isfinite(ev).any() and not (ev == math.inf).any():
            return None
        kink = None
        for t in [float(knots[int(np.argmax(ev))])] + _within_cells(x, y, distinct, float(knots[int(np.argmax(ev))])):
            fitted = fit_line(features(u, t), v, goal)
            if fitted is not None and (kink is None or fitted["evidence"] > kink["evidence"]):
                kink = dict(fitted, knot=t)
        if kink is None:
            return None
        t = kink["knot"]
        kink["knot"], kink["at_knot"] = t, kink["evidence"]
        kink["evidence"] = math.inf if kink["exact"] else _integrate(knots, ev, float(np.ptp(x)))
    return kink


def _within_cells(x, y, distinct, t):
    """The least-squares kink within the cell between distinct values that holds t and within its two
    neighbours (Hudson's method: for a cell the points above the kink are fixed, so c1 x + c2 relu(x - t)
    + c0 is linear in c1, c2, c0 and d = -c2 t; the t = -d / c2 of its least-squares fit, where it falls
    inside the cell). Midpoints alone miss a corner between two points: a noise-free one by far."""
    i = int(np.searchsorted(distinct, t))  # the cell (distinct[i - 1], distinct[i])
    found = []
    for lo in range(max(i - 2, 0), min(i + 1, len(distinct) - 1)):
        left, right = distinct[lo], distinct[lo + 1]
        above = (x > left).astype(float)
        X = np.stack([x, x * above, above, np.ones_like(x)], axis=1)
        c = np.linalg.lstsq(X, y, rcond=None)[0]
        if c[1] != 0 and left < -c[2] / c[1] < right:
            found.append(float(-c[2] / c[1]))
    return found


def _spread(values, most):
    """At most `most` of the sorted `values`, evenly spaced in rank, the first and last kept."""
    if len(values) <= most:
        return values
    return values[np.unique(np.round(np.linspace(0, len(values) - 1, most)).astype(int))]


def _integrate(knots, ev, width):
    """ln sum_j exp(ev_j) w_j / width: the evidence over a uniform prior on the kink's place (trapezoid cells)."""
    edges = np.concatenate([knots[:1], (knots[1:] + knots[:-1]) / 2, knots[-1:]])
    cells = np.diff(edges)
    ok = np.isfinite(ev) & (cells > 0)
    if not ok.any() or width <= 0:
        return -math.inf
    terms = ev[ok] + np.log(cells[ok] / width)
    top = float(np.max(terms))
    return top + math.log(float(np.sum(np.exp(terms - top))))


def _evidences(x, y, knots, goal):
    """fit_line's log evidence for the features [x, relu(x - t)] at each t of knots (G,), as one batch:
    (G,), inf where that line fits every point to within goal, -inf where it cannot be fitted."""
    N, G = len(x), len(knots)
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    # sums over the points above each knot: S0 = count, S1 = sum x, S2 = sum x^2, Sy = sum y, Sxy = sum x y
    first = np.searchsorted(xs, knots, side="right")
    tail = lambda a: np.concatenate([np.cumsum(a[::-1])[::-1], [0.0]])[first]
    S0, S1, S2, Sy, Sxy = (tail(np.ones(N)), tail(xs), tail(xs * xs), tail(ys), tail(xs * ys))
    t = knots
    z1 = S1 - t * S0                     # sum z, z = relu(x - t)
    zz = S2 - 2 * t * S1 + t * t * S0    # sum z^2
    xz = S2 - t * S1                     # sum x z
    zy = Sxy - t * Sy                    # sum z y
    XtX = np.empty((G, 3, 3))            # the features [x, z, 1]
    XtX[:, 0, 0], XtX[:, 0, 1], XtX[:, 0, 2] = np.sum(x * x), xz, np.sum(x)
    XtX[:, 1, 1], XtX[:, 1, 2], XtX[:, 2, 2] = zz, z1, N
    XtX[:, 1, 0], XtX[:, 2, 0], XtX[:, 2, 1] = XtX[:, 0, 1], XtX[:, 0, 2], XtX[:, 1, 2]
    Xty = np.stack([np.full(G, np.sum(x * y)), zy, np.full(G, np.sum(y))], axis=1)
    yty = float(np.sum(y * y))
    # fit_line's iteration, for every knot at once (one output, two features and the free intercept)
    alpha = np.ones((G, 2))
    beta = np.full(G, 1.0 / (2 * max(yty / N, 1e-300)))
    prior = np.full((G, 3), ALPHA_MIN)
    live = np.ones(G, dtype=bool)
    for _ in range(ITERATIONS):
        prior[:, :2] = alpha
        H = beta[:, None, None] * XtX + prior[:, :, None] * np.eye(3)
        Hinv = np.linalg.inv(H)
        coef = beta[:, None] * np.einsum("gij,gj->gi", Hinv, Xty)
        ed = np.maximum(yty - 2 * np.sum(coef * Xty, axis=1) + np.einsum("gi,gij,gj->g", coef, XtX, coef), 0.0)
        gammas = 1 - prior * np.diagonal(Hinv, axis1=1, axis2=2)
        gamma = np.sum(gammas, axis=1)
        done = (ed <= goal * N) | (N - gamma <= 0)
        new_alpha = np.clip(gammas[:, :2] / np.maximum(2 * coef[:, :2] ** 2, 1e-300), ALPHA_MIN, ALPHA_MAX)
        new_beta = (N - gamma) / (2 * np.maximum(ed, 1e-300))
        settled = (np.all(np.abs(new_alpha - alpha) <= RTOL * alpha, axis=1)
                   & (np.abs(new_beta - beta) <= RTOL * beta))
        move = live & ~done
        alpha[move], beta[move] = new_alpha[move], new_beta[move]
        live &= ~done & ~settled
        if not live.any():
            break
    prior[:, :2] = alpha
    H = beta[:, None, None] * XtX + prior[:, :, None] * np.eye(3)
    coef = np.linalg.solve(H, (beta[:, None] * Xty)[:, :, None])[:, :, 0]
    ed = np.maximum(yty - 2 * np.sum(coef * Xty, axis=1) + np.einsum("gi,gij,gj->g", coef, XtX, coef), 0.0)
    F = beta * ed + np.sum(prior * coef ** 2, axis=1)
    sign, logdet = np.linalg.slogdet(H)
    ev = -F - 0.5 * logdet + 0.5 * np.sum(np.log(prior), axis=1) + 0.5 * N * np.log(2 * beta)
    ev = np.where((sign > 0) & np.isfinite(ev), ev, -math.inf)
    return np.where(ed <= goal * N, math.inf, ev)


def as_network(kink, net, u):
    """The kink as the parameters (P,) of the relu network `net` (one input, one output, an output
    bias, H >= 2): neuron 0 holds the line c1 u + c0 (line.as_network), neuron 1 is relu(u - t) with
    output weight c2."""
    p = line_network({"C": kink["C"][:1], "c0": kink["c0"]}, net, u)
    H = net.H
    p[1] = 1.0                        # W[1, 0]
    p[H + 1] = -kink["knot"]          # b[1]
    p[2 * H + 1] = kink["C"][1, 0]    # A[0, 1]
    return p


def posterior_on_network(kink, net, p):
    """The posterior covariance (2 H)^-1 of (c1, c2, c0), carried onto the network's parameters p
    (as_network's): c1 = a_0 w_0 with a_0 fixed moves w_0 by dc1 / a_0, c2 is a_1 and c0 the output
    bias. (P, P), zero elsewhere (the kink's place and the neurons' other parameters held fixed)."""
    H = net.H
    cov_kink = np.linalg.inv(2 * kink["H"])
    a0 = p[2 * H]
    idx = [0, 2 * H + 1, net.P - 1]  # w_0, a_1, the output bias
    scale = np.array([1.0 / a0 if a0 > 0 else 0.0, 1.0, 1.0])
    cov = np.zeros((net.P, net.P))
    cov[np.ix_(idx, idx)] = cov_kink * np.outer(scale, scale)
    return cov
