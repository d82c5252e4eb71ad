"""5. Provenance: ntk-evaluate refuses files that do not belong together.

Files of the same shapes from other runs — a network drawn from another seed,
features, an SVM or a ground truth of another teacher — are refused with one
line on stderr naming both files (the one refused and the one it does not
belong with), a non-zero exit that is not a crash, nothing on stdout and no
output or temporary file. Files of a second run of the same pipeline hold
the same content and are accepted. ntk-spectrum refuses the same way a step
folder whose network or features, or a ground truth, come from another run.
(ntk-theory-curve reads a network only for its architecture and layer, as K∞
depends on nothing else: a network of another seed gives the same curve, and
it checks only that the network takes the truth's inputs.)

Every artifact carries its provenance: the root attributes every pipeline
artifact has (program, program_version, command_line, created_utc,
input_files, input_digests, content_digest, …) are on spectrum.h5 and
theory.h5 too, input_files names the files the stage read and input_digests
their content digests.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import os

import h5py

from faults_testing import SMALL_PARAMS, verified_run
from ntk_testing import (check_artifact, crashed, evaluate_command, recorded_digest, run_command, spectrum_command,
                         step_files)


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory):
    """Step W with another initial seed: a network of the same shapes, other weights."""
    return verified_run(tmp_path_factory.mktemp("other-seed") / "run",
                        {**SMALL_PARAMS, "LAYERS": "W", "INIT_SEEDS": 7})


@pytest.fixture(scope="module")
def other_teacher(tmp_path_factory):
    """Step W of another teacher (and data): features and SVM of the same shapes."""
    return verified_run(tmp_path_factory.mktemp("other-teacher") / "run",
                        {**SMALL_PARAMS, "LAYERS": "W", "INIT_SEEDS": 0, "TEACHER_SEED": 11})


@pytest.fixture(scope="module")
def analysed_run(tmp_path_factory):
    """The small run with K∞'s baseline and the theory curves: every kind of artifact."""
    return verified_run(tmp_path_factory.mktemp("analysed") / "run",
                        {**SMALL_PARAMS, "BASELINES": "infinite", "THEORY_SAMPLES": 500}, ("run", "theory-curves"))


def evaluate(output: Path, **files: Path) -> subprocess.CompletedProcess:
    return run_command(evaluate_command(output, **files, quiet=True), timeout=60)


CASES = {
    # name: (which run each input comes from, the two files the message must name)
    "network-of-another-seed": ({"network": "other_seed"}, ("features", "network")),
    "svm-of-another-run": ({"svm": "other_teacher"}, ("svm", "features")),
    "features-of-another-run": ({"features": "other_teacher"}, ("features", "truth")),
    "truth-of-another-teacher": ({"truth": "other_teacher"}, ("features", "truth")),
    "features-and-svm-of-another-run": ({"features": "other_teacher", "svm": "other_teacher"}, ("features", "truth")),
}


def inputs(run) -> dict[str, Path]:
    """The files of step W, which ntk-evaluate reads."""
    return step_files(run.path, "W")


def mixed_inputs(sources: dict[str, str], run, **others) -> dict[str, Path]:
    """Step W's files of `run`, each kind named in `sources` taken from that other run instead."""
    files = inputs(run)
    for kind, source in sources.items():
        files[kind] = inputs(others[source])[kind]
    return files


@pytest.mark.parametrize("case", CASES)
def test_evaluate_refuses_files_of_other_runs(case, small_run, other_seed, other_teacher, tmp_path):
    sources, named = CASES[case]
    files = mixed_inputs(sources, small_run, other_seed=other_seed, other_teacher=other_teacher)
    output = tmp_path / "out" / "eval.h5"
    result = evaluate(output, **files)
    problems = []
    why = crashed(result.returncode, result.stderr)
    if why:
        problems.append(why)
    elif result.returncode == 0:
        problems.append("ntk-evaluate accepted files that do not belong together")
    lines = result.stderr.splitlines()
    if len(lines) != 1:
        problems.append(f"expected one line on stderr, got {len(lines)}")
    elif not lines[0].startswith("ntk-evaluate: error: "):
        problems.append("the line is not `ntk-evaluate: error: …`")
    for kind in named:
        if str(files[kind]) not in result.stderr:
            problems.append(f"the message does not name the {kind} file {files[kind]}")
    if result.stdout:
        problems.append("output on stdout")
    if output.parent.exists() and any(output.parent.iterdir()):
        problems.append(f"left in the output folder: {sorted(q.name for q in output.parent.iterdir())}")
    assert not problems, "\n".join(problems) + f"\n--- stderr\n{result.stderr}"


