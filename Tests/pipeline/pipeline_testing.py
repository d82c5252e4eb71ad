"""What the pipeline tests share beyond Tests/support: the small run's
parameters and numpy's recomputation of the network, the tests' oracle."""
from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import LAYER_NAMES, PYTHON, REFERENCE, Run, run_command

# A small run with every non-default parameter: the material of the
# interoperability and bad-input tests.
SMALL_PARAMS = {"D": 7, "M": 60, "M_TEST": 500, "INIT_SEEDS": "3 4 5", "TEACHER_SEED": 9, "C": 0.5}


# The layers of the default network, in the order read_network gives them.
NETWORK_LAYERS = ["W1", "W2", "u"]


def slow_unless(values, kept) -> list:
    """The values as parameters: those `kept(value)` says yes to run in make test, the others carry the
    slow mark (make test-slow)."""
    return [value if kept(value) else pytest.param(value, marks=pytest.mark.slow) for value in values]


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


def training_rows(features: Path) -> tuple[np.ndarray, np.ndarray]:
    """(G, y): the training features of a features file as dense rows, and the labels."""
    with h5py.File(features, "r") as f:
        y = f["labels/train"][()]
        if f.attrs["storage"] == "dense":
            return f["features/train"][()], y
        blocks = [f"factors/train/{name}" for name in f.attrs["block_layers"]]
        return np.hstack([np.einsum("si,sj->sij", f[b + "/delta"][()], f[b + "/input"][()]).reshape(len(y), -1)
                          for b in blocks]), y


def primal(g, y, w, b, C) -> float:
    """½‖w‖² + C Σ max(0, 1 − y (g·w + b))."""
    return 0.5 * w @ w + C * np.maximum(0, 1 - y * (g @ w + b)).sum()


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


def block_sizes(features: Path) -> list[int]:
    """The number of weights of each layer block of a features file (its attribute
    `block_shapes`: out, in per block), in the order of the weights."""
    with h5py.File(features, "r") as f:
        shapes = np.asarray(f.attrs["block_shapes"]).reshape(-1, 2)
    return [int(out * inputs) for out, inputs in shapes]


def blockwise_difference(actual, expected, blocks: list[int] | None) -> float:
    """The largest relative difference of the weights block by block, each layer's block
    against its own scale: with `all`, u's weights are far smaller than W1's, and one
    scale for all would let u's block differ by a large part of itself."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    if blocks is None:
        return relative_difference(actual, expected)
    assert sum(blocks) == expected.size, f"blocks {blocks} for {expected.size} weights"
    edges = np.cumsum([0] + blocks)
    return max(relative_difference(actual[a:b], expected[a:b]) for a, b in zip(edges[:-1], edges[1:]))


def svm_differences(path: Path, reference: dict, blocks: list[int] | None = None) -> dict[str, object]:
    """How an svm.h5 differs from scikit-learn's fit: the relative differences of the
    weights (per layer block when `blocks` gives their sizes), intercept and dual
    coefficients, and whether the support is the same."""
    with h5py.File(path, "r") as f:
        weights, intercept = f["weights"][()], f["intercept"][()]
        support, dual, n_support = f["support"][()], f["dual_coef"][()], f["n_support"][()]
    assert np.ndim(intercept) == 0 and int(n_support.sum()) == len(support)
    return {"weights": blockwise_difference(weights, reference["coef"], blocks),
            "intercept": relative_difference([intercept], reference["intercept"]),
            "dual_coef": relative_difference(dual, reference["dual_coef"]) if len(dual) == len(
                reference["dual_coef"]) else float("inf"),
            "same_support": support.tolist() == reference["support"]}


def assert_svm_matches(path: Path, reference: dict, features: Path | None = None) -> None:
    """The SVM is scikit-learn's; with `features`, each layer block's weights to its own scale."""
    found = svm_differences(path, reference, block_sizes(features) if features else None)
    assert found["same_support"], f"{path}: support vectors differ from scikit-learn's"
    for name in ("weights", "intercept", "dual_coef"):
        assert found[name] <= RELATIVE_TOLERANCE, f"{path}: {name} differ from scikit-learn's by {found[name]:.3g}"


# --- plots -------------------------------------------------------------------------

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


def svg_problems(path) -> list[str]:
    """Problems unless `path` is an SVG document (XML with an <svg> root) with
    plotted content: gnuplot puts each plotted item in a group `gnuplot_plot_…`
    titled with its key entry; a drawn line is a path with a segment (L) beside
    the key's sample, so such a group must have two segments or more."""
    import xml.etree.ElementTree as ElementTree
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        return [f"{path}: not XML ({error})"]
    if root.tag != f"{SVG_NAMESPACE}svg":
        return [f"{path}: the root element is {root.tag}, not <svg>"]
    lines = plotted_lines(root)
    return [] if lines else [f"{path}: no plotted line"]


def plotted_lines(root) -> dict[str, int]:
    """Title → number of the plot groups with that title that draw a line (two segments or more)."""
    found: dict[str, int] = {}
    for group in root.iter(f"{SVG_NAMESPACE}g"):
        if not group.get("id", "").startswith("gnuplot_plot_"):
            continue
        segments = sum(path.get("d", "").count("L") for path in group.iter(f"{SVG_NAMESPACE}path"))
        title = group.find(f"{SVG_NAMESPACE}title")
        if segments >= 2:
            key = title.text if title is not None else ""
            found[key] = found.get(key, 0) + 1
    return found


PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_problems(path) -> list[str]:
    """Problems unless `path` is a complete PNG: the signature, chunks with valid
    CRCs, an IHDR first with a nonzero size, IDAT data that zlib-decompresses to
    exactly the scanlines the header announces (a filter byte and the row's
    bytes per row, per Adam7 pass when interlaced), and IEND last."""
    import struct
    import zlib
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return [f"{path}: no PNG signature"]
    chunks, offset = [], 8
    while offset < len(data):
        if offset + 12 > len(data):
            return [f"{path}: a truncated chunk at byte {offset}"]
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length] or b"\0\0\0\0")
        if len(body) != length or zlib.crc32(kind + body) != crc:
            return [f"{path}: chunk {kind!r} at byte {offset} is truncated or its CRC is wrong"]
        chunks.append((kind, body))
        offset += 12 + length
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        return [f"{path}: chunks {[k for k, _ in chunks]}: IHDR must come first and IEND last"]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if width == 0 or height == 0 or colour not in PNG_CHANNELS:
        return [f"{path}: IHDR {width}×{height}, colour type {colour}"]
    try:
        pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error as error:
        return [f"{path}: the image data do not decompress ({error})"]

    def scanlines(w, h):
        return 0 if w == 0 or h == 0 else h * (1 + (w * PNG_CHANNELS[colour] * depth + 7) // 8)
    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        expected = sum(scanlines((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in passes)
    else:
        expected = scanlines(width, height)
    if len(pixels) != expected:
        return [f"{path}: {len(pixels)} bytes of image data, a {width}×{height} image needs {expected}"]
    return []
