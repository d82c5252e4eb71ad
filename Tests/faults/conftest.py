"""Shared helpers of the fault-injection tests (Tests/faults, `make test-faults`).

The suite kills stages and `make` at arbitrary moments, fills the disk, runs
two `make`s at once, compares repeated runs and feeds damaged files to every
stage. Everything it writes goes to pytest's temporary folders.

Like Tests/pipeline/conftest.py (whose few helpers are copied here rather than
imported: both files are pytest's `conftest` module), it runs every pipeline
through the Makefile as a user would, without an enclosing make's flags. One
difference: the stage binaries are copied, at the start of the session, into a
private folder that `make BIN=<copy> --old-file=<copy>/ntk-…` and the direct
stage calls use. The binaries in .build/release may be rebuilt by someone
else while the suite runs (a relink briefly removes them); the copy keeps the
suite on one consistent set of binaries: those present when it starts.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest
import xxhash

REPO = Path(__file__).resolve().parents[2]
SOURCE_BIN = REPO / ".build" / "release"
STAGES = ["truth", "init", "features", "train", "evaluate", "report", "sweep-report"]

# The folder holding the session's copy of the binaries (set by `binaries`).
_bin: Path | None = None
# Lines printed at the end of the session (what the fault tests observed).
NOTES: list[str] = []


def note(text: str) -> None:
    NOTES.append(text)


def pytest_terminal_summary(terminalreporter):
    if NOTES:
        terminalreporter.section("fault-injection notes")
        for line in NOTES:
            terminalreporter.write_line(line)


def binary(stage: str) -> Path:
    assert _bin is not None, "the session fixture `binaries` has not run"
    return _bin / f"ntk-{stage}"


@pytest.fixture(scope="session", autouse=True)
def binaries():
    """Copies .build/release/ntk-* once they are complete and unchanged for 3 s,
    into a folder whose path has the same length in every session (it is in
    the files' command_line attributes, and so in their layout)."""
    global _bin
    sources = [SOURCE_BIN / f"ntk-{s}" for s in STAGES]
    deadline = time.time() + 180
    while True:
        try:
            stats = [s.stat() for s in sources]
        except FileNotFoundError:
            stats = None
        if stats and time.time() - max(st.st_mtime for st in stats) > 3:
            time.sleep(0.5)
            try:
                again = [s.stat() for s in sources]
            except FileNotFoundError:
                again = None
            if again and [(a.st_mtime_ns, a.st_size) for a in again] == [(b.st_mtime_ns, b.st_size) for b in stats]:
                break
        if time.time() > deadline:
            pytest.exit("stage binaries missing or still changing in .build/release: run `make build` first",
                        returncode=2)
        time.sleep(1)
    folder = Path(tempfile.mkdtemp(prefix="ntk-faults-bin-"))
    for source in sources:
        shutil.copy2(source, folder / source.name)
    time.sleep(0.01)
    # The binary stamps make would write (`$(BIN)/%.sha256`), newer than the
    # binaries: no `make` of the suite needs to write them.
    for source in sources:
        target = folder / source.name
        digest = subprocess.run(["sha256sum", str(target)], capture_output=True, text=True, check=True).stdout
        (folder / f"{source.name}.sha256").write_text(digest)
    _bin = folder
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- processes -----------------------------------------------------------------


def openblas_coretype() -> str | None:
    """The OpenBLAS core the Makefile names from /proc/cpuinfo (see its comment)."""
    try:
        line = next(l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("flags"))
    except (OSError, StopIteration):
        return None
    flags = set(line.split(":", 1)[1].split())
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def clean_env() -> dict[str, str]:
    """The environment for a child process: no enclosing make's flags, one BLAS
    thread, and the OpenBLAS core make would export — the BLAS kernel changes
    the last bits of products, so a stage called directly must use make's to
    give make's artifacts bit for bit."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR",
                        "MAKE_RESTARTS", "GNUMAKEFLAGS"}}
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["LC_ALL"] = "C.UTF-8"
    if "OPENBLAS_CORETYPE" not in env and openblas_coretype():
        env["OPENBLAS_CORETYPE"] = openblas_coretype()
    return env


def make_command(run: Path, params: dict[str, object], goals: list[str] | tuple = (), *,
                 silent: bool = True, bin_folder: Path | None = None) -> list[str]:
    """`make -s --old-file=<each binary> BIN=<the copy> RUN=<run> K=V ... goals`."""
    folder = bin_folder or _bin
    command = ["make"] + (["-s"] if silent else [])
    command += [f"--old-file={folder / f'ntk-{s}'}" for s in STAGES]
    command += [f"BIN={folder}", f"RUN={run}"] + [f"{k}={v}" for k, v in params.items()] + list(goals)
    return command


def make(run: Path, params: dict[str, object], goals: list[str] | tuple = (), *, check: bool = True,
         timeout: float = 300) -> subprocess.CompletedProcess:
    command = make_command(run, params, goals)
    result = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed with exit status {result.returncode}\n"
                             f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


def crashed(returncode: int, stderr: str) -> str | None:
    """Why a finished process counts as crashed, or None."""
    if returncode < 0 or returncode >= 128:
        return f"killed by a signal or crashed (exit status {returncode})"
    for marker in ("Program crashed", "Backtrace", "Fatal error", "Stack dump", "Segmentation fault"):
        if marker in stderr:
            return f"{marker!r} on stderr"
    return None


# --- the stages' commands, as pipelines/layerwise.mk writes them ---------------


def p(params: dict[str, object], key: str, default):
    return str(params.get(key, default))


def steps(params: dict[str, object]) -> list[str]:
    return p(params, "LAYERS", "W V u").split()


def stage_command(stage: str, run: Path, params: dict[str, object], step: str | None = None, *,
                  output: Path | None = None, quiet: bool = False) -> list[str]:
    """The command make runs for `stage` (of `step`) in `run`; `output` writes elsewhere."""
    d = p(params, "D", 25)
    widths = p(params, "WIDTHS", f"{d},{d}")
    order = steps(params)
    seeds = p(params, "INIT_SEEDS", "0 1 2").split()
    q = ["--quiet"] if quiet else []
    if stage == "truth":
        return [str(binary("truth")), "--dim", d, "--train", p(params, "M", 100), "--test", p(params, "M_TEST", 100000),
                "--widths", p(params, "TEACHER_WIDTHS", f"{d},{d}"), "--seed", p(params, "TEACHER_SEED", 124),
                *q, "-o", str(output or run / "truth.h5")]
    if stage == "report":
        return [str(binary("report"))] + [str(run / s / "eval.h5") for s in order] + \
            ["--csv", str(output / "results.csv" if output else run / "results.csv"),
             "--markdown", str(output / "results.md" if output else run / "results.md")]
    assert step is not None
    folder = run / step
    if stage == "init":
        index = order.index(step)
        carried = ["--from", str(run / order[index - 1] / "eval.h5")] if index > 0 else []
        return [str(binary("init")), "--dim", d, "--widths", widths, "--layer", step, "--seed", seeds[index],
                *carried, *q, "-o", str(output or folder / "network.h5")]
    if stage == "features":
        storage = p(params, "STORAGE", "auto")
        return [str(binary("features")), "--truth", str(run / "truth.h5"), "--network", str(folder / "network.h5"),
                "--layer", step, "--kind", p(params, "FEATURE_KIND", "output-gradient"),
                *(["--storage", storage] if storage != "auto" else []), *q,
                "-o", str(output or folder / "features.h5")]
    if stage == "train":
        return [str(binary("train")), "--features", str(folder / "features.h5"), "--C", p(params, "C", 1), *q,
                "-o", str(output or folder / "svm.h5")]
    if stage == "evaluate":
        return [str(binary("evaluate")), "--truth", str(run / "truth.h5"), "--network", str(folder / "network.h5"),
                "--features", str(folder / "features.h5"), "--svm", str(folder / "svm.h5"), *q,
                "-o", str(output or folder / "eval.h5")]
    raise ValueError(stage)


# --- artifacts -------------------------------------------------------------------


def content_digest(path: Path) -> str:
    """The content digest recomputed from the datasets, as the file's
    `content_digest_definition` reads: XXH3-128 of the lines
    '<dataset path> (<shape>) <XXH3-128 of its elements>\\n' sorted by path;
    elements as little-endian float64/int64 in row-major order, strings as
    UTF-8 each followed by NUL."""
    lines = []
    with h5py.File(path, "r") as f:
        assert str(f.attrs["content_digest_definition"]).startswith("XXH3-128"), f"{path}: an unknown digest"
        datasets = []
        f.visititems(lambda name, obj: datasets.append((name, obj)) if isinstance(obj, h5py.Dataset) else None)
        for name, dataset in datasets:
            h = xxhash.xxh3_128()
            if h5py.check_string_dtype(dataset.dtype) is not None:
                values = dataset.asstr()[()]
                for s in (np.ravel(values) if dataset.shape else [values]):
                    h.update(s.encode() + b"\0")
            elif dataset.dtype.kind == "f":
                h.update(np.ascontiguousarray(dataset[()], dtype="<f8").tobytes())
            else:
                h.update(np.ascontiguousarray(dataset[()], dtype="<i8").tobytes())
            lines.append(f"/{name} ({','.join(map(str, dataset.shape))}) {h.hexdigest()}\n".encode())
    return xxhash.xxh3_128(b"".join(sorted(lines))).hexdigest()


def recorded_digest(path: Path) -> str:
    with h5py.File(path, "r") as f:
        return str(f.attrs["content_digest"])


def check_artifact(path: Path) -> tuple[str | None, str | None]:
    """(recorded digest, problem): the file opens with h5py and its content
    digest matches a recomputation."""
    try:
        recorded = recorded_digest(path)
        recomputed = content_digest(path)
    except Exception as error:  # noqa: BLE001 — any failure to read is the finding
        return None, f"{path}: cannot be read with h5py ({type(error).__name__}: {error})"
    if recorded != recomputed:
        return recorded, f"{path}: content digest {recorded[:12]}… but the datasets give {recomputed[:12]}…"
    return recorded, None


def datasets_of(path: Path) -> dict[str, np.ndarray]:
    found = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found[name] = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
        f.visititems(visit)
    return found


def same_datasets(path: Path, reference: Path) -> list[str]:
    """Problems unless both files hold the same datasets, equal bit for bit."""
    try:
        a, b = datasets_of(path), datasets_of(reference)
    except Exception as error:  # noqa: BLE001
        return [f"{path}: cannot be read with h5py ({type(error).__name__}: {error})"]
    if sorted(a) != sorted(b):
        return [f"{path}: datasets {sorted(a)}, expected {sorted(b)}"]
    problems = []
    for name in a:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype != y.dtype or x.shape != y.shape or (
                x.tobytes() != y.tobytes() if x.dtype != object else list(x.ravel()) != list(y.ravel())):
            problems.append(f"{path}: dataset /{name} differs from the undisturbed run's")
    return problems


def is_temporary(name: str) -> bool:
    return name.startswith(".") and (name.endswith(".tmp") or name.endswith(".new"))


def temporaries(folder: Path) -> list[str]:
    """Temporary files anywhere under `folder` (stage outputs `.…tmp`, make's `.params/….new`)."""
    if not folder.exists():
        return []
    return sorted(str(q.relative_to(folder)) for q in folder.rglob("*") if q.is_file() and is_temporary(q.name))


def final_files(folder: Path) -> list[str]:
    """Files under `folder` with a final name (no temporaries; make's parameter files left out)."""
    return sorted(str(q.relative_to(folder)) for q in folder.rglob("*")
                  if q.is_file() and not is_temporary(q.name) and ".params" not in q.parts)


def link_tree(source: Path, target: Path, skip: set[str] = frozenset()) -> None:
    """Hard-links every file of `source` into `target` (same inodes, so same mtimes) except `skip`."""
    for q in source.rglob("*"):
        rel = str(q.relative_to(source))
        if q.is_file() and rel not in skip and not is_temporary(q.name):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(q, target / rel)
    target.mkdir(parents=True, exist_ok=True)


@dataclass
class Run:
    """A finished, verified pipeline run."""
    path: Path
    params: dict[str, object]
    digests: dict[str, str]          # relative path of each .h5 → its content digest
    results: bytes                   # results.csv
    duration: float                  # seconds `make` took
    inodes: dict[str, int] = field(default_factory=dict)

    def file(self, rel: str) -> Path:
        return self.path / rel


def start_run(path: Path, params: dict[str, object]) -> Run:
    """Runs the pipeline with `make` and verifies every artifact."""
    start = time.monotonic()
    make(path, params)
    duration = time.monotonic() - start
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
    return Run(path, dict(params), digests, (path / "results.csv").read_bytes(), duration, inodes)


def compare_with(run: Path, baseline: Run) -> list[str]:
    """Problems of `run` against an undisturbed run with the same parameters:
    the same files, results.csv byte for byte, every .h5 readable, its content
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
        if not rel.endswith(".h5"):
            continue
        path = run / rel
        if baseline.inodes.get(rel) == path.stat().st_ino:
            continue  # the baseline's own file (hard link), verified when the baseline ran
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


# --- the runs the tests share ------------------------------------------------------

# Kill and concurrency tests: long enough test sets (M_TEST) that truth,
# features and evaluate take 0.15–0.5 s and a kill lands in the middle of a
# write; two steps, so that the second step's network is carried from the first.
KILL_PARAMS = {"D": 7, "M": 60, "M_TEST": 600000, "LAYERS": "W V", "INIT_SEEDS": "0 1"}
# Determinism, provenance, disk full: the default three steps on a small run.
SMALL_PARAMS = {"D": 7, "M": 60, "M_TEST": 3000}


@pytest.fixture(scope="session")
def kill_baseline(tmp_path_factory) -> Run:
    return start_run(tmp_path_factory.mktemp("kill-baseline") / "run", KILL_PARAMS)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Run:
    return start_run(tmp_path_factory.mktemp("small") / "run", SMALL_PARAMS)


@pytest.fixture(scope="session")
def small_twin(tmp_path_factory) -> Run:
    """The same pipeline as small_run, in another folder."""
    return start_run(tmp_path_factory.mktemp("small-twin") / "another-run", SMALL_PARAMS)
