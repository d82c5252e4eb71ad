"""What the fault-injection tests share beyond Tests/support: the parameters
of their runs, an undisturbed run verified file by file, the comparison of a
disturbed run with it, and the notes printed at the end of the session."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ntk_testing import SOURCE_BIN, Run, check_artifact, final_files, is_page, same_datasets, start_run, temporaries

# Kill and concurrency tests: long enough test sets (M_TEST) that truth,
# features and evaluate take 0.15–0.5 s and a kill lands in the middle of a
# write; two steps, so that the second step's network is carried from the first.
# TEST_FEATURES=1: the features stage writes the 600,000 test rows too, so that
# a kill lands while it writes (the default features file holds 60 rows).
# INPUT_SEEDS: ntk-truth then draws the inputs sample by sample while it writes, so its temporary
# exists for its whole run (in the notebook's order it draws every input before it writes).
KILL_PARAMS = {"D": 7, "M": 60, "M_TEST": 600000, "LAYERS": "W V", "INIT_SEEDS": "0 1", "TEST_FEATURES": 1,
               "TEACHER_SEED": 125, "INPUT_SEEDS": "1125,2125"}
# The theory curve's kills: the same run with K∞'s baseline (`make theory-curves` needs it), on
# THEORY_SAMPLES test samples: its N × N K∞ and eigendecomposition take about 0.5 s here, so
# that a timed kill lands while ntk-theory-curve works (at its default, 4000, 20 s).
THEORY_KILL_PARAMS = {**KILL_PARAMS, "BASELINES": "infinite", "THEORY_SAMPLES": 1500}
THEORY_GOALS = ("run", "theory-curves")
# Determinism, provenance, disk full: the default three steps on a small run.
SMALL_PARAMS = {"D": 7, "M": 60, "M_TEST": 3000}

def linked_libhdf5_version() -> str | None:
    """The version of the libhdf5 the stage binaries link, from its version string
    (H5_lib_vers_info_g, "HDF5 library version: 1.10.8"): in the binary itself, which
    links it statically, or else in the shared library `ldd` resolves; None when it
    cannot be told."""
    binary = SOURCE_BIN / "ntk-features"
    candidates = [binary]
    try:
        ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, timeout=30).stdout
        candidates += [Path(m) for m in re.findall(r"^\s*libhdf5\S*\.so\S*\s+=>\s+(/\S+)", ldd, re.M)]
        for candidate in candidates:
            version = re.search(rb"HDF5 library version: (\d+\.\d+\.\d+)", candidate.read_bytes())
            if version:
                return version[1].decode()
    except (OSError, subprocess.SubprocessError):
        pass
    return None


LIBHDF5_VERSION = linked_libhdf5_version()

# The libhdf5 whose bugs test_fuzz.py lists (LIBHDF5_BUGS) and the watchdog's lines name: Debian 12's.
LIBHDF5_BUGGY_VERSION = "1.10.8"

# What the fault tests observed, printed at the end of the session (conftest.py).
NOTES: list[str] = []


def note(text: str) -> None:
    NOTES.append(text)


@dataclass
class VerifiedRun(Run):
    """A run whose every artifact was read back and its content digest recomputed."""
    digests: dict[str, str] = field(default_factory=dict)   # relative path of each .h5 → its content digest
    results: bytes = b""                                      # results.csv
    inodes: dict[str, int] = field(default_factory=dict)


def verified_run(path: Path, params: dict[str, object], goals: tuple[str, ...] = ()) -> VerifiedRun:
    """Runs the pipeline with `make` (`goals`, or the default) and verifies every artifact."""
    run = start_run(path, params, goals)
    problems, digests = [], {}
    for rel in final_files(path):
        if rel.endswith(".h5"):
            digest, problem = check_artifact(path / rel)
            if problem:
                problems.append(problem)
            digests[rel] = digest
    assert not problems, "\n".join(problems)
    assert not temporaries(path), temporaries(path)
    inodes = {rel: (path / rel).stat().st_ino for rel in final_files(path)}
    return VerifiedRun(**vars(run), digests=digests, results=(path / "results.csv").read_bytes(), inodes=inodes)


def compare_with(run: Path, baseline: VerifiedRun) -> list[str]:
    """Problems of `run` against an undisturbed run with the same parameters:
    the same files, results.csv and every other text table byte for byte, every .h5 readable, its content
    digest recomputable and equal to the baseline's, its datasets equal to the
    baseline's bit for bit, and no temporaries."""
    problems = []
    files = final_files(run)
    if files != sorted(baseline.inodes):
        problems.append(f"files {files} differ from the undisturbed run's {sorted(baseline.inodes)}")
    csv = run / "results.csv"
    if not csv.exists():
        problems.append("no results.csv")
    elif csv.read_bytes() != baseline.results:
        problems.append("results.csv differs from the undisturbed run's")
    for rel in files:
        path = run / rel
        if baseline.inodes.get(rel) == path.stat().st_ino:
            continue  # the baseline's own file (hard link), verified when the baseline ran
        if not rel.endswith(".h5"):
            # The text tables (results.md, alignment.*, spectrum.csv): byte for byte.
            if rel in baseline.inodes and not is_page(rel) and path.read_bytes() != (baseline.path / rel).read_bytes():
                problems.append(f"{rel} differs from the undisturbed run's")
            continue
        digest, problem = check_artifact(path)
        if problem:
            problems.append(problem)
            continue
        if digest != baseline.digests.get(rel):
            problems.append(f"{rel}: content digest {digest[:12]}… differs from the undisturbed run's")
        problems += same_datasets(path, baseline.path / rel)
    leftovers = temporaries(run)
    if leftovers:
        problems.append(f"temporary files left: {leftovers}")
    return problems
