"""The notebook's experiment end to end: `make` with the default parameters
writes the notebook's table, exactly, in results.csv and results.md, and keeps
the stages' logs off stdout. That the table `make` prints is the README's is
test_doc_commands.py's check; what a second `make` and `make C=0.5` rerun,
test_incremental.py's."""
from __future__ import annotations

import shutil

import pytest

from ntk_testing import start_run

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


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("notebook") / "run"
    run = start_run(path, DEFAULT_PARAMS)
    run.csv = (path / "results.csv").read_text()
    run.markdown = (path / "results.md").read_text()
    yield run
    shutil.rmtree(path, ignore_errors=True)  # about 1 GB of features


def test_results_csv_is_the_notebook_table(default_run):
    assert default_run.csv == EXPECTED_CSV


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
