"""Benchmark `train` (bench/bench.py says what it reports): ntk-train and scikit-learn's
fit on the same features file, made once by make and not timed."""
import json
import os
import re
import sys

from harness import (BIN, PEER_PY, ROOT, binaries_line, digests, head_lines, make_env, make_quiet, mb, measure, med,
                     peer_env, stage_env)

TRAIN_RUN = "data/bench/train"
TRAIN_VARS = ["M=20000", "M_TEST=1000", "LAYERS=W", "INIT_SEEDS=0"]


def interleaved(features, repeat):
    """`repeat` runs of ntk-train and of the peer's fit, alternating; the peer's last JSON result."""
    ours_out, peer_json = features.parent / "svm.bench.h5", features.parent / "peer.bench.json"
    ours = {"wall": [], "cpu": [], "peak": [], "solve": []}
    peer = {"wall": [], "fit": [], "peak": []}
    result = None
    for i in range(repeat):
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
        print(f"train rep {i + 1}/{repeat}: ntk-train {ours['wall'][-1]:.2f} s, "
              f"sklearn fit {result['fit_s']:.2f} s, w rel. diff {result['w_rel_diff']:.2e}", file=sys.stderr)
    ours_out.unlink(missing_ok=True)
    peer_json.unlink(missing_ok=True)
    return ours, peer, result


def run(args):
    """ntk-train on dense W features (m = 20,000, d = 25) against SVC(kernel='linear').fit."""
    load0 = os.getloadavg()
    features = ROOT / TRAIN_RUN / "W" / "features.h5"
    print("train: building the features (make) ...", file=sys.stderr)
    setup = make_quiet(f"RUN={TRAIN_RUN}", *TRAIN_VARS, f"{TRAIN_RUN}/W/features.h5")
    ours, peer, result = interleaved(features, args.train_repeat)
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
