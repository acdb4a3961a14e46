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


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """English messages, the library's too, whatever the locale the tests run in (_() follows the locale
    when no language was chosen, and keeps the one a Chinese main() chose): a test asks for Chinese itself."""
    from nnfit import i18n
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setattr(i18n, "_translation", None)


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


# Tests marked `slow` (larger property-test profiles) run only when asked for: `pytest -m slow`,
# `pytest --run-slow`, or NNFIT_SLOW=1 in the environment.
def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False, help="also run tests marked slow")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: many examples, minutes; skipped unless -m slow, --run-slow or NNFIT_SLOW=1")


# The longest files first (measured: the page's browser tests, the CLI's, the fits'...): `make test` hands whole
# files to two workers in this order (--no-loadscope-reorder: xdist would otherwise order the files by their count
# of tests, which put a long file last and left one worker idle for 6-12 s while it ran).
LONGEST_FIRST = ("test_play.py", "test_cli.py", "test_fit.py", "test_bad_input.py", "test_fit_properties.py",
                 "test_diagnostics.py", "test_export.py", "test_awkward_more.py", "test_fit_many.py", "test_engines.py",
                 "test_kink.py")


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = os.path.basename(str(item.fspath))
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)  # (stable: each file's own order is kept)
    markexpr = config.getoption("markexpr", "") or ""
    if config.getoption("--run-slow") or os.environ.get("NNFIT_SLOW") or ("slow" in markexpr and "not slow" not in markexpr):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow, --run-slow or NNFIT_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
