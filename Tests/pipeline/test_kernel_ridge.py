"""krr_infinite (kernel ridge regression with K∞, ntk-infinite-kernel) against
scikit-learn's KernelRidge(kernel='precomputed'), and the theory curve
(ntk-theory-curve) against a numpy transcription of its equations.

K∞ comes from the numpy transcription of the arc-cosine recursion
(Tests/support/infinite_kernel.py, itself checked against neural-tangents by
`make test-peers`). Unequal widths, so that a wrong fan-in shows."""
from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest
from scipy.optimize import brentq
from sklearn.kernel_ridge import KernelRidge

from infinite_kernel import theta_numpy
from ntk_testing import make, run_command, run_stage

WIDTHS = [9, 4]
PARAMS = {"D": 6, "WIDTHS": "9,4", "M": 150, "M_TEST": 600, "TEACHER_SEED": 11, "BASELINES": "infinite",
          "LAYERS": "W1 u", "INIT_SEEDS": "3 4", "KRR_RIDGE": 0.01, "THEORY_SAMPLES": 300}
LAYER_INDEX = {"W1": 0, "u": 2}
RTOL = 1e-9


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("krr") / "run"
    make(path, PARAMS, ["run", "theory-curves"])
    return path


def data(path):
    with h5py.File(path / "truth.h5") as f:
        return {split: (f[f"inputs/{split}"][()], f[f"labels/{split}"][()]) for split in ("train", "test")}


def test_krr_is_scikit_learns_kernel_ridge(run):
    sets = data(run)
    (x, y), (x_test, y_test) = sets["train"], sets["test"]
    rows = {(r["step"], r["model"]): r for r in csv.DictReader(open(run / "results.csv"))}
    for step, layer in LAYER_INDEX.items():
        kernel = theta_numpy(x, WIDTHS, layer, fan_in=True)
        ridge = PARAMS["KRR_RIDGE"] * np.trace(kernel) / len(y)
        peer = KernelRidge(kernel="precomputed", alpha=ridge).fit(kernel, y)
        f_train = peer.predict(kernel)
        f_test = peer.predict(theta_numpy(x_test, WIDTHS, layer, x2=x, fan_in=True))
        with h5py.File(run / step / "infinite.h5") as f:
            assert f["krr"].attrs["approximation"] == "exact"
            assert f["errors/model"][1].decode() == "krr_infinite"
            np.testing.assert_allclose(f["krr"].attrs["ridge"], ridge, rtol=1e-12)
            np.testing.assert_allclose(f["krr/dual_coef"][()], peer.dual_coef_, rtol=RTOL,
                                       atol=RTOL * np.abs(peer.dual_coef_).max())
            train_error, test_error, mse = f["errors/train_error"][1], f["errors/test_error"][1], f["errors/test_mse"][1]
            assert np.isnan(f["errors/test_mse"][0])  # the SVM has no real-valued output to score
        assert train_error == np.mean(np.sign(f_train) != y)
        assert test_error == np.mean(np.sign(f_test) != y_test)
        np.testing.assert_allclose(mse, np.mean((f_test - y_test) ** 2), rtol=RTOL)
        row = rows[(step, "krr_infinite")]
        assert (float(row["train_error"]), float(row["test_error"])) == (train_error, test_error)
    assert (run / "results.md").read_text().splitlines()[0].endswith("| NTK ∞ | KRR ∞ |")


def transcribed_curve(kernel, y, relative_ridge, sizes):
    """The equations of SpectralLearningCurve, transcribed: eigenvalues of K/N, v² = (uᵀy)²/N,
    κ from Σλ/(λ+κ) + δ/κ = m (brentq), L = λ/(λ+κ), E₀ = m/(m − ΣL²), MSE = E₀(Σ(1−L)²v² + ε²)."""
    n = len(y)
    values, vectors = np.linalg.eigh(kernel)
    lam = np.clip(values[::-1] / n, 0, None)
    power = (vectors[:, ::-1].T @ y) ** 2 / n
    residual = max(y @ y / n - power[lam > 0].sum(), 0.0)
    delta = relative_ridge * lam.sum()
    predicted = []
    for m in sizes:
        kappa = brentq(lambda k: (lam / (lam + k)).sum() + delta / k - m, delta / m / 2, (lam.sum() + delta) / m,
                       xtol=1e-300, rtol=1e-15, maxiter=500)
        learn = lam / (lam + kappa)
        predicted.append(m / (m - (learn ** 2).sum()) * (((1 - learn) ** 2 * power).sum() + residual))
    return lam, power, np.array(predicted)


