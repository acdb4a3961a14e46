# Two commands on a fresh machine with Python >= 3.10:  make run  |  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: run test bench setup clean

run: $(READY)  ## set up, then train the tutorial's network on its data
	$(BIN)/nnfit

test: $(READY)  ## set up, then run the tests
	$(BIN)/python -m pytest -q

bench: $(READY) $(VENV)/.bench  ## the benchmark against the tutorial program, PyTorch and scikit-learn
	$(BIN)/python benchmarks/bench.py

setup: $(READY)

# The virtual environment, the pinned dependencies (torch 2.13.0, CPU build), nnfit itself, and
# Numba's compiled kernels cached once so that the first run is as fast as the next.
$(READY): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	$(BIN)/python -c "import nnfit; nnfit.train(seed=0); nnfit.train(seed=0, models=2); nnfit.fit(seed=0)"
	touch $(READY)

$(VENV)/.bench: requirements-bench.txt $(READY)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-bench.txt
	touch $@

clean:
	rm -rf $(VENV) runs build *.egg-info
