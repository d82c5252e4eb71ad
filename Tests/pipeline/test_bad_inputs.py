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

Bad files are copies of the artifacts of a valid small run, changed with h5py;
each changed dataset gets the content digest its new contents would have been
written with (the file keeps its own, so that the artifacts made from it still
name it as their input): the change is the only thing wrong with the file, and
a stage cannot refuse it for a digest that no longer matches instead. (A
ground truth's readers also check its datasets' names and shapes against its
own digest on opening; a truth with bad label values is therefore resealed
whole, and what evaluate reads is made from it: relabelled_truth_case.)
"""
from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import (SPECTRUM_INPUTS, SPECTRUM_STEP_OUTPUTS, copy_artifact, final_files, make, reseal, run_stage,
                         temporaries)
from pipeline_testing import slow_unless

# --- checking a refusal ---------------------------------------------------------


def each_level_once(cases, *factors) -> list:
    """The cases as parameters: make test runs, in order, each case that brings a level of some factor (a
    function of the case's name) not met before; make test-slow runs the rest."""
    seen = [set() for _ in factors]
    kept = set()
    for case in cases:
        levels = [factor(case) for factor in factors]
        if any(level not in met for level, met in zip(levels, seen)):
            kept.add(case)
        for level, met in zip(levels, seen):
            met.add(level)
    return slow_unless(cases, lambda case: case in kept)


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
        # (A spectrum's step folder holds its inputs: they are not left by the stage.)
        leftovers = sorted(p.name for p in output.parent.iterdir() if p.name not in SPECTRUM_INPUTS
                           ) if output.parent.exists() else []
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
            elif self.stage == "spectrum":  # the last argument: the step folder, where it writes too
                step = Path(self.args[-1])
                outputs = [folder / "alignment.csv", folder / "alignment.md"] + [
                    step / name for name in SPECTRUM_STEP_OUTPUTS]
                result = run_stage("spectrum", *self.args[:-1], *(["--quiet"] if quiet else []),
                                   "--alignment-csv", outputs[0], "--alignment-markdown", outputs[1], step)
            elif self.stage == "sweep-report":
                outputs = [folder / "report"]
                result = run_stage(self.stage, *self.args, *(["--quiet"] if quiet else []), "-o", outputs[0])
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
        "theory-curve--truth": (r / "truth.h5", lambda f: (
            "theory-curve", ["--truth", f, "--network", W / "network.h5", "--layer", "W", "--samples", 100])),
        "theory-curve--network": (W / "network.h5", lambda f: (
            "theory-curve", ["--truth", r / "truth.h5", "--network", f, "--layer", "W", "--samples", 100])),
        "spectrum--truth": (r / "truth.h5", lambda f: spectrum_with(run, truth=f)),
        "spectrum--network": (W / "network.h5", lambda f: spectrum_with(run, network=f)),
        "spectrum--features": (W / "features.h5", lambda f: spectrum_with(run, features=f)),
    }


def spectrum_with(run, *, truth: Path | None = None, **bad: Path):
    """ntk-spectrum on step W with a bad input: the truth given, or a bad network or features
    file put in place of the step folder's (moved there, beside the other linked: the stage
    finds its inputs by name in the step folder). (stage, arguments, the path to name.)"""
    if truth is not None:
        step = truth.parent / "W"
    else:
        (kind, f), = bad.items()
        step = f.parent / "W"
    step.mkdir()
    for name in SPECTRUM_INPUTS:
        kind_name = name.removesuffix(".h5")
        if kind_name in bad:
            if bad[kind_name].exists():
                bad[kind_name].rename(step / name)
        else:
            (step / name).hardlink_to(run.path / "W" / name)
    named = truth if truth is not None else step / f"{kind}.h5"
    return "spectrum", ["--truth", truth or run.path / "truth.h5", step], [named]


SLOTS = ["init--from", "features--truth", "features--network", "train--features", "evaluate--truth",
         "evaluate--network", "evaluate--features", "evaluate--svm", "report", "theory-curve--truth",
         "theory-curve--network", "spectrum--truth", "spectrum--network", "spectrum--features"]


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


