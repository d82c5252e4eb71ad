"""What every benchmark of bench/bench.py shares: where things are, how a command is
measured, summary statistics, the private copy of the binaries, the environment a
stage gets, the header of a report, and running the chosen benchmarks.

The machine is shared, so each measurement is taken so that no run pays for another
and each report says what was loaded and which binaries ran.
"""
import functools
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "bench"
BUILT = ROOT / ".build" / "release"
ENTRY = Path(__file__).resolve().parent / "bench.py"  # its --wrap times a stage where GNU time is missing
# The train, wide and throughput benchmarks run a private copy of the binaries, taken
# right after `make build`: others may rebuild .build/release while they run.
SNAPSHOT = "data/bench/bin"
BIN = ROOT / SNAPSHOT
# Every stage the Makefile builds (its STAGES), so that a run from the snapshot finds each one.
STAGE_NAMES = tuple(re.search(r"^STAGES := ((?:.*\\\n)*.*)$", (ROOT / "Makefile").read_text(), re.M)
                    .group(1).replace("\\\n", " ").split())
PEER_PY = ROOT / ".venv" / "bin" / "python"
GNU_TIME = "/usr/bin/time"
CORE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # unset for the numpy peer only


# --- measurement ---------------------------------------------------------------


def measure(cmd, env=None):
    """Run cmd from the repo root (stdout discarded); return wall s, CPU s, peak MB, stderr.

    os.wait4 gives the child's own rusage, which on Linux folds in the descendants it
    reaped: for `make` the peak is that of its largest stage. Dirty pages of earlier
    runs (a pipeline run writes ~1 GB) are flushed first, so no run pays for another."""
    os.sync()
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read().decode()}")
        err.seek(0)
        return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, err.read().decode()


