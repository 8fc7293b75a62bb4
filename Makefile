# Two commands on a fresh machine with Python 3.11+ and make:
#   make run    installs what it needs, then compares the designs of the baseline scenario
#   make test   installs what it needs, then runs the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= baseline
JOBS   ?= 2

.PHONY: run test lint bench clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,parquet]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/aftersales run $(SCENARIO) --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q --nbmake tests notebooks

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_baseline.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
