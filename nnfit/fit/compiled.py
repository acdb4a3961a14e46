"""One Levenberg-Marquardt epoch compiled (Numba): the same arithmetic as lm.py's NumPy step, one start
at a time instead of one NumPy call per array, for the small networks fit mode trains.

Why: with 1 to 16 starts on 60 to 5000 points an epoch's arithmetic takes tens of microseconds, and the
NumPy step spent about 1 ms of it calling NumPy (some 150 calls of a few microseconds each): at 5000
points that was most of a fit's time, and on easy curves (a line, a logistic) it made nnfit slower than
scikit-learn's lbfgs. lm.py keeps the NumPy step as the readable reference (lm.COMPILED = False runs it);
tests/test_fit.py checks that the two give the same epochs to round-off.

Per start k in idx, with H = beta J^T J + diag(alpha_p) (alpha_p: each parameter's alpha):

    ok      J^T J finite; otherwise the start is marked bad (lm.py stops it: "numbers went bad")
    share   with Bayesian regularization, each parameter's part of gamma from the J^T J it stepped with:
            1 - [M^-1]_jj, M = beta D^-1 J^T J D^-1 + I, D = diag(sqrt alpha_p) (lm._scaled_data_hessian)
    tries   (H + mu I) delta = beta J^T r + alpha_p p, solved by Cholesky after equilibrating by the
            diagonal; p - delta kept when F = beta sum r^2 + sum alpha_p p^2 falls; mu by Nielsen's rule
            or MATLAB's fixed factors, as lm.py; mu past mu_max, or max_tries failed tries (lm.MAX_TRIES),
            ends the tries (gave_up); with
            `accelerate`, Transtrum and Sethna's geodesic acceleration (lm._accelerate)
    after   r, J^T J and J^T r at the new p, from the accepted try's forward pass (network.curvature:
            J^T J from the residuals `rows` only, times `scale`, on large data)
    update  with Bayesian regularization, alpha and beta from the shares (lm._update_regularization);
            then the tests step makes on every start: the gradient below min_grad, E_D not finite

The sigmoid is computed as (e^(-z/64))^64 with a Taylor polynomial (sigmoid below), which the compiler
vectorizes where libm's exp is one call per value: the forward pass is 2x faster, within 1e-14 of the
exact value.

The parameter layout is network.py's: p = (W row by row (H, d), b (H), A row by row (k, H)[, c (k)]).
Activation codes are activations.CODES's: 0 sigmoid, 1 tanh, 2 relu.
"""
import math

import numba
import numpy as np

from ..engines.manual import cache_where_numba_cannot

cache_where_numba_cannot()  # (manual.py has done it already on import; kept for a reader of this file alone)

JIT = dict(cache=True, error_model="numpy", nogil=True)


@numba.njit(**JIT)
def sigmoid(z):
    """1 / (1 + e^-z) in arithmetic the compiler can vectorize (libm's exp is a call per value, most of a
    forward pass's time): e^-z = (e^(-z/64))^64, e^u for |u| <= 40/64 by its Taylor polynomial to u^14
    (error 2e-17), then six squarings: within 1e-14 of the exact value. Beyond |z| = 40 the sigmoid is 0
    or 1 to float64's precision next to 1 (activations.sigmoid's tanh form also gives exactly 0 there)."""
    u = -min(max(z, -40.0), 40.0) * (1.0 / 64.0)
    e = 1.0 / 87178291200.0
    e = e * u + 1.0 / 6227020800.0
    e = e * u + 1.0 / 479001600.0
    e = e * u + 1.0 / 39916800.0
    e = e * u + 1.0 / 3628800.0
    e = e * u + 1.0 / 362880.0
    e = e * u + 1.0 / 40320.0
    e = e * u + 1.0 / 5040.0
    e = e * u + 1.0 / 720.0
    e = e * u + 1.0 / 120.0
    e = e * u + 1.0 / 24.0
    e = e * u + 1.0 / 6.0
    e = e * u + 0.5
    e = e * u + 1.0
    e = e * u + 1.0
    e = e * e
    e = e * e
    e = e * e
    e = e * e
    e = e * e
    e = e * e
    h = 1.0 / (1.0 + e)
    return 0.0 if z < -40.0 else (h if z == z else z)  # NaN stays NaN (the clamp would make it a number)


