#!/usr/bin/env python3
"""Benchmark the Swift pipeline against peers measured in the same run (never asserted).

  default     the whole default pipeline (`make`) against bench/reference.py (numpy +
              scikit-learn), interleaved; then each stage profiled once (wall time, max
              RSS) and the pipeline once more with OPENBLAS_NUM_THREADS=2.
  train       ntk-train on dense W features, m = 20,000, d = 25, against scikit-learn
              SVC(kernel='linear', C=1).fit (bench/peer_svc_fit.py): times, peak RSS,
              the ratio, and max|w_ours - coef_| / max|coef_|.
  wide        the W2 step of a D = 1000 student (m = 2000, m_test = 100,000), every
              stage under a timer: the step's total, its largest peak RSS, the size of
              the features file against what dense features would need.
  throughput  ntk-features at d = 25, m_test = 1,000,000 (W, dense, ~5 GB) against
              writing the same datasets with h5py and no computation
              (bench/peer_h5_write.py): bytes per second, and the fraction.

Pick with --only (default all). Each report goes to stdout and is appended to
data/bench/latest.txt as its benchmark ends, with the load average at its start and
end (the machine is shared).
"""
import argparse
import hashlib
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
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "bench"
BUILT = ROOT / ".build" / "release"
# The train, wide and throughput benchmarks run a private copy of the binaries, taken
# right after `make build`: others may rebuild .build/release while they run.
SNAPSHOT = "data/bench/bin"
BIN = ROOT / SNAPSHOT
STAGE_NAMES = ("truth", "init", "features", "train", "evaluate", "report", "sweep-report")
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


def bench_default(args):
    """The default pipeline (`make`) against bench/reference.py, interleaved."""
    load0 = os.getloadavg()
    built0 = digests(BUILT)
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
    lines.insert(2, load_line(load0, os.getloadavg()))
    changed = [s for s, d in digests(BUILT).items() if built0.get(s) != d]
    if changed:
        lines.insert(3, "NOTE: .build/release was rebuilt during this benchmark (by someone else): "
                        + ", ".join(changed) + "; runs may mix binaries")
    return "\n".join(lines) + "\n"


# --- helpers shared by the benchmarks below ----------------------------------

SHARED_NOTE = ("shared machine: other engineers compile here, so every number is noisy; "
               "load average (1/5/15 min) is printed at the start and end of each benchmark")


def load_line(start, end=None):
    fmt = lambda l: "/".join(f"{v:.2f}" for v in l)
    text = f"load average: {fmt(start)} at start"
    if end is not None:
        text += f", {fmt(end)} at end"
    return text + f" ({os.cpu_count()} cores; {SHARED_NOTE})"


def head_lines(title, load0):
    head = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                      if l.startswith("model name")), "?")
    return [f"ntk benchmark: {title}  {time.strftime('%Y-%m-%d %H:%M:%S')}  commit {head}",
            f"machine: {os.cpu_count()} cores, {cpu_model}",
            load_line(load0, os.getloadavg())]


_MAKE_ENV = None


