"""`make kernel-convergence` on a tiny setting: the artifact read by h5py, one
student's distances recomputed independently in numpy (the student redrawn
with numpy's legacy generator, its tangent features formed explicitly, K∞ by
a numpy transcription of the arc-cosine recursion), the summaries, the CSV,
the plots, and the cache rule."""
from __future__ import annotations

import csv
import shutil
import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import check_artifact, make
from pipeline_testing import tangent_features

D, SAMPLES, DEPTH = 5, 12, 2
WIDTHS, SEEDS = [10, 40, 160], [3, 5]
LAYERS = ["W1", "W2", "u", "all"]
TEACHER_SEED = 124


def params(root: Path, **overrides) -> dict[str, object]:
    return {"CONVERGENCE_ROOT": root, "CONVERGENCE_WIDTHS": " ".join(map(str, WIDTHS)),
            "CONVERGENCE_SEEDS": " ".join(map(str, SEEDS)), "CONVERGENCE_SAMPLES": SAMPLES,
            "CONVERGENCE_DEPTH": DEPTH, "D": D, **overrides}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("convergence") / "kc"
    make(folder / "unused-run", params(folder), ["kernel-convergence"])
    return folder


def student(width: int, seed: int) -> list[np.ndarray]:
    """W1 … WL, u drawn as ntk-init's first step: numpy's legacy generator, randn(out, in)/√in in order."""
    rs = np.random.RandomState(seed)
    sizes = [D] + [width] * DEPTH
    layers = [rs.randn(sizes[l + 1], sizes[l]) / np.sqrt(sizes[l]) for l in range(DEPTH)]
    return layers + [rs.randn(width, 1).T / np.sqrt(width)]


def theta(x: np.ndarray) -> list[np.ndarray]:
    """Θ of W1 … WL, u on the rows of x, without the fan-in: Σ¹ = x·x′/d; for l = 1 … L,
    q = √(Σˡ(x,x) Σˡ(x′,x′)), θ = arccos(Σˡ/q), Σˡ⁺¹ = q/(2π)(sin θ + (π − θ) cos θ),
    Σ̇ˡ = (π − θ)/(2π); Θ_{W_l} = Σˡ Π_{k≥l} Σ̇ᵏ, Θ_u = Σᴸ⁺¹. θ = 0 on the diagonal."""
    sigma = x @ x.T / x.shape[1]
    sigmas, dots = [], []
    for _ in range(DEPTH):
        diagonal = np.sqrt(np.diag(sigma))
        q = np.outer(diagonal, diagonal)
        cosine = np.clip(sigma / q, -1, 1)
        np.fill_diagonal(cosine, 1)
        angle = np.arccos(cosine)
        sigmas.append(sigma)
        dots.append((np.pi - angle) / (2 * np.pi))
        sigma = q / (2 * np.pi) * (np.sin(angle) + (np.pi - angle) * np.cos(angle))
    terms = [sigmas[l] * np.prod(dots[l:], axis=0) for l in range(DEPTH)]
    return terms + [sigma]


def relative_distance(k: np.ndarray, limit: np.ndarray) -> float:
    return float(np.linalg.norm(k - limit) / np.linalg.norm(limit))


def test_artifact_objects_and_attributes(root):
    path = root / "convergence.h5"
    _, problem = check_artifact(path)
    assert problem is None, problem
    with h5py.File(path, "r") as f:
        assert f.attrs["artifact"] == "kernel convergence"
        assert f.attrs["program"] == "ntk-kernel-convergence"
        assert str(f.attrs["input_files"][0]).endswith("truth.h5")
        for name, value in [("input_dimension", D), ("samples", SAMPLES), ("depth", DEPTH)]:
            assert f.attrs[name] == value, name
        assert list(f.attrs["widths"]) == WIDTHS and list(f.attrs["seeds"]) == SEEDS
        shapes = {"widths": (3,), "seeds": (2,), "layers": (4,), "relative_distance": (3, 4, 2),
                  "relative_distance_mean": (3, 4), "relative_distance_std": (3, 4), "fitted_slope": (4,),
                  "limit_kernel": (3, SAMPLES, SAMPLES)}
        assert sorted(f.keys()) == sorted(shapes)
        for name, shape in shapes.items():
            assert f[name].shape == shape, name
            assert f[name].attrs["description"] and f[name].attrs["units"], name
        assert list(f["widths"][()]) == WIDTHS and list(f["seeds"][()]) == SEEDS
        assert list(f["layers"].asstr()[()]) == LAYERS
        assert f["widths"].dtype == np.int64 and f["relative_distance"].dtype == np.float64


