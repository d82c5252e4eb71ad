"""Every plot's text fits its canvas, at the extremes a sweep can produce.

Each gnuplot script (plots/*.gp) draws synthetic inputs at the extremes: one
line and five, the longest subtitle (deep, wide networks, M_test = 10⁶, every
baseline, the Nyström approximation, both solver marks), a width sweep of u
alone (no kernel distance to draw), seven kernel-convergence lines, a
trajectory with a long path, a step's spectra (three kernels at n = 2000, one
rank-deficient; one kernel at n = 2), the alignment against width (three
kernels' panels at five layers; K0 alone at u alone), KRR's test MSE with its
theory (five lines to M = 10⁶, Nyström rows, the longest subtitle; one line,
one seed, no theory file). Checked on the PNG (the tighter rendering: its
fonts are a third larger against the canvas than the SVG's):

- the outermost pixels on every side are background: text running past an
  edge would leave ink there;
- in the plots with a legend strip, the strip is apart from the x labels above
  it: a band of background rows separates them.

These checks catch text off the canvas and the legend on the x label; the
layout itself was looked at, case by case, when the scripts were changed.
"""
from __future__ import annotations

import csv
import html
import re
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from ntk_testing import REPO, clean_env
from pipeline_testing import slow_unless

PLOTS = REPO / "plots"
SUMMARY = ("layers,init_seeds,data_set,d,teacher_widths,m,m_test,widths,width,step,model,train_error_mean,"
           "train_error_std,test_error_mean,test_error_std,test_mse_mean,test_mse_std,n_seeds,teacher_seeds,"
           "solver").split(",")
MEASURES = ("layers,init_seeds,data_set,d,teacher_widths,m,m_test,widths,width,step,measure,mean,std,n_seeds,"
            "teacher_seeds").split(",")
LARGE_M = [1000, 4000, 16000, 64000, 256000, 1000000]
WIDTHS = [25, 50, 100, 200, 400, 800]


# --- PNG pixels ------------------------------------------------------------------------


def png_pixels(path: Path) -> np.ndarray:
    """The image as rows × columns × RGB (8-bit, not interlaced: what pngcairo writes)."""
    data = path.read_bytes()
    position, compressed, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (0, 2, 4, 6), header
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = width * bpp
    raw = zlib.decompress(compressed)
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((np.frombuffer(line, np.uint8) + np.frombuffer(previous, np.uint8)).astype(np.uint8))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    image = np.frombuffer(b"".join(rows), np.uint8).reshape(height, width, bpp)
    return np.repeat(image[:, :, :1], 3, axis=2) if bpp < 3 else image[:, :, :3]


def ink(image: np.ndarray) -> np.ndarray:
    """Where the image is not (near) white background."""
    return (image < 235).any(axis=2)


# --- synthetic inputs ----------------------------------------------------------------------