@pytest.mark.parametrize("kind", ["truth", "network", "features", "svm"])
def test_evaluate_accepts_the_same_content_from_a_second_run(kind, small_run, small_twin, tmp_path):
    """Provenance is by content: a file of a second run of the same pipeline
    is the same artifact (same content digest) and belongs."""
    files = inputs(small_run)
    files[kind] = inputs(small_twin)[kind]
    output = tmp_path / "eval.h5"
    result = evaluate(output, **files)
    assert result.returncode == 0, result.stderr
    digest, problem = check_artifact(output)
    assert problem is None, problem
    assert digest == small_run.digests["W/eval.h5"]


def refusal_problems(result, stage: str, named: list[Path], left: list[str]) -> list[str]:
    """A refusal: not a crash, non-zero, one line `ntk-<stage>: error: …` naming `named`, no output."""
    problems = []
    why = crashed(result.returncode, result.stderr)
    if why:
        problems.append(why)
    elif result.returncode == 0:
        problems.append(f"ntk-{stage} accepted files that do not belong together")
    lines = result.stderr.splitlines()
    if len(lines) != 1:
        problems.append(f"expected one line on stderr, got {len(lines)}")
    elif not lines[0].startswith(f"ntk-{stage}: error: "):
        problems.append(f"the line is not `ntk-{stage}: error: …`")
    problems += [f"the message does not name {path}" for path in named if str(path) not in result.stderr]
    if result.stdout:
        problems.append("output on stdout")
    if left:
        problems.append(f"left behind: {left}")
    return problems


SPECTRUM_CASES = {
    # name: (which run each input comes from, the two inputs the message must name)
    "network-of-another-seed": ({"network": "other_seed"}, ("features", "network")),
    "features-of-another-run": ({"features": "other_teacher"}, ("features", "truth")),
    "truth-of-another-teacher": ({"truth": "other_teacher"}, ("features", "truth")),
}


@pytest.mark.parametrize("case", SPECTRUM_CASES)
def test_spectrum_refuses_files_of_other_runs(case, small_run, other_seed, other_teacher, tmp_path):
    sources, named = SPECTRUM_CASES[case]
    files = mixed_inputs(sources, small_run, other_seed=other_seed, other_teacher=other_teacher)
    step = tmp_path / "W"   # the step folder, its inputs linked there: the stage writes beside them
    step.mkdir()
    for kind in ("network", "features"):
        os.link(files[kind], step / f"{kind}.h5")
    seen = {"truth": files["truth"], "network": step / "network.h5", "features": step / "features.h5"}
    table = tmp_path / "table"
    result = run_command(spectrum_command([step], truth=files["truth"], alignment_csv=table / "alignment.csv",
                                          alignment_markdown=table / "alignment.md", quiet=True), timeout=60)
    left = [str(q.relative_to(tmp_path)) for q in tmp_path.rglob("*")
            if q.is_file() and q.name not in ("network.h5", "features.h5")]
    problems = refusal_problems(result, "spectrum", [seen[kind] for kind in named], left)
    assert not problems, "\n".join(problems) + f"\n--- stderr\n{result.stderr}"


# The root attributes that record an artifact's provenance (every artifact of the pipeline has them).
PROVENANCE = {"artifact", "program", "program_version", "command_line", "created_utc", "description", "input_files",
              "input_digests", "content_digest", "content_digest_definition"}


@pytest.mark.parametrize("step", ["W", "V", "u"])
def test_spectrum_and_theory_curve_record_their_provenance(step, analysed_run):
    run = analysed_run.path
    common = None
    for rel in ["truth.h5", f"{step}/network.h5", f"{step}/features.h5", f"{step}/svm.h5", f"{step}/eval.h5",
                f"{step}/infinite.h5"]:
        with h5py.File(run / rel, "r") as f:
            common = set(f.attrs) if common is None else common & set(f.attrs)
    assert PROVENANCE <= common, f"the pipeline's artifacts share {sorted(common)}"
    problems = []
    for rel, program, read in [
            (f"{step}/spectrum.h5", "ntk-spectrum", ["truth.h5", f"{step}/network.h5", f"{step}/features.h5"]),
            (f"{step}/theory.h5", "ntk-theory-curve", ["truth.h5", f"{step}/network.h5"])]:
        with h5py.File(run / rel, "r") as f:
            attributes = dict(f.attrs)
        missing = sorted(common - set(attributes))
        if missing:
            problems.append(f"{rel}: no {missing}, which every artifact of the pipeline carries")
            continue
        if str(attributes["program"]) != program:
            problems.append(f"{rel}: program {attributes['program']!r}, expected {program!r}")
        files = [str(v) for v in attributes["input_files"]]
        if files != [str(run / r) for r in read]:
            problems.append(f"{rel}: input_files {files}, expected the files it read, {read}")
        digests = [str(v) for v in attributes["input_digests"]]
        if digests != [recorded_digest(run / r) for r in read]:
            problems.append(f"{rel}: input_digests {digests} are not its inputs' content digests")
        if program not in str(attributes["command_line"]):
            problems.append(f"{rel}: command_line {attributes['command_line']!r} does not name {program}")
    assert not problems, "\n".join(problems)
