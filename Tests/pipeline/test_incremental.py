"""An incremental rebuild ends identical to a fresh run.

One run folder goes through a sequence of changes — C, M_TEST, INIT_SEEDS,
then deleted intermediates — with `make` after each. After every step its
files must be those of a fresh run of the same final parameters in another
folder: the same files, every artifact's datasets equal bit for bit, the same
results.csv and results.md. And `make` must have rerun exactly the stages that
the change reaches through the dependencies the README describes (a model of
the pipeline's graph below, not make's own), each once — except after a deleted
file, which is made again with the same content: then nothing after it reruns
(early cutoff, pipelines/cache.mk). And `make -n` before each `make` must list
exactly the stages that the change reaches: what `make` runs, and after a
deleted file also what early cutoff then spares (a dry run cannot know a
content before it is computed).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ntk_testing import final_files, is_page, make, same_datasets, temporaries

BASE = {"D": 7, "M": 60, "M_TEST": 500}
STEPS = ["W", "V", "u"]

class Step:
    """A change to the run folder and the `make` after it: new parameters (None: the same),
    files deleted first, the goals (default: the pipeline's), and what the change reaches
    directly — a stage's parameters or a deleted file."""

    def __init__(self, name, params=None, delete=(), goals=(), direct=frozenset()):
        self.name, self.params, self.delete, self.goals = name, params, list(delete), list(goals)
        self.direct = set(direct)

    def remade(self) -> set[str]:
        """What make reruns: a deleted file comes back with the same content, so what reads it is only touched."""
        return set(self.direct) if self.delete else reached(self.direct)


SEQUENCE = [
    Step("start", BASE),
    Step("C", {**BASE, "C": 0.5}, direct={f"{s}/svm.h5" for s in STEPS}),
    Step("M_TEST", {**BASE, "C": 0.5, "M_TEST": 400}, direct={"truth.h5"}),
    Step("INIT_SEEDS", {**BASE, "C": 0.5, "M_TEST": 400, "INIT_SEEDS": "0 4 2"}, direct={"V/network.h5"}),
    Step("deleted truth.h5", delete=["truth.h5"], direct={"truth.h5"}),
    Step("deleted V/eval.h5 and results.csv", delete=["V/eval.h5", "results.csv"],
         direct={"V/eval.h5", "results.csv"}),
    Step("deleted V/features.h5", delete=["V/features.h5"], direct={"V/features.h5"}),
    Step("deleted V/features.h5, asked for by name", delete=["V/features.h5"], goals=["V/features.h5", "run"],
         direct={"V/features.h5"}),
    Step("deleted W/svm.h5", delete=["W/svm.h5"], direct={"W/svm.h5"}),
    Step("deleted W/svm.h5, asked for by name", delete=["W/svm.h5"], goals=["W/svm.h5", "run"],
         direct={"W/svm.h5"}),
    Step("nothing"),
]


def steps(first: int = 0) -> list[str]:
    return [step.name for step in SEQUENCE[first:]]


def inputs() -> dict[str, set[str]]:
    """What each file of a run is made from (pipelines/layerwise.mk, README "What it computes")."""
    graph = {"truth.h5": set(), "W/network.h5": set()}
    for previous, step in zip(STEPS, STEPS[1:]):
        graph[f"{step}/network.h5"] = {f"{previous}/eval.h5"}
    for step in STEPS:
        graph[f"{step}/features.h5"] = {"truth.h5", f"{step}/network.h5"}
        graph[f"{step}/svm.h5"] = {f"{step}/features.h5"}
        graph[f"{step}/eval.h5"] = {"truth.h5", f"{step}/network.h5", f"{step}/features.h5", f"{step}/svm.h5"}
    graph["results.csv"] = {f"{step}/eval.h5" for step in STEPS}
    return graph


def reached(changed: set[str]) -> set[str]:
    """The files to remake: those changed and everything made from them, transitively."""
    graph, remade = inputs(), set(changed)
    grew = True
    while grew:
        grew = False
        for target, sources in graph.items():
            if target not in remade and sources & remade:
                remade.add(target)
                grew = True
    return remade


STAGE_OUTPUT = re.compile(r"ntk-(truth|init|features|train|evaluate|report)\s.*?(?:--output|--csv)=(\S+)")


def remade(stdout: str, run) -> list[str]:
    """The output of every stage command `make` echoed, relative to the run folder (repeats kept)."""
    outputs = []
    for line in stdout.replace("\\\n", " ").splitlines():
        match = STAGE_OUTPUT.search(line)
        if match:
            outputs.append(str(Path(match.group(2)).relative_to(run)))
    return outputs


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The run folder after each step of SEQUENCE (a copy), with its parameters, what `make` remade
    and what `make -n` listed just before."""
    root = tmp_path_factory.mktemp("incremental")
    run, params, states = root / "run", BASE, {}
    for step in SEQUENCE:
        params = step.params or params
        for rel in step.delete:
            (run / rel).unlink(missing_ok=True)
        goals = [goal if goal == "run" else str(run / goal) for goal in step.goals]
        listed = remade(make(run, params, ["-n", *goals], silent=False).stdout, run) if run.exists() else None
        result = make(run, params, goals, silent=False)
        snapshot = root / "after" / re.sub(r"[^\w.-]+", "-", step.name)
        shutil.copytree(run, snapshot)
        states[step.name] = (snapshot, params, remade(result.stdout, run), listed)
    return states


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Fresh runs, one per parameter set, made when first asked for."""
    root, runs = tmp_path_factory.mktemp("fresh"), {}

    def run_with(params):
        key = tuple(sorted((k, str(v)) for k, v in params.items()))
        if key not in runs:
            runs[key] = root / f"run{len(runs)}"
            make(runs[key], params)
        return runs[key]
    return run_with


# A fresh run per step: make test-slow. make test compares incremental and clean runs after random
# changes (test_cache_rule.py).
@pytest.mark.slow
@pytest.mark.parametrize("step", steps())
def test_the_run_equals_a_fresh_run(history, fresh, step):
    folder, params, *_ = history[step]
    reference = fresh(params)
    files, expected = final_files(folder), final_files(reference)
    assert files == expected, f"after {step}: files {files}, a fresh run has {expected}"
    assert "results.csv" in files and "truth.h5" in files
    problems = []
    for rel in files:
        if rel.endswith(".h5"):
            problems += same_datasets(folder / rel, reference / rel)
        elif is_page(rel):
            continue
        elif (folder / rel).read_bytes() != (reference / rel).read_bytes():
            problems.append(f"{rel} differs from the fresh run's")
    assert not problems, f"after {step} ({params}):\n" + "\n".join(problems)
    assert temporaries(folder) == []


@pytest.mark.parametrize("step", steps(1))
def test_make_remade_what_the_change_reaches(history, step):
    expected = next(s.remade() for s in SEQUENCE if s.name == step)
    _, _, outputs, _ = history[step]
    assert len(outputs) == len(set(outputs)), f"after {step}: a stage ran twice: {outputs}"
    assert set(outputs) == expected, f"after {step}: make remade {sorted(outputs)}; expected {sorted(expected)}"


@pytest.mark.parametrize("step", steps(1))
def test_make_n_lists_what_the_change_reaches(history, step):
    """`make -n` is how a Make user asks what a change will rerun: no stamp or binary digest that
    make would merely check may count as changed, and nothing the change reaches is left out."""
    changed = next(s.direct for s in SEQUENCE if s.name == step)
    _, _, outputs, listed = history[step]
    assert sorted(listed) == sorted(reached(changed)), (
        f"after {step}: make -n listed {sorted(listed)}, the change reaches {sorted(reached(changed))}")
    assert set(outputs) <= set(listed)


def test_the_model_of_the_graph():
    """The expectations above are not trivial: each change reaches a different part of the run."""
    assert reached({"truth.h5"}) == set(inputs()) - {"W/network.h5"}
    assert reached({"u/svm.h5"}) == {"u/svm.h5", "u/eval.h5", "results.csv"}
    assert reached({"V/network.h5"}) >= {"u/network.h5", "u/eval.h5"} and "W/eval.h5" not in reached({"V/network.h5"})