def wrap(log, cmd):
    """LAUNCH fallback without GNU time: run cmd, append '%e %U %S %M %C' to log via wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, ru = os.wait4(proc.pid, 0)
    with open(log, "a") as f:
        f.write(f"{time.perf_counter() - t0:.3f} {ru.ru_utime:.2f} {ru.ru_stime:.2f} "
                f"{ru.ru_maxrss} {' '.join(cmd)}\n")
    return os.waitstatus_to_exitcode(status)


def launch_prefix(log):
    """A LAUNCH prefix that times every stage into log, and how it does."""
    if os.access(GNU_TIME, os.X_OK):
        return f"{GNU_TIME} -f '%e %U %S %M %C' -o {log} --append", "GNU time"
    return f"{sys.executable} {ENTRY} --wrap {log}", "os.wait4"


def timed_stages(log, run):
    """Rows (stage, step, wall, user, sys, peak MB) of a GNU time / --wrap log."""
    rows = []
    for line in log.read_text().splitlines():
        m = re.match(r"([\d.]+) ([\d.]+) ([\d.]+) (\d+) \S*ntk-([\w-]+)(.*)", line)
        if not m:
            continue  # e.g. GNU time's "Command exited with non-zero status"
        out = re.search(r" (?:-o |--output[= ])(\S+)", m[6])
        step = "all" if not out else Path(out[1]).parent.name if Path(out[1]).parent != Path(run) else "-"
        rows.append((m[5], step, float(m[1]), float(m[2]), float(m[3]), int(m[4]) / 1024))
    return rows


# --- statistics and units --------------------------------------------------------


def med(xs):
    return statistics.median(xs)


def stats(xs):
    return f"median {statistics.median(xs):7.3f} s   min {min(xs):7.3f} s"


def mb(n_bytes):
    return f"{n_bytes / 1e6:,.0f} MB"


def gb(n_bytes):
    return f"{n_bytes / 1e9:,.2f} GB"


# --- the binaries ----------------------------------------------------------------


def take_snapshot():
    """Copy the freshly built binaries to SNAPSHOT (stamps are remade there by make)."""
    shutil.rmtree(BIN, ignore_errors=True)
    BIN.mkdir(parents=True)
    for s in STAGE_NAMES:
        if (BUILT / f"ntk-{s}").exists():
            shutil.copy2(BUILT / f"ntk-{s}", BIN / f"ntk-{s}")


def snapshot_make_args():
    """make arguments that run the stages from the snapshot, never rebuilding it."""
    return [f"BIN={SNAPSHOT}"] + [f"--assume-old={SNAPSHOT}/ntk-{s}" for s in STAGE_NAMES
                                  if (BIN / f"ntk-{s}").exists()]


def digests(folder, stages=STAGE_NAMES):
    """Short SHA-256 of each binary in folder."""
    out = {}
    for s in stages:
        f = folder / f"ntk-{s}"
        if f.exists():
            out[s] = hashlib.sha256(f.read_bytes()).hexdigest()[:12]
    return out


def binaries_line(used):
    """Which binaries a benchmark ran, and whether .build/release moved on meanwhile."""
    text = "binaries: private copy in " + SNAPSHOT + " of .build/release after `make build` ("
    text += ", ".join(f"ntk-{s} {d}" for s, d in used.items()) + ")"
    now = digests(BUILT, used)
    changed = [s for s in used if now.get(s) != used[s]]
    if changed:
        text += f"; NOTE .build/release was rebuilt by someone since (now differs for {', '.join(changed)})"
    return text


def make_quiet(*args):
    """`make -s` on the snapshot binaries (no rebuild); returns wall seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(["make", "-s", *snapshot_make_args(), *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode:
        sys.exit(f"make {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return time.perf_counter() - t0


# --- environments ----------------------------------------------------------------


@functools.cache
def make_env():
    """The OPENBLAS_* variables the Makefile exports to its stages (asked of make itself)."""
    out = subprocess.run(["make", "-s", "--eval=bench-env: ; @env | grep '^OPENBLAS_' || true", "bench-env"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


def stage_env():
    """The environment a stage gets under make: this one plus the Makefile's exports."""
    return {**os.environ, **make_env()}


def peer_env():
    """The peer's environment: no OpenBLAS core named for our stages, and no OPENBLAS_NUM_THREADS that only the
    Makefile's default set (the peers use their libraries' default threads)."""
    from_makefile = os.environ.get("OPENBLAS_NUM_THREADS_ORIGIN") == "file"
    return {k: v for k, v in os.environ.items()
            if k not in CORE_VARS and not (from_makefile and k == "OPENBLAS_NUM_THREADS")}


# --- a report's header -------------------------------------------------------------

SHARED_NOTE = ("shared machine: other engineers compile here, so every number is noisy; "
               "load average (1/5/15 min) is printed at the start and end of each benchmark")


def load_line(start, end):
    fmt = lambda l: "/".join(f"{v:.2f}" for v in l)
    return f"load average: {fmt(start)} at start, {fmt(end)} at end ({os.cpu_count()} cores; {SHARED_NOTE})"


def commit():
    return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()


def cpu_model():
    return next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")


def head_lines(title, load0):
    return [f"ntk benchmark: {title}  {time.strftime('%Y-%m-%d %H:%M:%S')}  commit {commit()}",
            f"machine: {os.cpu_count()} cores, {cpu_model()}",
            load_line(load0, os.getloadavg())]


# --- running the chosen benchmarks ----------------------------------------------------


def prepare(chosen):
    """Build, check the peer's python, and copy the binaries for the benchmarks that run the copy."""
    OUT.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["make", "-s", "build"], cwd=ROOT, stdout=sys.stderr).returncode:
        sys.exit("bench: `make build` failed; the pipeline's binaries are needed")
    if not PEER_PY.exists():
        sys.exit(f"no {PEER_PY}: run `make .venv/.installed` first")
    if set(chosen) - {"default"}:
        take_snapshot()


def report_of(name, benchmark, args):
    """(report, failed): a failed benchmark gives a report saying so, and does not lose the others."""
    try:
        return benchmark(args), False
    except SystemExit as e:  # measure() and make_quiet() exit on a failed command
        return f"ntk benchmark: {name}  {time.strftime('%Y-%m-%d %H:%M:%S')}  FAILED: {e.code}\n", True
    except Exception:  # a bug in one benchmark should not lose the others
        return (f"ntk benchmark: {name}  {time.strftime('%Y-%m-%d %H:%M:%S')}  FAILED:\n"
                + traceback.format_exc()), True


def run_all(benchmarks, chosen, args):
    """Each chosen benchmark's report, printed and appended to data/bench/latest.txt as it ends."""
    prepare(chosen)
    failed = []
    for i, name in enumerate(chosen):
        report, fail = report_of(name, benchmarks[name], args)
        if fail:
            failed.append(name)
        print(("\n" if i else "") + report, end="", flush=True)
        with open(OUT / "latest.txt", "a") as f:
            f.write(report + "\n")
    shutil.rmtree(BIN, ignore_errors=True)
    if failed:
        sys.exit(f"bench: failed: {', '.join(failed)}")
