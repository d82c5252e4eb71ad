"""The per-step alignment and spectrum (ntk-spectrum, RUN/<step>/spectrum.h5)
against numpy on the m × m kernels formed from the stored features, the K∞
transcription (Tests/support/infinite_kernel.py) and the trained network's
features: the alignments (uncentred and centred, Cortes et al. 2012) and the
eigenvalues to 1e-10 relative, the target power against numpy's eigenvectors,
the recorded subset above SPECTRUM_SAMPLES, dense and factored features, the
alignment table beside results.csv, and bad SPECTRUM_SAMPLES."""
from __future__ import annotations

import csv
import shutil

import h5py
import numpy as np
import pytest

from infinite_kernel import theta_numpy
from ntk_testing import final_files, make, read_network, run_stage, temporaries
from pipeline_testing import forward, tangent_features

# m = 150 > SPECTRUM_SAMPLES = 80: spectra on a seeded subset, alignments on all 150. With widths 30,30 the
# cheaper way differs by layer: the p × p feature Gram for W1 (p = 150) and u (p = 30), the kernel's rows in
# blocks for W2 (p = 900).
PARAMS = {"D": 5, "WIDTHS": "30,30", "M": 150, "M_TEST": 300, "TEACHER_SEED": 21, "GD_STEPS": 20,
          "SPECTRUM_SAMPLES": 80, "SPECTRUM_SEED": 3}
STEPS = {"W": 0, "V": 1, "u": 2}
# Relative tolerance of the alignments, and of the eigenvalues relative to the largest: both sides
# are float64 sums of a few thousand products (LAPACK's and our own), good to ~1e-13.
TOLERANCE = 1e-10


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("spectrum") / "run"
    make(path, {**PARAMS, "BASELINES": "infinite trained"})
    return path


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """No baselines, m ≤ SPECTRUM_SAMPLES (the default 2000): every sample."""
    path = tmp_path_factory.mktemp("spectrum-plain") / "run"
    params = {"D": 5, "M": 100, "M_TEST": 300, "TEACHER_SEED": 21}
    make(path, params)
    # The default goal makes the numbers and tables; the figures are `make spectra`.
    assert not list(path.glob("*/spectrum.svg")) and not list(path.glob("*/spectrum.png"))
    make(path, params, ["spectra"])
    return path


def labels_and_inputs(run):
    with h5py.File(run / "truth.h5") as f:
        return f["labels/train"][()], f["inputs/train"][()]


def alignments(k, y):
    """numpy's A and A_c from the m × m kernel."""
    m = len(y)
    h = np.eye(m) - np.ones((m, m)) / m
    kc, yc = h @ k @ h, h @ y
    return (y @ k @ y / (np.linalg.norm(k) * (y @ y)), yc @ kc @ yc / (np.linalg.norm(kc) * (yc @ yc)))


def spectrum(k, y):
    """numpy's eigenvalues of K/n descending, the eigenvectors and the target power."""
    values, vectors = np.linalg.eigh(k / len(y))
    values, vectors = values[::-1], vectors[:, ::-1]
    return values, (vectors.T @ y) ** 2 / (y @ y)


def kernels(run, step):
    """The m × m kernels numpy forms for a step: K0 from the stored features, K∞, K_T."""
    y, x = labels_and_inputs(run)
    with h5py.File(run / step / "features.h5") as f:
        g0 = f["features/train"][()]
    result = {"K0": g0 @ g0.T}
    if (run / step / "trained.h5").exists():
        g = tangent_features(read_network(run / step / "trained.h5"), x, STEPS[step])
        result["K_trained"] = g @ g.T
        result["K_infinite"] = theta_numpy(x, [30, 30], STEPS[step], fan_in=True)
    return result


def check_against_numpy(path, k, y, subset, kernel):
    """The stored alignment and spectrum of `kernel` against numpy's on K (all samples) and its subset."""
    with h5py.File(path) as f:
        group = f[f"kernels/{kernel}"]
        stored = (group.attrs["alignment"], group.attrs["centred_alignment"])
        eigenvalues, power = group["eigenvalues"][()], group["target_power"][()]
        cumulative = group["cumulative_target_power"][()]
    expected = alignments(k, y)
    np.testing.assert_allclose(stored, expected, rtol=TOLERANCE, atol=0, err_msg=f"{path} {kernel} alignment")
    values, expected_power = spectrum(k[np.ix_(subset, subset)], y[subset])
    np.testing.assert_allclose(eigenvalues, values, rtol=0, atol=TOLERANCE * values[0], err_msg=f"{kernel} λ")
    # Within a repeated (or rounding-level) eigenvalue the split of the power is arbitrary: compare the
    # cumulative sums at the ends of the groups of eigenvalues apart by more than 1e-8 λ_1.
    ends = np.flatnonzero(np.diff(values) < -1e-8 * values[0])
    np.testing.assert_allclose(cumulative[ends], np.cumsum(expected_power)[ends], rtol=0, atol=1e-9,
                               err_msg=f"{kernel} cumulative target power")
    simple = [i for i in ends if i == 0 or i - 1 in ends]  # eigenvalues alone in their group
    np.testing.assert_allclose(power[simple], expected_power[simple], rtol=0, atol=1e-9)
    np.testing.assert_allclose(cumulative, np.cumsum(power), rtol=0, atol=1e-14)
    assert cumulative[-1] <= 1 + 1e-12 and abs(cumulative[-1] - 1) < 1e-10, cumulative[-1]
    assert np.all(power >= 0)


