"""The summary of a fit, as a person reads it."""
from .config import MIN_SPLIT_POINTS


def summary(model):
    f, e = model.config, model.extra
    how = "Bayesian regularization" if e["bayes"] else ("early stopping" if e["split"][1] else "no regularization")
    d, k = model.n_inputs, model.n_outputs
    shape = f"network {d}-{f.hidden}-{k} {f.activation}" if (d, k) != (1, 1) else f"hidden {f.hidden} {f.activation}"
    lines = [f"fit: {f.optimizer}, {how}, {f.starts} starts, {shape}, scaling {f.scale}, seed {f.seed}",
             f"kept: start {e['start'] + 1} of {f.starts}, {e['epochs']} epoch{'s' if e['epochs'] != 1 else ''} (best epoch {e['best_epoch']}; "
             f"stopped: {e['stopped']}), {e['seconds'] * 1e3:.1f} ms"
             + (f"; {e['dropped']} hopeless starts dropped early" if e.get("dropped") else "")
             + (f"; first the {e['scout']['starts']} starts raced on {e['scout']['points']} of the points for "
                f"{e['scout']['epochs']} epoch{'s' if e['scout']['epochs'] != 1 else ''}, then the best went on alone on every point"
                if e.get("scout") else "")]
    n_tr, n_va, n_te = e["split"]
    if n_va + n_te == 0:
        why = (f"{n_tr} points (a split needs {MIN_SPLIT_POINTS} or more)" if n_tr < MIN_SPLIT_POINTS
               else "Bayesian regularization trains on every point")
        lines.append(f"no validation or test split: {why}")
    else:
        lines.append(f"split: {n_tr} train / {n_va} validation / {n_te} test (seeded)")
    if model.x_names or model.y_names:
        lines.append(f"columns: {', '.join(model.x_names or ['?'] * d)} -> {', '.join(model.y_names or ['?'] * k)}")
    if k > 1:
        lines.append(f"  (each output's RMSE in its own units; MSE and RMSE over all {k} outputs pooled; R2 the mean of the outputs' R2)")
    for name, m in e["metrics"].items():
        r2 = f"{m['r2']:.6f}" if m["r2"] == m["r2"] else "n/a (y is constant)"
        lines.append(f"  {name:<5} n={m['n']:<5} MSE {m['mse']:.3e}  RMSE {m['rmse']:.3e}  R2 {r2}")
        names = model.y_names or [f"y[{j}]" for j in range(k)]
        for j, out in enumerate(m.get("outputs", [])):
            r2 = f"{out['r2']:.6f}" if out["r2"] == out["r2"] else "n/a (constant)"
            lines.append(f"        {names[j]}: RMSE {out['rmse']:.3e}  R2 {r2}")
    reg = e.get("regularization")
    if reg:
        lines.append(f"  effective parameters {reg['gamma']:.1f} of {reg['parameters']}; "
                     f"approximate leave-one-out RMSE {reg['loo_rmse']:.3e} (a held-out estimate)")
    return "\n".join(lines)