@numba.njit(**JIT)
def act(code, z):
    if code == 0:
        return sigmoid(z)
    if code == 1:
        return math.tanh(z)
    return relu(z)


@numba.njit(**JIT)
def relu(z):
    return 0.0 if z <= 0.0 else z  # NaN stays NaN, as np.maximum(z, 0) keeps it


@numba.njit(**JIT)
def prime(code, h):
    """act'(z) from h = act(z) alone (relu: h > 0 where z > 0), so that z need not be kept: on thousands
    of points the passes over (N, H) arrays are bound by memory, not arithmetic."""
    if code == 0:
        return (1.0 - h) * h
    if code == 1:
        return 1.0 - h * h
    return 1.0 if h > 0.0 else 0.0


@numba.njit(**JIT)
def second(code, h):
    if code == 0:
        return h * (1.0 - 3.0 * h + 2.0 * h * h)  # sigma'' = sigma (1 - sigma) (1 - 2 sigma)
    if code == 1:
        return 2.0 * h * (h * h - 1.0)
    return 0.0


@numba.njit(**JIT)
def forward(p, x, y, d, H, k, bias, code, Hh, r):
    """h (N, H) into Hh and r = y_hat - y (N k,) into r, at p; returns sum r^2. z goes into Hh first, and
    the activation then runs over it in one flat loop, which the compiler vectorizes."""
    base, N = H * (d + 1), x.shape[0]
    for n in range(N):
        for i in range(H):
            s = p[H * d + i]  # b_i
            for c in range(d):
                s += p[i * d + c] * x[n, c]  # W_ic x_c
            Hh[n, i] = s
    h = Hh[:N].ravel()
    if code == 0:
        for t in range(h.shape[0]):
            h[t] = sigmoid(h[t])
    elif code == 1:
        for t in range(h.shape[0]):
            h[t] = math.tanh(h[t])
    else:
        for t in range(h.shape[0]):
            h[t] = relu(h[t])
    total = 0.0
    for n in range(N):
        for j in range(k):
            s = p[H * (d + 1 + k) + j] if bias else 0.0  # c_j
            for i in range(H):
                s += p[base + j * H + i] * Hh[n, i]  # A_ji h_i
            e = s - y[n, j]
            r[n * k + j] = e
            total += e * e
    return total


@numba.njit(**JIT)
def jacobian_row(p, x, d, H, k, bias, code, Hh, n, j, row):
    """Row (n, j) of J = dr/dp into row (P,): the chain rule of network.py's docstring."""
    base = H * (d + 1)
    if k > 1:
        row[:] = 0.0  # the other outputs' weights
    for i in range(H):
        g = p[base + j * H + i] * prime(code, Hh[n, i])  # A_ji act'(z_ni)
        row[H * d + i] = g
        for c in range(d):
            row[i * d + c] = g * x[n, c]
        row[base + j * H + i] = Hh[n, i]
    if bias:
        row[H * (d + 1 + k) + j] = 1.0


