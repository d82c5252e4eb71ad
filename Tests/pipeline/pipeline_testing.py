"""What the pipeline tests share beyond Tests/support: the small run's
parameters and numpy's recomputation of the network, the tests' oracle."""
from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from ntk_testing import LAYER_NAMES, PYTHON, REFERENCE, Run, run_command

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


# --- the oracle: bench/reference.py (numpy + scikit-learn) ------------------------------

# The SVM's solution against scikit-learn's: max |ours − scikit-learn's| / max |scikit-learn's|.
RELATIVE_TOLERANCE = 1e-9


def relative_difference(actual, expected) -> float:
    """max |actual − expected| / max |expected| (0 when both are exactly zero, as the
    weights of a network whose ReLUs all died are)."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    scale = np.abs(expected).max()
    difference = np.abs(actual - expected).max()
    return float(difference / scale) if scale > 0 else (0.0 if difference == 0 else float("inf"))


def reference_arguments(run: Run) -> list[str]:
    """bench/reference.py's options for the make parameters of `run`."""
    value = run.value
    arguments = ["--d", value("D"), "--m", value("M"), "--m-test", value("M_TEST"),
                 "--teacher-seed", value("TEACHER_SEED"), "--widths", value("WIDTHS"),
                 "--teacher-widths", value("TEACHER_WIDTHS"), "--layers", value("LAYERS"),
                 "--init-seeds", value("INIT_SEEDS"), "--kind", value("FEATURE_KIND"), "--C", value("C")]
    return arguments + (["--input-seeds", value("INPUT_SEEDS")] if value("INPUT_SEEDS") else [])


def run_reference(run: Run, folder: Path):
    """Runs bench/reference.py on `run`'s parameters: (its results.csv text, each
    step's SVM as JSON), or (None, its error line) when it refuses the data."""
    csv, coef = folder / "reference.csv", folder / "reference.json"
    result = run_command([PYTHON, REFERENCE, *reference_arguments(run), "--csv", csv, "--coef-json", coef],
                         timeout=600)
    if result.returncode != 0:
        assert result.stderr.startswith("reference: "), result.stderr
        return None, result.stderr.strip()
    return csv.read_text(), json.loads(coef.read_text())


def svm_differences(path: Path, reference: dict) -> dict[str, object]:
    """How an svm.h5 differs from scikit-learn's fit: the relative differences of the
    weights, intercept and dual coefficients, and whether the support is the same."""
    with h5py.File(path, "r") as f:
        weights, intercept = f["weights"][()], f["intercept"][()]
        support, dual, n_support = f["support"][()], f["dual_coef"][()], f["n_support"][()]
    assert np.ndim(intercept) == 0 and int(n_support.sum()) == len(support)
    return {"weights": relative_difference(weights, reference["coef"]),
            "intercept": relative_difference([intercept], reference["intercept"]),
            "dual_coef": relative_difference(dual, reference["dual_coef"]) if len(dual) == len(
                reference["dual_coef"]) else float("inf"),
            "same_support": support.tolist() == reference["support"]}


def assert_svm_matches(path: Path, reference: dict) -> None:
    found = svm_differences(path, reference)
    assert found["same_support"], f"{path}: support vectors differ from scikit-learn's"
    for name in ("weights", "intercept", "dual_coef"):
        assert found[name] <= RELATIVE_TOLERANCE, f"{path}: {name} differ from scikit-learn's by {found[name]:.3g}"