# make test: every slot and every kind of damage, each at least once.
BROKEN_CASES = [f"{slot}/{broken}" for broken in BROKEN for slot in SLOTS]


@pytest.mark.parametrize("case", each_level_once(BROKEN_CASES, lambda c: c.split("/")[0], lambda c: c.split("/")[1]))
def test_broken_file(small_run, tmp_path, case):
    slot, broken = case.split("/")
    valid, command = slot_commands(small_run)[slot]
    (tmp_path / "bad").mkdir()
    path = BROKEN[broken](valid, tmp_path / "bad")
    stage, args, *named = command(path)
    Refusal(stage, args, named[0] if named else [path]).run(tmp_path / "out")


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


def bad_copy(source: Path, target: Path, modify) -> Path:
    """A copy of an artifact changed by `modify`, its datasets' digests as
    they would have been written (see the module's docstring)."""
    def change(f):
        modify(f)
        reseal(f, root=False)
    return copy_artifact(source, target, change)


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
        path = bad_copy(p["truth"], bad / "truth.h5", modify)
        args = (features_command(path, p["W/network"]) + (["--test-features"] if test_features else [])
                if stage == "features" else evaluate_command(p, truth=path))
        return Refusal(stage, args, [path, *objects])
    return build


def relabelled_truth_case(modify, stage, objects, test_features=False):
    """Bad label values in a ground truth that is otherwise whole: every digest, the file's
    too, as its writer would have recorded them (with the file's digest kept, readers
    refuse it as damaged before they read a label: its datasets no longer give it). For
    evaluate, the features and the SVM are made from it (they read the training labels
    only; so only bad test labels reach evaluate)."""
    def build(run, bad):
        p = paths(run)
        path = copy_artifact(p["truth"], bad / "truth.h5", lambda f: (modify(f), reseal(f)))
        if stage == "features":
            return Refusal(stage, features_command(path, p["W/network"]) + (["--test-features"] if test_features
                                                                              else []), [path, *objects])
        features, svm = bad / "made" / "features.h5", bad / "made" / "svm.h5"
        features.parent.mkdir()
        for made, args, output in [("features", features_command(path, p["W/network"]), features),
                                   ("train", ["--features", features, "--C", 1], svm)]:
            result = run_stage(made, *args, "--quiet", "-o", output)
            assert result.returncode == 0, result.stderr
        return Refusal(stage, evaluate_command(p, truth=path, features=features, svm=svm), [path, *objects],
                       upfront=False)
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
        path = bad_copy(stored, bad / "features.h5", modify)
        return Refusal("evaluate", evaluate_command(p, features=path, svm=svm), [path, *objects], upfront=False)
    return build


def network_case(modify, stage, objects, source="W/network"):
    def build(run, bad):
        p = paths(run)
        path = bad_copy(p[source], bad / "network.h5", modify)
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
        path = bad_copy(p["W/features"], bad / "features.h5", modify)
        args = ["--features", path, "--C", 1] if stage == "train" else evaluate_command(p, features=path)
        return Refusal(stage, args, [path, *objects], upfront)
    return build


def svm_case(modify, objects):
    def build(run, bad):
        p = paths(run)
        path = bad_copy(p["W/svm"], bad / "svm.h5", modify)
        return Refusal("evaluate", evaluate_command(p, svm=path), [path, *objects])
    return build


def eval_case(modify, objects):
    def build(run, bad):
        p = paths(run)
        path = bad_copy(p["W/eval"], bad / "eval.h5", modify)
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


def train_option(option: str, value: str, *extra: str, upfront: bool = True, names: tuple = ()):
    """ntk-train with --<option>=<value>: refused before any work, naming the option (or `names`)."""
    def build(run, bad):
        return Refusal("train", ["--features", paths(run)["W/features"], f"--{option}={value}", *extra],
                       list(names) or [f"--{option}"], upfront)
    return build


