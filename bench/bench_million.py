"""Benchmarks `million` and `baselines-100k` (bench/bench.py says what they report): a whole
pipeline at large m from a clean run folder, binaries built, every stage under a timer.
No peer: scikit-learn's SVC (bench/reference.py) is quadratic in m, and dense features
of a million samples would take 5 GB a step; the figures are held against the aims."""
import csv
import os
import re
import shutil
import subprocess
import sys

from harness import (BIN, OUT, PEER_PY, ROOT, binaries_line, digests, head_lines, launch_prefix, measure,
                     snapshot_make_args, stage_env, timed_stages)

MILLION_RUN = "data/million"
MILLION_VARS = ["D=25", "M=1000000", "M_TEST=100000"]
BASELINES_RUN = "data/baselines-100k"
BASELINES_VARS = ["D=25", "M=100000", "M_TEST=10000"]

# What the run's files say of each step, read with h5py (the SVM's path and certificate).
SVM_ATTRS = """
import h5py, sys
for path in sys.argv[1:]:
    a = h5py.File(path, "r").attrs
    get = lambda k: a[k].decode() if isinstance(a.get(k), bytes) else a.get(k)
    print(f"{path}: solver {get('solver')}, {get('solved_from')}; passes {get('passes')}, "
          f"gap {get('duality_gap')}, training {get('training_seconds')} s; storage {get('storage')}")
"""


def step_files(run, name):
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / run).glob(f"*/{name}"))


def whole_run(title, run, make_vars, time_aim, peak_aim_gb, keep):
    """One make from a clean run folder, each stage under GNU time; the report's lines."""
    load0 = os.getloadavg()
    log = OUT / f"{run.replace('/', '-')}-stages.log"
    launch, how = launch_prefix(log)
    shutil.rmtree(ROOT / run, ignore_errors=True)
    log.unlink(missing_ok=True)
    # -k: past a failed stage, make goes on with every target that does not need it (the baselines).
    cmd = ["make", "-k", "-s", f"RUN={run}", *make_vars, *snapshot_make_args(), f"LAUNCH={launch}"]
    print(f"{title}: make {' '.join(cmd[3:len(make_vars) + 4])} ...", file=sys.stderr)
    try:
        wall, cpu_s, _, err = measure(cmd, stage_env())
        failure = None
    except SystemExit as e:  # a failed stage: report what ran, and the stage's error
        wall, cpu_s = float("nan"), float("nan")
        err = str(e.code)
        failure = next((l for l in err.splitlines() if ": error: " in l), err[-400:])
    rows = timed_stages(log, run)
    results_csv = ROOT / run / "results.csv"
    results = list(csv.DictReader(open(results_csv))) if results_csv.exists() else []
    attrs = subprocess.run([str(PEER_PY), "-c", SVM_ATTRS, *step_files(run, "svm.h5")], cwd=ROOT,
                           capture_output=True, text=True).stdout.splitlines()
    sizes = {p: (ROOT / p).stat().st_size for p in ["%s/truth.h5" % run] + step_files(run, "features.h5")}
    stage_sum = sum(r[2] for r in rows)
    top = max(rows, key=lambda r: r[5])
    if failure:
        wall = stage_sum  # make's own wall is lost with the failure; the stages' sum is within 1 s of it
    lines = head_lines(title, load0) + [
        f"command: make -k -s RUN={run} {' '.join(make_vars)} from a clean run folder, binaries built, "
        f"each stage under {how} via LAUNCH; one run (it takes minutes)",
        binaries_line(digests(BIN)),
        f"  {'stage':<17} {'step':<5} {'wall s':>8} {'user s':>8} {'sys s':>7} {'peak MB':>8}",
    ] + [f"  {r[0]:<17} {r[1]:<5} {r[2]:8.2f} {r[3]:8.2f} {r[4]:7.2f} {r[5]:8.0f}" for r in rows] + [
    ] + ([f"  FAILED: {failure}", "  (the stages that ran are above; the figures below are up to the failure)"]
         if failure else []) + [
        f"  whole make: {wall:.1f} s wall ({wall / 60:.2f} min), CPU {cpu_s:.1f} s; stages' sum {stage_sum:.1f} s"
        f"   (aim: < {time_aim / 60:.0f} min; {'MISSED: not finished' if failure else 'met' if wall < time_aim else 'MISSED'})",
        f"  largest peak RSS: {top[5]:,.0f} MB ({top[0]} {top[1]})   (aim: every stage < {peak_aim_gb} GB; "
        f"{'met' if top[5] * 2**20 < peak_aim_gb * 1e9 else 'MISSED'})",
        "  files: " + ", ".join(f"{p.removeprefix(run + '/')} {s / 1e6:,.0f} MB" for p, s in sizes.items()),
        "  SVM of each step:",
    ] + [f"    {a}" for a in attrs] + [
        "  results.csv (errors):" + ("" if results else " none (no report: a stage failed)"),
    ] + [f"    {r['step']:<4} {r['model']:<24} train {r['train_error']:<10} test {r['test_error']}" for r in results]
    lines += ["  ntk-evaluate's log (classifier: train error, test error; network with θc: the same):"] + [
        f"    {l}" for l in err.splitlines() if re.match(r"ntk-evaluate: layer .*: classifier", l)]
    if not keep and not failure:
        shutil.rmtree(ROOT / run, ignore_errors=True)
    log.unlink(missing_ok=True)
    return "\n".join(lines) + "\n"


def run_million(args):
    """The default three steps at d = 25, m = 10^6, m_test = 10^5 (storage auto: factored)."""
    return whole_run("whole pipeline, d = 25, m = 1,000,000, m_test = 100,000, steps W V u", MILLION_RUN,
                     MILLION_VARS, 600, 8, args.keep_runs)


def run_baselines(args):
    """The three steps with the baselines at d = 25, m = 100,000, m_test = 10,000."""
    baselines = args.large_baselines
    return whole_run(f"whole pipeline with BASELINES=\"{baselines}\", d = 25, m = 100,000, m_test = 10,000",
                     BASELINES_RUN, BASELINES_VARS + [f"BASELINES={baselines}"], 1200, 16, args.keep_runs)
