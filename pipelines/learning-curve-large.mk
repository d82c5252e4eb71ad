# `make learning-curve-large`: the learning curve up to a million training samples, M = 1000 … 1000000
# by quadrupling, over three teacher seeds (124 125 126), for the default network's layers step by
# step (LAYERS="W V u", INIT_SEEDS="0 1 2"), with both baselines (BASELINES="infinite trained") and
# M_TEST = 10000. The SVMs train with SOLVER=auto: libsvm on the kernel up to m = 23,170 (its copy of
# the kernel within 8 GiB; SVM_KERNEL_MEMORY_GIB moves the limit), the linear-time solver above; the
# plot marks where. As in `make learning-curve`, for each teacher seed s the teacher and the test set
# stay fixed and the training sets are nested (INPUT_SEEDS=1s,2s). One run folder per point, apart
# from the learning curve's:
#
#   data/learning-curve-large/layers-W-V-u_M-1000000_seed-124/   (a run: truth.h5, W/, V/, u/, results.csv)
#   data/learning-curve-large/report/                           results.csv, results.md, summary.csv,
#                                                               measures.csv, test-error-vs-m.{svg,png}
#
# Shrink it for a quick look: SWEEP_M (the list of M), SWEEP_SEEDS (teacher seeds), M_TEST, e.g.
#   make -j 2 learning-curve-large SWEEP_M="1000 4000" SWEEP_SEEDS=124 GD_STEPS=10
# Other parameters (C, SOLVER, STORAGE, GD_STEPS, …) pass through to every point.
include pipelines/sweep.mk

learning-curve-large.m := $(call sweep.value,SWEEP_M,1000 4000 16000 64000 256000 1000000)
learning-curve-large.seeds := $(call sweep.value,SWEEP_SEEDS,124 125 126)
learning-curve-large.m_test := $(call sweep.value,M_TEST,10000)

$(foreach m,$(learning-curve-large.m),$(foreach seed,$(learning-curve-large.seeds),$(call sweep-point, \
  learning-curve-large, layers-W-V-u_M-$(m)_seed-$(seed), W V u, INIT_SEEDS="0 1 2" \
  M=$(m) M_TEST=$(learning-curve-large.m_test) TEACHER_SEED=$(seed) INPUT_SEEDS=1$(seed)$(comma)2$(seed))))

$(call sweep-report,learning-curve-large,test-error-vs-m)