def sweep_report(folder: Path, line_sets: list[str], xs: list[int], x_column: str, *, d="25", widths="25 25",
                 m_test="20000", seeds="5", nystrom_from=None, linear_from=None, libsvm_linear_from=None,
                 baselines=True, kernels=("K0", "K_infinite", "K_trained"), theory=False, data_set="",
                 flat_infinite=False) -> Path:
    """A report's summary.csv and measures.csv (with the kernels' alignments), each line a smooth curve; with
    `theory`, theory-curve.csv beside them; with `data_set`, over that imported data set (no teacher widths);
    with `flat_infinite`, every step's K∞ alignment the same."""
    widths_of_teacher = "" if data_set else widths
    folder.mkdir(parents=True)
    summary, measures = [], []
    for layers in line_sets:
        steps = layers.split()
        for k, step in enumerate(steps):
            models = ["classifier", "net_svm", "net_init"] + (["net_trained", "ntk_infinite", "krr_infinite"]
                                                              if baselines else [])
            for model in models:
                for x in xs:
                    m, width = (x, int(widths.split()[0])) if x_column == "m" else (400, x)
                    student = widths if x_column == "m" else " ".join([str(x)] * len(widths.split()))
                    name = model + "_nystrom" if model in ("ntk_infinite", "krr_infinite") and nystrom_from \
                        and x >= nystrom_from else model
                    solver = ("none" if model in ("net_init", "net_trained") else
                              "linear" if linear_from and x >= linear_from else
                              "libsvm-linear" if libsvm_linear_from and x >= libsvm_linear_from else "libsvm-kernel")
                    error = 0.5 * x ** -0.2 + 0.02 * k
                    mse = [1.6 * x ** -0.2 + 0.05 * k, 0.05] if model == "krr_infinite" else ["", ""]
                    summary.append([layers, " ".join(map(str, range(len(steps)))), data_set, d, widths_of_teacher,
                                    m, m_test, student,
                                    width, step, name, 0.1, 0.01, error, 0.03, *mse, seeds,
                                    " ".join(str(124 + i) for i in range(int(seeds))), solver])
            for measure in ("relative_weight_change", "kernel_distance"):
                for x in xs:
                    value = 0.0 if measure == "kernel_distance" and step == "u" else (1 + k) * x ** -0.5
                    measures.append([layers, "0 1 2", data_set, d, widths_of_teacher, 400, m_test,
                                     " ".join([str(x)] * 2), x, step, measure, value, value / 10, seeds, "124 125"])
            for j, kernel in enumerate(kernels):
                for prefix in ("alignment_", "centred_alignment_"):
                    for x in xs:
                        value = 0.1 + 0.15 * j + (0 if kernel == "K_infinite" and flat_infinite else 0.05 * k) \
                            + (0 if kernel == "K_infinite" else 0.2 * x ** -0.3)
                        measures.append([layers, "0 1 2", data_set, d, widths_of_teacher, 400, m_test,
                                         " ".join([str(x)] * 2), x, step, prefix + kernel, value, value / 10, seeds,
                                         "124 125"])
    if theory:
        with open(folder / "theory-curve.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["layers", "step", "m", "predicted_mse", "n_seeds"])
            for layers in line_sets:
                for k, step in enumerate(layers.split()):
                    low, high = min(xs) / 2 ** 0.5, max(xs) * 2 ** 0.5
                    for m in sorted({round(low * (high / low) ** (i / 60)) for i in range(61)}):
                        writer.writerow([layers, step, m, 1.5 * m ** -0.2 + 0.05 * k, seeds])
    for name, header, rows in (("summary.csv", SUMMARY, summary), ("measures.csv", MEASURES, measures)):
        with open(folder / name, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    return folder / "summary.csv"


def distances(folder: Path, depth: int) -> Path:
    folder.mkdir(parents=True)
    layers = [f"W{i}" for i in range(1, depth + 1)] + ["u", "all"]
    with open(folder / "distances.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["layer", "width", "depth", "d", "samples", "n_seeds", "relative_distance_mean",
                         "relative_distance_std", "fitted_slope"])
        for k, layer in enumerate(layers):
            for width in [25, 50, 100, 200, 400, 800, 1600, 3200]:
                mean = (1 + 0.1 * k) * (width / 25) ** -0.5
                writer.writerow([layer, width, depth, 25, 200, 20, mean, mean / 5, -0.5])
    return folder / "distances.csv"


def spectrum(folder: Path, kernels: list[tuple]) -> Path:
    """A step's spectrum.csv: (kernel, n, rank[, the index of an earlier kernel it equals]) each, eigenvalues
    decaying as powers of k up to the rank, rounding-level after (not drawn)."""
    path = folder / "learning-curve-large" / "layers-W1-W2-W3-W4-u_M-1000000_seed-124" / "W4" / "spectrum.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w") as f:
        f.write("kernel,index,eigenvalue,target_power,cumulative_target_power\n")
        for j, (kernel, n, rank, *twin) in enumerate(kernels):
            j = twin[0] if twin else j
            power = np.arange(1, n + 1) ** -(1.0 + 0.3 * j)
            power /= power.sum()
            cumulative = np.cumsum(power)
            for k in range(1, n + 1):
                value = (1 + j) * k ** -(1.2 + 0.3 * j) if k <= rank else 1e-17
                f.write(f"{kernel},{k},{value!r},{float(power[k - 1])!r},{float(cumulative[k - 1])!r}\n")
    return path


