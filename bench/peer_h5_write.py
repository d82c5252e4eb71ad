#!/usr/bin/env python3
"""Benchmark peer for the features stage: write the bytes a dense features file holds,
with no computation, through h5py.

Mirrors what ntk-features writes (Sources/HDF5IO/Dataset.swift, FeaturesArtifact):
/features/<split> float64 of shape (rows, columns), chunked by blocks of rows of
about 1 MiB (contiguous when the dataset is at most 1 MiB), no compression, written
in blocks of 8192 rows; /labels/<split> float64 vectors. The values are drawn once
before the timer and the same block is written again and again. Prints nothing;
writes a JSON result (seconds from file creation to close, bytes) to --json.
"""
import argparse
import json
import time

import h5py
import numpy as np

BLOCK_ROWS = 8192  # streamingBlockRows in Sources/Artifacts/Split.swift


def chunks(rows, columns):
    """The chunk shape Sources/HDF5IO/Dataset.swift chooses (None: contiguous)."""
    row_bytes = 8 * columns
    if rows > 0 and columns > 0 and rows * row_bytes > 1 << 20:
        return (max(1, min(rows, (1 << 20) // row_bytes)), columns)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output")
    ap.add_argument("--train", type=int, required=True, help="training rows")
    ap.add_argument("--test", type=int, required=True, help="test rows")
    ap.add_argument("--columns", type=int, required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args()

    block = np.random.default_rng(0).standard_normal((BLOCK_ROWS, args.columns))
    labels = {"train": np.ones(args.train), "test": np.ones(args.test)}
    t0 = time.perf_counter()
    with h5py.File(args.output, "w") as f:
        for split, rows in (("train", args.train), ("test", args.test)):
            ds = f.create_dataset(f"/features/{split}", shape=(rows, args.columns), dtype="f8",
                                  chunks=chunks(rows, args.columns))
            f.create_dataset(f"/labels/{split}", data=labels[split])
            for start in range(0, rows, BLOCK_ROWS):
                end = min(start + BLOCK_ROWS, rows)
                ds[start:end] = block[: end - start]
    seconds = time.perf_counter() - t0
    with open(args.json, "w") as f:
        json.dump({"seconds": seconds, "chunks": chunks(args.test, args.columns),
                   "hdf5": h5py.version.hdf5_version}, f)


if __name__ == "__main__":
    main()
