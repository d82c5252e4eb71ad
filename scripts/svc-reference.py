#!/usr/bin/env python3
"""The reference for a run on real data: scikit-learn's SVC with its defaults
(RBF kernel, C = 1, gamma = 'scale') trained on the training set of a ground-
truth file and scored on its test set — the same split and preprocessing as
the pipeline's (the file's /inputs and /labels).

    svc-reference.py RUN/truth.h5
"""
import sys

import h5py
import numpy as np
from sklearn.svm import SVC


def main(path):
    with h5py.File(path, "r") as f:
        x = {s: f[f"inputs/{s}"][()] for s in ("train", "test")}
        y = {s: f[f"labels/{s}"][()] for s in ("train", "test")}
    svc = SVC(kernel="rbf").fit(x["train"], y["train"])
    errors = {s: float(np.mean(svc.predict(x[s]) != y[s])) for s in ("train", "test")}
    print(f"{path}: SVC(kernel='rbf', C=1, gamma='scale'): m = {len(y['train'])}, m_test = {len(y['test'])}, "
          f"train error {errors['train']:.6g}, test error {errors['test']:.6g}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
