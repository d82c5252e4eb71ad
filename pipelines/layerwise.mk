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
#   RUN/report.html                    ntk-html-report  the run's page: tables, plots, every artifact's provenance
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
# the first THEORY_SAMPLES test samples (2 ≤ THEORY_SAMPLES ≤ M_TEST).
THEORY_SAMPLES ?= 4000
ifneq ($(filter theory-curves,$(MAKECMDGOALS)),)
$(if $(filter infinite,$(BASELINES)),,$(error the theory curve is drawn over krr_infinite: it needs BASELINES=infinite, got BASELINES="$(BASELINES)"))
endif
# Gradient descent of the trained baseline: steps T and learning rate η (auto: m / λ_max(K0)).
GD_STEPS ?= 1000
GD_RATE ?= auto
# The spectra of ntk-spectrum: on min(M, SPECTRUM_SAMPLES) training samples, the first of numpy's
# RandomState(SPECTRUM_SEED).permutation(M) when M is larger (one n × n eigendecomposition per kernel:
# about a second at 2000). K∞'s alignment (BASELINES=infinite) covers every sample up to the kernel
# memory of SVM_KERNEL_MEMORY_GIB, a prefix of the same permutation above.
SPECTRUM_SAMPLES ?= 2000
SPECTRUM_SEED ?= 0
spectrum.digits = $(subst 0,,$(subst 1,,$(subst 2,,$(subst 3,,$(subst 4,,$(subst 5,,$(subst 6,,$(subst 7,,$(subst \
  8,,$(subst 9,,$1))))))))))
$(if $(or $(call spectrum.digits,$(SPECTRUM_SAMPLES)),$(filter-out 1,$(words $(SPECTRUM_SAMPLES))),$(filter \
  0 1 00 01,$(SPECTRUM_SAMPLES))),$(error SPECTRUM_SAMPLES must be a whole number of at least 2, got "$(SPECTRUM_SAMPLES)"))
$(if $(or $(call spectrum.digits,$(SPECTRUM_SEED)),$(filter-out 1,$(words $(SPECTRUM_SEED)))),$(error \
  SPECTRUM_SEED must be a whole number, got "$(SPECTRUM_SEED)"))
# $(call step-results,STEP_FOLDER,BASELINES): the files holding a step's results, for the reports.
step-results = $1/eval.h5 $(foreach b,$2,$1/$(baseline.file.$b))
# STORAGE=auto picks factored features above STORAGE_LIMIT_MIB of dense rows (ntk-features' default, 1 GiB, when unset).
STORAGE_LIMIT_MIB ?=
storage_flag := $(if $(filter-out auto,$(STORAGE)),--storage=$(STORAGE),$(addprefix --storage-limit-mib=,$(STORAGE_LIMIT_MIB)))
leak_flag := $(if $(filter 1 yes true,$(ALLOW_LABEL_LEAK)),--allow-label-leak)
TEST_FEATURES ?=
test_features_flag := $(if $(filter 1 yes true,$(TEST_FEATURES)),--test-features)

