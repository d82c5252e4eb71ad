"""Benchmark `descent` (bench/bench.py says what it reports): ntk-gradient-descent
against JAX doing the same steps from the same weights."""
import json
import os
import subprocess
import sys

import h5py

from harness import BIN, ROOT, binaries_line, digests, head_lines, make_quiet, measure, med, peer_env, stage_env

PEERS_PY = ROOT / ".venv-peers" / "bin" / "python"
# One thread, as each stage has (OPENBLAS_NUM_THREADS=1 under make): XLA's CPU backend otherwise
# spreads its products over every core.
ONE_THREAD = {**peer_env(), "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
CASES = [  # (name, make variables, steps)
    ("W2, d = 25, widths 256,256, m = 4000, T = 1000", ["D=25", "WIDTHS=256,256", "M=4000"], 1000),
    ("W2, d = 25, widths 1000,1000, m = 2000, T = 20 (per step)", ["D=25", "WIDTHS=1000,1000", "M=2000"], 20),
]


def run(args):
    load0 = os.getloadavg()
    if not PEERS_PY.exists():
        sys.exit(f"no {PEERS_PY}: run `make test-peers` (or `make .venv-peers/.installed`) first")
    lines = []
    for name, variables, steps in CASES:
        run_dir = ROOT / "data" / "bench" / ("descent-" + variables[1].split("=")[1].replace(",", "-"))
        common = [f"RUN={run_dir.relative_to(ROOT)}", *variables, "M_TEST=1000", "LAYERS=W2", "INIT_SEEDS=0"]
        make_quiet(*common, f"{run_dir.relative_to(ROOT)}/truth.h5", f"{run_dir.relative_to(ROOT)}/W2/network.h5")
        truth, network = run_dir / "truth.h5", run_dir / "W2" / "network.h5"
        auto = run_dir / "W2" / "trained.auto.h5"
        # η = auto once (timed: it adds K0 and λ_max), then both sides with that η.
        wall_auto, _, peak_auto, _ = measure(
            [str(BIN / "ntk-gradient-descent"), "--truth", str(truth), "--network", str(network), "--layer", "W2",
             "--steps", "0", "-o", str(auto)], stage_env())
        with h5py.File(auto) as f:
            eta = float(f.attrs["learning_rate"])
        ours, peer, peer_default, result = [], [], [], None
        out = run_dir / "W2" / "trained.bench.h5"
        for i in range(args.descent_repeat):
            out.unlink(missing_ok=True)
            wall, _, peak, _ = measure(
                [str(BIN / "ntk-gradient-descent"), "--truth", str(truth), "--network", str(network), "--layer", "W2",
                 "--steps", str(steps), "--rate", repr(eta), "--quiet", "-o", str(out)], stage_env())
            ours.append((wall, peak))
            done = subprocess.run(
                [str(PEERS_PY), "bench/peer_jax_descent.py", str(truth), str(network), "--layer", "1", "--rate",
                 repr(eta), "--steps", str(steps), "--compare", str(out)],
                cwd=ROOT, env=ONE_THREAD, capture_output=True, text=True, check=True)
            result = json.loads(done.stdout)
            peer.append(result["steps_s"] + result["compile_s"])
            # XLA's default: its products over every core.
            default = subprocess.run(
                [str(PEERS_PY), "bench/peer_jax_descent.py", str(truth), str(network), "--layer", "1", "--rate",
                 repr(eta), "--steps", str(steps)], cwd=ROOT, env=peer_env(), capture_output=True, text=True, check=True)
            default_result = json.loads(default.stdout)
            peer_default.append(default_result["steps_s"] + default_result["compile_s"])
            print(f"descent {name} rep {i + 1}: ours {wall:.2f} s, JAX {result['steps_s']:.2f} s "
                  f"(+ compile {result['compile_s']:.2f} s)", file=sys.stderr)
        ours_wall, peer_wall = med([w for w, _ in ours]), med(peer)
        lines += [
            f"{name}:",
            f"  ntk-gradient-descent (process, reading, T steps, trajectory with test errors, writing): "
            f"median {ours_wall:.2f} s ({ours_wall / steps * 1e3:.1f} ms a step), peak {max(p for _, p in ours):.0f} MB",
            f"  JAX jit (fori_loop, float64, CPU, one thread), T steps + compile: median {peer_wall:.2f} s "
            f"({peer_wall / steps * 1e3:.1f} ms a step; compile alone {result['compile_s']:.2f} s)",
            f"  ratio JAX / ours: {peer_wall / ours_wall:.2f}x; θ_T max relative difference {result['theta_rel_diff']:.1e}",
            f"  JAX with XLA's default threads (every core; ours keeps one): median {med(peer_default):.2f} s, "
            f"ratio {med(peer_default) / ours_wall:.2f}x",
            f"  η = auto (K0, then λ_max by dsyevr; T = 0): {wall_auto:.2f} s, peak {peak_auto:.0f} MB; η = {eta:.6g}",
        ]
    return "\n".join(head_lines("descent (trained baseline) against JAX", load0) + lines
                     + [binaries_line(digests(BIN, ["gradient-descent"]))]) + "\n"
