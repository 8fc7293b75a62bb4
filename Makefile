# Two commands on a fresh machine with Python 3.11+ and make:
#   make run    installs what it needs, then compares the designs of the baseline scenario
#   make test   installs what it needs, then runs the whole test suite
#   make dashboard  installs what it needs, then starts the local web dashboard
#   make notebooks  installs what it needs, then opens the teaching notebooks in JupyterLab
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= baseline
JOBS   ?= 2

.PHONY: run test lint bench clean install dashboard notebooks

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,parquet,dashboard,dashboard-test,sensitivity,widgets]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/aftersales run $(SCENARIO) --jobs $(JOBS)

# The local web dashboard on 127.0.0.1 (Ctrl-C stops it); PORT=8600 to choose the port.
dashboard: $(STAMP)
	$(BIN)/aftersales dashboard $(SCENARIO) $(if $(PORT),--port $(PORT))

# Notebooks run in fast mode (AFTERSALES_FAST=1: few replications, short runs).
test: $(STAMP)
	AFTERSALES_FAST=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -q --nbmake tests notebooks

# JupyterLab on notebooks/ at http://127.0.0.1:8888 (Ctrl-C stops it); PORT=8890 to choose.
# As root (a container), JupyterLab refuses to start without --allow-root: pass it only then.
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(if $(PORT),--port $(PORT)) \
		$(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.root_dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

# Benchmarks (minutes; not part of the tests): writes benchmarks/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
