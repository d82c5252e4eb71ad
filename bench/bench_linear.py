"""Benchmark `linear` (bench/bench.py says what it reports): ntk-train --solver=linear on
dense features made once by make (not timed), against scikit-learn's linear SVMs and
libsvm's path on the same file, in the same run. Every solution's primal objective
P(w, b) = ½‖w‖² + C Σ max(0, 1 − y (w·g + b)), b unpenalised, is computed with numpy
from the features (bench/peer_linear_fit.py --objective), whatever the solver minimised
(LinearSVC penalises its intercept; SGDClassifier minimises P / (m C))."""
import json
import os
import re
import sys

from harness import (BIN, PEER_PY, ROOT, binaries_line, digests, head_lines, make_quiet, mb, measure, med,
                     peer_env, stage_env)

PEER = "bench/peer_linear_fit.py"
# (name, run folder, make variables, layer)
FEATURES = {
    "200k-W": ("data/bench/linear-200k", ["M=200000", "M_TEST=1000", "LAYERS=W", "INIT_SEEDS=0", "STORAGE=dense"], "W"),
    "20k-W": ("data/bench/linear-20k", ["M=20000", "M_TEST=1000", "LAYERS=W", "INIT_SEEDS=0", "STORAGE=dense"], "W"),
    "200k-u": ("data/bench/linear-200k-u", ["M=200000", "M_TEST=1000", "LAYERS=u", "INIT_SEEDS=0", "STORAGE=dense"],
               "u"),
}


