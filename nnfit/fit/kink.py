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
width of the cell around t_j (from halfway to its neighbours, the first and last to the ends of the
span where a kink has MIN_SIDE distinct u on each side). For all t_j at once the features' sums come
from running sums over the sorted u, and the alpha and beta updates run as a batch (Batch), on u and
v standardized. The kink kept is the one with the largest p(D | t), of the best midpoint and the
least-squares kinks within its cell and the two beside it (_within_cells).

A 1-H-1 relu network holds it exactly (as_network): neuron 0 holds the line c1 u + c0 as in
line.as_network, neuron 1 is relu(u - t) with output weight c2, the others are off. Its posterior
is the line's in the two features with the place t's added by Laplace's approximation, as for a
network's bias (posterior_on_network): prediction intervals widen near the kink.
"""
import math

import numba
import numpy as np

from .compiled import JIT
from .line import as_network as line_network, fit_line, inverse
from .lm import ALPHA_MAX, ALPHA_MIN

MIN_SIDE = 3        # the kink has at least this many distinct values of u on each side
MAX_KNOTS = 64      # at most this many places for the kink in the first pass; then every midpoint between the best
                    # one's neighbours (at most 4 times this many)
ITERATIONS = 50     # at most this many re-estimations of alpha and beta for each place (a kink at an edge of the data,
                    # nearly a line, can take hundreds while alpha trades between its two slopes; after 20 its evidence was
                    # within 0.005 nat of where it settles at 60-5000 points, at 8 points once 0.6 nat)
RTOL = 1e-4         # the batch's alpha and beta are settled when they change by less than this, relatively (the evidence is
                    # stationary in them: 1e-3 moved it by under 1e-8 nat against 1e-10)
FINAL_RTOL = 1e-6   # ... and the kink kept, by fit_line, when they change by less than this (line.RTOL, 1e-10, took 32
                    # iterations on 5000 points of a line; over 140 data sets of 8-5000 points the kept kink's prediction
                    # moved by at most 6e-8 of y's std, its evidence by 4e-12 nat)


def features(u, knot):
    """[u, relu(u - knot)] (N, 2) for the scaled input u (N, 1)."""
    return np.concatenate([u, np.maximum(u - knot, 0.0)], axis=1)


def fit_kink(u, v, goal=0.0):
    """The Bayesian kink through u (N, 1) and v (N, 1) (scaled, as the driver's): fit_line's dict for
    the features [u, relu(u - t)] at the best t (C (2, 1): the slope left of the kink and its change
    there), with "knot": t, "at_knot": that line's log evidence and "evidence": the evidence over every
    t (see the module's docstring; inf where some t fits every point to within goal). None where the
    data have fewer than 2 MIN_SIDE distinct u or no kink can be fitted. The places are searched on u
    and v standardized here, as fit_line fits (so that --scale none's units cost no digits)."""
    if u.shape[1] != 1 or v.shape[1] != 1:
        return None
    with np.errstate(all="ignore"):
        m, s, my, sy = float(np.mean(u)), float(np.std(u)), float(np.mean(v)), float(np.std(v))
    if not (math.isfinite(m) and math.isfinite(s) and math.isfinite(my) and math.isfinite(sy)) or not (s > 0 and sy > 0):
        return None
    x, y = (u[:, 0] - m) / s, (v[:, 0] - my) / sy
    distinct = np.unique(x)
    if len(distinct) < 2 * MIN_SIDE:
        return None
    mids = (distinct[MIN_SIDE - 1:-MIN_SIDE] + distinct[MIN_SIDE:-MIN_SIDE + 1]) / 2
    with np.errstate(all="ignore"):
        batch = Batch(x, y, goal / (sy * sy))
        knots = _spread(mids, MAX_KNOTS)
        ev = batch.evidences(knots)
        best = int(np.argmax(ev))
        # every midpoint between the best one's neighbours, which a subset may have skipped
        lo, hi = knots[max(best - 1, 0)], knots[min(best + 1, len(knots) - 1)]
        near = _spread(mids[(mids > lo) & (mids < hi) & ~np.isin(mids, knots)], 4 * MAX_KNOTS)
        if len(near):
            knots, ev = np.concatenate([knots, near]), np.concatenate([ev, batch.evidences(near)])
            order = np.argsort(knots)
            knots, ev = knots[order], ev[order]
        if not (ev > -math.inf).any():
            return None
        t = float(knots[int(np.argmax(ev))])
        tries = np.array([t] + _within_cells(x, y, distinct, t))
        best = int(np.argmax(batch.evidences(tries)))
        alpha, beta = batch.state[best, :2], batch.state[best, 2]
        # the final line begins where the batch ended (in the caller's units), unless a slope there is switched
        # off (alpha near its cap): that is a fixed point a fresh start may leave
        start = (alpha * s * s / (sy * sy), beta / (sy * sy)) if np.all(alpha < 1e-3 * ALPHA_MAX) else None
        t = m + s * float(tries[best])
        kink = fit_line(features(u, t), v, goal, start=start, rtol=FINAL_RTOL)
        if kink is None:
            return None
        kink["knot"], kink["at_knot"] = t, kink["evidence"]
        span = (distinct[MIN_SIDE - 1], distinct[-MIN_SIDE])  # where a kink has MIN_SIDE distinct x on each side
        kink["evidence"] = (math.inf if kink["exact"] else
                            _integrate(knots, ev, span, float(np.ptp(x))) - len(x) * math.log(sy))
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
        try:
            c = np.linalg.solve(X.T @ X, X.T @ y)
        except np.linalg.LinAlgError:  # (fewer than 2 distinct x on a side: no kink there)
            continue
        slack = 1e-9 * (right - left)  # a corner on a data point lands on the cell's end, give or take round-off
        if c[1] != 0 and left - slack <= -c[2] / c[1] <= right + slack:
            found.append(float(np.clip(-c[2] / c[1], left, right)))
    return found


def _spread(values, most):
    """At most `most` of the sorted `values`, evenly spaced in rank, the first and last kept."""
    if len(values) <= most:
        return values
    return values[np.unique(np.round(np.linspace(0, len(values) - 1, most)).astype(int))]


def _integrate(knots, ev, span, width):
    """ln sum_j exp(ev_j) w_j / width: the evidence over a uniform prior on the kink's place (cells from
    the span's ends and the midpoints between the knots)."""
    edges = np.concatenate([[span[0]], (knots[1:] + knots[:-1]) / 2, [span[1]]])
    cells = np.diff(edges)
    ok = np.isfinite(ev) & (cells > 0)
    if not ok.any() or width <= 0:
        return -math.inf
    terms = ev[ok] + np.log(cells[ok] / width)
    top = float(np.max(terms))
    return top + math.log(float(np.sum(np.exp(terms - top))))


class Batch:
    """fit_line's log evidence for the features [x, relu(x - t)] at many places t at once. The sums the
    line needs come from running sums over the sorted x (for the points above t: sum relu(x - t)^2 =
    S2 - 2 t S1 + t^2 S0 with S0 their count, S1 the sum of their x, S2 of their x^2); alpha and beta are
    re-estimated as fit_line does, place by place, compiled (evidence_at), from fit_line's start; state:
    each place's alpha (2) and beta at the last call's end. x and y standardized (fit_kink's)."""

    def __init__(self, x, y, goal):
        order = np.argsort(x)
        self.xs, ys = x[order], y[order]
        tail = lambda a: np.concatenate([np.cumsum(a[::-1])[::-1], [0.0]])
        self.S = [tail(a) for a in (np.ones(len(x)), self.xs, self.xs * self.xs, ys, self.xs * ys)]
        self.goal = goal
        self.sums = np.array([float(np.sum(a)) for a in (x * x, x, x * y, y, y * y)] + [len(x)])

    def evidences(self, knots):
        """(G,) for the places knots (G,): inf where that line fits every point to within goal, -inf where
        it cannot be fitted."""
        knots = np.ascontiguousarray(knots, dtype=np.float64)
        at = np.searchsorted(self.xs, knots, side="right")
        ev, state = np.empty(len(knots)), np.empty((len(knots), 3))
        evidence_at(knots, *(a[at] for a in self.S), self.sums, self.goal, ITERATIONS, RTOL, ALPHA_MIN, ALPHA_MAX,
                    ev, state)
        self.state = state
        return ev


@numba.njit(**JIT)
def evidence_at(knots, S0, S1, S2, Sy, Sxy, sums, goal, iterations, rtol, alpha_min, alpha_max, ev, state):
    """For each place t = knots[g]: fit_line's iteration and log evidence for the features [x, z, 1],
    z = relu(x - t), from the sums over the points above t (S0, S1, S2, Sy, Sxy at g) and over all
    (sums: x^2, x, x y, y, y^2, N); the slopes' alpha within [alpha_min, alpha_max], the intercept's
    alpha_min. ev[g]: inf where E_D <= goal N, -inf where H is not positive definite; state[g]: the
    alpha (2) and beta reached."""
    xx, x1, xy, y1, yy, N = sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]
    A = np.empty((3, 3))
    b = np.empty(3)
    H = np.empty((3, 3))
    Hinv = np.empty((3, 3))
    coef = np.empty(3)
    prior = np.empty(3)
    for g in range(len(knots)):
        t = knots[g]
        xz, zz, z1 = S2[g] - t * S1[g], S2[g] - 2 * t * S1[g] + t * t * S0[g], S1[g] - t * S0[g]
        A[0, 0], A[0, 1], A[0, 2], A[1, 1], A[1, 2], A[2, 2] = xx, xz, x1, zz, z1, N
        A[1, 0], A[2, 0], A[2, 1] = xz, x1, z1
        b[0], b[1], b[2] = xy, Sxy[g] - t * Sy[g], y1
        # fit_line's start: alpha 1 for each feature standardized (their variances here), beta from y's mean square
        a0, a1 = max(xx / N - (x1 / N) ** 2, 1e-300), max(zz / N - (z1 / N) ** 2, 1e-300)
        beta = 1.0 / (2 * max(yy / N, 1e-300))
        ev[g] = -np.inf
        for it in range(iterations + 1):
            prior[0], prior[1], prior[2] = a0, a1, alpha_min
            for i in range(3):
                for j in range(3):
                    H[i, j] = beta * A[i, j] + (prior[i] if i == j else 0.0)
            logdet = invert3(H, Hinv)
            if not np.isfinite(logdet):
                break
            for i in range(3):
                coef[i] = beta * (Hinv[i, 0] * b[0] + Hinv[i, 1] * b[1] + Hinv[i, 2] * b[2])
            ed = yy
            for i in range(3):
                ed -= 2 * coef[i] * b[i]
                for j in range(3):
                    ed += coef[i] * A[i, j] * coef[j]
            ed = max(ed, 0.0)
            g0, g1 = 1 - prior[0] * Hinv[0, 0], 1 - prior[1] * Hinv[1, 1]
            gamma = g0 + g1 + 1 - prior[2] * Hinv[2, 2]
            if ed <= goal * N:
                ev[g] = np.inf
                break
            F = beta * ed + prior[0] * coef[0] ** 2 + prior[1] * coef[1] ** 2 + prior[2] * coef[2] ** 2
            ev[g] = (-F - 0.5 * logdet + 0.5 * (math.log(prior[0]) + math.log(prior[1]) + math.log(prior[2]))
                     + 0.5 * N * math.log(2 * beta))
            if it == iterations or N - gamma <= 0:
                break
            n0 = min(max(g0 / max(2 * coef[0] ** 2, 1e-300), alpha_min), alpha_max)
            n1 = min(max(g1 / max(2 * coef[1] ** 2, 1e-300), alpha_min), alpha_max)
            nb = (N - gamma) / (2 * max(ed, 1e-300))
            settled = abs(n0 - a0) <= rtol * a0 and abs(n1 - a1) <= rtol * a1 and abs(nb - beta) <= rtol * beta
            a0, a1, beta = n0, n1, nb
            if settled:
                break
        if not np.isfinite(ev[g]) and ev[g] != np.inf:
            ev[g] = -np.inf
        state[g, 0], state[g, 1], state[g, 2] = a0, a1, beta


@numba.njit(**JIT)
def invert3(H, Hinv):
    """Hinv = H^-1 for a symmetric positive definite 3 x 3 H, by cofactors after scaling H to a unit
    diagonal (so that its sizes, beta N against ALPHA_MIN, cost no digits); returns ln det H, or nan
    where H is not positive definite."""
    if H[0, 0] <= 0 or H[1, 1] <= 0 or H[2, 2] <= 0:
        return np.nan
    d0, d1, d2 = math.sqrt(H[0, 0]), math.sqrt(H[1, 1]), math.sqrt(H[2, 2])
    b, c, e = H[0, 1] / (d0 * d1), H[0, 2] / (d0 * d2), H[1, 2] / (d1 * d2)  # [[1, b, c], [b, 1, e], [c, e, 1]]
    c00, c01, c02, c11, c12, c22 = 1 - e * e, c * e - b, b * e - c, 1 - c * c, b * c - e, 1 - b * b
    det = c00 + b * c01 + c * c02
    if not det > 0:
        return np.nan
    Hinv[0, 0], Hinv[1, 1], Hinv[2, 2] = c00 / (det * d0 * d0), c11 / (det * d1 * d1), c22 / (det * d2 * d2)
    Hinv[0, 1] = Hinv[1, 0] = c01 / (det * d0 * d1)
    Hinv[0, 2] = Hinv[2, 0] = c02 / (det * d0 * d2)
    Hinv[1, 2] = Hinv[2, 1] = c12 / (det * d1 * d2)
    return math.log(det) + 2 * (math.log(d0) + math.log(d1) + math.log(d2))


def as_network(kink, net, u):
    """The kink as the parameters (P,) of the relu network `net` (one input, one output, an output
    bias, H >= 2): neuron 0 holds the line c1 u + c0 (line.as_network), neuron 1 is relu(u - t) with
    output weight c2."""
    # the line's part: c1 u + c2 relu(u - t) + c0 is at_centre at the features' mean (u's, relu's): c1 (u - u's)
    # + at_centre - c2 relu's, plus c2 relu(u - t)
    centre, at_centre = kink["centre"], kink["at_centre"] - kink["C"][1] * kink["centre"][1]
    p = line_network({"C": kink["C"][:1], "centre": centre[:1], "at_centre": at_centre}, net, u)
    H = net.H
    p[1] = 1.0                        # W[1, 0]
    p[H + 1] = -kink["knot"]          # b[1]
    p[2 * H + 1] = kink["C"][1, 0]    # A[0, 1]
    return p


def posterior_on_network(kink, net, p, u):
    """The posterior covariance of (c1, c2, c0) and the kink's place t, carried onto the network's
    parameters p (as_network's; u the training points): c1 = a_0 w_0 with a_0 fixed moves w_0 by
    dc1 / a_0, c2 is a_1, c0 the output bias and t is -b_1. (P, P), zero elsewhere.

    The place is Laplace's, as a network's biases are: linearized, a move dt of the kink moves y_hat
    by -c2 1[u > t] dt, one more feature (a step at t) beside [u, relu(u - t), 1], with a flat prior;
    the covariance is (2 H)^-1 of the four. Where that is singular (c2 = 0), t is held fixed."""
    H = net.H
    X = np.concatenate([features(u, kink["knot"]), np.ones((len(u), 1))], axis=1)
    step = -kink["C"][1, 0] * (u[:, 0] > kink["knot"])  # d y_hat / d t
    with_place = np.zeros((4, 4))
    with_place[:3, :3] = kink["H"]
    with_place[:3, 3] = with_place[3, :3] = kink["beta"] * (X.T @ step)
    with_place[3, 3] = kink["beta"] * float(step @ step)
    cov_kink = inverse(2 * with_place)
    if not (np.isfinite(cov_kink).all() and np.all(np.diag(cov_kink) > 0)):
        cov_kink = np.zeros((4, 4))
        cov_kink[:3, :3] = inverse(2 * kink["H"])
    a0 = p[2 * H]
    idx = [0, 2 * H + 1, net.P - 1, H + 1]  # w_0, a_1, the output bias, b_1
    scale = np.array([1.0 / a0 if a0 > 0 else 0.0, 1.0, 1.0, -1.0])
    cov = np.zeros((net.P, net.P))
    cov[np.ix_(idx, idx)] = cov_kink * np.outer(scale, scale)
    return cov
