# Layer-wise learning with tangent features: the recipe of every stage, once.
#
#   RUN/truth.h5                       ntk-truth      inputs, teacher, labels
#   RUN/<step>/network.h5              ntk-init       the student at the start of the step
#   RUN/<step>/features.h5             ntk-features   tangent features of the step's layer
#   RUN/<step>/svm.h5                  ntk-train      linear SVM on the training features
#   RUN/<step>/eval.h5                 ntk-evaluate   errors; the network carried on
#   RUN/<step>/infinite.h5             ntk-infinite-kernel   (BASELINES=infinite) the SVM on the infinite-width kernel
#   RUN/<step>/trained.h5              ntk-gradient-descent  (BASELINES=trained) the layer trained by gradient descent
#   RUN/<step>/training-curve.{svg,png}  gnuplot       (make training-curves) loss and test error against the step
#   RUN/<step>/theory.h5               ntk-theory-curve  (make theory-curves) krr_infinite's predicted test MSE against m
#   RUN/<step>/spectrum.h5, .csv       ntk-spectrum   kernel–target alignment and spectra of the step's kernels
#   RUN/<step>/spectrum.{svg,png}      gnuplot        eigenvalue decay and cumulative target power (the
#                                                     PNG with `make spectra`)
#   RUN/results.csv, RUN/results.md    ntk-report     the table
#   RUN/alignment.csv, RUN/alignment.md  ntk-spectrum the kernels' alignments, a row per step and kernel
#
# Parameters (override on the command line): RUN, D, M, M_TEST, TEACHER_SEED, INPUT_SEEDS,
# INIT_SEEDS (one per step), C, LAYERS (the steps), WIDTHS, TEACHER_WIDTHS, FEATURE_KIND,
# ALLOW_LABEL_LEAK (1: compute and report label-dependent test features),
# STORAGE (auto, dense or factored features), STORAGE_LIMIT_MIB (auto: factored above it; empty: 1 GiB),
# TEST_FEATURES (1: store the test features too; by
# default evaluate computes the classifier's test decisions from the network), BASELINES (models
# beside the finite features': infinite, trained), GD_STEPS, GD_RATE, SOLVER (the SVM's solver: auto, libsvm
# or linear), SVM_KERNEL_MEMORY_GIB (the kernel memory of SOLVER=auto; empty: ntk-train's 8 GiB),
# SPECTRUM_SAMPLES and SPECTRUM_SEED (the spectra's training samples, see below).
# DATA: a data set to import (pipelines/import.mk) instead of drawing a teacher; the student's d then comes from it.
DATA ?=
ifneq ($(DATA),)
include pipelines/import.mk
endif
D ?= 25
M ?= 100
M_TEST ?= 100000
TEACHER_SEED ?= 124
# Empty: the notebook's draws, all from TEACHER_SEED. "TRAIN,TEST": the teacher
# alone from TEACHER_SEED, the inputs from these seeds (nested training sets).
INPUT_SEEDS ?=
INIT_SEEDS ?= 0 1 2
C ?= 1
# The SVM's solver: libsvm (the m × m kernel), linear (dual coordinate descent, linear in m), or auto:
# libsvm where its copy of the kernel fits 8 GiB (m ≤ 23,170), linear above.
SOLVER ?= auto
# GiB for libsvm's copy of the kernel (ntk-train --kernel-memory-gib): where SOLVER=auto switches to the
# linear solver (16·m² bytes). Empty: ntk-train's default, 8.
SVM_KERNEL_MEMORY_GIB ?=
kernel_memory_flag := $(addprefix --kernel-memory-gib=,$(SVM_KERNEL_MEMORY_GIB))
LAYERS ?= W V u
WIDTHS ?= $(D),$(D)
TEACHER_WIDTHS ?= $(D),$(D)
ALLOW_LABEL_LEAK ?=
STORAGE ?= auto
# The baselines and the file each writes in a step's folder.
BASELINES ?=
baseline.file.infinite := infinite.h5
baseline.file.trained := trained.h5
$(if $(filter-out infinite trained,$(BASELINES)),$(error BASELINES takes infinite and trained, got "$(BASELINES)"))
# The infinite-width baseline beyond the exact kernel (SOLVER=linear, or auto above libsvm's limit): the
# Nyström approximation from INFINITE_LANDMARKS training samples, the first of numpy's
# RandomState(INFINITE_LANDMARK_SEED).permutation(M).
INFINITE_LANDMARKS ?= 500
INFINITE_LANDMARK_SEED ?= 0
# Kernel ridge regression with K∞ beside its SVM (model krr_infinite): the ridge λ = KRR_RIDGE·tr(K∞)/M
# (docs/theory.md: why 1e-3).
KRR_RIDGE ?= 1e-3
# The theory curve of krr_infinite (`make theory-curves`, and the learning curve's): the spectrum of K∞ on
# the first THEORY_SAMPLES test samples (2 ≤ THEORY_SAMPLES ≤ M_TEST; empty: ntk-theory-curve's default,
# min(4000, the test samples the truth has)).
THEORY_SAMPLES ?=
# Gradient descent of the trained baseline: steps T and learning rate η (auto: m / λ_max(K0)).
GD_STEPS ?= 1000
GD_RATE ?= auto
# The spectra of ntk-spectrum: on min(M, SPECTRUM_SAMPLES) training samples, the first of numpy's
# RandomState(SPECTRUM_SEED).permutation(M) when M is larger (one n × n eigendecomposition per kernel:
# about a second at 2000). K∞'s alignment (BASELINES=infinite) covers every sample up to the kernel
# memory of SVM_KERNEL_MEMORY_GIB, a prefix of the same permutation above.
SPECTRUM_SAMPLES ?= 2000
SPECTRUM_SEED ?= 0
$(if $(and $(call whole.number,$(SPECTRUM_SAMPLES)),$(filter-out 0 1,$(SPECTRUM_SAMPLES))),,$(error \
  SPECTRUM_SAMPLES must be a whole number of at least 2, got "$(SPECTRUM_SAMPLES)"))
