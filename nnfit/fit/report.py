"""The summary of a fit, as a person reads it, in the command line's language (i18n.py).

The model file keeps why a start stopped in English (model.extra["stopped"]); stop_reason() gives it
in the chosen language when the summary is printed."""
import math
import re

from ..i18n import _
from .config import MIN_SPLIT_POINTS
from .driver import AUTO, AUTO_MARGIN, KINK_MARGIN, KINK_SURE, LINE_MARGIN, ORIGIN_MARGIN
from .line import REACH
from .lm import WARM_EPOCHS


def stop_reason(text):
    """Why the kept start stopped (one of the optimizers' and the driver's own texts), translated;
    a text it does not know is returned as it is."""
    table = (
        (r"converged \(E_D and gamma stalled\)", _("converged (E_D and gamma stalled)")),
        (r"converged \(the fitted values moved less than (\S+) of their uncertainty in (\d+) epochs\)",
         _("converged (the fitted values moved less than {0} of their uncertainty in {1} epochs)")),
        (r"converged \(L-BFGS-B stopped\)", _("converged (L-BFGS-B stopped)")),
        (r"converged \(F fell by less than (\S+) nat in (\d+) epochs\)", _("converged (F fell by less than {0} nat in {1} epochs)")),
        (r"damping mu reached mu_max", _("damping mu reached mu_max")),
        (r"gradient below min_grad", _("gradient below min_grad")),
        (r"numbers went bad", _("numbers went bad")),
        (r"training MSE below the goal (\S+)", _("training MSE below the goal {0}")),
        (r"another start's training MSE fell below the goal (\S+)", _("another start's training MSE fell below the goal {0}")),
        (r"validation MSE did not improve for (\d+) epochs", _("validation MSE did not improve for {0} epochs")),
        (r"the epoch limit reached \(--epochs (\d+)\)", _("the epoch limit reached (--epochs {0})")),
        (r"dropped early: behind the other starts", _("dropped early: behind the other starts")),
        (r"diverged \(the loss became non-finite\)", _("diverged (the loss became non-finite)")),
        (r"diverged \(a weight grew past (\S+)\)", _("diverged (a weight grew past {0})")),
        (r"the straight line's evidence is the larger: the line is kept",
         _("the straight line's evidence is the larger: the line is kept")),
        (r"the kink's evidence is the larger: the two straight pieces are kept",
         _("the kink's evidence is the larger: the two straight pieces are kept")),
        (r"no start beat the constant mean of y on the training points: the constant is kept",
         _("no start beat the constant mean of y on the training points: the constant is kept")),
    )
    for pattern, words in table:
        match = re.fullmatch(pattern, text)
        if match:
            return words.format(*match.groups())
    return text


def evidence_text(value, digits=1):
    """A log evidence as the summary prints it: a number (with `digits` decimals), "exact" (a start
    fitted every point to the goal: unbounded) or None (not computable: every start of that activation
    failed)."""
    if value is None:
        return _("not computable")
    if value == "exact":
        return _("unbounded (an exact fit)")
    return f"{value:.{digits}f}" if abs(value) < 1e7 else f"{value:.3g}"


def activation_line(choice, scout):
    """What activation "auto" kept and why (model.extra["activation"])."""
    values = choice["evidence"]
    if all(v is None for v in values.values()):
        return _("activation {chosen}: no evidence could be computed to choose by, so the chapter's sigmoid was kept").format(
            chosen=choice["chosen"])
    chosen, numbers = choice["chosen"], [v for v in values.values() if isinstance(v, float)]
    digits = 3 if len(numbers) > 1 and max(numbers) - min(numbers) < 0.1 else 1  # a gap the numbers show
    others = _("; ").join(f"{name} {evidence_text(value, digits)}" for name, value in values.items() if name != chosen)
    text = evidence_text(values[chosen], digits)
    if scout and scout.get("representative", True):
        line = _("activation {chosen}, chosen by the evidence on the race's {points} points (log evidence {value}; {others})").format(
            chosen=chosen, points=scout["points"], value=text, others=others)
    else:
        line = _("activation {chosen}, chosen by the evidence (log evidence {value}; {others})").format(
            chosen=chosen, value=text, others=others)
    mine = values[chosen]
    if chosen == AUTO[0] and isinstance(mine, float) and any(isinstance(v, float) and v > mine for v in values.values()):
        line += _(": {chosen} is kept unless another's is larger by more than {margin:g} nat").format(chosen=chosen, margin=AUTO_MARGIN)
    return line


