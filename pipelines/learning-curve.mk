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

$(call sweep-report,learning-curve,test-error-vs-m)