@pytest.mark.parametrize("step", list(STEPS))
def test_every_kernel_against_numpy(run, step):
    y, _ = labels_and_inputs(run)
    with h5py.File(run / step / "spectrum.h5") as f:
        subset = f["spectrum_samples"][()]
        assert [str(k) for k in f.attrs["kernels"]] == ["K0", "K_infinite", "K_trained"]
        methods = {k: f[f"kernels/{k}"].attrs["alignment_method"] for k in f["kernels"]}
    for kernel, k in kernels(run, step).items():
        check_against_numpy(run / step / "spectrum.h5", k, y, subset, kernel)
    # The cheaper way for the shape (see PARAMS).
    assert ("rows in blocks" in methods["K0"]) == (step == "V"), methods["K0"]


def test_the_subset_is_the_recorded_seeded_one(run):
    with h5py.File(run / "W" / "spectrum.h5") as f:
        subset = f["spectrum_samples"][()]
        assert f.attrs["spectrum_seed"] == 3 and f.attrs["spectrum_sample_limit"] == 80
        assert f["kernels/K0/eigenvalues"].shape == (80,)
        assert f["kernels/K0"].attrs["alignment_sample_count"] == 150
        assert "alignment_samples" not in f["kernels/K_infinite"]  # 16·150² bytes fit 8 GiB
    np.testing.assert_array_equal(subset, np.sort(np.random.RandomState(3).permutation(150)[:80]))


def test_only_k0_without_baselines_and_every_sample_below_the_limit(plain):
    y, _ = labels_and_inputs(plain)
    for step in STEPS:
        with h5py.File(plain / step / "spectrum.h5") as f:
            assert [str(k) for k in f.attrs["kernels"]] == ["K0"] and list(f["kernels"]) == ["K0"]
            subset = f["spectrum_samples"][()]
        np.testing.assert_array_equal(subset, np.arange(100))
        check_against_numpy(plain / step / "spectrum.h5", kernels(plain, step)["K0"], y, subset, "K0")
    for name in ["results.csv", "alignment.csv", "alignment.md"] + [f"{s}/spectrum.{e}" for s in STEPS
                                                                     for e in ("svg", "png", "csv")]:
        assert (plain / name).stat().st_size > 0, name


def test_alignment_table_beside_the_results(run, plain):
    with open(run / "alignment.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["step"], r["kernel"]) for r in rows] == [(s, k) for s in STEPS
                                                        for k in ("K0", "K_infinite", "K_trained")]
    for r in rows:
        with h5py.File(run / r["step"] / "spectrum.h5") as f:
            group = f[f"kernels/{r['kernel']}"]
            assert float(r["alignment"]) == group.attrs["alignment"]
            assert float(r["centred_alignment"]) == group.attrs["centred_alignment"]
            assert int(r["samples"]) == 150
    # The results table is untouched: the same columns as ever.
    with open(plain / "results.csv") as f:
        assert f.readline().strip() == "step,model,train_error,test_error"


def test_factored_features_give_the_same_alignment(run, tmp_path):
    """The factored rows δ ⊗ z (sample-space blocks from the factors) against numpy on the expanded rows."""
    y, _ = labels_and_inputs(run)
    folders = []
    for step in ("W", "V"):
        folder = tmp_path / step
        folder.mkdir()
        shutil.copyfile(run / step / "network.h5", folder / "network.h5")
        made = run_stage("features", "--truth", run / "truth.h5", "--network", folder / "network.h5",
                         "--layer", step, "--storage", "factored", "--quiet", "-o", folder / "features.h5")
        assert made.returncode == 0, made.stderr
        folders.append(folder)
    result = run_stage("spectrum", "--truth", run / "truth.h5", "--samples", 80, "--seed", 3, "--quiet", *folders)
    assert result.returncode == 0, result.stderr
    for step, folder in zip(("W", "V"), folders):
        features, out = folder / "features.h5", folder / "spectrum.h5"
        with h5py.File(features) as f:
            assert f.attrs["storage"] == "factored"
        with h5py.File(out) as f:
            subset = f["spectrum_samples"][()]
        check_against_numpy(out, kernels(run, step)["K0"], y, subset, "K0")


