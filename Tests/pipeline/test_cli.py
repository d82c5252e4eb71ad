"""What the README says of every stage's command line and of its output
streams: `--help` works and names the options; progress goes to stderr (a bar
on a terminal, lines otherwise, nothing with --quiet) and never to stdout;
SIGINT, SIGTERM and SIGHUP remove the temporaries and exit with 128 + the signal."""
from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from ntk_testing import STAGES, binary, clean_env, is_temporary, make, run_stage
from pipeline_testing import slow_unless

OPTIONS = {  # options each stage's help must name (a sample of each group)
    "truth": ["--dim", "--widths", "--train", "--test", "--seed", "--input-seeds", "--output", "--quiet"],
    "import": ["--output", "--quiet", "--positive", "--negative"],
    "init": ["--dim", "--widths", "--layer", "--seed", "--from", "--output", "--quiet"],
    "features": ["--truth", "--network", "--layer", "--kind", "--storage", "--allow-label-leak", "--output", "--quiet"],
    "train": ["--features", "--C", "--solver", "--tolerance", "--cache-mb", "--kernel-memory-gib", "--gap-tolerance",
              "--max-passes", "--output", "--quiet"],
    "evaluate": ["--truth", "--network", "--features", "--svm", "--output", "--quiet"],
    "infinite-kernel": ["--truth", "--network", "--layer", "--C", "--solver", "--landmarks", "--landmark-seed",
                        "--krr-ridge", "--output", "--quiet"],
    "theory-curve": ["--truth", "--network", "--layer", "--samples", "--krr-ridge", "--output", "--quiet"],
    "gradient-descent": ["--truth", "--network", "--layer", "--steps", "--rate", "--eigen-method", "--trajectory-csv",
                         "--output", "--quiet"],
    "report": ["--csv", "--markdown", "--quiet"],
    "sweep-report": ["--name", "--output", "--theory", "--quiet"],
    "html-report": ["run", "sweep"],
    "kernel-convergence": ["--output", "--quiet"],
    "spectrum": ["--truth", "--trained", "--infinite", "--samples", "--seed", "--kernel-memory-gib",
                 "--alignment-csv", "--alignment-markdown", "--quiet"],
}


@pytest.mark.parametrize("stage", STAGES)
def test_help_names_the_options(stage):
    result = run_stage(stage, "--help")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith("OVERVIEW: ") and f"USAGE: ntk-{stage}" in result.stdout
    missing = [option for option in OPTIONS[stage] if option not in result.stdout]
    assert not missing, f"ntk-{stage} --help does not name {missing}"


TRUTH = ["--dim", 5, "--train", 50, "--test", 20000]


def test_quiet_says_nothing_and_results_never_go_to_stdout(tmp_path):
    quiet = run_stage("truth", *TRUTH, "--quiet", "-o", tmp_path / "quiet.h5")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    logged = run_stage("truth", *TRUTH, "-o", tmp_path / "logged.h5")
    assert logged.returncode == 0 and logged.stdout == ""
    # Not a terminal: plain lines, each naming the stage, no carriage returns.
    lines = logged.stderr.splitlines()
    assert lines and all(line.startswith("ntk-truth: ") for line in lines) and "\r" not in logged.stderr


def test_a_terminal_gets_a_bar_redrawn_in_place(tmp_path):
    controller, terminal = pty.openpty()
    process = subprocess.Popen([str(binary("truth")), *map(str, TRUTH), "-o", str(tmp_path / "t.h5")],
                               stderr=terminal, stdout=subprocess.PIPE, env=clean_env())
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=60) == 0
    assert process.stdout.read() == b""
    text = seen.decode()
    assert "\r\x1b[K" in text and re.search(r"\[[#.]{24}\] ", text), text


SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


# Each takes two seconds: make test sends SIGTERM (what Slurm and kill send); make test-slow the others.
@pytest.mark.parametrize("number", slow_unless(SIGNALS, lambda s: s == signal.SIGTERM), ids=[s.name for s in SIGNALS])
def test_a_signal_removes_the_temporaries_and_exits_128_plus_it(number, tmp_path):
    """ntk-truth writing 5·10⁶ test samples (about 1 GB): the signal lands while
    its temporary file exists."""
    output = tmp_path / "truth.h5"
    process = subprocess.Popen([str(binary("truth")), "--dim", "25", "--test", "5000000", "--seed", "125",
                                "--quiet", "-o", str(output)], env=clean_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(is_temporary(name) for name in os.listdir(tmp_path)):
        assert process.poll() is None, "the stage ended before it wrote anything"
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.01)
    time.sleep(0.2)
    process.send_signal(number)
    assert process.wait(timeout=60) == 128 + number
    assert os.listdir(tmp_path) == [], f"left behind: {os.listdir(tmp_path)}"


def test_logs_name_the_step_as_the_tables_do(tmp_path):
    """Each step's log lines say the step as the table does, the layer beside it where they differ
    ("step V (layer W2)", "step u"); the report counts in the singular when there is one."""
    params = {"D": 4, "M": 30, "M_TEST": 50, "BASELINES": "trained", "GD_STEPS": 2}
    log = make(tmp_path / "run", {**params, "LAYERS": "W V u", "INIT_SEEDS": "0 1 2"}).stderr
    for stage in ("features", "train", "evaluate", "gradient-descent"):
        assert f"ntk-{stage}: step V (layer W2): " in log and f"ntk-{stage}: step u: " in log, (stage, log)
    assert "(layer V)" not in log and "ntk-report: 3 steps, " in log
    log = make(tmp_path / "one", {**params, "LAYERS": "u", "INIT_SEEDS": "0"}).stderr
    assert "ntk-report: 1 step, " in log, log
