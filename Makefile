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

.PHONY: run test lint bench install dev browser clean clean-wheels reader

# The runtime environment: torch's CPU build first (a looser spec pulls CUDA).
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	touch $@

# llama.cpp, portable: compiled once (about 12 min) with GGML_NATIVE=OFF, so the wheel runs on
# any x86-64 machine of this kind (a native build crashed on an AVX-512/AMX CPU).  The wheel is
# kept in a folder named by its version and its exact build flags, and installed from there by
# file name: pip's own cache (which may hold a wheel built with other flags) is never asked.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
LLAMA_FLAGS_ID := $(shell printf '%s' '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-10)
LLAMA_WHEELS ?= $(HOME)/.cache/newsrag/wheels/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(LLAMA_FLAGS_ID)

$(LLAMA_WHEELS)/.built:
	rm -rf '$(LLAMA_WHEELS)' && mkdir -p '$(LLAMA_WHEELS)'
	@echo "Building llama-cpp-python $(LLAMA_CPP_VERSION) with $(LLAMA_CMAKE_ARGS) (once, about 12 minutes)"
	CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' FORCE_CMAKE=1 $(PYTHON) -m pip wheel -q --no-cache-dir --no-deps \
	  --no-binary llama-cpp-python -w '$(LLAMA_WHEELS)' 'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	touch $@

# Test extras, with the portable llama.cpp wheel installed by path before anything can pull another.
$(BIN)/.dev-installed: $(BIN)/.installed $(LLAMA_WHEELS)/.built
	$(BIN)/pip install -q --no-cache-dir --force-reinstall --no-deps '$(LLAMA_WHEELS)'/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(BIN)/pip install -q -e '.[dev,ollama,llamacpp]'
	touch $@

# The browser tests drive Debian's chromium (Playwright's own download can't be used here).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests will fail without it)"; fi

# axe-core checks the page's accessibility in the browser tests (from npm, into build/).
AXE_VERSION := 4.14.1
AXE := build/axe/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix build/axe axe-core@$(AXE_VERSION) || \
	  echo "npm could not install axe-core $(AXE_VERSION): the accessibility test will fail until it can"

install: $(BIN)/.installed
dev: $(BIN)/.dev-installed browser $(AXE)

run: $(BIN)/.installed
	$(BIN)/newsrag serve

lint: dev
	$(BIN)/ruff check rag vectorstore ui tests benchmarks training
	$(BIN)/ruff format --check rag vectorstore ui tests benchmarks training
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(BIN)/.dev-installed
	$(BIN)/python benchmarks/run_all.py

# The reader (rag/readers/model), retrained from scratch with a fixed seed: one epoch over everything
# (SQuAD 1.1 train from the explorer's history, a half of its questions also as "no answer" against
# another paragraph, SQuAD's dev pages, RealTimeQA's training weeks: 104,260 questions, 160,653
# windows, 5,021 steps, about 3.5 hours on 2 quiet cores), then one over every news question and
# 3,000 SQuAD ones (about 20 minutes).
# SQUAD: a full clone (with its history) of the public GitHub repository rajpurkar/SQuAD-explorer;
# RTQA: one of realtimeqa/realtimeqa_public; SHARED: the folder with eval/ (../shared beside a
# checkout).  Give them as `make reader SQUAD=... RTQA=... SHARED=...` (the search tool's `fetch`
# brings both repositories to /work/.mirror, the defaults).  Trains on 2023 after the dev weeks,
# 2024 and 2025; never 2022 or 2026.  Stopped, it resumes: a stage goes on from its last
# checkpoint (every 200 steps, in build/reader*/trainer) and a finished stage is not run again;
# `rm -rf build/reader build/reader-news` starts over.
SQUAD ?= /work/.mirror/rajpurkar+SQuAD-explorer/repo
RTQA ?= /work/.mirror/realtimeqa+realtimeqa_public/repo
SHARED ?= ../shared
BUILD_RTQA := $(PYTHON) $(SHARED)/eval/realtimeqa/build.py
reader: $(BIN)/.dev-installed
	@test -d '$(SQUAD)' || { echo "make reader: no SQuAD-explorer copy at SQUAD=$(SQUAD). Clone the public repository rajpurkar/SQuAD-explorer (GitHub, full history) and run make reader SQUAD=that-folder."; exit 1; }
	@test -d '$(RTQA)' || { echo "make reader: no RealTimeQA copy at RTQA=$(RTQA). Clone the public repository realtimeqa/realtimeqa_public (GitHub) and run make reader RTQA=that-folder."; exit 1; }
	@test -f '$(SHARED)/eval/realtimeqa/build.py' || { echo "make reader: no $(SHARED)/eval/realtimeqa/build.py. Put the project's shared folder beside the checkout, or give SHARED=that-folder."; exit 1; }
	mkdir -p eval-data/train eval-data/calib
	$(BUILD_RTQA) '$(RTQA)' eval-data/rtqa-2023
	$(BUILD_RTQA) '$(RTQA)' eval-data/train/rtqa-2023-weeks --year 2023 --weeks 60
	$(BIN)/python benchmarks/late_weeks.py eval-data/train/rtqa-2023-weeks eval-data/rtqa-2023 eval-data/train/rtqa-2023-rest
	$(BUILD_RTQA) '$(RTQA)' eval-data/train/rtqa-2024-all --year 2024 --weeks 60
	$(BUILD_RTQA) '$(RTQA)' eval-data/train/rtqa-2025-all --year 2025 --weeks 60
	$(BIN)/python -m training.calibration_sets eval-data/train/rtqa-2025-all eval-data/calib
	test -d build/reader/trainer || rm -f eval-data/reader/examples.jsonl
	test -f build/reader/model/training.json || \
	  $(BIN)/python -m training.train --squad '$(SQUAD)' --cache eval-data/reader/examples.jsonl --out build/reader \
	  --squad-train --squad-negatives 0.5 --curve 18000,40000,80000 \
	  --rtqa eval-data/train/rtqa-2023-rest eval-data/train/rtqa-2024-all eval-data/train/rtqa-2025-all
	test -f build/reader-news/model/training.json || \
	  $(BIN)/python -m training.train --squad '$(SQUAD)' --cache eval-data/reader/examples.jsonl --out build/reader-news \
	  --init build/reader/model --squad-questions 3000 --lr 5e-5
	$(BIN)/python -m training.export build/reader-news/model rag/readers/model
	$(BIN)/python -m benchmarks.calibrate_reader eval-data/calib/squad-3 eval-data/calib/rtqa-2025-h2 \
	  --write rag/readers/model/calibration.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

clean-wheels:
	rm -rf '$(LLAMA_WHEELS)'
