"""The notebook's experiment end to end: `make` with the default parameters
gives the notebook's table, exactly; a second `make` does nothing; changing C
redoes what C affects and nothing else."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import h5py
import pytest

from ntk_testing import STEPS, make, start_run

DEFAULT_PARAMS = {"M_TEST": 100000}

EXPECTED_CSV = """\
step,model,train_error,test_error
W,classifier,0.0,0.31055
W,net_init,0.47,0.57134
W,net_svm,0.34,0.44753
W,net_neg_svm,0.69,0.67522
W,net_init_x_svm,0.62,0.6172
W,net_neg_init_x_svm,0.45,0.52883
V,classifier,0.01,0.3046
V,net_init,0.39,0.43147
V,net_svm,0.32,0.41944
V,net_neg_svm,0.63,0.52795
V,net_init_x_svm,0.28,0.35861
V,net_neg_init_x_svm,0.65,0.5797
u,classifier,0.1,0.30021
u,net_init,0.51,0.44247
u,net_svm,0.24,0.36317
u,net_neg_svm,0.76,0.63683
u,net_init_x_svm,0.28,0.36707
u,net_neg_init_x_svm,0.72,0.63293
"""

EXPECTED_HEADER = "| step | classifier | net θ0 | net θc | net −θc | net θ0⊙θc | net −θ0⊙θc |"
EXPECTED_ROWS = [
    "| W | 0.0, 0.31055 | 0.47, 0.57134 | 0.34, 0.44753 | 0.69, 0.67522 | 0.62, 0.6172 | 0.45, 0.52883 |",
    "| V | 0.01, 0.3046 | 0.39, 0.43147 | 0.32, 0.41944 | 0.63, 0.52795 | 0.28, 0.35861 | 0.65, 0.5797 |",
    "| u | 0.1, 0.30021 | 0.51, 0.44247 | 0.24, 0.36317 | 0.76, 0.63683 | 0.28, 0.36707 | 0.72, 0.63293 |",
]

ARTIFACTS = ["truth.h5", "results.csv", "results.md"] + [
    f"{step}/{name}.h5" for step in STEPS for name in ("network", "features", "svm", "eval")]


def snapshot(run: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every artifact: a stage that reruns replaces its file (new inode)."""
    return {name: ((run / name).stat().st_ino, (run / name).stat().st_mtime_ns) for name in ARTIFACTS}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("notebook") / "run"
    run = start_run(path, DEFAULT_PARAMS)
    # Keep what the first make produced: later fixtures rerun make in this folder.
    run.csv = (path / "results.csv").read_text()
    run.markdown = (path / "results.md").read_text()
    run.first_snapshot = snapshot(path)
    yield run
    shutil.rmtree(path, ignore_errors=True)  # about 1 GB of features


@pytest.fixture(scope="module")
def second_make(default_run):
    """`make` again on the same RUN and parameters, verbose (commands echoed)."""
    result = make(default_run.path, DEFAULT_PARAMS, silent=False)
    return result, snapshot(default_run.path)


@pytest.fixture(scope="module")
def make_with_other_C(default_run, second_make):
    """`make C=0.5` on the same RUN, after the no-op make."""
    before = snapshot(default_run.path)
    result = make(default_run.path, {**DEFAULT_PARAMS, "C": 0.5}, silent=False)
    return result, before, snapshot(default_run.path)


def stage_commands(output: str) -> list[tuple[str, str]]:
    """(stage, output file) of every stage command make echoed (a path to the binary: logs name
    stages too)."""
    text = output.replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        match = re.search(r"(?:^|\s)\S*/ntk-(truth|init|features|train|evaluate|report|spectrum)\s(.*)$", line)
        if match:
            target = re.search(r"(?:-o|--output|--csv|--alignment-csv)[=\s](\S+)", match.group(2))
            commands.append((match.group(1), target.group(1) if target else ""))
    return commands


def test_results_csv_is_the_notebook_table(default_run):
    assert default_run.csv == EXPECTED_CSV


def test_printed_table_has_the_notebook_rows(default_run):
    lines = [line.strip() for line in default_run.stdout.splitlines() if line.strip().startswith("|")]
    assert lines[0] == EXPECTED_HEADER
    assert re.fullmatch(r"\|(---\|){7}", lines[1]), lines[1]
    assert lines[2:] == EXPECTED_ROWS


def test_results_md_is_the_notebook_table(default_run):
    """The file itself (make prints it with cat): the notebook's rows, not just what make printed."""
    lines = default_run.markdown.splitlines()
    assert lines[0] == EXPECTED_HEADER and lines[2:] == EXPECTED_ROWS


def test_stage_logs_do_not_go_to_stdout(default_run):
    assert "ntk-" not in default_run.stdout
    lines = [line for line in default_run.stdout.splitlines() if line.strip()]
    # The table, then the path of the run's page.
    assert all(line.startswith("|") for line in lines[:-1])
    assert lines[-1] == f"report: {default_run.path}/report.html"


def test_second_make_runs_no_stage(default_run, second_make):
    result, after = second_make
    output = result.stdout + result.stderr
    assert "ntk-" not in output, f"a second make ran stages:\n{output}"
    assert stage_commands(output) == []
    assert after == default_run.first_snapshot, "a second make rewrote artifacts"
    # It still prints the table.
    assert [l for l in result.stdout.splitlines() if l.startswith("| ")][1:] == EXPECTED_ROWS


def test_changing_C_reruns_train_and_evaluate_and_the_later_steps(default_run, make_with_other_C):
    """C changes W's SVM, so θc, which V starts from, and so on: exactly these stages rerun."""
    result, before, after = make_with_other_C
    run = default_run.path
    expected = {("train", str(run / "W" / "svm.h5")), ("evaluate", str(run / "W" / "eval.h5")),
                ("report", str(run / "results.csv"))}
    for step in ("V", "u"):
        expected |= {("init", str(run / step / "network.h5")), ("features", str(run / step / "features.h5")),
                     ("train", str(run / step / "svm.h5")), ("evaluate", str(run / step / "eval.h5"))}
    # The later steps' kernels changed with their networks: the spectra (one process for every step).
    expected |= {("spectrum", str(run / "alignment.csv"))}
    commands = stage_commands(result.stdout + result.stderr)
    assert sorted(commands) == sorted(expected), commands
    for name in ("W/svm.h5", "W/eval.h5", "V/network.h5", "u/eval.h5", "results.csv"):
        assert after[name] != before[name], f"{name} was not rewritten"
    for step in ("W", "V", "u"):
        with h5py.File(run / step / "svm.h5", "r") as f:
            assert f.attrs["C"] == 0.5


def test_changing_C_keeps_truth_and_W_features(default_run, make_with_other_C):
    result, before, after = make_with_other_C
    commands = stage_commands(result.stdout + result.stderr)
    run = default_run.path
    assert not any(stage == "truth" for stage, _ in commands), commands
    assert ("features", str(run / "W" / "features.h5")) not in commands, commands
    assert ("init", str(run / "W" / "network.h5")) not in commands, commands
    for name in ("truth.h5", "W/network.h5", "W/features.h5"):
        assert after[name] == before[name], f"{name} was rewritten although C does not affect it"
