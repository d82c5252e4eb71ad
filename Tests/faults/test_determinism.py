"""4. Determinism.

The same pipeline run twice, in two run folders, gives artifacts with the
same datasets (every dataset equal element for element, bit for bit), the
same content digest and the same attributes — except created_utc and training_seconds, and
command_line and input_files, which name the run folder (equal once the
folder's name is replaced). The attributes that differ are printed. Every
text table (results, each step's spectrum.csv, the alignment table) is the
same byte for byte. The default goal includes each step's spectrum.h5; one
variant adds K∞'s baseline (so K∞'s spectrum) and the theory curves
(`make theory-curves`).
"""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from faults_testing import note, verified_run
from ntk_testing import final_files, is_page

# Expected to differ between two runs of the same pipeline.
TIME_ATTRIBUTES = {"created_utc", "training_seconds"}
FOLDER_ATTRIBUTES = {"command_line", "input_files"}

VARIANTS = {
    "dense": {"D": 7, "M": 60, "M_TEST": 3000},
    "factored-loss": {"D": 7, "M": 60, "M_TEST": 3000, "STORAGE": "factored", "FEATURE_KIND": "loss-gradient",
                      "ALLOW_LABEL_LEAK": 1, "INIT_SEEDS": "4 5 6", "C": 0.5},
    # Spectra on a seeded subset of 40 of the 60 samples, too.
    "infinite-theory": {"D": 7, "M": 60, "M_TEST": 3000, "BASELINES": "infinite", "THEORY_SAMPLES": 500,
                        "SPECTRUM_SAMPLES": 40, "SPECTRUM_SEED": 3},
}
GOALS = {"infinite-theory": ("run", "theory-curves")}
# Files each variant must have made (else the comparison would not cover them).
EXPECTED = {"dense": ["W/spectrum.h5", "W/spectrum.csv", "alignment.csv", "alignment.md"],
            "infinite-theory": ["W/theory.h5", "u/theory.h5", "u/spectrum.h5", "u/infinite.h5"]}


def contents(path: Path) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], object]]:
    """Every dataset and every attribute (of the root and of every object) of a file."""
    datasets, attributes = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for key, value in obj.attrs.items():
                attributes[(name, key)] = value
            if isinstance(obj, h5py.Dataset):
                datasets[name] = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
        visit("/", f)
        f.visititems(visit)
    return datasets, attributes


def normalise(value, folder: Path, other: Path):
    """`value` with the run folder's path replaced by the other run's."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        return value.replace(str(folder), str(other))
    if isinstance(value, np.ndarray) and value.dtype == object:
        return np.array([normalise(v, folder, other) for v in value.ravel()], dtype=object).reshape(value.shape)
    return value


def same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype == object:
        return all(x == y for x, y in zip(a.ravel(), b.ravel()))
    return a.tobytes() == b.tobytes()  # bit for bit (NaN included)


@pytest.mark.parametrize("variant", VARIANTS)
def test_two_runs_give_the_same_artifacts(variant, tmp_path_factory):
    params, goals = VARIANTS[variant], GOALS.get(variant, ())
    first = verified_run(tmp_path_factory.mktemp(f"determinism-{variant}") / "first-run", params, goals)
    second = verified_run(tmp_path_factory.mktemp(f"determinism-{variant}") / "second-run-elsewhere", params, goals)
    problems, differing = [], set()
    files = final_files(first.path)
    if files != final_files(second.path):
        problems.append(f"different files: {files} and {final_files(second.path)}")
    problems += [f"{rel} was not made" for rel in EXPECTED.get(variant, []) if rel not in files]
    for rel in (f for f in files if not f.endswith(".h5") and not is_page(f)):
        if (first.path / rel).read_bytes() != (second.path / rel).read_bytes():
            problems.append(f"{rel} differs")
    for rel in (f for f in files if f.endswith(".h5")):
        a_data, a_attrs = contents(first.path / rel)
        b_data, b_attrs = contents(second.path / rel)
        if sorted(a_data) != sorted(b_data):
            problems.append(f"{rel}: datasets {sorted(a_data)} and {sorted(b_data)}")
        for name in sorted(set(a_data) & set(b_data)):
            if not same(a_data[name], b_data[name]):
                problems.append(f"{rel}: dataset /{name} differs")
        if first.digests[rel] != second.digests[rel]:
            problems.append(f"{rel}: the content digest differs")
        for key in sorted(set(a_attrs) | set(b_attrs)):
            where = f"{rel}: attribute {key[1]!r} of {key[0]}"
            if key not in a_attrs or key not in b_attrs:
                problems.append(f"{where} is in one run only")
                continue
            if same(a_attrs[key], b_attrs[key]):
                continue
            differing.add(f"{key[1]} ({key[0]})")
            if key[1] in TIME_ATTRIBUTES:
                continue
            if key[1] in FOLDER_ATTRIBUTES and key[0] == "/":
                if not same(normalise(a_attrs[key], first.path, second.path), normalise(b_attrs[key], first.path, second.path)):
                    problems.append(f"{where} differs beyond the run folder's name")
                continue
            problems.append(f"{where} differs: {a_attrs[key]!r} and {b_attrs[key]!r}")
    note(f"determinism ({variant}): attributes that differ between two runs: {sorted(differing)}")
    assert not problems, "\n".join(problems)
