# The per-run pipeline on a data set bundled with scikit-learn (no download),
# included by digits.mk and breast-cancer.mk after they set RUN, DATA (a file
# in data/sklearn/), POSITIVE and NEGATIVE: the data set is exported to HDF5
# by scripts/export-sklearn-dataset.py (scikit-learn and h5py in .venv) and
# imported by ntk-import (pipelines/import.mk); then the usual steps.
#
#   make PIPELINE=digits                 the table, with the baselines below
#   make PIPELINE=digits svc-reference   scikit-learn's SVC (RBF kernel, default C) on the same split
#   make PIPELINE=digits learning-curve  nested training subsets (SWEEP_M), a fixed test part, split seeds SWEEP_SEEDS
FEATURE_KIND ?= output-gradient
# The baselines beside the finite features (the list layerwise.mk accepts).
SKLEARN_BASELINES ?= infinite trained
BASELINES ?= $(SKLEARN_BASELINES)
# A sweep's points run this pipeline too.
SWEEP_PIPELINE ?= $(PIPELINE)

data/sklearn/%.h5: scripts/export-sklearn-dataset.py $(VENV)/.installed
	$(PYTHON) scripts/export-sklearn-dataset.py $* $@

.PHONY: svc-reference
svc-reference: $(RUN)/truth.h5 scripts/svc-reference.py $(VENV)/.installed
	@$(PYTHON) scripts/svc-reference.py $<

include pipelines/layerwise.mk