$(if $(call whole.number,$(SPECTRUM_SEED)),,$(error SPECTRUM_SEED must be a whole number, got "$(SPECTRUM_SEED)"))
# $(call step-results,STEP_FOLDER,BASELINES): the files holding a step's results, for the reports.
step-results = $1/eval.h5 $(foreach b,$2,$1/$(baseline.file.$b))
# STORAGE=auto picks factored features above STORAGE_LIMIT_MIB of dense rows (ntk-features' default, 1 GiB, when unset).
STORAGE_LIMIT_MIB ?=
storage_flag := $(if $(filter-out auto,$(STORAGE)),--storage=$(STORAGE),$(addprefix --storage-limit-mib=,$(STORAGE_LIMIT_MIB)))
leak_flag := $(if $(filter 1 yes true,$(ALLOW_LABEL_LEAK)),--allow-label-leak)
TEST_FEATURES ?=
test_features_flag := $(if $(filter 1 yes true,$(TEST_FEATURES)),--test-features)


step_list := $(strip $(LAYERS))
seed_list := $(strip $(subst $(comma), ,$(INIT_SEEDS)))
ifneq ($(words $(step_list)),$(words $(seed_list)))
$(error INIT_SEEDS needs one seed per step: LAYERS = "$(step_list)", INIT_SEEDS = "$(seed_list)")
endif
# Refused before any stage runs (the network's depth is checked by ntk-init: WIDTHS gives it).
$(foreach s,$(step_list),$(if $(or $(filter W V u all,$s),$(filter-out 0,$(call whole.number,$(patsubst \
  W%,%,$(filter W%,$s))))),,$(error \
  LAYERS takes W1 … WL, u, W, V or all, got "$s")))
