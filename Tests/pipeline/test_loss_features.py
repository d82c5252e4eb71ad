"""The loss-gradient experiment (pipelines/notebook-loss.mk): the features are
y·σ(−y·f)·∂f/∂θ, their label dependence is recorded, the classifier's test
error is refused by default, and with ALLOW_LABEL_LEAK=1 it is reported and
marked leaked — its near-zero value documents the leak, it is not a result."""
from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest

from ntk_testing import STEPS, make, read_network
from pipeline_testing import forward, layer_index, tangent_features
from reference import MODELS

PARAMS = {"PIPELINE": "notebook-loss", "D": 7, "M": 80, "M_TEST": 2000}
# The SVM on the features: the one model whose test error needs the test labels.
CLASSIFIER = MODELS[0]


def leaked_name(model: str) -> str:
    """results.csv's name for a model whose test error was computed from leaked labels."""
    return f"{model}_leaked"


def rows(run) -> list[dict[str, str]]:
    with open(run / "results.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    run = tmp_path_factory.mktemp("loss") / "run"
    result = make(run, PARAMS, silent=False)
    return run, result


@pytest.fixture(scope="module")
def leaked(tmp_path_factory):
    run = tmp_path_factory.mktemp("loss-leaked") / "run"
    make(run, {**PARAMS, "ALLOW_LABEL_LEAK": 1})
    return run


def test_features_are_y_sigma_minus_y_f_times_the_tangent_features(honest):
    run, _ = honest
    with h5py.File(run / "truth.h5", "r") as t:
        x, y = t["inputs/train"][()], t["labels/train"][()]
    for step in STEPS:
        layers = read_network(run / step / "network.h5")
        index = layer_index(step)
        f = forward(layers, x)
        weight = y / (1 + np.exp(y * f))  # y·σ(−y·f)
        expected = weight[:, None] * tangent_features(layers, x, index)
        with h5py.File(run / step / "features.h5", "r") as g:
            assert g.attrs["feature_kind"] == "loss-gradient"
            assert g.attrs["label_dependent"] == 1
            assert "features/test" not in g  # no label-dependent test features by default
            actual = g["features/train"][()]
        assert np.abs(actual - expected).max() <= 1e-12 * max(1.0, np.abs(expected).max())


def test_the_classifier_test_error_is_refused_and_left_empty(honest):
    run, result = honest
    assert "classifier test error not reported" in result.stderr and "test labels" in result.stderr
    table = rows(run)
    assert [r["model"] for r in table] == MODELS * 3
    for r in table:
        if r["model"] == CLASSIFIER:
            assert r["test_error"] == "" and r["train_error"] != ""
        else:  # the network needs no test label: always reported
            assert 0 <= float(r["test_error"]) <= 1
    assert "not reported" in (run / "results.md").read_text()


def test_with_the_flag_the_leak_is_marked_and_near_zero(honest, leaked):
    table = rows(leaked)
    assert [r["model"] for r in table] == [leaked_name(m) if m == CLASSIFIER else m for m in MODELS] * 3
    leaked_errors = [float(r["test_error"]) for r in table if r["model"] == leaked_name(CLASSIFIER)]
    # The test features carry the test labels: the SVM reads the answer off them.
    assert min(leaked_errors[1:]) < 0.01
    assert "(leaked)" in (leaked / "results.md").read_text()
    with h5py.File(leaked / "V" / "eval.h5", "r") as f:
        assert list(f["errors"].attrs["leaked_test_errors"]) == [CLASSIFIER]
    # The network errors do not depend on the flag.
    honest_rows = rows(honest[0])
    for a, b in zip(honest_rows, table):
        if a["model"] != CLASSIFIER:
            assert a == b


def test_leaked_error_is_numpys(leaked):
    """The leaked test error recomputed: the SVM's decision w·g(x, y) + b on the test
    features y·σ(−y·f)·∂f/∂θ, which carry each test sample's label, against sgn."""
    with h5py.File(leaked / "truth.h5", "r") as t:
        x, y = t["inputs/test"][()], t["labels/test"][()]
    table = {r["step"]: r for r in rows(leaked) if r["model"] == leaked_name(CLASSIFIER)}
    for step in STEPS:
        layers = read_network(leaked / step / "network.h5")
        f = forward(layers, x)
        g = (y / (1 + np.exp(y * f)))[:, None] * tangent_features(layers, x, layer_index(step))
        with h5py.File(leaked / step / "svm.h5", "r") as svm:
            decision = g @ svm["weights"][()] + svm["intercept"][()]
        # A decision within rounding of 0 could fall either way: none may be that close.
        assert np.abs(decision).min() > 1e-9 * np.abs(decision).max(), step
        mistakes = int((np.where(decision > 0, 1.0, -1.0) != y).sum())
        with h5py.File(leaked / step / "eval.h5", "r") as e:
            models = list(e["errors/model"].asstr()[()])
            assert e["errors/test_error"][models.index(CLASSIFIER)] == mistakes / len(y), step
        assert float(table[step]["test_error"]) == mistakes / len(y), (step, table[step], mistakes)


def test_stored_leaked_test_features_give_the_same_leaked_errors(leaked, tmp_path):
    """By default the leaked test decisions come from the network (weighted by
    y·σ(−y·f), from the test labels); with TEST_FEATURES=1 from stored rows:
    the same table, marked leaked alike."""
    run = tmp_path / "stored"
    make(run, {**PARAMS, "ALLOW_LABEL_LEAK": 1, "TEST_FEATURES": 1})
    with h5py.File(run / "V" / "features.h5", "r") as f:
        assert f.attrs["test_features"] == "stored" and "features/test" in f
    with h5py.File(leaked / "V" / "features.h5", "r") as f:
        assert f.attrs["test_features"] == "from-network" and "features/test" not in f
        assert "leaked" in f.attrs["test_features_note"]
    assert (run / "results.csv").read_text() == (leaked / "results.csv").read_text()


def test_without_the_flag_nothing_is_computed_for_the_test_split(honest):
    run, _ = honest
    with h5py.File(run / "V" / "features.h5", "r") as f:
        assert f.attrs["test_features"] == "withheld" and "test labels" in f.attrs["test_features_note"]
