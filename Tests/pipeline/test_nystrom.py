"""The infinite-width baseline beyond the exact kernel: the Nyström
approximation (ntk-infinite-kernel with SOLVER=linear, or auto above libsvm's
kernel memory), against a numpy transcription (Tests/support/infinite_kernel.py
for K∞, numpy's eigh for the pseudo-inverse square root, numpy's RandomState
for the landmarks) and scikit-learn's SVC(kernel='linear') on the same Φ.

    Φ = K∞(X, L)·K∞(L, L)^(−1/2),   f(x) = K∞(x, L)·v + b,   v = K∞(L, L)^(−1/2) w.

Small: m = 300, k = 50 landmarks, unequal widths (a wrong fan-in shows)."""
from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest
from sklearn.svm import SVC

from infinite_kernel import theta_numpy
from ntk_testing import make, run_stage

WIDTHS = [9, 4]
K, SEED = 50, 3
PARAMS = {"D": 6, "WIDTHS": "9,4", "M": 300, "M_TEST": 700, "TEACHER_SEED": 13, "C": 0.7, "BASELINES": "infinite",
          "SOLVER": "linear", "INFINITE_LANDMARKS": K, "INFINITE_LANDMARK_SEED": SEED, "LAYERS": "W1 u",
          "INIT_SEEDS": "3 4"}
STEPS = {"W1": 0, "u": 2}
THRESHOLD = 1e-12  # eigenvalues ≤ THRESHOLD·λ_max are dropped from K∞(L, L)^(−1/2)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("nystrom") / "run"
    make(path, PARAMS)
    return path


def data(path):
    with h5py.File(path / "truth.h5") as f:
        return {split: (f[f"inputs/{split}"][()], f[f"labels/{split}"][()]) for split in ("train", "test")}


def nystrom_numpy(x, layer, k=K, seed=SEED):
    """(landmarks, Φ, S = K∞(L, L)^(−1/2)) in numpy."""
    landmarks = np.sort(np.random.RandomState(seed).permutation(len(x))[:k])
    kernel = theta_numpy(x[landmarks], WIDTHS, layer, fan_in=True)
    cross = theta_numpy(x, WIDTHS, layer, x2=x[landmarks], fan_in=True)
    cross[landmarks, np.arange(k)] = np.diag(kernel)  # a landmark with itself: θ = 0, as in K∞(X, X)
    values, vectors = np.linalg.eigh(kernel)
    kept = values > THRESHOLD * values.max()
    s = (vectors[:, kept] * values[kept] ** -0.5) @ vectors[:, kept].T
    return landmarks, cross @ s, s


def close(actual, expected, rtol=1e-9):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_features_and_weights_are_numpys(run):
    x, _ = data(run)["train"]
    for step, layer in STEPS.items():
        landmarks, phi, s = nystrom_numpy(x, layer)
        with h5py.File(run / step / "infinite.h5") as f:
            assert f["landmarks"][()].tolist() == landmarks.tolist()
            close(f["nystrom_features"][()], phi)
            w = f["weights"][()]
            close(f["nystrom_weights"][()], s @ w)
            # w is the SVM's: Σ dual_coef_i Φ(x_support_i).
            close(w, f["dual_coef"][()] @ phi[f["support"][()]])
            assert f.attrs["nystrom_rank"] == K and f.attrs["eigenvalue_threshold"] == THRESHOLD
            close(f["landmark_eigenvalues"][()], np.linalg.eigvalsh(theta_numpy(x[landmarks], WIDTHS, layer,
                                                                               fan_in=True)), rtol=1e-11)


def test_decisions_and_errors_are_numpys(run):
    sets = data(run)
    (x, y), (x_test, y_test) = sets["train"], sets["test"]
    rows = {(r["step"], r["model"]): r for r in csv.DictReader(open(run / "results.csv"))}
    for step, layer in STEPS.items():
        landmarks, phi, s = nystrom_numpy(x, layer)
        with h5py.File(run / step / "infinite.h5") as f:
            w, b = f["weights"][()], f["intercept"][()]
            train_error, test_error = f["errors/train_error"][0], f["errors/test_error"][0]
        # f(x) = Φ(x)·w + b = K∞(x, L)·v + b, v = S w.
        train = phi @ w + b
        test = theta_numpy(x_test, WIDTHS, layer, x2=x[landmarks], fan_in=True) @ (s @ w) + b
        assert min(np.abs(train).min(), np.abs(test).min()) > 1e-8  # no sign decided by rounding
        assert train_error == np.mean(np.where(train > 0, 1, -1) != y)
        assert test_error == np.mean(np.where(test > 0, 1, -1) != y_test)
        row = rows[(step, "ntk_infinite_nystrom")]
        assert (float(row["train_error"]), float(row["test_error"])) == (train_error, test_error)


def primal(phi, y, w, b, C):
    return 0.5 * w @ w + C * np.maximum(0, 1 - y * (phi @ w + b)).sum()