@pytest.mark.parametrize("samples", ["1", "0", "-3"])
def test_too_few_spectrum_samples_are_refused_by_the_stage(run, tmp_path, samples):
    folder = tmp_path / "W"
    folder.mkdir()
    for name in ("network.h5", "features.h5"):
        shutil.copyfile(run / "W" / name, folder / name)
    result = run_stage("spectrum", "--truth", run / "truth.h5", f"--samples={samples}",
                       f"--alignment-csv={tmp_path / 'alignment.csv'}", folder)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and result.returncode < 128, result.stderr
    assert len(lines) == 1 and "--samples" in lines[0], result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["features.h5", "network.h5"]
    assert not (tmp_path / "alignment.csv").exists() and not temporaries(tmp_path)


@pytest.mark.parametrize("samples", ["1", "0", "x", "1.5", ""])
def test_too_few_spectrum_samples_are_refused_by_make(tmp_path, samples):
    path = tmp_path / "run"
    result = make(path, {"D": 5, "M": 20, "M_TEST": 50, "SPECTRUM_SAMPLES": samples}, check=False)
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(errors) == 1 and "SPECTRUM_SAMPLES" in errors[0] and "***" in errors[0], result.stderr
    assert not path.exists() or not final_files(path)


def test_k_infinite_alignment_on_the_recorded_subset_above_the_kernel_memory(run, tmp_path):
    """16·m² bytes above --kernel-memory-gib: K∞'s alignment on the largest seeded subset that fits
    (a prefix of the spectrum's permutation), recorded, against numpy on that subset."""
    y, x = labels_and_inputs(run)
    folder = tmp_path / "W"
    folder.mkdir()
    for name in ("network.h5", "features.h5"):
        shutil.copyfile(run / "W" / name, folder / name)
    limit = 0.0002  # GiB: 16·a² ≤ 214,748 bytes for a ≤ 115
    result = run_stage("spectrum", "--truth", run / "truth.h5", "--infinite", f"--kernel-memory-gib={limit}",
                       "--samples", 80, "--seed", 3, "--quiet", folder)
    assert result.returncode == 0, result.stderr
    expected = np.sort(np.random.RandomState(3).permutation(150)[:115])
    with h5py.File(folder / "spectrum.h5") as f:
        group = f["kernels/K_infinite"]
        np.testing.assert_array_equal(group["alignment_samples"][()], expected)
        assert group.attrs["alignment_sample_count"] == 115
        stored = (group.attrs["alignment"], group.attrs["centred_alignment"])
        assert "alignment_samples" not in f["kernels/K0"]
    k = theta_numpy(x[expected], [30, 30], 0, fan_in=True)
    np.testing.assert_allclose(stored, alignments(k, y[expected]), rtol=TOLERANCE, atol=0)


def test_adding_a_baseline_redoes_the_spectra(tmp_path):
    """BASELINES is in the spectra's parameter stamp: K∞ brings no input file of its own."""
    path = tmp_path / "run"
    params = {"D": 5, "M": 40, "M_TEST": 100, "TEACHER_SEED": 21}
    make(path, params)
    make(path, {**params, "BASELINES": "infinite"})
    for step in STEPS:
        with h5py.File(path / step / "spectrum.h5") as f:
            assert [str(k) for k in f.attrs["kernels"]] == ["K0", "K_infinite"]
    with open(path / "alignment.csv") as f:
        assert [r["kernel"] for r in csv.DictReader(f)] == ["K0", "K_infinite"] * 3


def test_loss_gradient_features_weight_the_trained_kernel_too(tmp_path):
    """FEATURE_KIND=loss-gradient: K0 from the stored rows, K_T from the trained network's rows
    weighted as ntk-features weights them, y·σ(−y f(x))·∂f/∂θ."""
    path = tmp_path / "run"
    make(path, {"D": 7, "WIDTHS": "6,4", "M": 60, "M_TEST": 100, "TEACHER_SEED": 9, "GD_STEPS": 20,
                "FEATURE_KIND": "loss-gradient", "BASELINES": "trained"})
    y, x = labels_and_inputs(path)
    for step, index in STEPS.items():
        with h5py.File(path / step / "features.h5") as f:
            assert f.attrs["feature_kind"] == "loss-gradient"
            g0 = f["features/train"][()]
        trained = read_network(path / step / "trained.h5")
        weights = y / (1 + np.exp(y * forward(trained, x)))
        g = weights[:, None] * tangent_features(trained, x, index)
        with h5py.File(path / step / "spectrum.h5") as f:
            subset = f["spectrum_samples"][()]
        check_against_numpy(path / step / "spectrum.h5", g0 @ g0.T, y, subset, "K0")
        check_against_numpy(path / step / "spectrum.h5", g @ g.T, y, subset, "K_trained")
