# Learning with neural-tangent features: `make` runs a pipeline (default: the
# notebook's experiment) and prints its table; `make test` runs every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables

# One OpenBLAS thread per stage: the products here are small, and `make -j`
# runs stages side by side (see README, "Threads").
export OPENBLAS_NUM_THREADS ?= 1
# A command prefix for every stage, e.g. LAUNCH="srun -N1 -n1 --exclusive".
LAUNCH ?=
PIPELINE ?= notebook

BIN := .build/release
STAGES := truth init features train evaluate report
BINARIES := $(addprefix $(BIN)/ntk-,$(STAGES))
SWIFT_INPUTS := Package.swift $(shell find Sources -name '*.swift' -o -name '*.h' -o -name '*.modulemap')
VENV := .venv
PYTHON := $(VENV)/bin/python

.DEFAULT_GOAL := run
.PHONY: run system-deps build test test-swift test-pipeline bench clean clean-runs

# --- build ---------------------------------------------------------------
system-deps:
	@scripts/install-system-deps.sh

build: $(BINARIES)

# swift build relinks only what changed; touch so Make sees the build as done.
$(BINARIES) &: $(SWIFT_INPUTS) | system-deps
	swift build -c release
	touch $(BINARIES)

# Artifacts depend on a digest of the binary that makes them, so a rebuild
# that does not change a stage's code reruns nothing.
$(BIN)/%.sha256: $(BIN)/%
	@sha256sum $< > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# Python only at the edges: h5py for interoperability tests, numpy and
# scikit-learn as the benchmark peer and test oracle.
$(VENV)/.installed: requirements-dev.txt | system-deps
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# --- the pipeline --------------------------------------------------------
include pipelines/$(PIPELINE).mk

# --- tests and benchmarks ------------------------------------------------
test: test-swift test-pipeline

test-swift: | system-deps
	swift test -c release

test-pipeline: $(BINARIES) $(VENV)/.installed
	$(VENV)/bin/pytest -q Tests/pipeline

bench: $(BINARIES) $(VENV)/.installed
	$(PYTHON) bench/bench.py

clean-runs:
	rm -rf data

clean: clean-runs
	rm -rf .build $(VENV)
