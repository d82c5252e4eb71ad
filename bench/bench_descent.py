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
# (name, make variables, steps). m = 10^5 at the default widths 25,25: the size the issue is about (every
# learner linear in m), where each step is many small products and elementwise passes over m x 25 matrices,
# the part JAX's fusion is good at; at widths 256,256 the products dominate (T = 10: 0.5-1 s a step).
# The m = 4000 case has T = 250 (it was T = 1000) to keep the whole benchmark near ten minutes.
CASES = [
    ("W2, d = 25, widths 25,25, m = 100,000, T = 200", ["D=25", "WIDTHS=25,25", "M=100000"], 200),
    ("W2, d = 25, widths 256,256, m = 100,000, T = 10", ["D=25", "WIDTHS=256,256", "M=100000"], 10),
    ("W2, d = 25, widths 256,256, m = 4000, T = 250", ["D=25", "WIDTHS=256,256", "M=4000"], 250),
    ("W2, d = 25, widths 1000,1000, m = 2000, T = 20", ["D=25", "WIDTHS=1000,1000", "M=2000"], 20),
]
# Our stage on one thread (NTK_THREADS=1, as under make -j N >= cores) and with its default (every core when it
# runs alone: its gradient-descent workers take one each), against JAX with one thread and with XLA's default.
OURS_THREADS = {"one": {"NTK_THREADS": "1"}, "default": {}}
LABEL = {"one": "one thread", "default": "default threads"}


def jax(truth, network, eta, steps, env, compare=None):
    done = subprocess.run(
        [str(PEERS_PY), "bench/peer_jax_descent.py", str(truth), str(network), "--layer", "1", "--rate",
         repr(eta), "--steps", str(steps)] + (["--compare", str(compare)] if compare else []),
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run(args):
    load0 = os.getloadavg()
    if not PEERS_PY.exists():
        sys.exit(f"no {PEERS_PY}: run `make test-peers` (or `make .venv-peers/.installed`) first")
    lines = []
    for name, variables, steps in CASES:
        run_dir = ROOT / "data" / "bench" / ("descent-" + "-".join(v.split("=")[1].replace(",", "-")
                                                                     for v in variables[1:]))
        common = [f"RUN={run_dir.relative_to(ROOT)}", *variables, "M_TEST=1000", "LAYERS=W2", "INIT_SEEDS=0"]
        make_quiet(*common, f"{run_dir.relative_to(ROOT)}/truth.h5", f"{run_dir.relative_to(ROOT)}/W2/network.h5")
        truth, network = run_dir / "truth.h5", run_dir / "W2" / "network.h5"
        auto = run_dir / "W2" / "trained.auto.h5"
        stage = [str(BIN / "ntk-gradient-descent"), "--truth", str(truth), "--network", str(network), "--layer", "W2"]
        # η = auto once (timed: λ_max(K0) by --eigen-method auto, without K0), then both sides with that η.
        wall_auto, _, peak_auto, _ = measure(stage + ["--steps", "0", "-o", str(auto)], stage_env())
        with h5py.File(auto) as f:
            eta, how = float(f.attrs["learning_rate"]), f.attrs["lambda_max_method"]
        ours = {k: [] for k in OURS_THREADS}
        fixed = {k: [] for k in OURS_THREADS}
        peer = {k: [] for k in OURS_THREADS}
        compile_s, result = [], None
        out = run_dir / "W2" / "trained.bench.h5"
        for i in range(args.descent_repeat):
            for pairing, threads in OURS_THREADS.items():
                env = {**stage_env(), **threads}
                out.unlink(missing_ok=True)
                # T = 0: the stage without the steps (reading, λ_max skipped, test errors, kernel distance, writing).
                fixed[pairing].append(measure(stage + ["--steps", "0", "--rate", repr(eta), "--quiet", "-o", str(out)],
                                              env)[0])
                out.unlink(missing_ok=True)
                wall, _, peak, _ = measure(
                    stage + ["--steps", str(steps), "--rate", repr(eta), "--quiet", "-o", str(out)], env)
                ours[pairing].append((wall, peak))
                jax_env = ONE_THREAD if pairing == "one" else peer_env()
                result = jax(truth, network, eta, steps, jax_env, compare=out if pairing == "one" else None)
                peer[pairing].append((result["steps_s"], result["compile_s"]))
                if pairing == "one":
                    compile_s.append(result["compile_s"])
                    difference = result["theta_rel_diff"]
                print(f"descent {name} rep {i + 1} ({LABEL[pairing]}): ours {wall:.2f} s, JAX {result['steps_s']:.2f} s "
                      f"(+ compile {result['compile_s']:.2f} s)", file=sys.stderr)
        lines.append(f"{name}:")
        for pairing, threads in OURS_THREADS.items():
            ours_wall = med([w for w, _ in ours[pairing]])
            ours_step = med([(w - f) / steps for (w, _), f in zip(ours[pairing], fixed[pairing])])
            peer_whole = med([s + c for s, c in peer[pairing]])
            peer_step = med([s / steps for s, _ in peer[pairing]])
            jax_threads = "one thread" if pairing == "one" else "XLA's default threads (every core)"
            lines += [
                f"  {LABEL[pairing]}: ntk-gradient-descent{''.join(f' with {k}={v}' for k, v in threads.items())} "
                f"(process, reading, "
                f"T steps, trajectory with test errors, kernel distance, writing): median {ours_wall:.2f} s, "
                f"{ours_step * 1e3:.1f} ms a step (T steps less the T = 0 run: {med(fixed[pairing]):.2f} s), "
                f"peak {max(p for _, p in ours[pairing]):.0f} MB",
                f"    JAX jit (fori_loop, float64, CPU, {jax_threads}): T steps + compile median {peer_whole:.2f} s, "
                f"{peer_step * 1e3:.1f} ms a step",
                f"    ratio JAX / ours: whole {peer_whole / ours_wall:.2f}x, per step {peer_step / ours_step:.2f}x",
            ]
        lines += [
            f"  JAX compile alone (one thread): median {med(compile_s):.2f} s; θ_T max relative difference "
            f"{difference:.1e}",
            f"  η = auto (λ_max(K0), {how}; T = 0, one thread): {wall_auto:.2f} s, peak {peak_auto:.0f} MB; "
            f"η = {eta:.6g}",
        ]
    return "\n".join(head_lines("descent (trained baseline) against JAX", load0) + lines
                     + [binaries_line(digests(BIN, ["gradient-descent"]))]) + "\n"
