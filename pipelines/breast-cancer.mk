# `make PIPELINE=breast-cancer`: scikit-learn's Wisconsin diagnostic breast
# cancer data (569 samples, 30 features of cell nuclei), malignant (+1) against
# benign (−1); a quarter of the samples held out for testing
# (pipelines/import.mk, pipelines/sklearn-data.mk).
RUN ?= data/breast-cancer
DATA ?= data/sklearn/breast-cancer.h5
POSITIVE ?= malignant
NEGATIVE ?= benign
# The learning curve's training-set sizes (427 training samples at most).
SWEEP_M ?= 25 50 100 200 400
include pipelines/sklearn-data.mk