def test_svm_on_the_features_is_at_least_as_good_as_scikit_learns(run, tmp_path):
    x, y = data(run)["train"]
    C = PARAMS["C"]
    for step, layer in STEPS.items():
        output = tmp_path / f"{step}.h5"
        result = run_stage("infinite-kernel", "--truth", run / "truth.h5", "--network", run / step / "network.h5",
                           "--layer", step, "--C", C, "--solver", "linear", "--landmarks", K, "--landmark-seed", SEED,
                           "--gap-tolerance", 1e-9, "--quiet", "-o", output)
        assert result.returncode == 0, result.stderr
        _, phi, _ = nystrom_numpy(x, layer)
        peer = SVC(kernel="linear", C=C, tol=1e-10).fit(phi, y)
        theirs = primal(phi, y, peer.coef_[0], peer.intercept_[0], C)
        with h5py.File(output) as f:
            ours = f.attrs["primal_objective"]
            assert f.attrs["gap_tolerance"] == 1e-9 and f.attrs["duality_gap"] <= 1e-9
            np.testing.assert_allclose(primal(phi, y, f["weights"][()], f["intercept"][()], C), ours, rtol=1e-9)
        assert ours <= theirs * (1 + 1e-6), (ours, theirs)


def test_the_row_is_marked_approximate(run, tmp_path):
    rows = list(csv.DictReader(open(run / "results.csv")))
    models = {r["model"] for r in rows}
    assert "ntk_infinite_nystrom" in models and "ntk_infinite" not in models
    header = (run / "results.md").read_text().splitlines()[0]
    assert header.endswith("| NTK ∞ (Nyström) | KRR ∞ (Nyström) |"), header
    for step in STEPS:
        with h5py.File(run / step / "infinite.h5") as f:
            assert list(f["errors"].attrs["approximate_models"]) == ["ntk_infinite", "krr_infinite"]
            assert f.attrs["approximation"] == "nystrom"
            assert (f.attrs["landmarks"], f.attrs["landmark_seed"]) == (K, SEED)
            assert "linear solver" in f.attrs["solved_from"] and f.attrs["passes"] > 0
            for name in ("solver", "dual_objective", "duality_gap", "gap_tolerance", "landmark_draw"):
                assert name in f.attrs
            undescribed = []
            f.visititems(lambda name, o: undescribed.append(name)
                         if isinstance(o, h5py.Dataset) and "description" not in o.attrs else None)
            assert not undescribed
    # The sweep report carries the rows under their own model name.
    files = [run / step / name for step in STEPS for name in ("eval.h5", "infinite.h5")]
    result = run_stage("sweep-report", *files, "--name", "nystrom", "--quiet", "-o", tmp_path / "sweep")
    assert result.returncode == 0, result.stderr
    for name in ("results.csv", "summary.csv"):
        swept = [r["model"] for r in csv.DictReader(open(tmp_path / "sweep" / name))]
        assert swept.count("ntk_infinite_nystrom") == len(STEPS) and "ntk_infinite" not in swept
    assert "NTK ∞ (Nyström)" in (tmp_path / "sweep" / "results.md").read_text()


def test_auto_is_exact_where_the_kernel_fits_and_nystrom_above(run, tmp_path):
    common = ["--truth", run / "truth.h5", "--network", run / "W1" / "network.h5", "--layer", "W1", "--C", 0.7,
              "--landmarks", K, "--landmark-seed", SEED, "--quiet"]
    tiny = ["--kernel-memory-gib", 1e-4]  # 300² × 16 bytes = 1.4 MB > 107 kB
    expected = {(): "exact", tuple(tiny): "nystrom"}
    for memory, approximation in expected.items():
        output = tmp_path / f"{approximation}.h5"
        result = run_stage("infinite-kernel", *common, *memory, "--solver", "auto", "-o", output)
        assert result.returncode == 0, result.stderr
        with h5py.File(output) as f:
            assert f.attrs["approximation"] == approximation
            assert list(f["errors"].attrs["approximate_models"]) == ([] if approximation == "exact"
                                                                     else ["ntk_infinite", "krr_infinite"])
    # libsvm: refused above the limit, as before.
    output = tmp_path / "libsvm.h5"
    result = run_stage("infinite-kernel", *common, *tiny, "--solver", "libsvm", "-o", output)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and "--kernel-memory-gib" in lines[0], result.stderr
    assert not output.exists()


def test_more_landmarks_than_samples_are_refused(run, tmp_path):
    output = tmp_path / "infinite.h5"
    truth = run / "truth.h5"
    result = run_stage("infinite-kernel", "--truth", truth, "--network", run / "W1" / "network.h5", "--layer", "W1",
                       "--solver", "linear", "--landmarks", 301, "-o", output)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and lines == [
        f"ntk-infinite-kernel: error: {truth}: --landmarks 301 exceeds the 300 training samples"], result.stderr
    assert list(tmp_path.iterdir()) == []
    for bad in (0, -5):
        result = run_stage("infinite-kernel", "--truth", truth, "--network", run / "W1" / "network.h5",
                           "--layer", "W1", f"--landmarks={bad}", "-o", output)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0 and len(lines) == 1 and "--landmarks must be positive" in lines[0], lines
        assert list(tmp_path.iterdir()) == []


def test_more_landmarks_than_samples_are_refused_by_make(tmp_path):
    path = tmp_path / "run"
    result = make(path, {**PARAMS, "LAYERS": "W1", "INIT_SEEDS": "3", "INFINITE_LANDMARKS": 301}, check=False)
    assert result.returncode != 0
    assert f"ntk-infinite-kernel: error: {path / 'truth.h5'}: --landmarks 301 exceeds the 300 training samples" \
        in result.stderr, result.stderr
    assert not (path / "W1" / "infinite.h5").exists()
