# A run on an imported data set, included by layerwise.mk when DATA is set:
# RUN/truth.h5 comes from ntk-import instead of ntk-truth, and the student's
# input dimension d from that file (ntk-init --truth); every other stage is
# unchanged.
#
#   make RUN=data/mine DATA=path/to/file.h5 POSITIVE=1,3,5,7,9 NEGATIVE=0,2,4,6,8
#
# Parameters:
#   DATA          the data set: .h5/.hdf5 (datasets INPUTS_NAME, n × d, and LABELS_NAME, n), .npz (arrays of
#                 those names), .npy (the inputs; DATA_LABELS the labels' .npy), .csv (a header; the column
#                 LABELS_NAME holds the labels, every other column is a feature)
#   POSITIVE, NEGATIVE   label values of the two classes (+1, −1), comma-separated; other samples are dropped
#   M, M_TEST     training and test samples; empty M: every kept sample not in the test set; empty M_TEST:
#                 TEST_FRACTION (0.25) of the kept samples
#   SPLIT_SEED    seed of the split (default: TEACHER_SEED, so a sweep's seeds are split seeds)
#   STANDARDIZE, NORMALIZE   1 (default) or 0: standardize features on the training set; scale samples to norm √d
#   WIDTHS        the student's hidden widths (default d,d with the data's d); D must not be given
ifneq ($(filter command line environment,$(origin D)),)
$(error D comes from the data with DATA=$(DATA): leave D unset)
endif
$(if $(strip $(POSITIVE)),,$(error DATA=$(DATA) needs POSITIVE (and NEGATIVE): the label values of each class))
$(if $(strip $(NEGATIVE)),,$(error DATA=$(DATA) needs NEGATIVE (and POSITIVE): the label values of each class))
DATA_LABELS ?=
INPUTS_NAME ?= X
LABELS_NAME ?= y
M ?=
M_TEST ?=
TEST_FRACTION ?= 0.25
SPLIT_SEED ?= $(TEACHER_SEED)
STANDARDIZE ?= 1
NORMALIZE ?= 1
WIDTHS ?=

import.flag = $(if $(filter 1 yes true,$1),--$2,--no-$2)

# The student: d from the imported truth, widths d,d unless WIDTHS is given.
student_shape = --truth=$(RUN)/truth.h5 $(addprefix --widths=,$(WIDTHS))
student_inputs = $(RUN)/truth.h5

# The truth's stage, called by layerwise.mk once every default is set.
import.stage = $(call stage,$(RUN)/truth.h5,$(DATA) $(DATA_LABELS),$(BIN)/ntk-import --data=$(DATA) $(addprefix \
  --labels=,$(DATA_LABELS)) --inputs-name=$(INPUTS_NAME) --labels-name=$(LABELS_NAME) --positive=$(POSITIVE) \
  --negative=$(NEGATIVE) $(addprefix --train=,$(M)) $(if $(M_TEST),--test=$(M_TEST),--test-fraction=$(TEST_FRACTION)) \
  --split-seed=$(SPLIT_SEED) $(call import.flag,$(STANDARDIZE),standardize) $(call import.flag,$(NORMALIZE),normalize) \
  --quiet --output=$(RUN)/truth.h5)

# Sweeps over an imported data set report in their own folder, apart from the teacher's sweeps.
SWEEP_ROOT ?= data/$(basename $(notdir $(DATA)))-sweeps
