# Every install step lives here: CI and a fresh machine run exactly these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wallboard demo

lint: $(STAMP)
	$(BIN)/ruff check wallboard adapters themes recordings tests benchmarks
	$(BIN)/ruff format --check wallboard adapters themes recordings tests benchmarks
	$(BIN)/python -m pytest -q -p no:cacheprovider --tb=short tests/test_layers.py

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
