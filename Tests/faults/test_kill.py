"""1. Killed at any moment.

A stage (or the whole `make`) is SIGKILLed at several points of its run —
0 %, 25 %, 50 % and 90 % of its measured undisturbed duration — and `make`
is run again. Then:

* the pipeline completes, and results.csv is identical to an undisturbed run's;
* every file with a final name opens with h5py, its content digest matches a
  recomputation and equals the undisturbed run's (nothing partial survives);
* no temporary file remains: those of the killed process are removed by the
  next writer of the same file.

A SIGKILL cannot be caught, so this is also what a power cut, the OOM killer
or a Slurm time limit leaves behind. The killed stage is the second step's (V)
for init, features, train, evaluate and the theory curve, so that the rerun
stays short. ntk-spectrum runs once for every step (W and V here) and writes
six files (each step's spectrum.h5 and spectrum.csv, the alignment table):
all of them are redone. The theory curve (`make theory-curves`, which needs
BASELINES=infinite) is killed in a run of its own (theory_baseline).

A kill timed as a fraction of a run may land before the stage has started or
after it has finished: init and report take a few milliseconds, mostly the
start of the process, and only truth and features write long enough to be
caught writing by a timed kill. The theory curve computes for about 0.5 s
(THEORY_SAMPLES = 1500) before it writes at once: a timed kill must land while
it works. ntk-spectrum computes for a few milliseconds at M = 60 and writes
at the end: as init and report, only its exact kill points are certain. Each timed kill therefore records whether it
landed while the stage was working (alive, and holding a file of its run
open: past parsing its options and opening its inputs), and the notes list
them. What makes every stage's case certain is the exact kill points: under
strace's fault injection, each stage is SIGKILLed at its first write to a file
(its temporary, begun) and at the rename of each output (the temporary
complete, not yet in place; for the report, also with results.md in place and
results.csv not; for the spectrum, at each of its six renames, so with every
prefix of its outputs in place) — while it works, however short its run —
then `make` again. The outputs in place after such a kill must be exactly
those renamed before it, each equal to the undisturbed run's (none, or a
consistent part of the set, never a partial file), and `make` must redo
the rest.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from faults_testing import KILL_PARAMS, SMALL_PARAMS, compare_with, note
from ntk_testing import (PIPELINE_STAGES, REPO, STEPS, clean_env, final_files, link_tree, make, make_command,
                         run_command, same_datasets, spectrum_outputs, stage_command, temporaries)

STEP = "V"
# Every stage of a run: the pipeline's, the spectrum (of the default goal) and the theory curve.
KILL_STAGES = PIPELINE_STAGES + ["spectrum", "theory-curve"]
SPECTRUM_OUTPUTS = spectrum_outputs(KILL_PARAMS["LAYERS"].split())
FRACTIONS = [0.0, 0.25, 0.5, 0.65, 0.8, 0.9]
# What a stage writes and everything made from it (removed before the kill,
# as after a first run killed there).
_after = {
    "init": ["V/network.h5", "V/features.h5", "V/svm.h5", "V/eval.h5"],
    "features": ["V/features.h5", "V/svm.h5", "V/eval.h5"],
    "train": ["V/svm.h5", "V/eval.h5"],
    "evaluate": ["V/eval.h5"],
    "report": [],
    "spectrum": SPECTRUM_OUTPUTS,
    "theory-curve": ["V/theory.h5"],
}
REPORT = ["results.csv", "results.md"]
# Stages that write their artifact while computing it (streaming): a kill in
# the middle of their run must find a temporary file.
STREAMING = ["truth", "features"]
# Stages that compute long enough, before they write, for a timed kill to land while they work.
LONG = STREAMING + ["theory-curve"]


def baseline_of(stage: str, kill_baseline, theory_baseline):
    """The undisturbed run a stage is killed in: the theory curve needs BASELINES=infinite."""
    return theory_baseline if stage == "theory-curve" else kill_baseline


def downstream(stage: str, baseline) -> set[str]:
    if stage == "truth":
        return set(final_files(baseline.path))
    if stage in ("spectrum", "theory-curve"):  # nothing is made from them
        return set(_after[stage])
    return set(_after[stage] + REPORT)


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                members.append(int(entry))
    return members


def start_group(command: list[str]) -> subprocess.Popen:
    """Starts `command` as the leader of a process group, so that one kill reaches the stages make starts too."""
    return subprocess.Popen(command, cwd=REPO, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def working(pid: int, run: Path) -> bool:
    """Whether process `pid` is at work on `run`: alive (not a zombie) and holding one
    of the run's files open (its inputs or its temporary: past its start-up)."""
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(f"{run}/") for link in links)


