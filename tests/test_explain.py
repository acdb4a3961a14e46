"""nnfit explain shows the real step as the chapter computes it.

Oracles: the chapter's own program (one float32 tensor per parameter, loss.backward(), p -= lr * p.grad),
written out again below; torch autograd in float64 (tests/test_gradients.py); finite differences."""
import json
import re

import numpy as np
import pytest
import torch

from nnfit.config import Config
from nnfit.data import tutorial_data
from nnfit.explain import explain, ledger, state_before_step, step_ledger, width
from test_gradients import torch_gradients  # tests/ is on sys.path (rootdir conftest)


def chapter_loop(seed, steps, zero_grads=True):
    """The chapter's section-4 loop, written out again, for `steps` samples (data order, lr 0.01).
    Returns the average loss of each finished epoch, and {'w1': (grad, new value), ...} of the last
    step in float32, as the chapter has them. zero_grads=False is the loop as section 4 prints it."""
    torch.manual_seed(seed)
    p = {f"{n}{i}": torch.randn(1, requires_grad=True) for n in "wba" for i in range(1, 6)}
    X, Y = tutorial_data()
    averages, total_loss = [], 0
    for k in range(steps):
        x, y = float(X[k % 10]), float(Y[k % 10])
        h = [torch.sigmoid(p[f"w{i}"] * x + p[f"b{i}"]) for i in range(1, 6)]
        y_pred = p["a1"] * h[0] + p["a2"] * h[1] + p["a3"] * h[2] + p["a4"] * h[3] + p["a5"] * h[4]
        loss = (y_pred - y).pow(2)
        total_loss += loss.item()
        loss.backward()
        grads = {n: v.grad.item() for n, v in p.items()}
        with torch.no_grad():
            for v in p.values():
                v -= 0.01 * v.grad
                if zero_grads:
                    v.grad.zero_()
        if k % 10 == 9:
            averages.append(total_loss / len(X))
            total_loss = 0
    return averages, {n: (grads[n], p[n].item()) for n in p}


@pytest.mark.parametrize("epoch,sample", [(1, 1), (2, 3)])
def test_autograd_column_is_the_chapters_float32(epoch, sample):
    x, y = tutorial_data()
    d = ledger(Config(seed=0, engine="scalar"), x, y, epoch, sample)
    _, want = chapter_loop(0, (epoch - 1) * 10 + sample)
    for r in d["params"]:
        grad, new = want[r["name"]]
        assert r["autograd"] == grad and r["new"] == new, (r, grad, new)
    error = np.float32(d["samples"][0]["error"])
    assert error * error == np.float32(d["loss"])  # the shown ŷ − y is the one the loss squares
    if (epoch, sample) == (1, 1):  # the numbers the issue quotes: float32 autograd, not float64
        rows = {r["name"]: r for r in d["params"]}
        assert f"{rows['w5']['autograd']:.6g}" == "-0.00168406" and rows["w3"]["autograd"] == 0.0
        assert f"{rows['w5']['hand']:.6g}" == "-0.00168274"


@pytest.mark.parametrize("activation,batch,engine", [("sigmoid", 1, "manual"), ("tanh", 3, "matrix"), ("relu", 4, "scalar")])
def test_hand_column_is_float64_autograd_and_finite_differences(activation, batch, engine):
    x, y = tutorial_data()
    cfg = Config(seed=4, activation=activation, batch_size=batch, engine=engine, hidden=4, lr=0.01)
    params, idx = state_before_step(cfg, x, y, 2, 2)
    d = step_ledger(params, x, y, idx, cfg)
    json.dumps(d, allow_nan=False)  # plain numbers, for the web page
    loss64, g64 = torch_gradients(params, x[idx], y[idx], activation)
    hand = np.array([r["hand"] for r in d["params"]])
    fd = np.array([r["fd"] for r in d["params"]])
    auto = np.array([r["autograd"] for r in d["params"]])
    assert np.max(np.abs(hand - g64.flat())) < 1e-12, np.max(np.abs(hand - g64.flat()))
    assert np.max(np.abs(fd - hand)) < 1e-6, np.max(np.abs(fd - hand))
    assert np.max(np.abs(auto - hand)) < 1e-4 * (1 + np.max(np.abs(hand)))  # float32 rounding only
    assert abs(d["loss"] - loss64) < 1e-5 * (1 + loss64)
    # `new` is the engine's own step: the next step starts from it
    after, _ = state_before_step(cfg, x, y, 2, 3)
    assert [r["new"] for r in d["params"]] == [float(v) for v in after.flat()]


