# The two commands that do everything on a fresh machine:
#   make demo   run the embedded simulator, a one-minute headless test, and the report
#   make test   lint and the whole test suite (unit and real end-to-end runs on loopback)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup browser tools demo test lint bench clean

setup: $(STAMP)

# Reinstall whenever pyproject.toml changes; the stamp keeps repeated runs instant.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's chromium for the report and web UI tests (never a tool's own browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# wrk drives the simulator benchmark from a second process.
tools:
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

demo: setup
	$(BIN)/wfload run --users 20 --spawn-rate 5 --run-time 60s

lint: setup
	$(BIN)/ruff check .

test: setup browser lint
	$(BIN)/python -m pytest -q

bench: setup tools
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
