"""Every command shown in README.md and docs/ runs.

Each fenced `sh` block carries, on the line before it, a comment naming how it
is checked (docs/README.md states the convention):

    <!-- commands: quick -->     every `make` line runs, in order, in a temporary copy of the repository
                                 (README.md only, under the headings the tests below name)
    <!-- commands: slow -->      the same, marked slow
    <!-- commands: dry-run -->   every `make` line is checked with `make -n` (it must parse and plan)
    <!-- commands: none (why) --> not run; every stage command in it is checked against the stage's --help

A block without a marker fails the test, so a new command cannot slip in
untested. The temporary copy links the repository's sources, pipelines, plots,
scripts, environment and binaries, with an empty `data/`, and holds the small
data files the README's import examples name; every command runs there
verbatim, on the suite's binaries (Tests/support/ntk_testing.py's make
arguments). Usage synopses (unlabelled blocks of `ntk-…` lines) are checked
against --help too, and the content-digest recipe in docs/artifacts.md is run
on an artifact. The README's table is byte for byte what `make` prints.
"""
from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest

from ntk_testing import REPO, binary, clean_env, make_arguments

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINKED = ["Makefile", "pipelines", "plots", "scripts", "bench", "Sources", "Package.swift", "Package.resolved",
          "requirements-dev.txt", "requirements-peers.txt", ".venv", ".venv-peers", ".build"]
# `make test` inside the test suite would run the suite again: only ever planned.
NEVER_RUN = {"make test"}
MARKER = re.compile(r"<!-- commands: (quick|slow|dry-run|none)\b.*-->")


@dataclass
class Block:
    document: Path
    line: int
    language: str
    mode: str | None
    lines: list[str]

    def __str__(self) -> str:
        return f"{self.document.relative_to(REPO)}:{self.line}"

    def make_lines(self) -> list[str]:
        return [line for line in self.lines if line.startswith("make")]


def blocks(document: Path) -> list[Block]:
    found, current, previous = [], None, ""
    for number, line in enumerate(document.read_text().splitlines(), 1):
        if current is None and line.startswith("```"):
            marker = MARKER.search(previous)
            current = Block(document, number, line[3:].strip(), marker.group(1) if marker else None, [])
        elif current is not None and line.startswith("```"):
            found.append(current)
            current = None
        elif current is not None:
            current.lines.append(line)
        if line.strip():
            previous = line
    return found


ALL_BLOCKS = [b for d in DOCUMENTS for b in blocks(d)]
SHELL_BLOCKS = [b for b in ALL_BLOCKS if b.language == "sh"]


def clone(folder: Path) -> Path:
    """A repository-shaped folder: links to everything but data/, and the small data files the README imports."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        if (REPO / name).exists():
            (folder / name).symlink_to(REPO / name)
    (folder / "data").mkdir()
    rng = np.random.RandomState(7)
    x = rng.randn(200, 6)
    with h5py.File(folder / "mine.h5", "w") as f:
        f["X"], f["y"] = x, rng.randint(0, 10, size=200)
    np.save(folder / "X.npy", x)
    np.save(folder / "y.npy", (x[:, 1] > 0).astype(np.int64))
    rows = rng.randn(450, 5)
    with open(folder / "cells.csv", "w") as f:
        f.write("radius,texture,area,smoothness,diagnosis,symmetry\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]},{'M' if r[0] + r[1] > 0 else 'B'},{r[4]}\n")
    return folder


def run_make(folder: Path, line: str, *, dry: bool) -> subprocess.CompletedProcess:
    words = shlex.split(line, comments=True)
    assert words[0] == "make", line
    command = ["make", *(["-n"] if dry else []), *make_arguments({}), *words[1:]]
    return subprocess.run(command, cwd=folder, env=clean_env(), capture_output=True, text=True, timeout=900)


def check_block(block: Block, folder: Path, *, dry: bool) -> dict[str, str]:
    outputs = {}
    for line in block.make_lines():
        plan_only = dry or shlex.split(line, comments=True) == shlex.split(next(iter(NEVER_RUN)))
        result = run_make(folder, line, dry=plan_only)
        assert result.returncode == 0, (f"{block}: `{line}` {'(make -n) ' if plan_only else ''}failed with exit "
                                        f"status {result.returncode}\n--- stdout\n{result.stdout[-3000:]}\n"
                                        f"--- stderr\n{result.stderr[-3000:]}")
        outputs[line.split("#")[0].strip()] = result.stdout
    return outputs


# --- the checks -------------------------------------------------------------------------------


def test_every_shell_block_is_marked():
    unmarked = [str(b) for b in SHELL_BLOCKS if b.mode is None]
    assert not unmarked, f"sh blocks without <!-- commands: quick|slow|dry-run|none -->: {unmarked}"
    assert sum(len(b.make_lines()) for b in SHELL_BLOCKS if b.mode in ("quick", "slow")) >= 10


def readme_heading(block: Block) -> str:
    """The `##` heading a README block stands under."""
    text = (REPO / "README.md").read_text().splitlines()
    return next(line[3:] for line in reversed(text[:block.line]) if line.startswith("## "))


def readme_quick_blocks(*headings: str) -> list[Block]:
    """The README's quick blocks under the given `##` headings."""
    found = [b for b in SHELL_BLOCKS
             if b.document.name == "README.md" and b.mode == "quick" and readme_heading(b) in headings]
    assert found, f"README.md has no quick block under {headings}"
    return found


