#!/usr/bin/env python3
"""Benchmark the Swift pipeline against peers measured in the same run (never asserted).

  default     the whole default pipeline (`make`) against bench/reference.py (numpy +
              scikit-learn), interleaved; then each stage profiled once (wall time, max
              RSS) and the pipeline once more with NTK_THREADS=1.
  train       ntk-train on dense W features, m = 20,000, d = 25, against scikit-learn
              SVC(kernel='linear', C=1).fit (bench/peer_svc_fit.py): times, peak RSS,
              the ratio, and max|w_ours - coef_| / max|coef_|.
  wide        the W2 step of a D = 1000 student (m = 2000, m_test = 100,000), every
              stage under a timer: the step's total, its largest peak RSS, the size of
              the features file against what dense features would need.
  big         the default benchmark at d = 100, widths 100,100, M = 1000, M_TEST = 10^6
              against bench/reference.py with the same parameters, interleaved.
  throughput  ntk-features at d = 25, m_test = 1,000,000 (W, dense, ~5 GB) against
              writing the same datasets with h5py and no computation
              (bench/peer_h5_write.py): bytes per second, and the fraction.
  descent     ntk-gradient-descent training W2 (d = 25: widths 25,25 and 256,256 at
              m = 100,000; widths 256,256, m = 4000; widths 1000,1000, m = 2000) against
              JAX (jit, float64, CPU; bench/peer_jax_descent.py in .venv-peers) doing the
              same steps from the same weights with the same η, both on one thread and
              both with their default threads; and η = auto's λ_max alone.
  kernel      ntk-infinite-kernel: K∞ of m = 20,000 training inputs (d = 25, widths 25,25,
              all) against neural-tangents' kernel_fn (batched, float64, CPU;
              bench/peer_nt_kernel.py in .venv-peers); the whole stage's time and peak.

Large m (opt-in: in --only, not in the default set; together about half an hour):
  linear      ntk-train --solver=linear on dense W features, d = 25, C = 1: at m = 200,000
              (default gap tolerance and 1e-7) against scikit-learn LinearSVC(loss='hinge')
              and SGDClassifier(loss='hinge', alpha = 1/(m C)) (bench/peer_linear_fit.py, one
              thread); at m = 20,000 against ntk-train --solver=libsvm and SVC(kernel='linear');
              the u step (p = 25) at m = 200,000. Times, and every solution's primal objective
              P(w, b) of the unpenalised-bias problem computed with numpy from the features.
  million     the whole pipeline, d = 25, m = 1,000,000, m_test = 100,000, steps W V u, from a
              clean run folder: total time, each stage's time and peak RSS, the test errors.
  baselines-100k  the same at m = 100,000, m_test = 10,000 with BASELINES="infinite trained"
              (--large-baselines to change the list).

Pick with --only (default: every benchmark above the large-m ones). Each report goes to stdout and is appended to
data/bench/latest.txt as its benchmark ends, with the load average at its start and
end (the machine is shared).
"""
import argparse
import sys

import bench_big
import bench_default
import bench_descent
import bench_kernel
import bench_linear
import bench_million
import bench_throughput
import bench_train
import bench_wide
from harness import run_all, wrap

BENCHMARKS = {"default": bench_default.run, "big": bench_big.run, "train": bench_train.run, "wide": bench_wide.run,
              "throughput": bench_throughput.run, "descent": bench_descent.run, "kernel": bench_kernel.run,
              "linear": bench_linear.run, "million": bench_million.run_million,
              "baselines-100k": bench_million.run_baselines}
# Minutes to half an hour each: run only when named in --only.
OPT_IN = ("linear", "million", "baselines-100k")
DEFAULT = [b for b in BENCHMARKS if b not in OPT_IN]


def arguments():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(DEFAULT),
                    help=f"comma-separated benchmarks to run, of {','.join(BENCHMARKS)} "
                         f"(default: {','.join(DEFAULT)}; the large-m ones, {','.join(OPT_IN)}, only when named)")
    ap.add_argument("--repeat", type=int, default=5, help="default: interleaved repetitions (default 5)")
    ap.add_argument("--big-repeat", type=int, default=5,
                    help="big: interleaved repetitions (default 5; the peer takes 5 min or more a run)")
    ap.add_argument("--train-repeat", type=int, default=1, help="train: repetitions (default 1; sklearn takes minutes)")
    ap.add_argument("--wide-repeat", type=int, default=3, help="wide: repetitions (default 3)")
    ap.add_argument("--throughput-repeat", type=int, default=3, help="throughput: interleaved repetitions (default 3)")
    ap.add_argument("--descent-repeat", type=int, default=3, help="descent: interleaved repetitions (default 3)")
    ap.add_argument("--kernel-repeat", type=int, default=1, help="kernel: interleaved repetitions (default 1)")
    ap.add_argument("--linear-repeat", type=int, default=3,
                    help="linear: repetitions of each ntk-train --solver=linear run (default 3; the peers and "
                         "the libsvm path run --linear-peer-repeat times)")
    ap.add_argument("--linear-peer-repeat", type=int, default=1,
                    help="linear: repetitions of the peers and of ntk-train --solver=libsvm (default 1: minutes each)")
    ap.add_argument("--large-baselines", default="infinite trained",
                    help='baselines-100k: the BASELINES list (default "infinite trained")')
    ap.add_argument("--keep-runs", action="store_true",
                    help="million, baselines-100k: keep the run folder (default: removed after the report)")
    args = ap.parse_args()
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown or not chosen:
        ap.error(f"--only: unknown benchmark(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(BENCHMARKS)}")
    if min(args.repeat, args.big_repeat, args.train_repeat, args.wide_repeat, args.throughput_repeat,
           args.descent_repeat, args.kernel_repeat, args.linear_repeat, args.linear_peer_repeat) < 1:
        ap.error("repetitions must be >= 1")
    return args, chosen


def main():
    if sys.argv[1:2] == ["--wrap"]:  # a stage timed through LAUNCH where GNU time is missing
        sys.exit(wrap(sys.argv[2], sys.argv[3:]))
    args, chosen = arguments()
    run_all(BENCHMARKS, chosen, args)


if __name__ == "__main__":
    main()
