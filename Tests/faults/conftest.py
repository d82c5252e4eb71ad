"""Fixtures of the fault-injection tests (Tests/faults, `make test-faults`).

The suite kills stages and `make` at arbitrary moments, fills the disk, runs
two `make`s at once, compares repeated runs and feeds damaged files to every
stage. Everything it writes goes to pytest's temporary folders.

Unlike Tests/pipeline, it runs a private copy of the stage binaries, taken at
the start of the session: the binaries in .build/release may be rebuilt by
someone else while the suite runs (a relink briefly removes them); the copy
keeps the suite on one consistent set of binaries: those present when it starts.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from faults_testing import KILL_PARAMS, NOTES, SMALL_PARAMS, THEORY_GOALS, THEORY_KILL_PARAMS, VerifiedRun, verified_run
from ntk_testing import SOURCE_BIN, STAGES, use_binaries


def pytest_terminal_summary(terminalreporter):
    if NOTES:
        terminalreporter.section("fault-injection notes")
        for line in NOTES:
            terminalreporter.write_line(line)


def _signature(paths: list[Path]) -> list[tuple[int, int]] | None:
    try:
        return [(s.st_mtime_ns, s.st_size) for s in (p.stat() for p in paths)]
    except FileNotFoundError:
        return None


def _wait_until_settled(paths: list[Path], timeout: float = 180) -> None:
    """Returns once every file exists and none changed for 3 s: a build in progress relinks them one by one."""
    deadline = time.time() + timeout
    while True:
        before = _signature(paths)
        if before and time.time() - max(mtime for mtime, _ in before) / 1e9 > 3:
            time.sleep(0.5)
            if _signature(paths) == before:
                return
        if time.time() > deadline:
            pytest.exit("stage binaries missing or still changing in .build/release: run `make build` first",
                        returncode=2)
        time.sleep(1)


@pytest.fixture(scope="session", autouse=True)
def binaries():
    """Copies .build/release/ntk-* into a folder whose path has the same length
    in every session (it is in the files' command_line attributes, and so in
    their layout), with the stamps make would write (`$(BIN)/%.sha256`), newer
    than the binaries: no `make` of the suite needs to write them."""
    sources = [SOURCE_BIN / f"ntk-{stage}" for stage in STAGES]
    _wait_until_settled(sources)
    folder = Path(tempfile.mkdtemp(prefix="ntk-faults-bin-"))
    for source in sources:
        shutil.copy2(source, folder / source.name)
    time.sleep(0.01)
    for source in sources:
        target = folder / source.name
        digest = subprocess.run(["sha256sum", str(target)], capture_output=True, text=True, check=True).stdout
        (folder / f"{source.name}.sha256").write_text(digest)
    use_binaries(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def kill_baseline(tmp_path_factory) -> VerifiedRun:
    return verified_run(tmp_path_factory.mktemp("kill-baseline") / "run", KILL_PARAMS)


@pytest.fixture(scope="session")
def theory_baseline(tmp_path_factory) -> VerifiedRun:
    """The kill baseline with K∞'s baseline and every step's theory curve (theory.h5)."""
    return verified_run(tmp_path_factory.mktemp("theory-baseline") / "run", THEORY_KILL_PARAMS, THEORY_GOALS)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> VerifiedRun:
    return verified_run(tmp_path_factory.mktemp("small") / "run", SMALL_PARAMS)


@pytest.fixture(scope="session")
def small_twin(tmp_path_factory) -> VerifiedRun:
    """The same pipeline as small_run, in another folder."""
    return verified_run(tmp_path_factory.mktemp("small-twin") / "another-run", SMALL_PARAMS)