@numba.njit(**JIT)
def curvature(p, x, d, H, k, bias, code, Hh, r, rows, scale, Js, JtJ, Jtr):
    """J^T J (P, P) and J^T r (P,) of one start from its forward pass (Hh, r), in place
    (network.curvature): J^T J from the residuals `rows` only (their rows of J into Js), times scale,
    and J^T r over every residual (from Js where rows are all of them, else backpropagated)."""
    Jtr[:] = 0.0
    if rows.shape[0] == r.shape[0]:
        for n in range(x.shape[0]):
            for j in range(k):
                row = Js[n * k + j]
                jacobian_row(p, x, d, H, k, bias, code, Hh, n, j, row)
                e = r[n * k + j]
                for a in range(row.shape[0]):
                    Jtr[a] += row[a] * e
    else:
        base = H * (d + 1)
        for n in range(x.shape[0]):
            for j in range(k):
                e = r[n * k + j]
                for i in range(H):
                    g = p[base + j * H + i] * prime(code, Hh[n, i]) * e  # A_ji act'(z_ni) e
                    Jtr[H * d + i] += g
                    for c in range(d):
                        Jtr[i * d + c] += g * x[n, c]
                    Jtr[base + j * H + i] += Hh[n, i] * e
                if bias:
                    Jtr[H * (d + 1 + k) + j] += e
        for m in range(rows.shape[0]):
            jacobian_row(p, x, d, H, k, bias, code, Hh, rows[m] // k, rows[m] % k, Js[m])
    JtJ[:, :] = np.dot(Js.T, Js)  # (BLAS: 4x faster here than the rows' outer products summed in a loop)
    if scale != 1.0:
        for a in range(JtJ.shape[0]):
            for b in range(JtJ.shape[1]):
                JtJ[a, b] *= scale


@numba.njit(**JIT)
def along(p, v, x, d, H, k, bias, code, points, scale, out, z, h, dz, row):
    """J^T r_vv (P,) into out, for lm._accelerate: r_vv (network.along) is the second derivative of the
    residuals along v (even in v), d2 y_hat_nj = 2 sum_i B_ji act'(z_ni) z'_ni + sum_i A_ji act''(z_ni) z'_ni^2
    with z' = V x + e; at the points `points` only, times scale."""
    out[:] = 0.0
    base = H * (d + 1)
    for m in range(points.shape[0]):
        n = points[m]
        for i in range(H):
            s, t = p[H * d + i], v[H * d + i]  # z_i = W_i x + b_i and z'_i = V_i x + e_i
            for c in range(d):
                s += p[i * d + c] * x[n, c]
                t += v[i * d + c] * x[n, c]
            z[i], dz[i] = s, t
            h[i] = act(code, s)
        for j in range(k):
            yvv = 0.0
            row[:] = 0.0  # d r_nj / dp
            for i in range(H):
                d1 = prime(code, h[i])
                yvv += 2.0 * v[base + j * H + i] * d1 * dz[i] + p[base + j * H + i] * second(code, h[i]) * dz[i] * dz[i]
                g = p[base + j * H + i] * d1
                row[H * d + i] = g
                for c in range(d):
                    row[i * d + c] = g * x[n, c]
                row[base + j * H + i] = h[i]
            if bias:
                row[H * (d + 1 + k) + j] = 1.0
            for a in range(row.shape[0]):
                out[a] += row[a] * yvv
    for a in range(out.shape[0]):
        out[a] *= scale


@numba.njit(**JIT)
def cholesky(M, L):
    """L (P, P) lower with L L^T = M; False where M is not (numerically) positive definite."""
    P = M.shape[0]
    L[:, :] = 0.0
    for j in range(P):
        s = M[j, j]
        for m in range(j):
            s -= L[j, m] * L[j, m]
        if not (s > 0.0) or not math.isfinite(s):
            return False
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, P):
            t = M[i, j]
            for m in range(j):
                t -= L[i, m] * L[j, m]
            L[i, j] = t / L[j, j]
    return True


@numba.njit(**JIT)
def solve_damped(M, g, delta, Ms, L, dd, tmp):
    """delta from M delta = g, equilibrated by M's diagonal (lm.solve_each), by Cholesky; NaN when M
    cannot be factored."""
    P = M.shape[0]
    for a in range(P):
        dd[a] = 1.0 / math.sqrt(max(M[a, a], 1e-300))
    for a in range(P):
        for b in range(P):
            Ms[a, b] = dd[a] * M[a, b] * dd[b]
    if not cholesky(Ms, L):
        delta[:] = np.nan
        return
    for a in range(P):  # L t = dd g
        s = dd[a] * g[a]
        for m in range(a):
            s -= L[a, m] * tmp[m]
        tmp[a] = s / L[a, a]
    for a in range(P - 1, -1, -1):  # L^T u = t
        s = tmp[a]
        for m in range(a + 1, P):
            s -= L[m, a] * tmp[m]
        tmp[a] = s / L[a, a]
    for a in range(P):
        delta[a] = dd[a] * tmp[a]


