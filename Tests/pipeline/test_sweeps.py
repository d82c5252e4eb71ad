"""Tiny sweeps end to end through make: `make -j 2 learning-curve` and
`make -j 2 width-sweep`, shrunk, into a temporary SWEEP_ROOT, with the
sweeps' default baselines (infinite, trained; few gradient-descent steps).

The report is checked against the points themselves: one row per point,
step and model, each with the point's parameters and the errors of the
point's own results.csv; summary.csv and measures.csv against numpy's mean
and sample standard deviation (ddof 1, as the report documents) over the
seeds, computed here from the points' files; and every plot the sweep draws
is a valid SVG with plotted lines and a complete PNG.

The learning curve runs with a kernel memory so small (SVM_KERNEL_MEMORY_GIB)
that SOLVER=auto trains its larger M with the linear solver (and K∞'s SVM by
Nyström, on as many landmarks as the smallest M): the report's
column `solver` names each row's solver, from the points' own svm.h5, and the
plot marks the switch. learning-curve-large's points are checked from make's
own list, without running them.
"""
from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import final_files, make_arguments, run_command, temporaries
from pipeline_testing import plotted_lines, png_problems, svg_problems
from reference import MODELS as NOTEBOOK_MODELS

SEEDS = [1, 2]
GD_STEPS = 20
# The learning curve's M, and a kernel memory (GiB) between their kernels' (16·m² bytes): libsvm trains
# the smaller on its kernel, the linear solver the larger.
MS = [40, 80]
KERNEL_MEMORY_GIB = 5e-5
assert 16 * MS[0] ** 2 <= KERNEL_MEMORY_GIB * 2**30 < 16 * MS[1] ** 2
SOLVER_OF_M = {40: "libsvm-kernel", 80: "linear"}
# The models of every step: the notebook's six and the sweeps' default baselines (README).
MODELS = [*NOTEBOOK_MODELS, "ntk_infinite", "krr_infinite", "net_trained"]


def models(sweep_name: str, m: int) -> list[str]:
    """The models of a point: above the kernel memory (the learning curve's larger M) K∞ is approximated by
    Nyström too, and its two models are named so."""
    nystrom = sweep_name == "learning-curve" and SOLVER_OF_M[m] == "linear"
    return [f"{model}_nystrom" if nystrom and model.endswith("_infinite") else model for model in MODELS]
STEP_TITLES = {"W": "layer W", "V": "layer V", "u": "layer u", "all": "all layers at once"}


class Sweep:
    """A sweep's points as the README names them: folder → (layers, M, widths, teacher seed)."""

    def __init__(self, name: str, root: Path, points: dict[str, tuple[list[str], int, int, int]], plots: list[str],
                 d: int, teacher_widths: str):
        self.name, self.root, self.points, self.plots = name, root, points, plots
        self.d, self.teacher_widths = d, teacher_widths

    @property
    def report(self) -> Path:
        return self.root / self.name / "report"

    def point(self, folder: str) -> Path:
        return self.root / self.name / folder


