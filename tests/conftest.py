import os
import re

import pytest

GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")


def golden_cases():
    """(seed, lr, epochs, lines) for each recorded run of the tutorial program."""
    cases = []
    for name in sorted(os.listdir(GOLDEN_DIR)):
        seed, lr, epochs = re.fullmatch(r"seed(\d+)_lr([\d.]+)_epochs(\d+)\.txt", name).groups()
        with open(os.path.join(GOLDEN_DIR, name)) as f:
            cases.append((int(seed), float(lr), int(epochs), f.read().splitlines()))
    return cases


@pytest.fixture
def cli(capsys, tmp_path, monkeypatch):
    """Run nnfit's main(argv) in a fresh directory; returns (status, stdout, stderr)."""
    from nnfit.cli import main
    monkeypatch.chdir(tmp_path)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):  # English messages unless a test asks for Chinese
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")

    def run(*argv):
        status = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return status, out, err
    return run
