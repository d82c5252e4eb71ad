"""Benchmark `kernel` (bench/bench.py says what it reports): the infinite-width
tangent kernel K∞ of m = 20,000 training inputs (d = 25, widths 25,25) in
ntk-infinite-kernel against neural-tangents' kernel_fn."""
import json
import os
import re
import subprocess
import sys

from harness import BIN, ROOT, binaries_line, digests, head_lines, make_quiet, measure, med, peer_env, stage_env

PEERS_PY = ROOT / ".venv-peers" / "bin" / "python"
RUN = "data/bench/kernel"
VARIABLES = ["D=25", "WIDTHS=25,25", "M=20000", "M_TEST=1000", "LAYERS=all", "INIT_SEEDS=0"]


def run(args):
    load0 = os.getloadavg()
    if not PEERS_PY.exists():
        sys.exit(f"no {PEERS_PY}: run `make test-peers` (or `make .venv-peers/.installed`) first")
    make_quiet(f"RUN={RUN}", *VARIABLES, f"{RUN}/truth.h5", f"{RUN}/all/network.h5")
    truth, network, out = ROOT / RUN / "truth.h5", ROOT / RUN / "all" / "network.h5", ROOT / RUN / "all" / "k.bench.h5"
    ours, peer = [], []
    for i in range(args.kernel_repeat):
        out.unlink(missing_ok=True)
        wall, _, peak, err = measure([str(BIN / "ntk-infinite-kernel"), "--truth", str(truth), "--network",
                                      str(network), "--layer", "all", "-o", str(out)], stage_env())
        kernel_s = float(re.search(r"K∞ of \d+ × \d+ in ([\d.]+) s", err)[1])
        ours.append((kernel_s, wall, peak))
        done = subprocess.run([str(PEERS_PY), "bench/peer_nt_kernel.py", str(truth)], cwd=ROOT, env=peer_env(),
                              capture_output=True, text=True, check=True)
        peer.append(json.loads(done.stdout)["seconds"])
        print(f"kernel rep {i + 1}: K∞ {kernel_s:.2f} s (stage {wall:.2f} s), neural-tangents {peer[-1]:.2f} s",
              file=sys.stderr)
    out.unlink(missing_ok=True)
    kernel_s, wall = med([k for k, _, _ in ours]), med([w for _, w, _ in ours])
    lines = [
        "K∞ of m = 20,000 training inputs, d = 25, widths 25,25, layer all (every term of the recursion):",
        f"  ntk-infinite-kernel, the kernel's rows as libsvm asks for them: median {kernel_s:.2f} s;",
        f"    the whole stage (with libsvm on K∞ and the test decisions): median {wall:.2f} s, "
        f"peak {max(p for _, _, p in ours):.0f} MB (libsvm's copy of K∞: 16 bytes an entry, 6.4 GB)",
        f"  neural-tangents kernel_fn(x, None, 'ntk'), nt.batch 1000, float64, CPU: median {med(peer):.2f} s",
        f"  ratio neural-tangents / ours (kernel): {med(peer) / kernel_s:.2f}x",
    ]
    return "\n".join(head_lines("kernel (infinite-width) against neural-tangents", load0) + lines
                     + [binaries_line(digests(BIN, ["infinite-kernel"]))]) + "\n"
