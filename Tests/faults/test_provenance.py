"""5. Provenance: ntk-evaluate refuses files that do not belong together.

Files of the same shapes from other runs — a network drawn from another seed,
features, an SVM or a ground truth of another teacher — are refused with one
line on stderr naming both files (the one refused and the one it does not
belong with), a non-zero exit that is not a crash, nothing on stdout and no
output or temporary file. Files of a second run of the same pipeline hold
the same content and are accepted.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from faults_testing import SMALL_PARAMS, verified_run
from ntk_testing import check_artifact, crashed, evaluate_command, run_command, step_files


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


@pytest.mark.parametrize("case", CASES)
def test_evaluate_refuses_files_of_other_runs(case, small_run, other_seed, other_teacher, tmp_path):
    sources, named = CASES[case]
    runs = {"other_seed": other_seed, "other_teacher": other_teacher}
    files = inputs(small_run)
    for kind, source in sources.items():
        files[kind] = inputs(runs[source])[kind]
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
