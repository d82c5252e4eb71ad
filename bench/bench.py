#!/usr/bin/env python3
"""Benchmark the Swift pipeline (`make`, default experiment) against its numpy peer.

Times the whole pipeline (binaries already built, a fresh run folder each time) and
bench/reference.py, interleaved; then profiles each stage once (wall time, max RSS)
and times the pipeline once more with OPENBLAS_NUM_THREADS=2. The report goes to
stdout and to data/bench/latest.txt.
"""
import argparse
import ctypes
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "bench"
PEER_PY = ROOT / ".venv" / "bin" / "python"
GNU_TIME = "/usr/bin/time"
CORE_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")  # unset for the numpy peer only
# Never rebuild a stage inside a timed run, even if Sources/ changes meanwhile.
FROZEN = [f"--assume-old=.build/release/ntk-{s}"
          for s in ("truth", "init", "features", "train", "evaluate", "report")]


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


def pipeline(extra_env=None, launch=None):
    """One `make -s` run of the default pipeline in a fresh run folder under data/bench;
    returns measure()'s numbers, the folder and the bytes the run wrote there."""
    run = tempfile.mkdtemp(prefix="run-", dir=OUT)
    try:
        cmd = ["make", "-s", f"RUN={run}", *FROZEN] + ([f"LAUNCH={launch}"] if launch else [])
        result = measure(cmd, {**os.environ, **(extra_env or {})})
        size = sum(f.stat().st_size for f in Path(run).rglob("*") if f.is_file())
        return result + (run, size)
    finally:
        shutil.rmtree(run, ignore_errors=True)


def peer_env():
    return {k: v for k, v in os.environ.items() if k not in CORE_VARS}


def peer():
    return measure([str(PEER_PY), "bench/reference.py"], peer_env())


def wrap(log, cmd):
    """LAUNCH fallback without GNU time: run cmd, append '%e %U %S %M %C' to log via wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, ru = os.wait4(proc.pid, 0)
    with open(log, "a") as f:
        f.write(f"{time.perf_counter() - t0:.3f} {ru.ru_utime:.2f} {ru.ru_stime:.2f} "
                f"{ru.ru_maxrss} {' '.join(cmd)}\n")
    return os.waitstatus_to_exitcode(status)


def stage_profile():
    """Run the pipeline once with every stage under a timer: rows, make's wall, bytes, how."""
    log = OUT / "stages.log"
    log.unlink(missing_ok=True)
    if os.access(GNU_TIME, os.X_OK):
        launch, how = f"{GNU_TIME} -f '%e %U %S %M %C' -o {log} --append", "GNU time"
    else:
        launch, how = f"{sys.executable} {Path(__file__).resolve()} --wrap {log}", "os.wait4"
    wall, _, _, _, run, size = pipeline(launch=launch)
    rows = []
    for line in log.read_text().splitlines():
        m = re.match(r"([\d.]+) ([\d.]+) ([\d.]+) (\d+) \S*ntk-(\w+)(.*)", line)
        if not m:
            continue  # e.g. GNU time's "Command exited with non-zero status"
        out = re.search(r" -o (\S+)", m[6])
        step = "all" if not out else Path(out[1]).parent.name if Path(out[1]).parent != Path(run) else "-"
        rows.append((m[5], step, float(m[1]), float(m[2]), float(m[3]), int(m[4]) / 1024))
    return rows, wall, size, how


def blas_kernels():
    """OpenBLAS kernel the Swift stages get (system lib, this env) and numpy's (peer env)."""
    probe = ("import ctypes; l = ctypes.CDLL('libopenblas.so.0'); "
             "l.openblas_get_config.restype = ctypes.c_char_p; print(l.openblas_get_config().decode())")
    swift = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    probe = ("import json, numpy, threadpoolctl; print(json.dumps([[i.get(k) for k in "
             "('internal_api', 'version', 'architecture', 'num_threads')] for i in threadpoolctl.threadpool_info()]))")
    numpy = subprocess.run([str(PEER_PY), "-c", probe], capture_output=True, text=True, env=peer_env())
    info = json.loads(numpy.stdout) if numpy.returncode == 0 else []
    return (swift.stdout.strip() or "unknown",
            "; ".join(f"{a} {v}, kernel {k}, {t} threads" for a, v, k, t in info) or "unknown")


def stats(xs):
    return f"median {statistics.median(xs):7.3f} s   min {min(xs):7.3f} s"


