# Learning with neural-tangent features: `make` runs a pipeline (default: the
# notebook's experiment) and prints its table; `make test` runs every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-builtin-variables

# Each stage runs its own loops on every core when it runs alone and on one under `make -j N` with N ≥ cores
# (MAKEFLAGS says which; NTK_THREADS=N sets it), with OpenBLAS on one thread: OpenBLAS's own threads, started
# when a process loads it unless this says 1, spin for a tenth of a second (docs/performance.md, "Threads").
export OPENBLAS_NUM_THREADS ?= 1
# Debian's OpenBLAS 0.3.21 does not recognise some virtualised CPUs and falls
# back to its slowest kernel (Prescott); name the core from the CPU's flags,
# unless the environment already names one.
ifeq ($(origin OPENBLAS_CORETYPE),undefined)
cpu_flags := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has = $(if $(filter-out $(cpu_flags),$1),,yes)
OPENBLAS_CORETYPE := $(if $(call has,avx512f avx512bw avx512vl avx512dq),SkylakeX,$(if $(call has,avx2 fma),Haswell))
ifneq ($(OPENBLAS_CORETYPE),)
export OPENBLAS_CORETYPE
endif
endif
# A command prefix for every stage, e.g. LAUNCH="srun -N1 -n1 --exclusive".
LAUNCH ?=
PIPELINE ?= notebook

BIN := .build/release
STAGES := truth import init features train evaluate infinite-kernel gradient-descent report sweep-report \
  kernel-convergence theory-curve spectrum html-report
BINARIES := $(addprefix $(BIN)/ntk-,$(STAGES))
SWIFT_INPUTS := Package.swift $(shell find Sources -name '*.swift' -o -name '*.c' -o -name '*.h' -o -name '*.modulemap')
VENV := .venv
PYTHON := $(VENV)/bin/python
PEERS_VENV := .venv-peers

.DEFAULT_GOAL := run
.PHONY: run system-deps build test test-swift test-pipeline test-faults test-slurm test-peers bench clean clean-runs

# --- build ---------------------------------------------------------------
# The Debian packages, checked again only when their list or dpkg's database
# changed (the check, one dpkg-query, took 13 ms of every make).
SYSTEM_DEPS := .build/system-deps.checked
system-deps: $(SYSTEM_DEPS)
$(SYSTEM_DEPS): scripts/install-system-deps.sh $(wildcard /var/lib/dpkg/status)
	@scripts/install-system-deps.sh
	@mkdir -p $(@D) && touch $@

build: $(BINARIES)

# swift build relinks only what changed; touch so Make sees the build as done.
# A failed build leaves the previous binaries in place. The Swift runtime and
# Foundation are linked statically, as is libhdf5 (Sources/CHDF5), and the stages
# are position-dependent (Package.swift): the first halved a stage's start, the
# other two halved it again (now about 6 ms of CPU; the default pipeline starts
# 16 processes, the page included; docs/performance.md). The unit tests
# need the dynamic runtime (swift-testing has no static library): they build
# in their own folder, so that testing never relinks the stages.
SWIFT_FLAGS := -c release --static-swift-stdlib
.PRECIOUS: $(BINARIES)
$(BINARIES) &: $(SWIFT_INPUTS) | $(SYSTEM_DEPS)
	swift build $(SWIFT_FLAGS)
	touch $(BINARIES)
	@$(foreach b,$(BINARIES),$(call digest,$b);)

# Artifacts depend on a digest of the binary that makes them (BINARY.sha256,
# rewritten only when it changes), so a rebuild that does not change a
# stage's code reruns nothing. The build takes the digests and marks them
# checked (BINARY.checked). Only while a build is pending (a source newer
# than the marks) or a binary is newer than its mark (built by hand) are the
# digests chained to the binaries; otherwise a digest is a plain file, so
# that `make -n` lists exactly the stages a real make runs (under -n a rule
# that might rewrite a digest counts as a change).
# Inside a sweep's point the sweep brought the digests up to date before it
# started the point, so the point leaves them alone (pipelines/sweep.mk).
digest = new=$1.sha256.$$$$.new; sha256sum $1 > $$new; \
  if cmp -s $$new $1.sha256; then rm $$new; else mv -f $$new $1.sha256; fi; touch $1.checked
ifndef SWEEP_POINT
digest.pending := $(shell for b in $(BINARIES); do [ $$b.checked -nt $$b ] || { echo $$b; exit; }; done; \
  find $(SWIFT_INPUTS) -newer $(firstword $(BINARIES)).checked -print -quit)
ifneq ($(digest.pending),)
$(BINARIES:=.checked): %.checked: %
	@$(call digest,$*)
$(foreach b,$(BINARIES),$(eval $b.sha256: $b.checked ;))
else
$(BINARIES:=.sha256): %.sha256: | %
	@$(call digest,$*)
endif
endif