def kill_group(process: subprocess.Popen, delay: float, run: Path | None = None) -> bool:
    """SIGKILLs the process group after `delay` s, and waits until every
    member is gone. Members whose parent was killed too (a stage under a
    killed make) are orphans, reaped by init — here up to a second or two
    later; until then they are zombies, which kill(pid, 0) cannot tell from
    live processes (that case has a test of its own below). Returns whether
    the group's leader was at work on `run` just before the kill."""
    time.sleep(delay)
    members = group_members(process.pid)
    busy = run is not None and working(process.pid, run)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in members) and time.monotonic() < deadline:
        time.sleep(0.02)
    return busy


@pytest.fixture(scope="module")
def durations(kill_baseline, theory_baseline, tmp_path_factory) -> dict[str, float]:
    """Each stage's undisturbed duration (the shorter of two runs)."""
    times = {}
    for stage in KILL_STAGES:
        baseline = baseline_of(stage, kill_baseline, theory_baseline)
        best = float("inf")
        for attempt in range(2):
            run = tmp_path_factory.mktemp(f"measure-{stage}") / "run"
            link_tree(baseline.path, run, skip=downstream(stage, baseline))
            start = time.monotonic()
            run_command(stage_command(stage, run, baseline.params, STEP), check=True)
            best = min(best, time.monotonic() - start)
        times[stage] = best
    note("undisturbed stage durations (s): " + ", ".join(f"{s} {t:.3f}" for s, t in times.items()))
    return times


def measured(stage: str, baseline, folder: Path) -> float:
    """The stage's undisturbed duration now (the load changes while the suite runs)."""
    run = folder / "run"
    link_tree(baseline.path, run, skip=downstream(stage, baseline))
    start = time.monotonic()
    run_command(stage_command(stage, run, baseline.params, STEP), check=True)
    return time.monotonic() - start


@pytest.mark.parametrize("stage", KILL_STAGES)
def test_stage_killed_then_make(stage, kill_baseline, theory_baseline, durations, tmp_path):
    kill_baseline = baseline_of(stage, kill_baseline, theory_baseline)
    problems, mid_write, mid_work = [], [], []
    host = socket.gethostname()
    duration = durations[stage]
    # A second round, on the duration measured again, when the first missed the stage at work:
    # on a shared machine its duration may have changed since the fixture measured it.
    for round_ in (1, 2):
        if round_ == 2:
            if (stage not in LONG or mid_work) and (stage not in STREAMING or mid_write):
                break
            duration = measured(stage, kill_baseline, tmp_path / "measure")
        for fraction in FRACTIONS:
            run = tmp_path / f"round-{round_}" / f"killed-at-{round(fraction * 100)}" / "run"
            link_tree(kill_baseline.path, run, skip=downstream(stage, kill_baseline))
            command = stage_command(stage, run, kill_baseline.params, STEP)
            process = start_group(command)
            if kill_group(process, fraction * duration, run):
                mid_work.append(f"{round(fraction * 100)} %")
            left = temporaries(run)
            if left:
                mid_write.append(f"{round(fraction * 100)} %: {left}")
                # The documented temporary name: .<name>.<host>.<pid>.<tag>.tmp
                for name in left:
                    if name.endswith(".tmp") and not re.fullmatch(
                            rf"\.[^/]+\.{re.escape(host)}\.{process.pid}\.[0-9a-z]+\.tmp", Path(name).name):
                        problems.append(f"killed at {fraction:.0%}: temporary {name} is not named "
                                        f".<name>.{host}.{process.pid}.<tag>.tmp")
            problems += rerun_and_compare(run, fraction, kill_baseline)
    note(f"kill {stage} (of {duration:.3f} s): landed while it worked at {', '.join(mid_work) or 'none'}; "
         + "temporaries left by the kill: " + ("; ".join(mid_write) or "none"))
    if stage in LONG and not mid_work:
        problems.append(f"no kill landed while {stage} was working: raise M_TEST (THEORY_SAMPLES) so that the test "
                        "tests something")
    if stage in STREAMING and not mid_write:
        problems.append(f"no kill landed while {stage} was writing (no temporary after any kill): "
                        "raise M_TEST so that the test tests something")
    assert not problems, "\n".join(problems)


def rerun_and_compare(run: Path, fraction: float, baseline, where: str | None = None) -> list[str]:
    """After a kill at `fraction` (or at `where`): `make` again must finish with the undisturbed results."""
    where = where or f"killed at {fraction:.0%}"
    result = make(run, baseline.params, baseline.goals, check=False)
    if result.returncode != 0:
        return [f"{where}: the next make failed ({result.returncode}): {result.stderr.strip()[-2000:]}"]
    return [f"{where}: {problem}" for problem in compare_with(run, baseline)]


