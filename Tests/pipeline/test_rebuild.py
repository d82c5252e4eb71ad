"""The cache rule: a change to one stage's code reruns that stage and what
consumes its outputs, and nothing upstream.

In a private copy of the repository (sources and build folder), after a clean
build and run, a real change to the code of the report stage and then of the
train stage is rebuilt, and `make` must rerun exactly the stages that the
README says, and `make -n` before it must list exactly those stages (the build
refreshed the binaries' digests, so make need not check them again). The train
stage's change leaves its output as it was: early cutoff stops the rebuild
there, which `make -n` cannot know (it lists what would follow).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ntk_testing import REPO, clean_env

# A build from scratch of a private copy: minutes.
pytestmark = pytest.mark.slow

PARAMS = ["D=5", "M=20", "M_TEST=50"]
STEPS = ["W", "V", "u"]


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    return [line for line in listed.splitlines() if (REPO / line).is_file()]


def run(repo: Path, *args: str) -> str:
    result = subprocess.run(["make", *args, "RUN=run", *PARAMS], cwd=repo, env=clean_env(),
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"make {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def stages(log: str) -> set[tuple[str, str]]:
    """(stage, output relative to the run folder) of every stage command in make's log."""
    found = set()
    for line in log.replace("\\\n", " ").splitlines():
        match = re.search(r"ntk-(truth|init|features|train|evaluate|report)\s.*?(?:--output|--csv)=run/(\S+)", line)
        if match:
            found.add((match.group(1), match.group(2)))
    return found


def reruns(repo: Path, listed_too: set[tuple[str, str]] = frozenset()) -> set[tuple[str, str]]:
    """The stages `make` runs, after checking that `make -n` lists exactly them and `listed_too`."""
    listed, ran = stages(run(repo, "-n")), stages(run(repo))
    assert listed == ran | listed_too, f"make -n listed {sorted(listed)}, make ran {sorted(ran)}"
    return ran


def edit(repo: Path, source: str, old: str, new: str) -> None:
    """A real change to what a binary contains: a string it prints."""
    path = repo / source
    text = path.read_text()
    assert old in text, f"{source} no longer holds {old!r}: update this test"
    path.write_text(text.replace(old, new, 1))
    run(repo, "build")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A copy of the repository, built from scratch and run once. The resolved
    packages are copied too, so that the build fetches nothing."""
    copy = tmp_path_factory.mktemp("rebuild") / "repo"
    for name in tracked_files() + ["Package.resolved"]:
        if (REPO / name).exists():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    for name in ["checkouts", "repositories", "workspace-state.json"]:
        source = REPO / ".build" / name
        if source.is_dir():
            shutil.copytree(source, copy / ".build" / name, symlinks=True)
        elif source.exists():
            shutil.copy2(source, copy / ".build" / name)
    run(copy)
    assert reruns(copy) == set(), "a second make reran stages"
    return copy


def test_a_change_to_no_stage_reruns_nothing(repo):
    """A comment at the end of a file: the build relinks, the digests stay."""
    source = repo / "Sources/Stages/Report/Report.swift"
    source.write_text(source.read_text() + "// A comment.\n")
    run(repo, "build")
    assert reruns(repo) == set()


def test_a_change_to_the_report_stage_reruns_only_the_report(repo):
    edit(repo, "Sources/Stages/Report/Report.swift", '"\\(steps.count) step', '"\\(steps.count) report step')
    assert reruns(repo) == {("report", "results.csv")}


def test_a_change_to_the_train_stage_reruns_train_alone_when_its_output_is_the_same(repo):
    edit(repo, "Sources/Stages/Train/TrainSVM.swift", '"\\(label): training on', '"\\(label): training an SVM on')
    downstream = {("init", f"{s}/network.h5") for s in STEPS[1:]} | {("features", f"{s}/features.h5") for s in STEPS[1:]}
    downstream |= {("evaluate", f"{s}/eval.h5") for s in STEPS} | {("report", "results.csv")}
    assert reruns(repo, listed_too=downstream) == {("train", f"{s}/svm.h5") for s in STEPS}
