# Set-up and checks. `make demo` and `make test` work on a fresh machine:
# each creates the virtual environment in .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stadsrum-installed

.PHONY: demo test lint format clean benchmark

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/stadsrum demo --out stadsrum-demo

lint: $(STAMP)
	$(BIN)/ruff check stadsrum tests $(wildcard benchmarks/*.py)
	$(BIN)/ruff format --check stadsrum tests $(wildcard benchmarks/*.py)
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff format stadsrum tests $(wildcard benchmarks/*.py)
	$(BIN)/ruff check --fix stadsrum tests $(wildcard benchmarks/*.py)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) stadsrum-demo .pytest_cache .ruff_cache .mypy_cache
