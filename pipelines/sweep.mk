# Sweeps: many runs of a per-run pipeline (points), each in its own folder,
# and a report over them. A sweep file (learning-curve.mk, width-sweep.mk)
# includes this file and lists its points:
#
#   $(call sweep-point,SWEEP,POINT,STEPS,ASSIGNMENTS)
#       SWEEP_ROOT/SWEEP/POINT/results.csv (and spectrum-outputs: alignment.csv, each step's spectrum.h5), made by
#       running the per-run pipeline there: $(MAKE) PIPELINE=$(SWEEP_PIPELINE) RUN=<point folder> LAYERS="STEPS"
#       ASSIGNMENTS
#   $(call sweep-report,SWEEP,PLOTS)
#       the phony target SWEEP: every point, then in SWEEP_ROOT/SWEEP/report/
#       results.csv, summary.csv, results.md, measures.csv (ntk-sweep-report: measures.csv holds the
#       trained baseline's measures and each kernel's alignment_<kernel>, centred_alignment_<kernel>) and, for
#       each plot P, P.svg and P.png drawn by gnuplot with plots/P.gp from summary.csv
#       (or measures.csv beside it). Where the sweep file set sweep.theory.SWEEP (theory
#       files of ntk-theory-curve) before the call, also theory-vs-measured.csv and theory-curve.csv.
#
# A point's recipe always runs its sub-make, which redoes only what is missing
# or stale in that run (the cache rule of a single run, pipelines/cache.mk); the
# report is a stage over every point's files, redone when one of them or the
# list of points changed. Points run side by side under `make -j N` (the
# sub-makes share the jobserver).
#
# Point names become folder and make target names: no spaces, ':' or '='
# (layerwise.mk writes rules with $(RUN) inside $(eval), where '=' would make
# a rule an assignment), so they read key-value_key-value, e.g. layers-W-V-u_M-400_seed-124.

ifndef sweep.included
sweep.included := 1

SWEEP_ROOT ?= data
SWEEP_PIPELINE ?= notebook
# The teacher seeds of every sweep (TEACHER_SEED of each point).
SWEEP_SEEDS ?= 124 125 126 127 128

# $(call sweep.value,VAR,DEFAULT): VAR as set on the command line or in the
# environment, else DEFAULT (the per-run pipeline's own defaults do not apply
# to sweeps: e.g. M_TEST is 20000 unless given).
sweep.value = $(if $(filter command% environment% override,$(origin $1)),$($1),$2)
sweep.report = $(SWEEP_ROOT)/$1/report
# Sweeps compute the baselines unless BASELINES says otherwise.
sweep.baselines = $(call sweep.value,BASELINES,infinite trained)
# The digests of the stage binaries, and an imported data set (DATA), brought up to date before any point starts.
sweep.stamps = $(BINARIES:=.sha256) $(DATA)

ifdef SWEEP_POINT
# Inside a point's sub-make the point is an ordinary run: no sweep rules.
sweep-point =
sweep-report =
else
sweep-point = $(if $(findstring =,$2)$(findstring :,$2),$(error sweep point name '$2' holds '=' or ':'))$(eval \
  $(call sweep.point-rule,$(strip $1),$(strip $2),$(strip $3),$4))
sweep-report = $(eval $(call sweep.report-rule,$(strip $1),$(strip $2)))
endif

# A point's files: what the report, the theory curve and the sweep's page read, all made by the point's sub-make.
sweep.point-files = $1/results.csv $1/report.html $1/truth.h5 $(foreach s,$2,$1/$s/network.h5 $(call \
  step-results,$1/$s,$(sweep.baselines)) $1/$s/spectrum.h5)
# The report reads each point's steps in the order Make chains them (LAYERS).
define sweep.point-rule
sweep.points.$1 += $(SWEEP_ROOT)/$1/$2
sweep.point-names.$1 += $2
sweep.make.$1/$2 := SWEEP= PIPELINE=$$(SWEEP_PIPELINE) SWEEP_POINT=$2 RUN=$(SWEEP_ROOT)/$1/$2 LAYERS="$3" \
  BASELINES="$(sweep.baselines)" $4
sweep.results.$1 += $(foreach s,$3,$(call step-results,$(SWEEP_ROOT)/$1/$2/$s,$(sweep.baselines)) \
  $(SWEEP_ROOT)/$1/$2/$s/spectrum.h5)
