#!/usr/bin/env python3
"""Export a data set bundled with scikit-learn (no download) to HDF5 for ntk-import.

    export-sklearn-dataset.py digits|breast-cancer OUTPUT.h5

Writes X (n × d, float64) and y (n: digits' integer class 0-9; breast cancer's
class name, "malignant" or "benign", as UTF-8 strings), with `description` and
provenance attributes, under a temporary name renamed into place when complete.
"""
import os
import sys

import h5py
import numpy as np
import sklearn
from sklearn import datasets

LOADERS = {"digits": datasets.load_digits, "breast-cancer": datasets.load_breast_cancer}
DESCRIPTIONS = {
    "digits": "handwritten digits 0-9, 8x8 images of 4-bit pixels (UCI optical recognition of handwritten digits)",
    "breast-cancer": "Wisconsin diagnostic breast cancer: 30 features of cell nuclei, malignant or benign",
}


def main(name, output):
    if name not in LOADERS:
        sys.exit(f"export-sklearn-dataset.py: error: unknown data set {name!r}; expected {', '.join(LOADERS)}")
    bunch = LOADERS[name]()
    x = np.asarray(bunch.data, dtype=np.float64)
    if name == "digits":
        y = np.asarray(bunch.target, dtype=np.int64)
    else:
        y = np.asarray([bunch.target_names[t] for t in bunch.target], dtype=object)
    temporary = os.path.join(os.path.dirname(output) or ".", f".{os.path.basename(output)}.{os.getpid()}.tmp")
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    try:
        with h5py.File(temporary, "w") as f:
            f.attrs["description"] = f"scikit-learn's bundled {name} data set: {DESCRIPTIONS[name]}"
            f.attrs["program"] = "scripts/export-sklearn-dataset.py"
            f.attrs["source"] = f"sklearn.datasets.{LOADERS[name].__name__}() of scikit-learn {sklearn.__version__}"
            xd = f.create_dataset("X", data=x)
            first = ", ".join(map(str, bunch.feature_names[:4]))
            xd.attrs["description"] = f"inputs, one sample per row, {x.shape[1]} features: {first}, …"
            if y.dtype == object:
                yd = f.create_dataset("y", data=y.astype(str).tolist(), dtype=h5py.string_dtype("utf-8"))
            else:
                yd = f.create_dataset("y", data=y)
            yd.attrs["description"] = "class of each sample: " + ", ".join(map(str, bunch.target_names))
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
