"""Benchmark `wide` (bench/bench.py says what it reports). No peer: dense features would
need 16 GB for the training set alone, so the numbers are held against the aims."""
import os
import shutil
import subprocess
import sys

from harness import (BIN, OUT, PEER_PY, ROOT, binaries_line, digests, gb, head_lines, launch_prefix, measure, med,
                     snapshot_make_args, stage_env, timed_stages)

WIDE_RUN = "data/bench/wide"
WIDE_D, WIDE_M, WIDE_M_TEST = 1000, 2000, 100000
WIDE_VARS = [f"D={WIDE_D}", f"M={WIDE_M}", f"M_TEST={WIDE_M_TEST}", "LAYERS=W2", "INIT_SEEDS=0"]
STEP_STAGES = ("init", "features", "train", "evaluate")


def storage_of(features):
    return subprocess.run([str(PEER_PY), "-c", "import h5py, sys; print(h5py.File(sys.argv[1]).attrs['storage'])",
                           str(features)], capture_output=True, text=True).stdout.strip() or "?"


def repetitions(repeat, launch, log):
    """`repeat` makes of the step, truth.h5 kept from the first: each one's stage rows,
    make's wall times, the features file's sizes and its storage."""
    run = ROOT / WIDE_RUN
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    reps, walls, sizes, storage = [], [], [], "?"
    for i in range(repeat):
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
        storage = storage_of(feats)
        step = sum(r[2] for r in rows if r[0] in STEP_STAGES)
        print(f"wide rep {i + 1}/{repeat}: W2 step {step:.2f} s, make {wall:.2f} s", file=sys.stderr)
    log.unlink(missing_ok=True)
    shutil.rmtree(run, ignore_errors=True)
    return reps, walls, sizes, storage


def stage_rows(reps):
    """One line per (stage, step) over the repetitions; a stage that ran only in some says so."""
    n = len(reps)
    lines = []
    keys = [(r[0], r[1]) for r in reps[-1]]
    for key in [(r[0], r[1]) for r in reps[0] if (r[0], r[1]) not in keys] + keys:
        got = [r for rows in reps for r in rows if (r[0], r[1]) == key]
        lines.append(f"  {key[0]:<10} {key[1]:<5} {med([r[2] for r in got]):9.2f} {min(r[2] for r in got):7.2f} "
                     f"{med([r[3] for r in got]):7.2f} {med([r[4] for r in got]):7.2f} {max(r[5] for r in got):8.0f}"
                     + (f"   (ran in {len(got)} of {n} repetitions)" if len(got) < n else "")
                     + ("   (not in the step's total)" if key[0] not in STEP_STAGES else ""))
    return lines


def run(args):
    """The W2 step of a D = 1000 student (m = 2000, m_test = 100,000), stage by stage."""
    load0 = os.getloadavg()
    log = OUT / "wide-stages.log"
    launch, how = launch_prefix(log)
    reps, walls, sizes, storage = repetitions(args.wide_repeat, launch, log)
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
    ] + stage_rows(reps) + [
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
