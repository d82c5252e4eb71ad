#!/usr/bin/env python3
"""Vectorized numpy + scikit-learn reference for the "Fully Connected" experiment of
learning-using-ntk-v2 (cells In[3]..In[16]), generalised to the pipeline's options.

A ReLU network f(x) = u^T relu(W_L … relu(W_1 x)) is trained one layer (or step) at a
time: features g(x) = df/dθ for the step's layer at a random init (times y·σ(−y·f) for
loss-gradient features), a linear SVM on g, and the SVM hyperplane (reshaped to the
layer's shape) becomes that layer's weights. On its defaults it is the notebook's
square two-hidden-layer network with steps W, V, u. Used as the benchmark peer and as
the test oracle of the Swift pipeline (Tests/pipeline/test_cross_check.py,
test_option_grid.py); it has no storage option: the factored path must give what the
dense features give.

Draws, in numpy's legacy order (pipelines/layerwise.mk's rule for any depth):
- the teacher seed draws X = randn(d, m), X_test = randn(d, m_test), then the
  teacher's W1 … WL and u (each randn(out, in)/√in); with --input-seeds S1,S2 it
  draws the teacher alone, X = randn(m, d) from S1 and X_test = randn(m_test, d) from S2;
- the first step draws every layer from its seed; a later step for layer Wk keeps the
  layers learned before it and draws Wk … WL, then u; a later step u draws u; `all`
  is every layer.
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
# The candidates' layers from θ0 and θc, in MODELS[1:]'s order.
CANDIDATES = [lambda t0, tc: t0, lambda t0, tc: tc, lambda t0, tc: -tc,
              lambda t0, tc: t0 * tc, lambda t0, tc: -(t0 * tc)]
# The notebook's names of the first two layers.
ALIASES = {"W": "W1", "V": "W2"}

TEST_CHUNK_BYTES = 1 << 30


class OneClass(ValueError):
    """Every training label is the same: no SVM to train (the pipeline refuses it too)."""


def relu(a):
    return np.maximum(a, 0)


def sgn(a):
    return (a > 0).astype(float) * 2 - 1


def draw_layers(d, widths, first=0):
    """W1 … WL, u (u as 1 × n_L) from the current legacy stream, starting at layer `first`."""
    sizes = [d, *widths, 1]
    return [np.random.randn(sizes[i + 1], sizes[i]) / np.sqrt(sizes[i]) for i in range(first, len(widths) + 1)]


def forward(layers, x):
    """f(x) for the samples in the rows of x (m × d)."""
    z = x
    for w in layers[:-1]:
        z = relu(z @ w.T)
    return z @ layers[-1][0]


def net_error(layers, x, y):
    """0-1 error of sgn(f(x))."""
    return float((sgn(forward(layers, x)) != y).mean())


def selection(step, layers):
    """The indices of the step's layers in W1 … WL, u."""
    if step == "all":
        return list(range(len(layers)))
    name = ALIASES.get(step, step)
    names = [f"W{i + 1}" for i in range(len(layers) - 1)] + ["u"]
    if name not in names:
        raise SystemExit(f"reference: unknown layer {step!r} of a network with layers {names}")
    return [names.index(name)]


def features(layers, x, chosen, y=None):
    """df/dθ for the chosen layers, one row per sample, each layer flattened row-major
    (out, in), concatenated in layer order; times y·σ(−y·f) when y is given (loss-gradient)."""
    inputs, pre = [x], []
    for w in layers[:-1]:
        pre.append(inputs[-1] @ w.T)
        inputs.append(relu(pre[-1]))
    deltas = {len(layers) - 1: np.ones((len(x), 1))}     # ∂f/∂(output of layer l)
    for l in range(len(layers) - 2, min(chosen) - 1, -1):
        deltas[l] = (deltas[l + 1] @ layers[l + 1]) * (pre[l] > 0)
    blocks = [np.einsum("si,sj->sij", deltas[l], inputs[l]).reshape(len(x), -1) for l in chosen]
    g = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    if y is not None:
        f = inputs[-1] @ layers[-1][0]
        g *= (y / (1 + np.exp(y * f)))[:, None]           # y·σ(−y·f)
    return g


