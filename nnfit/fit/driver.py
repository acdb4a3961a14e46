"""Fit mode's driver: split, scale, draw the starts, run the optimizer epoch by epoch, keep the best,
measure. The optimizers themselves live in lm.py and first_order.py.

    split     seeded train / validation / test indices (70/15/15; none below 20 points; with
              Bayesian regularization every point trains unless a test share is asked for)
    scale     x and y standardized (or mapped to [-1, 1]) on the training points; the model keeps the
              scaling and predicts in the user's units
    starts    K starts drawn from SeedSequence(seed): independent for every seed; w and b from N(0, 1),
              for LM every other one's times 0.4 (START_SCALES); with activation auto and Bayesian
              regularization half of them sigmoid networks, half relu (candidates, AUTO)
    epochs    one optimizer step per epoch for every active start; a start stops on its own rule
              (mu_max, min_grad, stalled, settled: SETTLE, patience); on 1000 points or more the
              worse half of the starts is dropped at a few epochs (prune), and with LM and no
              validation split (the default) the starts race that way on a random 500 of the points,
              then the winner goes on alone on all of them (race; unless, refined, it still fits
              them worse than the race's noise allows: representative); the best start's training
              MSE below `goal` ends the fit
    origin    with Bayesian regularization, one input and standardized x, below the race: the starts
              run again with x's origin at its smallest and at its largest value (new starts, the same
              scale), and the evidence chooses the frame with the activation (ORIGIN_FRAMES,
              ORIGIN_MARGIN): the bias prior is centred at the origin, and some curves bend at an edge
    best      Bayesian regularization: the activation with the largest evidence (with activation auto, relu's
              only if larger than sigmoid's by AUTO_MARGIN), and of its starts within LOO_MARGIN nats of
              its best evidence, the one with the lowest approximate leave-one-out error; early stopping: the
              lowest validation MSE at its best epoch; otherwise the lowest training MSE; never
              worse than the constant mean of y on the training points (no_worse_than_the_mean)
"""
import contextlib
import math
import os
import sys
import threading
import time
from dataclasses import replace

import numpy as np

from ..config import ConfigError
from ..data import DataError, warn_data
from ..diagnostics import fit_warnings
from ..i18n import _
from ..train import TrainingDiverged
from .config import MIN_SPLIT_POINTS
from .first_order import LBFGS, RULES, Descent
from .line import as_network as line_network, fit_line, loo_rmse as line_loo_rmse, posterior_on_network as line_posterior
from .kink import as_network as kink_network, features as kink_features, fit_kink, posterior_on_network as kink_posterior
from .lm import MU_FLOOR, LevenbergMarquardt, solve_each
from .network import PerStart, Shape, forward, jacobian, of_starts, residuals

RIDGE = 1e-4                 # the starts' least-squares output weights: ridge, relative to mean diag(h^T h);
                             # 1e-8 gave output weights in the hundreds that cancel, an ill-conditioned start LM
                             # then crept away from: at 5000 noisy points 1e-4 halved the fit's time (18 fits:
                             # 7.6 s against 15.9 s) at the same test RMSE; at 60 and 200 points it is neutral
                             # (benchmarks: 26 of 34 rows within 5% of scikit-learn either way); 1e-2 hurt (two steps)
PRUNE_POINTS = 1000          # from this many training points on, hopeless starts are dropped early;
PRUNE_WORK = 31_000          # also from this many rows x parameters (N k P, the Jacobian's size: the default 1-10-1
                             # network at PRUNE_POINTS): a large network on a few hundred points. Hidden 30 on 400 and
                             # 999 noisy points (4 functions x 3 seeds): 3-4x faster (sawtooth at 999: 12 s -> 3 s),
                             # test RMSE 0.93-1.19x, median 1.00; 3 inputs, 3 outputs, hidden 30 on 300 points: 23 s -> 5.5 s
PRUNE_AT = (3, 6, 12, 24)    # at these epochs the worse half of the running starts is dropped,
PRUNE_KEEP = 4               # down to this many
RACE_KEEP = 6                # ... and in the race (SCOUT_FROM) down to this many: with 4, on a mixture of three
                             # Gaussian bumps at 1000 points (helper-73's, 8 seeds) the starts that would win were
                             # dropped by epoch 6 (median test RMSE 0.0267 against 0.0155 at 999 points, without
                             # the race); with 6 0.0153, for about 6% more time at 5000 points
SCOUT_FROM = 1000            # from this many training points, the starts race on a subset first:
SCOUT_POINTS = 500           # this many points (1000 before SETTLE), for at most SCOUT_EPOCHS epochs; then the one
SCOUT_EPOCHS = 30            # they pick goes on. 30 epochs (60 before SETTLE): the same test RMSE over 12 functions x
                             # 5 seeds at 1000-10000 points as 60, in 10% less time at 5000; 20 scattered it more
SETTLE = 0.02                # LM stops a start once its steps have lowered F (a negative log posterior) by less than
                             # this times sqrt(N / 2) nats in lm.STALL epochs (N residuals: points times outputs):
                             # sqrt(N / 2) is the spread of the data's log-likelihood itself, so that is 2% of what
                             # chance alone moves it by (0.11 nat at 60 points, 1 at 5000). Without it, starts ran
                             # until E_D and gamma stalled: at 60-200 points 3-4x the time for the same test RMSE
                             # (the benchmark's 34 noisy rows: 28 within 5% of scikit-learn either way, geometric
                             # mean 0.61), and at 5000 points a step's refinement crept on for hundreds of epochs
START_SCALES = (1.0, 0.4)    # the starts' weights: N(0, 1) and N(0, 0.4^2) in turn. Smaller weights begin nearer the
                             # linear part of each sigmoid, and there Bayesian regularization finds the smooth fits
                             # (fewer effective parameters) of smooth curves: on 18 of the benchmark's noisy rows
                             # exp(x) at 60 points went from 1.32x scikit-learn's error to 0.97x and x^2 at 200 from
                             # 1.10x to 1.03x; all-small (0.5) or 1 / 0.25 helped less (13-14 of 18 within 5%, not 15)
AUTO = ("sigmoid", "relu")  # activation "auto" (the default) with Bayesian regularization: both, half the starts each,
                             # the larger evidence kept. On the benchmark's 34 noisy rows (60 and 200 points) it took
                             # relu on every seed of |x| and max(0, x) and sigmoid on every seed of the smooth curves
AUTO_MARGIN = 1.0            # ... larger by more than this (nats): relu replaces sigmoid only on positive evidence, a
                             # Bayes factor over e (Kass and Raftery's "positive"). On the tutorial's 10 points relu's
                             # starts all died to the constant mean, whose evidence was 0.004 nat above sigmoid's fit
LOO_MARGIN = 3.0             # nats: of one activation's starts whose log evidence is within this of its best, the one with
                             # the lowest approximate leave-one-out error (loo_rmse) is kept. The Laplace evidence's error
                             # between a network's modes is of this order: on x^3 - x at 60 points it preferred one-neuron
                             # fits by 1-2 nats to the two-neuron fits the curve needs, 1.31x scikit-learn's test RMSE over
                             # 24 seeds (0.99x with this rule). The benchmark's 34 noisy rows, 24 seeds: 33 within 5% of
                             # scikit-learn's logistic (34 of its relu) where evidence alone gave 33 (33); 8 seeds: 32 (33)
                             # where it gave 31 (33); margins 1 and 2 did less. Not in the race on large data: there it
                             # was neutral (test RMSE geometric mean 0.99-1.01 over 12 functions x 5 seeds x 2000-10000
                             # points) and cost 1.4 ms of a 33 ms fit
ORIGIN_FRAMES = ("min", "max")  # with Bayesian regularization, one input and standardized x (the defaults, below the
                             # race), the starts run three times: x's origin at its mean, at its smallest and at its
                             # largest training value (the scale kept, new starts each time; other_origins). The prior on
                             # the biases is centred at the origin, so a curve whose feature sits at an edge of x costs a
                             # mean-centred fit a bias of several times its weight: log(1 + x) and sqrt x (left edge)
                             # were 1.13-1.54x scikit-learn's test RMSE, log(5 - x) and tan x (right edge) up to 1.46x.
                             # It triples the time of a small fit
ORIGIN_MARGIN = 1.0          # nats: of every activation's best fit in every frame, the first within this of the largest
                             # log evidence is kept, sigmoid's before relu's, at the mean before the smallest before the
                             # largest (AUTO_MARGIN's rule over all of them). Over the benchmark's 79 noisy rows and 42
                             # held-out ones (8 seeds), with lm.WARM_GAMMA: within 5% of scikit-learn's logistic 90 -> 96
                             # (97 with the smallest value alone); 46 functions at 80 points with noise 0.6 of their std:
                             # exp(-x) 1.57 -> 1.00, log(5 - x) 1.43 -> 1.01, tan x 1.28 -> 1.05. The largest value helped
                             # these and cost x^5 - 2x^3 + x at 30 points 0.88 -> 1.27 and softplus at 100 and 300 points
                             # 1.06 -> 1.13. Each frame judged by its own kept fit left exp(-x) at 1.57 (relu at the mean
                             # beat sigmoid there, and lost to sigmoid at the edge); margins 2 and 3, for the frames alone
                             # or for the activations too, lost the edge gains or relu's rows; the other frames' starts
                             # pruned as on large data (PRUNE_AT) took half the time and lost the edge gains
