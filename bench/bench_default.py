"""Benchmark `default` (bench/bench.py says what it reports): the default pipeline and
the numpy + scikit-learn peer run in turn, so that both see the same load. It runs the
binaries in .build/release, marked old so that no run rebuilds them, and notes when
they changed meanwhile."""
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

from harness import (BUILT, CORE_VARS, OUT, PEER_PY, STAGE_NAMES, commit, cpu_model, digests, launch_prefix,
                     load_line, measure, peer_env, stats, timed_stages)

# Never rebuild a stage inside a timed run, even if Sources/ changes meanwhile.
FROZEN = [f"--assume-old=.build/release/ntk-{s}" for s in STAGE_NAMES]


# Goals short of the default one (RUN/results.csv, the per-step alignment and spectra, the run's page).
RESULTS_ONLY = ("{run}/results.csv",)
WITHOUT_PAGE = ("{run}/results.csv", "spectrum-outputs")


def pipeline(extra_env=None, launch=None, make_vars=(), goals=()):
    """One `make -s` run of the default pipeline (with `make_vars`, e.g. "D=100") in a fresh
    run folder under data/bench; returns measure()'s numbers, the folder and the bytes the
    run wrote there. `goals` (RESULTS_ONLY, WITHOUT_PAGE): other goals than the default."""
    run = tempfile.mkdtemp(prefix="run-", dir=OUT)
    try:
        cmd = (["make", "-s", f"RUN={run}", *make_vars, *FROZEN] + ([f"LAUNCH={launch}"] if launch else [])
               + [goal.format(run=run) for goal in goals])
        result = measure(cmd, {**os.environ, **(extra_env or {})})
        size = sum(f.stat().st_size for f in Path(run).rglob("*") if f.is_file())
        return result + (run, size)
    finally:
        shutil.rmtree(run, ignore_errors=True)


def peer(args=()):
    return measure([str(PEER_PY), "bench/reference.py", *args], peer_env())


def stage_profile(make_vars=()):
    """Run the pipeline once with every stage under a timer: rows, make's wall, bytes, how."""
    log = OUT / "stages.log"
    log.unlink(missing_ok=True)
    launch, how = launch_prefix(log)
    wall, _, _, _, run, size = pipeline(launch=launch, make_vars=make_vars)
    return timed_stages(log, run), wall, size, how


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


def interleaved(repeat, make_vars=(), peer_args=()):
    """`repeat` runs of the pipeline and of the peer, alternating: wall times, CPU times, peaks."""
    times = {"pipeline": [], "peer": []}
    cpu = {"pipeline": [], "peer": []}
    peak = {"pipeline": 0.0, "peer": 0.0}
    for i in range(repeat):
        for name, fn in (("pipeline", lambda: pipeline(make_vars=make_vars)), ("peer", lambda: peer(peer_args))):
            wall, cpu_s, mb = fn()[:3]
            times[name].append(wall)
            cpu[name].append(cpu_s)
            peak[name] = max(peak[name], mb)
        print(f"rep {i + 1}/{repeat}: pipeline {times['pipeline'][-1]:.3f} s, "
              f"peer {times['peer'][-1]:.3f} s", file=sys.stderr)
    return times, cpu, peak


def analysis_overhead(repeat):
    """Three goals interleaved: RUN/results.csv alone, then with the per-step alignment and
    spectra (ntk-spectrum), then the default (the run's page as well): what each adds."""
    goals = {"results": RESULTS_ONLY, "spectra": WITHOUT_PAGE, "page": ()}
    times = {name: [] for name in goals}
    cpu = {name: [] for name in goals}
    for i in range(repeat):
        for name, goal in goals.items():
            wall, cpu_s = pipeline(goals=goal)[:2]
            times[name].append(wall)
            cpu[name].append(cpu_s)
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}

    def added(name, base):
        return (f"{100 * (med[name] / med[base] - 1):+.1f} % of the median wall time, "
                f"{100 * (cpu_med[name] / cpu_med[base] - 1):+.1f} % of the median CPU time")
    return [
        f"What the default goal adds to RUN/results.csv, {repeat} interleaved repetitions",
        f"  RUN/results.csv                {stats(times['results'])}   CPU {cpu_med['results']:6.3f} s",
        f"  + alignment and spectra        {stats(times['spectra'])}   CPU {cpu_med['spectra']:6.3f} s",
        f"  + the run's page (default)     {stats(times['page'])}   CPU {cpu_med['page']:6.3f} s",
        f"  the spectra add {added('spectra', 'results')} (aim: under 10 %)",
        f"  the page adds {added('page', 'spectra')}",
    ]