def origin_line(origin):
    """Where x's origin was put, and why (model.extra["x_origin"]; driver.ORIGIN_FRAMES, ORIGIN_MARGIN): each
    frame's log evidence of each activation, with 3 decimals where 1 would show two different numbers alike."""
    frames = origin["evidence"]
    names = list(dict.fromkeys(name for values in frames.values() for name in values))
    numbers = {v for values in frames.values() for v in values.values() if isinstance(v, float)}
    digits = 3 if len({f"{v:.1f}" for v in numbers}) < len(numbers) else 1
    where = {"mean": _("its mean"), "min": _("its smallest value"), "max": _("its largest value")}
    at = {"mean": _("at x's mean"), "min": _("at its smallest value"), "max": _("at its largest value")}
    parts = []
    for frame, values in frames.items():
        shown = (_(", ").join(f"{name} {evidence_text(values.get(name), digits)}" for name in names) if len(names) > 1
                 else evidence_text(values.get(names[0]), digits))
        parts.append(_("{at}: {values}").format(at=at[frame], values=shown))
    rule = (_("the first within {margin:g} nat of the largest is kept, {first} before {second}, and for each the mean "
              "before the smallest before the largest value").format(margin=ORIGIN_MARGIN, first=names[0], second=names[1])
            if len(names) == 2 else
            _("the first within {margin:g} nat of the largest is kept, the mean before the smallest before the largest "
              "value").format(margin=ORIGIN_MARGIN))
    return _("x's origin: {where}, chosen by the evidence (log evidence {values}; {rule})").format(
        where=where[origin["chosen"]], values=_("; ").join(parts), rule=rule)


def line_line(straight, k, kinked=None):
    """What the straight line's evidence said (model.extra["line"]; driver.LINE, LINE_MARGIN): kept, or not."""
    line, network = evidence_text(straight["evidence"]), evidence_text(straight["network"])
    if kinked and kinked["kept"]:
        return _("a straight line: log evidence {line} against the networks' largest {network}; the kink's is larger "
                 "still").format(line=line, network=network)
    if straight.get("held") is False:
        return _("a straight line: log evidence {line} against the networks' largest {network}: not kept, as a relu network "
                 "cannot hold it here in float64 (x far from 0 for its spread, with --scale none)").format(line=line, network=network)
    if not straight["kept"]:
        return _("a straight line: log evidence {line} against the networks' largest {network}: the network is kept (the "
                 "line is kept where it fits every point exactly, or its evidence is larger by more than {margin:g} nat)").format(
                     line=line, network=network, margin=LINE_MARGIN)
    holds = (_("relu neuron 1 holds it") if k == 1 else _("relu neurons 1-{k} hold it, one for each output").format(k=k))
    return _("a straight line: log evidence {line} against the networks' largest {network}: the line is kept; {holds} (its "
             "kink {reach:g} times farther out than the farthest training point) and the other neurons are off").format(
                 line=line, network=network, holds=holds, reach=REACH)


def place_text(at, x_range):
    """The kink's place in x's units, with digits enough to place it within a ten-thousandth of the
    data's span (x = 1000000.234 on data in [999999, 1000001] is not "1e+06")."""
    span = abs(x_range[1] - x_range[0]) or 1.0
    digits = 4 + max(0, math.ceil(math.log10(max(abs(at), span) / span)))
    return f"{at:.{min(digits, 17)}g}"


