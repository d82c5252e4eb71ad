"""7. The read watchdog on ntk-import, the stage that reads users' own HDF5 files.

A small data set (200 × 6 inputs X, labels y) written by h5py, damaged as a
download can be (mutations.py), on which libhdf5 1.10.8 itself fails:

* the root group's local heap with a free list in a cycle: libhdf5 grew the
  stage to 9 GB in 30 s, without a line. Now: the line of more than 1024 MiB
  (the default bound) while reading structure, and the peak stays near it; under
  an address-space limit below it, the line that libhdf5 ran out of memory, not
  that the present dataset /X is missing;
* the labels as variable-length strings, their global heap's free space short
  (libhdf5 loops for ever) or an object's size 2 GiB (it segfaults): the line of
  no progress (the time it is stopped by SIGSTOP not counted), the crash line.

Each time one line, exit 1, nothing on stdout, nothing in the output folder.
A healthy file's elements are not bounded: an import reading 16 MB of inputs
passes under a bound of 8 MiB on structure.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from faults_testing import LIBHDF5_BUGGY_VERSION, LIBHDF5_VERSION
from mutations import mutate
from ntk_testing import REPO, binary, clean_env

pytestmark = pytest.mark.skipif(LIBHDF5_VERSION != LIBHDF5_BUGGY_VERSION,
                                reason=f"the damage is to libhdf5 {LIBHDF5_BUGGY_VERSION}'s bugs; the stages link "
                                       f"{LIBHDF5_VERSION}")

DAMAGED = "the file looks damaged (libhdf5 1.10.8 can"


def data_set(path: Path, *, samples: int = 200, dimension: int = 6, string_labels: bool = False) -> Path:
    x = np.random.RandomState(0).randn(samples, dimension)
    labels = (x[:, 0] > 0).astype(np.int64)
    with h5py.File(path, "w") as f:
        f["X"] = x
        f["y"] = labels.astype(str).astype(object) if string_labels else labels
    return path


def damaged(folder: Path, mutation: str, **shape) -> Path:
    source = data_set(folder / "source.h5", **shape)
    copy = folder / f"{mutation}.h5"
    copy.write_bytes(mutate(source, "data", mutation))
    return copy


def import_command(data: Path, out: Path) -> list[str]:
    return [str(binary("import")), "--data", str(data), "--positive", "1", "--negative", "0", "--quiet",
            "-o", str(out / "truth.h5")]


def run_import(data: Path, out: Path, environment: dict[str, str] | None = None,
               address_space: int | None = None, timeout: float = 60) -> tuple[subprocess.CompletedProcess, int]:
    """ntk-import of `data` into out/truth.h5 (killed after `timeout`): its result and its peak resident size
    in bytes (its own rusage: the process is reaped here)."""
    argv = import_command(data, out)
    limit = (lambda: resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))) if address_space else None
    process = subprocess.Popen(argv, cwd=REPO, env={**clean_env(), **(environment or {})}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)  # its lines are short: the pipes cannot fill
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    result = subprocess.CompletedProcess(argv, process.returncode, process.stdout.read(), process.stderr.read())
    process.stdout.close()
    process.stderr.close()
    return result, usage.ru_maxrss * 1024


def assert_refused(result: subprocess.CompletedProcess, out: Path, line: str) -> None:
    assert (result.returncode, result.stderr, result.stdout) == (1, line + "\n", ""), result.stderr
    assert not out.exists() or not list(out.iterdir()), list(out.iterdir())


def test_runaway_stopped_near_the_bound(tmp_path):
    data = damaged(tmp_path, "heap-free-list-cycle")
    # Under a 3 GiB address space, so that a stage without the bound cannot take the machine.
    result, peak = run_import(data, tmp_path / "out", address_space=3 << 30)
    assert_refused(result, tmp_path / "out", f"ntk-import: error: {data}: reading its structure took more than 1024 "
                                             f"MiB of memory: {DAMAGED} allocate without bound on such files)")
    assert peak < 1.25 * 2**30, f"peak resident size {peak / 2**30:.2f} GiB"


def test_out_of_memory_is_not_missing(tmp_path):
    data = damaged(tmp_path, "heap-free-list-cycle")
    result, _ = run_import(data, tmp_path / "out", {"NTK_HDF5_STRUCTURE_MIB": "100000"}, address_space=600 << 20)
    assert_refused(result, tmp_path / "out", f"ntk-import: error: {data}: /X: libhdf5 ran out of memory reading it "
                                             "(a damaged file, or too little memory for the stage)")


def test_loop_stopped(tmp_path):
    data = damaged(tmp_path, "heap-free-space-size", string_labels=True)
    result, _ = run_import(data, tmp_path / "out", {"NTK_HDF5_STALL_SECONDS": "1.5"})
    assert_refused(result, tmp_path / "out", f"ntk-import: error: {data}: reading it made no progress for 1.5 s: "
                                             f"{DAMAGED} loop for ever on such files)")


def test_stopped_time_not_counted(tmp_path):
    """Stopped (SIGSTOP) for 4 s in the loop: its 3 s without progress count from SIGCONT, not from before."""
    data = damaged(tmp_path, "heap-free-space-size", string_labels=True)
    argv = import_command(data, tmp_path / "out")
    start = time.monotonic()
    process = subprocess.Popen(argv, cwd=REPO, env={**clean_env(), "NTK_HDF5_STALL_SECONDS": "3"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    process.send_signal(signal.SIGSTOP)
    time.sleep(4)
    process.send_signal(signal.SIGCONT)
    stdout, stderr = process.communicate(timeout=60)
    elapsed = time.monotonic() - start
    assert_refused(subprocess.CompletedProcess(argv, process.returncode, stdout, stderr), tmp_path / "out",
                   f"ntk-import: error: {data}: reading it made no progress for 3 s: {DAMAGED} loop for ever on such "
                   "files)")
    assert elapsed > 6.5, f"ended {elapsed:.1f} s after its start: the stopped time counted"


def test_crash_named(tmp_path):
    data = damaged(tmp_path, "heap-object-size", string_labels=True)
    result, _ = run_import(data, tmp_path / "out")
    assert_refused(result, tmp_path / "out", f"ntk-import: error: {data}: libhdf5 crashed reading it (SIGSEGV): "
                                             f"{DAMAGED} crash on such files)")


def test_elements_not_bounded(tmp_path):
    data = data_set(tmp_path / "large.h5", samples=40000, dimension=50)
    result, _ = run_import(data, tmp_path / "out", {"NTK_HDF5_STRUCTURE_MIB": "8", "NTK_HDF5_STALL_SECONDS": "5"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "truth.h5").exists()


@pytest.mark.parametrize("variable, value", [("NTK_HDF5_STALL_SECONDS", "soon"), ("NTK_HDF5_STRUCTURE_MIB", "0")])
def test_bad_limit_refused(variable, value, tmp_path):
    result, _ = run_import(data_set(tmp_path / "data.h5"), tmp_path / "out", {variable: value})
    assert_refused(result, tmp_path / "out", f"ntk-import: error: {variable}: must be a positive number, got '{value}'")
