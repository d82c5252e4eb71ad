"""BASELINES=infinite: the SVM on the infinite-width tangent kernel K∞ of each
step's layer (ntk-infinite-kernel), against numpy (the arc-cosine recursion,
Tests/support/infinite_kernel.py, itself checked against neural-tangents by
`make test-peers`) and scikit-learn's SVC(kernel='precomputed').

Unequal widths, so that a wrong fan-in shows; steps W1 W2 u chained, and all."""
from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest
from sklearn.svm import SVC

from infinite_kernel import theta_numpy
from ntk_testing import make, run_stage

PARAMS = {"D": 6, "WIDTHS": "9,4", "M": 80, "M_TEST": 700, "TEACHER_SEED": 11, "C": 0.7, "BASELINES": "infinite"}
LAYER_INDEX = {"W1": 0, "W2": 1, "u": 2, "all": "all"}
RUNS = {"chained": {"LAYERS": "W1 W2 u", "INIT_SEEDS": "3 4 5"}, "all": {"LAYERS": "all", "INIT_SEEDS": "3"}}


@pytest.fixture(scope="module", params=list(RUNS))
def run(request, tmp_path_factory):
    path = tmp_path_factory.mktemp(f"infinite-{request.param}") / "run"
    make(path, {**PARAMS, **RUNS[request.param]})
    return path, RUNS[request.param]["LAYERS"].split()


def data(run_path):
    with h5py.File(run_path / "truth.h5") as f:
        return {split: (f[f"inputs/{split}"][()], f[f"labels/{split}"][()]) for split in ("train", "test")}


def test_kernel_is_the_arc_cosine_recursion_at_the_features_scale(run):
    path, steps = run
    x, _ = data(path)["train"]
    for step in steps:
        with h5py.File(path / step / "infinite.h5") as f:
            kernel = f["kernel"][()]
            assert f.attrs["artifact"] == "infinite-width kernel SVM"
        expected = theta_numpy(x, [9, 4], LAYER_INDEX[step], fan_in=True)
        np.testing.assert_allclose(kernel, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_svm_and_errors_are_scikit_learns(run):
    path, steps = run
    sets = data(path)
    (x, y), (x_test, y_test) = sets["train"], sets["test"]
    rows = {(r["step"], r["model"]): r for r in csv.DictReader(open(path / "results.csv"))}
    for step in steps:
        kernel = theta_numpy(x, [9, 4], LAYER_INDEX[step], fan_in=True)
        peer = SVC(kernel="precomputed", C=PARAMS["C"]).fit(kernel, y)
        with h5py.File(path / step / "infinite.h5") as f:
            assert f["support"][()].tolist() == peer.support_.tolist()
            np.testing.assert_allclose(f["dual_coef"][()], peer.dual_coef_[0], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(f["intercept"][()], peer.intercept_[0], rtol=1e-9, atol=1e-9)
            train_error, test_error = f["errors/train_error"][0], f["errors/test_error"][0]
        # The whole m_test × m cross kernel here; the stage streams it in blocks.
        cross = theta_numpy(x_test, [9, 4], LAYER_INDEX[step], x2=x, fan_in=True)
        assert train_error == np.mean(peer.predict(kernel) != y)
        assert test_error == np.mean(peer.predict(cross) != y_test)
        row = rows[(step, "ntk_infinite")]
        assert (float(row["train_error"]), float(row["test_error"])) == (train_error, test_error)


def test_table_has_the_column(run):
    path, steps = run
    table = (path / "results.md").read_text().splitlines()
    assert table[0].endswith("| NTK ∞ | KRR ∞ |")
    assert len(table) == 2 + len(steps)


def test_a_network_of_another_input_dimension_is_refused(run, tmp_path):
    path, steps = run
    result = run_stage("init", "--dim", 5, "--widths", "9,4", "--layer", "all", "--seed", 3, "-o", tmp_path / "n.h5")
    assert result.returncode == 0, result.stderr
    output = tmp_path / "infinite.h5"
    result = run_stage("infinite-kernel", "--truth", path / "truth.h5", "--network", tmp_path / "n.h5",
                       "--layer", "all", "-o", output)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert lines[0].startswith("ntk-infinite-kernel: error: ") and "dimension 5" in lines[0]
    assert not output.exists()
