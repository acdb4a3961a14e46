# Two commands on a fresh machine with Python >= 3.10:  make run  |  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: run test test-kernels bench bench-tabular setup clean

run: $(READY)  ## set up, then train the tutorial's network on its data
	$(BIN)/nnfit

# Two processes (this machine has 2 cores), each test file whole in one of them, in its order: a file's
# module fixtures (the page's server, the browser) start once, as when run alone. The files go out longest first
# (tests/conftest.py's LONGEST_FIRST; --no-loadscope-reorder keeps that order), so the two end together.
# Python's bytecode is written for the tests even where PYTHONDONTWRITEBYTECODE is set (as on CI machines): without
# it pytest parses and rewrites every test file's asserts again in each worker, every run (about 3 s of each).
test: $(READY)  ## set up, then run the tests
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

# The tests whose numbers go through torch's or OpenBLAS's CPU kernels, again with other kernels forced,
# so that a result that depends on the machine's kernels shows up anywhere (.ci/run). The two runs go
# side by side (one core each); each one's report is printed whole when both are done.
KERNEL_TESTS = $(wildcard tests/test_fit*.py) tests/test_line.py tests/test_kink.py tests/test_engines.py tests/test_golden.py tests/test_gradients.py
PYTEST_KERNELS = env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -p no:cacheprovider $(KERNEL_TESTS)
test-kernels: $(READY)
	@set -u; log=$$(mktemp -d); \
	ATEN_CPU_CAPABILITY=default $(PYTEST_KERNELS) > $$log/aten 2>&1 & a=$$!; \
	OPENBLAS_CORETYPE=Sandybridge $(PYTEST_KERNELS) > $$log/blas 2>&1; b=$$?; wait $$a; a=$$?; \
	echo "== ATEN_CPU_CAPABILITY=default"; cat $$log/aten; echo "== OPENBLAS_CORETYPE=Sandybridge"; cat $$log/blas; \
	rm -rf $$log; test $$a = 0 && test $$b = 0

bench: $(READY) $(VENV)/.bench  ## the benchmark against the tutorial program, PyTorch and scikit-learn
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_tabular.py

# NNFitRegressor on tabular data against scikit-learn's regressors (5-fold CV); rewrites only its own
# section of benchmarks/results.md (bench.py rewrites the whole file, so `make bench` runs both).
bench-tabular: $(READY) $(VENV)/.bench
	$(BIN)/python benchmarks/bench_tabular.py

setup: $(READY)

# The virtual environment, the pinned dependencies (torch 2.13.0, whichever build pip is offered: the `nnfit[torch]` extra and
# the tests' oracle), nnfit itself, and Numba's compiled kernels cached once so that the first run is as
# fast as the next (its fits' warnings about their tiny data are not shown). --no-deps: pip never resolves pyproject's ranges itself (it could pull a CUDA torch).
$(READY): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q nnfit  # (each nnfit command starts without compiling it)
	$(BIN)/python -c "import warnings, nnfit; warnings.simplefilter('ignore', nnfit.DataWarning); nnfit.train(seed=0); nnfit.train(seed=0, models=300); nnfit.fit(seed=0); \
		nnfit.fit([i / 29 for i in range(30)], [(i % 7) / 7 for i in range(30)], hidden=3, starts=2); \
		nnfit.train(seed=0, dtype='float64', epochs=1)"
	$(BIN)/nnfit explain --seed 0 --lang en > /dev/null
	touch $(READY)

$(VENV)/.bench: requirements-bench.txt $(READY)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-bench.txt
	touch $@

clean:
	rm -rf $(VENV) runs build *.egg-info