def run_step(step, layers, data, C, loss):
    """Fit the SVM for one step; return (errors as (train, test) per model, clf, the layers θc)."""
    x, y, x_test, y_test = data
    chosen = selection(step, layers)
    G = features(layers, x, chosen, y if loss else None)
    if len(np.unique(y)) < 2:
        raise OneClass(f"step {step}: every training label is {y[0]:+g}")
    clf = svm.SVC(kernel="linear", C=C)
    clf.fit(G, y)
    train_error = float((clf.predict(G) != y).mean())
    del G
    if loss:
        test_error = None       # label-dependent test features: not reported
    else:
        # Test features in chunks of at most ~1 GiB (one chunk at the default size;
        # at d = 100, m_test = 10^6 the W features alone would take 80 GB).
        width = sum(layers[l].size for l in chosen)
        chunk = max(1, TEST_CHUNK_BYTES // (8 * width))
        wrong = sum(int((clf.predict(features(layers, x_test[s:s + chunk], chosen)) != y_test[s:s + chunk]).sum())
                    for s in range(0, len(x_test), chunk))
        test_error = wrong / len(y_test)
    errs = [(train_error, test_error)]
    offsets = np.cumsum([0] + [layers[l].size for l in chosen])
    learned = {l: clf.coef_[0, offsets[k]:offsets[k + 1]].reshape(layers[l].shape) for k, l in enumerate(chosen)}
    for candidate in CANDIDATES:
        p = list(layers)
        for l in chosen:
            p[l] = candidate(layers[l], learned[l])
        errs.append((net_error(p, x, y), net_error(p, x_test, y_test)))
    return errs, clf, learned


def ground_truth(d, m, m_test, teacher_widths, seed, input_seeds):
    """(X, y, X_test, y_test), samples in rows, and the teacher, as ntk-truth draws them."""
    np.random.seed(seed)
    if input_seeds:
        teacher = draw_layers(d, teacher_widths)
        np.random.seed(input_seeds[0])
        x = np.random.randn(m, d)
        np.random.seed(input_seeds[1])
        x_test = np.random.randn(m_test, d)
    else:
        x = np.random.randn(d, m).T
        x_test = np.random.randn(d, m_test).T
        teacher = draw_layers(d, teacher_widths)
    return (x, sgn(forward(teacher, x)), x_test, sgn(forward(teacher, x_test))), teacher


def integers(text):
    return [int(v) for v in text.replace(",", " ").split()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=25)
    ap.add_argument("--m", type=int, default=100)
    ap.add_argument("--m-test", type=int, default=100000)
    ap.add_argument("--teacher-seed", type=int, default=124)
    ap.add_argument("--input-seeds", type=integers, default=[], help="TRAIN,TEST: each input set from its own seed")
    ap.add_argument("--widths", type=integers, help="the student's hidden widths (default d,d)")
    ap.add_argument("--teacher-widths", type=integers, help="the teacher's hidden widths (default d,d)")
    ap.add_argument("--layers", type=lambda s: s.replace(",", " ").split(), default=["W", "V", "u"],
                    help="the steps, in order: W1 … WL, u (W, V name W1, W2), or all")
    ap.add_argument("--init-seeds", type=integers, default=[0, 1, 2], help="one seed per step")
    ap.add_argument("--kind", choices=["output-gradient", "loss-gradient"], default="output-gradient")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--csv", help="write results as CSV to this path")
    ap.add_argument("--coef-json", help="dump each step's fitted SVM as JSON")
    args = ap.parse_args()
    if len(args.init_seeds) != len(args.layers):
        ap.error(f"--init-seeds needs one seed per step ({len(args.layers)})")
    if args.input_seeds and len(args.input_seeds) != 2:
        ap.error("--input-seeds needs two ints")
    d, t_start = args.d, time.perf_counter()
    widths = args.widths or [d, d]
    data, _ = ground_truth(d, args.m, args.m_test, args.teacher_widths or [d, d], args.teacher_seed,
                           args.input_seeds)

    results, coefs, layers = {}, {}, None
    try:
        for step, seed in zip(args.layers, args.init_seeds):
            t0 = time.perf_counter()
            np.random.seed(seed)
            if layers is None or step == "all":
                layers = draw_layers(d, widths)
            else:                       # keep the layers before the step's, draw it and those after
                first = selection(step, layers)[0]
                layers = layers[:first] + draw_layers(d, widths, first)
            errs, clf, learned = run_step(step, layers, data, args.C, args.kind == "loss-gradient")
            for l, theta_c in learned.items():
                layers[l] = theta_c     # the network carried to the next step
            results[step] = errs
            coefs[step] = {"coef": clf.coef_.ravel().tolist(),
                           "intercept": clf.intercept_.tolist(),
                           "support": clf.support_.tolist(),
                           "dual_coef": clf.dual_coef_.ravel().tolist()}
            print(f"step {step}: {time.perf_counter() - t0:.3f} s", file=sys.stderr)
    except OneClass as error:
        sys.exit(f"reference: {error}")

    print("| step | " + " | ".join(HEADER) + " |")
    print("|---" * (len(HEADER) + 1) + "|")
    for step, errs in results.items():
        print(f"| {step} | " + " | ".join(f"{tr!r}, {'not reported' if te is None else repr(te)}"
                                         for tr, te in errs) + " |")

    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["step", "model", "train_error", "test_error"])
            for step, errs in results.items():
                for model, (tr, te) in zip(MODELS, errs):
                    w.writerow([step, model, repr(tr), "" if te is None else repr(te)])
    if args.coef_json:
        with open(args.coef_json, "w") as f:
            json.dump(coefs, f)
    print(f"total: {time.perf_counter() - t_start:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
