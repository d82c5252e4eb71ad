"""The pipeline against the numpy + scikit-learn reference (bench/reference.py)
for settings other than the notebook's: the same table, the same SVMs, and
numpy's own random draws, bit for bit."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from ntk_testing import STEPS, start_run
from pipeline_testing import NETWORK_LAYERS, assert_svm_matches, run_reference

SETTINGS = {
    "d7-m60-C0.5": {"D": 7, "M": 60, "M_TEST": 2000, "TEACHER_SEED": 9, "INIT_SEEDS": "3 4 5", "C": 0.5},
    "d12-m150-C2": {"D": 12, "M": 150, "M_TEST": 2000, "C": 2},
}


@pytest.fixture(scope="module", params=list(SETTINGS), ids=list(SETTINGS))
def crossed(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"cross-{request.param}")
    run = start_run(folder / "run", SETTINGS[request.param])
    run.reference_csv, run.reference_coef = run_reference(run, folder)
    assert run.reference_csv is not None, run.reference_coef
    return run


def test_results_csv_identical_to_reference(crossed):
    assert (crossed.path / "results.csv").read_text() == crossed.reference_csv


@pytest.mark.parametrize("step", STEPS)
def test_svm_matches_scikit_learn(crossed, step):
    assert_svm_matches(crossed.artifact(step, "svm"), crossed.reference_coef[step])


def numpy_draws(run):
    """The notebook's draws from the teacher seed: X, X_test, then the teacher."""
    d = run.d
    np.random.seed(int(run.value("TEACHER_SEED")))
    x = np.random.randn(d, run.m)
    x_test = np.random.randn(d, run.m_test)
    teacher = [np.random.randn(d, d) / np.sqrt(d), np.random.randn(d, d) / np.sqrt(d),
               np.random.randn(d, 1) / np.sqrt(d)]
    return x, x_test, teacher


def test_training_inputs_are_numpys_bit_for_bit(crossed):
    x, _, _ = numpy_draws(crossed)
    with h5py.File(crossed.truth, "r") as f:
        stored = f["inputs/train"][()]
    assert stored.dtype == np.float64
    assert stored.shape == (crossed.m, crossed.d)
    assert np.array_equal(stored, x.T)
    assert stored.tobytes() == np.ascontiguousarray(x.T).tobytes()


def test_test_inputs_and_teacher_are_numpys_bit_for_bit(crossed):
    _, x_test, (w, v, u) = numpy_draws(crossed)
    with h5py.File(crossed.truth, "r") as f:
        assert np.array_equal(f["inputs/test"][()], x_test.T)
        assert np.array_equal(f["teacher/W1"][()], w)
        assert np.array_equal(f["teacher/W2"][()], v)
        assert np.array_equal(f["teacher/u"][()], u.T)


def test_labels_are_the_references(crossed):
    x, x_test, (w, v, u) = numpy_draws(crossed)

    def labels(xr):
        a = np.maximum(np.maximum(xr @ w.T, 0) @ v.T, 0) @ u
        return ((a > 0).astype(float) * 2 - 1)[:, 0]

    with h5py.File(crossed.truth, "r") as f:
        assert np.array_equal(f["labels/train"][()], labels(x.T))
        assert np.array_equal(f["labels/test"][()], labels(x_test.T))


def test_student_initializations_follow_the_notebook(crossed):
    """Step W draws W, V, u from its seed; V keeps W = θc of step W and draws V, u;
    u keeps both learned layers and draws u."""
    d = crossed.d
    learned = {}
    for step, seed in zip(STEPS, crossed.seeds):
        np.random.seed(seed)
        if step == "W":
            expected = [np.random.randn(d, d) / np.sqrt(d), np.random.randn(d, d) / np.sqrt(d),
                        np.random.randn(d, 1).T / np.sqrt(d)]
        elif step == "V":
            expected = [learned["W"], np.random.randn(d, d) / np.sqrt(d), np.random.randn(d, 1).T / np.sqrt(d)]
        else:
            expected = [learned["W"], learned["V"], np.random.randn(d, 1).T / np.sqrt(d)]
        with h5py.File(crossed.artifact(step, "network"), "r") as f:
            for name, layer in zip(NETWORK_LAYERS, expected):
                assert np.array_equal(f[f"network/{name}"][()], layer), f"{step}: /network/{name}"
        with h5py.File(crossed.artifact(step, "svm"), "r") as f:
            shape = expected[STEPS.index(step)].shape
            learned[step] = f["weights"][()].reshape(shape)
