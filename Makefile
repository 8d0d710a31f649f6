# The two commands: `make run` (the product) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint bench install dev browser clean

# The runtime environment: torch's CPU build first (a looser spec pulls CUDA).
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	touch $@

# Test extras: llama-cpp-python compiles once (about 12 min); pip caches the wheel.
$(BIN)/.dev-installed: $(BIN)/.installed
	$(BIN)/pip install -q -e '.[dev,ollama,llamacpp]'
	touch $@

# The browser tests drive Debian's chromium (Playwright's own download can't be used here).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests will fail without it)"; fi

install: $(BIN)/.installed
dev: $(BIN)/.dev-installed browser

run: $(BIN)/.installed
	$(BIN)/newsrag serve

lint: dev
	$(BIN)/ruff check rag vectorstore ui tests benchmarks
	$(BIN)/ruff format --check rag vectorstore ui tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(BIN)/.dev-installed
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
