#!/usr/bin/env python3
"""Benchmark peer for the train stage: scikit-learn SVC(kernel='linear').fit on the
training features of a features file (ntk-features, dense storage).

Reads /features/train and /labels/train with h5py, times the fit alone, and writes
a JSON result: fit seconds, peak RSS before the fit, support-vector counts. With
--compare svm.h5 (an ntk-train artifact), after the timed fit it also reports
max|w_ours - coef_| / max|coef_| and the intercept difference. Run by bench/bench.py
in a subprocess so that its own peak RSS can be measured.
"""
import argparse
import json
import resource
import time

import h5py
import numpy as np
from sklearn.svm import SVC


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("features")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--compare", help="an ntk-train svm.h5 to compare w and b with")
    ap.add_argument("--json", required=True, help="write the result here")
    args = ap.parse_args()

    with h5py.File(args.features, "r") as f:
        X = f["/features/train"][...]
        y = f["/labels/train"][...]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clf = SVC(kernel="linear", C=args.C)
    t0 = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - t0
    coef = clf.coef_.ravel()
    result = {
        "fit_s": fit_s,
        "rss_before_fit_mb": rss_before,
        "samples": int(X.shape[0]),
        "features": int(X.shape[1]),
        "n_support": [int(v) for v in clf.n_support_],
        "intercept": float(clf.intercept_[0]),
        "max_abs_coef": float(np.abs(coef).max()),
    }
    if args.compare:
        with h5py.File(args.compare, "r") as f:
            w = f["/weights"][...]
            b = float(f["/intercept"][()])
            ours_sv = [int(v) for v in f["/n_support"][...]]
            support = f["/support"][...]
            solved_from = f.attrs.get("solved_from", b"")
        result.update({
            "w_rel_diff": float(np.abs(w - coef).max() / np.abs(coef).max()),
            "b_abs_diff": abs(b - result["intercept"]),
            "ours_n_support": ours_sv,
            "same_support": bool(np.array_equal(np.sort(support), np.sort(clf.support_))),
            "ours_solved_from": solved_from.decode() if isinstance(solved_from, bytes) else str(solved_from),
        })
    with open(args.json, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