$(foreach s,$(seed_list),$(if $(call whole.number,$s),,$(error INIT_SEEDS takes whole numbers, got "$s")))
$(if $(filter-out auto libsvm linear,$(SOLVER))$(filter-out 1,$(words $(SOLVER))),$(error \
  SOLVER takes auto, libsvm or linear, got "$(SOLVER)"))
# Each step's seed, and the step before it (none for the first): $(call step.chain,PREVIOUS,STEPS,SEEDS).
step.chain = $(if $2,$(eval step.previous.$(firstword $2) := $1)$(eval step.seed.$(firstword $2) := $(firstword \
  $3))$(call step.chain,$(firstword $2),$(wordlist 2,$(words $2),$2),$(wordlist 2,$(words $3),$3)))
$(call step.chain,,$(step_list),$(seed_list))
results := $(foreach s,$(step_list),$(call step-results,$(RUN)/$s,$(BASELINES)))
# Everything one ntk-spectrum writes: a goal names them all (spectrum-outputs), not one: a process killed
# between its renames leaves some in place, and make redoes the group only if a goal's file is missing or old.
spectrum_outputs := $(foreach s,$(step_list),$(RUN)/$s/spectrum.h5 $(RUN)/$s/spectrum.csv) $(RUN)/alignment.csv \
  $(RUN)/alignment.md

# The default goal: the table (printed), the alignment and spectra of every step, and the run's page (their
# cost: docs/performance.md#alignment-and-spectra-in-the-default-pipeline). The figures are `make spectra`.
run: $(RUN)/results.csv spectrum-outputs $(RUN)/report.html
	@cat $(RUN)/results.md
	@echo "report: $(RUN)/report.html"

# The alignment table and every step's spectrum.h5 and spectrum.csv.
.PHONY: spectrum-outputs
spectrum-outputs: $(spectrum_outputs)

# `make spectra`: every step's spectrum.svg and spectrum.png, and the alignment table.
.PHONY: spectra
spectra: spectrum-outputs $(foreach s,$(step_list),$(RUN)/$s/spectrum.svg $(RUN)/$s/spectrum.png) $(RUN)/report.html

# --- the stages: $(call stage,OUTPUTS,INPUTS,COMMAND) (pipelines/cache.mk) ---
stage.root := $(RUN)
ifeq ($(DATA),)
$(call stage,$(RUN)/truth.h5,,$(BIN)/ntk-truth --dim=$(D) --train=$(M) --test=$(M_TEST) --widths=$(TEACHER_WIDTHS) \
  --seed=$(TEACHER_SEED) $(addprefix --input-seeds=,$(INPUT_SEEDS)) --output=$(RUN)/truth.h5)
else
$(import.stage)
endif

# $(call theory-curve,TRUTH,NETWORK,LAYER,OUTPUT): the predicted test MSE of krr_infinite against m (also the
# learning curve's, once per layer and seed).
theory-curve = $(BIN)/ntk-theory-curve --truth=$1 --network=$2 --layer=$3 $(addprefix --samples=,$(THEORY_SAMPLES)) \
  --krr-ridge=$(KRR_RIDGE) --output=$4

# The student's shape (with DATA: d from the imported truth, student_inputs).
student_shape ?= --dim=$(D) --widths=$(WIDTHS)
# $(call layerwise.step,STEP,FOLDER,PREVIOUS): the stages of one step. Its network starts from the previous
# step's (carried in its eval.h5); the baselines and the theory curve sit beside the chain.
define layerwise.step
$(call stage,$2/network.h5,$(student_inputs) $(3:%=$(RUN)/%/eval.h5),$(BIN)/ntk-init $(student_shape) --layer=$1 \
  --seed=$(step.seed.$1) $(3:%=--from=$(RUN)/%/eval.h5) --output=$2/network.h5)
$(call stage,$2/features.h5,$(RUN)/truth.h5 $2/network.h5,$(BIN)/ntk-features --truth=$(RUN)/truth.h5 \
  --network=$2/network.h5 --layer=$1 --kind=$(FEATURE_KIND) $(leak_flag) $(storage_flag) $(test_features_flag) \
  --output=$2/features.h5)
