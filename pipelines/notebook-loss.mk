# The notebook's second experiment ("Learning with the Loss"), done right:
# features g(x, y) = −∂ℓ/∂θ, same data, seeds and W → V → u chaining.
# The classifier's test error needs test features computed from the test
# labels; it is reported (marked as leaked) only with ALLOW_LABEL_LEAK=1.
RUN ?= data/notebook-loss
FEATURE_KIND ?= loss-gradient
include pipelines/layerwise.mk
