"""Every artifact of a small run, read by h5py (and h5dump): its objects,
shapes, dtypes and attributes, and its numbers recomputed with numpy."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import h5py
import xxhash
import numpy as np
import pytest

from ntk_testing import LAYER_NAMES, STEPS, read_network, run_command, start_run
from pipeline_testing import NETWORK_LAYERS, SMALL_PARAMS, forward, layer_index, sgn, tangent_features
from reference import MODELS

D, M, M_TEST = SMALL_PARAMS["D"], SMALL_PARAMS["M"], SMALL_PARAMS["M_TEST"]
SEEDS = dict(zip(STEPS, map(int, SMALL_PARAMS["INIT_SEEDS"].split())))
LAYER_SHAPES = {"W": (D, D), "V": (D, D), "u": (1, D)}
NETWORK_SHAPES = {"W1": (D, D), "W2": (D, D), "u": (1, D)}
PROVENANCE = ["artifact", "description", "program", "program_version", "command_line", "created_utc", "input_files"]

ARTIFACTS = ["truth.h5"] + [f"{step}/{kind}.h5" for step in STEPS for kind in ("network", "features", "svm", "eval")]


def kind_of(name: str) -> str:
    return "truth" if name == "truth.h5" else Path(name).stem


def step_of(name: str) -> str | None:
    return None if name == "truth.h5" else name.split("/")[0]


def expected_datasets(name: str, nsv: int | None = None) -> dict[str, tuple]:
    """Dataset path → shape for one artifact of the small run."""
    kind, step = kind_of(name), step_of(name)
    network = lambda group: {f"{group}/{n}": s for n, s in NETWORK_SHAPES.items()}
    if kind == "truth":
        return {"inputs/train": (M, D), "inputs/test": (M_TEST, D), "labels/train": (M,),
                "labels/test": (M_TEST,), **network("teacher")}
    if kind == "network":
        return network("network")
    if kind == "features":
        p = int(np.prod(LAYER_SHAPES[step]))
        # No test rows by default: evaluate derives the test decisions from the network.
        return {"features/train": (M, p), "labels/train": (M,)}
    if kind == "svm":
        p = int(np.prod(LAYER_SHAPES[step]))
        return {"weights": (p,), "intercept": (), "support": (nsv,), "dual_coef": (nsv,), "n_support": (2,),
                "kernel": (M, M)}
    return {"errors/model": (6,), "errors/train_error": (6,), "errors/test_error": (6,), **network("network")}


def stage_parameters(run, name: str) -> dict[str, object]:
    """The parameters each stage records as root attributes, with their values in the small run."""
    kind, step = kind_of(name), step_of(name)
    if kind == "truth":
        return {"input_dimension": D, "train_samples": M, "test_samples": M_TEST,
                "teacher_hidden_widths": [D, D], "seed": SMALL_PARAMS["TEACHER_SEED"]}
    if kind == "network":
        drawn = NETWORK_LAYERS[layer_index(step):]
        return {"input_dimension": D, "hidden_widths": [D, D], "seed": SEEDS[step], "layer": LAYER_NAMES[step],
                "drawn_layers": drawn}
    if kind == "features":
        return {"feature_kind": "output-gradient", "layer": LAYER_NAMES[step], "layer_label": step,
                "test_features": "from-network", "store_test_features": 0}
    if kind == "svm":
        return {"C": SMALL_PARAMS["C"], "tolerance": 1e-3, "layer": LAYER_NAMES[step]}
    return {"layer": LAYER_NAMES[step], "layer_label": step}


def input_files(run, name: str) -> list[Path]:
    kind, step = kind_of(name), step_of(name)
    p = run.path
    if kind == "truth":
        return []
    previous = {"W": None, "V": "W", "u": "V"}[step]
    return {
        "network": [p / previous / "eval.h5"] if previous else [],
        "features": [p / "truth.h5", p / step / "network.h5"],
        "svm": [p / step / "features.h5"],
        "eval": [p / "truth.h5", p / step / "network.h5", p / step / "features.h5", p / step / "svm.h5"],
    }[kind]


def plain(value):
    """An attribute value as plain Python (lists for arrays)."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def datasets_of(f: h5py.File) -> dict[str, h5py.Dataset]:
    found = {}
    f.visititems(lambda name, obj: found.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return found


def objects_of(f: h5py.File) -> list:
    objects = [f]
    f.visititems(lambda name, obj: objects.append(obj))
    return objects


@pytest.fixture(scope="module")
def run(small_run):
    return small_run


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The small run with TEST_FEATURES=1: the test rows stored too."""
    return start_run(tmp_path_factory.mktemp("stored") / "run", {**SMALL_PARAMS, "TEST_FEATURES": 1})


@pytest.mark.parametrize("name", ARTIFACTS)
def test_objects_shapes_and_dtypes(run, name):
    with h5py.File(run.path / name, "r") as f:
        found = datasets_of(f)
        nsv = found["support"].shape[0] if "support" in found else None
        expected = expected_datasets(name, nsv)
        assert sorted(found) == sorted(expected)
        for path, shape in expected.items():
            dataset = found[path]
            assert dataset.shape == shape, path
            if path in ("support", "n_support"):
                assert dataset.dtype == np.int64, path
            elif path == "errors/model":
                info = h5py.check_string_dtype(dataset.dtype)
                assert info is not None and info.encoding == "utf-8" and info.length is None
                assert [s.decode() if isinstance(s, bytes) else s for s in dataset[()]] == MODELS
                assert dataset.asstr()[()].tolist() == MODELS
            else:
                assert dataset.dtype == np.float64, path
                assert dataset.dtype.byteorder in ("<", "=")


@pytest.mark.parametrize("name", ARTIFACTS)
def test_root_attributes(run, name):
    with h5py.File(run.path / name, "r") as f:
        attrs = {k: plain(v) for k, v in f.attrs.items()}
    for key in PROVENANCE:
        assert key in attrs, f"root attribute {key} missing"
    for key in PROVENANCE[:-1]:
        assert isinstance(attrs[key], str) and attrs[key], key
    artifact = {"truth": "ground truth", "network": "network", "features": "tangent features",
                "svm": "linear SVM", "eval": "evaluation"}[kind_of(name)]
    assert attrs["artifact"] == artifact
    program = {"truth": "ntk-truth", "network": "ntk-init", "features": "ntk-features",
               "svm": "ntk-train", "eval": "ntk-evaluate"}[kind_of(name)]
    assert attrs["program"] == program
    assert attrs["program_version"].startswith("ntk-pipeline ")
    assert program in attrs["command_line"] and str(run.path / name) in attrs["command_line"]
    created = datetime.strptime(attrs["created_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - created) < timedelta(hours=2)
    assert isinstance(attrs["input_files"], list) and all(isinstance(s, str) for s in attrs["input_files"])
    assert [Path(s).resolve() for s in attrs["input_files"]] == [p.resolve() for p in input_files(run, name)]
    for key, value in stage_parameters(run, name).items():
        assert key in attrs, f"parameter attribute {key} missing"
        assert attrs[key] == value, key


@pytest.mark.parametrize("name", ARTIFACTS)
def test_every_string_attribute_is_variable_length_utf8(run, name):
    count = 0
    with h5py.File(run.path / name, "r") as f:
        for obj in objects_of(f):
            for key in obj.attrs:
                dtype = obj.attrs.get_id(key).dtype
                if dtype.kind in "SUO":
                    info = h5py.check_string_dtype(dtype)
                    assert info is not None, f"{obj.name} {key}"
                    assert info.encoding == "utf-8" and info.length is None, f"{obj.name} {key}: {info}"
                    value = obj.attrs[key]
                    values = value.tolist() if isinstance(value, np.ndarray) else [value]
                    assert all(isinstance(v, str) for v in values), f"{obj.name} {key}: {value!r}"
                    count += 1
                else:
                    assert dtype.kind in "if", f"{obj.name} {key}: {dtype}"
    assert count >= len(PROVENANCE)


@pytest.mark.parametrize("name", ["truth.h5"] + [f"{s}/{k}.h5" for s in STEPS for k in ("network", "eval")])
def test_network_groups(run, name):
    group = "teacher" if name == "truth.h5" else "network"
    with h5py.File(run.path / name, "r") as f:
        g = f[group]
        assert [str(s) for s in g.attrs["layer_names"]] == NETWORK_LAYERS
        assert int(g.attrs["input_dimension"]) == D
        assert plain(g.attrs["hidden_widths"]) == [D, D]
        assert isinstance(g.attrs["formula"], str) and isinstance(g.attrs["description"], str)
        assert sorted(g.keys()) == NETWORK_LAYERS
        for n, shape in NETWORK_SHAPES.items():  # (out, in); u is (1, h)
            assert g[n].shape == shape and g[n].dtype == np.float64
            assert np.isfinite(g[n][()]).all()


def test_labels_are_plus_minus_one_and_the_teachers(run):
    with h5py.File(run.truth, "r") as f:
        teacher = read_network(run.truth, "teacher")
        for split in ("train", "test"):
            y = f[f"labels/{split}"][()]
            assert set(np.unique(y).tolist()) == {-1.0, 1.0}
            assert np.array_equal(y, sgn(forward(teacher, f[f"inputs/{split}"][()])))


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("which", ["default", "stored"])
def test_features_are_the_numpy_gradient(run, stored, step, which):
    run = stored if which == "stored" else run
    layers = read_network(run.artifact(step, "network"))
    index = layer_index(step)
    with h5py.File(run.truth, "r") as t, h5py.File(run.artifact(step, "features"), "r") as f:
        assert f.attrs["test_features"] == ("stored" if which == "stored" else "from-network")
        for split in ("train", "test") if which == "stored" else ("train",):
            expected = tangent_features(layers, t[f"inputs/{split}"][()], index)
            actual = f[f"features/{split}"][()]
            assert actual.shape == expected.shape
            assert np.abs(expected).max() > 0
            assert np.abs(actual - expected).max() <= 1e-12 * max(1.0, np.abs(expected).max())
            assert np.array_equal(f[f"labels/{split}"][()], t[f"labels/{split}"][()])


@pytest.mark.parametrize("step", STEPS)
def test_svm_is_consistent(run, step):
    with h5py.File(run.artifact(step, "features"), "r") as f:
        g, y = f["features/train"][()], f["labels/train"][()]
    with h5py.File(run.artifact(step, "svm"), "r") as f:
        w, b = f["weights"][()], f["intercept"][()]
        support, dual, n_support = f["support"][()], f["dual_coef"][()], f["n_support"][()]
        C, kernel = f.attrs["C"], f["kernel"][()]
    # The stored kernel is the empirical tangent kernel of the training features.
    assert np.abs(kernel - g @ g.T).max() <= 1e-12 * np.abs(kernel).max()
    assert C == SMALL_PARAMS["C"]
    assert n_support.sum() == len(support) == len(dual) > 0
    assert len(set(support.tolist())) == len(support) and support.min() >= 0 and support.max() < M
    n_negative = n_support[0]
    assert (y[support[:n_negative]] == -1).all() and (y[support[n_negative:]] == 1).all()
    assert (np.sign(dual) == y[support]).all()
    assert (np.abs(dual) <= C * (1 + 1e-12)).all()
    assert np.abs(dual @ g[support] - w).max() <= 1e-12 * np.abs(w).max()
    assert abs(dual.sum()) <= 1e-9 * C  # Σ y_i α_i = 0
    assert np.isfinite(b)


@pytest.mark.parametrize("step", STEPS)
def test_evaluation_is_the_numpy_evaluation(run, step):
    layers = read_network(run.artifact(step, "network"))
    index = layer_index(step)
    with h5py.File(run.artifact(step, "svm"), "r") as f:
        w, b = f["weights"][()], f["intercept"][()]
    theta0 = layers[index]
    theta_c = w.reshape(theta0.shape)
    expected = {"train": [], "test": []}
    with h5py.File(run.truth, "r") as t, h5py.File(run.artifact(step, "features"), "r") as f:
        for split in ("train", "test"):
            x, y = t[f"inputs/{split}"][()], t[f"labels/{split}"][()]
            # The test rows are not stored: the classifier's test decisions come from the network.
            g = f["features/train"][()] if split == "train" else tangent_features(layers, x, index)
            expected[split].append(np.mean(sgn(g @ w + b) != y))
            for candidate in (theta0, theta_c, -theta_c, theta0 * theta_c, -theta0 * theta_c):
                trial = list(layers)
                trial[index] = candidate
                expected[split].append(np.mean(sgn(forward(trial, x)) != y))
    with h5py.File(run.artifact(step, "eval"), "r") as f:
        assert f["errors/train_error"][()].tolist() == expected["train"]
        assert f["errors/test_error"][()].tolist() == expected["test"]
        carried = [f[f"network/{n}"][()] for n in NETWORK_LAYERS]
    for k, layer in enumerate(carried):
        assert np.array_equal(layer, theta_c if k == index else layers[k]), k


def test_the_carried_network_starts_the_next_step(run):
    for previous, step in zip(STEPS, STEPS[1:]):
        carried = read_network(run.artifact(previous, "eval"))
        student = read_network(run.artifact(step, "network"))
        keep = layer_index(step)
        for k in range(keep):
            assert np.array_equal(student[k], carried[k])


@pytest.mark.parametrize("name", ARTIFACTS)
def test_h5dump_reads_the_header(run, name):
    result = run_command(["h5dump", "-H", run.path / name], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HDF5 ")
    for path in expected_datasets(name, 1):
        assert f'DATASET "{path.split("/")[-1]}"' in result.stdout


def content_digest(f: h5py.File) -> str:
    """The README's recipe: XXH3-128 over the sorted lines '<path> (<shape>) <digest of the elements>'."""
    lines = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = (obj[()].astype("<f8" if obj.dtype.kind == "f" else "<i8").tobytes() if obj.dtype.kind in "fiu"
                    else b"".join(s.encode() + b"\0" for s in obj.asstr()[()]))
            lines.append(f"/{name} ({','.join(map(str, obj.shape))}) {xxhash.xxh3_128(data).hexdigest()}\n")

    f.visititems(visit)
    return xxhash.xxh3_128("".join(sorted(lines)).encode()).hexdigest()


@pytest.mark.parametrize("name", ARTIFACTS)
def test_content_digest_is_recomputed_by_h5py(run, name):
    with h5py.File(run.path / name, "r") as f:
        assert f.attrs["content_digest"] == content_digest(f)
        inputs = list(f.attrs["input_files"])
        recorded = list(f.attrs["input_digests"])
    assert len(recorded) == len(inputs)
    for path, digest in zip(inputs, recorded):
        with h5py.File(path, "r") as g:
            assert g.attrs["content_digest"] == digest
