# Every install step lives here: CI and a fresh machine run exactly these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The browser tests drive Debian's Chromium, never a browser a test tool downloads.
CHROMIUM := /usr/bin/chromium
# systemd-analyze checks the units in deploy/systemd (Debian's systemd package).
SYSTEMD_ANALYZE := /usr/bin/systemd-analyze
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

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
	@# mypy reads packages from folders, so it checks a tree of links laid out as installed.
	rm -rf build/typecheck && mkdir -p build/typecheck/wallboard
	ln -s $(CURDIR)/wallboard/* build/typecheck/wallboard/
	for top in adapters themes recordings; do ln -s $(CURDIR)/$$top build/typecheck/wallboard/$$top; done
	cd build/typecheck && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml -p wallboard

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "make: the browser tests need Chromium at $(CHROMIUM) (Debian: apt-get install chromium)" >&2; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

$(SYSTEMD_ANALYZE):
	@command -v apt-get >/dev/null || { echo "make: the deploy tests need $(SYSTEMD_ANALYZE) (Debian: apt-get install systemd)" >&2; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd

test: lint $(CHROMIUM) $(SYSTEMD_ANALYZE)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