# What the report also reads beside the result files: each point's parameters (truth.h5, each step's network.h5).
sweep.parameters.$1 += $(SWEEP_ROOT)/$1/$2/truth.h5 $(foreach s,$3,$(SWEEP_ROOT)/$1/$2/$s/network.h5)
# Made, and on a failure cleaned up, by the point's own make: never deleted by this one.
.PRECIOUS: $(call sweep.point-files,$(SWEEP_ROOT)/$1/$2,$3)
$(call sweep.point-files,$(SWEEP_ROOT)/$1/$2,$3) &: $$(sweep.stamps) sweep.always
	@$$(call sweep.progress,$1) --start=$2
	$$(MAKE) --no-print-directory $$(sweep.make.$1/$2) $(SWEEP_ROOT)/$1/$2/results.csv spectrum-outputs \
	  $(SWEEP_ROOT)/$1/$2/report.html
	@$$(call sweep.progress,$1) --finish=$2
endef

# A sweep's progress: whenever a point finishes, a line on stderr (points done of the total, running, elapsed,
# time left); marks in report/.progress, counted from the start of this make (sweep.started, once).
sweep.started = $(eval sweep.started := $(shell date +%s.%N))$(sweep.started)
sweep.progress = $(BIN)/ntk-html-report progress --name=$1 --marks=$(call sweep.report,$1)/.progress \
  --since=$(sweep.started) --points $(notdir $(sweep.points.$1))

sweep.theory-files = $(if $(sweep.theory.$1),theory-vs-measured.csv theory-curve.csv)
define sweep.report-rule
.PHONY: $1
$1: $(addprefix $(call sweep.report,$1)/,results.csv results.md summary.csv measures.csv $(call sweep.theory-files,$1) \
    $(foreach p,$2,$p.svg $p.png) index.html)
	@echo "$1: $$(words $$(sweep.points.$1)) points; report in $(call sweep.report,$1)/: results.csv results.md summary.csv measures.csv $(call sweep.theory-files,$1) $(foreach p,$2,$p.svg $p.png)"
	@echo "page: $(call sweep.report,$1)/index.html"

stage.root := $(SWEEP_ROOT)
$(call stage,$(addprefix $(call sweep.report,$1)/,results.csv results.md summary.csv measures.csv $(call \
  sweep.theory-files,$1)),$(sweep.results.$1) $(sweep.parameters.$1) $(sweep.theory.$1),$(BIN)/ntk-sweep-report \
  $(if $(sweep.theory.$1),--theory $(sweep.theory.$1)) --quiet --name=$1 --output=$(call sweep.report,$1) \
  $(sweep.results.$1))

# The sweep's page (ntk-html-report sweep): its tables, plots and points (their pages and stamps); the command
# shown is make's own command-line variables and the sweep's goal.
$(call stage,$(call sweep.report,$1)/index.html,$(addprefix $(call sweep.report,$1)/,results.csv summary.csv \
  measures.csv $(call sweep.theory-files,$1) $(foreach p,$2,$p.svg)) $(addsuffix /report.html,$(sweep.points.$1)) \
  $(addsuffix /results.csv,$(sweep.points.$1)),$(BIN)/ntk-html-report sweep $(call sweep.report,$1) --name=$1 \
  --quiet --command="make $(subst ",\",$(-*-command-variables-*-)) $1" --points $(sweep.points.$1))

# `make status SWEEP=$1`: every point's status (its own sub-make, which runs nothing), then the report's.
ifeq ($(SWEEP),$1)
status:
	@$$(foreach p,$$(sweep.point-names.$1),$$(MAKE) --no-print-directory -s status $$(sweep.make.$1/$$p);)
	$$(call cache.status,$(addprefix $(call sweep.report,$1)/,results.csv))
endif

# A plot reads summary.csv, measures.csv and (the theory curve's) theory-curve.csv beside it.
$(call sweep.report,$1)/%.svg: $(call sweep.plot-inputs,$1) plots/%.gp plots/sweep-common.gp
	$$(call sweep.gnuplot,svg)
$(call sweep.report,$1)/%.png: $(call sweep.plot-inputs,$1) plots/%.gp plots/sweep-common.gp
	$$(call sweep.gnuplot,png)
endef

sweep.gnuplot = $(call draw,plots/$*.gp,$1)
sweep.plot-inputs = $(addprefix $(call sweep.report,$1)/,summary.csv measures.csv $(filter theory-curve.csv,$(call \
  sweep.theory-files,$1)))

.PHONY: sweep.always
sweep.always:

endif # sweep.included