$(call stage,$2/svm.h5,$2/features.h5,$(BIN)/ntk-train --features=$2/features.h5 --C=$(C) --solver=$(SOLVER) \
  $(kernel_memory_flag) --output=$2/svm.h5)
$(call stage,$2/eval.h5,$(RUN)/truth.h5 $2/network.h5 $2/features.h5 $2/svm.h5,$(BIN)/ntk-evaluate \
  --truth=$(RUN)/truth.h5 --network=$2/network.h5 --features=$2/features.h5 --svm=$2/svm.h5 $(leak_flag) \
  --output=$2/eval.h5)
$(call stage,$2/infinite.h5,$(RUN)/truth.h5 $2/network.h5,$(BIN)/ntk-infinite-kernel --truth=$(RUN)/truth.h5 \
  --network=$2/network.h5 --layer=$1 --C=$(C) --solver=$(SOLVER) $(kernel_memory_flag) \
  --landmarks=$(INFINITE_LANDMARKS) --landmark-seed=$(INFINITE_LANDMARK_SEED) --krr-ridge=$(KRR_RIDGE) \
  --output=$2/infinite.h5)
$(call stage,$2/trained.h5 $2/trajectory.csv,$(RUN)/truth.h5 $2/network.h5,$(BIN)/ntk-gradient-descent \
  --truth=$(RUN)/truth.h5 --network=$2/network.h5 --layer=$1 --steps=$(GD_STEPS) --rate=$(GD_RATE) \
  --trajectory-csv=$2/trajectory.csv --output=$2/trained.h5)
$(call stage,$2/theory.h5,$(RUN)/truth.h5 $2/network.h5,$(call theory-curve,$(RUN)/truth.h5,$2/network.h5,$1,$2/theory.h5))
endef
$(foreach s,$(step_list),$(call layerwise.step,$s,$(RUN)/$s,$(step.previous.$s)))


# The alignment and spectra of every step's kernels, in one process (it costs about as much as its start at
# m = 100): K0 always, K∞ and K_T with their baselines; and the alignment table beside results.csv.
spectrum.trained := $(filter trained,$(BASELINES))
$(call stage,$(spectrum_outputs),$(RUN)/truth.h5 $(foreach s,$(step_list),$(RUN)/$s/network.h5 $(RUN)/$s/features.h5 \
    $(if $(spectrum.trained),$(RUN)/$s/trained.h5)),$(BIN)/ntk-spectrum --truth=$(RUN)/truth.h5 $(if \
  $(spectrum.trained),--trained) $(if $(filter infinite,$(BASELINES)),--infinite) --samples=$(SPECTRUM_SAMPLES) \
  --seed=$(SPECTRUM_SEED) $(kernel_memory_flag) --alignment-csv=$(RUN)/alignment.csv \
  --alignment-markdown=$(RUN)/alignment.md $(foreach s,$(step_list),$(RUN)/$s))

$(call stage,$(RUN)/results.csv $(RUN)/results.md,$(results),$(BIN)/ntk-report $(results) --csv=$(RUN)/results.csv \
  --markdown=$(RUN)/results.md > /dev/null)

# `make theory-curves`: the predicted test MSE of krr_infinite against m, per step (RUN/<step>/theory.h5).
# `make training-curves`: each step's training loss and test error against the step of gradient descent.
.PHONY: theory-curves training-curves
theory-curves: $(foreach s,$(step_list),$(RUN)/$s/theory.h5) $(RUN)/report.html
training-curves: $(foreach s,$(step_list),$(RUN)/$s/training-curve.svg $(RUN)/$s/training-curve.png) \
  $(RUN)/report.html
$(if $(filter theory-curves,$(MAKECMDGOALS)),$(if $(filter infinite,$(BASELINES)),,$(error the theory curve is \
  drawn over krr_infinite: it needs BASELINES=infinite, got BASELINES="$(BASELINES)")))