comma := ,
space := $(subst ,, )
step_list := $(strip $(LAYERS))
seed_list := $(strip $(subst $(comma), ,$(INIT_SEEDS)))
ifneq ($(words $(step_list)),$(words $(seed_list)))
$(error INIT_SEEDS needs one seed per step: LAYERS = "$(step_list)", INIT_SEEDS = "$(seed_list)")
endif
stamp = $(BIN)/ntk-$1.sha256
# A stage's parameters, in a file rewritten only when they change (Makefile, params.changed).
params = $(RUN)/.params/$1
params.truth = $(D) $(M) $(M_TEST) $(TEACHER_WIDTHS) $(TEACHER_SEED) $(INPUT_SEEDS)
params.features = $(FEATURE_KIND) $(leak_flag) $(storage_flag) $(test_features_flag)
params.evaluate = $(leak_flag)
params.train = $(C) $(SOLVER)$(addprefix $(space),$(SVM_KERNEL_MEMORY_GIB))
params.infinite-kernel = $(C) $(SOLVER) $(INFINITE_LANDMARKS) $(INFINITE_LANDMARK_SEED) $(KRR_RIDGE)
params.gradient-descent = $(GD_STEPS) $(GD_RATE)
params.theory-curve = $(THEORY_SAMPLES) $(KRR_RIDGE)
# (BASELINES too: adding infinite adds no input file, only the kernel K∞.)
params.spectrum = $(SPECTRUM_SAMPLES) $(SPECTRUM_SEED) $(sort $(BASELINES))$(addprefix $(space),$(SVM_KERNEL_MEMORY_GIB))
# "step:seed" for every step, and "step:previous step" for every step after the first.
step_seeds := $(join $(step_list),$(addprefix :,$(seed_list)))
step_previous := $(filter-out %:none :%,$(join $(step_list),$(addprefix :,none $(step_list))))
pair.first = $(word 1,$(subst :, ,$1))
pair.second = $(word 2,$(subst :, ,$1))
$(foreach p,$(step_seeds),$(eval params.init-$(call pair.first,$p) = $(D) $(WIDTHS) $(call pair.second,$p)))
results := $(foreach s,$(step_list),$(call step-results,$(RUN)/$s,$(BASELINES)))
# Everything one ntk-spectrum writes. A goal names them all (spectrum-outputs), not one: a process killed
# between its renames leaves some in place, and make redoes the group only if a goal's file is missing or old.
spectrum_outputs := $(foreach s,$(step_list),$(RUN)/$s/spectrum.h5 $(RUN)/$s/spectrum.csv) $(RUN)/alignment.csv \
  $(RUN)/alignment.md

# The default goal: the table (printed) and the alignment and spectra of every step (ntk-spectrum: about 5 %
# of the default pipeline's CPU time). The figures are `make spectra`: gnuplot's three SVGs would add about
# 12 % more, the PNGs (pngcairo at 2200 × 1040, about 0.1 s of CPU each) half (docs/theory.md).
run: $(RUN)/results.csv spectrum-outputs $(RUN)/report.html
	@cat $(RUN)/results.md
	@echo "report: $(RUN)/report.html"

# The alignment table and every step's spectrum.h5 and spectrum.csv.
.PHONY: spectrum-outputs
spectrum-outputs: $(spectrum_outputs)

# `make spectra`: every step's spectrum.svg and spectrum.png, and the alignment table.
.PHONY: spectra
spectra: spectrum-outputs $(foreach s,$(step_list),$(RUN)/$s/spectrum.svg $(RUN)/$s/spectrum.png) $(RUN)/report.html

ifeq ($(DATA),)
$(RUN)/truth.h5: $(call stamp,truth) $(call params,truth)
	$(LAUNCH) $(BIN)/ntk-truth --dim=$(D) --train=$(M) --test=$(M_TEST) --widths=$(TEACHER_WIDTHS) \
	  --seed=$(TEACHER_SEED) $(addprefix --input-seeds=,$(INPUT_SEEDS)) --output=$@
endif

# Each step's seed, and the network it starts from: the previous step's.
$(foreach p,$(step_seeds),$(eval $(RUN)/$(call pair.first,$p)/network.h5: private SEED := $(call pair.second,$p)))
$(foreach p,$(step_previous),$(eval $(RUN)/$(call pair.first,$p)/network.h5: $(RUN)/$(call pair.second,$p)/eval.h5))

# The student's shape (with DATA: d from the imported truth, student_inputs).
student_shape ?= --dim=$(D) --widths=$(WIDTHS)
$(RUN)/%/network.h5: $(call stamp,init) $(call params,init-%) $(student_inputs)
	$(LAUNCH) $(BIN)/ntk-init $(student_shape) --layer=$* --seed=$(SEED) \
	  $(addprefix --from=,$(filter %/eval.h5,$^)) --output=$@

$(RUN)/%/features.h5: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(call stamp,features) $(call params,features)
	$(LAUNCH) $(BIN)/ntk-features --truth=$(RUN)/truth.h5 --network=$(RUN)/$*/network.h5 --layer=$* \
	  --kind=$(FEATURE_KIND) $(leak_flag) $(storage_flag) $(test_features_flag) --output=$@

