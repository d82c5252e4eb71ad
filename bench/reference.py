#!/usr/bin/env python3
"""Vectorized numpy + scikit-learn reference for the "Fully Connected" experiment of
learning-using-ntk-v2 (cells In[3]..In[16]).

A 3-layer net f(x) = sgn(u^T relu(V relu(W x))) is trained one layer at a time:
features g(x) = df/dθ for one layer at a random init, a linear SVM on g, and the
SVM hyperplane (reshaped to the layer's shape) becomes that layer's weights.
Used as the benchmark peer and as a test oracle for the Swift pipeline.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
from sklearn import svm

# The evaluated models, in results.csv's order: the SVM on the features, then the
# network with the layer set to θ0, θc, −θc, θ0⊙θc, −θ0⊙θc. The one list in Python:
# the tests import it from here.
MODELS = ["classifier", "net_init", "net_svm", "net_neg_svm",
          "net_init_x_svm", "net_neg_init_x_svm"]
HEADER = ["classifier", "net θ0", "net θc", "net −θc", "net θ0⊙θc", "net −θ0⊙θc"]


TEST_CHUNK_BYTES = 1 << 30


def relu(a):
    return np.maximum(a, 0)


def drelu(a):
    return (a > 0).astype(float)


def sgn(a):
    return (a > 0).astype(float) * 2 - 1


def net_error(Xr, y, u, V, W):
    """0-1 error of sgn(u^T relu(V relu(W x))) with samples as rows of Xr (m × d)."""
    y_est = sgn(relu(relu(Xr @ W.T) @ V.T) @ u)[:, 0]
    return float((y_est != y).mean())


def features(layer, Xr, u, V, W):
    """Batched df/dθ for one layer; returns an (m × layer size) matrix, rows = samples."""
    A1 = Xr @ W.T                      # (m, d) pre-activations of layer 1
    z1 = relu(A1)
    A2 = z1 @ V.T                      # (m, d) pre-activations of layer 2
    if layer == "u":
        return relu(A2)
    d2 = u[:, 0] * drelu(A2)           # δ2 = u ⊙ relu'(A2)
    if layer == "V":                   # row s = outer(δ2[s], z1[s]).ravel()
        return np.einsum("si,sj->sij", d2, z1).reshape(len(Xr), -1)
    d1 = (d2 @ V) * drelu(A1)          # δ1 = (δ2 V) ⊙ relu'(A1)
    return np.einsum("si,sj->sij", d1, Xr).reshape(len(Xr), -1)


def run_step(layer, data, C, params):
    """Fit the SVM for one layer; return (errors list of (train, test), clf, θc)."""
    Xr, y, Xr_test, y_test = data
    G = features(layer, Xr, *params)
    clf = svm.SVC(kernel="linear", C=C)
    clf.fit(G, y)
    # Test features in chunks of at most ~1 GiB (one chunk at the default size;
    # at d = 100, m_test = 10^6 the W features alone would take 80 GB).
    chunk = max(1, TEST_CHUNK_BYTES // (8 * G.shape[1]))
    wrong = sum(int((clf.predict(features(layer, Xr_test[s:s + chunk], *params)) != y_test[s:s + chunk]).sum())
                for s in range(0, len(Xr_test), chunk))
    errs = [(float((clf.predict(G) != y).mean()), wrong / len(y_test))]
    del G
    idx = "uVW".index(layer)           # position of the learned layer in (u, V, W)
    theta0 = params[idx]
    theta_c = clf.coef_.reshape(theta0.shape)  # (out, in); (d, 1) for u
    for cand in (theta0, theta_c, -theta_c, theta0 * theta_c, -theta0 * theta_c):
        p = list(params)
        p[idx] = cand
        errs.append((net_error(Xr, y, *p), net_error(Xr_test, y_test, *p)))
    return errs, clf, theta_c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=25)
    ap.add_argument("--m", type=int, default=100)
    ap.add_argument("--m-test", type=int, default=100000)
    ap.add_argument("--teacher-seed", type=int, default=124)
    ap.add_argument("--init-seeds", type=lambda s: [int(v) for v in s.split(",")],
                    default=[0, 1, 2], help="three comma-separated ints")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--csv", help="write results as CSV to this path")
    ap.add_argument("--coef-json", help="dump each step's fitted SVM as JSON")
    args = ap.parse_args()
    if len(args.init_seeds) != 3:
        ap.error("--init-seeds needs exactly three ints")
    d, t_start = args.d, time.perf_counter()

    # Teacher network and data, drawn exactly as in In[6] (legacy global RNG).
    np.random.seed(args.teacher_seed)
    X = np.random.randn(d, args.m)
    X_test = np.random.randn(d, args.m_test)
    W_real = np.random.randn(d, d) / np.sqrt(d)
    V_real = np.random.randn(d, d) / np.sqrt(d)
    u_real = np.random.randn(d, 1) / np.sqrt(d)
    Xr, Xr_test = X.T, X_test.T
    y = sgn(relu(relu(Xr @ W_real.T) @ V_real.T) @ u_real)[:, 0]
    y_test = sgn(relu(relu(Xr_test @ W_real.T) @ V_real.T) @ u_real)[:, 0]
    data = (Xr, y, Xr_test, y_test)

    results, coefs = {}, {}
    W_clf = V_clf = None
    for layer, seed in zip("WVu", args.init_seeds):
        t0 = time.perf_counter()
        np.random.seed(seed)           # fresh inits drawn in notebook order
        if layer == "W":
            W = np.random.randn(d, d) / np.sqrt(d)
            V = np.random.randn(d, d) / np.sqrt(d)
            u = np.random.randn(d, 1) / np.sqrt(d)
        elif layer == "V":
            W = W_clf
            V = np.random.randn(d, d) / np.sqrt(d)
            u = np.random.randn(d, 1) / np.sqrt(d)
        else:
            W, V = W_clf, V_clf
            u = np.random.randn(d, 1) / np.sqrt(d)
        errs, clf, theta_c = run_step(layer, data, args.C, (u, V, W))
        if layer == "W":
            W_clf = theta_c
        elif layer == "V":
            V_clf = theta_c
        results[layer] = errs
        coefs[layer] = {"coef": clf.coef_.ravel().tolist(),
                        "intercept": clf.intercept_.tolist(),
                        "support": clf.support_.tolist(),
                        "dual_coef": clf.dual_coef_.ravel().tolist()}
        print(f"step {layer}: {time.perf_counter() - t0:.3f} s", file=sys.stderr)

    print("| step | " + " | ".join(HEADER) + " |")
    print("|---" * (len(HEADER) + 1) + "|")
    for layer, errs in results.items():
        print(f"| {layer} | " + " | ".join(f"{tr!r}, {te!r}" for tr, te in errs) + " |")

    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["step", "model", "train_error", "test_error"])
            for layer, errs in results.items():
                for model, (tr, te) in zip(MODELS, errs):
                    w.writerow([layer, model, repr(tr), repr(te)])
    if args.coef_json:
        with open(args.coef_json, "w") as f:
            json.dump(coefs, f)
    print(f"total: {time.perf_counter() - t_start:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
