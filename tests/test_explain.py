"""nnfit explain shows the real first step, with gradients three ways that agree."""


from nnfit import engines
from nnfit.config import Config
from nnfit.data import tutorial_data
from nnfit.params import Params, init_params


def test_explain_first_step_seed0(cli):
    status, out, err = cli("explain", "--seed", "0", "--lang", "en")
    assert status == 0, err
    p = init_params(0, 5, "float64")
    x, y = tutorial_data()
    cfg = Config(dtype="float64", seed=0)
    loss, grads = engines.get("scalar").Engine(Params(*(v[None] for v in p)), cfg).gradients(x[:1], y[:1])
    assert f"= {loss:.6g}" in out
    for name in "wba":
        for i in range(5):
            row = next(line for line in out.splitlines() if line.startswith(f"{name}{i + 1} "))
            g = getattr(grads, name)[i]
            assert f"{g:.6g}" in row, (row, g)
    worst = float(out.strip().rsplit(" ", 1)[1])
    assert worst < 1e-6


def test_explain_later_step_and_chinese(cli):
    status, out, err = cli("explain", "--seed", "3", "--epoch", "4", "--sample", "7", "--lang", "zh")
    assert status == 0, err
    assert "第 4 轮第 7 步" in out and "样本 7" in out


def test_explain_bad_step(cli):
    status, out, err = cli("explain", "--epoch", "99")
    assert status == 2 and "--epoch must be between 1 and 50" in err


def test_compare_cli(cli):
    status, out, err = cli("compare", "--seed", "0", "--dtype", "float64", "--epochs", "5")
    assert status == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(rows) == {"scalar", "manual", "matrix"}
    assert all(float(r[2]) < 1e-9 for r in rows.values())