def test_one_student_recomputed_in_numpy(root):
    with h5py.File(root / "truth.h5", "r") as f:
        x = f["inputs/train"][:SAMPLES]
    with h5py.File(root / "convergence.h5", "r") as f:
        distances = f["relative_distance"][()]
        stored_theta = f["limit_kernel"][()]
    limits = theta(x)
    for l, limit in enumerate(limits):
        np.testing.assert_allclose(stored_theta[l], limit, rtol=1e-10, atol=1e-12 * np.abs(limit).max())
    for w, s in [(1, 1), (2, 0)]:
        layers = student(WIDTHS[w], SEEDS[s])
        fan_ins = [D] + [WIDTHS[w]] * DEPTH
        finite, infinite = [], []
        for l in range(DEPTH + 1):
            g = tangent_features(layers, x, l)
            finite.append(g @ g.T)
            infinite.append(fan_ins[l] * limits[l])
        expected = [relative_distance(k, k_inf) for k, k_inf in zip(finite, infinite)]
        expected.append(relative_distance(sum(finite), sum(infinite)))
        np.testing.assert_allclose(distances[w, :, s], expected, rtol=1e-9)


def test_summaries_and_csv(root):
    with h5py.File(root / "convergence.h5", "r") as f:
        distances, means, stds, slopes = (f[n][()] for n in
                                          ("relative_distance", "relative_distance_mean", "relative_distance_std",
                                           "fitted_slope"))
    np.testing.assert_allclose(means, distances.mean(axis=2), rtol=1e-14)
    np.testing.assert_allclose(stds, distances.std(axis=2, ddof=1), rtol=1e-12)
    for l in range(len(LAYERS)):
        np.testing.assert_allclose(slopes[l], np.polyfit(np.log(WIDTHS), np.log(means[:, l]), 1)[0], rtol=1e-9)
    with open(root / "distances.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["layer"], int(r["width"])) for r in rows] == [(layer, w) for layer in LAYERS for w in WIDTHS]
    for r in rows:
        w, l = WIDTHS.index(int(r["width"])), LAYERS.index(r["layer"])
        assert (int(r["depth"]), int(r["d"]), int(r["samples"]), int(r["n_seeds"])) == (DEPTH, D, SAMPLES, 2)
        assert float(r["relative_distance_mean"]) == means[w, l]
        assert float(r["relative_distance_std"]) == stds[w, l]
        assert float(r["fitted_slope"]) == slopes[l]
    table = (root / "distances.md").read_text().splitlines()
    assert table[0] == "| width n | W1 | W2 | u | all |" and table[-1].startswith("| fitted slope |")
    assert len(table) == 2 + len(WIDTHS) + 1


def test_plots_are_valid_svg_and_png(root):
    svg = ElementTree.parse(root / "kernel-distance-vs-width.svg").getroot()
    assert svg.tag.endswith("svg")
    text = "".join(svg.itertext())
    assert "layer W1" in text and "all layers" in text and "1/√n" in text
    png = (root / "kernel-distance-vs-width.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (1600, 1200)
    assert not list(root.glob(".*.tmp"))


def test_a_second_make_runs_nothing_and_new_seeds_rerun_only_the_distances(root, tmp_path):
    """Real runs, not `make -n`: the parameter files are rewritten only when they change."""
    copy = tmp_path / "kc"
    shutil.copytree(root, copy)
    again = make(copy / "unused-run", params(copy), ["kernel-convergence"], silent=False).stdout
    assert "ntk-" not in again and "gnuplot" not in again, again
    changed = make(copy / "unused-run", params(copy, CONVERGENCE_SEEDS="3 5 7"), ["kernel-convergence"],
                   silent=False).stdout
    assert "ntk-truth" not in changed, changed
    assert "ntk-kernel-convergence" in changed and "--seeds=3,5,7" in changed and "gnuplot" in changed, changed
    with h5py.File(copy / "convergence.h5", "r") as f:
        assert list(f["seeds"][()]) == [3, 5, 7]
