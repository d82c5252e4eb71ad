#!/usr/bin/env python3
"""Benchmark peer for the linear solver: a scikit-learn linear SVM fitted on the training
features of a dense features file (ntk-features --storage=dense), on one thread.

  linearsvc  LinearSVC(loss='hinge', dual=True, C, tol default, max_iter --max-iter)
  sgd        SGDClassifier(loss='hinge', alpha = 1/(m C), fit_intercept=True, defaults otherwise)
  svc        SVC(kernel='linear', C)

Reads /features/train and /labels/train with h5py, times the fit alone (threadpoolctl
and OPENBLAS_NUM_THREADS=1: one BLAS thread), and writes a JSON result: fit seconds,
n_iter_, the warnings the fit raised (ConvergenceWarning), w and b. Run by
bench/bench_linear.py in a subprocess so that its peak RSS is its own.

  --objective FILE...  instead: P(w, b) = ½‖w‖² + C Σ max(0, 1 − y (w·g + b)), b
              unpenalised, for each solution (an ntk-train svm.h5 or a JSON of this
              script), computed with numpy from the features; a JSON list on stdout.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def training_set(path):
    with h5py.File(path, "r") as f:
        if f.attrs.get("storage", b"dense") not in (b"dense", "dense"):
            raise SystemExit(f"{path}: dense features needed (storage {f.attrs['storage']})")
        return f["/features/train"][...], f["/labels/train"][...].astype(np.float64)


def solution(path):
    """(w, b, what) of an ntk-train svm.h5 or of this script's JSON."""
    if path.endswith(".json"):
        r = json.load(open(path))
        return np.array(r["w"]), r["b"], r["model"]
    with h5py.File(path, "r") as f:
        solver = f.attrs.get("solver", b"?")
        return f["/weights"][...], float(f["/intercept"][()]), solver.decode() if isinstance(solver, bytes) else solver


def primal(X, y, w, b, C):
    """P(w, b) of the unpenalised-bias problem, and its hinge sum."""
    hinge = np.maximum(0.0, 1.0 - y * (X @ w + b)).sum()
    return 0.5 * float(w @ w) + C * float(hinge), float(hinge)


def objectives(features, paths, C):
    X, y = training_set(features)
    out = []
    for p in paths:
        w, b, what = solution(p)
        P, hinge = primal(X, y, w, b, C)
        out.append({"path": p, "what": what, "primal": P, "hinge": hinge, "w_norm2": float(w @ w), "b": b})
    return out


def fit(model, X, y, C, max_iter):
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import SVC, LinearSVC
    m = X.shape[0]
    if model == "linearsvc":
        clf = LinearSVC(loss="hinge", dual=True, C=C, max_iter=max_iter)
    elif model == "sgd":
        clf = SGDClassifier(loss="hinge", alpha=1.0 / (m * C), fit_intercept=True)
    else:
        clf = SVC(kernel="linear", C=C)
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t0
    n_iter = getattr(clf, "n_iter_", None)
    return clf, fit_s, (int(np.max(n_iter)) if n_iter is not None else None), \
        [f"{w.category.__name__}: {w.message}" for w in caught]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("features")
    ap.add_argument("--model", choices=("linearsvc", "sgd", "svc"))
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--max-iter", type=int, default=100000, help="LinearSVC's max_iter (default 100000)")
    ap.add_argument("--json", help="write the fit's result here")
    ap.add_argument("--objective", nargs="+", metavar="FILE", help="the primal objective of these solutions")
    args = ap.parse_args()
    if args.objective:
        print(json.dumps(objectives(args.features, args.objective, args.C)))
        return
    if not (args.model and args.json):
        ap.error("--model and --json are needed to fit")
    X, y = training_set(args.features)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clf, fit_s, n_iter, caught = fit(args.model, X, y, args.C, args.max_iter)
    w, b = clf.coef_.ravel(), float(np.ravel(clf.intercept_)[0])
    result = {"model": args.model, "fit_s": fit_s, "n_iter": n_iter, "warnings": caught,
              "rss_before_fit_mb": rss_before, "samples": int(X.shape[0]), "features": int(X.shape[1]),
              "max_iter": args.max_iter if args.model == "linearsvc" else None,
              "w": w.tolist(), "b": b}
    with open(args.json, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