LINE = True                  # with Bayesian regularization (and activation auto or relu) the straight line is one more
                             # candidate, kept where its log evidence (closed form, line.py) is larger than every network's
LINE_MARGIN = 0.5            # ... by more than this (nats). On true lines the line's evidence is 0.6-2.5 nats above the
                             # networks' (0.6-0.7 with hidden 1-5, whose networks are nearly lines themselves), and its test
                             # RMSE 0.5-0.9x theirs. Over 2 lines x 6 sizes and 6 near-lines x 4 sizes (30-1000 points, 8
                             # seeds, hidden 10), rows within 5% of scikit-learn's relu | logistic: margin 0 -> 1 miss | 5,
                             # 0.5 -> 1 | 6, 1 -> 4 | 7 (lines at 30-100 points 1.06-1.34x relu's), 1.5 -> 5 | 10; on the
                             # benchmark's 121 rows 0.5 moves no row (one fit of 968 is a curve taken for a line, 1.5x
                             # worse), 0 three fits. The cost: a slight curve can be taken for a line (x + 0.1 x^3 at 300
                             # points, 5 of 8 seeds, 1.25x the network's test RMSE, still 0.7x and 0.97x scikit-learn's)
KINK_SURE = 20.0             # nats: after a race, the kink is fitted on the race's points first, and on every point
                             # only where its log evidence there is within this of the race's winner's (a curve's gap
                             # grows with the points: a kink 20 nats behind on 500 of them is hundreds behind on 5000;
                             # a kink truth is ahead there). The logistic curve at 5000 points (a gap of 235 nats):
                             # 31.2-32.1 ms a fit against 33.1-34.3; 144 fits of curves and corners at 1000-5000
                             # points the same models as with the kink fitted on every point
HOLD = 1e-3                  # the relu network that holds the line or the kink fits the training points no worse than
                             # it by more than this share of y's variance, or the candidate is not kept (driver.holds)
EXACT = 1e-12                # the line fits every point exactly where its training MSE (scaled units) is below this
MIN_DOF = 2.0                # a Bayesian fit keeps no posterior where the noise's degrees of freedom (N - gamma, per
                             # output) are at most this: the predictive Student t then has no finite variance (helper-66:
                             # 3 points, gamma capped at 2, beta ~1e12, a "95%" interval that held none of 5 new points)
NOISE_FLOOR = 1e-6           # with several outputs, each one's noise variance is at least this times the shared one
LINE_SURE = 20.0             # nats: after a race, the refined winner's evidence from J^T J's estimate (lm.HESSIAN_POINTS)
                             # decides against the line where it is larger by more than this; else the exact one does
KINK = True                  # with one input and one output the kink (two straight pieces, kink.py) is one more candidate,
                             # kept where its log evidence is larger than the networks' and the line's
KINK_MARGIN = 2.0            # ... by more than this (nats). Over the benchmark's 121 rows (8 seeds, simulated from the saved
                             # fits): margins 0, 0.5, 1, 2, 3, 5 nats took the kink on 114, 75, 59, 42, 34, 18 of 968 fits;
                             # rows within 5% of scikit-learn's logistic | relu: 96 | 118, 95 | 118, 95 | 118, 96 | 118,
                             # 96 | 118, 96 | 116 (96 | 116 without it). At 2, 4 of the 42 were curves (a cusp at 60
                             # points 1.33x worse, tan x at 100 1.6x, two within 2%); the kinks it took: |x|, max(0, x)
                             # and |x - 0.3| at 60-300 points, 0.68-0.97x the network's test RMSE
WHERE = {"mean": "mean", "min": "smallest value", "max": "largest value"}
SATURATED = 20.0             # unscaled inputs beyond this size start every sigmoid or tanh neuron saturated (w, b
                             # ~ N(0, 1): sin x on [20, 30] kept R^2 0); the tutorial's x reaches 10



def inputs_text(d):
    """"1 input" or "3 inputs", for messages."""
    return _("1 input") if d == 1 else _("{d} inputs").format(d=d)


def starts_text(n):
    """"1 start" or "16 starts", for messages."""
    return _("1 start") if n == 1 else _("{n} starts").format(n=n)


def split(n, rng, val_fraction, test_fraction):
    """Seeded train / validation / test indices; all training below MIN_SPLIT_POINTS points."""
    if n < MIN_SPLIT_POINTS:
        return np.arange(n), np.arange(0), np.arange(0)
    perm = rng.permutation(n)
    t = round(test_fraction * n) if test_fraction else 0
    v = round(val_fraction * n) if val_fraction else 0
    return np.sort(perm[t + v:]), np.sort(perm[t:t + v]), np.sort(perm[:t])


def split_indices(cfg, n):
    """The train / validation / test indices of a fit of n points, as fit_points draws them: from the
    first of the seed's two streams (the starts draw from the second)."""
    bayes = cfg.bayes(n)
    test_fraction = cfg.test_fraction if cfg.test_fraction is not None else (0.0 if bayes else cfg.val_fraction)
    val_fraction = 0.0 if bayes else cfg.val_fraction
    return split(n, np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[0]), val_fraction, test_fraction)


def scaling(x, y, how):
    """Shift and scale of each column of x (N, d) and y (N, k), from the training points: numbers for
    one column, lists for more. y is always centered on its mean, so that the network's zero (all
    a_i = 0 and c = 0, where Bayesian regularization pulls) is the best constant; the saved model's
    y_shift also takes the fitted output bias c (fit_points). standard: x and y to mean 0, std 1; minmax:
    x to [-1, 1], y's half-range to 1; none: x as it is, y centered and divided by a power of two near its
    std (power_of_two_spread). A spread of 0 (every value equal) keeps the scale 1, and the shift is that
    value itself (the mean of 1e140 repeated can be a unit in the last place off it, which scaled y to
    +-2e124 instead of 0)."""
    y_shift = np.where(np.ptp(y, axis=0) == 0, y[0], np.mean(y, axis=0))
    if how == "none":
        x_shift, x_scale, y_scale = np.zeros(x.shape[1]), np.ones(x.shape[1]), power_of_two_spread(y)
    elif how == "standard":
        x_shift, x_scale, y_scale = np.mean(x, axis=0), np.std(x, axis=0), np.std(y, axis=0)
        x_shift = np.where(np.ptp(x, axis=0) == 0, x[0], x_shift)
    else:  # minmax (halves first: hi + lo overflows past 9e307)
        lo, hi = x.min(axis=0), x.max(axis=0)
        x_shift, x_scale, y_scale = hi / 2 + lo / 2, (hi - lo) / 2, (y.max(axis=0) - y.min(axis=0)) / 2
    return {"x_shift": column_values(x_shift), "x_scale": column_values(np.where(x_scale > 0, x_scale, 1.0)),
            "y_shift": column_values(y_shift), "y_scale": column_values(np.where(y_scale > 0, y_scale, 1.0))}


def power_of_two_spread(y):
    """--scale none's y scale, each column's: the power of two at or just below its std (1 where the std is 0 or
    not finite). Dividing by it is exact, so y keeps every digit, and the fit's absolute numbers (the goal,
    min_grad, the prior's bounds lm.ALPHA_MIN and ALPHA_MAX, EXACT) hold in units of y's spread: y near 1e12
    was held at its mean (alpha at its floor 1e-8 against output weights of 1e12), and y near 1e-12 met the
    goal 1e-12 before its first epoch (helper-80)."""
    with np.errstate(all="ignore"):
        spread = np.std(y, axis=0)
    ok = np.isfinite(spread) & (spread > 0)
    return np.where(ok, np.ldexp(1.0, np.frexp(np.where(ok, spread, 1.0))[1] - 1), 1.0)


def column_values(v):
    """One number per column: a float for one column (the chapter's case), else a list."""
    v = [float(e) for e in np.asarray(v).reshape(-1)]
    return v[0] if len(v) == 1 else v


def draw_starts(rng, starts, net, u, v, activation, fit_a=True):
    """K independent starts, (K, P), from N(0, 1) as the tutorial draws them (for LM, every other one
    from N(0, 0.4^2): START_SCALES), the output bias, if any, from 0. For LM (fit_a), since y_hat is
    linear in a, the output weights are then the ones that fit the training points best for those neurons (least squares with a small ridge, RIDGE): a
    start begins near the data instead of a random curve, which spares LM's first epochs and keeps
    Bayesian regularization from mistaking a bad start for noise. (First-order methods keep the
    random a: least-squares a can be large, and a fixed learning rate unstable with it.) The bias
    stays 0 (y is centered): fitting it here too, with a for centered h, made starts with a bias of
    -38 and output weights that cancel it, which LM then took 2-4x the epochs to leave."""
    p = np.zeros((starts, net.P))
    p[:, :net.weights] = rng.standard_normal((starts, net.weights))
    if not fit_a:
        return p
    p[:, :net.weights] *= np.resize(START_SCALES, starts)[:, None]
    return least_squares_outputs(p, net, u, v, activation)