@numba.njit(**JIT)
def gamma_shares(A, alpha_p, beta, share, M, L, Linv, dd):
    """Each parameter's part of gamma, 1 - [M^-1]_jj (clipped to [0, 1]), into share (P,); returns
    ln det M, or NaN where M cannot be factored (lm._scaled_data_hessian)."""
    P = A.shape[0]
    for a in range(P):
        dd[a] = 1.0 / math.sqrt(alpha_p[a])
    for a in range(P):
        for b in range(P):
            M[a, b] = beta * dd[a] * A[a, b] * dd[b]
        M[a, a] += 1.0
    if not cholesky(M, L):
        return np.nan
    logdet = 0.0
    Linv[:, :] = 0.0
    for j in range(P):  # L^-1, column by column (lower triangular)
        logdet += 2.0 * math.log(L[j, j])
        Linv[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, P):
            s = 0.0
            for m in range(j, i):
                s -= L[i, m] * Linv[m, j]
            Linv[i, j] = s / L[i, i]
    for j in range(P):  # [M^-1]_jj = sum_i (L^-1)_ij^2
        s = 0.0
        for i in range(j, P):
            s += Linv[i, j] * Linv[i, j]
        share[j] = min(max(1.0 - s, 0.0), 1.0)
    return logdet


@numba.njit(**JIT)
def accelerated(delta, damped, Jt_rvv, beta, ratio, acc, Ms, L, dd, tmp):
    """delta - a / 2 in place, a = -(damped)^-1 beta J^T r_vv, where 2 |a| <= ratio |delta| (lm._accelerate)."""
    for a in range(Jt_rvv.shape[0]):
        Jt_rvv[a] *= -beta
    solve_damped(damped, Jt_rvv, acc, Ms, L, dd, tmp)
    size, big = 0.0, 0.0
    for a in range(delta.shape[0]):
        size += delta[a] * delta[a]
        big += acc[a] * acc[a]
    if 2.0 * math.sqrt(big) <= ratio * math.sqrt(size):  # (False for NaN)
        for a in range(delta.shape[0]):
            delta[a] -= acc[a] / 2.0


@numba.njit(**JIT)
def nielsen_damping(better, mu, nu, F, F_new, delta, gF, Hm):
    """The next (mu, nu) by Nielsen's rule from the gain ratio rho, the actual over the predicted fall of F
    (2 g.delta - delta^T H delta): after a kept step mu times max(1/3, 1 - (2 rho - 1)^3), after a failed
    one mu times nu, nu doubling."""
    if not better:
        return mu * nu, nu * 2.0
    pred = 0.0
    for a in range(delta.shape[0]):
        q = 0.0
        for b in range(delta.shape[0]):
            q += Hm[a, b] * delta[b]
        pred += 2.0 * delta[a] * gF[a] - delta[a] * q
    rho = (F - F_new) / max(pred, 1e-300)
    c = 2.0 * min(max(rho, 0.0), 1.0) - 1.0
    return max(mu * max(1.0 / 3.0, 1.0 - c * c * c), 1e-300), 2.0