$(RUN)/%/svm.h5: $(RUN)/%/features.h5 $(call stamp,train) $(call params,train)
	$(LAUNCH) $(BIN)/ntk-train --features=$< --C=$(C) --solver=$(SOLVER) $(kernel_memory_flag) --output=$@

$(RUN)/%/eval.h5: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(RUN)/%/features.h5 $(RUN)/%/svm.h5 $(call stamp,evaluate) \
    $(call params,evaluate)
	$(LAUNCH) $(BIN)/ntk-evaluate --truth=$(RUN)/truth.h5 --network=$(RUN)/$*/network.h5 \
	  --features=$(RUN)/$*/features.h5 --svm=$(RUN)/$*/svm.h5 $(leak_flag) --output=$@

# The SVM on the infinite-width tangent kernel of the step's layer: the
# network's architecture only, the training set, the same C; and kernel ridge regression with it.
$(RUN)/%/infinite.h5: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(call stamp,infinite-kernel) $(call params,infinite-kernel)
	$(LAUNCH) $(BIN)/ntk-infinite-kernel --truth=$(RUN)/truth.h5 --network=$(RUN)/$*/network.h5 --layer=$* \
	  --C=$(C) --solver=$(SOLVER) --landmarks=$(INFINITE_LANDMARKS) --landmark-seed=$(INFINITE_LANDMARK_SEED) \
	  --krr-ridge=$(KRR_RIDGE) --output=$@

# `make theory-curves`: the predicted test MSE of krr_infinite against m, per step (RUN/<step>/theory.h5).
# $(call theory-curve,TRUTH,NETWORK,LAYER): the command (also the learning curve's, once per layer and seed).
theory-curve = $(LAUNCH) $(BIN)/ntk-theory-curve --truth=$1 --network=$2 --layer=$3 --samples=$(THEORY_SAMPLES) \
  --krr-ridge=$(KRR_RIDGE) --output=$@
.PHONY: theory-curves
theory-curves: $(foreach s,$(step_list),$(RUN)/$s/theory.h5) $(RUN)/report.html
$(RUN)/%/theory.h5: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(call stamp,theory-curve) $(call params,theory-curve)
	$(call theory-curve,$(RUN)/truth.h5,$(RUN)/$*/network.h5,$*)

# The step's layer of the step's starting network trained by gradient descent:
# a comparison beside θc, not the network carried to the next step.
$(RUN)/%/trained.h5 $(RUN)/%/trajectory.csv &: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(call stamp,gradient-descent) \
    $(call params,gradient-descent)
	$(LAUNCH) $(BIN)/ntk-gradient-descent --truth=$(RUN)/truth.h5 --network=$(RUN)/$*/network.h5 --layer=$* \
	  --steps=$(GD_STEPS) --rate=$(GD_RATE) --trajectory-csv=$(RUN)/$*/trajectory.csv --output=$(RUN)/$*/trained.h5

# `make training-curves`: each step's training loss and test error against the step of gradient descent.
.PHONY: training-curves
training-curves: $(foreach s,$(step_list),$(RUN)/$s/training-curve.svg $(RUN)/$s/training-curve.png) \
  $(RUN)/report.html
$(RUN)/%/training-curve.svg: $(RUN)/%/trajectory.csv plots/training-curve.gp
	$(call draw,plots/training-curve.gp,svg)
$(RUN)/%/training-curve.png: $(RUN)/%/trajectory.csv plots/training-curve.gp
	$(call draw,plots/training-curve.gp,png)

# The alignment and spectra of every step's kernels, in one process (it costs about as much as its start at
# m = 100): K0 always, K∞ and K_T with their baselines; and the alignment table beside results.csv.
spectrum.trained := $(filter trained,$(BASELINES))
$(spectrum_outputs) &: $(RUN)/truth.h5 $(foreach s,$(step_list),$(RUN)/$s/network.h5 $(RUN)/$s/features.h5 \
    $(if $(spectrum.trained),$(RUN)/$s/trained.h5)) $(call stamp,spectrum) $(call params,spectrum)
	$(LAUNCH) $(BIN)/ntk-spectrum --truth=$(RUN)/truth.h5 $(if $(spectrum.trained),--trained) \
	  $(if $(filter infinite,$(BASELINES)),--infinite) --samples=$(SPECTRUM_SAMPLES) --seed=$(SPECTRUM_SEED) \
	  $(kernel_memory_flag) --alignment-csv=$(RUN)/alignment.csv --alignment-markdown=$(RUN)/alignment.md \
	  $(foreach s,$(step_list),$(RUN)/$s)