# The headings whose quick blocks the two tests below run, each in a copy of its own.
EXPERIMENT_HEADINGS = ("Quick start", "Running an experiment")
BASELINE_HEADINGS = ("Adding a baseline", "Your own data")


def test_every_quick_block_is_run():
    """Quick blocks run only where the tests below run them: under these README headings. docs/'s pages
    mark theirs dry-run, slow or none (the README runs the quick ones)."""
    unrun = [str(b) for b in SHELL_BLOCKS if b.mode == "quick" and not (
        b.document.name == "README.md" and readme_heading(b) in EXPERIMENT_HEADINGS + BASELINE_HEADINGS)]
    assert not unrun, f"quick blocks that no test runs (mark them dry-run, slow or none, or run them): {unrun}"


def test_the_readme_experiments_run_and_print_the_table(tmp_path):
    folder = clone(tmp_path / "repo")
    printed = {}
    for block in readme_quick_blocks(*EXPERIMENT_HEADINGS):
        printed.update(check_block(block, folder, dry=False))
    table = re.search(r"^\| step \| classifier .*?(?=\n\n)", (REPO / "README.md").read_text(), re.S | re.M).group(0)
    assert table + "\n" in printed["make"], f"README.md's table is not what `make` printed:\n{printed['make']}"
    # What the commands say they write.
    for path in ["data/other/results.csv", "data/notebook/V/svm.h5", "data/deep/W3/eval.h5", "data/full/all/eval.h5",
                 "data/notebook-loss/results.md"]:
        assert (folder / path).is_file(), f"{path} was not written"
    with h5py.File(folder / "data/notebook/u/svm.h5") as f:
        assert f.attrs["C"] == 0.5


@pytest.mark.slow
def test_the_readme_baselines_and_data_commands_run(tmp_path):
    folder = clone(tmp_path / "repo")
    for block in readme_quick_blocks(*BASELINE_HEADINGS):
        check_block(block, folder, dry=False)
    for path in ["data/notebook/u/infinite.h5", "data/notebook/u/trained.h5", "data/notebook/W/training-curve.png",
                 "data/mine/truth.h5", "data/cells/results.csv", "data/pair/results.csv"]:
        assert (folder / path).is_file(), f"{path} was not written"
    # The default run plus columns: the notebook's columns as the README's table has them.
    table = (folder / "data/notebook/results.md").read_text()
    readme = re.search(r"^\| step \| classifier .*?(?=\n\n)", (REPO / "README.md").read_text(), re.S | re.M).group(0)
    assert "NTK ∞" in table and "net trained" in table
    for ours, notebook in zip(table.splitlines(), readme.splitlines()):
        assert ours.startswith(notebook.rstrip()[:-1]), (ours, notebook)


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in SHELL_BLOCKS if b.mode == "slow"], ids=str)
def test_slow_commands_run(block, tmp_path):
    check_block(block, clone(tmp_path / "repo"), dry=False)


@pytest.mark.slow
def test_long_commands_plan(tmp_path):
    """`make -n` of every dry-run block (and of what quick blocks never run), in one copy: each must parse and plan."""
    folder = clone(tmp_path / "repo")
    for block in SHELL_BLOCKS:
        if block.mode == "dry-run":
            check_block(block, folder, dry=True)


STAGE_LINE = re.compile(r"(?:^|\s|/)(ntk-[a-z-]+)\b(.*)")


def stage_lines() -> list[tuple[Block, str, str]]:
    """(block, stage, the rest of its line and of its continuation lines) for every stage command shown."""
    found = []
    for block in ALL_BLOCKS:
        if block.language not in ("", "sh"):
            continue
        text = "\n".join(block.lines).replace("\\\n", " ")
        lines = text.splitlines()
        for i, line in enumerate(lines):
            match = STAGE_LINE.search(line)
            if match and not line.lstrip().startswith(("make", "#")):
                rest = match.group(2)
                # A synopsis continues on indented lines without a stage name.
                for following in lines[i + 1:]:
                    if following.startswith(" ") and not STAGE_LINE.search(following):
                        rest += " " + following
                    else:
                        break
                found.append((block, match.group(1), rest))
    return found


