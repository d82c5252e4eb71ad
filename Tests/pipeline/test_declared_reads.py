"""Every read is declared (issue 25), in the spirit of Shake's lint (fsatrace)
and Bazel's sandbox: real pipelines run under strace, and no stage (a process
executing an `ntk-*` binary or gnuplot) may open for reading a file under the
test's folder (the run, the sweep root, the imported data) that is not a
prerequisite of the target it makes, as make's own data base (`make -p -q`,
with the same variables; for a sweep point, the point's sub-make's) lists it.
An undeclared read is a stale result waiting to happen: make would not rerun
the stage when that file changes.

Exempt: the stage's own outputs (every file of its rule) and their
temporaries, the sidecars `.NAME.digest` and `.NAME.cmd` of an output or a
prerequisite, folders holding an output or a prerequisite (AtomicOutput syncs
the folder of what it renames), and everything outside the test's folder (the
binaries' libraries, /proc, the plot scripts).
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from ntk_testing import make_command, run_command
from pipeline_testing import slow_unless
from traced_reads import (O_DIRECTORY, STRACE, Stage, final_name, is_make, make_database, parse_log, sidecar_of,
                          stages)

SMALL = {"D": 7, "M": 60, "M_TEST": 300}
BASELINES = {**SMALL, "BASELINES": "infinite trained", "GD_STEPS": 20, "THEORY_SAMPLES": 50}
SWEEP = {"SWEEP_M": 40, "SWEEP_SEEDS": 1, "SWEEP_WIDTHS": 5, "M": 40, "M_TEST": 200, "GD_STEPS": 20,
         "THEORY_SAMPLES": 50}
CONVERGENCE = {"CONVERGENCE_WIDTHS": "5 10", "CONVERGENCE_SEEDS": "0 1", "CONVERGENCE_SAMPLES": 12, "D": 5}


def write_data(path: Path) -> Path:
    """A small data set to import: 5 features, labels 0 and 1 by the sign of a linear form."""
    rng = np.random.RandomState(3)
    x = rng.randn(120, 5)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([f"x{i}" for i in range(5)] + ["y"])
        for row in x:
            writer.writerow([*row, int(row @ [1, -1, 0.5, 0, 2] > 0)])
    return path


# The stages every pipeline runs (test_every_read_is_declared checks that the trace saw each).
RUN_STAGES = {"ntk-init", "ntk-features", "ntk-train", "ntk-evaluate", "ntk-report", "ntk-spectrum"}
BASELINE_STAGES = {"ntk-infinite-kernel", "ntk-gradient-descent"}
# Each pipeline: (make's parameters in the test's folder, goals, -j2, the stages it runs).
PIPELINES = {
    "default": lambda t: (SMALL, [], False, RUN_STAGES | {"ntk-truth"}),
    "baselines": lambda t: (BASELINES, ["run", "spectra", "training-curves", "theory-curves"], False,
                            RUN_STAGES | BASELINE_STAGES | {"ntk-truth", "ntk-theory-curve", "gnuplot"}),
    "notebook-loss": lambda t: ({**SMALL, "PIPELINE": "notebook-loss"}, [], False, RUN_STAGES | {"ntk-truth"}),
    "import": lambda t: ({"DATA": write_data(t / "data.csv"), "POSITIVE": 1, "NEGATIVE": 0}, [], False,
                         RUN_STAGES | {"ntk-import"}),
    "sweeps": lambda t: ({**SWEEP, "SWEEP_ROOT": t / "sweeps"}, ["learning-curve", "width-sweep"], True,
                         RUN_STAGES | BASELINE_STAGES | {"ntk-truth", "ntk-theory-curve", "ntk-sweep-report",
                                                         "gnuplot"}),
    "kernel-convergence": lambda t: ({**CONVERGENCE, "CONVERGENCE_ROOT": t / "kc"}, ["kernel-convergence"], False,
                                     {"ntk-truth", "ntk-kernel-convergence", "gnuplot"}),
}


def traced_make(folder: Path, params: dict[str, object], goals: list[str], parallel: bool) -> Path:
    """Runs make under strace (it must succeed); the log."""
    log = folder / "strace.log"
    command = make_command(folder / "run", params, goals)
    command = command[:1] + (["-j2"] if parallel else []) + command[1:]
    result = run_command([*STRACE, "-o", log, *command], timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    return log


def undeclared_reads(stage: Stage, rules, root: Path) -> list[str]:
    """Why `stage` breaks the rule: each file under `root` it read that make does not list for its target."""
    targets = sorted(o for o in stage.outputs if o in rules and rules[o].has_recipe)
    command = " ".join(stage.argv).replace(f"{root}/", "")
    if not targets:
        return [f"{stage.name} makes {sorted(map(str, stage.outputs))}, none a target of make: {command}"]
    outputs = stage.outputs.union(*(rules[t].also_makes for t in targets))
    prerequisites = set().union(*(rules[t].prerequisites for t in targets))
    declared = outputs | prerequisites
    problems = []
    for o in stage.opens:
        path = o.path
        if not o.anchored:
            problems.append(f"{stage.name} opened {path} relative to a folder's descriptor (where?): {command}")
            continue
        if not o.reads or root not in path.parents:
            continue
        if o.flags & O_DIRECTORY or path.is_dir():
            if any(path in f.parents for f in declared):
                continue
        elif (temporary := final_name(path, stage.pid)) is not None:
            if (sidecar_of(temporary) or temporary) in outputs:
                continue
        elif (sidecar_of(path) or path) in declared or sidecar_of(path) is not None:
            # The cache's records (stamps and digests) are make's state, as ninja's log: the pages read them.
            continue
        problem = (f"{stage.name} (making {targets[0].relative_to(root)}) read {path.relative_to(root)}, which is not "
                   f"a prerequisite of {targets[0].relative_to(root)}: {command}")
        if problem not in problems:
            problems.append(problem)
    return problems


def lint(log: Path, root: Path, forget: tuple[str, str] | None = None) -> tuple[list[str], set[str]]:
    """Every undeclared read of the traced run, a line each, and the names of the stages that ran.
    `forget` = (target, prerequisite), relative to `root`: make's data base without that prerequisite
    (the lint's own check)."""
    processes = parse_log(log)
    found = stages(processes)
    problems = []
    for make_pid in sorted({s.make_pid for s in found}):
        mine = [s for s in found if s.make_pid == make_pid]
        argv, environment = next((argv, env) for _, argv, env in processes[make_pid].execs if is_make(argv))
        goals = sorted({o for s in mine for o in s.outputs if o.is_file()})
        rules = make_database(argv, environment, goals)
        if forget and root / forget[0] in rules:
            rules[root / forget[0]].prerequisites.remove(root / forget[1])
        for stage in mine:
            problems += undeclared_reads(stage, rules, root)
    return problems, {s.name for s in found}


# The baselines and the sweeps trace the most processes: make test-slow runs them.
SLOW_PIPELINES = {"baselines", "sweeps"}


@pytest.mark.parametrize("pipeline", slow_unless(sorted(PIPELINES), lambda p: p not in SLOW_PIPELINES))
def test_every_read_is_declared(pipeline, tmp_path):
    root = tmp_path.resolve()
    params, goals, parallel, expected = PIPELINES[pipeline](root)
    problems, ran = lint(traced_make(root, params, goals, parallel), root)
    assert not problems, "undeclared reads:\n" + "\n".join(problems)
    assert expected <= ran, f"the trace shows no {sorted(expected - ran)} (stages seen: {sorted(ran)})"


def test_an_undeclared_read_is_caught(tmp_path):
    """The lint's own check: make's data base without ntk-features' truth.h5 (as if the rule forgot it)."""
    root = tmp_path.resolve()
    log = traced_make(root, {**SMALL, "LAYERS": "W", "INIT_SEEDS": 0}, [], False)
    problems, _ = lint(log, root, forget=("run/W/features.h5", "run/truth.h5"))
    assert len(problems) == 1 and problems[0].startswith(
        "ntk-features (making run/W/features.h5) read run/truth.h5, which is not a prerequisite of run/W/features.h5"
    ), problems
