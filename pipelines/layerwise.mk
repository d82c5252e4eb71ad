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
#   RUN/results.csv, RUN/results.md    ntk-report     the table
#
# Parameters (override on the command line): RUN, D, M, M_TEST, TEACHER_SEED, INPUT_SEEDS,
# INIT_SEEDS (one per step), C, LAYERS (the steps), WIDTHS, TEACHER_WIDTHS, FEATURE_KIND,
# ALLOW_LABEL_LEAK (1: compute and report label-dependent test features),
# STORAGE (auto, dense or factored features), STORAGE_LIMIT_MIB (auto: factored above it; empty: 1 GiB),
# TEST_FEATURES (1: store the test features too; by
# default evaluate computes the classifier's test decisions from the network), BASELINES (models
# beside the finite features': infinite, trained), GD_STEPS, GD_RATE, SOLVER (the SVM's solver: auto, libsvm
# or linear), SVM_KERNEL_MEMORY_GIB (the kernel memory of SOLVER=auto; empty: ntk-train's 8 GiB).
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
# Gradient descent of the trained baseline: steps T and learning rate η (auto: m / λ_max(K0)).
GD_STEPS ?= 1000
GD_RATE ?= auto
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
# A stage's parameters, in a file rewritten only when they change, so that
# `make C=0.5` on an existing run redoes what C affects and nothing else.
params = $(RUN)/.params/$1
params.truth = $(D) $(M) $(M_TEST) $(TEACHER_WIDTHS) $(TEACHER_SEED) $(INPUT_SEEDS)
params.features = $(FEATURE_KIND) $(leak_flag) $(storage_flag) $(test_features_flag)
params.evaluate = $(leak_flag)
params.train = $(C) $(SOLVER)$(addprefix $(space),$(SVM_KERNEL_MEMORY_GIB))
params.infinite-kernel = $(C) $(SOLVER) $(INFINITE_LANDMARKS) $(INFINITE_LANDMARK_SEED)
params.gradient-descent = $(GD_STEPS) $(GD_RATE)
# "step:seed" for every step, and "step:previous step" for every step after the first.
step_seeds := $(join $(step_list),$(addprefix :,$(seed_list)))
step_previous := $(filter-out %:none :%,$(join $(step_list),$(addprefix :,none $(step_list))))
pair.first = $(word 1,$(subst :, ,$1))
pair.second = $(word 2,$(subst :, ,$1))
$(foreach p,$(step_seeds),$(eval params.init-$(call pair.first,$p) = $(D) $(WIDTHS) $(call pair.second,$p)))
results := $(foreach s,$(step_list),$(call step-results,$(RUN)/$s,$(BASELINES)))

run: $(RUN)/results.csv
	@cat $(RUN)/results.md

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
# network's architecture only, the training set, the same C.
$(RUN)/%/infinite.h5: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(call stamp,infinite-kernel) $(call params,infinite-kernel)
	$(LAUNCH) $(BIN)/ntk-infinite-kernel --truth=$(RUN)/truth.h5 --network=$(RUN)/$*/network.h5 --layer=$* \
	  --C=$(C) --solver=$(SOLVER) --landmarks=$(INFINITE_LANDMARKS) --landmark-seed=$(INFINITE_LANDMARK_SEED) --output=$@

# The step's layer of the step's starting network trained by gradient descent:
# a comparison beside θc, not the network carried to the next step.
$(RUN)/%/trained.h5 $(RUN)/%/trajectory.csv &: $(RUN)/truth.h5 $(RUN)/%/network.h5 $(call stamp,gradient-descent) \
    $(call params,gradient-descent)
	$(LAUNCH) $(BIN)/ntk-gradient-descent --truth=$(RUN)/truth.h5 --network=$(RUN)/$*/network.h5 --layer=$* \
	  --steps=$(GD_STEPS) --rate=$(GD_RATE) --trajectory-csv=$(RUN)/$*/trajectory.csv --output=$(RUN)/$*/trained.h5

# `make training-curves`: each step's training loss and test error against the step of gradient descent.
.PHONY: training-curves
training-curves: $(foreach s,$(step_list),$(RUN)/$s/training-curve.svg $(RUN)/$s/training-curve.png)
$(RUN)/%/training-curve.svg: $(RUN)/%/trajectory.csv plots/training-curve.gp
	$(call draw,plots/training-curve.gp,svg)
$(RUN)/%/training-curve.png: $(RUN)/%/trajectory.csv plots/training-curve.gp
	$(call draw,plots/training-curve.gp,png)

$(RUN)/results.csv $(RUN)/results.md &: $(results) $(call stamp,report)
	$(LAUNCH) $(BIN)/ntk-report $(results) --csv=$(RUN)/results.csv --markdown=$(RUN)/results.md > /dev/null

# Unchanged parameters (make reads the file itself) run no command at all.
same.text = $(and $(findstring x$1,x$2),$(findstring x$2,x$1))
$(RUN)/.params/%: FORCE
	$(if $(and $(wildcard $@),$(call same.text,$(file <$@),$(params.$*))),,@mkdir -p $(@D); new=$@.$$$$.new; echo '$(params.$*)' > $$new; \
	  if cmp -s $$new $@; then rm $$new; else mv -f $$new $@; fi)

.PHONY: FORCE
FORCE:

# Every file a run can make, named as a prerequisite so that none is an intermediate file:
# make keeps each (a cached result) and remakes a deleted one (V/features.h5, say) when a
# target needs it. (`.SECONDARY:` kept them but left a deleted one missing; GNU Make 4.3
# has no .NOTINTERMEDIATE.) Never made itself.
.PHONY: run-files
run-files: $(foreach s,$(step_list),$(addprefix $(RUN)/$s/,network.h5 features.h5 svm.h5 eval.h5 infinite.h5 \
  trained.h5 trajectory.csv)) $(addprefix $(RUN)/.params/,truth features evaluate train infinite-kernel \
  gradient-descent $(addprefix init-,$(step_list)))