def trajectory(folder: Path) -> Path:
    path = folder / ("learning-curve-large" + "/layers-W-V-u_M-1000000_seed-124" * 3) / "W" / "trajectory.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w") as f:
        f.write("step,loss,train_error,test_error,relative_weight_change\n")
        for t in [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]:
            f.write(f"{t},{0.69 / (1 + t / 50)},{0.4 / (1 + t / 100)},{0.45 / (1 + t / 200)},{0.01 * t ** 0.5}\n")
    return path


def case(name: str, root: Path) -> tuple[str, Path, bool]:
    """(plot script, its input, whether it has a legend strip at the bottom)."""
    folder = root / name
    if name == "learning-curve, 1 line, 1 seed, no baselines":
        return "test-error-vs-m", sweep_report(folder, ["W"], [50, 100, 200], "m", seeds="1", baselines=False), True
    if name == "learning-curve, 5 lines, the longest subtitle":
        return "test-error-vs-m", sweep_report(
            folder, ["W1 W2 W3 W4 u"], LARGE_M, "m", d="10000", widths="10000 10000 10000 10000 10000", m_test="1000000",
            seeds="12", nystrom_from=64000, linear_from=64000), True
    if name == "learning-curve, two layer sets, both solver marks":
        return "test-error-vs-m", sweep_report(folder, ["W1 W2 W3 u", "all"], LARGE_M, "m", nystrom_from=256000,
                                               libsvm_linear_from=16000, linear_from=256000), True
    if name == "width sweep, 5 lines":
        return "test-error-vs-width", sweep_report(folder, ["W1 W2 W3 W4 u"], WIDTHS, "width", d="1000",
                                                   widths="1000 1000 1000 1000", m_test="1000000"), True
    if name == "lazy regime, u alone":
        return "lazy-regime-vs-width", sweep_report(folder, ["u"], WIDTHS, "width", seeds="1"), True
    if name == "lazy regime, 5 lines":
        return "lazy-regime-vs-width", sweep_report(folder, ["W1 W2 W3 W4 u"], WIDTHS, "width"), True
    if name == "kernel convergence, depth 5":
        return "kernel-distance-vs-width", distances(folder, 5), False
    if name == "training curve, a long path":
        return "training-curve", trajectory(folder), False
    if name == "spectrum, three kernels at n = 2000, one rank-deficient":
        return "spectrum", spectrum(folder, [("K0", 2000, 25), ("K_infinite", 2000, 2000),
                                             ("K_trained", 2000, 2000)]), True
    if name == "spectrum, one kernel at n = 2":
        return "spectrum", spectrum(folder, [("K0", 2, 2)]), True
    if name == "alignment, three kernels, 5 lines":
        return "alignment-vs-width", sweep_report(folder, ["W1 W2 W3 W4 u"], WIDTHS, "width"), True
    if name == "alignment, K0 alone, u alone":
        return "alignment-vs-width", sweep_report(folder, ["u"], WIDTHS, "width", seeds="1", kernels=("K0",)), True
    if name == "KRR test MSE, 5 lines to 10⁶, Nyström, the longest subtitle":
        return "krr-mse-vs-m", sweep_report(
            folder, ["W1 W2 W3 u", "all"], LARGE_M, "m", d="10000", widths="10000 10000 10000", m_test="1000000",
            seeds="12", nystrom_from=64000, theory=True), False
    if name == "KRR test MSE, 1 line, 1 seed, no theory":
        return "krr-mse-vs-m", sweep_report(folder, ["W"], [50, 100], "m", seeds="1"), False
    raise ValueError(name)