# Python only at the edges: h5py for interoperability tests, numpy and
# scikit-learn as the benchmark peer and test oracle.
$(VENV)/.installed: requirements-dev.txt | $(SYSTEM_DEPS)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# neural-tangents, the infinite-width peer, in its own environment (JAX and,
# through tf2jax, TensorFlow: large, so apart from the test environment).
$(PEERS_VENV)/.installed: requirements-peers.txt | $(SYSTEM_DEPS)
	python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-peers.txt
	touch $@

# $(call draw,SCRIPT,svg|png): gnuplot -c SCRIPT <first prerequisite> <target>, written
# under a temporary name and renamed into place when complete.
draw = gnuplot -c $1 $< $(@D)/.$(@F).tmp $2 || { rm -f $(@D)/.$(@F).tmp; exit 1; }; mv -f $(@D)/.$(@F).tmp $@

# --- the pipeline --------------------------------------------------------
# Every stage's rule comes from $(call stage,…) (pipelines/cache.mk: the cache rule, `make status`).
include pipelines/cache.mk
include pipelines/$(PIPELINE).mk

# --- sweeps: many runs and a report over them (pipelines/sweep.mk) --------
.PHONY: learning-curve learning-curve-large width-sweep
include pipelines/learning-curve.mk pipelines/learning-curve-large.mk pipelines/width-sweep.mk

# --- the finite tangent kernel against the infinite-width limit -----------
include pipelines/kernel-convergence.mk

# --- tests and benchmarks ------------------------------------------------
# `make test`: the Swift unit tests and the pipeline tests but the slow ones (a
# check of every kind of claim in a few minutes). Each suite runs whatever the
# other did; make test fails if either failed. `make test-slow`: the slow
# pipeline tests (repetitions, large cells, a rebuild from scratch); CI runs
# them too (.ci/run). docs/testing.md says what each target covers.
.PHONY: test-slow
# The two suites run side by side (unless make's own -j already applies): the unit tests' build leaves a core
# idle in long stretches (a chain of modules), which the pipeline tests fill.
test:
	@$(MAKE) --no-print-directory --keep-going $(if $(filter -j%,$(MAKEFLAGS)),,-j 2) --output-sync=line \
	  test-swift test-pipeline

# The unit tests build without the stage executables (NTK_UNIT_TESTS=1, Package.swift) and unoptimised: a
# third of a release build of the package, which cannot share the stages' static one (Swift Testing has
# no static library). They skip the few that take seconds so; test-slow builds them optimised, runs all.
SWIFT_TEST := NTK_UNIT_TESTS=1 swift test --scratch-path .build/tests
test-swift: | $(SYSTEM_DEPS)
	$(SWIFT_TEST)

# PYTEST_ARGS: e.g. -k grid for one file's tests. PYTEST_JOBS: pytest-xdist
# workers (each test's runs are in its own temporary folder).
PYTEST_ARGS ?=
PYTEST_JOBS ?= 2
pytest = $(VENV)/bin/pytest -q $(if $(filter-out 0 1,$(PYTEST_JOBS)),-n $(PYTEST_JOBS))
test-pipeline: $(BINARIES) $(VENV)/.installed
	$(pytest) -m "not slow" $(PYTEST_ARGS) Tests/pipeline

test-slow: $(BINARIES) $(VENV)/.installed
	$(SWIFT_TEST) -c release
	$(pytest) -m slow $(PYTEST_ARGS) Tests/pipeline

# The fault tests time kills and disk-full writes: one at a time.
test-faults: $(BINARIES) $(VENV)/.installed
	$(VENV)/bin/pytest -q $(PYTEST_ARGS) Tests/faults

test-slurm:
	@scripts/test-slurm.sh

# `make test-browser`: a run's and a sweep's HTML page in headless Chromium (Debian's chromium and
# chromium-driver, installed for this target only), driven by Selenium (Tests/browser).
.PHONY: test-browser
test-browser: $(BINARIES) $(VENV)/.installed
	@scripts/install-system-deps.sh --browser
	$(VENV)/bin/pytest -q $(PYTEST_ARGS) Tests/browser

test-peers: $(BINARIES) $(PEERS_VENV)/.installed
	$(PEERS_VENV)/bin/pytest -q Tests/peers

# The peers get their libraries' default threads unless OPENBLAS_NUM_THREADS came from outside this Makefile.
bench: $(BINARIES) $(VENV)/.installed
	OPENBLAS_NUM_THREADS_ORIGIN=$(origin OPENBLAS_NUM_THREADS) $(PYTHON) bench/bench.py $(BENCH_ARGS)

# Every run folder; data/README.md stays.
clean-runs:
	find data -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

clean: clean-runs
	rm -rf .build $(VENV) $(PEERS_VENV)

# `make -s print-VAR` prints a variable as make sets it (the tests ask it for OPENBLAS_CORETYPE).
print-%: ; @echo '$($*)'

# Last, once every rule is read: the rules whose stamp differs from their command (pipelines/cache.mk).
$(cache.force)
