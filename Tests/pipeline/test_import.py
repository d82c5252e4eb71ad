"""ntk-import and runs on real data (pipelines/import.mk, PIPELINE=digits and
PIPELINE=breast-cancer on scikit-learn's bundled sets, exported by
scripts/export-sklearn-dataset.py into a temporary folder).

- on each real set, import → features → train gives scikit-learn's
  SVC(kernel='linear') solution on the same features to 1e-9 and identical
  errors; the split is numpy's permutation and the preprocessing numpy's;
- every input format (HDF5 with float, integer or string data, .npy pairs,
  .npz plain and compressed, CSV) gives the same artifact (content_digest);
- bad inputs: one line naming the file and the problem, nothing written;
- a learning curve over an imported set: nested training sets, a fixed test set.
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import h5py
import numpy as np
import pytest
from sklearn import datasets
from sklearn.svm import SVC

from ntk_testing import PYTHON, REPO, content_digest, make, read_network, recorded_digest, run_command, run_stage
from pipeline_testing import layer_index, tangent_features
from test_bad_inputs import check_refusal

# The real sets: their pipelines' classes and sizes.
REAL = {
    "digits": {"positive": ["1", "3", "5", "7", "9"], "negative": ["0", "2", "4", "6", "8"], "n": 1797, "d": 64},
    "breast-cancer": {"positive": ["malignant"], "negative": ["benign"], "n": 569, "d": 30},
}
SPLIT_SEED = 124  # TEACHER_SEED's default, which the split takes in a run
TOLERANCE = 1e-9


def export(name: str, path) -> None:
    result = run_command([PYTHON, REPO / "scripts" / "export-sklearn-dataset.py", name, path])
    assert result.returncode == 0, result.stderr


# make test imports the smaller set; make test-slow the other.
@pytest.fixture(scope="module", params=[pytest.param("digits", marks=pytest.mark.slow), "breast-cancer"])
def real_run(request, tmp_path_factory):
    """`make PIPELINE=<set>` with the data set exported into a temporary folder."""
    folder = tmp_path_factory.mktemp(f"real-{request.param}")
    data = folder / f"{request.param}.h5"
    export(request.param, data)
    make(folder / "run", {"PIPELINE": request.param, "DATA": data})
    return request.param, data, folder / "run"


def read_source(path):
    with h5py.File(path, "r") as f:
        y = f["y"]
        labels = y.asstr()[()] if h5py.check_string_dtype(y.dtype) else np.char.mod("%d", y[()])
        return f["X"][()], labels


def expected_truth(x, labels, positive, negative, seed, m_test=None, m=None, fraction=0.25):
    """The split and preprocessing as the README states them, in numpy."""
    kept = np.flatnonzero(np.isin(labels, positive + negative))
    signs = np.where(np.isin(labels[kept], positive), 1.0, -1.0)
    k = len(kept)
    m_test = m_test or max(1, int(np.floor(fraction * k + 0.5)))
    m = m or k - m_test
    order = np.random.RandomState(seed).permutation(k)
    parts = {"test": order[:m_test], "train": order[m_test:m_test + m]}
    train = x[kept[parts["train"]]]
    mean, scale = train.mean(axis=0), train.std(axis=0)
    scale[scale == 0] = 1
    result = {}
    for split, positions in parts.items():
        z = (x[kept[positions]] - mean) / scale
        z *= np.sqrt(x.shape[1]) / np.linalg.norm(z, axis=1, keepdims=True)
        result[split] = (kept[positions], z, signs[positions])
    return result


def test_truth_records_its_source_and_no_teacher(real_run):
    name, data, run = real_run
    with h5py.File(run / "truth.h5", "r") as f:
        attrs = f.attrs
        assert attrs["artifact"] == "ground truth"
        assert attrs["source_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
        assert attrs["source_file"] == str(data) and attrs["source_format"] == "hdf5"
        assert list(attrs["positive_labels"]) == REAL[name]["positive"]
        assert list(attrs["negative_labels"]) == REAL[name]["negative"]
        assert attrs["dropped_samples"] == 0 and attrs["source_samples"] == REAL[name]["n"]
        assert attrs["split_seed"] == SPLIT_SEED and attrs["input_dimension"] == REAL[name]["d"]
        assert attrs["standardize"] == 1 and attrs["normalize"] == 1
        assert "teacher" not in f and "seed" not in attrs and "teacher_hidden_widths" not in attrs
        for obj in ["inputs/train", "labels/test", "split/train_rows", "preprocessing/mean"]:
            assert f[obj].attrs["description"]
    assert recorded_digest(run / "truth.h5") == content_digest(run / "truth.h5")
    dump = run_command(["h5dump", "-H", run / "truth.h5"])
    assert dump.returncode == 0 and "source_sha256" in dump.stdout and "description" in dump.stdout


def test_split_and_preprocessing_are_numpys(real_run):
    name, data, run = real_run
    x, labels = read_source(data)
    expected = expected_truth(x, labels, REAL[name]["positive"], REAL[name]["negative"], SPLIT_SEED)
    with h5py.File(run / "truth.h5", "r") as f:
        for split, (rows, inputs, signs) in expected.items():
            assert f[f"split/{split}_rows"][()].tolist() == rows.tolist()
            np.testing.assert_allclose(f[f"inputs/{split}"][()], inputs, rtol=1e-12, atol=1e-12)
            assert f[f"labels/{split}"][()].tolist() == signs.tolist()


def test_student_takes_d_from_the_data(real_run):
    name, _, run = real_run
    layers = read_network(run / "W" / "network.h5")
    d = REAL[name]["d"]
    assert [w.shape for w in layers] == [(d, d), (d, d), (1, d)]


@pytest.mark.parametrize("step", ["W", "u"])
def test_svm_is_scikit_learns_on_the_imported_features(real_run, step):
    _, _, run = real_run
    with h5py.File(run / step / "features.h5", "r") as f:
        g, y = f["features/train"][()], f["labels/train"][()]
        g_test = f["features/test"][()] if "features/test" in f else None
    with h5py.File(run / "truth.h5", "r") as f:
        x_test, y_test = f["inputs/test"][()], f["labels/test"][()]
    if g_test is None:  # test features not stored: numpy's from the step's network
        g_test = tangent_features(read_network(run / step / "network.h5"), x_test, layer_index(step))
    peer = SVC(kernel="linear", C=1.0).fit(g, y)
    with h5py.File(run / step / "svm.h5", "r") as f:
        scale = np.abs(peer.coef_[0]).max()
        assert np.abs(f["weights"][()] - peer.coef_[0]).max() <= TOLERANCE * scale
        assert abs(f["intercept"][()] - peer.intercept_[0]) <= TOLERANCE * max(1, abs(peer.intercept_[0]))
        assert f["support"][()].tolist() == peer.support_.tolist()
        np.testing.assert_allclose(f["dual_coef"][()], peer.dual_coef_[0], rtol=TOLERANCE, atol=TOLERANCE)
    with h5py.File(run / step / "eval.h5", "r") as f:
        models = [str(m) for m in f["errors/model"].asstr()[()]]
        index = models.index("classifier")
        assert f["errors/train_error"][index] == np.mean(peer.predict(g) != y)
        assert f["errors/test_error"][index] == np.mean(peer.predict(g_test) != y_test)


def test_table_has_both_baselines(real_run):
    _, _, run = real_run
    table = (run / "results.md").read_text().splitlines()
    assert table[0].endswith("| NTK ∞ | KRR ∞ | net trained |") and len(table) == 5
    rows = list(csv.DictReader(open(run / "results.csv")))
    assert {(r["step"], r["model"]) for r in rows} >= {
        (s, model) for s in ["W", "V", "u"] for model in ("ntk_infinite", "net_trained")}
    # docs/real-data.md shows the table that `make PIPELINE=<set>` prints.
    assert "\n".join(table) in (REPO / "docs" / "real-data.md").read_text()


# --- every format gives the same artifact ------------------------------------------


def write_formats(folder, x, y, *, label_text=None):
    """The same data set in every format; `label_text` the CSV's spelling of each label."""
    files = {}
    files["h5"] = folder / "data.h5"
    with h5py.File(files["h5"], "w") as f:
        f["X"] = x
        f.create_dataset("y", data=y.tolist(), dtype=h5py.string_dtype()) if y.dtype.kind == "U" else f.create_dataset(
            "y", data=y)
    if y.dtype.kind == "U":
        files["h5-fixed-strings"] = folder / "fixed.hdf5"
        with h5py.File(files["h5-fixed-strings"], "w") as f:
            f["X"], f["y"] = x, y.astype("S")
    else:
        files["h5-integer-inputs"] = folder / "integers.h5"
        with h5py.File(files["h5-integer-inputs"], "w") as f:
            f["X"], f["y"] = x.astype(np.int32), y.astype(np.float32)
    np.save(folder / "X.npy", x)
    np.save(folder / "y.npy", y)
    files["npy"] = folder / "X.npy"
    np.save(folder / "Xf.npy", np.asfortranarray(x.astype(">f8")))
    files["npy-fortran-big-endian"] = folder / "Xf.npy"
    np.savez(folder / "data.npz", X=x, y=y)
    files["npz"] = folder / "data.npz"
    np.savez_compressed(folder / "compressed.npz", X=x, y=y)
    files["npz-compressed"] = folder / "compressed.npz"
    files["csv"] = folder / "data.csv"
    with open(files["csv"], "w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
        half = x.shape[1] // 2
        names = [f"pixel, {j}" if j % 3 == 0 else f"f{j}" for j in range(x.shape[1])]
        writer.writerow(names[:half] + ["y"] + names[half:])
        for row, label in zip(x, label_text if label_text is not None else y):
            writer.writerow([repr(float(v)) for v in row[:half]] + [label] + [repr(float(v)) for v in row[half:]])
    return files


def import_args(path, positive, negative, extra=()):
    labels = ["--labels", path.parent / "y.npy"] if path.suffix == ".npy" else []
    return ["--data", path, *labels, "--positive", positive, "--negative", negative, "--split-seed", 5, *extra,
            "--quiet"]


@pytest.mark.parametrize("kind", ["numbers", "names"])
def test_every_format_gives_the_same_artifact(tmp_path, kind):
    if kind == "numbers":  # digits 3 against 8, others dropped; the CSV spells the labels 3.0, 8.0, …
        bunch = datasets.load_digits()
        x, y = bunch.data, bunch.target.astype(np.int64)
        positive, negative, text = "3", "8", [f"{v}.0" for v in y]
        extra = ["--train", 200, "--test", 100]
    else:  # breast cancer by class name
        bunch = datasets.load_breast_cancer()
        x, y = bunch.data, np.array([bunch.target_names[t] for t in bunch.target])
        positive, negative, text = "malignant", "benign", None
        extra = ["--test-fraction", 0.3]
    files = write_formats(tmp_path, x, y, label_text=text)
    digests = {}
    for name, path in files.items():
        output = tmp_path / f"truth-{name}.h5"
        result = run_stage("import", *import_args(path, positive, negative, extra), "-o", output)
        assert result.returncode == 0, f"{name}: {result.stderr}"
        digests[name] = recorded_digest(output)
        assert content_digest(output) == digests[name]
        with h5py.File(output, "r") as f:
            assert f.attrs["source_sha256"].split()[0] == hashlib.sha256(path.read_bytes()).hexdigest()
            kept = np.isin(y.astype(str), [positive, negative]).sum()
            assert f.attrs["dropped_samples"] == len(y) - kept
    assert len(set(digests.values())) == 1, digests


def test_labels_match_as_numbers(tmp_path):
    """1, 1.0 and "1" name the same class on the command line and in the file."""
    x = np.random.RandomState(0).randn(40, 3)
    y = np.tile([1.0, 2.0], 20)
    np.savez(tmp_path / "a.npz", X=x, y=y)
    for positive in ["1", "1.0", "1e0"]:
        result = run_stage("import", "--data", tmp_path / "a.npz", "--positive", positive, "--negative", "2.00",
                           "--quiet", "-o", tmp_path / f"{positive}.h5")
        assert result.returncode == 0, result.stderr
    assert len({recorded_digest(tmp_path / f"{p}.h5") for p in ["1", "1.0", "1e0"]}) == 1


def test_split_keeps_the_test_set_and_nests_the_training_sets(tmp_path):
    x = np.random.RandomState(1).randn(300, 4)
    y = np.arange(300) % 3
    np.savez(tmp_path / "a.npz", X=x, y=y)
    rows = {}
    for m in [20, 80, 160]:
        output = tmp_path / f"m{m}.h5"
        result = run_stage("import", "--data", tmp_path / "a.npz", "--positive", "0,1", "--negative", "2",
                           "--train", m, "--test", 50, "--split-seed", 9, "--quiet", "-o", output)
        assert result.returncode == 0, result.stderr
        with h5py.File(output, "r") as f:
            rows[m] = f["split/train_rows"][()], f["split/test_rows"][()]
            assert f.attrs["dropped_samples"] == 0 and f.attrs["split_seed"] == 9
    assert rows[20][0].tolist() == rows[80][0][:20].tolist() == rows[160][0][:20].tolist()
    assert rows[20][1].tolist() == rows[80][1].tolist() == rows[160][1].tolist()
    order = np.random.RandomState(9).permutation(300)
    assert rows[160][1].tolist() == order[:50].tolist() and rows[160][0].tolist() == order[50:210].tolist()


def test_no_preprocessing_keeps_the_inputs(tmp_path):
    x = np.random.RandomState(2).randn(30, 5) * 7 + 3
    np.savez(tmp_path / "a.npz", X=x, y=np.arange(30) % 2)
    output = tmp_path / "t.h5"
    result = run_stage("import", "--data", tmp_path / "a.npz", "--positive", 1, "--negative", 0, "--test", 10,
                       "--no-standardize", "--no-normalize", "--quiet", "-o", output)
    assert result.returncode == 0, result.stderr
    with h5py.File(output, "r") as f:
        assert np.array_equal(f["inputs/train"][()], x[f["split/train_rows"][()]])
        assert "preprocessing" not in f and f.attrs["preprocessing"] == "none"


def test_init_takes_d_from_a_truth_file(tmp_path):
    np.savez(tmp_path / "a.npz", X=np.random.RandomState(3).randn(30, 11), y=np.arange(30) % 2)
    assert run_stage("import", "--data", tmp_path / "a.npz", "--positive", 1, "--negative", 0, "--quiet",
                     "-o", tmp_path / "t.h5").returncode == 0
    result = run_stage("init", "--truth", tmp_path / "t.h5", "--layer", "W", "--seed", 0, "--quiet",
                       "-o", tmp_path / "n.h5")
    assert result.returncode == 0, result.stderr
    assert [w.shape for w in read_network(tmp_path / "n.h5")] == [(11, 11), (11, 11), (1, 11)]
    result = run_stage("init", "--truth", tmp_path / "t.h5", "--dim", 11, "--layer", "W", "--seed", 0,
                       "-o", tmp_path / "n2.h5")
    assert result.returncode != 0 and "--dim or --truth" in result.stderr and not (tmp_path / "n2.h5").exists()


# --- bad inputs ------------------------------------------------------------------------

GOOD_X = np.random.RandomState(4).randn(20, 3)
GOOD_Y = np.arange(20) % 2


def h5_file(folder, x=GOOD_X, y=GOOD_Y, name="d.h5"):
    with h5py.File(folder / name, "w") as f:
        f["X"], f["y"] = x, y
    return folder / name


def csv_file(folder, text, name="d.csv"):
    (folder / name).write_text(text)
    return folder / name


def good_csv(rows=4):
    return "a,b,label\n" + "".join(f"{i}.5,{i},{i % 2}\n" for i in range(rows))


def pickled(path, values):
    """An object array, which np.save can only pickle."""
    np.save(path, np.asarray(values).astype(object), allow_pickle=True)
    return path


def with_value(x, value):
    x = x.copy()
    x[7, 1] = value
    return x


# Each case: (files made in a folder → the arguments after --data, the names the message must hold).
BAD = {
    "nan-in-x-hdf5": (lambda t: [h5_file(t, x=with_value(GOOD_X, np.nan))], ["d.h5", "/X", "sample 7", "nan"]),
    "inf-in-x-npz": (lambda t: [np.savez(t / "d.npz", X=with_value(GOOD_X, np.inf), y=GOOD_Y) or t / "d.npz"],
                     ["d.npz", "X", "inf", "finite"]),
    "inf-in-csv": (lambda t: [csv_file(t, "a,b,label\n1,2,0\n3,-inf,1\n")],
                   ["d.csv", "line 3", "column 2 'b'", "not finite"]),
    "label-column-not-in-csv": (lambda t: [csv_file(t, good_csv()), "--labels-name", "target"],
                                ["d.csv", "no label column 'target'", "a, b, label"]),
    "label-column-missing-in-hdf5": (lambda t: [h5_file(t), "--labels-name", "target"], ["d.h5", "/target", "missing"]),
    "no-positive-sample": (lambda t: [h5_file(t), "--positive", "7"],
                           ["d.h5", "no sample has the positive label 7;", "the labels found are 0,1"]),
    "no-negative-sample": (lambda t: [csv_file(t, good_csv()), "--negative", "cat"],
                           ["d.csv", "no sample has the negative label cat;"]),
    # A typo among the values (POSITIVE=M,Z), or a class that is not there (1,3,5,7,90 for 1,3,5,7,9).
    "one-positive-value-unmatched": (lambda t: [h5_file(t), "--positive", "1,90"],
                                     ["d.h5", "labels", "no sample has the positive label 90 (of 1,90)",
                                      "the labels found are 0,1"]),
    "negative-values-unmatched": (lambda t: [csv_file(t, good_csv()), "--negative", "0,Z,Y"],
                                  ["d.csv", "no sample has the negative labels Z,Y (of 0,Z,Y)"]),
    "too-few-samples": (lambda t: [h5_file(t), "--train", 15, "--test", 6],
                        ["d.h5", "20 samples are left", "6 test + 15 training"]),
    "too-few-after-dropping": (lambda t: [h5_file(t, y=np.arange(20) % 4), "--train", 8, "--test", 3],
                               ["d.h5", "10 samples are left after dropping 10"]),
    "x-and-y-lengths-hdf5": (lambda t: [h5_file(t, y=GOOD_Y[:19])], ["d.h5", "/y", "19 labels", "20 samples"]),
    "x-and-y-lengths-npy": (lambda t: [np.save(t / "X.npy", GOOD_X) or t / "X.npy", "--labels",
                                       np.save(t / "y.npy", GOOD_Y[:5]) or t / "y.npy"],
                            ["y.npy", "5 labels", "20 samples"]),
    "non-numeric-csv-cell": (lambda t: [csv_file(t, 'a,b,label\n1,2,0\n3,"four",1\n')],
                             ["d.csv", "line 3", "column 2 'b'", "'four' is not a number"]),
    "empty-csv-cell": (lambda t: [csv_file(t, "a,b,label\n1,,0\n")], ["d.csv", "line 2", "column 2 'b'", "empty cell"]),
    "empty-csv": (lambda t: [csv_file(t, "")], ["d.csv", "is empty"]),
    "empty-hdf5": (lambda t: [csv_file(t, "", name="d.h5")], ["d.h5", "is empty"]),
    "empty-npz": (lambda t: [csv_file(t, "", name="d.npz")], ["d.npz", "is empty"]),
    "header-only-csv": (lambda t: [csv_file(t, "a,b,label\n")], ["d.csv", "no samples"]),
    "ragged-csv-row": (lambda t: [csv_file(t, "a,b,label\n1,2,0\n3,4,1\n5,6\n")],
                       ["d.csv", "line 4", "2 fields", "header has 3"]),
    "unbalanced-quote-csv": (lambda t: [csv_file(t, 'a,b,label\n1,2,0\n3,"4,1\n')], ["d.csv", "line 3", "quote"]),
    "3d-x-hdf5": (lambda t: [h5_file(t, x=np.zeros((20, 2, 2)))], ["d.h5", "/X", "3 dimensions"]),
    "3d-x-npz": (lambda t: [np.savez(t / "d.npz", X=np.zeros((20, 2, 2)), y=GOOD_Y) or t / "d.npz"],
                 ["d.npz", "X", "3 dimensions"]),
    "csv-named-h5": (lambda t: [csv_file(t, good_csv(), name="d.h5")], ["d.h5", "not an HDF5 file"]),
    "hdf5-named-csv": (lambda t: [(t / "d.csv").write_bytes(h5_file(t).read_bytes()) and t / "d.csv"],
                       ["d.csv", "not a CSV text file"]),
    "latin-1-csv": (lambda t: [(t / "d.csv").write_bytes(b"a,b,label\n1,2,\xe9t\xe9\n") and t / "d.csv"],
                    ["d.csv", "not valid UTF-8"]),
    "text-named-npz": (lambda t: [csv_file(t, good_csv(), name="d.npz")], ["d.npz", "not a NumPy .npz file"]),
    "text-named-npy": (lambda t: [csv_file(t, good_csv(), name="X.npy"), "--labels",
                                  np.save(t / "y.npy", GOOD_Y) or t / "y.npy"], ["X.npy", "not a NumPy .npy array"]),
    "string-inputs-hdf5": (lambda t: [h5_file(t, x=np.array([["a"] * 3] * 20, dtype="S1"))],
                           ["d.h5", "/X", "expected numbers", "string"]),
    "nan-label": (lambda t: [h5_file(t, y=np.where(GOOD_Y == 0, np.nan, 1.0))], ["d.h5", "/y", "label 0 is nan"]),
    "pickled-npy": (lambda t: [pickled(t / "X.npy", GOOD_X), "--labels", np.save(t / "y.npy", GOOD_Y) or t / "y.npy"],
                    ["X.npy", "Python objects", "dtype '|O'", "pickle"]),
    "pickled-labels-npy": (lambda t: [np.save(t / "X.npy", GOOD_X) or t / "X.npy", "--labels",
                                      pickled(t / "y.npy", GOOD_Y)], ["y.npy", "Python objects", "pickle"]),
    "pickled-npz": (lambda t: [np.savez(t / "d.npz", X=GOOD_X.astype(object), y=GOOD_Y) or t / "d.npz"],
                    ["d.npz", "X", "Python objects", "pickle"]),
    "missing-file": (lambda t: [t / "absent.h5"], ["absent.h5", "no such file"]),
    "unknown-extension": (lambda t: [csv_file(t, good_csv(), name="d.txt")], ["d.txt", "unknown extension"]),
    "npy-without-labels": (lambda t: [np.save(t / "X.npy", GOOD_X) or t / "X.npy"],
                           ["X.npy", "labels", "--labels", "DATA_LABELS"]),
    "labels-file-with-hdf5": (lambda t: [h5_file(t), "--labels", np.save(t / "y.npy", GOOD_Y) or t / "y.npy"],
                              ["d.h5", "labels", "--labels", "DATA_LABELS", "only for a .npy"]),
    "class-in-both-sets": (lambda t: [h5_file(t), "--negative", "0,1"], ["d.h5", "labels", "label 1", "both"]),
    "bad-test-fraction": (lambda t: [h5_file(t), "--test-fraction", 1.5], ["--test-fraction"]),
}
# Problems of the command line alone: not a file's.
COMMAND_LINE = {"bad-test-fraction"}
# Usage errors (exit 64, as every stage's), though they name the file; every other bad input exits 1.
USAGE = {"unknown-extension", "npy-without-labels", "labels-file-with-hdf5", "bad-test-fraction"}


@pytest.mark.parametrize("quiet", [True, False], ids=["quiet", "verbose"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused(tmp_path, case, quiet):
    make_files, names = BAD[case]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    data, *rest = make_files(inputs)
    options = {"--positive": "1", "--negative": "0"}
    if str(data).endswith(".csv"):
        options["--labels-name"] = "label"
    for i in range(0, len(rest), 2):
        options[rest[i]] = rest[i + 1]
    output = tmp_path / "out" / "truth.h5"
    args = ["--data", data, *[a for kv in options.items() for a in kv], *(["--quiet"] if quiet else []), "-o", output]
    result = run_stage("import", *args)
    check_refusal(result, [output], names, "import", quiet, upfront=True)
    if case not in COMMAND_LINE:  # the message starts with the file
        assert result.stderr.strip().splitlines()[-1].startswith(f"ntk-import: error: {inputs}/"), result.stderr
    assert result.returncode == (64 if case in USAGE else 1), result.stderr


def test_multi_line_quoted_csv_fields(tmp_path):
    """A quoted field may hold line breaks (RFC 4180), in the header and in a label: the
    CSV gives the same artifact as the same data in a .npz, and an error after such a
    field names the line its record starts on, counting every physical line."""
    x = np.random.RandomState(5).randn(12, 2)
    y = np.array(["pos\nitive" if k % 3 else "neg" for k in range(12)])
    text = 'a,"b, the\nsecond",label\n' + "".join(f'{float(u)!r},{float(v)!r},"{label}"\n' for (u, v), label in zip(x, y))
    data = csv_file(tmp_path, text)
    np.savez(tmp_path / "d.npz", X=x, y=y)
    digests = []
    for path, extra in [(data, ["--labels-name", "label"]), (tmp_path / "d.npz", [])]:
        output = tmp_path / f"{path.suffix[1:]}.h5"
        result = run_stage("import", "--data", path, *extra, "--positive", "pos\nitive", "--negative", "neg",
                           "--test", 4, "--quiet", "-o", output)
        assert result.returncode == 0, result.stderr
        digests.append(recorded_digest(output))
    assert digests[0] == digests[1]
    # Lines 1–2 the header, 3–4 the first record (its label spans two lines), 5 the second.
    bad = csv_file(tmp_path, 'a,"b, the\nsecond",label\n1,2,"pos\nitive"\n3,x,neg\n', name="bad.csv")
    output = tmp_path / "out" / "truth.h5"
    result = run_stage("import", "--data", bad, "--labels-name", "label", "--positive", "pos\nitive",
                       "--negative", "neg", "--test", 1, "-o", output)
    check_refusal(result, [output], ["bad.csv", "line 5", "column 2", "'x' is not a number"], "import", False,
                  upfront=True)


def test_make_refuses_d_with_data(tmp_path):
    """D comes from the data: `make DATA=… D=…` stops before running anything."""
    data = h5_file(tmp_path)
    run = tmp_path / "run"
    result = make(run, {"DATA": data, "D": 3, "POSITIVE": 1, "NEGATIVE": 0}, check=False)
    assert result.returncode != 0, result.stdout
    assert f"D comes from the data with DATA={data}: leave D unset" in result.stderr, result.stderr
    assert not run.exists()
    # The same command without D runs.
    make(run, {"DATA": data, "POSITIVE": 1, "NEGATIVE": 0, "M_TEST": 5, "LAYERS": "u", "INIT_SEEDS": 1})
    assert (run / "results.csv").exists()


# --- a sweep over an imported set ---------------------------------------------------------


@pytest.mark.slow
def test_learning_curve_on_imported_data(tmp_path):
    data = tmp_path / "digits.h5"
    export("digits", data)
    root = tmp_path / "sweeps"
    make(tmp_path / "unused", {"PIPELINE": "digits", "DATA": data, "SWEEP_ROOT": root, "SWEEP_SEEDS": "1 2",
                               "SWEEP_M": "40 80", "BASELINES": ""}, goals=["learning-curve"])
    rows = list(csv.DictReader(open(root / "learning-curve" / "report" / "results.csv")))
    assert {r["teacher_seed"] for r in rows} == {"1", "2"} and {r["teacher_widths"] for r in rows} == {""}
    assert {r["m"] for r in rows} == {"40", "80"} and {r["m_test"] for r in rows} == {"449"}
    assert {r["d"] for r in rows} == {"64"}
    for seed in [1, 2]:
        point = root / "learning-curve" / f"layers-W-V-u_M-{{}}_seed-{seed}" / "truth.h5"
        with h5py.File(str(point).format(40), "r") as small, h5py.File(str(point).format(80), "r") as large:
            assert small["split/train_rows"][()].tolist() == large["split/train_rows"][:40].tolist()
            assert small["split/test_rows"][()].tolist() == large["split/test_rows"][()].tolist()


def check_report(report: Path, plots: list[str], data_set: str) -> None:
    """A sweep's report over an imported data set: its files, the data set named, no teacher."""
    for name in ["results.csv", "summary.csv", "measures.csv", "results.md"] + [f"{p}.{f}" for p in plots
                                                                               for f in ("svg", "png")]:
        assert (report / name).is_file(), f"{report}: no {name}"
    assert {r["data_set"] for r in csv.DictReader(open(report / "summary.csv"))} == {data_set}
    markdown = (report / "results.md").read_text()
    assert f"data set {data_set}" in markdown and "split seeds" in markdown and "teacher" not in markdown, markdown
    for plot in plots:
        assert f"data set {data_set}" in (report / f"{plot}.svg").read_text(), plot


@pytest.mark.slow
def test_every_sweep_the_docs_show_runs_on_imported_data(tmp_path):
    """`make -j 2 PIPELINE=digits learning-curve` (docs/real-data.md) and the learning curve and width sweep
    over one's own CSV run to their reports with their defaults — both baselines, the theory curve of
    krr_infinite on the test samples the data have (fewer than THEORY_SAMPLES' 4000) — at small sizes."""
    small = {"SWEEP_SEEDS": "3", "GD_STEPS": 5}
    digits = tmp_path / "digits.h5"
    export("digits", digits)
    root = tmp_path / "digits-sweeps"
    make(tmp_path / "unused", {"PIPELINE": "digits", "DATA": digits, "SWEEP_ROOT": root, "SWEEP_M": "40 80", **small},
         goals=["-j", "2", "learning-curve"], timeout=900)
    check_report(root / "learning-curve" / "report", ["test-error-vs-m", "krr-mse-vs-m"], "digits")
    with h5py.File(root / "learning-curve" / "theory" / "seed-3" / "W.h5") as f:
        assert f.attrs["theory_samples"] == 449
    rng = np.random.RandomState(7)
    x = rng.randn(160, 3).tolist()
    cells = tmp_path / "cells.csv"
    cells.write_text("radius,texture,area,diagnosis\n" + "".join(
        f"{a!r},{b!r},{c!r},{'M' if a + b > 0 else 'B'}\n" for a, b, c in x))
    root = tmp_path / "cells-sweeps"
    own = {"DATA": cells, "LABELS_NAME": "diagnosis", "POSITIVE": "M", "NEGATIVE": "B", "SWEEP_ROOT": root, **small}
    make(tmp_path / "unused", {**own, "SWEEP_M": "30 60"}, goals=["-j", "2", "learning-curve"], timeout=900)
    check_report(root / "learning-curve" / "report", ["test-error-vs-m", "krr-mse-vs-m"], "cells")
    make(tmp_path / "unused", {**own, "M": 60, "SWEEP_WIDTHS": "8 16"}, goals=["-j", "2", "width-sweep"], timeout=900)
    check_report(root / "width-sweep" / "report",
                 ["test-error-vs-width", "lazy-regime-vs-width", "alignment-vs-width"], "cells")