@numba.njit(**JIT)
def hyperparameters(p, r, share, group, free, ard, alpha_min, alpha_max, gam, ssw, alpha, gammas, beta, s):
    """One start's gamma per group from its parameters' shares, alpha_g = gamma_g / (2 E_W,g) and
    beta[s] = (N - gamma) / (2 E_D), in place (lm._update_regularization)."""
    G, Nk = alpha.shape[0], r.shape[0]
    gam[:], ssw[:] = 0.0, 0.0
    for a in range(p.shape[0]):
        gam[group[a]] += share[a]
        ssw[group[a]] += p[a] * p[a]
    total = 0.0
    for g in range(G):
        total += gam[g]
    cap = Nk - 1.0 if Nk > 1 else 0.5
    if total > cap:
        for g in range(G):
            gam[g] *= cap / max(total, 1e-300)
    total, shared_gam, shared_ssw = 0.0, 0.0, 0.0
    for g in range(G):
        total += gam[g]
        gammas[g] = gam[g]
        alpha[g] = gam[g] / (2.0 * max(ssw[g], 1e-300))
        if g < ard:
            shared_gam += gam[g]
            shared_ssw += ssw[g]
    for g in range(ard):  # the inputs' weights share one alpha at first
        alpha[g] = shared_gam / (2.0 * max(shared_ssw, 1e-300))
    if free >= 0:
        alpha[free] = alpha_min
    for g in range(G):
        alpha[g] = min(max(alpha[g], alpha_min), alpha_max)
    sse = 0.0
    for n in range(Nk):
        sse += r[n] * r[n]
    beta[s] = (Nk - total) / (2.0 * max(sse, Nk * 1e-30))


@numba.njit(**JIT)
def lm_epoch(x, y, rows, points, scale, codes, d, H, k, bias, idx, p, r, JtJ, Jtr, alpha_p, beta, mu, nu,
             bayes, warm, nielsen, mu_down, mu_up, mu_max, max_tries, mu_floor, accelerate, ratio, fall, bad, gave_up, shared,
             group, alpha, gammas, free, ard, alpha_min, alpha_max, min_grad, small, nonfinite, e_d):
    """One epoch for the starts idx, in place (see the module's docstring). Per start: bad (J^T J not
    finite), gave_up (mu passed mu_max, or max_tries tries failed), shared (share holds its gamma parts), fall (F's fall; times
    `nats` in lm.py). rows: the residuals J^T J is taken from (all of them, or a subset times scale), points:
    their points. accelerate: add the geodesic acceleration where 2 |a| <= ratio |delta| (lm._accelerate).
    Then, with Bayesian regularization, each start's (but a warm start's: plain LM) new alpha (K, G) and beta from its gamma shares
    (lm._update_regularization: group, the parameters' groups; free, the output bias's group or -1; ard,
    the input groups that still share one alpha, or 0), and per start: small (the gradient of F / N
    below min_grad), nonfinite (E_D is not finite) and e_d (E_D at the start's new p: kept where J^T J
    was not finite)."""
    P = p.shape[1]
    N = x.shape[0]
    Hm, damped, Ms, L, Linv = np.empty((P, P)), np.empty((P, P)), np.empty((P, P)), np.empty((P, P)), np.empty((P, P))
    gF, delta, trial, dd, tmp = np.empty(P), np.empty(P), np.empty(P), np.empty(P), np.empty(P)
    rvv, acc, row, z, h, dz = np.empty(P), np.empty(P), np.empty(P), np.empty(H), np.empty(H), np.empty(H)
    share, G, Nk = np.empty(P), alpha.shape[1], r.shape[1]
    gam, ssw = np.empty(G), np.empty(G)
    Hh, rt = np.empty((N, H)), np.empty(Nk)  # the trial's forward pass
    Js = np.empty((rows.shape[0], P))
    for t in range(idx.shape[0]):
        s = idx[t]
        A = JtJ[s]
        fine = True
        for a in range(P):
            for b in range(P):
                if not math.isfinite(A[a, b]):
                    fine = False
        if not fine:
            bad[s] = True
            continue
        code = codes[s]
        if bayes and not warm[s]:
            shared[s] = not math.isnan(gamma_shares(A, alpha_p[s], beta[s], share, Ms, L, Linv, dd))
        top = 0.0
        for a in range(P):
            for b in range(P):
                Hm[a, b] = beta[s] * A[a, b]
            Hm[a, a] += alpha_p[s, a]
            gF[a] = beta[s] * Jtr[s, a] + alpha_p[s, a] * p[s, a]
            top = max(top, A[a, a])
        F = 0.0
        for n in range(Nk):
            F += r[s, n] * r[s, n]
        F *= beta[s]
        for a in range(P):
            F += alpha_p[s, a] * p[s, a] * p[s, a]
        floor = mu_floor * beta[s] * top + 1e-300
        tries = 0
        while True:
            m = max(mu[s], floor)
            for a in range(P):
                for b in range(P):
                    damped[a, b] = Hm[a, b]
                damped[a, a] += m
            solve_damped(damped, gF, delta, Ms, L, dd, tmp)
            if accelerate:
                along(p[s], delta, x, d, H, k, bias, code, points, scale, rvv, z, h, dz, row)
                accelerated(delta, damped, rvv, beta[s], ratio, acc, Ms, L, dd, tmp)
            for a in range(P):
                trial[a] = p[s, a] - delta[a]
            F_new = beta[s] * forward(trial, x, y, d, H, k, bias, code, Hh, rt)
            for a in range(P):
                F_new += alpha_p[s, a] * trial[a] * trial[a]
            better = math.isfinite(F_new) and F_new < F
            if better:
                p[s, :] = trial
                r[s, :] = rt
                fall[s] = F - F_new
            if nielsen:
                mu[s], nu[s] = nielsen_damping(better, m, nu[s], F, F_new, delta, gF, Hm)
            elif better:
                mu[s] = max(m * mu_down, 1e-300)
            else:
                mu[s] = m * mu_up
            if better:  # r, J^T J and J^T r at the new p, from the accepted try's forward pass
                curvature(p[s], x, d, H, k, bias, code, Hh, r[s], rows, scale, Js, JtJ[s], Jtr[s])
                break
            tries += 1
            if not (mu[s] <= mu_max) or tries >= max_tries:  # NaN too
                gave_up[s] = True
                break
        if bayes and shared[s]:
            hyperparameters(p[s], r[s], share, group, free, ard, alpha_min, alpha_max, gam, ssw, alpha[s], gammas[s], beta, s)
        sse, size = 0.0, 0.0
        for n in range(Nk):
            sse += r[s, n] * r[s, n]
        for a in range(P):  # the gradient of F / N: 2 (beta J^T r + alpha p) / N
            g = 2.0 * (beta[s] * Jtr[s, a] + alpha[s, group[a]] * p[s, a]) / Nk
            size += g * g
        small[s] = math.sqrt(size) < min_grad
        nonfinite[s] = not math.isfinite(sse)
        e_d[s] = sse