FAST = ["learning-curve, 5 lines, the longest subtitle", "spectrum, three kernels at n = 2000, one rank-deficient"]
SLOW = ["alignment, three kernels, 5 lines", "KRR test MSE, 5 lines to 10⁶, Nyström, the longest subtitle",
        "spectrum, one kernel at n = 2", "alignment, K0 alone, u alone", "KRR test MSE, 1 line, 1 seed, no theory",
        "learning-curve, 1 line, 1 seed, no baselines", "learning-curve, two layer sets, both solver marks",
        "width sweep, 5 lines", "lazy regime, u alone", "lazy regime, 5 lines", "kernel convergence, depth 5",
        "training curve, a long path"]


@pytest.mark.parametrize("name", slow_unless(FAST + SLOW, lambda name: name in FAST))
def test_the_plot_fits_its_canvas(name, tmp_path):
    script, source, strip = case(name, tmp_path)
    for fmt in ("svg", "png"):
        output = tmp_path / f"plot.{fmt}"
        result = subprocess.run(["gnuplot", "-c", PLOTS / f"{script}.gp", source, output, fmt], capture_output=True,
                                text=True, env=clean_env(), timeout=60)
        assert result.returncode == 0 and output.stat().st_size > 0, f"{script} ({name}): {result.stderr}"
    drawn = ink(png_pixels(tmp_path / "plot.png"))
    height, width = drawn.shape
    edge = 4
    for side, band in (("top", drawn[:edge]), ("bottom", drawn[-edge:]), ("left", drawn[:, :edge]),
                       ("right", drawn[:, -edge:])):
        assert not band.any(), f"{script} ({name}): ink at the {side} edge: text runs past the canvas"
    if strip:
        # The legend strip is the screen's bottom 0.09: its ink is the lowest run of rows with ink, and it
        # must lie within the strip, apart from the axes' labels above it (a merged run would reach higher).
        rows = drawn.any(axis=1)
        bottom = height - 1
        while bottom > 0 and not rows[bottom]:
            bottom -= 1
        top = bottom
        while top > 0 and rows[top - 1]:
            top -= 1
        gap = top - 1
        while gap > 0 and not rows[gap]:
            gap -= 1
        assert top >= height * (1 - 0.09), f"{script} ({name}): the legend reaches above its strip (row {top})"
        assert top - gap > height * 0.01, f"{script} ({name}): the legend strip touches the x labels"


# --- readable, not only on the canvas --------------------------------------------------------


def svg_texts(path: Path) -> list[tuple[str, str]]:
    """Every text of a gnuplot SVG: (its anchor — 'end' for y tick labels, 'middle' for x tick labels and
    titles, '' for the legend's — and the text, its tspans joined)."""
    found = []
    for anchor, body in re.findall(r'(?:text-anchor="(\w+)"[^>]*>\s*)?<text>(.*?)</text>', path.read_text(), re.S):
        found.append((anchor, html.unescape(re.sub(r"<[^>]+>", "", body))))
    return found


def tick_labels(path: Path, anchor: str) -> list[str]:
    return [text for a, text in svg_texts(path) if a == anchor and re.fullmatch(r"[0-9.]+", text)]


def draw(script: str, source: Path, folder: Path) -> tuple[Path, Path]:
    outputs = []
    for fmt in ("svg", "png"):
        output = folder / f"{script}.{fmt}"
        result = subprocess.run(["gnuplot", "-c", PLOTS / f"{script}.gp", source, output, fmt], capture_output=True,
                                text=True, env=clean_env(), timeout=60)
        assert result.returncode == 0, f"{script}: {result.stderr}"
        outputs.append(output)
    return outputs[0], outputs[1]


