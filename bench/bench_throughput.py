"""Benchmark `throughput` (bench/bench.py says what it reports): the rate at which
ntk-features writes, against h5py writing the same datasets with no computation, both
also with the time to fsync the finished file."""
import json
import os
import shutil
import subprocess
import sys
import time

from harness import (BIN, OUT, PEER_PY, ROOT, binaries_line, digests, gb, head_lines, make_quiet, measure, med,
                     peer_env, stage_env)

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


def layout(features):
    """(train shape, test shape, test chunks) of a features file, read by h5py."""
    probe = ("import h5py, json, sys; f = h5py.File(sys.argv[1]); "
             "print(json.dumps([list(f['/features/train'].shape), list(f['/features/test'].shape), "
             "list(f['/features/test'].chunks or [])]))")
    return json.loads(subprocess.run([str(PEER_PY), "-c", probe, str(features)], capture_output=True,
                                     text=True, check=True).stdout)


def interleaved(run, repeat):
    """`repeat` runs of ntk-features and of the raw h5py write, alternating; the file's
    layout and the raw writer's last JSON result. Each file is fsynced, then removed."""
    ours_out, raw_out, raw_json = run / "W" / "features.bench.h5", run / "W" / "raw.bench.h5", run / "raw.json"
    ours = {"wall": [], "cpu": [], "peak": [], "bytes": [], "fsync": []}
    raw = {"wall": [], "inner": [], "peak": [], "bytes": [], "fsync": []}
    shape = info = None
    for i in range(repeat):
        wall, cpu_s, peak, _ = measure([str(BIN / "ntk-features"), "--truth", str(run / "truth.h5"),
                                        "--network", str(run / "W" / "network.h5"), "--layer", "W",
                                        "--kind", "output-gradient", "--storage", "dense", "--test-features",
                                        "-o", str(ours_out)], stage_env())
        shape = shape or layout(ours_out)
        ours["bytes"].append(ours_out.stat().st_size)
        ours["fsync"].append(fsync_seconds(ours_out))
        for key, value in (("wall", wall), ("cpu", cpu_s), ("peak", peak)):
            ours[key].append(value)
        ours_out.unlink()
        (train_shape, test_shape, _) = shape
        wall, _, peak, _ = measure([str(PEER_PY), "bench/peer_h5_write.py", str(raw_out),
                                    "--train", str(train_shape[0]), "--test", str(test_shape[0]),
                                    "--columns", str(test_shape[1]), "--json", str(raw_json)], peer_env())
        info = json.loads(raw_json.read_text())
        raw["bytes"].append(raw_out.stat().st_size)
        raw["fsync"].append(fsync_seconds(raw_out))
        for key, value in (("wall", wall), ("inner", info["seconds"]), ("peak", peak)):
            raw[key].append(value)
        raw_out.unlink()
        print(f"throughput rep {i + 1}/{repeat}: ntk-features {ours['wall'][-1]:.2f} s "
              f"(+{ours['fsync'][-1]:.2f} s fsync), h5py write {raw['inner'][-1]:.2f} s "
              f"(+{raw['fsync'][-1]:.2f} s fsync)", file=sys.stderr)
    return ours, raw, shape, info


def run(args):
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
    try:
        ours, raw, (train_shape, test_shape, chunks), info = interleaved(run, args.throughput_repeat)
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