def attrs_of(svm):
    """The svm.h5 attributes the report quotes, read with h5py in the peer's python."""
    code = ("import h5py, json, sys; a = h5py.File(sys.argv[1], 'r').attrs; "
            "print(json.dumps({k: (a[k].decode() if isinstance(a[k], bytes) else a[k].item() "
            "if hasattr(a[k], 'item') else a[k]) for k in a if k in ('solver', 'solved_from', 'passes', "
            "'duality_gap', 'primal_objective', 'dual_objective', 'training_seconds', 'gap_tolerance')}))")
    import subprocess
    out = subprocess.run([str(PEER_PY), "-c", code, str(svm)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def ours(features, out, flags, repeat, tag):
    """`repeat` runs of ntk-train with flags; wall, CPU, peak, the last file's attributes."""
    walls, cpus, peaks = [], [], []
    for i in range(repeat):
        out.unlink(missing_ok=True)
        try:
            wall, cpu_s, peak, _ = measure([str(BIN / "ntk-train"), f"--features={features}", "--C=1", *flags,
                                            f"--output={out}"], stage_env())
        except SystemExit as e:  # e.g. the pass limit: say so, and go on with the others
            msg = next((l for l in str(e.code).splitlines() if ": error: " in l), str(e.code)[-300:])
            print(f"linear {tag}: ntk-train {' '.join(flags)} FAILED: {msg}", file=sys.stderr)
            return {"failed": msg, "file": out, "wall": walls or [float("nan")], "cpu": cpus or [float("nan")],
                    "peak": peaks or [float("nan")], "attrs": {}, "P": float("nan")}
        walls.append(wall), cpus.append(cpu_s), peaks.append(peak)
        print(f"linear {tag} rep {i + 1}/{repeat}: ntk-train {' '.join(flags)} {wall:.2f} s", file=sys.stderr)
    return {"wall": walls, "cpu": cpus, "peak": peaks, "attrs": attrs_of(out), "file": out}


def peer(features, out, model, repeat, tag):
    """`repeat` fits of the peer (one thread); fit times, peak, the last JSON result."""
    fits, peaks, result = [], [], None
    env = {**peer_env(), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    for i in range(repeat):
        out.unlink(missing_ok=True)
        _, _, peak, _ = measure([str(PEER_PY), PEER, str(features), "--model", model, "--C", "1",
                                 "--json", str(out)], env)
        result = json.loads(out.read_text())
        fits.append(result["fit_s"]), peaks.append(peak)
        print(f"linear {tag} rep {i + 1}/{repeat}: {model} fit {result['fit_s']:.2f} s, n_iter {result['n_iter']}",
              file=sys.stderr)
    return {"fit": fits, "peak": peaks, "result": result, "file": out}


def objectives(features, entries):
    """P(w, b) of every entry's solution, with numpy (one process, the features read once)."""
    import subprocess
    done = [e for e in entries if "failed" not in e]
    files = [str(e["file"]) for e in done]
    out = subprocess.run([str(PEER_PY), PEER, str(features), "--C", "1", "--objective", *files], cwd=ROOT,
                         capture_output=True, text=True, check=True, env=peer_env()).stdout
    for e, o in zip(done, json.loads(out)):
        e["P"] = o["primal"]


def fmt_ours(name, e):
    if "failed" in e:
        return f"  {name:<44} FAILED after {e['wall'][-1]:.2f} s: {e['failed']}"
    a = e["attrs"]
    n = len(e["wall"])
    return (f"  {name:<44} {med(e['wall']):8.2f} s  (min {min(e['wall']):.2f}; CPU {med(e['cpu']):.2f} s; "
            f"its solve {a.get('training_seconds', float('nan')):.2f} s; {n} run{'s' if n > 1 else ''})  "
            f"peak {max(e['peak']):6.0f} MB   P = {e['P']:.10e}   "
            + (f"passes {a.get('passes')}, gap {a.get('duality_gap'):.2e}" if a.get("solver") != "libsvm" else
               f"{a.get('solved_from')}; its gap {a.get('duality_gap', float('nan')):.2e}"))


def fmt_peer(name, e):
    r = e["result"]
    n = len(e["fit"])
    warn = "; ".join(w[:110] for w in r["warnings"]) or "no warning"
    return (f"  {name:<44} {med(e['fit']):8.2f} s  (fit only, one thread; {n} run{'s' if n > 1 else ''}; "
            f"n_iter_ {r['n_iter']}{', max_iter ' + str(r['max_iter']) if r['max_iter'] else ''})  "
            f"peak {max(e['peak']):6.0f} MB   P = {e['P']:.10e}   [{warn}]")


def comparison(entries, best_of):
    """Each entry's time ratio to the first and relative objective excess over the lowest."""
    entries = [e for e in entries if "failed" not in e]
    best_of = [(n, e) for n, e in best_of if "failed" not in e]
    lowest = min(e["P"] for e in entries)
    base = entries[0]
    t0 = med(base["wall"])
    lines = [f"  lowest P: {lowest:.10e}"]
    for name, e in best_of:
        t = med(e["wall"]) if "wall" in e else med(e["fit"])
        lines.append(f"    {name:<44} (P - lowest)/lowest = {(e['P'] - lowest) / lowest:10.3e}   "
                     f"time / {base['name']}: {t / t0:7.2f}")
    return lines


def part(tag, features, specs, args):
    """specs: (name, kind, flags-or-model); ours run --linear-repeat times unless libsvm."""
    folder = features.parent
    entries = []
    for name, kind, what in specs:
        out = folder / f"bench-{len(entries)}.{'h5' if kind == 'ours' else 'json'}"
        if kind == "ours":
            rep = args.linear_peer_repeat if "--solver=libsvm" in what else args.linear_repeat
            e = ours(features, out, what, rep, tag)
        else:
            rep = args.linear_repeat if what == "sgd" else args.linear_peer_repeat
            e = peer(features, out, what, rep, tag)
        e["name"], e["kind"] = name, kind
        entries.append(e)
    objectives(features, entries)
    lines = [fmt_ours(e["name"], e) if e["kind"] == "ours" else fmt_peer(e["name"], e) for e in entries]
    lines += comparison(entries, [(e["name"], e) for e in entries])
    for e in entries:
        e["file"].unlink(missing_ok=True)
    return lines


def run(args):
    load0 = os.getloadavg()
    made = {}
    for key, (folder, make_vars, layer) in FEATURES.items():
        print(f"linear: features {key} (make) ...", file=sys.stderr)
        made[key] = make_quiet(f"RUN={folder}", *make_vars, f"{folder}/{layer}/features.h5")
    f = {k: ROOT / v[0] / v[2] / "features.h5" for k, v in FEATURES.items()}
    lines = [
        binaries_line(digests(BIN, ["train"])),
        "features made by make (not timed): " + "; ".join(
            f"{FEATURES[k][0]} {' '.join(FEATURES[k][1])} ({mb(f[k].stat().st_size)}, {made[k]:.0f} s)" for k in f),
        "ours: the whole ntk-train process (read, solve, write), wall; medians of --linear-repeat "
        f"({args.linear_repeat}); libsvm's path and LinearSVC/SVC: --linear-peer-repeat ({args.linear_peer_repeat}), "
        "SGDClassifier --linear-repeat; peers: fit only, one thread (threadpoolctl, OPENBLAS_NUM_THREADS=1)",
        "P = ½‖w‖² + C Σ max(0, 1 − y(w·g + b)) with b unpenalised, computed with numpy from the features "
        "and each solution's (w, b)",
        "",
        "(a) W step, m = 200,000 (p = 625)",
    ]
    lines += part("200k-W", f["200k-W"], [
        ("ours --solver=linear (gap 1e-5)", "ours", ["--solver=linear"]),
        ("ours --solver=linear --gap-tolerance=1e-7", "ours", ["--solver=linear", "--gap-tolerance=1e-7"]),
        ("LinearSVC(loss='hinge', dual=True, C=1)", "peer", "linearsvc"),
        ("SGDClassifier(loss='hinge', alpha=1/(mC))", "peer", "sgd"),
    ], args)
    print("\n".join(lines), file=sys.stderr)
    lines += ["", "(b) W step, m = 20,000 (p = 625)"]
    lines += part("20k-W", f["20k-W"], [
        ("ours --solver=linear (gap 1e-5)", "ours", ["--solver=linear"]),
        ("ours --solver=libsvm (precomputed K)", "ours", ["--solver=libsvm"]),
        ("SVC(kernel='linear', C=1)", "peer", "svc"),
    ], args)
    lines += ["", "(c) u step, m = 200,000 (p = 25)"]
    lines += part("200k-u", f["200k-u"], [
        ("ours --solver=linear (gap 1e-5)", "ours", ["--solver=linear"]),
        ("ours --solver=linear --gap-tolerance=1e-7", "ours", ["--solver=linear", "--gap-tolerance=1e-7"]),
        ("LinearSVC(loss='hinge', dual=True, C=1)", "peer", "linearsvc"),
        ("SGDClassifier(loss='hinge', alpha=1/(mC))", "peer", "sgd"),
    ], args)
    head = head_lines("linear solver at large m, d = 25, widths 25,25, dense features, C = 1", load0)
    return "\n".join(head + lines) + "\n"