def main():
    if sys.argv[1:2] == ["--wrap"]:
        sys.exit(wrap(sys.argv[2], sys.argv[3:]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="interleaved repetitions (default 5)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["make", "-s", "build"], cwd=ROOT, stdout=sys.stderr).returncode:
        sys.exit("bench: `make build` failed; the pipeline's binaries are needed")
    if not PEER_PY.exists():
        sys.exit(f"no {PEER_PY}: run `make .venv/.installed` first")

    print("profiling stages and the peer's steps (also warm-ups) ...", file=sys.stderr)
    rows, profile_wall, run_bytes, how = stage_profile()
    peer_wall, _, _, peer_log = peer()
    peer_steps = re.findall(r"^(step \w+|total): ([\d.]+) s", peer_log, re.M)
    times = {"pipeline": [], "peer": []}
    cpu = {"pipeline": [], "peer": []}
    peak = {"pipeline": 0.0, "peer": 0.0}
    for i in range(args.repeat):
        for name, fn in (("pipeline", pipeline), ("peer", peer)):
            wall, cpu_s, mb = fn()[:3]
            times[name].append(wall)
            cpu[name].append(cpu_s)
            peak[name] = max(peak[name], mb)
        print(f"rep {i + 1}/{args.repeat}: pipeline {times['pipeline'][-1]:.3f} s, "
              f"peer {times['peer'][-1]:.3f} s", file=sys.stderr)
    two_threads = pipeline({"OPENBLAS_NUM_THREADS": "2"})[0]
    swift_blas, numpy_blas = blas_kernels()

    head = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                      if l.startswith("model name")), "?")
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if threads:  # under `make bench` the Makefile's export reaches the peer too
        threads += " (exported by make)" if "MAKELEVEL" in os.environ else " (from environment)"
    set_vars = [f"{k}={os.environ[k]}" for k in CORE_VARS if k in os.environ]
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [
        f"ntk benchmark  {time.strftime('%Y-%m-%d %H:%M:%S')}  commit {head}",
        f"machine: {os.cpu_count()} cores, {cpu_model}",
        f"OPENBLAS_NUM_THREADS: {threads or 'unset: 1 in the pipeline (Makefile default), OpenBLAS default in the peer'}",
        f"OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE set: {', '.join(set_vars) or 'neither'}"
        + ("  (unset for the peer only)" if set_vars else ""),
        f"OpenBLAS, Swift stages: {swift_blas}",
        f"OpenBLAS, numpy peer:   {numpy_blas}",
        "",
        f"Whole run, {args.repeat} interleaved repetitions (wall time; CPU = user + sys)",
        f"  pipeline  make -s RUN=<fresh>      {stats(times['pipeline'])}   "
        f"CPU {statistics.median(cpu['pipeline']):6.2f} s   peak {peak['pipeline']:6.0f} MB",
        f"  peer      bench/reference.py       {stats(times['peer'])}   "
        f"CPU {statistics.median(cpu['peer']):6.2f} s   peak {peak['peer']:6.0f} MB",
        f"  ratio peer/pipeline of medians: {med['peer'] / med['pipeline']:.2f}"
        f"  ({'pipeline' if med['pipeline'] < med['peer'] else 'peer'} faster)",
        f"  pipeline with OPENBLAS_NUM_THREADS=2 (one run): {two_threads:.3f} s"
        f"  ({two_threads / med['pipeline']:.2f} x the median)",
        "",
        f"Stages, one run ({how} via LAUNCH; whole make run {profile_wall:.3f} s, "
        f"{run_bytes / 1e6:.0f} MB written to the run folder)",
        f"  {'stage':<10} {'step':<5} {'seconds':>8} {'user s':>7} {'sys s':>7} {'peak MB':>8}",
    ]
    lines += [f"  {r[0]:<10} {r[1]:<5} {r[2]:8.2f} {r[3]:7.2f} {r[4]:7.2f} {r[5]:8.1f}" for r in rows]
    total = sum(r[2] for r in rows)
    lines.append(f"  {'total':<10} {'':<5} {total:8.2f} {sum(r[3] for r in rows):7.2f} "
                 f"{sum(r[4] for r in rows):7.2f} {max((r[5] for r in rows), default=0):8.1f}")
    by_stage = {}
    for s, _, sec, *_ in rows:
        by_stage[s] = by_stage.get(s, 0.0) + sec
    lines.append("  share of stage time: " + ", ".join(
        f"{s} {100 * sec / total:.0f}%" for s, sec in sorted(by_stage.items(), key=lambda x: -x[1])))
    lines += ["", f"Peer's own step timer, one run (wall {peer_wall:.3f} s incl. interpreter and imports)",
              "  " + ", ".join(f"{name} {sec} s" for name, sec in peer_steps)]
    report = "\n".join(lines) + "\n"
    print(report, end="")
    (OUT / "latest.txt").write_text(report)


if __name__ == "__main__":
    main()
