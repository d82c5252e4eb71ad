"""A sweep says how far it has got (docs/sweeps-and-plots.md, "Progress"): under `make -j 2`, whenever a point
finishes, one line on stderr — points done out of the total, running, elapsed, time left — whose count rises to
the total, the last saying done; and the time left is the finished points' time per training sample times the
M of the points not finished, shared among those running."""
from __future__ import annotations

import re
import time

from ntk_testing import make_arguments, run_command, run_stage

LINE = re.compile(r"^learning-curve: (\d+)/(\d+) points done, ")


def test_a_line_per_finished_point_rising_to_done(tmp_path):
    variables = {"SWEEP_ROOT": tmp_path, "SWEEP_SEEDS": "1", "SWEEP_M": "40 80", "M_TEST": 500, "D": 7,
                 "BASELINES": "", "THEORY": 0}
    result = run_command(["make", "-s", "-j", "2", *make_arguments(variables), "learning-curve"], timeout=600)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if LINE.match(line)]
    counts = [tuple(map(int, LINE.match(line).groups())) for line in lines]
    assert [done for done, _ in counts] == [1, 2, 3, 4] and {total for _, total in counts} == {4}, lines
    assert lines[-1].endswith(": done") and all(" running, " in line for line in lines[:-1])
    assert "left" in lines[1] and "elapsed" in lines[-1]


def test_the_time_left_scales_with_m(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    now = time.time()
    (marks / "a_M-100.start").write_text(f"{now - 10}\n")  # finishes now: 10 s for M = 100
    (marks / "b_M-400.start").write_text(f"{now - 1}\n")  # running
    points = ["a_M-100", "b_M-400", "c_M-800"]
    result = run_stage("html-report", "progress", "--name=learning-curve", f"--marks={marks}", f"--since={now - 60}",
                       "--points", *points, "--finish=a_M-100")
    assert result.returncode == 0, result.stderr
    # (400 + 800) samples × 0.1 s per sample, one point running: 120 s (give or take the process's start).
    assert re.fullmatch(r"learning-curve: 1/3 points done, 1 running, 1\d s elapsed, about (1 min 5\d s|2 min [0-5] s) "
                        r"left\n", result.stderr), result.stderr
    old = run_stage("html-report", "progress", "--name=learning-curve", f"--marks={marks}", f"--since={now + 60}",
                    "--points", *points, "--finish=c_M-800")
    assert "0/3 points done, 0 running" in old.stderr, "marks older than this make counted"