def least_squares_outputs(p, net, u, v, activation):
    """p (K, P) with its output weights replaced, in place, by the least-squares ones for its neurons
    on the points (u, v) (see draw_starts)."""
    _z, h, _y = forward(p, u, net, activation)  # (K, N, H)
    hth = np.matmul(h.transpose(0, 2, 1), h)  # (K, H, H)
    ridge = RIDGE * np.trace(hth, axis1=1, axis2=2)[:, None, None] / net.H + 1e-12  # keeps a moderate
    A = net.split(p)[2]  # (K, k, H), a view into p
    for j in range(net.k):  # one least-squares problem per output
        a = solve_each(hth + ridge * np.eye(net.H), np.einsum("knh,n->kh", h, v[:, j]))
        A[:, j] = np.where(np.isfinite(a), a, A[:, j])
    return p


def check_memory(cfg, n, net):
    """Refuse, before allocating, a fit that would need more than half of this machine's memory."""
    P = net.P
    per_start = 8 * n * (net.k * P + 4 * cfg.hidden) + 8 * P * P * 3
    need = per_start * (1 if cfg.optimizer == "lbfgs" else cfg.starts) * 2
    try:
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        have = 8 * 2**30
    if need > have / 2 and net.d > 1 and cfg.optimizer == "lm" and per_start * 2 <= have / 2:  # (lbfgs: one start at a time)
        raise ConfigError("hidden", _("{hidden} with {inputs}, {starts} and {n} points needs about {need:.1f} GiB, "
                                       "more than half of this machine's {have:.1f} GiB; use --optimizer lbfgs, fewer inputs, "
                                       "fewer starts or a smaller hidden layer").format(
                                         hidden=cfg.hidden, inputs=inputs_text(net.d), starts=starts_text(cfg.starts), n=n, need=need / 2**30,
                                         have=have / 2**30))
    if need > have / 2 and net.d > 1:  # P grows with the inputs: H (d + k + 1) + k parameters
        raise ConfigError("hidden", _("{hidden} with {inputs}, {starts} and {n} points needs about {need:.1f} GiB, "
                                       "more than half of this machine's {have:.1f} GiB; use fewer inputs, fewer starts or a "
                                       "smaller hidden layer").format(hidden=cfg.hidden, inputs=inputs_text(net.d), starts=starts_text(cfg.starts), n=n,
                                                                      need=need / 2**30, have=have / 2**30))
    if need > have / 2:
        raise ConfigError("hidden", _("{hidden} with {starts} and {n} points needs about {need:.1f} GiB, more "
                                       "than half of this machine's {have:.1f} GiB; use fewer starts, a smaller hidden "
                                       "layer or fewer points").format(
                                         hidden=cfg.hidden, starts=starts_text(cfg.starts), n=n, need=need / 2**30, have=have / 2**30))


LM_WORK = 2e10  # floating-point operations: LM refuses a fit whose one epoch would take more (an epoch runs in compiled code
               # that Ctrl-C waits for): 30 rows of 2000 inputs at hidden 3 and 2 starts (P = 6007) ran 11 minutes; 300 inputs
               # at hidden 5 and 16 starts (5.5e10) 38 s for one epoch, 100 at hidden 10 (1.7e10) 12 s


LM_SLOW = 1e9  # ... and warns where its factorizations alone (starts x P^3) pass this: a minute or more for a fit (300
              # rows of 40 inputs at hidden 20, 9.5e9: 47-60 s; 30 rows of 100 inputs at hidden 10, 1.7e10: 342 s). Not
              # the n k P^2 of J^T J: BLAS makes it cheap, and with it 5000 x 10 (0.4 s) and 20640 x 8 (0.9 s) were warned
              # about (helper-69); the tabular benchmark's fits (442 x 10 at hidden 10: 3.6e7) stay far below


def slow_words(cfg, n, net):
    """The warning for an LM fit that may take minutes (LM_SLOW), or None."""
    if cfg.optimizer != "lm" or cfg.starts * net.P ** 3 <= LM_SLOW or lm_work(cfg, n, net) > LM_WORK:
        return None  # (past LM_WORK check_fit refuses the fit: no warning first, helper-70)
    return _("hidden {hidden} with {inputs} is {P} parameters: each Levenberg-Marquardt epoch factors a "
             "{P} x {P} matrix for each of {starts} starts, and the fit may take minutes; --optimizer lbfgs is "
             "much faster for a network this size").format(hidden=cfg.hidden, inputs=inputs_text(net.d), P=net.P, starts=cfg.starts)


def lm_work(cfg, n, net):
    """Floating-point operations of one LM epoch over every start: a few P x P factorizations (P^3 / 3 each) and
    J^T J (n k P^2) per start."""
    return cfg.starts * (3 * net.P ** 3 / 3 + n * net.k * net.P * net.P)


def check_fit(cfg, n, net):
    """The refusals of a fit of n points that do not depend on its seed, before anything is allocated or
    drawn (the CLI calls it before it says a drawn seed: a refusal after it named a seed for a run that can
    never run, helper-72): memory; an LM fit whose epochs would each take long (per start an epoch factors the
    P x P damped system a few times, P^3 / 3 each, and forms J^T J, n k P^2); a split that leaves under 2 points
    to train on."""
    check_memory(cfg, n, net)
    if cfg.optimizer == "lm" and lm_work(cfg, n, net) > LM_WORK:
        raise ConfigError("hidden", _("{hidden} with {inputs} and {starts} is {P} parameters: each "
                                       "Levenberg-Marquardt epoch would take more than about ten seconds; use fewer "
                                       "inputs, a smaller hidden layer, fewer starts or --optimizer lbfgs").format(
                                         hidden=cfg.hidden, inputs=inputs_text(net.d), starts=starts_text(cfg.starts), P=net.P))
    train = len(split_indices(replace(cfg, seed=0), n)[0])  # (how many, whatever the seed)
    if train < 2:
        raise ConfigError("val_fraction", _("and the test fraction leave {count} of {n} points to train on; "
                                            "at least 2 are needed").format(count=train, n=n))


def make_optimizer(cfg, p, u, v, net, bayes, watch, lm_options, prune_at=()):
    if cfg.optimizer == "lm":
        return LevenbergMarquardt(cfg, p, u, v, net, bayes, **lm_options)
    if cfg.optimizer == "lbfgs":
        return LBFGS(cfg, p, u, v, net, watch, first=max(prune_at) if prune_at else None)
    return Descent(cfg, p, u, v, net, RULES[cfg.optimizer])


def fit_points(cfg, x, y, progress=None, names=(None, None)):
    """Fit a validated cfg to float64 arrays x (N, d) and y (N, k) (data.as_table). Returns a Model in
    the user's units: for d = 1 and k = 1 the chapter's 1-H-1 network. names: the columns' names.
    NumPy's floating-point warnings stay inside: the fit checks for non-finite numbers itself (a start
    whose numbers go bad stops; TrainingDiverged when every start did)."""
    with np.errstate(all="ignore"), one_blas_thread():
        return _fit_points(cfg, x, y, progress, names)


