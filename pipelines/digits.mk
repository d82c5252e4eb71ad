# `make PIPELINE=digits`: scikit-learn's handwritten digits (1797 samples of
# 8×8 = 64 pixels), odd digits (+1) against even (−1); a quarter of the samples
# held out for testing (pipelines/import.mk, pipelines/sklearn-data.mk).
RUN ?= data/digits
DATA ?= data/sklearn/digits.h5
POSITIVE ?= 1,3,5,7,9
NEGATIVE ?= 0,2,4,6,8
# The learning curve's training-set sizes (1348 training samples at most).
SWEEP_M ?= 50 100 200 400 800
include pipelines/sklearn-data.mk
