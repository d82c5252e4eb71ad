"""What the pipeline tests share beyond Tests/support: the small run's
parameters and numpy's recomputation of the network, the tests' oracle."""
from __future__ import annotations

import numpy as np

from ntk_testing import LAYER_NAMES

# A small run with every non-default parameter: the material of the
# interoperability and bad-input tests.
SMALL_PARAMS = {"D": 7, "M": 60, "M_TEST": 500, "INIT_SEEDS": "3 4 5", "TEACHER_SEED": 9, "C": 0.5}


# The layers of the default network, in the order read_network gives them.
NETWORK_LAYERS = ["W1", "W2", "u"]


def layer_index(step: str) -> int:
    return NETWORK_LAYERS.index(LAYER_NAMES[step])


def relu(a):
    return np.maximum(a, 0)


def sgn(a):
    return np.where(a > 0, 1.0, -1.0)


def forward(layers: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """f(x) = u · relu(W_L … relu(W_1 x)) for the samples in the rows of x."""
    z = x
    for w in layers[:-1]:
        z = relu(z @ w.T)
    return (z @ layers[-1].T)[:, 0]


def tangent_features(layers: list[np.ndarray], x: np.ndarray, index: int) -> np.ndarray:
    """∂f/∂θ for θ = layers[index], one row per sample, flattened row-major (out, in)."""
    inputs, pre = [x], []
    for w in layers[:-1]:
        a = inputs[-1] @ w.T
        pre.append(a)
        inputs.append(relu(a))
    delta = np.ones((len(x), 1))
    for l in range(len(layers) - 1, index, -1):
        delta = (delta @ layers[l]) * (pre[l - 1] > 0)
    return np.einsum("si,sj->sij", delta, inputs[index]).reshape(len(x), -1)
