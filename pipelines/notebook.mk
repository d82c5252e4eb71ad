# The notebook's first experiment ("Fully Connected"): features g(x) = ∂f/∂θ,
# layer by layer W → V → u, each step's learned layer carried to the next.
RUN ?= data/notebook
FEATURE_KIND ?= output-gradient
include pipelines/layerwise.mk