def test_the_readme_lists_the_packages_make_installs():
    script = (REPO / "scripts" / "install-system-deps.sh").read_text()
    installed = re.search(r"^packages=\(([^)]*)\)", script, re.M).group(1).split()
    readme = " ".join((REPO / "README.md").read_text().split())
    listed = re.search(r"`make` on a fresh Debian machine with Swift [\d.]+ installs `([^`]*)`", readme)
    assert listed, "README.md no longer says which packages `make` installs"
    assert listed.group(1).split() == installed, f"README.md lists {listed.group(1)}; the script installs {installed}"


def test_stage_commands_shown_take_the_options_shown():
    shown = stage_lines()
    assert len(shown) >= 12
    problems = []
    helps = {}
    for block, stage, rest in shown:
        path = binary(stage.removeprefix("ntk-"))
        if not path.exists():
            problems.append(f"{block}: {stage} is not a stage")
            continue
        def help_text(*words):
            if words not in helps:
                helps[words] = subprocess.run([path, *words[1:], "--help"], capture_output=True, text=True,
                                              env=clean_env()).stdout
            return helps[words]
        # A stage with subcommands (ntk-html-report run, sweep): the subcommand's help.
        first = (rest.split() or [""])[0]
        subcommands = help_text(stage).partition("SUBCOMMANDS:")[2].split()
        text = help_text(stage, first) if first in subcommands else help_text(stage)
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            if option not in text:
                problems.append(f"{block}: {stage} has no option {option}")
    assert not problems, "\n".join(problems)


# An option line of --help: two spaces, then the option (or a flag and its inversion, --a/--no-a).
HELP_OPTION = re.compile(r"^  (?:-\w, )?(--[a-z][a-z-]*(?:/--[a-z][a-z-]*)?)", re.M)
# Options of every stage, stated once in docs/pipeline.md instead of in each synopsis.
EVERY_STAGE = {"--output", "--quiet", "--progress-seconds", "--help"}


def test_every_option_of_every_stage_is_in_its_synopsis():
    """Each option --help lists appears in the stage's usage synopsis in the docs (an unlabelled block),
    so that the synopses cannot drift behind the stages."""
    synopsis: dict[str, set[str]] = {}
    for block, stage, rest in stage_lines():
        if block.language == "":
            synopsis.setdefault(stage, set()).update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest))
    stages = sorted(path.name for path in (REPO / "Sources").glob("ntk-*"))
    assert len(stages) >= 13
    problems = []
    for stage in stages:
        help_text = subprocess.run([binary(stage.removeprefix("ntk-")), "--help"], capture_output=True, text=True,
                                   env=clean_env()).stdout
        options = HELP_OPTION.findall(help_text)
        assert "--help" in options, f"{stage}: no options found in its --help"
        for option in options:
            if option not in EVERY_STAGE and not synopsis.get(stage, set()) & set(option.split("/")):
                problems.append(f"{stage} {option}")
    assert not problems, "options in --help but in no synopsis: " + ", ".join(problems)
    pipeline = (REPO / "docs" / "pipeline.md").read_text()
    assert all(f"`{option}`" in pipeline for option in EVERY_STAGE - {"--output", "--help"})


def test_the_content_digest_recipe_runs(tmp_path):
    recipe = next(b for b in ALL_BLOCKS if b.document.name == "artifacts.md" and b.language == "python")
    namespace = {}
    exec("\n".join(recipe.lines), namespace)
    from ntk_testing import make
    run = tmp_path / "run"
    make(run, {"D": 4, "M": 30, "M_TEST": 50, "LAYERS": "u", "INIT_SEEDS": 0})
    for name in ["truth.h5", "u/features.h5", "u/svm.h5", "u/eval.h5"]:
        assert namespace["content_digest"](run / name) is True, name
    with h5py.File(run / "u/svm.h5", "r+") as f:
        f["intercept"][()] = f["intercept"][()] + 1
    assert namespace["content_digest"](run / "u/svm.h5") is False


# Pages written in parallel with this one; a link to them may precede them.
PENDING = {REPO / "docs" / "theory.md"}


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_between_the_pages_resolves():
    problems = []
    for document in DOCUMENTS:
        text = re.sub(r"```.*?```", "", document.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://", target):
                continue
            path, _, fragment = target.partition("#")
            file = (document.parent / path).resolve() if path else document
            if not file.exists():
                if file not in PENDING:
                    problems.append(f"{document.relative_to(REPO)}: {target}: no such file")
                continue
            if fragment and file.suffix == ".md":
                anchors = {anchor(line.lstrip("#")) for line in file.read_text().splitlines() if line.startswith("#")}
                if fragment not in anchors:
                    problems.append(f"{document.relative_to(REPO)}: {target}: no heading #{fragment}")
    assert not problems, "\n".join(problems)