$(if $(filter training-curves,$(MAKECMDGOALS)),$(if $(filter trained,$(BASELINES)),,$(error the training curves \
  are the trained baseline's: they need BASELINES=trained, got BASELINES="$(BASELINES)")))

# The run's page (ntk-html-report run): what ran, the tables, each step's facts and plots, every artifact's
# provenance. It reads the run's artifacts, those of the current parameters and any other a step folder still
# holds (marked so), and the plots and theory files that exist or that this make's goals draw. Each parameter
# goes as --given (command line, environment) or --parameter (its default).
report.parameters := PIPELINE RUN DATA D M M_TEST TEACHER_SEED INPUT_SEEDS TEACHER_WIDTHS WIDTHS LAYERS INIT_SEEDS \
  C SOLVER SVM_KERNEL_MEMORY_GIB FEATURE_KIND ALLOW_LABEL_LEAK STORAGE STORAGE_LIMIT_MIB TEST_FEATURES BASELINES \
  GD_STEPS GD_RATE INFINITE_LANDMARKS INFINITE_LANDMARK_SEED KRR_RIDGE THEORY_SAMPLES SPECTRUM_SAMPLES SPECTRUM_SEED
report.flags = $(foreach v,$(report.parameters),$(if $(filter command% environment% override,$(origin \
  $v)),--given,--parameter)='$v=$($v)')
report.goal-files = $(if $(filter $1,$(MAKECMDGOALS)),$(foreach s,$(step_list),$(RUN)/$s/$2))
report.commit := $(if $(wildcard .git),$(shell git rev-parse HEAD 2>/dev/null))
report.inputs = $(RUN)/truth.h5 $(results) $(RUN)/results.csv $(spectrum_outputs) $(sort $(foreach \
  s,$(step_list),$(addprefix $(RUN)/$s/,network.h5 features.h5 svm.h5)) $(wildcard $(foreach s,$(step_list),$(addprefix \
  $(RUN)/$s/,infinite.h5 trained.h5 theory.h5 spectrum.svg training-curve.svg))) $(call \
  report.goal-files,spectra,spectrum.svg) $(call report.goal-files,training-curves,training-curve.svg) $(call \
  report.goal-files,theory-curves,theory.h5))
$(call stage,$(RUN)/report.html,$(report.inputs),$(BIN)/ntk-html-report run $(RUN) $(report.flags) $(addprefix \
  --commit=,$(report.commit)) --quiet)

# Figures, drawn by gnuplot from a step's tables.
$(RUN)/%/training-curve.svg: $(RUN)/%/trajectory.csv plots/training-curve.gp
	$(call draw,plots/training-curve.gp,svg)
$(RUN)/%/training-curve.png: $(RUN)/%/trajectory.csv plots/training-curve.gp
	$(call draw,plots/training-curve.gp,png)
$(RUN)/%/spectrum.svg: $(RUN)/%/spectrum.csv plots/spectrum.gp
	$(call draw,plots/spectrum.gp,svg)
$(RUN)/%/spectrum.png: $(RUN)/%/spectrum.csv plots/spectrum.gp
	$(call draw,plots/spectrum.gp,png)

# Every file a run can make, named as a prerequisite so that none is an intermediate file:
# make keeps each (a cached result) and remakes a deleted one (V/features.h5, say) when a
# target needs it. (`.SECONDARY:` kept them but left a deleted one missing; GNU Make 4.3
# has no .NOTINTERMEDIATE.) Never made itself.
.PHONY: run-files
run-files: $(foreach s,$(step_list),$(addprefix $(RUN)/$s/,network.h5 features.h5 svm.h5 eval.h5 infinite.h5 \
  trained.h5 trajectory.csv spectrum.h5 spectrum.csv theory.h5))

# `make status`: for each output the default goal needs (with the baselines), up to date, stale (why) or missing
# (a sweep's: `make status SWEEP=learning-curve`, pipelines/sweep.mk).
.PHONY: status
ifndef SWEEP
status:
	$(call cache.status,$(RUN)/results.csv $(spectrum_outputs))
endif