def kink_line(kinked, x_range):
    """What the kink's evidence said (model.extra["kink"]; driver.KINK, KINK_MARGIN): kept, or not."""
    at = place_text(kinked["at"], x_range)
    if kinked.get("race"):  # behind on the race's points (driver.KINK_SURE): not fitted on every point
        race = kinked["race"]
        return _("one kink (two straight pieces): on the race's {points} points its log evidence {kink} (the best at "
                 "x = {at}) was {gap:.0f} nat below the race's winner's {rivals}, more than {sure:g}: not fitted on every "
                 "point").format(points=race["points"], kink=evidence_text(race["evidence"]), at=at,
                                 gap=race["networks"] - race["evidence"], rivals=evidence_text(race["networks"]),
                                 sure=KINK_SURE)
    kink, rivals = evidence_text(kinked["evidence"]), evidence_text(kinked["rivals"])
    if kinked.get("held") is False:
        return _("one kink (two straight pieces): log evidence {kink} over every place of the kink (the best at x = {at}) "
                 "against {rivals} for the networks and the line: not kept, as a relu network cannot hold it here in float64 "
                 "(x far from 0 for its spread, with --scale none)").format(kink=kink, at=at, rivals=rivals)
    if not kinked["kept"]:
        return _("one kink (two straight pieces): log evidence {kink} over every place of the kink (the best at x = {at}) "
                 "against {rivals} for the networks and the line: not kept (it is kept where it fits every point exactly, or "
                 "its evidence is larger by more than {margin:g} nat)").format(kink=kink, at=at, rivals=rivals,
                                                                               margin=KINK_MARGIN)
    return _("one kink (two straight pieces): log evidence {kink} over every place of the kink against {rivals} for the "
             "networks and the line: kept, at x = {at}; relu neuron 1 holds the line (its kink {reach:g} times farther "
             "out than the farthest training point), neuron 2 the kink, and the other neurons are off").format(
                 kink=kink, rivals=rivals, at=at, reach=REACH)


def epochs(n):
    return _("1 epoch") if n == 1 else _("{n} epochs").format(n=n)


def summary(model):
    """The lines `nnfit fit` prints after a fit: what was kept, how, and its metrics. ConfigError for a model whose
    extra is not what a fit wrote (one loaded from a file whose metadata was edited: helper-86)."""
    from ..config import ConfigError
    if getattr(model, "kind", None) != "fit":
        raise ConfigError("model", _("summary describes a fit (nnfit.fit's model), got {what}").format(
            what=repr(model) if hasattr(model, "kind") else type(model).__name__))
    try:
        return fit_summary(model)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError("extra", _("is not what a fit writes ({kind}: {error}): the model's file was edited, or "
                                     "extra changed in memory").format(kind=type(e).__name__, error=e)) from None


