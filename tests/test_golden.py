"""The tutorial recipe prints the tutorial program's lines, digit for digit (recorded in tests/golden/)."""
import numpy as np
import pytest

import nnfit
from conftest import golden_cases

CASES = golden_cases()


@pytest.mark.parametrize("seed,lr,epochs,lines", CASES, ids=[f"seed{c[0]}-lr{c[1]}-e{c[2]}" for c in CASES])
def test_cli_prints_the_tutorial_lines(cli, seed, lr, epochs, lines):
    status, out, err = cli("train", "--seed", seed, "--lr", lr, "--epochs", epochs, "--no-plot")
    assert status == 0, err
    assert out.splitlines() == lines


@pytest.mark.parametrize("engine", ["scalar", "manual"])
@pytest.mark.parametrize("seed,lr,epochs,lines", CASES[:4], ids=[f"seed{c[0]}" for c in CASES[:4]])
def test_float32_engines_print_the_same_lines(engine, seed, lr, epochs, lines):
    from nnfit.train import epoch_line
    model = nnfit.train(seed=seed, lr=lr, epochs=epochs, engine=engine)
    assert [epoch_line(i + 1, [v]) for i, v in enumerate(model.history)] == lines


@pytest.mark.parametrize("engine", ["scalar", "manual", "matrix"])
def test_every_engine_within_1e5_of_the_tutorial(engine):
    for seed, lr, epochs, lines in CASES:
        want = np.array([float(line.rsplit(" ", 1)[1]) for line in lines])
        got = np.array(nnfit.train(seed=seed, lr=lr, epochs=epochs, engine=engine).history)
        diff = np.max(np.abs(got - want))
        assert diff < 1e-5, f"{engine} seed {seed}: largest difference {diff:.3g}"


def test_verbose_api_prints_the_lines(capsys):
    nnfit.train(seed=0, verbose=True)
    assert capsys.readouterr().out.splitlines() == CASES[0][3]


def test_no_seed_draws_one_and_says_it(cli):
    status, out, err = cli("train", "--no-plot")
    assert status == 0
    seed = int(err.split()[1])
    _, again, _ = cli("train", "--no-plot", "--seed", seed)
    assert again == out