def test_theory_curve_is_the_transcribed_equations(run):
    x_test, y_test = data(run)["test"]
    n = PARAMS["THEORY_SAMPLES"]
    for step, layer in LAYER_INDEX.items():
        kernel = theta_numpy(x_test[:n], WIDTHS, layer, fan_in=True)
        with h5py.File(run / step / "theory.h5") as f:
            assert f.attrs["artifact"] == "kernel regression theory curve"
            assert f.attrs["theory_samples"] == n and f.attrs["krr_ridge"] == PARAMS["KRR_RIDGE"]
            sizes = f["curve/m"][()].astype(int)
            lam, power, predicted = transcribed_curve(kernel, y_test[:n], PARAMS["KRR_RIDGE"], sizes)
            np.testing.assert_allclose(f["eigenvalues"][()], lam, rtol=0, atol=1e-10 * lam[0])
            # The powers of nearly equal eigenvalues mix (their eigenvectors are not unique): compare
            # cumulative sums, which agree wherever the spectrum has a gap.
            np.testing.assert_allclose(np.cumsum(f["target_power"][()]), np.cumsum(power), atol=1e-8)
            np.testing.assert_allclose(f["curve/predicted_mse"][()], predicted, rtol=1e-8)
            assert sizes[0] == 10 and sizes[-1] <= n


def test_theory_predicts_the_measured_mse_at_this_size(run):
    """Not a tolerance test of the theory (one draw of 150 samples): the prediction at M and the
    measurement are of the same size, so the two files describe the same regression."""
    for step in LAYER_INDEX:
        with h5py.File(run / step / "infinite.h5") as f:
            measured = f["errors/test_mse"][1]
        with h5py.File(run / step / "theory.h5") as f:
            m, predicted = f["curve/m"][()], f["curve/predicted_mse"][()]
        at_m = np.interp(np.log(PARAMS["M"]), np.log(m), predicted)
        assert 0.5 < at_m / measured < 1.5


def test_nystrom_krr_is_ridge_regression_on_its_features(tmp_path):
    """Above the exact kernel (here forced, SOLVER=linear) krr_infinite is ridge regression on the
    Nyström features Φ, marked approximate: w = (ΦᵀΦ + λI)⁻¹Φᵀy, λ from the exact K∞'s trace."""
    params = {**PARAMS, "SOLVER": "linear", "INFINITE_LANDMARKS": 40, "LAYERS": "W1", "INIT_SEEDS": "3"}
    make(tmp_path / "run", params)
    x, y = data(tmp_path / "run")["train"]
    with h5py.File(tmp_path / "run" / "W1" / "infinite.h5") as f:
        phi = f["nystrom_features"][()]
        assert f["krr"].attrs["approximation"] == "nystrom"
        assert "krr_infinite" in list(f["errors"].attrs["approximate_models"])
        ridge = PARAMS["KRR_RIDGE"] * np.trace(theta_numpy(x, WIDTHS, 0, fan_in=True)) / len(y)
        np.testing.assert_allclose(f["krr"].attrs["ridge"], ridge, rtol=1e-12)
        w = np.linalg.solve(phi.T @ phi + ridge * np.eye(phi.shape[1]), phi.T @ y)
        np.testing.assert_allclose(f["krr/weights"][()], w, rtol=1e-9, atol=1e-9 * np.abs(w).max())
        assert f["errors/train_error"][1] == np.mean(np.sign(phi @ w) != y)
    rows = {r["model"] for r in csv.DictReader(open(tmp_path / "run" / "results.csv"))}
    assert "krr_infinite_nystrom" in rows


def one_line_refusal(result, output):
    assert result.returncode not in (0,) and result.returncode < 128, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert not output.exists()
    return lines[0]