def _fit_points(cfg, x, y, progress, names):
    from ..model import Model, is_covariance
    t0 = time.perf_counter()
    asked = cfg.activation
    n = len(x)
    net = Shape(x.shape[1], cfg.hidden, y.shape[1], bias=True)
    check_fit(cfg, n, net)
    slow = slow_words(cfg, n, net)
    if slow:
        warn_data(slow)
    bayes = cfg.bayes(n)
    tr, va, te = split_indices(cfg, n)
    start_rng = np.random.default_rng(np.random.SeedSequence(cfg.seed).spawn(2)[1])
    s = scaling(x[tr], y[tr], cfg.scale)
    u = (x - np.array(s["x_shift"])) / np.array(s["x_scale"])
    v = (y - np.array(s["y_shift"])) / np.array(s["y_scale"])
    for c in range(net.d):  # (finite values: one distinct value is a range of 0)
        if np.ptp(u[tr, c]) == 0 and np.ptp(x[tr, c]) > 0:
            raise DataError(_("the x values differ by less than float64 can resolve after scaling; "
                              "subtract their common offset first") + (_(" (x column {column})").format(column=c) if net.d > 1 else ""))
    lm_options = {"settle": settle_nats(len(tr) * net.k)} if cfg.optimizer == "lm" else {}
    race_on = cfg.optimizer == "lm" and len(tr) >= SCOUT_FROM and cfg.starts > 1 and not len(va)
    sub = np.sort(start_rng.choice(tr, SCOUT_POINTS, replace=False)) if race_on else None  # the race's points
    acts = candidates(cfg, bayes, constant=not np.ptp(v[tr], axis=0).any())
    counts = [cfg.starts // len(acts) + (i < cfg.starts % len(acts)) for i in range(len(acts))]  # sigmoid the odd one
    kind = np.repeat(np.array(acts, dtype=object), counts)  # each start's activation
    batch = replace(cfg, activation=acts[0] if len(acts) == 1 else PerStart(kind))  # every start at once
    where = sub if race_on else tr  # the points the starts' output weights are fitted to
    p0 = np.concatenate([draw_starts(start_rng, count, net, u[where], v[where], act, cfg.optimizer == "lm")
                         for act, count in zip(acts, counts)])
    kept, scout, origin = None, None, None
    if race_on:
        p, kept, state, scout, first = race(batch, p0.copy(), u, v, net, sub, bayes, progress)
        cfg = replace(cfg, activation=kind[kept[0]])
        run_cfg = replace(cfg, epochs=max(1, cfg.epochs - scout["epochs"]))  # --epochs caps both together
        noise = race_noise(cfg, p, net, u[sub], v[sub], state)
        # the winner goes on from its damping (on len(tr) / len(sub) times the points, J^T J is as many
        # times larger) and its alpha and gamma (with ARD, once the race has switched it on)
        state["mu"] = state["mu"] * len(tr) / len(sub)
        run = Run(run_cfg, p, net, u[tr], v[tr], u[va], v[va], u[te], v[te], bayes,
                  dict(lm_options, accelerate=True, state=state))
        run.go(progress)
        scout["representative"] = representative(cfg, run, net, u[tr], v[tr], noise)
        if not scout["representative"]:  # the race's points misled it (and may have misled the choice of
            # activation too): every start goes on every point, from where it began
            p, kept = least_squares_outputs(p0, net, u[tr], v[tr], batch.activation), None
            left = max(1, run_cfg.epochs - len(run.train))  # --epochs still caps them all together
            run = first = Run(replace(run_cfg, activation=batch.activation, epochs=left), p, net, u[tr], v[tr],
                              u[va], v[va], u[te], v[te], bayes, lm_options)
            run.go(progress, "nnfit fit: every start on every point")
            cfg = replace(cfg, activation=kind[run.choose()])
    else:
        # with Bayesian regularization and one input, every other pair of starts (of each activation, of each
        # START_SCALES) warms up on plain LM first (lm.WARM_EPOCHS). Not in the race, where the data pin the
        # weights, nor with several inputs: on the tabular benchmark (300-442 rows, 4-10 inputs) it cost up to 1.5%
        # RMSE and 27% more time
        warm = {"warm": np.arange(len(p0)) // 2 % 2 == 1} if cfg.optimizer == "lm" and bayes and net.d == 1 else {}

        def all_starts(p, u, description=None):
            run = Run(batch, p, net, u[tr], v[tr], u[va], v[va], u[te], v[te], bayes, dict(lm_options, **warm))
            run.go(progress, description)
            run.choose()  # TrainingDiverged if every start failed
            return run

        run = first = all_starts(p0, u)
        # (not for a constant y, nor an exact fit: their evidences differ by round-off, or are unbounded)
        if (cfg.optimizer == "lm" and bayes and net.d == 1 and cfg.scale == "standard" and np.ptp(x[tr]) > 0
                and np.ptp(v[tr]) > 0 and math.isfinite(run.evidence) and ORIGIN_FRAMES):
            s, u, run, origin = other_origins(s, u, run, x, v, tr, net, acts, counts, start_rng, all_starts)
            first = run
        cfg = replace(cfg, activation=kind[run.chosen])
    choice = ({"chosen": cfg.activation, "evidence": {a: evidence_value(e) for a, e in first.evidences.items()}}
              if len(acts) > 1 else None)
    k = run.choose()
    warmed = bool(kept is None and getattr(run.opt, "warmed", np.zeros(k + 1, dtype=bool))[k])
    closed_form = LINE and bayes and asked in ("auto", "relu") and not len(va)
    line, straight = (straight_line(cfg, net, u[tr], v[tr], run, k, origin, kept is not None)
                      if closed_form else (None, None))
    race_view = (u[sub], v[sub], first.evidence) if kept is not None else None  # (the race's points and winner)
    kink, kinked = (one_kink(cfg, net, u[tr], v[tr], run, k, origin, kept is not None, straight, s, race_view)
                    if closed_form and KINK else (None, None))
    if kink and straight:
        straight["kept"] = False  # (the kink beat the line too)
    line = kink or line  # the closed-form candidate kept, if any: the kink or the line
    if line:
        params = kink_network(line, net, u[tr]) if kink else line_network(line, net, u[tr])
        if not holds(params, line, net, u[tr], v[tr]):
            (kinked if kink else straight).update(kept=False, held=False)
            line = kink = None
    if line:
        cfg, warmed = replace(cfg, activation="relu"), False
        flat, constant = None, False
    else:
        params, flat, constant = no_worse_than_the_mean(cfg, run.best_p[k].copy(), net, u[tr], v[tr],
                                                        best_residuals(cfg, run, k, net, u[tr], v[tr]), names[1])
    x_range = [(float(lo), float(hi)) for lo, hi in zip(x.min(axis=0), x.max(axis=0))]
    saved = dict(s, y_shift=column_values(np.array(s["y_shift"]) + net.out_bias(params) * np.array(s["y_scale"])))
    cfg = replace(cfg, regularization="bayes" if bayes else "none")  # the model's config says what the fit did ("auto" resolved)
    model = Model(net.split(params), cfg, x_range=x_range[0] if net.d == 1 else x_range, scaling=saved)
    model.x_names, model.y_names = names
    # the histories are the mean over outputs of the squared error; with one output, in y's units
    # squared, with more, in each output's scaled units (so that no output's units weigh more)
    y2 = s["y_scale"] ** 2 if net.k == 1 else 1.0
    y_hat = model.predict(x).reshape(len(x), net.k)
    metrics = {name: regression_metrics(y[idx], y_hat[idx])
               for name, idx in (("train", tr), ("val", va), ("test", te)) if len(idx)}
    stop = run.last_epoch[k]
    model.history = ([float(np.mean(line["r"] ** 2) * y2)] if line else  # the line: one solve, no epochs
                     [float(h) for h in run.train[:stop, k] * y2])
    model.final_loss = metrics["train"]["mse"]
    model.extra = {
        "kind": "fit", "parameters": net.P, "start": int(k if kept is None else kept[k]), "epochs": int(stop),
        "dropped": run.dropped + (scout["dropped"] if scout and scout["representative"] else 0), "scout": scout,
        "best_epoch": 1 if line else int(run.best_epoch[k]), "stopped": (
                    "the kink's evidence is the larger: the two straight pieces are kept" if kink else
                    "the straight line's evidence is the larger: the line is kept" if line else
                    "no start beat the constant mean of y on the training points: the constant is kept" if constant
                    else str(run.opt.reason[k] or run.why[k] or f"the epoch limit reached (--epochs {cfg.epochs})")),
        "bayes": bool(bayes), "warm_start": warmed, "split": [len(tr), len(va), len(te)], "metrics": metrics,
        "val_history": [float(h) for h in run.val[:stop, k] * y2] if len(va) else [],
        "test_history": ([float(np.mean((inputs_of(line, u[te]) @ line["C"] + line["c0"] - v[te]) ** 2) * y2)] if line else
                         [float(h) for h in run.test[:stop, k] * y2]) if len(te) else [],
        "seconds": time.perf_counter() - t0,
    }
    if choice:
        model.extra["activation"] = choice
    if origin:
        model.extra["x_origin"] = origin
    if straight:
        model.extra["line"] = straight
    if kinked:
        model.extra["kink"] = kinked
    if line:  # the line's (or the kink's) own hyperparameters, leave-one-out error and posterior
        model.extra["regularization"] = {
            "gamma": line["gamma"], "parameters": 4 if kink else net.k * (net.d + 1),
            "alpha": [float(a) for a in line["alpha"]], "beta": float(line["beta"]),
            "loo_rmse": finite_or_none(line_loo_rmse(line, inputs_of(line, u[tr]), s["y_scale"])),
            "noise_var": 1 / (2 * float(line["beta"])), "dof": float(len(tr) * net.k - line["gamma"])}
        betas = None
        if net.k > 1:  # each output's own noise, as for a network (below; helper-69: the line kept one shared level)
            reg = model.extra["regularization"]
            reg["output_noise_var"], betas = output_noise(np.ravel(line["r"]), len(tr), net.k, reg["noise_var"],
                                                          reg["dof"], y[tr])
            betas = betas[:net.k]
        cov = (kink_posterior(line, net, params, u[tr]) if kink else
               line_posterior(line, net, params, betas, inputs_of(line, u[tr])))
        model.posterior = cov if is_covariance(cov) else None
    elif bayes:
        opt = run.opt
        rJ = jacobian_of(cfg, params, net, u[tr], v[tr])  # for the leave-one-out RMSE and the posterior
        model.extra["regularization"] = {
            "gamma": float(opt.gamma[k]), "parameters": net.P, "alpha": [float(a) for a in opt.alpha[k, :opt.free]],
            "beta": float(opt.beta[k]),
            "loo_rmse": finite_or_none(loo_rmse(cfg, params, net, u[tr], v[tr], opt.alpha[k][opt.group], opt.beta[k],
                                                s["y_scale"], rJ)),
            "noise_var": 1 / (2 * float(opt.beta[k])),  # MacKay's 1 / beta, in scaled units
            "dof": float(len(tr) * net.k - opt.gamma[k])}  # the noise estimate's degrees of freedom
        reg = model.extra["regularization"]
        beta = opt.beta[k]
        if net.k > 1:  # each output's own noise (helper-67: one shared level made a clean output's interval 24x too wide)
            reg["output_noise_var"], beta = output_noise(rJ[0], len(tr), net.k, reg["noise_var"], reg["dof"], y[tr])
        cov = posterior_cov(cfg, params, net, u[tr], v[tr], opt.alpha[k][opt.group], beta, rJ)
        # beta J^T J overflows where x is near 1e140 unscaled and the fit is exact (beta ~ 1e30): no intervals then
        model.posterior = cov if is_covariance(cov) else None
    if bayes and model.extra["regularization"]["dof"] / net.k <= MIN_DOF:  # the noise's estimate from so few degrees
        model.posterior = None  # of freedom: no finite spread (the predictive Student t's variance is infinite)
        model.extra["regularization"]["no_posterior"] = "dof"
    elif bayes and not line and run.reached[k] and net.P >= len(tr) * net.k:  # through every point, with parameters
        # enough to pass through any: the residuals say nothing of the noise, and gamma was never estimated (helper-69:
        # 5 points, 2 outputs, the goal met in the warm-up, gamma at its start, a "95%" interval that held 0% of new points)
        model.posterior = None
        model.extra["regularization"]["no_posterior"] = "exact"
    # with activation auto, sigmoid's half saturated too, whichever half was kept: the hint still applies
    warned = [flat] if flat else []  # (no_worse_than_the_mean warned already)
    model.extra["warnings"] = warned + (constant_columns(x[tr], y[tr], names)
                                        + saturated_inputs(replace(cfg, activation="sigmoid") if choice else cfg, x[tr], names)
                                        + fit_warnings(model))  # plain words
    why = no_interval_words(model.extra.get("regularization"), net.k)
    if why:
        model.extra["warnings"].append(why)
    for message in model.extra["warnings"][len(warned):]:  # a Python caller hears each as a DataWarning too (the CLI
        warn_data(message)  # prints them from extra): helper-69's no posterior, helper-60's fit about the mean, and
    return model  # helper-73's --scale none with every neuron saturated, which was in extra alone


def constant_columns(x, y, names):
    """Warnings for input and output columns that hold one value on every training point."""
    out = []
    for values, column_names, what, message in (
            (x, names[0], "x", _("input {name} is the same on every training point: the fit cannot use it")),
            (y, names[1], "y", _("output {name} is the same on every training point: the model predicts that constant"))):
        for c in np.flatnonzero(np.ptp(values, axis=0) == 0) if len(values) > 1 else []:
            name = column_names[c] if column_names else (what if values.shape[1] == 1 else f"{what}[{c}]")
            out.append(message.format(name=repr(name) if column_names else name))
    return out


def saturated_inputs(cfg, x, names):
    """A warning when, unscaled (--scale none), an input reaches SATURATED: the starts' weights are of
    order 1, so w x + b is far beyond where a sigmoid or tanh changes, every neuron starts flat
    (act' ~ 0) and the fit can learn next to nothing (x around 1e9 kept a near-constant, R^2 0)."""
    if cfg.scale != "none" or cfg.activation == "relu" or not len(x):
        return []
    top = float(np.max(np.abs(x)))
    if top <= SATURATED:
        return []
    return [_("x reaches {value:g} with --scale none: every neuron starts saturated (w x + b far outside the "
              "{activation}'s range) and the fit may learn little; use --scale standard").format(value=top, activation=cfg.activation)]


def candidates(cfg, bayes, constant=False):
    """The activations a fit tries: the one asked for, or for "auto" with Bayesian regularization and
    two starts or more sigmoid and relu (AUTO), each with half of the starts (sigmoid the odd one), the
    evidence choosing between them; otherwise sigmoid, the chapter's. constant: y is the same on every
    training point, every start fits it with a = 0 and the evidences differ by nothing but round-off
    (relu's was 53 nats "better" on 50 points of y = 3): sigmoid."""
    if cfg.activation != "auto":
        return (cfg.activation,)
    return AUTO if bayes and cfg.starts >= len(AUTO) and not constant else ("sigmoid",)


def finite_or_none(value):
    """value as a float, or None (null in the model file) where it is not finite."""
    return float(value) if math.isfinite(value) else None


def evidence_value(value):
    """A log evidence for the model file's JSON metadata (strict JSON has no infinity): a float, "exact"
    for an exact fit's (+inf: see Run.choose), None where it could not be computed (-inf)."""
    return float(value) if math.isfinite(value) else ("exact" if value > 0 else None)


def settle_nats(n):
    """The fall of F, in nats over lm.STALL epochs, below which LM stops a start on n residuals (SETTLE)."""
    return SETTLE * math.sqrt(n / 2)


def other_origins(s, u, run, x, v, tr, net, acts, counts, rng, all_starts):
    """The starts again with x's origin at its smallest and at its largest training value (ORIGIN_FRAMES; the
    scale kept, new starts drawn from rng, as many of each activation, `counts` of `acts`), each frame's
    Run from all_starts(p, u); then, of every activation's best fit in every frame, the first within
    ORIGIN_MARGIN nats of the largest log evidence, in this order: the activations as `acts` lists them
    (sigmoid first), and for each the mean, the smallest, the largest. run: the Run with x's origin at
    its mean, on the frame s (the scaling) and u (x scaled); tr: the training points. Returns the kept
    frame's scaling, scaled x and Run (its `chosen` and `evidence` set to the kept start's), and what the
    model's extra["x_origin"] says."""
    frames = {"mean": (s, u, run)}
    for where in ORIGIN_FRAMES:
        at = float(np.min(x[tr]) if where == "min" else np.max(x[tr]))
        u_at = (x - at) / s["x_scale"]
        p = np.concatenate([draw_starts(rng, count, net, u_at[tr], v[tr], act) for act, count in zip(acts, counts)])
        try:
            frames[where] = (dict(s, x_shift=at), u_at, all_starts(p, u_at, f"nnfit fit: x's origin at its {WHERE[where]}"))
        except TrainingDiverged:  # every start of that frame failed: the others decide
            continue
    fits = [(name, where) + frame[2].best_of[name] for name in acts for where, frame in frames.items()
            if name in frame[2].best_of]
    top = max(fit[3] for fit in fits)
    _name, where, k, evidence = next(fit for fit in fits if fit[3] >= top - ORIGIN_MARGIN)
    s, u, run = frames[where]
    run.chosen, run.evidence = k, evidence
    return s, u, run, {"chosen": where, "evidence": {w: {name: evidence_value(frame[2].evidences.get(name, -math.inf))
                                                        for name in acts} for w, frame in frames.items()}}


def straight_line(cfg, net, u, v, run, k, origin, raced):
    """The straight line through the training points (u, v) as a candidate (LINE; line.py): its fit if it is
    kept (its log evidence larger than every network's, network_evidence, by more than LINE_MARGIN, or an
    exact fit: the simplest one), else None; and what the model's extra["line"] says (None where no line
    was fitted: a y that is the same on every point, fewer hidden neurons than outputs, or too few points).
    run, k: the networks' Run and its kept start; origin: other_origins' record; raced: after a race."""
    if cfg.optimizer != "lm" or net.H < net.k or not np.ptp(v, axis=0).any():
        return None, None
    line = fit_line(u, v, exactness(cfg, v))
    if line is None:
        return None, None
    top = network_evidence(run, k, origin, raced, line["evidence"])
    kept = bool(line["evidence"] > top + LINE_MARGIN or line["exact"])
    return (line if kept else None), {"evidence": evidence_value(line["evidence"]), "network": evidence_value(top),
                                      "kept": kept}


def exactness(cfg, v):
    """The mean squared residual (scaled units) below which the line or the kink fits the points (v)
    exactly: EXACT of y's variance (1 with standardized y; with --scale none y's own, so that a y of
    size 1e-6 is not fitted "exactly" by any line), and not above the goal (a goal raised to stop the
    epochs early is not exactness)."""
    return min(cfg.goal, EXACT * float(np.mean(np.var(v, axis=0))))


def one_kink(cfg, net, u, v, run, k, origin, raced, straight, s, race=None):
    """The kink (two straight pieces, kink.py) through the training points (u, v) as a candidate (KINK): its
    fit if it is kept (its log evidence, over every place of the kink, larger than every network's and the
    line's by more than KINK_MARGIN, or an exact fit where the line is not one), else None; and what the
    model's extra["kink"] says: its evidence, where the kink is (in x's units) and whether it was kept (None
    where none was fitted: several inputs or outputs, fewer than 2 hidden neurons, fewer than 2 kink.MIN_SIDE
    distinct x). straight: straight_line's record; s: the scaling. race: after a race, its points (u, v)
    and its winner's log evidence there: where the kink's on those points is behind by more than
    KINK_SURE, it is not fitted on every point (extra["kink"]["race"] says so)."""
    if cfg.optimizer != "lm" or net.d != 1 or net.k != 1 or net.H < 2 or not np.ptp(v):
        return None, None
    if straight and straight["evidence"] == "exact":  # the line fits every point: nothing simpler does
        return None, None
    if race is not None and math.isfinite(race[2]) and np.ptp(race[1]):
        small = fit_kink(race[0], race[1], exactness(cfg, race[1]))
        if small is not None and not small["exact"] and small["evidence"] < race[2] - KINK_SURE:
            at = small["knot"] * float(np.ravel(s["x_scale"])[0]) + float(np.ravel(s["x_shift"])[0])
            return None, {"evidence": None, "rivals": None, "at": at, "kept": False,
                          "race": {"points": len(race[0]), "evidence": float(small["evidence"]),
                                   "networks": float(race[2])}}
    kink = fit_kink(u, v, exactness(cfg, v))
    if kink is None:
        return None, None
    top = network_evidence(run, k, origin, raced, kink["evidence"])
    if straight and isinstance(straight["evidence"], float):
        top = max(top, straight["evidence"])
    kept = bool(kink["evidence"] > top + KINK_MARGIN or kink["exact"])
    at = kink["knot"] * float(np.ravel(s["x_scale"])[0]) + float(np.ravel(s["x_shift"])[0])
    return (kink if kept else None), {"evidence": evidence_value(kink["evidence"]), "rivals": evidence_value(top),
                                      "at": at, "kept": kept}


def holds(params, closed, net, u, v):
    """Whether the relu network params (line.as_network's or kink.as_network's) holds the closed-form
    candidate `closed` on the training points (u, v): its MSE within HOLD of y's variance of the
    candidate's own. Where x is far from 0 for its spread (--scale none), w u + b can round away the
    digits the candidate fits; the networks' fit is kept then, never worse than the constant."""
    with np.errstate(all="ignore"):
        r = residuals(params[None, :], u, v, net, "relu")[0]
        own = float(np.mean(closed["r"] ** 2))
        return bool(np.mean(r * r) <= own + HOLD * float(np.mean(np.var(v, axis=0))))


def inputs_of(closed, u):
    """The inputs of the closed-form candidate `closed` (fit_line's or fit_kink's dict) for the scaled
    points u: u itself for the line, [u, relu(u - t)] for the kink at t."""
    return kink_features(u, closed["knot"]) if "knot" in closed else u


def network_evidence(run, k, origin, raced, line):
    """The largest log evidence of the networks a fit tried on all its training points, what the
    straight line's (`line`) is compared with: every activation's and every frame's of x's origin
    (other_origins), or, after a race (whose evidences are on its own points), the refined winner's,
    start k of `run`: from every point's J^T J where the estimate from the epochs' subset is within
    LINE_SURE nats of the line's (a curve's gap is hundreds of nats there; the exact one costs 1.4 ms
    at 5000 points)."""
    values = [run.evidence]
    if origin:  # (evidence_value's: a float, "exact" for inf, None for -inf)
        values += [math.inf if e == "exact" else e for frame in origin["evidence"].values() for e in frame.values()
                   if e is not None]
    elif not raced:
        values += list(run.evidences.values())
    top = max(values)
    if top == -math.inf and run.bayes:  # a race's winner refined alone: its evidence was not needed to choose it
        top = float(run.opt.log_evidence(exact=False)[k])
        if not top > line + LINE_SURE:
            top = float(run.opt.log_evidence()[k])
    return top if math.isfinite(top) or top > 0 else -math.inf


def race(cfg, p, u, v, net, sub, bayes, progress):
    """Many starts on many points: race them on the points `sub` for up to SCOUT_EPOCHS epochs (with
    the pruning, each activation's starts apart, and leaving at least one of --epochs to the
    refinement); the one that wins (as the fit would pick it: evidence) goes on, on every point.
    Returns its parameters (1, P), its index (1,), its optimizer's state (LevenbergMarquardt.state_of),
    what the model's extra["scout"] says, and the race's Run."""
    none = np.arange(0)
    epochs = min(max(1, cfg.epochs - 1), SCOUT_EPOCHS)
    scout = Run(replace(cfg, epochs=epochs), p, net, u[sub], v[sub], u[none], v[none], u[none], v[none],
                bayes, {"settle": settle_nats(len(sub) * net.k)}, prune=True, tiebreak=False, keep=RACE_KEEP)
    scout.go(progress, f"nnfit fit: race on {len(sub)} points")
    winner = np.array([scout.choose()])  # TrainingDiverged if every start failed
    return (scout.opt.p[winner].copy(), winner, scout.opt.state_of(winner),
            {"points": len(sub), "epochs": len(scout.train), "starts": len(p), "dropped": scout.dropped}, scout)


def race_noise(cfg, p, net, u, v, state):
    """The noise's variance from the race's winner p (1, P) on the race's points (u, v), E_D / (n - gamma),
    or 1e-4 of y's variance if larger (noise-free data), and its degrees of freedom n - gamma."""
    r = residuals(p, u, v, net, cfg.activation)[0]
    dof = max(r.size - float(np.sum(state["gammas"])), 1.0)
    return max(float(np.sum(r * r)) / dof, 1e-4 * float(np.mean(np.var(v, axis=0)))), dof


def representative(cfg, run, net, u, v, noise):
    """Whether the race's winner, refined on every training point (u, v), fits them as well as the
    race's noise estimate allows: their mean squared residual at most that variance plus six standard
    errors of the ratio of the two estimates, sqrt(2 / dof + 2 / m) for m residuals (normal noise).
    When the race's points missed a few points away from the rest (a cluster of 3 at x = 10 among 3000
    around 0) the winner never saw them, and its hyperparameters (output weights switched off, mu past
    mu_max) can keep the refinement from learning them: 2-4 times the variance there. Detail the race's
    points showed less sharply (a step's exact place) the refinement learns, so the test comes after it.
    noise: race_noise's (variance, dof)."""
    variance, dof = noise
    r = best_residuals(cfg, run, run.choose(), net, u, v)
    return bool(np.mean(r * r) <= variance * (1 + 6 * math.sqrt(2 / dof + 2 / r.size)))


def best_residuals(cfg, run, k, net, u, v):
    """The residuals (N k,) of start k's best parameters on the run's training points (u, v): LM's own
    where the best is the latest (always, with Bayesian regularization), else computed."""
    if hasattr(run.opt, "r") and np.array_equal(run.best_p[k], run.opt.p[k]):
        return run.opt.r[k]
    return residuals(run.best_p[k][None, :], u, v, net, cfg.activation)[0]


def no_worse_than_the_mean(cfg, params, net, u, v, r, y_names=None):
    """params, with each output that the constant mean (its a_j = 0 and c_j = 0: y_hat_j = y_shift_j)
    fits better on the training points (u, v) set to that constant, and a warning. Output by output:
    all of them together, in scaled units, let a large output (--scale none) hide a small one fitted
    67 times worse than its mean. Returns (params, the warning or None when every output was kept,
    whether every output is the constant). r: the residuals of params on (u, v) (best_residuals)."""
    with np.errstate(over="ignore", invalid="ignore"):
        r = r.reshape(len(u), net.k)
        worse = ~(np.mean(r * r, axis=0) <= np.mean((v - np.mean(v, axis=0)) ** 2, axis=0) * (1 + 1e-12))  # NaN too
    if not worse.any():
        return params, None, False
    net.split(params)[2][worse] = 0.0
    net.out_bias(params)[worse] = 0.0
    hint = _(" (a first-order fit may need another --lr or more --epochs)") if cfg.optimizer in RULES else ""
    if worse.all():
        message = _("no start of the {optimizer} fit beat the constant mean of y on the training points: "
                    "the model is that constant").format(optimizer=cfg.optimizer) + hint
    else:
        names = ", ".join(repr(y_names[j]) if y_names else f"y[{j}]" for j in np.flatnonzero(worse))
        message = (_("the {optimizer} fit of output {names} was no better than its constant mean on the training "
                     "points: that output is the constant") if worse.sum() == 1 else
                   _("the {optimizer} fit of outputs {names} was no better than their constant means on the training "
                     "points: those outputs are their means")).format(optimizer=cfg.optimizer, names=names) + hint
    warn_data(message)
    return params, message, bool(worse.all())


@contextlib.contextmanager
def one_blas_thread():
    """BLAS on one thread for the duration of the fit (restored after): the matrices are small, and
    BLAS threads spinning against a busy machine made a fit 10x slower. threadpoolctl sets it; its
    controller (which finds the loaded BLAS libraries, 2 ms) is made once per process, and again only
    when another library has been loaded since. Fits in several threads at once share one limit,
    counted, so that the last one out restores the caller's thread counts (not the first one's 1).
    threadpoolctl 3.8 lets only one thread at a time change OpenBLAS's (process-wide) thread count, the
    first to set it, until it gives that up, and other threads' settings silently do nothing. The limit was set
    without giving it up, so that a fit in any thread but the first one to fit ran BLAS on two threads, slower
    and with other last digits (3e-11 on 200 rows of 10 inputs) than the same fit in the main thread. The
    fit now gives it up when it restores the counts (release_openblas); where the last fit out runs in
    another thread than the one that set the limit, it takes the control over from that one first, and
    from no other (a caller's own threadpool_limits block in another thread keeps it: helper-74)."""
    global _controller, _limiter, _users, _setter
    with _blas_lock:
        if _users == 0:
            import scipy.linalg  # noqa: F401  (its own OpenBLAS, which Numba's LAPACK calls and large P use: loaded
            # here, before the limit, not inside the fit after it: a first fit of hidden 60 at 200 points
            # took 10.3 s of CPU against 1.5 s, its BLAS's second thread spinning against a busy core)
            from threadpoolctl import ThreadpoolController
            if _controller is None or _controller[1] != len(sys.modules):
                _controller = (ThreadpoolController(), len(sys.modules))
            _limiter = _controller[0].limit(limits=1, user_api="blas")
            _setter = threading.current_thread() if holds_openblas(threading.current_thread()) else None
        _users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _users -= 1
            if _users == 0:
                if _setter is not None:  # (None: another thread's limits held the control, and the fit ran with them)
                    release_openblas(_setter)  # (the last fit out may run in another thread than the first one in)
                    _limiter.restore_original_limits()
                    release_openblas(threading.current_thread())
                _limiter = _setter = None


def openblas_state():
    """threadpoolctl's record of the thread that controls OpenBLAS (3.8 and later), or None."""
    import threadpoolctl
    return getattr(getattr(threadpoolctl, "OpenBLASController", None), "_SHARED_STATE", None)


def holds_openblas(thread):
    """Whether `thread` may set OpenBLAS's thread count (it holds the control, or no live thread does; always
    before threadpoolctl 3.8)."""
    state = openblas_state()
    holder = getattr(state, "controlling_thread", None)
    return state is None or holder is None or holder is thread or not holder.is_alive()


def release_openblas(holder):
    """Clear threadpoolctl's controlling thread of OpenBLAS (3.8 and later; earlier versions have none) where
    it is `holder`: after that, any thread may set the thread count."""
    state = openblas_state()
    if state is not None and getattr(state, "controlling_thread", None) is holder:
        import threadpoolctl
        threadpoolctl.OpenBLASController.clear_controlling_thread(force=True)


_controller = None
_limiter, _users, _setter = None, 0, None  # the BLAS limit in force, how many fits hold it, the thread that set it
_blas_lock = threading.Lock()


class Run:
    """The epochs of one fit: every start's histories (train / val / test MSE per epoch, NaN once a
    start has stopped), its best parameters and epoch."""

    def __init__(self, cfg, p, net, ut, vt, uv, vv, ue, ve, bayes, lm_options=None, prune=None, tiebreak=True,
                 keep=PRUNE_KEEP):
        self.tiebreak = tiebreak  # the evidence's ties broken by leave-one-out (LOO_MARGIN)
        self.cfg, self.net, self.bayes = cfg, net, bayes
        large = len(ut) >= PRUNE_POINTS or len(ut) * net.k * net.P >= PRUNE_WORK
        self.prune_at = PRUNE_AT if (large if prune is None else prune) else ()
        self.data = (ut, vt, uv, vv, ue, ve)
        K = len(p)
        self.best_p, self.best_loss = p.copy(), np.full(K, np.inf)
        self.best_epoch, self.last_epoch = np.zeros(K, dtype=int), np.zeros(K, dtype=int)
        self.since_best = np.zeros(K, dtype=int)
        self.active = np.ones(K, dtype=bool)
        self.dropped = 0  # starts dropped early as hopeless
        self.why = np.full(K, "", dtype=object)  # why a start stopped, where the driver stopped it
        self.reached = np.zeros(K, dtype=bool)  # the starts whose training MSE fell below the goal
        self.train, self.val, self.test = [], [], []
        self.none = np.full(K, np.nan)  # the history of a split with no points
        self.watched = []  # L-BFGS-B's validation MSE of each iterate of the start it runs (lbfgs_watch)
        self.opt = make_optimizer(cfg, p, ut, vt, net, bayes, self.lbfgs_watch if len(uv) else None, lm_options or {},
                                  self.prune_at if K > keep else ())  # (with no start to drop, each runs once)
        self._kinds = None  # (kinds)
        self.keep = max(1, keep // len(self.kinds()))  # pruning keeps `keep` starts, shared by the kinds
        self.chosen, self.evidence, self.evidences, self.scores = None, -np.inf, {}, None  # set by choose()
        self.best_of = {}  # each activation's best start and its evidence (choose)

    def lbfgs_watch(self, path):
        """L-BFGS-B's early stop: True once validation has not improved for `patience` iterations. Each
        iterate's validation MSE is computed once (path grows by one a call, and starts anew each start)."""
        _ut, _vt, uv, vv, _ue, _ve = self.data
        if len(path) == 1:
            self.watched = []
        self.watched.append(np.mean(residuals(path[-1][None, :], uv, vv, self.net, self.cfg.activation) ** 2))
        return len(path) > self.cfg.patience and np.argmin(self.watched[-self.cfg.patience - 1:]) == 0

    def mse_on(self, u, v, starts):
        """The MSE of the starts (a mask) on u, v; NaN for the others."""
        mse, run = np.full(len(self.opt.p), np.nan), np.flatnonzero(starts)
        if len(u) and run.size:
            with np.errstate(over="ignore", invalid="ignore"):
                r = residuals(self.opt.p[run], u, v, self.net, of_starts(self.cfg.activation, run))
                mse[run] = np.mean(r ** 2, axis=1)
        return mse

    def go(self, progress, description=None):
        cfg = self.cfg
        bar = progress_bar(cfg.epochs, progress, description)
        try:
            for epoch in range(1, cfg.epochs + 1):
                self.opt.step(self.active)
                self.record(epoch)
                if bar is not None:
                    bar.update(1)
                    finite = self.train[-1][np.isfinite(self.train[-1])]  # (np.nanmin warns when there is none)
                    bar.set_postfix_str(f"{int(self.active.sum())} start{'s' * int(self.active.sum() != 1)}, "
                                        f"MSE {finite.min() if finite.size else float('nan'):.3g}", refresh=False)
                reached = self.active & (self.train[-1] < cfg.goal)  # NaN (stopped) compares False
                if reached.any():
                    self.why[reached] = f"training MSE below the goal {cfg.goal:g}"
                    self.reached |= reached
                    if not self.bayes:  # the goal is met: the fit is done
                        self.why[self.active & ~reached] = f"another start's training MSE fell below the goal {cfg.goal:g}"
                        break
                    # with Bayesian regularization a start that fits every point to the goal stops alone;
                    # the others go on, and the evidence chooses among them all (noise is not to be fitted)
                    self.active &= ~reached
                if not self.active.any():
                    break
        finally:
            if bar is not None:
                bar.close()
        warm = getattr(self.opt, "warm", None)
        if warm is not None and warm.any():  # every start stopped (the goal) while some were warming up: theirs
            self.opt.begin_bayes(np.flatnonzero(warm))  # hyperparameters too, Foresee and Hagan's at their p
        self.train, self.val, self.test = (np.array(h) for h in (self.train, self.val, self.test))

    def record(self, epoch):
        cfg, (_ut, _vt, uv, vv, ue, ve) = self.cfg, self.data
        was = self.active.copy()
        mse = np.where(was, self.opt.mse(), np.nan)
        self.train.append(mse)
        self.val.append(self.mse_on(uv, vv, was) if len(uv) else self.none)
        self.test.append(self.mse_on(ue, ve, was) if len(ue) else self.none)
        self.last_epoch[was] = epoch
        if len(uv):  # early stopping: the best validation MSE, and patience
            watched = self.val[-1]
        elif self.bayes:  # every step lowers the regularized objective: the latest is the best
            watched = np.where(was, self.opt.regularized_mse(), np.nan)
        else:
            watched = mse
        better = was & np.isfinite(watched) & ((watched < self.best_loss) | (self.bayes and not len(uv)))
        self.best_p[better], self.best_loss[better], self.best_epoch[better] = self.opt.p[better], watched[better], epoch
        self.since_best = np.where(better, 0, self.since_best + 1)
        self.active &= ~self.opt.stopped
        if len(uv):
            tired = self.active & (self.since_best >= cfg.patience)
            self.why[tired] = f"validation MSE did not improve for {cfg.patience} epochs"
            self.active &= ~tired
        self.active &= np.isfinite(mse)
        if epoch in self.prune_at and self.active.sum() > self.keep:
            self.prune(watched)

    def kinds(self):
        """[(activation, mask of its starts)]: one entry, or one per activation of a PerStart batch."""
        if self._kinds is None:
            activation, K = self.cfg.activation, len(self.best_p)
            self._kinds = ([(activation, np.ones(K, dtype=bool))] if isinstance(activation, str) else
                           [(name, activation.names == name) for name in dict.fromkeys(activation.names)])
        return self._kinds

    def prune(self, watched):
        """Drop the worse half of the running starts (by what picks the best), each activation's apart."""
        for _name, mine in self.kinds():
            run = np.flatnonzero(self.active & mine)
            if len(run) <= self.keep:
                continue
            score = np.where(np.isfinite(watched[run]), watched[run], np.inf)
            drop = run[np.argsort(score, kind="stable")[max(self.keep, len(run) // 2):]]
            self.active[drop] = False
            self.why[drop] = "dropped early: behind the other starts"
            self.dropped += len(drop)

    def choose(self):
        """The start that is kept; TrainingDiverged when every start diverged (a start that diverged
        is not kept even if it was fine before). With several activations (a PerStart batch), each
        one's best, then the first activation's (sigmoid's) unless another's evidence is larger by more
        than AUTO_MARGIN; an activation whose every start diverged leaves it to the others. With
        Bayesian regularization an activation's best is, of its starts within LOO_MARGIN nats of its
        largest evidence, the one with the lowest approximate leave-one-out error. Sets self.evidence,
        the kept activation's largest log evidence (inf for an exact fit, see below; else -inf), and
        self.evidences, each activation's."""
        if self.chosen is None:
            best, failed = None, None
            for name, mine in self.kinds():
                try:
                    k, evidence = self._choose(mine)
                except TrainingDiverged as error:
                    failed, self.evidences[name] = failed or error, -np.inf
                    continue
                self.evidences[name] = evidence
                self.best_of[name] = (k, evidence)
                if best is None or evidence > best[1] + AUTO_MARGIN:
                    best = (k, evidence)
            if best is None:
                raise failed
            self.chosen, self.evidence = best
        return self.chosen

    def _choose(self, mine):
        """The best of the starts `mine` (mask) and its log evidence (see choose)."""
        diverged = np.array([str(r).startswith("diverged") for r in self.opt.reason])
        finite = np.isfinite(self.best_loss) & ~diverged & mine
        if not self.bayes and (finite & self.reached).any():  # the goal was met: a start that met it, not one cut short
            finite &= self.reached
        if not finite.any():
            cfg = self.cfg
            if cfg.optimizer in RULES:
                hint = _("try a smaller learning rate (e.g. --lr {lr:g}) or the lm optimizer").format(
                    lr=cfg.lr / 10 if cfg.lr <= 1 else type(cfg).lr)  # (past 1, a tenth diverges too: the default, as train's)
                message = _("every start diverged (a non-finite loss, or weights past 1e30) with optimizer {optimizer}, lr {lr:g}; {hint}")
            else:
                hint = _("try scaled data (--scale standard)")
                message = _("the loss became non-finite in every start with optimizer {optimizer}; {hint}")
            raise TrainingDiverged(message.format(optimizer=cfg.optimizer, lr=cfg.lr, hint=hint))
        if self.bayes and not len(self.data[2]):
            # A start that fits every point to the goal has an evidence that cannot be evaluated (beta, the
            # noise's precision, is unbounded: whatever number comes out depends on beta's floor, or is -inf
            # where round-off spoils the factorization). With few effective parameters (gamma below half the
            # values, the diagnostics' own line) it explains noise-free data exactly: keep it. With about as
            # many as there are values it has threaded the noise (the tutorial's 10 points): the evidence of
            # the others decides.
            exact = finite & self.reached & (self.opt.gamma < self.opt.n / 2)
            if exact.any():  # the closest (the training MSE: a start that met it while warm has no prior term)
                return int(np.argmin(np.where(exact, self.opt.mse(), np.inf))), np.inf
            if finite.sum() == 1 and len(self.kinds()) == 1:  # nothing to choose between (a race's winner refined
                return int(np.flatnonzero(finite)[0]), -np.inf  # on every point): no evidence computed (1.4 ms there)
            if self.scores is None:
                self.scores = -self.opt.log_evidence()  # best_p is the latest: the optimizer's own state
            score = np.where(finite & np.isfinite(self.scores), self.scores, np.inf)
            if np.isfinite(score).any():
                k = int(np.argmin(score))
                near = np.flatnonzero(score <= score[k] + (LOO_MARGIN if self.tiebreak else 0.0))  # the evidence cannot tell these apart
                if len(near) > 1:
                    return int(near[np.argmin([self.loo(j) for j in near])]), float(-score[k])
                return k, float(-score[k])
        return int(np.argmin(np.where(finite, self.best_loss, np.inf))), -np.inf

    def loo(self, j):
        """Start j's approximate leave-one-out RMSE on the training points, in scaled units (loo_rmse); inf
        where it cannot be computed."""
        ut, vt, opt = self.data[0], self.data[1], self.opt
        names = getattr(self.cfg.activation, "names", None)
        cfg = replace(self.cfg, activation=names[j]) if names is not None else self.cfg
        p = opt.p[j]
        value = loo_rmse(cfg, p, self.net, ut, vt, opt.alpha[j][opt.group], opt.beta[j], 1.0,
                         jacobian_of(cfg, p, self.net, ut, vt))
        return value if math.isfinite(value) else math.inf


def progress_bar(total, progress, description=None):
    """A tqdm bar on stderr, shown after one second and only on a terminal (progress=None), always
    (True) or never (False). None where nothing would show (tqdm's own test for a terminal, made here: a
    disabled bar still cost 0.1 ms to make and its caption formatted every epoch, 1 ms of a 30 ms fit)."""
    if progress is False or (progress is None and not _is_terminal(sys.stderr)):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description or "nnfit fit", unit="epoch", delay=1.0, leave=False,
                disable=None if progress is None else False)


def _is_terminal(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def jacobian_of(cfg, p, net, u, v):
    """r (N k,), J (N k, P) and J^T J (P, P) of the network p (P,) on (u, v): compiled
    (compiled.residuals_and_jacobian) when the optimizer's epochs are, else network.jacobian."""
    from . import lm
    if lm.COMPILED:
        from .compiled import residuals_and_jacobian
        r, J = residuals_and_jacobian(p, u, v, net, cfg.activation)
    else:
        r, J = (a[0] for a in jacobian(p[None, :], u, v, net, cfg.activation))
    return r, J, J.T @ J


def posterior_cov(cfg, p, net, u, v, alpha, beta, rJ=None):
    """The parameters' posterior covariance (Laplace, MacKay) in scaled units, (P, P): the inverse of
    MacKay's A = 2 (beta J^T J + diag alpha), through its eigen-decomposition. With the noise variance
    1 / (2 beta) it gives prediction intervals: var y(x) = 1 / (2 beta) + g^T cov g, g = dy_hat/dp. beta:
    one number, or one per residual (N k,) (output_noise's: J^T diag(beta) J).
    rJ: the residuals, Jacobian and J^T J at p (jacobian_of), if already computed."""
    rJ = rJ if rJ is not None else jacobian_of(cfg, p, net, u, v)
    H = (beta * rJ[2] if np.ndim(beta) == 0 else rJ[1].T @ (beta[:, None] * rJ[1])) + np.diag(alpha)
    if not np.isfinite(H).all():  # beta J^T J past float64 (unscaled x near 1e150 and an exact fit): NaN, dropped
        return np.full_like(H, np.nan)
    s, U = np.linalg.eigh(H)
    s = np.maximum(s, MU_FLOOR * s.max())
    return (U / (2 * s)) @ U.T


def no_interval_words(reg, k):
    """Why a Bayesian fit keeps no posterior (extra["regularization"]["no_posterior"]: MIN_DOF's "dof", or "exact"),
    in plain words; None when it keeps one (or is no Bayesian fit). k outputs."""
    why = reg.get("no_posterior") if isinstance(reg, dict) else None
    if why == "dof":
        return _("N - γ = {dof:.2g} (training values less effective parameters) is too few to estimate the noise: the fit "
                 "keeps no prediction intervals (--std); fit more points").format(dof=reg["dof"] / k)
    if why == "exact":
        return _("the fit passes through every training point, with {P} parameters for {values} values: nothing is left "
                 "to estimate the noise, so it keeps no prediction intervals (--std); fit more points").format(
                     P=reg["parameters"], values=int(round(reg["dof"] + reg["gamma"])))
    return None


def output_noise(r, n, k, noise_var, dof, y):
    """Each of k outputs' noise variance (scaled units), its residuals' sum of squares over its share of the
    degrees of freedom (dof / k), at least NOISE_FLOOR of the shared noise_var; 0 for an output whose training
    values y (n, k) are all equal (the model predicts that constant: no spread). Returns the variances (a list)
    and beta for each residual (n k,), 1 / (2 variance) (0 for a constant output: its residuals weigh nothing
    in the posterior). r: the residuals (n k,), row n k + j for point n and output j."""
    sse = np.sum(r.reshape(n, k) ** 2, axis=0)
    var = np.maximum(sse / max(dof / k, 1e-300), NOISE_FLOOR * noise_var)
    var = np.where(np.ptp(y, axis=0) == 0, 0.0, var)
    beta = np.where(var > 0, 0.5 / np.maximum(var, 1e-300), 0.0)
    return [float(v) for v in var], np.tile(beta, n)


def loo_rmse(cfg, p, net, u, v, alpha, beta, y_scale, rJ=None):
    """Approximate leave-one-out RMSE of a Bayesian fit, in y's units (over all outputs): the
    linearized model's PRESS residuals r_n / (1 - h_nn), with leverages
    h_nn = beta j_n^T (beta J^T J + diag alpha)^-1 j_n (one residual of one output at a time). rJ: as
    posterior_cov's."""
    r, J, JtJ = rJ if rJ is not None else jacobian_of(cfg, p, net, u, v)  # (N k,), (N k, P), (P, P)
    H = beta * JtJ + np.diag(alpha)
    if not np.isfinite(H).all():  # as in posterior_cov
        return math.nan
    H += MU_FLOOR * np.max(np.diag(H)) * np.eye(len(alpha))
    X = J @ np.linalg.inv(H)  # (N k, P); H is positive definite (alpha > 0 and the floor) and P x P: its inverse,
    h = beta * np.einsum("np,np->n", X, J)  # then one matrix product, is 3x cheaper than solving for N k columns
    # leverages, in [0, 1)
    press = (r / np.maximum(1 - h, 1e-3)).reshape(len(u), net.k) * np.array(y_scale)
    return float(np.sqrt(np.mean(press * press)))


def regression_metrics(y, y_hat):
    """MSE, RMSE (over every output) and R^2 (the mean over outputs, as scikit-learn's r2_score, of those
    that vary) of y_hat against y, (N, k) each."""
    err = y_hat - y
    mse = float(np.mean(err ** 2))
    ss_tot = np.sum((y - np.mean(y, axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1 - np.sum(err ** 2, axis=0) / ss_tot, np.nan)
    # (an output that is the same on every point has no R^2: the mean is over the others', NaN when none has one;
    # helper-67: one constant output made the pooled R^2 "n/a (y is constant)" beside another's 0.995)
    metrics = {"n": int(len(y)), "mse": mse, "rmse": math.sqrt(mse),
               "r2": float(np.mean(r2[np.isfinite(r2)])) if np.isfinite(r2).any() else math.nan}
    if y.shape[1] > 1:  # each output in its own units
        metrics["outputs"] = [{"rmse": float(np.sqrt(np.mean(err[:, j] ** 2))), "r2": float(r2[j])}
                              for j in range(y.shape[1])]
    return metrics