def make_env():
    """The OPENBLAS_* variables the Makefile exports to its stages (asked of make itself)."""
    global _MAKE_ENV
    if _MAKE_ENV is None:
        out = subprocess.run(["make", "-s", "--eval=bench-env: ; @env | grep '^OPENBLAS_' || true", "bench-env"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
        _MAKE_ENV = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
    return _MAKE_ENV


def stage_env():
    """The environment a stage gets under make: this one plus the Makefile's exports."""
    return {**os.environ, **make_env()}


def snapshot_make_args():
    """make arguments that run the stages from the snapshot, never rebuilding it."""
    return [f"BIN={SNAPSHOT}"] + [f"--assume-old={SNAPSHOT}/ntk-{s}" for s in STAGE_NAMES
                                  if (BIN / f"ntk-{s}").exists()]


def take_snapshot():
    """Copy the freshly built binaries to SNAPSHOT (stamps are remade there by make)."""
    shutil.rmtree(BIN, ignore_errors=True)
    BIN.mkdir(parents=True)
    for s in STAGE_NAMES:
        if (BUILT / f"ntk-{s}").exists():
            shutil.copy2(BUILT / f"ntk-{s}", BIN / f"ntk-{s}")


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


def med(xs):
    return statistics.median(xs)


def mb(n_bytes):
    return f"{n_bytes / 1e6:,.0f} MB"


def gb(n_bytes):
    return f"{n_bytes / 1e9:,.2f} GB"


def timed_stages(log, run):
    """Rows (stage, step, wall, user, sys, peak MB) of a GNU time / --wrap log."""
    rows = []
    for line in log.read_text().splitlines():
        m = re.match(r"([\d.]+) ([\d.]+) ([\d.]+) (\d+) \S*ntk-(\w+)(.*)", line)
        if not m:
            continue
        out = re.search(r" -o (\S+)", m[6])
        step = "all" if not out else Path(out[1]).parent.name if Path(out[1]).parent != Path(run) else "-"
        rows.append((m[5], step, float(m[1]), float(m[2]), float(m[3]), int(m[4]) / 1024))
    return rows


def launch_prefix(log):
    if os.access(GNU_TIME, os.X_OK):
        return f"{GNU_TIME} -f '%e %U %S %M %C' -o {log} --append", "GNU time"
    return f"{sys.executable} {Path(__file__).resolve()} --wrap {log}", "os.wait4"


# --- (a) the train stage at m = 20,000 against scikit-learn -------------------

TRAIN_RUN = "data/bench/train"
TRAIN_VARS = ["M=20000", "M_TEST=1000", "LAYERS=W", "INIT_SEEDS=0"]


def bench_train(args):
    """ntk-train on dense W features (m = 20,000, d = 25) against SVC(kernel='linear').fit."""
    load0 = os.getloadavg()
    run = ROOT / TRAIN_RUN
    features = run / "W" / "features.h5"
    print("train: building the features (make) ...", file=sys.stderr)
    setup = make_quiet(f"RUN={TRAIN_RUN}", *TRAIN_VARS, f"{TRAIN_RUN}/W/features.h5")
    ours_out, peer_json = run / "W" / "svm.bench.h5", run / "W" / "peer.bench.json"
    ours = {"wall": [], "cpu": [], "peak": [], "solve": []}
    peer = {"wall": [], "fit": [], "peak": []}
    result = None
    for i in range(args.train_repeat):
        ours_out.unlink(missing_ok=True)
        wall, cpu_s, peak, err = measure([str(BIN / "ntk-train"), "--features", str(features), "--C", "1",
                                          "-o", str(ours_out)], stage_env())
        for key, value in (("wall", wall), ("cpu", cpu_s), ("peak", peak)):
            ours[key].append(value)
        m = re.search(r"support vectors of \d+ samples in ([\d.]+) s", err)
        ours["solve"].append(float(m[1]) if m else float("nan"))
        wall, _, peak, _ = measure([str(PEER_PY), "bench/peer_svc_fit.py", str(features), "--C", "1",
                                    "--compare", str(ours_out), "--json", str(peer_json)], peer_env())
        result = json.loads(peer_json.read_text())
        for key, value in (("wall", wall), ("fit", result["fit_s"]), ("peak", peak)):
            peer[key].append(value)
        print(f"train rep {i + 1}/{args.train_repeat}: ntk-train {ours['wall'][-1]:.2f} s, "
              f"sklearn fit {result['fit_s']:.2f} s, w rel. diff {result['w_rel_diff']:.2e}", file=sys.stderr)
    ours_out.unlink(missing_ok=True)
    peer_json.unlink(missing_ok=True)
    n = args.train_repeat
    ratio = med(peer["fit"]) / med(ours["wall"])
    lines = head_lines("train stage, m = 20,000, d = 25, dense W features, C = 1", load0) + [
        f"features: {TRAIN_RUN}/W/features.h5, {result['samples']} training samples x {result['features']} "
        f"features ({mb(features.stat().st_size)} file; made by make in {setup:.1f} s, not timed below)",
        binaries_line(digests(BIN, ["train"])),
        f"environment of ntk-train: {' '.join(f'{k}={v}' for k, v in make_env().items())} (the Makefile's exports)",
        f"{n} interleaved repetition{'s' if n > 1 else ''}; medians (wall time; CPU = user + sys; "
        "peak = max RSS of the process, os.wait4)",
        f"  ours  ntk-train (whole process: read, solve, write)  {med(ours['wall']):8.2f} s   "
        f"CPU {med(ours['cpu']):7.2f} s   peak {max(ours['peak']):7.0f} MB   "
        f"(its own solve timer: {med(ours['solve']):.2f} s)",
        f"  peer  SVC(kernel='linear', C=1).fit only          {med(peer['fit']):8.2f} s   "
        f"{'':>15}   peak {max(peer['peak']):7.0f} MB   "
        f"(whole peer process {med(peer['wall']):.2f} s; {result['rss_before_fit_mb']:.0f} MB before the fit)",
        f"  ratio sklearn fit / ntk-train: {ratio:.1f} x  (aim: >= 10 x)",
        f"  ours solved from: {result['ours_solved_from']}",
        f"  w:  max|w_ours - coef_| / max|coef_| = {result['w_rel_diff']:.3e}  (aim: <= 1e-8)",
        f"  b:  |b_ours - intercept_| = {result['b_abs_diff']:.3e};  support vectors ours {result['ours_n_support']}, "
        f"sklearn {result['n_support']}, same set: {'yes' if result['same_support'] else 'no'}",
    ]
    return "\n".join(lines) + "\n"


# --- (b) the wide student: D = 1000, W2 ---------------------------------------

WIDE_RUN = "data/bench/wide"
WIDE_D, WIDE_M, WIDE_M_TEST = 1000, 2000, 100000
WIDE_VARS = [f"D={WIDE_D}", f"M={WIDE_M}", f"M_TEST={WIDE_M_TEST}", "LAYERS=W2", "INIT_SEEDS=0"]
STEP_STAGES = ("init", "features", "train", "evaluate")


def bench_wide(args):
    """The W2 step of a D = 1000 student (m = 2000, m_test = 100,000), stage by stage."""
    load0 = os.getloadavg()
    run = ROOT / WIDE_RUN
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    log = OUT / "wide-stages.log"
    launch, how = launch_prefix(log)
    reps, walls, sizes, storage = [], [], [], "?"
    for i in range(args.wide_repeat):
        # Keep truth.h5 (excluded from the step's total); redo the step and the report.
        shutil.rmtree(run / "W2", ignore_errors=True)
        for f in ("results.csv", "results.md"):
            (run / f).unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        wall = measure(["make", "-s", f"RUN={WIDE_RUN}", *WIDE_VARS, *snapshot_make_args(),
                        f"LAUNCH={launch}"], stage_env())[0]
        rows = timed_stages(log, WIDE_RUN)
        reps.append(rows)
        walls.append(wall)
        feats = run / "W2" / "features.h5"
        sizes.append(feats.stat().st_size)
        storage = subprocess.run([str(PEER_PY), "-c", "import h5py, sys; print(h5py.File(sys.argv[1]).attrs['storage'])",
                                  str(feats)], capture_output=True, text=True).stdout.strip() or "?"
        step = sum(r[2] for r in rows if r[0] in STEP_STAGES)
        print(f"wide rep {i + 1}/{args.wide_repeat}: W2 step {step:.2f} s, make {wall:.2f} s", file=sys.stderr)
    log.unlink(missing_ok=True)
    shutil.rmtree(run, ignore_errors=True)

    p = WIDE_D * WIDE_D
    totals = [sum(r[2] for r in rows if r[0] in STEP_STAGES) for rows in reps]
    step_peak = max(r[5] for rows in reps for r in rows if r[0] in STEP_STAGES)
    dense_train = WIDE_M * p * 8
    dense_all = (WIDE_M + WIDE_M_TEST) * p * 8
    n = args.wide_repeat
    lines = head_lines(f"wide student, D = {WIDE_D} (widths {WIDE_D},{WIDE_D}), m = {WIDE_M}, "
                       f"m_test = {WIDE_M_TEST:,}, layer W2 ({WIDE_D}x{WIDE_D} = {p:,} features)", load0) + [
        f"command: make -s RUN={WIDE_RUN} {' '.join(WIDE_VARS)}, each stage under {how} via LAUNCH; "
        f"{n} repetition{'s' if n > 1 else ''} (truth.h5 made in the first and kept; W2/ and the report redone)",
        binaries_line(digests(BIN, ("truth",) + STEP_STAGES + ("report",))),
        f"  {'stage':<10} {'step':<5} {'median s':>9} {'min s':>7} {'user s':>7} {'sys s':>7} {'peak MB':>8}",
    ]
    keys = [(r[0], r[1]) for r in reps[-1]]
    for key in [(r[0], r[1]) for r in reps[0] if (r[0], r[1]) not in keys] + keys:
        got = [r for rows in reps for r in rows if (r[0], r[1]) == key]
        lines.append(f"  {key[0]:<10} {key[1]:<5} {med([r[2] for r in got]):9.2f} {min(r[2] for r in got):7.2f} "
                     f"{med([r[3] for r in got]):7.2f} {med([r[4] for r in got]):7.2f} {max(r[5] for r in got):8.0f}"
                     + (f"   (ran in {len(got)} of {n} repetitions)" if len(got) < n else "")
                     + ("   (not in the step's total)" if key[0] not in STEP_STAGES else ""))
    lines += [
        f"  W2 step total (init + features + train + evaluate): median {med(totals):.2f} s, min {min(totals):.2f} s"
        f"   (aim: < 60 s; {med(totals) / 60:.2f} x the aim)",
        f"  max peak RSS among those stages: {step_peak:,.0f} MB   (aim: < 4 GB; "
        f"{step_peak * 2**20 / 4e9:.2f} x the aim)",
        f"  whole make run: median {med(walls):.2f} s (includes truth in the first repetition, report, make itself)",
        f"  W2/features.h5 on disk: {gb(med(sizes))} ({storage} storage)",
        f"  dense features would need: {gb(dense_train)} for the training set alone "
        f"({WIDE_M} x {p:,} x 8 bytes; {dense_train / med(sizes):.0f} x the file), "
        f"{gb(dense_all)} with the test set",
        "  peer: none timed (a dense numpy/scikit-learn run would need the 16 GB training matrix in memory); "
        "ratios are against the aims",
    ]
    return "\n".join(lines) + "\n"


# --- (c) features-stage throughput against a bare HDF5 write ------------------

THROUGHPUT_RUN = "data/bench/throughput"
THROUGHPUT_VARS = ["M_TEST=1000000", "LAYERS=W", "INIT_SEEDS=0", "STORAGE=dense"]
THROUGHPUT_MIN_FREE = 15e9


def fsync_seconds(path):
    t0 = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - t0


def bench_throughput(args):
    """ntk-features (W, dense, d = 25, m_test = 1,000,000) against writing the same bytes with h5py."""
    load0 = os.getloadavg()
    title = "features-stage throughput, d = 25, m = 100, m_test = 1,000,000, layer W, dense"
    free = shutil.disk_usage(OUT).free
    if free < THROUGHPUT_MIN_FREE:
        return "\n".join(head_lines(title, load0) + [
            f"  SKIPPED: {gb(free)} free under {OUT}, need >= {gb(THROUGHPUT_MIN_FREE)} (the file is ~5 GB)"]) + "\n"
    run = ROOT / THROUGHPUT_RUN
    shutil.rmtree(run, ignore_errors=True)
    print("throughput: making truth.h5 and W/network.h5 (make) ...", file=sys.stderr)
    setup = make_quiet(f"RUN={THROUGHPUT_RUN}", *THROUGHPUT_VARS,
                       f"{THROUGHPUT_RUN}/truth.h5", f"{THROUGHPUT_RUN}/W/network.h5")
    ours_out, raw_out, raw_json = run / "W" / "features.bench.h5", run / "W" / "raw.bench.h5", run / "raw.json"
    ours = {"wall": [], "cpu": [], "peak": [], "bytes": [], "fsync": []}
    raw = {"wall": [], "inner": [], "peak": [], "bytes": [], "fsync": []}
    shape = info = None
    try:
        for i in range(args.throughput_repeat):
            wall, cpu_s, peak, _ = measure([str(BIN / "ntk-features"), "--truth", str(run / "truth.h5"),
                                            "--network", str(run / "W" / "network.h5"), "--layer", "W",
                                            "--kind", "output-gradient", "--storage", "dense",
                                            "-o", str(ours_out)], stage_env())
            if shape is None:
                probe = ("import h5py, json, sys; f = h5py.File(sys.argv[1]); "
                         "print(json.dumps([list(f['/features/train'].shape), list(f['/features/test'].shape), "
                         "list(f['/features/test'].chunks or [])]))")
                shape = json.loads(subprocess.run([str(PEER_PY), "-c", probe, str(ours_out)], capture_output=True,
                                                  text=True, check=True).stdout)
            ours["bytes"].append(ours_out.stat().st_size)
            ours["fsync"].append(fsync_seconds(ours_out))
            for key, value in (("wall", wall), ("cpu", cpu_s), ("peak", peak)):
                ours[key].append(value)
            ours_out.unlink()
            (train_shape, test_shape, chunks) = shape
            wall, _, peak, _ = measure([str(PEER_PY), "bench/peer_h5_write.py", str(raw_out),
                                        "--train", str(train_shape[0]), "--test", str(test_shape[0]),
                                        "--columns", str(test_shape[1]), "--json", str(raw_json)], peer_env())
            info = json.loads(raw_json.read_text())
            raw["bytes"].append(raw_out.stat().st_size)
            raw["fsync"].append(fsync_seconds(raw_out))
            for key, value in (("wall", wall), ("inner", info["seconds"]), ("peak", peak)):
                raw[key].append(value)
            raw_out.unlink()
            print(f"throughput rep {i + 1}/{args.throughput_repeat}: ntk-features {ours['wall'][-1]:.2f} s "
                  f"(+{ours['fsync'][-1]:.2f} s fsync), h5py write {raw['inner'][-1]:.2f} s "
                  f"(+{raw['fsync'][-1]:.2f} s fsync)", file=sys.stderr)
    finally:
        shutil.rmtree(run, ignore_errors=True)

    ours_rate = med(ours["bytes"]) / med(ours["wall"])
    raw_rate = med(raw["bytes"]) / med(raw["inner"])
    ours_rate_f = med([b / (w + s) for b, w, s in zip(ours["bytes"], ours["wall"], ours["fsync"])])
    raw_rate_f = med([b / (w + s) for b, w, s in zip(raw["bytes"], raw["inner"], raw["fsync"])])
    hdf5_ours = subprocess.run(["bash", "-c", f"ldd {BIN / 'ntk-features'} | grep -o 'libhdf5[^ ]*' | head -1"],
                               capture_output=True, text=True).stdout.strip() or "?"
    n = args.throughput_repeat
    lines = head_lines(title, load0) + [
        f"folder: {THROUGHPUT_RUN} ({gb(free)} free at start; truth and network made in {setup:.1f} s, not timed; "
        "everything deleted afterwards)",
        binaries_line(digests(BIN, ["features"])),
        f"file: /features/train {train_shape[0]} x {train_shape[1]}, /features/test {test_shape[0]:,} x {test_shape[1]} "
        f"float64, chunks {chunks}, no compression; 8192-row blocks",
        f"{n} interleaved repetition{'s' if n > 1 else ''}; medians; dirty pages flushed (sync) before each run; "
        "'+fsync' adds the time to fsync the finished file",
        f"  ours  ntk-features (whole process: read truth, compute, write)  {med(ours['wall']):7.2f} s   "
        f"CPU {med(ours['cpu']):6.2f} s   peak {max(ours['peak']):6.0f} MB   {gb(med(ours['bytes']))} written   "
        f"{ours_rate / 1e6:7.0f} MB/s  (+fsync {ours_rate_f / 1e6:5.0f} MB/s)",
        f"  raw   h5py, same datasets, no computation (create to close)     {med(raw['inner']):7.2f} s   "
        f"{'':>12}   peak {max(raw['peak']):6.0f} MB   {gb(med(raw['bytes']))} written   "
        f"{raw_rate / 1e6:7.0f} MB/s  (+fsync {raw_rate_f / 1e6:5.0f} MB/s; whole process {med(raw['wall']):.2f} s)",
        f"  fraction features-rate / raw-rate: {ours_rate / raw_rate:.2f}   (with fsync: {ours_rate_f / raw_rate_f:.2f})",
        f"  HDF5: ntk-features links {hdf5_ours}; h5py bundles HDF5 {info['hdf5']}",
    ]
    return "\n".join(lines) + "\n"


BENCHMARKS = {"default": bench_default, "train": bench_train, "wide": bench_wide, "throughput": bench_throughput}


def main():
    if sys.argv[1:2] == ["--wrap"]:
        sys.exit(wrap(sys.argv[2], sys.argv[3:]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(BENCHMARKS),
                    help=f"comma-separated benchmarks to run, of {','.join(BENCHMARKS)} (default: all)")
    ap.add_argument("--repeat", type=int, default=5, help="default: interleaved repetitions (default 5)")
    ap.add_argument("--train-repeat", type=int, default=1, help="train: repetitions (default 1; sklearn takes minutes)")
    ap.add_argument("--wide-repeat", type=int, default=3, help="wide: repetitions (default 3)")
    ap.add_argument("--throughput-repeat", type=int, default=3, help="throughput: interleaved repetitions (default 3)")
    args = ap.parse_args()
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown or not chosen:
        ap.error(f"--only: unknown benchmark(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(BENCHMARKS)}")
    if min(args.repeat, args.train_repeat, args.wide_repeat, args.throughput_repeat) < 1:
        ap.error("repetitions must be >= 1")
    OUT.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["make", "-s", "build"], cwd=ROOT, stdout=sys.stderr).returncode:
        sys.exit("bench: `make build` failed; the pipeline's binaries are needed")
    if not PEER_PY.exists():
        sys.exit(f"no {PEER_PY}: run `make .venv/.installed` first")
    if set(chosen) - {"default"}:
        take_snapshot()
    failed = []
    for i, name in enumerate(chosen):
        try:
            report = BENCHMARKS[name](args)
        except SystemExit as e:  # measure() and make_quiet() exit on a failed command
            failed.append(name)
            report = f"ntk benchmark: {name}  {time.strftime('%Y-%m-%d %H:%M:%S')}  FAILED: {e.code}\n"
        except Exception:  # a bug in one benchmark should not lose the others
            failed.append(name)
            report = (f"ntk benchmark: {name}  {time.strftime('%Y-%m-%d %H:%M:%S')}  FAILED:\n"
                      + traceback.format_exc())
        print(("\n" if i else "") + report, end="", flush=True)
        with open(OUT / "latest.txt", "a") as f:  # appended as each benchmark ends
            f.write(report + "\n")
    shutil.rmtree(BIN, ignore_errors=True)
    if failed:
        sys.exit(f"bench: failed: {', '.join(failed)}")

if __name__ == "__main__":
    main()