def test_bad_theory_samples_and_ridge_are_refused(run, tmp_path):
    output = tmp_path / "out.h5"
    common = ["--truth", run / "truth.h5", "--network", run / "W1" / "network.h5", "--layer", "W1", "-o", output]
    line = one_line_refusal(run_stage("theory-curve", *common, "--samples", 1), output)
    assert "THEORY_SAMPLES" in line and "at least 2" in line
    line = one_line_refusal(run_stage("theory-curve", *common, "--samples", 601), output)
    assert "THEORY_SAMPLES" in line and "601" in line and "600 test samples" in line
    line = one_line_refusal(run_stage("theory-curve", *common, "--krr-ridge=-0.1"), output)
    assert "KRR_RIDGE" in line
    line = one_line_refusal(run_stage(
        "infinite-kernel", "--truth", run / "truth.h5", "--network", run / "W1" / "network.h5", "--layer", "W1",
        "--krr-ridge=-1", "-o", output), output)
    assert "KRR_RIDGE" in line


def test_theory_samples_default_to_the_test_samples_the_truth_has(run, tmp_path):
    """Without --samples: min(4000, m_test) — here the 600 test samples (an imported data set's few test
    samples need no THEORY_SAMPLES); the curve is the one --samples 600 gives."""
    curves = []
    for options in ([], ["--samples", 600]):
        output = tmp_path / f"theory{len(options)}.h5"
        result = run_stage("theory-curve", "--truth", run / "truth.h5", "--network", run / "W1" / "network.h5",
                           "--layer", "W1", *options, "--quiet", "-o", output)
        assert result.returncode == 0, result.stderr
        with h5py.File(output) as f:
            assert f.attrs["theory_samples"] == 600
            curves.append(f["eigenvalues"][()])
    assert np.array_equal(curves[0], curves[1])


def test_theory_without_the_infinite_baseline_is_refused(tmp_path):
    result = make(tmp_path / "run", {**PARAMS, "BASELINES": ""}, ["theory-curves"], check=False)
    assert result.returncode != 0
    assert "BASELINES=infinite" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
    result = run_command(["make", "-s", "-n", "learning-curve", "THEORY=1", "BASELINES=trained",
                          f"SWEEP_ROOT={tmp_path}"])
    assert result.returncode != 0 and "infinite baseline" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sweep_report_compares_theory_and_measurement(run, tmp_path):
    """ntk-sweep-report --theory: per step, the prediction at M (the theory file's spectrum through the
    transcribed equations) beside the measured test MSE, their ratio; the summary's test MSE columns."""
    files = [run / step / name for step in LAYER_INDEX for name in ("eval.h5", "infinite.h5")]
    theory = [run / step / "theory.h5" for step in LAYER_INDEX]
    result = run_stage("sweep-report", "--theory", *theory, "--name", "krr", "--quiet", "-o", tmp_path, *files)
    assert result.returncode == 0, result.stderr
    summary = {(r["step"], r["model"]): r for r in csv.DictReader(open(tmp_path / "summary.csv"))}
    compared = {r["step"]: r for r in csv.DictReader(open(tmp_path / "theory-vs-measured.csv"))}
    assert set(compared) == set(LAYER_INDEX)
    for step in LAYER_INDEX:
        with h5py.File(run / step / "infinite.h5") as f:
            measured = f["errors/test_mse"][1]
        with h5py.File(run / step / "theory.h5") as f:
            lam, power, ridge = f["eigenvalues"][()], f["target_power"][()], f.attrs["ridge"]
            m = PARAMS["M"]
            kappa = brentq(lambda k: (lam / (lam + k)).sum() + ridge / k - m, ridge / m / 2, (lam.sum() + ridge) / m,
                           xtol=1e-300, rtol=1e-15, maxiter=500)
            learn = lam / (lam + kappa)
            predicted = m / (m - (learn ** 2).sum()) * (((1 - learn) ** 2 * power).sum() + f.attrs["residual_power"])
        row = compared[step]
        assert int(row["m"]) == m and row["model"] == "krr_infinite"
        np.testing.assert_allclose(float(row["predicted_mse"]), predicted, rtol=1e-8)
        assert float(row["measured_mse_mean"]) == measured
        np.testing.assert_allclose(float(row["ratio"]), predicted / measured, rtol=1e-12)
        assert float(summary[(step, "krr_infinite")]["test_mse_mean"]) == measured
        assert summary[(step, "ntk_infinite")]["test_mse_mean"] == ""
    curve = list(csv.DictReader(open(tmp_path / "theory-curve.csv")))
    assert {r["step"] for r in curve} == set(LAYER_INDEX)
    assert "predicted / measured" in (tmp_path / "results.md").read_text()