def colour_pixels(image: np.ndarray, colour: str) -> int:
    """How many pixels are (within 12 of each channel) the colour #rrggbb."""
    target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image.astype(int) - target) <= 12).all(axis=2).sum())


def test_kernel_distance_ticks_read_values(tmp_path):
    """The y axis (log) labels at least three values, also when the distances span about one decade
    (widths 25–200: one power of ten alone, 10⁰, was labelled)."""
    narrow = tmp_path / "narrow"
    narrow.mkdir()
    with open(narrow / "distances.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["layer", "width", "depth", "d", "samples", "n_seeds", "relative_distance_mean",
                         "relative_distance_std", "fitted_slope"])
        for k, layer in enumerate(["W1", "W2", "u", "all"]):
            for width in [25, 50, 100, 200]:
                mean = (0.6 + 0.1 * k) * (width / 25) ** -0.5
                writer.writerow([layer, width, 2, 25, 200, 3, mean, mean / 8, -0.5])
    for source in (narrow / "distances.csv", distances(tmp_path / "wide", 5)):
        svg, _ = draw("kernel-distance-vs-width", source, source.parent)
        labels = tick_labels(svg, "end")
        assert len(labels) >= 3, f"{source.parent.name}: y tick labels {labels}"


def test_alignment_ticks_at_the_widths_and_every_line_shows(tmp_path):
    """The x ticks are the widths (25 and 50, not 16, 32, 64), and in K∞'s panel, where every step's
    alignment is the same, each step's line still shows (its colour is on the panel)."""
    source = sweep_report(tmp_path / "report", ["W V u"], [25, 50], "width", flat_infinite=True)
    svg, png = draw("alignment-vs-width", source, tmp_path)
    assert sorted(set(tick_labels(svg, "middle")), key=float) == ["25", "50"], tick_labels(svg, "middle")
    image = png_pixels(png)
    height, width = image.shape[:2]
    panel_width = (0.965 - 0.07 - 0.06 * 2) / 3
    left = 0.07 + panel_width + 0.06
    middle = image[int(height * 0.2):int(height * 0.75), int(width * left):int(width * (left + panel_width))]
    for step, colour in zip("WVu", ["#0072B2", "#E69F00", "#009E73"]):
        assert colour_pixels(middle, colour) >= 150, f"K∞ panel: layer {step}'s line is hidden"


def test_coinciding_spectra_both_show(tmp_path):
    """At the u step K_T equals K0: the legend says so, and both colours show on the eigenvalue panel."""
    source = spectrum(tmp_path, [("K0", 100, 100), ("K_infinite", 100, 100), ("K_trained", 100, 100, 0)])
    svg, png = draw("spectrum", source, tmp_path)
    assert any("(trained) = K0" in text for _, text in svg_texts(svg)), svg_texts(svg)
    image = png_pixels(png)
    height, width = image.shape[:2]
    panel = image[int(height * 0.18):int(height * 0.73), int(width * 0.09):int(width * 0.48)]
    for kernel, colour in [("K0", "#0072B2"), ("K_T", "#009E73")]:
        assert colour_pixels(panel, colour) >= 300, f"{kernel}'s line is hidden"


@pytest.mark.parametrize("script", ["test-error-vs-m", "test-error-vs-width", "krr-mse-vs-m", "lazy-regime-vs-width",
                                    "alignment-vs-width"])
def test_sweep_plots_over_imported_data_name_it(tmp_path, script):
    """Over an imported data set the title names it and calls the seeds split seeds, never teacher seeds."""
    x_column = "m" if script.endswith("-m") else "width"
    source = sweep_report(tmp_path / "report", ["W V u"], [50, 100], x_column, data_set="digits", seeds="2")
    svg, _ = draw(script, source, tmp_path)
    text = " ".join(t for _, t in svg_texts(svg))
    assert "data set digits" in text and "split seeds" in text and "teacher" not in text, text
