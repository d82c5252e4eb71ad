"""Benchmark `big`: the `default` benchmark at d = 100 (widths 100,100, M = 1000,
M_TEST = 1,000,000, the three steps W V u): `make` against bench/reference.py with the
same parameters (--d 100 --m 1000 --m-test 1000000), interleaved, median of
--big-repeat; then each stage profiled once."""
import os
import re
import sys

from bench_default import environment_lines, interleaved, peer, stage_lines, stage_profile, whole_run_lines
from harness import BUILT, digests

MAKE_VARS = ("D=100", "M=1000", "M_TEST=1000000")
PEER_ARGS = ("--d", "100", "--m", "1000", "--m-test", "1000000")


def run(args):
    load0 = os.getloadavg()
    built0 = digests(BUILT)
    print("profiling stages (also a warm-up) ...", file=sys.stderr)
    profile = stage_profile(MAKE_VARS)
    times, cpu, peak = interleaved(args.big_repeat, MAKE_VARS, PEER_ARGS)
    _, _, _, peer_log = peer(PEER_ARGS)
    peer_steps = re.findall(r"^(step \w+|total): ([\d.]+) s", peer_log, re.M)
    lines = environment_lines(load0, built0) + [""]
    lines += whole_run_lines(args.big_repeat, times, cpu, peak, None, MAKE_VARS, PEER_ARGS)
    lines += [""] + stage_lines(*profile)
    lines += ["", "Peer's own step timer, one run", "  " + ", ".join(f"{name} {sec} s" for name, sec in peer_steps)]
    return "\n".join(lines) + "\n"
