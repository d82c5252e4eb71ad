"""docs/artifacts.md against the files the pipeline writes.

Small runs over the variants (dense and factored features, libsvm on the kernel
and on the rows, the linear solver, BASELINES="infinite trained" with the exact
kernel and with Nyström, LAYERS=all, the loss experiment with and without the
leak, an imported data set, kernel convergence, a sweep report, the training
curves, the spectra with a subset of the samples and K∞'s alignment on a subset
above the kernel memory, the theory curves and their comparison in the sweep
report) write every kind of file. Every HDF5 file is walked with h5py:

- every group, dataset and attribute written is in the reference, with its
  kind, dtype and number of dimensions;
- every name of the reference is written by at least one file, and a name
  marked `always` by every file its section describes;
- every CSV file's header holds exactly the documented columns;
- every file in a run folder is one the reference's table of files names.

The reference's format (docs/artifacts.md, "How to read the tables"): a `##`
section names its files in backticks in its heading and holds one table with
columns name, kind, dtype, shape, when, meaning.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import REPO, make, run_stage

REFERENCE = REPO / "docs" / "artifacts.md"

SMALL = {"D": 5, "M": 60, "M_TEST": 300, "GD_STEPS": 5}
BOTH = {"BASELINES": "infinite trained"}
# name → (make parameters, goals): together they write every name of the reference.
# THEORY_SAMPLES ≤ M_TEST for the theory curves; in the Nyström variant the spectra take a seeded subset
# (SPECTRUM_SAMPLES < M: /spectrum_samples) and K∞'s alignment a smaller one (16·M² bytes above the kernel
# memory: alignment_samples).
VARIANTS = {
    "dense": ({**SMALL, **BOTH, "STORAGE": "dense", "TEST_FEATURES": 1, "THEORY_SAMPLES": 100},
              ["run", "training-curves", "spectra", "theory-curves"]),
    "dense-seed": ({**SMALL, **BOTH, "STORAGE": "dense", "TEACHER_SEED": 125, "THEORY_SAMPLES": 100},
                   ["run", "theory-curves"]),
    "factored-linear-nystrom": ({**SMALL, **BOTH, "STORAGE": "factored", "SOLVER": "linear", "TEST_FEATURES": 1,
                                 "INFINITE_LANDMARKS": 20, "SPECTRUM_SAMPLES": 40, "SVM_KERNEL_MEMORY_GIB": 0.00002},
                                []),
    "all": ({**SMALL, **BOTH, "LAYERS": "all", "INIT_SEEDS": 0}, []),
    "rows": ({**SMALL, "STORAGE": "dense", "SOLVER": "libsvm", "SVM_KERNEL_MEMORY_GIB": 0}, []),
    "loss-leaked": ({**SMALL, "PIPELINE": "notebook-loss", "ALLOW_LABEL_LEAK": 1, "TEST_FEATURES": 1}, []),
    "loss": ({**SMALL, "PIPELINE": "notebook-loss", "INPUT_SEEDS": "3,4"}, []),
}


# --- the reference ------------------------------------------------------------------


@dataclass
class Entry:
    pattern: re.Pattern
    text: str
    kind: str
    dtype: str
    rank: int | None
    always: bool
    section: str
    seen: set = field(default_factory=set)


@dataclass
class Section:
    title: str
    kinds: set[str]
    entries: list[Entry]


def _pattern(name: str) -> re.Pattern:
    """A documented name as a regular expression over '/path', '/path@attr'."""
    if name.startswith("@"):
        name = "/" + name
    if name.startswith("*@"):
        return re.compile(r"/[^@]+@" + re.escape(name[2:]))
    parts = [re.escape(p) for p in re.split(r"<[a-z_]+>", name)]
    return re.compile("[^/@]+".join(parts))


def _rank(shape: str) -> int | None:
    match = re.match(r"\(([^)]*)\)", shape.strip())
    if not match:
        return None
    inside = match.group(1).strip()
    return 0 if not inside else len(inside.split(","))


def read_reference(path: Path = REFERENCE) -> tuple[list[Section], set[str]]:
    """The sections that describe files, and the basenames of the table of files."""
    sections, files = [], set()
    title, header = None, None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            title, header = line[3:], None
            continue
        if title is None or not line.startswith("|"):
            if not line.startswith("|"):
                header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            if title == "Files":
                continue
            if "name" in header and "kind" in header:
                kinds = {k for k in re.findall(r"`([^`]+)`", title) if re.search(r"\.(h5|csv)$", k)}
                assert kinds, f"docs/artifacts.md: section {title!r} names no file in backticks"
                sections.append(Section(title, kinds, []))
            continue
        if set(line.replace("|", "").strip()) <= set("-: "):
            continue
        row = dict(zip(header, cells))
        names = re.findall(r"`([^`]+)`", row["name"])
        if title == "Files":
            previous = None
            for n in names:
                base = (previous.rsplit(".", 1)[0] + n) if n.startswith(".") and previous else Path(n).name
                files.add(base)
                previous = base
            continue
        if not sections or sections[-1].title != title:
            continue
        for name in names:
            sections[-1].entries.append(Entry(_pattern(name), name, row["kind"], row["dtype"], _rank(row["shape"]),
                                              row["when"] == "always", title))
    return sections, files


# --- what the files hold ---------------------------------------------------------------


def _dtype(value) -> str:
    dtype = np.asarray(value).dtype
    if dtype.kind in "OSU":
        return "string"
    return {"f": "float64" if dtype.itemsize == 8 else f"float{8 * dtype.itemsize}",
            "i": f"int{8 * dtype.itemsize}", "u": f"uint{8 * dtype.itemsize}"}.get(dtype.kind, str(dtype))


def hdf5_names(path: Path) -> dict[str, tuple[str, str, int | None]]:
    """Every group, dataset and attribute: name → (kind, dtype, rank)."""
    names = {}
    with h5py.File(path, "r") as f:
        def attributes(obj, prefix):
            for key, value in obj.attrs.items():
                names[f"{prefix}@{key}"] = ("attribute", _dtype(value), np.ndim(value))
        attributes(f, "/")
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                names["/" + name] = ("dataset", _dtype(obj[()] if obj.shape == () else obj[:1]), obj.ndim)
            else:
                names["/" + name] = ("group", "", None)
            attributes(obj, "/" + name)
        f.visititems(visit)
    return names


def kind_of(path: Path) -> str:
    return f"report/{path.name}" if path.parent.name == "report" else path.name


# --- the runs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("artifacts")
    for name, (params, goals) in VARIANTS.items():
        make(root / name, params, goals)
    source = root / "source.h5"
    rng = np.random.RandomState(0)
    x = rng.randn(120, 4)
    with h5py.File(source, "w") as f:
        f["X"], f["y"] = x, (x[:, 0] > 0).astype(np.int64)
    make(root / "imported", {"DATA": source, "POSITIVE": 1, "NEGATIVE": 0, "GD_STEPS": 5, **BOTH})
    make(root / "convergence-run", {"CONVERGENCE_ROOT": root / "convergence", "CONVERGENCE_WIDTHS": "10 20",
                                     "CONVERGENCE_SEEDS": "0 1", "CONVERGENCE_SAMPLES": 20}, ["kernel-convergence"])
    points = [root / "dense", root / "dense-seed"]
    results = [point / step / name for point in points for step in ("W", "V", "u")
               for name in ("eval.h5", "infinite.h5", "trained.h5", "spectrum.h5")]
    theory = [a for point in points for step in ("W", "V", "u") for a in ("--theory", point / step / "theory.h5")]
    report = run_stage("sweep-report", *results, *theory, "--name", "reference", "-o", root / "sweep" / "report",
                       "--quiet")
    assert report.returncode == 0, report.stderr
    return root


def produced(root: Path, suffix: str) -> list[Path]:
    return sorted(p for p in root.rglob(f"*{suffix}") if p.name != "source.h5")


# --- the checks ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_written_name_is_documented_and_every_documented_name_written(outputs):
    sections, _ = read_reference()
    problems = []
    files = produced(outputs, ".h5")
    assert {kind_of(f) for f in files} >= {"truth.h5", "network.h5", "features.h5", "svm.h5", "eval.h5",
                                           "infinite.h5", "trained.h5", "convergence.h5"}
    for path in files:
        kind = kind_of(path)
        entries = [e for s in sections if kind in s.kinds for e in s.entries]
        assert entries, f"docs/artifacts.md has no section for {kind}"
        names = hdf5_names(path)
        for name, (what, dtype, rank) in names.items():
            matches = [e for e in entries if e.pattern.fullmatch(name)
                       and (not e.text.startswith("*@") or names.get(name.split("@")[0], ("",))[0] == "dataset")]
            if not matches:
                problems.append(f"{path.relative_to(outputs)}: {name} ({what}) is not in docs/artifacts.md")
                continue
            for e in matches:
                e.seen.add(path)
                wrong = [f"kind {what}, documented {e.kind}" if e.kind != what else None,
                         f"dtype {dtype}, documented {e.dtype}" if e.dtype and dtype and e.dtype != dtype else None,
                         f"rank {rank}, documented {e.rank}" if e.rank is not None and rank is not None
                         and e.rank != rank else None]
                problems += [f"{path.relative_to(outputs)}: {name}: {w}" for w in wrong if w]
        # `always`: every file of the section's kinds (for *@attr: every dataset) has it.
        for e in entries:
            if not e.always:
                continue
            if e.text.startswith("*@"):
                datasets = [n for n, (w, _, _) in names.items() if w == "dataset"]
                missing = [d for d in datasets if f"{d}@{e.text[2:]}" not in names]
                problems += [f"{path.relative_to(outputs)}: {d} has no attribute {e.text[2:]} (documented always)"
                             for d in missing]
            elif not any(e.pattern.fullmatch(n) for n in names):
                problems.append(f"{path.relative_to(outputs)}: no {e.text} (documented always, {e.section})")
    for s in sections:
        if any(k.endswith(".h5") for k in s.kinds):
            problems += [f"documented but written by no file: {e.text} ({s.title})" for e in s.entries if not e.seen]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_csv_columns_are_documented(outputs):
    sections, _ = read_reference()
    problems = []
    seen = {}
    for path in produced(outputs, ".csv"):
        kind = kind_of(path)
        documented = [e for s in sections if kind in s.kinds for e in s.entries if e.kind == "column"]
        assert documented, f"docs/artifacts.md has no columns for {kind}"
        with open(path, newline="") as f:
            header = next(csv.reader(f))
        for column in header:
            if not any(e.pattern.fullmatch(column) for e in documented):
                problems.append(f"{path.relative_to(outputs)}: column {column} is not in docs/artifacts.md")
        for e in documented:
            if any(e.pattern.fullmatch(c) for c in header):
                seen[id(e)] = e
            elif e.always:
                problems.append(f"{path.relative_to(outputs)}: no column {e.text} (documented always)")
    for s in sections:
        if all(k.endswith(".csv") for k in s.kinds):
            problems += [f"documented but in no CSV file: {e.text} ({s.title})" for e in s.entries if id(e) not in seen]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_every_file_written_is_in_the_table_of_files(outputs):
    _, files = read_reference()
    written = {re.sub(r"^\..+\.(cmd|digest)$", r".<output>.\1", p.name) for p in outputs.rglob("*")
               if p.is_file() and p.name != "source.h5"}
    assert written - files == set(), f"files not in docs/artifacts.md's table of files: {sorted(written - files)}"


def test_the_reference_parses():
    """A malformed table would make the checks above vacuous."""
    sections, files = read_reference()
    assert len(sections) >= 12 and sum(len(s.entries) for s in sections) >= 150
    assert {"truth.h5", "trajectory.csv", "convergence.h5", "test-error-vs-m.png"} <= files
    for s in sections:
        for e in s.entries:
            assert e.kind in ("dataset", "group", "attribute", "column"), f"{e.text}: kind {e.kind!r}"