def truth_dimension_zero(run, bad):
    return Refusal("truth", ["--dim", 0, "--train", 10, "--test", 10], ["--dim"])


CONTENTS = {
    # The ground truth.
    "truth-missing-labels-test/features": truth_case(delete("labels/test"), "features", ["/labels/test"],
                                                     test_features=True),
    "truth-missing-labels-test/evaluate": truth_case(delete("labels/test"), "evaluate", ["/labels/test"]),
    "truth-labels-0-1/features": relabelled_truth_case(edit("labels/train", labels01), "features",
                                                       ["/labels/train"]),
    "truth-test-labels-0-1/evaluate": relabelled_truth_case(edit("labels/test", labels01), "evaluate",
                                                            ["/labels/test"]),
    "truth-label-2/features": relabelled_truth_case(edit("labels/test", with_element(7, 2)), "features",
                                                    ["/labels/test"], test_features=True),
    "truth-label-2/evaluate": relabelled_truth_case(edit("labels/test", with_element(7, 2)), "evaluate",
                                                    ["/labels/test"]),
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
    # The linear solver: an unknown solver, a gap tolerance that is not a positive number, no passes,
    # and a solve that runs out of passes (after its work: the line names the gap it reached).
    "solver-unknown": train_option("solver", "sgd"),
    "gap-tolerance-0": train_option("gap-tolerance", "0"),
    "gap-tolerance-negative": train_option("gap-tolerance", "-1e-5"),
    "gap-tolerance-nan": train_option("gap-tolerance", "nan"),
    "gap-tolerance-inf": train_option("gap-tolerance", "inf"),
    "max-passes-0": train_option("max-passes", "0"),
    "out-of-passes": train_option("max-passes", "1", "--solver=linear", "--gap-tolerance=1e-15", upfront=False,
                                  names=("W/features.h5", "1 passes", re.compile(r"relative duality gap of [0-9.e+-]+"))),
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
    assert sorted(n for n in (x.name for x in out.iterdir()) if n.startswith(".") and not n.endswith(".digest")) == []


# --- element types: float32 or integers where float64 is expected -----------------
# For every float64 dataset a stage reads: the dataset stored as float32 (the
# values rounded) or as int32 (labels ±1 as they are, other values ×10 and
# rounded), the digests consistent (bad_copy). The message names the dataset and
# what it found.

def retyped(name: str, dtype: str):
    def change(values):
        values = np.asarray(values)
        if np.dtype(dtype).kind == "f" or name.startswith("labels/"):
            return values.astype(dtype)
        return np.round(values * 10).astype(dtype)
    return edit(name, change)


FOUND = {"float32": "found 32-bit floating-point", "int32": "found integer"}


def made_features(p, bad: Path, option: list[str]) -> dict[str, Path]:
    """Features of step W made with `option` (--test-features, --storage=factored)
    in `bad`, and the SVM trained on them: the files to change and to evaluate with."""
    folder = bad / "made"
    folder.mkdir(exist_ok=True)
    features, svm = folder / "features.h5", folder / "svm.h5"
    for stage, args, output in [("features", features_command(p["truth"], p["W/network"]) + option, features),
                                ("train", ["--features", features, "--C", 1], svm)]:
        result = run_stage(stage, *args, "--quiet", "-o", output)
        assert result.returncode == 0, result.stderr
    return {"W/features": features, "W/svm": svm}


def made_baseline(p, bad: Path, stage: str) -> Path:
    """Step W's infinite-width or trained baseline, made in `bad`."""
    output = bad / "made" / f"{stage}.h5"
    output.parent.mkdir(exist_ok=True)
    extra = ["--C", 1] if stage == "infinite-kernel" else ["--steps", 3]
    result = run_stage(stage, "--truth", p["truth"], "--network", p["W/network"], "--layer", "W", *extra,
                       "--quiet", "-o", output)
    assert result.returncode == 0, result.stderr
    return output


def baseline_args(stage):
    return lambda p, f: ["--truth", p["truth"] if stage == "truth" else f, "--network",
                         f if stage == "network" else p["W/network"], "--layer", "W"]


# artifact → the stages that read it → their arguments with file `f` in its place.
READERS = {
    "truth": {
        "features": lambda p, f: features_command(f, p["W/network"]) + ["--test-features"],
        "evaluate": lambda p, f: evaluate_command(p, truth=f),
        "infinite-kernel": lambda p, f: ["--truth", f, "--network", p["W/network"], "--layer", "W"],
        "gradient-descent": lambda p, f: ["--truth", f, "--network", p["W/network"], "--layer", "W", "--steps", 3],
    },
    "W/network": {
        "features": lambda p, f: features_command(p["truth"], f),
        "evaluate": lambda p, f: evaluate_command(p, network=f),
        "infinite-kernel": lambda p, f: ["--truth", p["truth"], "--network", f, "--layer", "W"],
        "gradient-descent": lambda p, f: ["--truth", p["truth"], "--network", f, "--layer", "W", "--steps", 3],
    },
    "W/features": {
        "train": lambda p, f: ["--features", f, "--C", 1],
        "evaluate": lambda p, f: evaluate_command(p, features=f),
    },
    "W/svm": {"evaluate": lambda p, f: evaluate_command(p, svm=f)},
    "W/eval": {
        "init": lambda p, f: ["--dim", 7, "--widths", "7,7", "--layer", "V", "--seed", 4, "--from", f],
        "report": lambda p, f: [f, p["V/eval"], p["u/eval"]],
    },
    "W/infinite": {"report": lambda p, f: [p["W/eval"], f, p["V/eval"], p["u/eval"]]},
    "W/trained": {"report": lambda p, f: [p["W/eval"], f, p["V/eval"], p["u/eval"]]},
}


def prepared(run, bad: Path, made: str | None):
    """The small run's files, with step W's features or baselines made as `made` says."""
    p = paths(run)
    if made == "stored":
        p |= made_features(p, bad, ["--test-features"])
    elif made == "factored":
        p |= made_features(p, bad, ["--storage=factored"])
    elif made == "baselines":
        p |= {"W/infinite": made_baseline(p, bad, "infinite-kernel"),
              "W/trained": made_baseline(p, bad, "gradient-descent")}
    return p


def changed_file_case(artifact: str, stage: str, modify, names: list, made: str | None = None, upfront=True,
                      digests=True):
    """`stage` reading a copy of the small run's `artifact` changed by `modify`;
    the message must name the copy and `names`. `digests`: the changed datasets'
    digests are rewritten (bad_copy); without, the copy is changed by `modify` alone."""
    def build(run, bad):
        p = prepared(run, bad, made)
        copy = bad_copy if digests else copy_artifact
        path = copy(p[artifact], bad / Path(p[artifact]).name, modify)
        return Refusal(stage, READERS[artifact][stage](p, path), [path, *names], upfront)
    return build


# (artifact, dataset, the stages that read it, what must be made first)
FLOAT64_DATASETS = [
    *[("truth", f"{kind}/{split}", ["features", "evaluate", "infinite-kernel", "gradient-descent"], None)
      for kind in ("inputs", "labels") for split in ("train", "test")],
    *[("W/network", f"network/{layer}", ["features", "evaluate", "infinite-kernel", "gradient-descent"], None)
      for layer in ("W1", "W2", "u")],
    ("W/features", "features/train", ["train", "evaluate"], None),
    ("W/features", "labels/train", ["train"], None),  # evaluate takes the labels from the truth
    ("W/features", "features/test", ["evaluate"], "stored"),
    ("W/features", "factors/train/W1/delta", ["train", "evaluate"], "factored"),
    ("W/features", "factors/train/W1/input", ["train", "evaluate"], "factored"),
    ("W/svm", "weights", ["evaluate"], None),
    ("W/svm", "intercept", ["evaluate"], None),
    ("W/eval", "errors/train_error", ["init", "report"], None),
    ("W/eval", "errors/test_error", ["init", "report"], None),
    ("W/eval", "network/W1", ["init"], None),
    ("W/eval", "network/u", ["init"], None),
    ("W/infinite", "errors/test_error", ["report"], "baselines"),
    ("W/trained", "errors/train_error", ["report"], "baselines"),
    ("W/trained", "trajectory/relative_weight_change", ["report"], "baselines"),
]

ELEMENT_TYPES = {
    f"{artifact}-{dataset.replace('/', '-')}-{dtype}/{stage}":
        changed_file_case(artifact, stage, retyped(dataset, dtype), [f"/{dataset}", FOUND[dtype]], made)
    for artifact, dataset, stages, made in FLOAT64_DATASETS for stage in stages for dtype in FOUND
}


# make test: every dataset, every stage and both types, each at least once.
@pytest.mark.parametrize("case", each_level_once(ELEMENT_TYPES, lambda c: c.rpartition("-")[0],
                                                 lambda c: c.rpartition("/")[2],
                                                 lambda c: c.rpartition("/")[0].rpartition("-")[2]))
def test_element_type(small_run, tmp_path, case):
    (tmp_path / "bad").mkdir()
    ELEMENT_TYPES[case](small_run, tmp_path / "bad").run(tmp_path / "out")


def test_the_element_type_cases_change_only_the_type(small_run, tmp_path):
    """The harness: a copy changed to float64 — the type written — is accepted
    by every reader (so the refusals above are the type's, not the copy's)."""
    for artifact, dataset, stages, made in FLOAT64_DATASETS:
        bad = tmp_path / f"{artifact}-{dataset}".replace("/", "-")
        bad.mkdir()
        p = prepared(small_run, bad, made)
        path = bad_copy(p[artifact], bad / Path(p[artifact]).name, retyped(dataset, "float64"))
        with h5py.File(path, "r") as f:
            assert f[dataset].dtype == np.float64
        for stage in stages:
            out = bad / f"{stage}.out"
            args = READERS[artifact][stage](p, path)
            result = (run_stage(stage, *args, "--csv", out) if stage == "report"
                      else run_stage(stage, *args, "--quiet", "-o", out))
            assert result.returncode == 0, f"{stage} on {path} ({dataset} rewritten as float64): {result.stderr}"


# --- missing attributes ------------------------------------------------------------
# Every attribute a reader reads, removed: (artifact, object, attribute, the stages that read it).

REQUIRED_ATTRIBUTES = [
    *[("truth", "/", a, ["features", "evaluate", "infinite-kernel", "gradient-descent"])
      for a in ("artifact", "content_digest")],
    *[("truth", f"/{d}", "content_digest", ["features", "evaluate"]) for d in ("inputs/train", "labels/test")],
    *[("W/network", "/", a, ["features", "evaluate"]) for a in ("artifact", "seed", "content_digest")],
    *[("W/network", "/network", a, ["features", "evaluate", "infinite-kernel", "gradient-descent"])
      for a in ("hidden_widths", "input_dimension")],
    ("W/network", "/network/W2", "content_digest", ["features", "evaluate"]),
    *[("W/features", "/", a, ["train", "evaluate"])
      for a in ("artifact", "content_digest", "layer", "layer_label", "block_layers", "block_shapes", "feature_kind",
                "storage", "test_features")],
    ("W/features", "/features/train", "content_digest", ["train", "evaluate"]),
    *[("W/svm", "/", a, ["evaluate"]) for a in ("artifact", "content_digest", "layer", "block_layers", "block_shapes")],
    ("W/svm", "/weights", "content_digest", ["evaluate"]),
    *[("W/eval", "/", a, ["init", "report"]) for a in ("artifact", "layer_label")],
    ("W/eval", "/errors", "leaked_test_errors", ["init", "report"]),
    *[("W/eval", "/", a, ["init"]) for a in ("content_digest", "layer")],
    *[("W/eval", "/network", a, ["init"]) for a in ("hidden_widths", "input_dimension")],
    *[(b, "/", a, ["report"]) for b in ("W/infinite", "W/trained") for a in ("artifact", "layer_label")],
    *[(b, "/errors", "leaked_test_errors", ["report"]) for b in ("W/infinite", "W/trained")],
    ("W/trained", "/", "kernel_distance", ["report"]),
]


def without_attribute(obj: str, name: str):
    def modify(f):
        assert name in f[obj].attrs, f"{obj} has no attribute {name!r}: the schema changed, update this case"
        del f[obj].attrs[name]
    return modify


MISSING_ATTRIBUTES = {
    f"{artifact}-{obj.strip('/').replace('/', '-') or 'root'}-{name}/{stage}":
        changed_file_case(artifact, stage, without_attribute(obj, name), [word(name), "missing"],
                          "baselines" if artifact in ("W/infinite", "W/trained") else None, digests=False)
    for artifact, obj, name, stages in REQUIRED_ATTRIBUTES for stage in stages
}


# make test: every attribute and every stage, each at least once.
@pytest.mark.parametrize("case", each_level_once(MISSING_ATTRIBUTES, lambda c: c.rpartition("/")[0],
                                                 lambda c: c.rpartition("/")[2]))
def test_missing_attribute(small_run, tmp_path, case):
    (tmp_path / "bad").mkdir()
    MISSING_ATTRIBUTES[case](small_run, tmp_path / "bad").run(tmp_path / "out")


def sweep_point_case(artifact: str, obj: str, name: str):
    """ntk-sweep-report over the small run as a sweep's point, with attribute
    `name` of `obj` removed from the point's `artifact` (truth, W/network)."""
    def build(run, bad):
        point = bad / "point"
        for rel in ["truth.h5"] + [f"{s}/{k}.h5" for s in "WVu" for k in ("network", "eval")]:
            (point / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run.path / rel, point / rel)
        path = point / f"{artifact}.h5"
        with h5py.File(path, "r+") as f:
            without_attribute(obj, name)(f)
        return Refusal("sweep-report", [point / s / "eval.h5" for s in "WVu"] + ["--name", "bad"],
                       [path, word(name), "missing"])
    return build


SWEEP_POINT_ATTRIBUTES = {f"{a}-{n}/sweep-report": sweep_point_case(a, o, n)
                          for a, o, n in [("truth", "/", "seed"), ("truth", "/", "teacher_hidden_widths"),
                                          ("W/network", "/", "seed"), ("V/network", "/network", "hidden_widths")]}


@pytest.mark.parametrize("case", list(SWEEP_POINT_ATTRIBUTES))
def test_missing_attribute_of_a_sweep_point(small_run, tmp_path, case):
    (tmp_path / "bad").mkdir()
    SWEEP_POINT_ATTRIBUTES[case](small_run, tmp_path / "bad").run(tmp_path / "out")


# --- bad widths and seeds on the command line --------------------------------------
# The argument parser refuses them, naming the option and the value.

TRUTH_ARGS = ["--dim", 7, "--train", 10, "--test", 10]
INIT_ARGS = ["--dim", 7, "--layer", "W"]

BAD_WIDTHS = ["0,5", "5,0", "-3,5", "2.5,5", "5,x", "x", ",5", "5,", "5,,5", "1e3,5"]
BAD_SEEDS = ["-1", "4294967296", "99999999999999999999", "1.5", "x", "0x10", " "]
BAD_INPUT_SEEDS = ["1,x", "1", "1,2,3", "-1,2", "1,4294967296", ",", "1.5,2"]


def option_case(stage: str, base: list, option: str, value: str | None):
    """`--option=value` (None: `--option=` with no value) added to a valid command line."""
    given = f"{option}=" if value is None else f"{option}={value}"
    names = [f"'{option} <"] + ([] if value is None or not value.strip() else [f"'{value}'"])
    return Refusal(stage, [*base, given] + (["--seed", 1] if stage == "init" and option != "--seed" else []), names)


OPTION_CASES = {
    **{f"truth--widths={v}": option_case("truth", TRUTH_ARGS, "--widths", v) for v in BAD_WIDTHS},
    **{f"truth--seed={v}": option_case("truth", TRUTH_ARGS, "--seed", v) for v in BAD_SEEDS},
    **{f"truth--input-seeds={v}": option_case("truth", TRUTH_ARGS, "--input-seeds", v) for v in BAD_INPUT_SEEDS},
    **{f"init--widths={v}": option_case("init", INIT_ARGS, "--widths", v) for v in BAD_WIDTHS},
    **{f"init--seed={v}": option_case("init", INIT_ARGS, "--seed", v) for v in BAD_SEEDS},
    # An option given with an empty value (`make WIDTHS=` gives `--widths=`).
    "truth--widths=<empty>": option_case("truth", TRUTH_ARGS, "--widths", None),
    "truth--seed=<empty>": option_case("truth", TRUTH_ARGS, "--seed", None),
    "truth--input-seeds=<empty>": option_case("truth", TRUTH_ARGS, "--input-seeds", None),
    "init--widths=<empty>": option_case("init", INIT_ARGS, "--widths", None),
    "init--seed=<empty>": option_case("init", INIT_ARGS, "--seed", None),
    "init-without--seed": Refusal("init", INIT_ARGS, ["'--seed <"]),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_bad_option(tmp_path, case):
    OPTION_CASES[case].run(tmp_path / "out")


def test_the_option_cases_pass_with_good_values(tmp_path):
    """The harness: the same command lines with valid widths and seeds succeed."""
    for k, (stage, base, extra) in enumerate([("truth", TRUTH_ARGS, ["--widths=5,3", "--seed=4294967295",
                                                                     "--input-seeds=0,4294967295"]),
                                              ("init", INIT_ARGS, ["--widths=5,3", "--seed=4294967295"])]):
        result = run_stage(stage, *base, *extra, "--quiet", "-o", tmp_path / f"{k}.h5")
        assert result.returncode == 0, result.stderr


# --- bad widths and seeds through make -------------------------------------------------
# (make variables, the stage whose command line refuses them or None for make itself,
#  what the message must name). Make runs the stages in order, so the steps before the
#  refused one are done; the refused stage writes nothing, nor does anything after it.

MAKE_PARAMS = {"D": 5, "M": 20, "M_TEST": 50}
ORDER = ["truth.h5"] + [f"{s}/{k}.h5" for s in "WVu" for k in ("network", "features", "svm", "eval")] + [
    "results.csv", "results.md"]

MAKE_CASES = {
    "WIDTHS=0,5": ({"WIDTHS": "0,5"}, "init", "W/network.h5", ["'--widths <", "'0,5'"]),
    "WIDTHS=-3,5": ({"WIDTHS": "-3,5"}, "init", "W/network.h5", ["'--widths <", "'-3,5'"]),
    "WIDTHS=2.5,5": ({"WIDTHS": "2.5,5"}, "init", "W/network.h5", ["'--widths <", "'2.5,5'"]),
    "WIDTHS=5,x": ({"WIDTHS": "5,x"}, "init", "W/network.h5", ["'--widths <", "'5,x'"]),
    "WIDTHS=<empty>": ({"WIDTHS": ""}, "init", "W/network.h5", ["'--widths <"]),
    "TEACHER_WIDTHS=0,5": ({"TEACHER_WIDTHS": "0,5"}, "truth", "truth.h5", ["'--widths <", "'0,5'"]),
    "TEACHER_SEED=-1": ({"TEACHER_SEED": "-1"}, "truth", "truth.h5", ["'--seed <", "'-1'"]),
    "TEACHER_SEED=2^32": ({"TEACHER_SEED": "4294967296"}, "truth", "truth.h5", ["'--seed <", "'4294967296'"]),
    "TEACHER_SEED=x": ({"TEACHER_SEED": "x"}, "truth", "truth.h5", ["'--seed <", "'x'"]),
    "TEACHER_SEED=<empty>": ({"TEACHER_SEED": ""}, "truth", "truth.h5", ["'--seed <"]),
    "INPUT_SEEDS=1,x": ({"INPUT_SEEDS": "1,x"}, "truth", "truth.h5", ["'--input-seeds <", "'1,x'"]),
    "INPUT_SEEDS=1": ({"INPUT_SEEDS": "1"}, "truth", "truth.h5", ["'--input-seeds <", "'1'"]),
    "INIT_SEEDS=0 1 2^32": ({"INIT_SEEDS": "0 1 4294967296"}, "init", "u/network.h5", ["'--seed <", "'4294967296'"]),
    # Checked by make before it runs anything: whole numbers, one seed per step, the names of
    # the steps and of the solver.
    "INIT_SEEDS=-1 1 2": ({"INIT_SEEDS": "-1 1 2"}, None, "truth.h5", ["INIT_SEEDS", "whole numbers", '"-1"']),
    "INIT_SEEDS=0 x 2": ({"INIT_SEEDS": "0 x 2"}, None, "truth.h5", ["INIT_SEEDS", '"x"']),
    "INIT_SEEDS=0 1.5 2": ({"INIT_SEEDS": "0 1.5 2"}, None, "truth.h5", ["INIT_SEEDS", '"1.5"']),
    "LAYERS=W X u": ({"LAYERS": "W X u"}, None, "truth.h5", ["LAYERS", '"X"']),
    "LAYERS=W0 V u": ({"LAYERS": "W0 V u"}, None, "truth.h5", ["LAYERS", '"W0"']),
    "SOLVER=fast": ({"SOLVER": "fast"}, None, "truth.h5", ["SOLVER", '"fast"']),
    "INIT_SEEDS=0 1": ({"INIT_SEEDS": "0 1"}, None, "truth.h5", ["INIT_SEEDS", "one seed per step"]),
    "INIT_SEEDS=0 1 2 3": ({"INIT_SEEDS": "0 1 2 3"}, None, "truth.h5", ["INIT_SEEDS", "one seed per step"]),
    "INIT_SEEDS=<empty>": ({"INIT_SEEDS": ""}, None, "truth.h5", ["INIT_SEEDS", "one seed per step"]),
    "LAYERS=W V, three seeds": ({"LAYERS": "W V"}, None, "truth.h5", ["INIT_SEEDS", "one seed per step"]),
}


@pytest.mark.parametrize("case", list(MAKE_CASES))
def test_bad_make_parameter(tmp_path, case):
    params, stage, refused, names = MAKE_CASES[case]
    run = tmp_path / "run"
    result = make(run, {**MAKE_PARAMS, **params}, check=False)
    where = f"make {case}: exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    problems = []
    if result.returncode == 0:
        problems.append("make succeeded")
    errors = [line for line in result.stderr.splitlines() if re.match(r"ntk-[\w-]+: error: ", line)]
    if stage is None:
        errors = [line for line in result.stderr.splitlines() if "***" in line]
    if len(errors) != 1:
        problems.append(f"expected one error line, got {len(errors)}")
    elif stage and not errors[0].startswith(f"ntk-{stage}: error: "):
        problems.append(f"the error is not ntk-{stage}'s")
    for name in names:
        if not any(name in line for line in errors):
            problems.append(f"the error does not name {name}")
    done = set(ORDER[:ORDER.index(refused)])
    written = set(final_files(run))
    if stage is None and run.exists():
        problems.append(f"make wrote {sorted(q.name for q in run.iterdir())} before refusing its parameters")
    if written - done:
        problems.append(f"written although refused: {sorted(written - done)}")
    if temporaries(run):
        problems.append(f"temporary files left: {temporaries(run)}")
    if problems:
        raise AssertionError("\n".join(problems) + "\n" + where)