# --- exact kill points: strace's fault injection ------------------------------------------

# Each stage's outputs, in the order it renames them into place.
OUTPUTS = {"truth": ["truth.h5"], "init": [f"{STEP}/network.h5"], "features": [f"{STEP}/features.h5"],
           "train": [f"{STEP}/svm.h5"], "evaluate": [f"{STEP}/eval.h5"],
           "report": ["results.md", "results.csv"], "spectrum": SPECTRUM_OUTPUTS, "theory-curve": [f"{STEP}/theory.h5"]}
# The system call that first writes a stage's output: HDF5 writes with pwrite64, the text tables with
# write (the spectrum writes each step's spectrum.csv before its spectrum.h5).
WRITE_CALL = {stage: "write" if stage in ("report", "spectrum") else "pwrite64" for stage in KILL_STAGES}


# A stage's first write(2) names the read watchdog's thread (Sources/CWatchdog): the output's is the second.
FIRST_OUTPUT_WRITE = {"write": 2, "pwrite64": 1}


def kill_points(stage: str) -> list[tuple[str, str, int]]:
    """(name, system call, its occurrence at whose entry the stage is killed). Each output is renamed into
    place, then its digest sidecar: output k's rename is rename 2k + 1."""
    points = [("first write", WRITE_CALL[stage], FIRST_OUTPUT_WRITE[WRITE_CALL[stage]])]
    return points + [(f"rename {k + 1} ({OUTPUTS[stage][k]})", "rename", 2 * k + 1) for k in range(len(OUTPUTS[stage]))]


@pytest.fixture(scope="module")
def strace() -> str:
    found = shutil.which("strace")
    if not found:
        if os.environ.get("NTK_CI"):
            pytest.fail("strace is missing in CI (scripts/install-system-deps.sh installs it)")
        pytest.skip("strace is not installed (scripts/install-system-deps.sh installs it): no exact kill points")
    return found


