"""Test features are derived data. By default the features artifact holds no
test rows (attribute test_features = from-network) and ntk-evaluate computes
the classifier's test decisions w·g(x) + b = δ(x)ᵀ θc z(x) + b from the network;
with TEST_FEATURES=1 the rows are stored, dense or factored, and evaluate reads
them. On the notebook's default runs (with 20,000 test samples, not 100,000: the dense
rows of 100,000 would be 500 MB) both give the same errors, and the decisions from the
network agree with the stored rows' to 1e-12 relative."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from ntk_testing import STEPS, read_network, start_run
from pipeline_testing import layer_index, relu, sgn

M_TEST = 20000
DEFAULT_PARAMS = {"M_TEST": M_TEST}
CHUNK = 10000  # test rows per read: 50 MB of dense W features


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The default run, and the same with the test rows stored densely and factored."""
    root = tmp_path_factory.mktemp("test-features")
    return {
        "network": start_run(root / "network", DEFAULT_PARAMS),
        "dense": start_run(root / "dense", {**DEFAULT_PARAMS, "TEST_FEATURES": 1, "STORAGE": "dense"}),
        "factored": start_run(root / "factored", {**DEFAULT_PARAMS, "TEST_FEATURES": 1, "STORAGE": "factored"}),
    }


def network_decisions(layers, index, w, b, x):
    """δ(x)ᵀ θc z(x) + b for the layer `index`, from the network (numpy)."""
    inputs, pre = [x], []
    for weights in layers[:-1]:
        pre.append(inputs[-1] @ weights.T)
        inputs.append(relu(pre[-1]))
    delta = np.ones((len(x), 1))
    for l in range(len(layers) - 1, index, -1):
        delta = (delta @ layers[l]) * (pre[l - 1] > 0)
    theta = w.reshape(layers[index].shape)
    return np.einsum("si,si->s", delta @ theta, inputs[index]) + b


def test_the_default_features_hold_no_test_rows_and_say_why(runs):
    for step in STEPS:
        with h5py.File(runs["network"].artifact(step, "features"), "r") as f:
            assert f.attrs["test_features"] == "from-network"
            assert "not stored" in f.attrs["test_features_note"] and "δ" in f.attrs["test_features_note"]
            assert f.attrs["store_test_features"] == 0
            assert "features/test" not in f and "labels/test" not in f and "factors/test" not in f
            assert f["features/train"].shape[0] == 100
        for storage in ("dense", "factored"):
            with h5py.File(runs[storage].artifact(step, "features"), "r") as f:
                assert f.attrs["test_features"] == "stored" and f.attrs["store_test_features"] == 1
                assert ("features/test" if storage == "dense" else "factors/test") in f
                assert f["labels/test"].shape == (M_TEST,)


def test_stored_rows_give_the_same_errors(runs):
    for step in STEPS:
        errors = {}
        for name, run in runs.items():
            with h5py.File(run.artifact(step, "eval"), "r") as f:
                errors[name] = (f["errors/train_error"][()].tolist(), f["errors/test_error"][()].tolist())
        assert errors["dense"] == errors["network"], step
        assert errors["factored"] == errors["network"], step
    csv = (runs["network"].path / "results.csv").read_text()
    assert (runs["dense"].path / "results.csv").read_text() == csv
    assert (runs["factored"].path / "results.csv").read_text() == csv


@pytest.mark.parametrize("step", STEPS)
def test_decisions_from_the_network_agree_with_the_stored_rows(runs, step):
    """Dense rows · w + b, factored δᵀθz + b and the network's δ(x)ᵀθc z(x) + b:
    1e-12 relative, and the same signs (hence the same 0-1 errors)."""
    dense, factored = runs["dense"], runs["factored"]
    layers, index = read_network(dense.artifact(step, "network")), layer_index(step)
    name = ["W1", "W2", "u"][index]
    with h5py.File(dense.artifact(step, "svm"), "r") as f:
        w, b = f["weights"][()], f["intercept"][()]
    with h5py.File(factored.artifact(step, "svm"), "r") as f:
        w_f, b_f = f["weights"][()], f["intercept"][()]
    with (h5py.File(dense.truth, "r") as t, h5py.File(dense.artifact(step, "features"), "r") as g,
          h5py.File(factored.artifact(step, "features"), "r") as h):
        for start in range(0, M_TEST, CHUNK):
            rows = slice(start, start + CHUNK)
            from_rows = g["features/test"][rows] @ w + b
            from_network = network_decisions(layers, index, w, b, t["inputs/test"][rows])
            delta, z = h[f"factors/test/{name}/delta"][rows], h[f"factors/test/{name}/input"][rows]
            from_factors = np.einsum("si,si->s", delta @ w_f.reshape(layers[index].shape), z) + b_f
            scale = np.abs(from_rows).max()
            assert np.abs(from_network - from_rows).max() <= 1e-12 * scale
            assert np.abs(from_factors - from_rows).max() <= 1e-12 * scale
            assert np.array_equal(sgn(from_network), sgn(from_rows))
            assert np.array_equal(sgn(from_factors), sgn(from_rows))