def run_sweep(root: Path, goal: str, variables: dict[str, object]):
    command = ["make", "-s", "-j", "2", *make_arguments({"SWEEP_ROOT": root, "GD_STEPS": GD_STEPS, **variables}),
               goal]
    result = run_command(command, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def learning_curve(tmp_path_factory) -> Sweep:
    root = tmp_path_factory.mktemp("sweeps")
    run_sweep(root, "learning-curve", {"SWEEP_SEEDS": " ".join(map(str, SEEDS)), "SWEEP_M": " ".join(map(str, MS)),
                                       "M_TEST": 500, "SVM_KERNEL_MEMORY_GIB": KERNEL_MEMORY_GIB,
                                       "INFINITE_LANDMARKS": min(MS)})
    points = {f"layers-{'-'.join(layers)}_M-{m}_seed-{seed}": (layers, m, 25, seed)
              for layers in (["W", "V", "u"], ["all"]) for m in MS for seed in SEEDS}
    return Sweep("learning-curve", root, points, ["test-error-vs-m", "krr-mse-vs-m"], d=25, teacher_widths="25 25")


@pytest.fixture(scope="module")
def width_sweep(tmp_path_factory) -> Sweep:
    root = tmp_path_factory.mktemp("sweeps")
    widths = [10, 20]
    run_sweep(root, "width-sweep", {"SWEEP_SEEDS": " ".join(map(str, SEEDS)),
                                    "SWEEP_WIDTHS": " ".join(map(str, widths)), "M": 60, "M_TEST": 500})
    points = {f"widths-{w}-{w}_M-60_seed-{seed}": (["W", "V", "u"], 60, w, seed) for w in widths for seed in SEEDS}
    return Sweep("width-sweep", root, points, ["test-error-vs-width", "lazy-regime-vs-width", "alignment-vs-width"], d=25,
                 teacher_widths="25 25")


# make test checks the width sweep; make test-slow the learning curve as well (the HTML page's tests and
# test_sweep_progress.py run small learning curves in make test).
@pytest.fixture(params=[pytest.param("learning-curve", marks=pytest.mark.slow), "width-sweep"])
def sweep(request) -> Sweep:
    return request.getfixturevalue(request.param.replace("-", "_"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def same_number(a: str, b: str | float) -> bool:
    x, y = float(a), float(b)
    return (math.isnan(x) and math.isnan(y)) or x == y


def test_the_report_has_a_row_per_point_step_and_model(sweep):
    rows = read_csv(sweep.report / "results.csv")
    expected = sorted((folder, step, model) for folder, (layers, m, *_) in sweep.points.items()
                      for step in layers for model in models(sweep.name, m))
    found = []
    for row in rows:
        layers, m, width, seed = row["layers"].split(), int(row["m"]), int(row["widths"].split()[0]), \
            int(row["teacher_seed"])
        folder = next((f for f, p in sweep.points.items() if p == (layers, m, width, seed)), None)
        assert folder is not None, f"a row of no point: {row}"
        found.append((folder, row["step"], row["model"]))
    assert sorted(found) == expected, "the report's rows are not one per point × step × model"


def test_each_row_is_its_points_results(sweep):
    """Parameters from the point's name and make variables; errors from the point's own results.csv."""
    rows = read_csv(sweep.report / "results.csv")
    by_point = {}
    for row in rows:
        by_point.setdefault((row["layers"], row["m"], row["widths"], row["teacher_seed"]), []).append(row)
    for folder, (layers, m, width, seed) in sweep.points.items():
        own = {(r["step"], r["model"]): r for r in read_csv(sweep.point(folder) / "results.csv")}
        report = by_point[(" ".join(layers), str(m), f"{width} {width}", str(seed))]
        assert len(report) == len(own), f"{folder}: {len(report)} rows in the report, {len(own)} in its results.csv"
        for row in report:
            mine = own[(row["step"], row["model"])]
            assert same_number(row["train_error"], mine["train_error"]) and same_number(
                row["test_error"], mine["test_error"]), f"{folder}: {row} against its results.csv {mine}"
            assert (row["d"], row["teacher_widths"], row["m_test"]) == (str(sweep.d), sweep.teacher_widths, "500")
            assert row["init_seeds"] == ("0 1 2" if layers == ["W", "V", "u"] else "0")


def test_the_summary_is_numpys_mean_and_deviation_over_the_seeds(sweep):
    """summary.csv: numpy's mean and sample standard deviation (ddof 1) of the
    points' errors (their own results.csv) over the teacher seeds."""
    values: dict[tuple, dict[int, tuple[float, float]]] = {}
    for folder, (layers, m, width, seed) in sweep.points.items():
        for r in read_csv(sweep.point(folder) / "results.csv"):
            key = (" ".join(layers), str(m), f"{width} {width}", r["step"], r["model"])
            values.setdefault(key, {})[seed] = (float(r["train_error"]), float(r["test_error"]))
    summary = read_csv(sweep.report / "summary.csv")
    keys = [(row["layers"], row["m"], row["widths"], row["step"], row["model"]) for row in summary]
    assert sorted(keys) == sorted(values), "summary.csv has not one row per parameter set, step and model"
    for row, key in zip(summary, keys):
        seeds = sorted(values[key])
        assert seeds == SEEDS and row["n_seeds"] == str(len(SEEDS)) and row["teacher_seeds"].split() == \
            [str(s) for s in SEEDS], f"{key}: seeds"
        for k, split in enumerate(["train", "test"]):
            errors = np.array([values[key][s][k] for s in seeds])
            for stat, expected in [("mean", np.mean(errors)), ("std", np.std(errors, ddof=1))]:
                found = float(row[f"{split}_error_{stat}"])
                assert found == pytest.approx(expected, rel=1e-12, abs=1e-15), \
                    f"{key}: {split}_error_{stat} {found}, numpy gives {expected}"
        assert row["width"] == row["widths"].split()[0]


def test_the_measures_are_numpys_over_the_trained_baselines(sweep):
    """measures.csv: the relative weight change at T and the kernel distance of
    each point's trained.h5, and each kernel's alignment and centred alignment
    of its spectrum.h5 (read with h5py), averaged over the seeds by numpy."""
    values: dict[tuple, list[float]] = {}
    for folder, (layers, m, width, seed) in sweep.points.items():
        for step in layers:
            with h5py.File(sweep.point(folder) / step / "trained.h5", "r") as f:
                assert int(f.attrs["steps"]) == GD_STEPS
                measured = {"relative_weight_change": f["trajectory/relative_weight_change"][-1],
                            "kernel_distance": float(f.attrs["kernel_distance"])}
            with h5py.File(sweep.point(folder) / step / "spectrum.h5", "r") as f:
                for kernel in f.attrs["kernels"]:
                    for name in ("alignment", "centred_alignment"):
                        measured[f"{name}_{kernel}"] = float(f[f"kernels/{kernel}"].attrs[name])
            for name, value in measured.items():
                values.setdefault((" ".join(layers), str(m), f"{width} {width}", step, name), []).append(value)
    rows = read_csv(sweep.report / "measures.csv")
    assert sorted((r["layers"], r["m"], r["widths"], r["step"], r["measure"]) for r in rows) == sorted(values)
    for r in rows:
        v = np.array(values[(r["layers"], r["m"], r["widths"], r["step"], r["measure"])])
        assert float(r["mean"]) == pytest.approx(np.mean(v), rel=1e-12, abs=1e-15), r
        assert float(r["std"]) == pytest.approx(np.std(v, ddof=1), rel=1e-12, abs=1e-15), r
        assert r["n_seeds"] == str(len(SEEDS))


# The report's column solver: the short name of an svm.h5's solved_from (README, "Sweeps").
def solver_name(solved_from: str) -> str:
    for words, name in [("linear solver", "linear"), ("linear kernel", "libsvm-linear"),
                        ("precomputed", "libsvm-kernel")]:
        if words in solved_from:
            return name
    raise AssertionError(f"a training path the report does not name: {solved_from!r}")


# The models no SVM gives (the others are an SVM or put its θc in the layer).
NO_SOLVER = {"net_init", "net_trained", "krr_infinite"}


def test_each_row_names_its_svms_solver(sweep):
    """results.csv's solver: for the classifier and the θc networks, the short name of the step's
    svm.h5 solved_from, which eval.h5 copies (classifier_solved_from, classifier_solver); libsvm on the
    kernel for ntk_infinite; none for net_init, net_trained and krr_infinite (no SVM). Under SOLVER=auto the learning curve's
    small kernel memory trains its larger M with the linear solver; the width sweep's M, libsvm."""
    rows = read_csv(sweep.report / "results.csv")
    for folder, (layers, m, width, seed) in sweep.points.items():
        report = [r for r in rows if (r["layers"], r["m"], r["widths"], r["teacher_seed"])
                  == (" ".join(layers), str(m), f"{width} {width}", str(seed))]
        for step in layers:
            with h5py.File(sweep.point(folder) / step / "svm.h5", "r") as f:
                solver, solved_from = f.attrs["solver"], f.attrs["solved_from"]
            with h5py.File(sweep.point(folder) / step / "eval.h5", "r") as f:
                assert f.attrs["classifier_solved_from"] == solved_from, folder
                assert f.attrs["classifier_solver"] == solver, folder
                assert "solved_from" in f.attrs["classifier_solver_note"]
            expected = SOLVER_OF_M[m] if sweep.name == "learning-curve" else "libsvm-kernel"
            assert solver_name(solved_from) == expected, f"{folder}/{step}: {solved_from}"
            found = {r["model"]: r["solver"] for r in report if r["step"] == step}
            assert found == {model: "none" if model.removesuffix("_nystrom") in NO_SOLVER else expected
                             for model in models(sweep.name, m)}, \
                f"{folder}/{step}: {found}"
    # The summary: one solver per group, its rows'.
    solvers = {(r["layers"], r["m"], r["widths"], r["step"], r["model"]): r["solver"] for r in rows}
    for row in read_csv(sweep.report / "summary.csv"):
        assert row["solver"] == solvers[(row["layers"], row["m"], row["widths"], row["step"], row["model"])], row


def test_every_plot_is_valid_and_draws_every_step(sweep):
    steps = sorted({step for layers, *_ in sweep.points.values() for step in layers})
    drawn = sorted(p.name for p in sweep.report.iterdir() if p.suffix in (".svg", ".png"))
    assert drawn == sorted(f"{plot}.{kind}" for plot in sweep.plots for kind in ("svg", "png")), drawn
    for plot in sweep.plots:
        svg, png = sweep.report / f"{plot}.svg", sweep.report / f"{plot}.png"
        assert svg_problems(svg) == [] and png_problems(png) == []
        lines = plotted_lines(ElementTree.parse(svg).getroot())
        for step in steps:
            # Each panel draws each step; the lazy regime's kernel distance of u is 0 (README),
            # which a log axis cannot draw, so u has one panel there.
            # The alignment has a panel per kernel (K0, K∞ and K_T with both baselines); the
            # kernel-regression plot has one.
            panels = (1 if (plot == "lazy-regime-vs-width" and step == "u") or plot == "krr-mse-vs-m"
                      else 3 if plot == "alignment-vs-width" else 2)
            assert lines.get(STEP_TITLES[step], 0) >= panels, f"{svg}: {STEP_TITLES[step]}: {lines}"
    # The switch to the linear solver is marked in the learning curve (both panels), nowhere else.
    if "test-error-vs-m" in sweep.plots:
        assert (sweep.report / "test-error-vs-m.svg").read_text().count("linear solver →") == 2
    for plot in sweep.plots:
        if plot != "test-error-vs-m":
            assert "linear solver" not in (sweep.report / f"{plot}.svg").read_text()
    assert temporaries(sweep.report) == [] and temporaries(sweep.root) == []


@pytest.mark.slow
def test_the_learning_curve_compares_the_theory_at_every_point(learning_curve):
    """The theory curve once per step and teacher seed (not per M), and its comparison at every M."""
    theory = sorted(p.relative_to(learning_curve.root / "learning-curve" / "theory").as_posix()
                    for p in (learning_curve.root / "learning-curve" / "theory").glob("seed-*/*.h5"))
    assert theory == sorted(f"seed-{seed}/{step}.h5" for seed in SEEDS for step in STEP_TITLES)
    compared = read_csv(learning_curve.report / "theory-vs-measured.csv")
    assert sorted((r["step"], int(r["m"])) for r in compared) == sorted((s, m) for s in STEP_TITLES for m in MS)
    assert all(float(r["predicted_mse"]) > 0 and float(r["ratio"]) > 0 for r in compared)


def test_the_plot_checks_can_fail(tmp_path, width_sweep):
    """The checks above refuse a truncated PNG, a PNG whose data are short, an
    SVG without lines and a file that is not SVG."""
    png = (width_sweep.report / "lazy-regime-vs-width.png").read_bytes()
    (tmp_path / "half.png").write_bytes(png[: len(png) // 2])
    assert png_problems(tmp_path / "half.png")
    # A valid PNG of 1×1 pixel claiming 2×1: the data decompress but are short.
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    short = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
             + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff")) + chunk(b"IEND", b""))
    (tmp_path / "short.png").write_bytes(short)
    assert png_problems(tmp_path / "short.png")
    (tmp_path / "empty.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><g id="gnuplot_plot_1a">'
                                        '<title>layer W</title></g></svg>')
    assert svg_problems(tmp_path / "empty.svg")
    (tmp_path / "html.svg").write_text("<html><body/></html>")
    assert svg_problems(tmp_path / "html.svg")


# learning-curve-large (README, "Sweeps"): its points from make itself, never run here.
LARGE_MS = [1000, 4000, 16000, 64000, 256000, 1000000]
LARGE_SEEDS = [124, 125, 126]


def large_points(root: Path, m: list[int], seeds: list[int]) -> list[str]:
    return sorted(f"{root}/learning-curve-large/layers-W-V-u_M-{mm}_seed-{s}" for mm in m for s in seeds)


def make_output(root: Path, arguments: list[str], variables: dict[str, object] | None = None) -> str:
    command = ["make", "-s", *make_arguments({"SWEEP_ROOT": root, **(variables or {})}), *arguments]
    result = run_command(command, timeout=120)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr}"
    return result.stdout


def test_learning_curve_large_lists_its_points_apart_from_the_learning_curve(tmp_path):
    """6 M × 3 teacher seeds × one layer set (W V u), in its own folder; each point's sub-make (make -n)
    with M_TEST 10000, both baselines and the learning curve's nested inputs; SWEEP_M and SWEEP_SEEDS
    shrink it. Nothing runs."""
    points = make_output(tmp_path, ["print-sweep.points.learning-curve-large"]).split()
    assert sorted(points) == large_points(tmp_path, LARGE_MS, LARGE_SEEDS)
    assert not set(points) & set(make_output(tmp_path, ["print-sweep.points.learning-curve"]).split())
    plan = make_output(tmp_path, ["-n", "learning-curve-large"])
    submakes = [line for line in plan.splitlines() if "SWEEP_POINT=" in line]
    assert len(submakes) == len(LARGE_MS) * len(LARGE_SEEDS), plan
    for m in LARGE_MS:
        for seed in LARGE_SEEDS:
            run = f"RUN={tmp_path}/learning-curve-large/layers-W-V-u_M-{m}_seed-{seed} "
            line = next(x for x in submakes if run in x)
            for assignment in [f"M={m}", "M_TEST=10000", f"TEACHER_SEED={seed}", f"INPUT_SEEDS=1{seed},2{seed}",
                               'LAYERS="W V u"', 'INIT_SEEDS="0 1 2"', 'BASELINES="infinite trained"']:
                assert f" {assignment} " in line, f"{assignment} missing: {line}"
    assert not (tmp_path / "learning-curve-large").exists(), "make -n made something"
    shrunk = make_output(tmp_path, ["print-sweep.points.learning-curve-large"],
                         {"SWEEP_M": "1000 4000", "SWEEP_SEEDS": 124}).split()
    assert sorted(shrunk) == large_points(tmp_path, [1000, 4000], [124])


# --- the learning curve's nesting ---------------------------------------------------------


@pytest.mark.slow
def test_the_learning_curves_training_sets_are_nested(learning_curve):
    """For one teacher seed, the training set of a smaller M is the first rows of a larger
    M's (inputs and labels), and the test set is the same, for both layer sets."""
    for seed in SEEDS:
        truths = {(layers, m): learning_curve.point(f"layers-{layers}_M-{m}_seed-{seed}") / "truth.h5"
                  for layers in ("W-V-u", "all") for m in MS}
        sets = {}
        for key, path in truths.items():
            with h5py.File(path, "r") as f:
                sets[key] = {name: f[name][()] for name in ("inputs/train", "labels/train", "inputs/test",
                                                            "labels/test")}
        first = sets[("W-V-u", MS[0])]
        assert len(first["inputs/train"]) == MS[0]
        for (layers, m), found in sets.items():
            assert len(found["inputs/train"]) == m
            for name in ("inputs/train", "labels/train"):
                assert np.array_equal(found[name][:MS[0]], first[name]), (seed, layers, m, name)
            for name in ("inputs/test", "labels/test"):
                assert np.array_equal(found[name], first[name]), (seed, layers, m, name)
        # The larger M's training set is the smaller's with new samples after it, not repeats.
        larger = sets[("W-V-u", MS[-1])]["inputs/train"]
        assert len(np.unique(larger, axis=0)) == len(larger)
        # Another seed draws another teacher and other inputs.
        if seed != SEEDS[0]:
            with h5py.File(learning_curve.point(f"layers-W-V-u_M-{MS[0]}_seed-{SEEDS[0]}") / "truth.h5", "r") as f:
                assert not np.array_equal(f["inputs/test"][()], first["inputs/test"])


# --- a tiny sweep of its own: STORAGE=auto's threshold, and reruns ---------------------------

TINY_MS = [30, 60]
# 10240 bytes, exact in MiB: W's and V's dense rows (M × 25 × 8 bytes) fit at M = 30 (6000 bytes) but
# not at M = 60 (12000); u's (M × 5 × 8) fit at both; all's (M × 55 × 8) at neither.
TINY_STORAGE_LIMIT_MIB = 10240 / 2**20
TINY = {"SWEEP_SEEDS": "3", "SWEEP_M": " ".join(map(str, TINY_MS)), "D": 5, "M_TEST": 100, "BASELINES": "",
        "STORAGE": "auto", "STORAGE_LIMIT_MIB": TINY_STORAGE_LIMIT_MIB}
TINY_P = {"W": 25, "V": 25, "u": 5, "all": 55}


def tiny_points(root: Path, ms=TINY_MS) -> dict[str, list[str]]:
    return {f"layers-{layers}_M-{m}_seed-3": layers.split("-") for layers in ("W-V-u", "all") for m in ms}


def mtimes(root: Path) -> dict[str, int]:
    """Every final file under `root` (no make stamps, no temporaries) and its modification time."""
    return {name: (root / name).stat().st_mtime_ns for name in final_files(root)}


@pytest.fixture
def tiny_sweep(tmp_path) -> Path:
    run_sweep(tmp_path, "learning-curve", TINY)
    return tmp_path


def test_storage_auto_switches_to_factored_above_its_limit(tiny_sweep):
    """STORAGE=auto with STORAGE_LIMIT_MIB (ntk-features --storage-limit-mib): dense rows up to
    the limit, factored above it, point by point and step by step."""
    chosen = {}
    for folder, steps in tiny_points(tiny_sweep).items():
        m = int(folder.split("_M-")[1].split("_")[0])
        for step in steps:
            with h5py.File(tiny_sweep / "learning-curve" / folder / step / "features.h5", "r") as f:
                expected = "factored" if m * TINY_P[step] * 8 > TINY_STORAGE_LIMIT_MIB * 2**20 else "dense"
                assert f.attrs["storage"] == expected, (folder, step)
                chosen[(step, m)] = expected
    assert set(chosen.values()) == {"dense", "factored"}  # both sides of the limit
    assert chosen[("W", 30)] == "dense" and chosen[("W", 60)] == "factored"


def test_a_rerun_redoes_only_stale_points(tiny_sweep):
    """Rerun unchanged: nothing is rewritten. One point's file removed: that point's
    stages from it on, and the report. A new M: the new points and the report only."""
    before = mtimes(tiny_sweep)
    run_sweep(tiny_sweep, "learning-curve", TINY)
    assert mtimes(tiny_sweep) == before, "an unchanged rerun rewrote files"

    stale = "learning-curve/layers-W-V-u_M-60_seed-3"
    (tiny_sweep / stale / "V" / "svm.h5").unlink()
    run_sweep(tiny_sweep, "learning-curve", TINY)
    after = mtimes(tiny_sweep)
    assert sorted(after) == sorted(before)
    redone = {name for name in after if after[name] != before[name]}
    report = {name for name in after if name.startswith("learning-curve/report/")}
    downstream = {f"{stale}/{name}" for name in ("V/svm.h5", "V/eval.h5", "u/network.h5", "u/features.h5",
                                                 "u/svm.h5", "u/eval.h5", "results.csv", "results.md",
                                                 "report.html")}
    # The analysis (ntk-spectrum) is one process for every step of a run: all its files are redone.
    downstream |= {f"{stale}/{step}/spectrum.{ext}" for step in ("W", "V", "u") for ext in ("h5", "csv")}
    downstream |= {f"{stale}/alignment.{ext}" for ext in ("csv", "md")}
    assert redone - report == downstream, sorted(redone - report)
    assert {"learning-curve/report/results.csv", "learning-curve/report/summary.csv"} <= redone

    more = {**TINY, "SWEEP_M": " ".join(map(str, TINY_MS + [90]))}
    run_sweep(tiny_sweep, "learning-curve", more)
    latest = mtimes(tiny_sweep)
    changed = {name for name in latest if latest.get(name) != after.get(name)}
    new_points = {f"learning-curve/{folder}" for folder in tiny_points(tiny_sweep, [90])}
    assert {name for name in changed if not name.startswith("learning-curve/report/")
            and "/".join(name.split("/")[:2]) not in new_points} == set()
    assert all(any(name.startswith(p + "/") for name in changed) for p in new_points)