$(RUN)/%/spectrum.svg: $(RUN)/%/spectrum.csv plots/spectrum.gp
	$(call draw,plots/spectrum.gp,svg)
$(RUN)/%/spectrum.png: $(RUN)/%/spectrum.csv plots/spectrum.gp
	$(call draw,plots/spectrum.gp,png)

$(RUN)/results.csv $(RUN)/results.md &: $(results) $(call stamp,report)
	$(LAUNCH) $(BIN)/ntk-report $(results) --csv=$(RUN)/results.csv --markdown=$(RUN)/results.md > /dev/null

# --- the run's page (ntk-html-report) ------------------------------------------------------------------
# RUN/report.html, remade after anything it shows: the tables, and the plots and theory files that exist or
# that this make's goals draw. Each parameter goes as --given (command line, environment) or --parameter
# (its default); the page's `make` command is the given ones. Command stamps: ntk-html-report run --help.
report.parameters := PIPELINE RUN DATA D M M_TEST TEACHER_SEED INPUT_SEEDS TEACHER_WIDTHS WIDTHS LAYERS INIT_SEEDS \
  C SOLVER SVM_KERNEL_MEMORY_GIB FEATURE_KIND ALLOW_LABEL_LEAK STORAGE STORAGE_LIMIT_MIB TEST_FEATURES BASELINES \
  GD_STEPS GD_RATE INFINITE_LANDMARKS INFINITE_LANDMARK_SEED KRR_RIDGE THEORY_SAMPLES SPECTRUM_SAMPLES SPECTRUM_SEED
report.flags = $(foreach v,$(report.parameters),$(if $(filter command% environment% override,$(origin \
  $v)),--given,--parameter)='$v=$($v)')
report.goal-files = $(if $(filter $1,$(MAKECMDGOALS)),$(foreach s,$(step_list),$(RUN)/$s/$2))
$(RUN)/report.html: $(RUN)/results.csv $(RUN)/alignment.csv $(call stamp,html-report) $(sort $(wildcard \
    $(RUN)/*/spectrum.svg $(RUN)/*/training-curve.svg $(RUN)/*/theory.h5) \
    $(call report.goal-files,spectra,spectrum.svg) $(call report.goal-files,training-curves,training-curve.svg) \
    $(call report.goal-files,theory-curves,theory.h5))
	$(LAUNCH) $(BIN)/ntk-html-report run $(RUN) $(report.flags) $$(git rev-parse HEAD 2>/dev/null | sed 's/^/--commit=/') \
	  --quiet
# --- end of the run's page ------------------------------------------------------------------------------

# The parameter files (Makefile, params.changed).
params.names := $(if $(DATA),import,truth) features evaluate train infinite-kernel gradient-descent theory-curve \
  spectrum $(addprefix init-,$(step_list))
$(call params.changed,$(RUN)/.params,$(params.names),params): FORCE
$(RUN)/.params/%:
	$(call params.write,$(params.$*))

# Every file a run can make, named as a prerequisite so that none is an intermediate file:
# make keeps each (a cached result) and remakes a deleted one (V/features.h5, say) when a
# target needs it. (`.SECONDARY:` kept them but left a deleted one missing; GNU Make 4.3
# has no .NOTINTERMEDIATE.) Never made itself.
.PHONY: run-files
run-files: $(foreach s,$(step_list),$(addprefix $(RUN)/$s/,network.h5 features.h5 svm.h5 eval.h5 infinite.h5 \
  trained.h5 trajectory.csv spectrum.h5 spectrum.csv theory.h5)) $(addprefix $(RUN)/.params/,$(params.names))
