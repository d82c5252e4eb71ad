"""Every stage refuses bad input cleanly: a non-zero exit status (not a crash),
exactly one line on stderr naming the offending file (and the object in it,
where there is one), nothing on stdout, and no output file — not even a
temporary one — in the output folder.

Each case runs twice:

* with --quiet (ntk-report has no progress to silence): stderr must be that
  one line and nothing else;
* without it: besides progress lines ("ntk-<stage>: ..."), stderr has exactly
  one line, the last. And when the problem can be seen on opening the inputs
  (a missing object, a wrong shape or type, bad labels, a bad attribute, a bad
  parameter), there must be no progress line at all: the stage refuses before
  it starts working. Only bad values inside streamed data (NaN in a feature
  matrix) may be found after some progress.

Bad files are copies of the artifacts of a valid small run, changed with h5py.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import copy_artifact, run_stage

# --- checking a refusal ---------------------------------------------------------


def word(text: str) -> re.Pattern:
    """`text` as a whole token (not part of a longer name or of a path)."""
    return re.compile(rf"(?<![\w./-]){re.escape(text)}(?![\w/-])")


def check_refusal(result, outputs: list[Path], names: list, stage: str, quiet: bool, upfront: bool) -> None:
    """The stage failed cleanly: see the module's docstring. Every violation is
    reported at once, so that one failure shows all that is wrong."""
    mode = "with --quiet" if quiet else "without --quiet"
    where = f"{mode}: exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    problems = []
    if result.returncode < 0 or result.returncode >= 128:
        problems.append("the stage crashed (killed by a signal) instead of refusing the input")
    elif result.returncode == 0:
        problems.append("the stage succeeded on bad input")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # Errors read "ntk-<stage>: error: …"; any other "ntk-<stage>: " line is progress.
    progress = [] if quiet else [line for line in lines
                                 if line.startswith(f"ntk-{stage}: ") and not line.startswith(f"ntk-{stage}: error: ")]
    messages = [line for line in lines if line not in progress]
    if len(messages) != 1:
        problems.append(f"expected exactly one line on stderr{'' if quiet else ' besides progress'}, "
                        f"got {len(messages)}")
    elif lines[-1] != messages[0]:
        problems.append("the error is not the last line on stderr")
    if progress and upfront:
        problems.append("the stage printed progress before refusing an input it could check on opening it")
    # The names are looked for in all of the messages, so that a message spread
    # over several lines is reported once, as such.
    text = "\n".join(messages)
    for name in names:
        if isinstance(name, re.Pattern):
            if not name.search(text):
                problems.append(f"the message does not name {name.pattern!r}")
        elif str(name) not in text:
            problems.append(f"the message does not name {name}")
    if result.stdout:
        problems.append("a failing stage printed on stdout")
    for output in outputs:
        if output.exists():
            problems.append(f"{output} was written although the stage failed")
        leftovers = sorted(p.name for p in output.parent.iterdir()) if output.parent.exists() else []
        temporary = [n for n in leftovers if n.startswith(".") and n.endswith(".tmp")]
        if temporary:
            problems.append(f"temporary files left in {output.parent}: {temporary}")
        elif leftovers and not output.exists():
            problems.append(f"the output folder is not empty: {leftovers}")
    if problems:
        raise AssertionError("\n".join(problems) + "\n" + where)


class Refusal:
    """One bad-input case: run `stage args -o <out>` (with and without --quiet)
    and check the refusal. `upfront`: the problem is visible on opening the
    inputs, so no progress may come before the refusal."""

    def __init__(self, stage: str, args: list, names: list, upfront: bool = True):
        self.stage, self.args, self.names, self.upfront = stage, args, names, upfront

    def run(self, out: Path):
        failures = []
        for quiet in (True, False):
            folder = out / ("quiet" if quiet else "verbose")
            folder.mkdir(parents=True, exist_ok=True)
            if self.stage == "report":
                outputs = [folder / "results.csv", folder / "results.md"]
                result = run_stage("report", *self.args, "--csv", outputs[0], "--markdown", outputs[1])
            else:
                outputs = [folder / "result.h5"]
                result = run_stage(self.stage, *self.args, *(["--quiet"] if quiet else []), "-o", outputs[0])
            try:
                check_refusal(result, outputs, self.names, self.stage, quiet or self.stage == "report",
                              self.upfront)
            except AssertionError as failure:
                failures.append(str(failure))
        if failures:
            raise AssertionError("\n\n".join(failures))


# --- the stages' input slots, for the broken-file cases -------------------------
# slot → (the valid artifact it takes, the command with that input replaced by `f`)

def slot_commands(run):
    r, W, V = run.path, run.path / "W", run.path / "V"
    evaluate = {"truth": r / "truth.h5", "network": W / "network.h5", "features": W / "features.h5",
                "svm": W / "svm.h5"}

    def evaluate_with(role):
        def command(f):
            paths = {**evaluate, role: f}
            return ("evaluate", ["--truth", paths["truth"], "--network", paths["network"],
                                 "--features", paths["features"], "--svm", paths["svm"]])
        return evaluate[role], command

    return {
        "init--from": (W / "eval.h5", lambda f: (
            "init", ["--dim", 7, "--widths", "7,7", "--layer", "V", "--seed", 4, "--from", f])),
        "features--truth": (r / "truth.h5", lambda f: (
            "features", ["--truth", f, "--network", W / "network.h5", "--layer", "W"])),
        "features--network": (W / "network.h5", lambda f: (
            "features", ["--truth", r / "truth.h5", "--network", f, "--layer", "W"])),
        "train--features": (W / "features.h5", lambda f: ("train", ["--features", f, "--C", 1])),
        "evaluate--truth": evaluate_with("truth"),
        "evaluate--network": evaluate_with("network"),
        "evaluate--features": evaluate_with("features"),
        "evaluate--svm": evaluate_with("svm"),
        "report": (W / "eval.h5", lambda f: ("report", [f, V / "eval.h5"])),
    }


SLOTS = ["init--from", "features--truth", "features--network", "train--features", "evaluate--truth",
         "evaluate--network", "evaluate--features", "evaluate--svm", "report"]


def missing(valid: Path, bad: Path) -> Path:
    return bad / "missing.h5"


def directory(valid: Path, bad: Path) -> Path:
    (bad / "folder.h5").mkdir()
    return bad / "folder.h5"


def random_bytes(valid: Path, bad: Path) -> Path:
    path = bad / "random.h5"
    path.write_bytes(random.Random(7).randbytes(8192))
    return path


def empty(valid: Path, bad: Path) -> Path:
    path = bad / "empty.h5"
    path.write_bytes(b"")
    return path


def truncated(valid: Path, bad: Path) -> Path:
    path = bad / "truncated.h5"
    data = valid.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def foreign(valid: Path, bad: Path) -> Path:
    """A valid HDF5 file written by another program."""
    path = bad / "foreign.h5"
    with h5py.File(path, "w") as f:
        f.attrs["creator"] = "another program"
        f.create_dataset("data", data=np.arange(30.0).reshape(10, 3))
        f.create_dataset("labels", data=np.arange(10))
        f.create_group("inputs").create_dataset("x", data=np.ones(4))
    return path


BROKEN = {"missing": missing, "directory": directory, "random-bytes": random_bytes, "empty": empty,
          "truncated": truncated, "foreign-hdf5": foreign}


@pytest.mark.parametrize("broken", list(BROKEN))
@pytest.mark.parametrize("slot", SLOTS)
def test_broken_file(small_run, tmp_path, slot, broken):
    valid, command = slot_commands(small_run)[slot]
    (tmp_path / "bad").mkdir()
    path = BROKEN[broken](valid, tmp_path / "bad")
    stage, args = command(path)
    Refusal(stage, args, [path]).run(tmp_path / "out")


# --- bad contents ------------------------------------------------------------------
# Each case: (run, folder for bad files) → Refusal.

def replace(name: str, data, dtype=None):
    """A modifier that replaces dataset `name` by `data`."""
    def modify(f):
        del f[name]
        f.create_dataset(name, data=data, dtype=dtype)
    return modify


def edit(name: str, change):
    """A modifier that replaces dataset `name` by change(its values)."""
    def modify(f):
        values = f[name][()]
        del f[name]
        f.create_dataset(name, data=change(values))
    return modify


def with_element(index, value):
    def change(values):
        values = np.array(values, dtype=float)
        values[index] = value
        return values
    return change


def paths(run):
    r = run.path
    return {"truth": r / "truth.h5", **{f"{s}/{k}": r / s / f"{k}.h5" for s in "WVu"
                                        for k in ("network", "features", "svm", "eval")}}


def features_command(truth, network, layer="W"):
    return ["--truth", truth, "--network", network, "--layer", layer]


def evaluate_command(p, **replaced):
    files = {"truth": p["truth"], "network": p["W/network"], "features": p["W/features"], "svm": p["W/svm"],
             **replaced}
    return ["--truth", files["truth"], "--network", files["network"], "--features", files["features"],
            "--svm", files["svm"]]


def truth_case(modify, stage, objects, test_features=False):
    """`test_features`: ntk-features stores the test rows (--test-features), so it reads the test split."""
    def build(run, bad):
        p = paths(run)
        path = copy_artifact(p["truth"], bad / "truth.h5", modify)
        args = (features_command(path, p["W/network"]) + (["--test-features"] if test_features else [])
                if stage == "features" else evaluate_command(p, truth=path))
        return Refusal(stage, args, [path, *objects])
    return build


def stored_features_case(modify, objects):
    """A case for evaluate on a features file with stored test rows (--test-features): the features
    are made and the SVM trained on them in `bad`, then the features are copied and changed."""
    def build(run, bad):
        p = paths(run)
        stored, svm = bad / "stored" / "features.h5", bad / "stored" / "svm.h5"
        stored.parent.mkdir()
        for stage, args, output in [("features", features_command(p["truth"], p["W/network"]) + ["--test-features"],
                                     stored), ("train", ["--features", stored, "--C", 1], svm)]:
            result = run_stage(stage, *args, "--quiet", "-o", output)
            assert result.returncode == 0, result.stderr
        path = copy_artifact(stored, bad / "features.h5", modify)
        return Refusal("evaluate", evaluate_command(p, features=path, svm=svm), [path, *objects], upfront=False)
    return build


def network_case(modify, stage, objects, source="W/network"):
    def build(run, bad):
        p = paths(run)
        path = copy_artifact(p[source], bad / "network.h5", modify)
        if stage == "features":
            args = features_command(p["truth"], path)
        elif stage == "evaluate":
            args = evaluate_command(p, network=path)
        else:
            args = ["--dim", 7, "--widths", "7,7", "--layer", "V", "--seed", 4, "--from", path]
        return Refusal(stage, args, [path, *objects])
    return build


def features_case(modify, stage, objects, upfront=True):
    def build(run, bad):
        p = paths(run)
        path = copy_artifact(p["W/features"], bad / "features.h5", modify)
        args = ["--features", path, "--C", 1] if stage == "train" else evaluate_command(p, features=path)
        return Refusal(stage, args, [path, *objects], upfront)
    return build


def svm_case(modify, objects):
    def build(run, bad):
        p = paths(run)
        path = copy_artifact(p["W/svm"], bad / "svm.h5", modify)
        return Refusal("evaluate", evaluate_command(p, svm=path), [path, *objects])
    return build


def eval_case(modify, objects):
    def build(run, bad):
        p = paths(run)
        path = copy_artifact(p["W/eval"], bad / "eval.h5", modify)
        return Refusal("report", [path, p["V/eval"], p["u/eval"]], [path, *objects])
    return build


def labels01(values):
    return (np.asarray(values) + 1) / 2


def strings(values):
    return np.array(["+1" if v > 0 else "-1" for v in values], dtype=h5py.string_dtype())


def overflowing_block_shapes(f):
    """Sizes whose product overflows 64 bits (a corrupted or hostile file)."""
    assert "block_shapes" in f.attrs, "the features schema changed: update this case"
    f.attrs["block_shapes"] = np.array([2**40, 2**40], dtype=np.int64)


def delete(name):
    def modify(f):
        del f[name]
    return modify


def set_attribute(obj, key, value):
    def modify(f):
        f[obj].attrs[key] = value
    return modify


def unknown_layer_in_features(run, bad):
    p = paths(run)
    return Refusal("features", features_command(p["truth"], p["W/network"], layer="X"), [p["W/network"], word("X")])


def unknown_layer_in_init(run, bad):
    return Refusal("init", ["--dim", 7, "--widths", "7,7", "--layer", "X", "--seed", 4], [word("X")])


def narrow_network(run, bad):
    """A network on d = 5 (ntk-init --dim 5), against the d = 7 ground truth."""
    path = bad / "network-d5.h5"
    result = run_stage("init", "--dim", 5, "--layer", "W", "--seed", 0, "-o", path)
    assert result.returncode == 0, result.stderr
    with h5py.File(path, "r") as f:
        assert f["network/W1"].shape == (5, 5)
    return path


def network_of_other_dimension_in_features(run, bad):
    p = paths(run)
    path = narrow_network(run, bad)
    return Refusal("features", features_command(p["truth"], path), [path, p["truth"]])


def network_of_other_dimension_in_evaluate(run, bad):
    p = paths(run)
    path = narrow_network(run, bad)
    return Refusal("evaluate", evaluate_command(p, network=path), [path])


def svm_of_another_layer(run, bad):
    p = paths(run)
    return Refusal("evaluate", evaluate_command(p, svm=p["V/svm"]), [p["V/svm"], p["W/features"]])


def penalty(value):
    def build(run, bad):
        # --C=<value>, so that "-1" is read as the value and not as an option.
        return Refusal("train", ["--features", paths(run)["W/features"], f"--C={value}"], ["--C"])
    return build


def truth_dimension_zero(run, bad):
    return Refusal("truth", ["--dim", 0, "--train", 10, "--test", 10], ["--dim"])


CONTENTS = {
    # The ground truth.
    "truth-missing-labels-test/features": truth_case(delete("labels/test"), "features", ["/labels/test"],
                                                     test_features=True),
    "truth-missing-labels-test/evaluate": truth_case(delete("labels/test"), "evaluate", ["/labels/test"]),
    "truth-labels-0-1/features": truth_case(edit("labels/train", labels01), "features", ["/labels/train"]),
    "truth-labels-0-1/evaluate": truth_case(edit("labels/train", labels01), "evaluate", ["/labels/train"]),
    "truth-label-2/features": truth_case(edit("labels/test", with_element(7, 2)), "features", ["/labels/test"],
                                         test_features=True),
    "truth-label-2/evaluate": truth_case(edit("labels/test", with_element(7, 2)), "evaluate", ["/labels/test"]),
    "truth-labels-strings/features": truth_case(edit("labels/train", strings), "features", ["/labels/train"]),
    "truth-labels-wrong-count/features": truth_case(edit("labels/train", lambda v: v[:-1]), "features",
                                                    ["/labels/train"]),
    "truth-inputs-rank-1/features": truth_case(edit("inputs/train", np.ravel), "features", ["/inputs/train"]),
    "truth-inputs-rank-3/evaluate": truth_case(
        edit("inputs/test", lambda v: v.reshape(len(v), 7, 1)), "evaluate", ["/inputs/test"]),
    "truth-inputs-integer/features": truth_case(
        edit("inputs/test", lambda v: np.round(v).astype(np.int64)), "features", ["/inputs/test"]),
    "truth-inputs-integer/evaluate": truth_case(
        edit("inputs/train", lambda v: np.round(v).astype(np.int64)), "evaluate", ["/inputs/train"]),
    "truth-test-inputs-other-d/features": truth_case(edit("inputs/test", lambda v: v[:, :6]), "features",
                                                     ["/inputs/test"]),
    # Networks.
    "network-inf/features": network_case(edit("network/W2", with_element((0, 0), np.inf)), "features",
                                         ["/network/W2"]),
    "network-inf/evaluate": network_case(edit("network/W2", with_element((3, 4), -np.inf)), "evaluate",
                                         ["/network/W2"]),
    "network-nan/features": network_case(edit("network/u", with_element((0, 2), np.nan)), "features",
                                         ["/network/u"]),
    "carried-network-inf/init": network_case(edit("network/W1", with_element((1, 1), np.inf)), "init",
                                             ["/network/W1"], source="W/eval"),
    "network-u-rank-1/features": network_case(edit("network/u", np.ravel), "features", ["/network/u"]),
    "network-integer-weights/features": network_case(
        edit("network/W1", lambda v: np.round(v * 10).astype(np.int64)), "features", ["/network/W1"]),
    "network-string-weights/evaluate": network_case(
        edit("network/u", lambda v: np.array([[str(x) for x in v[0]]], dtype=h5py.string_dtype())), "evaluate",
        ["/network/u"]),
    "network-missing-layer/features": network_case(delete("network/W2"), "features", ["/network/W2"]),
    "network-input-dimension-nan/features": network_case(
        set_attribute("network", "input_dimension", np.nan), "features", ["/network", "input_dimension"]),
    "network-input-dimension-fractional/features": network_case(
        set_attribute("network", "input_dimension", 7.5), "features", ["/network", "input_dimension"]),
    "network-of-d5/features": network_of_other_dimension_in_features,
    "network-of-d5/evaluate": network_of_other_dimension_in_evaluate,
    # Features.
    "features-nan/train": features_case(edit("features/train", with_element((3, 5), np.nan)), "train",
                                        ["/features/train"], upfront=False),
    "features-inf/train": features_case(edit("features/train", with_element((59, 0), np.inf)), "train",
                                        ["/features/train"], upfront=False),
    "features-nan/evaluate": stored_features_case(edit("features/test", with_element((400, 1), np.nan)),
                                                  ["/features/test"]),
    "features-labels-0-1/train": features_case(edit("labels/train", labels01), "train", ["/labels/train"]),
    "features-label-2/train": features_case(edit("labels/train", with_element(11, 2)), "train", ["/labels/train"]),
    "features-one-class-positive/train": features_case(edit("labels/train", np.ones_like), "train",
                                                       ["/labels/train"]),
    "features-one-class-negative/train": features_case(edit("labels/train", lambda v: -np.ones_like(v)), "train",
                                                       ["/labels/train"]),
    "features-integer/train": features_case(
        edit("features/train", lambda v: np.round(v).astype(np.int64)), "train", ["/features/train"]),
    "features-rank-3/train": features_case(
        edit("features/train", lambda v: v.reshape(len(v), 7, 7)), "train", ["/features/train"]),
    "features-wrong-width/train": features_case(edit("features/train", lambda v: v[:, :48]), "train",
                                                ["/features/train"]),
    "features-labels-rank-2/train": features_case(edit("labels/train", lambda v: v.reshape(-1, 1)), "train",
                                                  ["/labels/train"]),
    "features-labels-strings/train": features_case(edit("labels/train", strings), "train", ["/labels/train"]),
    "features-block-shapes-overflow/train": features_case(overflowing_block_shapes, "train", ["block_shapes"]),
    "features-missing-train/train": features_case(delete("features/train"), "train", ["/features/train"]),
    # SVMs.
    "svm-weights-too-short": svm_case(edit("weights", lambda v: v[:-1]), ["/weights"]),
    "svm-weights-too-long": svm_case(edit("weights", lambda v: np.append(v, 0.5)), ["/weights"]),
    "svm-weights-rank-2": svm_case(edit("weights", lambda v: v.reshape(7, 7)), ["/weights"]),
    "svm-weights-integer": svm_case(edit("weights", lambda v: np.round(v * 100).astype(np.int64)), ["/weights"]),
    "svm-weights-nan": svm_case(edit("weights", with_element(5, np.nan)), ["/weights"]),
    "svm-intercept-rank-1": svm_case(edit("intercept", lambda v: np.reshape(v, (1,))), ["/intercept"]),
    "svm-intercept-string": svm_case(replace("intercept", "0.5", h5py.string_dtype()), ["/intercept"]),
    "svm-of-another-layer": svm_of_another_layer,
    # Evaluations, for the report.
    "eval-errors-wrong-length": eval_case(edit("errors/train_error", lambda v: v[:5]), ["/errors"]),
    "eval-errors-rank-2": eval_case(edit("errors/test_error", lambda v: v.reshape(6, 1)), ["/errors/test_error"]),
    "eval-errors-integer": eval_case(
        edit("errors/train_error", lambda v: np.round(v * 100).astype(np.int64)), ["/errors/train_error"]),
    "eval-missing-models": eval_case(delete("errors/model"), ["/errors/model"]),
    # Parameters.
    "layer-X/features": unknown_layer_in_features,
    "layer-X/init": unknown_layer_in_init,
    "C-0": penalty("0"),
    "C-negative": penalty("-1"),
    "C-nan": penalty("nan"),
    "C-inf": penalty("inf"),
    "truth-dim-0": truth_dimension_zero,
}


@pytest.mark.parametrize("case", list(CONTENTS))
def test_bad_contents(small_run, tmp_path, case):
    (tmp_path / "bad").mkdir()
    refusal = CONTENTS[case](small_run, tmp_path / "bad")
    refusal.run(tmp_path / "out")


def test_a_valid_call_passes_the_same_check_harness(small_run, tmp_path):
    """The harness itself: the unmodified inputs make every stage succeed (so
    the refusals above are caused by the modification, not by the command)."""
    p = paths(small_run)
    out = tmp_path / "out"
    out.mkdir()
    calls = [
        ("init", ["--dim", 7, "--widths", "7,7", "--layer", "V", "--seed", 4, "--from", p["W/eval"]]),
        ("features", features_command(p["truth"], p["W/network"])),
        ("train", ["--features", p["W/features"], "--C", 1]),
        ("evaluate", evaluate_command(p)),
    ]
    for k, (stage, args) in enumerate(calls):
        result = run_stage(stage, *args, "-o", out / f"{k}.h5")
        assert result.returncode == 0, result.stderr
        assert (out / f"{k}.h5").exists()
    result = run_stage("report", p["W/eval"], p["V/eval"], p["u/eval"], "--csv", out / "r.csv")
    assert result.returncode == 0, result.stderr
    assert (out / "r.csv").read_text() == (small_run.path / "results.csv").read_text()
    assert sorted(n for n in (x.name for x in out.iterdir()) if n.startswith(".")) == []