def fit_summary(model):
    f, e = model.config, model.extra
    how = _("Bayesian regularization") if e["bayes"] else (_("early stopping") if e["split"][1] else _("no regularization"))
    d, k = model.n_inputs, model.n_outputs
    shape = (_("network {d}-{hidden}-{k} {activation}") if (d, k) != (1, 1) else _("hidden {hidden} {activation}")).format(
        d=d, hidden=f.hidden, k=k, activation=f.activation)
    straight, kinked = e.get("line"), e.get("kink")
    closed = bool(straight and straight.get("kept") or kinked and kinked.get("kept"))
    if kinked and kinked.get("kept"):
        kept = _("kept: two straight pieces joined at x = {at} (one kink, in closed form; the relu network holds it), "
                 "not the networks' best (start {start} of {starts}, {epochs}), {ms:.1f} ms").format(
            at=place_text(kinked["at"], model.x_range), start=e["start"] + 1, starts=f.starts, epochs=epochs(e["epochs"]), ms=e["seconds"] * 1e3)
    elif straight and straight.get("kept"):
        kept = _("kept: the straight line (the network with no hidden neurons, in closed form; the relu network holds "
                 "it), not the networks' best (start {start} of {starts}, {epochs}), {ms:.1f} ms").format(
            start=e["start"] + 1, starts=f.starts, epochs=epochs(e["epochs"]), ms=e["seconds"] * 1e3)
    else:
        kept = _("kept: start {start} of {starts}, {epochs} (best epoch {best}; stopped: {stopped}), {ms:.1f} ms").format(
            start=e["start"] + 1, starts=f.starts, epochs=epochs(e["epochs"]), best=e["best_epoch"],
            stopped=stop_reason(e["stopped"]), ms=e["seconds"] * 1e3)
    if e.get("warm_start"):
        kept += _("; it began on plain LM for up to {epochs} epochs, then Bayesian updates (the warm-up)").format(
            epochs=min(WARM_EPOCHS, f.epochs // 2))
    if e.get("dropped"):
        kept += (_("; 1 start dropped early, behind the others") if e["dropped"] == 1 else
                 _("; {dropped} starts dropped early, behind the others").format(dropped=e["dropped"]))
    scout = e.get("scout")
    if scout and scout.get("representative", True):
        kept += _("; those epochs are on every point, after the {starts} starts raced on {points} of the points for "
                  "{epochs}").format(starts=scout["starts"], points=scout["points"], epochs=epochs(scout["epochs"]))
    elif scout:
        kept += _("; the {starts} starts raced on {points} of the points for {epochs}, but the winner, refined on every "
                  "point, fitted them worse than the noise allows, so every start went on every point").format(
                      starts=scout["starts"], points=scout["points"], epochs=epochs(scout["epochs"]))
    header = (_("fit: {optimizer}, {how}, 1 start, {shape}, scaling {scale}, seed {seed}") if f.starts == 1 else
              _("fit: {optimizer}, {how}, {starts} starts, {shape}, scaling {scale}, seed {seed}"))
    lines = [header.format(optimizer=f.optimizer, how=how, starts=f.starts, shape=shape, scale=f.scale, seed=f.seed), kept]
    choice = e.get("activation")
    if choice:
        line = activation_line(choice, scout)
        lines.append(_("the networks: {line}").format(line=line) if closed else line)
    if e.get("x_origin"):
        lines.append(origin_line(e["x_origin"]))
    if straight:
        lines.append(line_line(straight, k, kinked))
    if kinked:
        lines.append(kink_line(kinked, model.x_range))
    if choice or e.get("x_origin") or straight or kinked:
        lines.append(_("(log evidence: how probable the data are under a model, as a natural log, in nats; the larger, "
                       "the better the model explains the data for its complexity; a few nats apart is a clear preference)"))
    n_tr, n_va, n_te = e["split"]
    if n_va + n_te == 0:
        why = (_("{n} points (a split needs {least} or more)").format(n=n_tr, least=MIN_SPLIT_POINTS) if n_tr < MIN_SPLIT_POINTS
               else _("Bayesian regularization trains on every point") if e["bayes"]
               else _("the validation and test fractions are 0"))
        lines.append(_("no validation or test split: {why}").format(why=why))
    else:
        lines.append(_("split: {train} train / {val} validation / {test} test (seeded)").format(train=n_tr, val=n_va, test=n_te))
    if model.x_names or model.y_names:
        lines.append(_("columns: {x} -> {y}").format(x=", ".join(model.x_names or ["?"] * d), y=", ".join(model.y_names or ["?"] * k)))
    if k > 1:
        lines.append("  " + _("(each output's RMSE in its own units; MSE and RMSE over all {k} outputs pooled; R2 the mean "
                              "of the outputs' R2)").format(k=k))
    labels = {"train": _("train"), "val": _("val"), "test": _("test")}
    for name, m in e["metrics"].items():
        r2 = f"{m['r2']:.6f}" if m["r2"] is not None and m["r2"] == m["r2"] else _("n/a (y is constant)")  # None: read back
        lines.append(f"  {labels[name]:<5} n={m['n']:<5} MSE {m['mse']:.3e}  RMSE {m['rmse']:.3e}  R2 {r2}")
        names = model.y_names or [f"y[{j}]" for j in range(k)]
        for j, out in enumerate(m.get("outputs", [])):
            r2 = f"{out['r2']:.6f}" if out["r2"] is not None and out["r2"] == out["r2"] else _("n/a (constant)")
            lines.append(f"        {names[j]}: RMSE {out['rmse']:.3e}  R2 {r2}")
    reg = e.get("regularization")
    if reg:
        loo = f"{reg['loo_rmse']:.3e}" if reg["loo_rmse"] is not None else _("not computable")
        lines.append("  " + _("effective parameters {gamma:.1f} of {parameters}; approximate leave-one-out RMSE {loo} "
                              "(a held-out estimate)").format(gamma=reg["gamma"], parameters=reg["parameters"], loo=loo))
    return "\n".join(lines)
