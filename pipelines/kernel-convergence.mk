# `make kernel-convergence`: how far the finite tangent kernel is from the
# infinite-width kernel K∞ as the width grows. For each hidden width n (a
# student with hidden widths n,…,n) and seed, ntk-kernel-convergence compares
# the finite tangent kernel of every layer (and of all) on a fixed set of
# inputs with K∞, by the relative Frobenius distance ‖K_n − K∞‖_F / ‖K∞‖_F,
# which should fall as 1/√n. Into CONVERGENCE_ROOT (data/kernel-convergence):
#
#   truth.h5                               ntk-truth: the inputs (CONVERGENCE_SAMPLES training inputs, d = D)
#   convergence.h5                         ntk-kernel-convergence: distances per width × layer × seed
#   distances.csv, distances.md            a row per layer and width; the table (mean ± std, fitted slopes)
#   kernel-distance-vs-width.{svg,png}     the log-log plot (plots/kernel-distance-vs-width.gp)
#
# Variables: CONVERGENCE_WIDTHS, CONVERGENCE_SEEDS, CONVERGENCE_SAMPLES, CONVERGENCE_DEPTH, and D and
# TEACHER_SEED for the inputs (only the inputs are used; the teacher's labels are not). e.g.
#   make kernel-convergence CONVERGENCE_WIDTHS="25 100 400" CONVERGENCE_SEEDS="0 1" CONVERGENCE_ROOT=data/quick
# (the default, 8 widths × 20 seeds × 200 inputs, takes about 20 s here, peak 200 MB).
include pipelines/sweep.mk

CONVERGENCE_ROOT ?= data/kernel-convergence
CONVERGENCE_WIDTHS ?= 25 50 100 200 400 800 1600 3200
CONVERGENCE_SEEDS ?= $(shell seq 0 19)
CONVERGENCE_SAMPLES ?= 200
CONVERGENCE_DEPTH ?= 2
convergence.d := $(call sweep.value,D,25)
convergence.teacher_seed := $(call sweep.value,TEACHER_SEED,124)
convergence.plots := $(addprefix $(CONVERGENCE_ROOT)/kernel-distance-vs-width.,svg png)
.PHONY: kernel-convergence
kernel-convergence: $(CONVERGENCE_ROOT)/distances.md $(convergence.plots)
	@cat $<
	@echo "kernel-convergence: $(CONVERGENCE_ROOT)/: convergence.h5 distances.csv distances.md" \
	  "kernel-distance-vs-width.svg kernel-distance-vs-width.png"

stage.root := $(CONVERGENCE_ROOT)
# Ten test inputs: ntk-truth needs some; they are not used.
$(call stage,$(CONVERGENCE_ROOT)/truth.h5,,$(BIN)/ntk-truth --dim=$(convergence.d) --train=$(CONVERGENCE_SAMPLES) \
  --test=10 --seed=$(convergence.teacher_seed) --output=$(CONVERGENCE_ROOT)/truth.h5)

convergence.outputs := $(addprefix $(CONVERGENCE_ROOT)/,convergence.h5 distances.csv distances.md)
$(call stage,$(convergence.outputs),$(CONVERGENCE_ROOT)/truth.h5,$(BIN)/ntk-kernel-convergence --truth=$(CONVERGENCE_ROOT)/truth.h5 --samples=$(CONVERGENCE_SAMPLES) \
  --depth=$(CONVERGENCE_DEPTH) --widths-list=$(call commas,$(CONVERGENCE_WIDTHS)) \
  --seeds=$(call commas,$(CONVERGENCE_SEEDS)) --csv=$(CONVERGENCE_ROOT)/distances.csv \
  --markdown=$(CONVERGENCE_ROOT)/distances.md --output=$(CONVERGENCE_ROOT)/convergence.h5)

$(CONVERGENCE_ROOT)/kernel-distance-vs-width.%: $(CONVERGENCE_ROOT)/distances.csv plots/kernel-distance-vs-width.gp
	$(call draw,plots/kernel-distance-vs-width.gp,$*)