def test_explain_text_chinese_by_default(cli):
    status, out, err = cli("explain", "--seed", "0")
    assert status == 0, err
    assert "第 1 轮第 1 步" in out and "引擎 scalar" in out and "σ" in out and "ŷ" in out
    assert "act" not in out and "y_hat" not in out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1] in "wba" and "∂L/∂" in line}
    assert set(rows) == {f"{n}{c}" for n in "wba" for c in "₁₂₃₄₅"}
    assert "-0.00168406" in rows["w₅"].split("·x", 1)[1] and rows["w₃"].split("·x", 1)[1].split()[0] == "0"
    # aligned by display width: the three gradient columns end at the same terminal column on every row,
    # the Chinese header included (cells are separated by two spaces or more)
    table = [line for line in out.splitlines() if "∂L/∂" in line or line.startswith("参数")]
    ends = {tuple(width(line[:m.end()]) for m in re.finditer(r"\S+(?: \S+)*", line))[2:5] for line in table}
    assert len(table) == 16 and len(ends) == 1, ends


def test_explain_english_later_step(cli):
    status, out, err = cli("explain", "--seed", "3", "--epoch", "4", "--sample", "7", "--lang", "en")
    assert status == 0, err
    assert "SGD step 7 of epoch 4" in out and "sample 7: x = 3.33" in out


def test_explain_diverged_run_is_one_line(cli):
    status, out, err = cli("explain", "--seed", "0", "--lr", "1000", "--sample", "10")
    assert status == 1 and out == "" and err.count("\n") == 1, (status, out, err)
    assert err.startswith("nnfit: error: the loss became") and "--lr 0.1 does not diverge from this start in 50 epochs" in err


def test_explain_bad_step(cli):
    status, out, err = cli("explain", "--epoch", "99")
    assert status == 2 and "--epoch must be between 1 and 50 (the run's --epochs), got 99" in err


def test_explain_refuses_a_step_the_scalar_engine_would_take_hours_to_reach(cli):
    """--epoch 1e8 trained on the per-neuron autograd engine for days: refused at once, before a seed is
    drawn, naming the manual engine; the manual engine reaches it (here 30001 epochs) in a second."""
    from nnfit.explain import TORCH_SAMPLES, check_step
    from nnfit.config import Config
    status, out, err = cli("explain", "--epochs", "1e8", "--epoch", "1e8")
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "--epoch 100000000 --sample 1 on 10 points is 999999990 samples before the step for the scalar engine" in err
    assert "--engine manual" in err
    epoch = TORCH_SAMPLES // 10 + 2
    status, out, err = cli("explain", "--epochs", str(epoch), "--epoch", str(epoch), "--seed", "0", "--lang", "en")
    assert status == 2 and "for the scalar engine" in err
    # the samples of the step's own epoch count too (a large file), and the matrix engine is as slow
    with pytest.raises(ValueError, match="samples before the step for the scalar engine"):
        check_step(Config(epochs=1, engine="scalar"), 10**6, 1, 10**6)
    with pytest.raises(ValueError, match="for the matrix engine"):
        check_step(Config(epochs=10**8, engine="matrix"), 10, 10**8, 1)
    status, out, err = cli("explain", "--epochs", str(epoch), "--epoch", str(epoch), "--seed", "0", "--lang", "en",
                           "--engine", "manual")
    assert status == 0 and out.startswith(f"SGD step 1 of epoch {epoch}"), err


def test_compare_cli(cli):
    status, out, err = cli("compare", "--seed", "0", "--dtype", "float64", "--epochs", "5")
    assert status == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(rows) == {"scalar", "manual", "matrix"}
    assert all(float(r[2]) < 1e-9 for r in rows.values())
    status, out, err = cli("compare", "--seed", "0", "--engine", "scalar")
    assert status == 2 and err.startswith("nnfit: error: --engine: compare runs every engine") and not out
    from nnfit.explain import width
    status, out, err = cli("compare", "--seed", "0", "--epochs", "2", "--lang", "zh")  # a learner's table, in Chinese
    lines = out.splitlines()
    assert status == 0 and lines[0].startswith("种子 0") and lines[1].startswith("引擎")
    assert len({width(line) for line in lines[1:]}) == 1  # columns line up by display width (a Chinese character: 2)
    status, out, err = cli("train", "--seed", "0", "--terms", "--no-plot")
    assert status == 2 and err.startswith("nnfit: error: --terms draws in fit.png") and not out
    for command in ("train", "fit"):  # (helper-82: --show with --no-plot was accepted, and showed nothing)
        status, out, err = cli(command, "--seed", "0", "--show", "--no-plot")
        assert status == 2 and err.startswith("nnfit: error: --show draws in fit.png") and not out


def test_explain_function_text_matches_ledger():
    x, y = tutorial_data()
    text = explain(Config(seed=1, engine="scalar"), x, y, lang="en")
    d = ledger(Config(seed=1, engine="scalar"), x, y)
    assert f"= {d['loss']:.6g}" in text
    for r in d["params"]:
        assert f"{r['autograd']:.6g}" in text and f"{r['new']:.8g}" in text


def test_explain_json_is_the_ledger(cli):
    status, out, err = cli("explain", "--seed", "0", "--epoch", "2", "--sample", "5", "--json")
    assert status == 0, err
    x, y = tutorial_data()
    assert json.loads(out) == json.loads(json.dumps(ledger(Config(seed=0, engine="scalar"), x, y, 2, 5)))
