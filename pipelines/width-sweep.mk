# `make width-sweep`: test error against the student's width, hidden widths
# w,w for w = 25 … 800 by doubling, at a fixed width-25 teacher (D=25,
# TEACHER_WIDTHS=25,25), M fixed (400 unless given), over five teacher seeds;
# the default steps (LAYERS="W V u", INIT_SEEDS="0 1 2"). One run folder per point:
#
#   data/width-sweep/widths-100-100_M-400_seed-124/    (a run: truth.h5, W/, V/, u/, results.csv)
#   data/width-sweep/report/                           results.csv, results.md, summary.csv, measures.csv,
#                                                      test-error-vs-width.{svg,png}, lazy-regime-vs-width.{svg,png},
#                                                      alignment-vs-width.{svg,png} (centred alignment per layer)
#
# Wide layers' features are stored factored when dense rows would pass 1 GiB
# (STORAGE=auto; pass STORAGE=dense or factored to force one).
# Shrink it for a quick look: SWEEP_WIDTHS, SWEEP_SEEDS, M, M_TEST (default 20000 here), e.g.
#   make -j 2 width-sweep SWEEP_SEEDS="1 2" SWEEP_WIDTHS="25 50" M_TEST=2000
include pipelines/sweep.mk

SWEEP_WIDTHS ?= 25 50 100 200 400 800
width-sweep.m := $(call sweep.value,M,400)
# With DATA (an imported data set): d from the data, an empty M_TEST (a fixed fraction of it).
width-sweep.m_test := $(call sweep.value,M_TEST,$(if $(DATA),,20000))
width-sweep.teacher := $(if $(DATA),,D=25 TEACHER_WIDTHS=25$(comma)25)

$(foreach w,$(SWEEP_WIDTHS),$(foreach seed,$(SWEEP_SEEDS),$(call sweep-point,width-sweep, \
  widths-$(w)-$(w)_M-$(width-sweep.m)_seed-$(seed), W V u, \
  $(width-sweep.teacher) WIDTHS=$(w)$(comma)$(w) INIT_SEEDS="0 1 2" \
  M=$(width-sweep.m) M_TEST=$(width-sweep.m_test) TEACHER_SEED=$(seed))))

$(call sweep-report,width-sweep,test-error-vs-width lazy-regime-vs-width alignment-vs-width)
