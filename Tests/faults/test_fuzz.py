"""6. Malformed files, a bounded fuzz.

Each kind of artifact of a valid small run (truth, network, features, svm,
eval, trained) is damaged in 21 reproducible ways (mutations.py: bit flips
anywhere and outside the raw data, truncations, an overwritten superblock,
altered stored dimensions, a wrong end-of-file address, altered sizes in the
global heap, a local heap's free list in a cycle), and every stage that reads
that kind is run on each damaged copy, with a 20 s timeout. Required: no crash
(a signal, or a crash report on stderr), no hang, and either

* exit 0 with the undamaged input's result: every output exists, every HDF5
  output opens with h5py and its content digest matches a recomputation, and
  the output folder holds the same files as the same stage's run on the
  undamaged file, HDF5 files with the same datasets bit for bit, the others
  byte for byte (the damage touched nothing the stage uses; a stage that reads
  part of a file cannot notice damage elsewhere), or
* a non-zero exit with exactly one line on stderr (with --quiet),
  `ntk-<stage>: error: …`, nothing on stdout and nothing in the output folder.

A stage that exits 0 with another result than the undamaged input's accepted
damaged data: a failure.

Known libhdf5 bugs (LIBHDF5_BUGS): the cases on which the libhdf5 the stages
link, when it is 1.10.8 (Debian 12's), itself segfaults, loops for ever or
allocates without bound, before our code sees the data. The stages' read
watchdog (Sources/CWatchdog, docs/reliability.md) ends each with its own line,
which the case requires exactly: the crash line, or the line of no progress for
STALL_SECONDS, or that of more than STRUCTURE_MIB MiB while reading structure
(the limits the suite sets in the environment); with libhdf5 1.10.8 a watchdog
line on a case not listed fails too. One strict expected failure per bug
(test_libhdf5_bug) runs `h5dump -A`, libhdf5's own tool, on the damaged file:
it must fail as listed, so that a fixed libhdf5 is noticed. With another
libhdf5 these cases run as any other.

A case is `<kind>-<mutation>-<stage>`; the damaged file is made again by
`python Tests/faults/mutations.py <valid file> <kind> <mutation> <copy>`.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from faults_testing import LIBHDF5_BUGGY_VERSION, LIBHDF5_VERSION, note, verified_run
from mutations import MUTATIONS, mutate
from ntk_testing import (SPECTRUM_INPUTS, check_artifact, crashed, evaluate_command, features_command,
                         init_command, link_tree, report_command, run_command, same_datasets, spectrum_command,
                         sweep_report_command, theory_curve_command, train_command)

TIMEOUT = 20
# The trained baseline: its trained.h5 is ntk-spectrum's --trained input.
FUZZ_PARAMS = {"D": 7, "M": 40, "M_TEST": 200, "BASELINES": "trained"}
# The read watchdog's limits in the cases (NTK_HDF5_STALL_SECONDS, NTK_HDF5_STRUCTURE_MIB): the stages
# answer these small files in 0.05 s, in a few MiB.
STALL_SECONDS = 2
STRUCTURE_MIB = 64

# The artifact of each kind that is damaged, and the stages that read that kind.
SOURCES = {"truth": "truth.h5", "network": "W/network.h5", "features": "W/features.h5", "svm": "W/svm.h5",
           "eval": "W/eval.h5", "trained": "W/trained.h5"}
READERS = {
    "truth": ["features", "evaluate", "sweep-report", "spectrum", "theory-curve"],
    "network": ["features", "evaluate", "sweep-report", "spectrum", "theory-curve"],
    "features": ["train", "evaluate", "spectrum"],
    "svm": ["evaluate"],
    "eval": ["init", "report", "sweep-report"],
    "trained": ["spectrum"],
}
# What ntk-spectrum reads in a step folder (with --trained).
SPECTRUM_STEP_INPUTS = SPECTRUM_INPUTS + ["trained.h5"]
CASES = [(kind, mutation, stage) for kind in READERS for mutation in MUTATIONS for stage in READERS[kind]]


# --- libhdf5's own bugs ---------------------------------------------------------------------


# How libhdf5 fails on a damaged file.
SEGFAULT = "segfaults (SIGSEGV)"
HANG = "hangs (loops for ever)"
RUNAWAY = "allocates without bound"

# What libhdf5 1.10.8 gets wrong on the damaged copy of each (kind, mutation).
LIBHDF5_DEFECTS = {
    "heap-object-size": "in H5HG_read, a memcpy of a global-heap object whose stored size (2 GiB) exceeds its "
                        "collection, when an attribute string is read",
    "heap-free-space-size": "decoding a global-heap collection whose free-space object is 128 bytes short "
                            "(H5HG cache deserialize), when an attribute string is read",
    # The features file holds only the training rows (25 KB, mostly metadata):
    # one of the seeded flips (byte 3597) lands in a global-heap object's size.
    "flip-any-2": "in H5HG_read, a memcpy of the global-heap object holding /labels/train's content_digest, "
                  "whose stored size a seeded bit flip made 1 TiB, when ntk-train reads that attribute",
    "heap-free-list-cycle": "decoding a local heap whose free list points to itself (H5HL__fl_deserialize): a node "
                            "allocated per step, for ever, when a link of the root group is looked up",
}

# Exactly the cases on which libhdf5 1.10.8 crashes, hangs or allocates without
# bound, each observed, with `h5dump -A` failing the same way on the same damaged
# file. (HDF5 2.0, as bundled with h5py, refuses the files with an oversized heap
# object cleanly, and hangs on the short free space too.) features-flip-any-2-evaluate
# is not one: ntk-evaluate refuses that file before it reads the damaged string.
LIBHDF5_BUGS: dict[tuple[str, str, str], str] = {
    **{(kind, "heap-object-size", stage): SEGFAULT for kind in READERS for stage in READERS[kind]},
    **{(kind, "heap-free-space-size", stage): HANG for kind in READERS for stage in READERS[kind]},
    **{(kind, "heap-free-list-cycle", stage): RUNAWAY for kind in READERS for stage in READERS[kind]},
    ("features", "flip-any-2", "train"): SEGFAULT,
}
# The damaged truth file of each distinct bug, on which `h5dump -A` must fail as listed (test_libhdf5_bug).
LIBHDF5_BUG_MUTATIONS = {"heap-object-size": SEGFAULT, "heap-free-space-size": HANG, "heap-free-list-cycle": RUNAWAY}
# The watchdog's words for each failure: the problem, and what libhdf5 1.10.8 can do.
WATCHDOG_WORDS = {
    SEGFAULT: ("libhdf5 crashed reading it (SIGSEGV)", "crash"),
    HANG: (f"reading it made no progress for {STALL_SECONDS} s", "loop for ever"),
    RUNAWAY: (f"reading its structure took more than {STRUCTURE_MIB} MiB of memory", "allocate without bound"),
}
WATCHDOG_MARK = "the file looks damaged (libhdf5 1.10.8 can"
# `h5dump -A` on a damaged file: a hang is cut short, a runaway once it holds this much.
KNOWN_HANG_TIMEOUT = 2
RUNAWAY_BYTES = 256 << 20


class Libhdf5Bug(Exception):
    """`h5dump -A` failed on the damaged file as listed: the libhdf5 bug is still there."""


def known_bug(case: tuple[str, str, str]) -> str | None:
    """How libhdf5 fails on the case (SEGFAULT, HANG or RUNAWAY), if it is a known bug of the libhdf5 the stages
    link."""
    return LIBHDF5_BUGS.get(case) if LIBHDF5_VERSION == LIBHDF5_BUGGY_VERSION else None


def watchdog_line(stage: str, seen: Path, how: str) -> str:
    """The line with which the read watchdog ends `stage` on `seen` when libhdf5 fails as `how`."""
    problem, can = WATCHDOG_WORDS[how]
    return f"ntk-{stage}: error: {seen}: {problem}: {WATCHDOG_MARK} {can} on such files)"


@functools.cache
def h5dump_failure(path: Path, timeout: float) -> str | None:
    """How `h5dump -A` (libhdf5's own tool) fails on the file: SEGFAULT, HANG,
    RUNAWAY (its resident memory past RUNAWAY_BYTES, then killed), "crash
    (exit …)", or None when it survives."""
    try:
        process = subprocess.Popen(["h5dump", "-A", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        return "cannot be run (h5dump is not installed)"
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if time.monotonic() > deadline or resident_bytes(process.pid) > RUNAWAY_BYTES:
            how = HANG if time.monotonic() > deadline else RUNAWAY
            process.kill()
            process.wait()
            return how
        time.sleep(0.02)
    if process.returncode in (-signal.SIGSEGV, 128 + signal.SIGSEGV):
        return SEGFAULT
    if process.returncode < 0 or process.returncode >= 128:
        return f"crashes (exit status {process.returncode})"
    return None


def resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def h5dump_verdict(path: Path) -> str:
    """What libhdf5's own h5dump does with the file: tells a libhdf5 crash from the stage's."""
    how = h5dump_failure(path, 10)
    if how and how.startswith("cannot be run"):
        return f"h5dump {how}"
    if how:
        return f"h5dump -A {how} on it too (a libhdf5 bug)"
    return "h5dump -A survives it (libhdf5 reads the file: the crash or hang is the stage's)"


# --- the runs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_run(request):
    """The valid run, in a folder whose path has the same length in every
    session (paths are stored in the files: the same length gives the same
    layout, so a seeded bit flip hits the same structure again). Kept when a
    case failed, for its `reproduce:` line."""
    folder = Path(tempfile.mkdtemp(prefix="ntk-faults-fuzz-"))
    failed_before = request.session.testsfailed
    try:
        yield verified_run(folder / "run", FUZZ_PARAMS)
    finally:
        if request.session.testsfailed == failed_before:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            note(f"fuzz: the valid run and the damaged copies are kept in {folder} for reproduction")


@pytest.fixture(scope="module")
def damaged(fuzz_run):
    """kind → mutation → the damaged copy."""
    folder = fuzz_run.path.parent / "damaged"
    folder.mkdir()
    copies = {}
    for kind, rel in SOURCES.items():
        for mutation in MUTATIONS:
            copy = folder / f"{kind}-{mutation}.h5"
            copy.write_bytes(mutate(fuzz_run.path / rel, kind, mutation))
            copies.setdefault(kind, {})[mutation] = copy
    return copies


@pytest.fixture(scope="module")
def undamaged(fuzz_run):
    """(kind, stage) → the output folder of the stage run as in the cases of
    `kind`, on the undamaged file; each made when first needed."""
    folders: dict[tuple[str, str], Path] = {}

    def output(kind: str, stage: str) -> Path:
        if (kind, stage) not in folders:
            work = fuzz_run.path.parent / "undamaged" / f"{kind}-{stage}"
            work.mkdir(parents=True)
            out = work / "out"
            argv = command(stage, fuzz_run.path, kind, fuzz_run.path / SOURCES[kind], out, work)[0]
            result = run_command(argv, timeout=TIMEOUT, errors="replace")
            assert result.returncode == 0, f"{' '.join(argv)} on the undamaged files failed:\n{result.stderr}"
            folders[kind, stage] = out
        return folders[kind, stage]

    return output


def command(stage: str, run: Path, kind: str, copy: Path, out: Path, tmp: Path) -> tuple[list[str], list[Path], Path]:
    """The stage's command reading `copy` in place of the run's file of `kind`,
    its outputs, and the path under which the stage sees the damaged file."""
    files = {kind_: run / rel for kind_, rel in SOURCES.items()}
    files[kind] = copy
    if stage == "features":
        return (features_command(out / "features.h5", truth=files["truth"], network=files["network"], layer="W",
                                 quiet=True), [out / "features.h5"], copy)
    if stage == "evaluate":
        return (evaluate_command(out / "eval.h5", truth=files["truth"], network=files["network"],
                                 features=files["features"], svm=files["svm"], quiet=True), [out / "eval.h5"], copy)
    if stage == "train":
        return train_command(out / "svm.h5", features=files["features"], quiet=True), [out / "svm.h5"], copy
    if stage == "init":
        d = FUZZ_PARAMS["D"]
        return (init_command(out / "network.h5", dim=d, widths=f"{d},{d}", layer="V", seed=1, previous=files["eval"],
                             quiet=True), [out / "network.h5"], copy)
    if stage == "report":
        outputs = [out / "results.csv", out / "results.md"]
        return (report_command([files["eval"], run / "V/eval.h5", run / "u/eval.h5"], csv=outputs[0],
                               markdown=outputs[1]), outputs, copy)
    if stage == "spectrum":
        # Step W's folder inside the output folder, its inputs linked there (the damaged one
        # in place of the valid one): ntk-spectrum writes beside them.
        step = out / "W"
        step.mkdir(parents=True)
        for name in SPECTRUM_STEP_INPUTS:
            os.link(files[name.removesuffix(".h5")], step / name)
        outputs = [step / "spectrum.h5", step / "spectrum.csv", out / "alignment.csv", out / "alignment.md"]
        seen = step / f"{kind}.h5" if kind != "truth" else copy
        return (spectrum_command([step], truth=files["truth"], trained=True, alignment_csv=outputs[2],
                                 alignment_markdown=outputs[3], quiet=True), outputs, seen)
    if stage == "theory-curve":  # on 100 of the 200 test samples
        return (theory_curve_command(out / "theory.h5", truth=files["truth"], network=files["network"], layer="W",
                                     samples=100, quiet=True), [out / "theory.h5"], copy)
    if stage == "sweep-report":
        # A point folder: the run, with the damaged file in place of the valid one.
        point = tmp / "point"
        link_tree(run, point, skip={SOURCES[kind]})
        os.link(copy, point / SOURCES[kind])
        return (sweep_report_command([point], name="fuzz", output=out, quiet=True),
                [out / "results.csv", out / "summary.csv", out / "results.md"], point / SOURCES[kind])
    raise ValueError(stage)


def files_in(folder: Path) -> list[str]:
    """The files in an output folder, but for the inputs the spectrum's step folder holds there."""
    if not folder.exists():
        return []
    return sorted(str(q.relative_to(folder)) for q in folder.rglob("*")
                  if q.is_file() and not (q.name in SPECTRUM_STEP_INPUTS and q.parent != folder))


def differences(out: Path, reference: Path) -> list[str]:
    """How the outputs in `out` differ from those of the undamaged input in `reference`."""
    names, expected = files_in(out), files_in(reference)
    if names != expected:
        return [f"the outputs {names} differ from the undamaged input's {expected}"]
    problems = []
    for name in names:
        if name.endswith(".h5"):
            problems += same_datasets(out / name, reference / name)
        elif (out / name).read_bytes() != (reference / name).read_bytes():
            problems.append(f"{out / name} differs from the undamaged input's")
    return problems


def case_id(case) -> str:
    return "-".join(case)


@pytest.fixture(autouse=True)
def watchdog_limits(monkeypatch):
    """The read watchdog's limits for the stages of a case (not for the runs of the module's fixtures)."""
    monkeypatch.setenv("NTK_HDF5_STALL_SECONDS", str(STALL_SECONDS))
    monkeypatch.setenv("NTK_HDF5_STRUCTURE_MIB", str(STRUCTURE_MIB))


@pytest.mark.parametrize("kind, mutation, stage", [pytest.param(*case, id=case_id(case)) for case in CASES])
def test_damaged_input(kind, mutation, stage, fuzz_run, damaged, undamaged, tmp_path):
    copy = damaged[kind][mutation]
    out = tmp_path / "out"
    argv, outputs, seen = command(stage, fuzz_run.path, kind, copy, out, tmp_path)
    reproduce = (f"reproduce: python Tests/faults/mutations.py {fuzz_run.path / SOURCES[kind]} {kind} {mutation} "
                 f"{copy}; NTK_HDF5_STALL_SECONDS={STALL_SECONDS} NTK_HDF5_STRUCTURE_MIB={STRUCTURE_MIB} "
                 f"{' '.join(argv)}")
    expected = known_bug((kind, mutation, stage))
    listed = f"listed as libhdf5 {LIBHDF5_VERSION} {expected} in LIBHDF5_BUGS, but: " if expected else ""
    try:
        result = run_command(argv, timeout=TIMEOUT, errors="replace")
    except subprocess.TimeoutExpired:
        pytest.fail(f"{listed}no answer in {TIMEOUT} s (hang); {h5dump_verdict(copy)}\n{reproduce}")
    problems = []
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    why = crashed(result.returncode, result.stderr)
    if why:
        problems.append(f"crash: {why}; {h5dump_verdict(copy)}")
    elif result.returncode == 0:
        for output in outputs:
            if not output.exists():
                problems.append(f"exit 0 but no {output.name}")
            elif output.suffix == ".h5":
                problem = check_artifact(output)[1]
                if problem:
                    problems.append(f"exit 0 but an invalid output: {problem}")
        if not problems:
            problems += [f"exit 0 on damaged data with another result: {difference}"
                         for difference in differences(out, undamaged(kind, stage))]
    else:
        if len(lines) != 1:
            problems.append(f"expected exactly one line on stderr, got {len(lines)}")
        elif not lines[0].startswith(f"ntk-{stage}: error: "):
            problems.append(f"the line is not `ntk-{stage}: error: …`")
        elif str(seen) not in lines[0]:
            note(f"fuzz {case_id((kind, mutation, stage))}: the message does not name the damaged file: {lines[0]}")
        if result.stdout:
            problems.append("a failing stage printed on stdout")
        left = files_in(out)
        if left:
            problems.append(f"left in the output folder: {left}")
    if expected and not problems and lines != [watchdog_line(stage, seen, expected)]:
        problems.append(f"expected the watchdog's line {watchdog_line(stage, seen, expected)!r}: LIBHDF5_BUGS is out "
                        "of date, or the watchdog's line changed")
    if (not expected and LIBHDF5_VERSION == LIBHDF5_BUGGY_VERSION and len(lines) == 1
            and WATCHDOG_MARK in lines[0]):
        problems.append(f"the read watchdog ended the stage, but the case is not in LIBHDF5_BUGS: "
                        f"{h5dump_verdict(copy)}")
    stderr = "\n".join(result.stderr.splitlines()[:12])  # a crash report's first lines
    assert not problems, (listed + "\n".join(problems) + f"\n--- exit status {result.returncode}\n--- stderr\n"
                          f"{stderr}\n{reproduce}")


def bug_marks(mutation: str) -> list:
    how = LIBHDF5_BUG_MUTATIONS[mutation]
    reason = (f"libhdf5 {LIBHDF5_BUGGY_VERSION} {how} {LIBHDF5_DEFECTS[mutation]}; `h5dump -A` on the damaged file "
              f"too (the stages' read watchdog ends them with one line instead)")
    return [pytest.mark.xfail(strict=True, raises=Libhdf5Bug, reason=reason)]


@pytest.mark.parametrize("mutation", [pytest.param(m, marks=bug_marks(m)) for m in LIBHDF5_BUG_MUTATIONS])
def test_libhdf5_bug(mutation, damaged):
    """One strict expected failure per known libhdf5 bug: `h5dump -A` fails on the
    damaged truth file as listed. A pass means the bug is gone from the libhdf5
    installed: LIBHDF5_BUGS is then out of date."""
    if LIBHDF5_VERSION is None:  # the bug lists would silently not apply
        pytest.fail("cannot tell which libhdf5 the stages link (faults_testing.linked_libhdf5_version)")
    if LIBHDF5_VERSION != LIBHDF5_BUGGY_VERSION:
        pytest.skip(f"the stages link libhdf5 {LIBHDF5_VERSION}, not {LIBHDF5_BUGGY_VERSION}")
    copy = damaged["truth"][mutation]
    how = h5dump_failure(copy, KNOWN_HANG_TIMEOUT)
    if how == LIBHDF5_BUG_MUTATIONS[mutation]:
        raise Libhdf5Bug(f"`h5dump -A {copy}` {how}")
    note(f"fuzz: `h5dump -A` on the truth file damaged by {mutation}: {how or 'survives'}, not "
         f"{LIBHDF5_BUG_MUTATIONS[mutation]}: the libhdf5 bug looks fixed")