def environment_lines(load0, built0):
    """The report's head: when, what, on which machine, under which load and BLAS settings."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if threads:  # the Makefile's own default reaches the stages only (harness.peer_env)
        threads += (" (the Makefile's default: the stages only; the peer uses its default)"
                    if os.environ.get("OPENBLAS_NUM_THREADS_ORIGIN") == "file" else " (from the environment)")
    set_vars = [f"{k}={os.environ[k]}" for k in CORE_VARS if k in os.environ]
    swift_blas, numpy_blas = blas_kernels()
    changed = [s for s, d in digests(BUILT).items() if built0.get(s) != d]
    return [
        f"ntk benchmark  {time.strftime('%Y-%m-%d %H:%M:%S')}  commit {commit()}",
        f"machine: {os.cpu_count()} cores, {cpu_model()}",
        load_line(load0, os.getloadavg()),
    ] + (["NOTE: .build/release was rebuilt during this benchmark (by someone else): "
          + ", ".join(changed) + "; runs may mix binaries"] if changed else []) + [
        f"OPENBLAS_NUM_THREADS: {threads or 'unset: 1 in the pipeline (Makefile default), OpenBLAS default in the peer'}",
        f"OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE set: {', '.join(set_vars) or 'neither'}"
        + ("  (unset for the peer only)" if set_vars else ""),
        f"OpenBLAS, Swift stages: {swift_blas}",
        f"OpenBLAS, numpy peer:   {numpy_blas}",
    ]


def whole_run_lines(repeat, times, cpu, peak, one_thread, make_vars=(), peer_args=()):
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [
        f"Whole run, {repeat} interleaved repetitions (wall time; CPU = user + sys)",
        f"  pipeline  make -s RUN=<fresh> {' '.join(make_vars):<10} {stats(times['pipeline'])}   "
        f"CPU {statistics.median(cpu['pipeline']):6.2f} s   peak {peak['pipeline']:6.0f} MB",
        f"  peer      bench/reference.py {' '.join(peer_args):<10} {stats(times['peer'])}   "
        f"CPU {statistics.median(cpu['peer']):6.2f} s   peak {peak['peer']:6.0f} MB",
        f"  ratio peer/pipeline of medians: {med['peer'] / med['pipeline']:.2f}"
        f"  ({'pipeline' if med['pipeline'] < med['peer'] else 'peer'} faster)",
    ]
    if one_thread is not None:
        lines.append(f"  pipeline with NTK_THREADS=1 (each stage on one thread, as under make -j 2; one run): "
                     f"{one_thread:.3f} s  ({one_thread / med['pipeline']:.2f} x the median)")
    return lines


def stage_lines(rows, profile_wall, run_bytes, how):
    lines = [
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
    return lines


def run(args):
    """The default pipeline (`make`) against bench/reference.py, interleaved."""
    load0 = os.getloadavg()
    built0 = digests(BUILT)
    print("profiling stages and the peer's steps (also warm-ups) ...", file=sys.stderr)
    profile = stage_profile()
    peer_wall, _, _, peer_log = peer()
    peer_steps = re.findall(r"^(step \w+|total): ([\d.]+) s", peer_log, re.M)
    times, cpu, peak = interleaved(args.repeat)
    one_thread = pipeline({"NTK_THREADS": "1"})[0]
    lines = environment_lines(load0, built0) + [""] + whole_run_lines(args.repeat, times, cpu, peak, one_thread)
    lines += [""] + analysis_overhead(args.repeat)
    lines += [""] + stage_lines(*profile)
    lines += ["", f"Peer's own step timer, one run (wall {peer_wall:.3f} s incl. interpreter and imports)",
              "  " + ", ".join(f"{name} {sec} s" for name, sec in peer_steps)]
    return "\n".join(lines) + "\n"
