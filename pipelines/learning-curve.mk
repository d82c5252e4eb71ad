# `make learning-curve`: test error against the number of training samples M,
# M = 50 … 3200 by doubling, over five teacher seeds — for every layer of the
# default network, step by step (LAYERS="W V u", INIT_SEEDS="0 1 2"), and for
# all layers at once (LAYERS=all, INIT_SEEDS=0). For each teacher seed s the
# teacher and the test set stay fixed as M grows and the training sets are
# nested: the teacher comes from seed s, the inputs from seeds 1s and 2s
# (INPUT_SEEDS=1s,2s, e.g. 1124,2124). One run folder per point:
#
#   data/learning-curve/layers-W-V-u_M-400_seed-124/   (a run: truth.h5, W/, V/, u/, results.csv)
#   data/learning-curve/layers-all_M-400_seed-124/
#   data/learning-curve/report/                        results.csv, results.md, summary.csv, test-error-vs-m.{svg,png}
#   data/learning-curve/theory/seed-124/W.h5           (with the infinite baseline) the theory curve of krr_infinite
#                                                      per step and teacher seed (ntk-theory-curve), once for every M
#   data/learning-curve/report/                        theory-vs-measured.csv, theory-curve.csv, krr-mse-vs-m.{svg,png}
#
# The theory curve: K∞ depends only on the architecture and the layer, and the test set of a teacher seed
# is the same at every M (INPUT_SEEDS), so each step's curve is computed once per teacher seed, from the
# truth and step networks of the seed's smallest-M point, on THEORY_SAMPLES of its test samples (default
# 4000, or the test samples of that truth where fewer: ntk-theory-curve's default). THEORY=1 (the default with the infinite baseline) asks for it, THEORY=0
# leaves it out; asked for without the infinite baseline, make refuses.
#
# Shrink it for a quick look: SWEEP_M (the list of M), SWEEP_SEEDS (teacher
# seeds), M_TEST (test samples, default 20000 here), e.g.
#   make -j 2 learning-curve SWEEP_SEEDS="1 2" SWEEP_M="50 100 200" M_TEST=2000
# Other parameters (D, WIDTHS, TEACHER_WIDTHS, C, STORAGE, …) pass through to every point.
include pipelines/sweep.mk

SWEEP_M ?= 50 100 200 400 800 1600 3200
# With DATA (an imported data set) an empty M_TEST: a fixed fraction of it (pipelines/import.mk).
learning-curve.m_test := $(call sweep.value,M_TEST,$(if $(DATA),,20000))
# Each layer set (its steps joined by '-', for the folder name) and its initial seeds.
learning-curve.init-seeds.W-V-u := 0 1 2
learning-curve.init-seeds.all := 0

$(foreach layers,W-V-u all,$(foreach m,$(SWEEP_M),$(foreach seed,$(SWEEP_SEEDS),$(call sweep-point,learning-curve, \
  layers-$(layers)_M-$(m)_seed-$(seed), $(subst -, ,$(layers)), \
  INIT_SEEDS="$(learning-curve.init-seeds.$(layers))" \
  M=$(m) M_TEST=$(learning-curve.m_test) TEACHER_SEED=$(seed) INPUT_SEEDS=1$(seed)$(sweep.comma)2$(seed)))))

learning-curve.theory := $(call sweep.value,THEORY,$(if $(filter infinite,$(sweep.baselines)),1,0))
ifeq ($(learning-curve.theory),1)
$(if $(filter infinite,$(sweep.baselines)),,$(if $(filter learning-curve,$(MAKECMDGOALS)),$(error \
  THEORY=1: the theory curve is drawn over krr_infinite: it needs the infinite baseline, got BASELINES="$(sweep.baselines)")))
learning-curve.theory-samples := $(call sweep.value,THEORY_SAMPLES,)
learning-curve.theory-root := $(SWEEP_ROOT)/learning-curve/theory
learning-curve.first-m := $(firstword $(SWEEP_M))
# $(call learning-curve.theory-rule,LAYERS,SEED,STEP)
define learning-curve.theory-rule
sweep.theory.learning-curve += $(learning-curve.theory-root)/seed-$2/$3.h5
$(learning-curve.theory-root)/seed-$2/$3.h5: $(SWEEP_ROOT)/learning-curve/layers-$1_M-$(learning-curve.first-m)_seed-$2/results.csv \
    $(BIN)/ntk-theory-curve.sha256 $(learning-curve.theory-root)/.params/theory
	@mkdir -p $$(@D)
	$$(call theory-curve,$$(<D)/truth.h5,$$(<D)/$3/network.h5,$3)
endef
$(foreach layers,W-V-u all,$(foreach seed,$(SWEEP_SEEDS),$(foreach step,$(subst -, ,$(layers)),$(eval \
  $(call learning-curve.theory-rule,$(layers),$(seed),$(step))))))
$(learning-curve.theory-root)/%.h5: private THEORY_SAMPLES := $(learning-curve.theory-samples)
# The theory's parameters (Makefile, params.changed).
learning-curve.params.theory = $(learning-curve.theory-samples) $(KRR_RIDGE)
$(call params.changed,$(learning-curve.theory-root)/.params,theory,learning-curve.params): FORCE
$(learning-curve.theory-root)/.params/theory:
	$(call params.write,$(learning-curve.params.theory))
endif

$(call sweep-report,learning-curve,test-error-vs-m $(if $(filter 1,$(learning-curve.theory)),krr-mse-vs-m))