@numba.njit(**JIT)
def curvatures(x, y, rows, scale, codes, d, H, k, bias, p, r, JtJ, Jtr):
    """r (K, N k), J^T J (K, P, P) and J^T r (K, P) of every start, in place (network.curvature)."""
    P, N = p.shape[1], x.shape[0]
    Hh = np.empty((N, H))
    Js = np.empty((rows.shape[0], P))
    for s in range(p.shape[0]):
        forward(p[s], x, y, d, H, k, bias, codes[s], Hh, r[s])
        curvature(p[s], x, d, H, k, bias, codes[s], Hh, r[s], rows, scale, Js, JtJ[s], Jtr[s])


@numba.njit(**JIT)
def jacobian(x, y, code, d, H, k, bias, p, r, J):
    """r (N k,) and J = dr/dp (N k, P) of one network p (P,), in place (network.jacobian)."""
    N = x.shape[0]
    Hh = np.empty((N, H))
    forward(p, x, y, d, H, k, bias, code, Hh, r)
    for n in range(N):
        for j in range(k):
            jacobian_row(p, x, d, H, k, bias, code, Hh, n, j, J[n * k + j])


def residuals_and_jacobian(p, x, y, shape, activation):
    """r (N k,) and J (N k, P) of one network p (P,) with one activation (a name) on x (N, d), y (N, k):
    network.jacobian's numbers, compiled."""
    from ..activations import CODES
    x, y, p = (np.ascontiguousarray(a, dtype=np.float64) for a in (x, y, p))
    r, J = np.empty(y.size), np.empty((y.size, shape.P))
    jacobian(x, y, CODES[activation], shape.d, shape.H, shape.k, bool(shape.bias), p, r, J)
    return r, J