@pytest.mark.parametrize("stage", KILL_STAGES)
def test_stage_killed_at_an_exact_point_then_make(stage, kill_baseline, theory_baseline, strace, tmp_path):
    """SIGKILL delivered by strace at the entry of a system call: at the first write of
    the output (its temporary begun) and at each rename (the temporary complete, not yet
    in place). The kill lands while the stage works, whatever its duration. What is in
    place after it is exactly what was renamed before, each file the undisturbed run's."""
    kill_baseline = baseline_of(stage, kill_baseline, theory_baseline)
    problems = []
    for name, call, occurrence in kill_points(stage):
        run = tmp_path / name.split(" (")[0].replace(" ", "-") / "run"
        link_tree(kill_baseline.path, run, skip=downstream(stage, kill_baseline))
        before = set(final_files(run))
        command = [strace, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={call}",
                   "-e", f"inject={call}:signal=SIGKILL:when={occurrence}",
                   *stage_command(stage, run, kill_baseline.params, STEP, quiet=True)]
        result = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=300)
        # strace ends as its tracee did: killed by SIGKILL (or exit status 128 + SIGKILL).
        if result.returncode not in (-signal.SIGKILL, 128 + signal.SIGKILL):
            problems.append(f"{name}: not killed there (exit status {result.returncode}): {result.stderr.strip()}")
            continue
        # The state it was killed in: its temporary begun, and only the outputs renamed before in place.
        renamed = set(OUTPUTS[stage][:(occurrence - 1) // 2]) if call == "rename" else set()
        made = set(final_files(run)) - before
        if made != renamed:
            problems.append(f"{name}: outputs in place after the kill: {sorted(made)}, expected {sorted(renamed)}")
        for rel in sorted(made):  # complete, and the undisturbed run's: a consistent part of the set
            if rel.endswith(".h5"):
                problems += [f"{name}: {problem}" for problem in same_datasets(run / rel, kill_baseline.path / rel)]
            elif (run / rel).read_bytes() != (kill_baseline.path / rel).read_bytes():
                problems.append(f"{name}: {rel} in place after the kill differs from the undisturbed run's")
        if not temporaries(run):
            problems.append(f"{name}: no temporary after the kill: the stage had not begun its output")
        problems += rerun_and_compare(run, 0, kill_baseline, name)
    assert not problems, "\n".join(problems)


def test_spectrum_killed_among_stale_outputs_then_make(kill_baseline, strace, tmp_path):
    """A spectrum rerun (its inputs changed) killed after its first renames: the
    alignment table is new, the steps' files are the last run's, stale. make must
    redo them all, not take the new alignment table for the whole set."""
    run = tmp_path / "run"
    link_tree(kill_baseline.path, run, skip=set(SPECTRUM_OUTPUTS))
    newest = max((run / rel).stat().st_mtime for rel in final_files(run))
    for rel in SPECTRUM_OUTPUTS:  # the last run's outputs, older than their inputs (copies: links share mtimes)
        shutil.copyfile(kill_baseline.path / rel, run / rel)
        os.utime(run / rel, (newest - 3600, newest - 3600))
    # Made from other inputs: the stamp records another content of W/network.h5 (a new file, not the link's).
    stamp = run / "W" / ".spectrum.h5.cmd"
    text = stamp.read_text()
    stamp.unlink()
    stamp.write_text(re.sub(r"(ROOT/W/network\.h5) \S+", r"\1 " + "0" * 32, text))
    point = 2 * SPECTRUM_OUTPUTS.index("V/spectrum.h5") + 1   # after the alignment table and its sidecars
    command = [strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename",
               "-e", f"inject=rename:signal=SIGKILL:when={point}",
               *stage_command("spectrum", run, kill_baseline.params, quiet=True)]
    result = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), result.stderr
    inodes = {rel: (run / rel).stat().st_ino for rel in SPECTRUM_OUTPUTS}
    problems = rerun_and_compare(run, 0, kill_baseline, "killed at the third rename among stale outputs")
    problems += [f"{rel}: not rewritten by the next make" for rel in SPECTRUM_OUTPUTS
                 if (run / rel).stat().st_ino == inodes[rel]]
    assert not problems, "\n".join(problems)


MAKE_FRACTIONS = [0.05, 0.2, 0.4, 0.6, 0.8, 0.95]


def test_make_killed_then_make(kill_baseline, tmp_path):
    """`make` and the stage it runs, killed together (the whole process group)."""
    problems, mid_write = [], []
    for fraction in MAKE_FRACTIONS:
        run = tmp_path / f"killed-at-{round(fraction * 100)}" / "run"
        process = start_group(make_command(run, KILL_PARAMS))
        kill_group(process, fraction * kill_baseline.duration)
        left = temporaries(run)
        if left:
            mid_write.append(f"{round(fraction * 100)} %: {left}")
        problems += rerun_and_compare(run, fraction, kill_baseline)
    note(f"kill make (of {kill_baseline.duration:.3f} s): temporaries left by the kill: "
         + ("; ".join(mid_write) or "none"))
    assert not problems, "\n".join(problems)


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_temporary_of_a_zombie_removed_by_next_writer(tmp_path):
    """A process killed while its parent is gone or busy stays a zombie until
    it is reaped — for ever in a container whose init does not reap. It can
    write nothing, so its temporary must go like any dead process's; kill(pid,
    0) succeeds on a zombie, so checking only that keeps it."""
    zombie = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + 5
        while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.01)
        run = tmp_path / "run"
        run.mkdir()
        stale = run / f".truth.h5.{socket.gethostname()}.{zombie.pid}.z0mb13.tmp"
        stale.write_bytes(b"partial")
        result = run_command(stage_command("truth", run, SMALL_PARAMS))
        assert result.returncode == 0, result.stderr
        assert not stale.exists(), f"{stale.name}: the temporary of a dead (zombie) process was kept"
    finally:
        zombie.wait()


def test_stale_temporaries_removed_by_next_writer(tmp_path):
    """Deterministically, what a kill can leave: for every output of a run, a
    temporary of a dead process of this host (must go), of a live process
    (must stay: it is still writing) and of another host (must stay: its
    process cannot be checked from here). Every output, the report's CSV and
    Markdown included, is written under the documented name
    .<name>.<host>.<pid>.<tag>.tmp."""
    run = tmp_path / "run"
    outputs = ["truth.h5"] + [f"{s}/{n}.h5" for s in STEPS for n in ("network", "features", "svm", "eval")] + REPORT
    host, dead, live = socket.gethostname(), dead_pid(), os.getpid()
    must_go, must_stay = [], []
    for rel in outputs:
        folder, name = (run / rel).parent, Path(rel).name
        folder.mkdir(parents=True, exist_ok=True)
        must_go.append(folder / f".{name}.{host}.{dead}.k1ll3d.tmp")
        must_stay.append(folder / f".{name}.{host}.{live}.l1v3.tmp")
        must_stay.append(folder / f".{name}.some-other-host.{dead}.0ther.tmp")
    for path in must_go + must_stay:
        path.write_bytes(b"partial")
    make(run, SMALL_PARAMS)
    problems = [f"{q.relative_to(run)}: a dead process's temporary was not removed by the next writer"
                for q in must_go if q.exists()]
    problems += [f"{q.relative_to(run)}: removed although its process may still be writing"
                 for q in must_stay if not q.exists()]
    assert not problems, "\n".join(problems)
