"""The cache rule (pipelines/cache.mk): incremental = clean, early cutoff, `make status`.

A run folder goes through a random sequence of changes (hypothesis, seeded by
TEST_SEED): parameters of every stage, a different list of steps, a deleted
artifact, a stage binary whose digest changes. After each change `make` on
that folder must leave what a clean run with the same parameters writes:
results.csv and alignment.csv byte for byte, every artifact's datasets (its
content digest) and its command_line (the run folder's path normalised); an
invalid configuration must be refused by both with the same line. Before each
`make`, `make status` must agree with what `make` then runs, and `make -n`
must list at least that. `make test` runs a few sequences; `make test-slow`
over 200 changes. Then the three stale results that issue 25 found, each a
regression test that fails on the Makefile before the cache rule.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import h5py
import pytest
from hypothesis import HealthCheck, given, seed, settings, strategies as st

from ntk_testing import STAGES, binary, make_command, run_command

BASE = {"D": 5, "M": 40, "M_TEST": 150, "GD_STEPS": 5, "INFINITE_LANDMARKS": 20}
# Each change sets one variable (None: back to its default); LAYERS comes with its INIT_SEEDS.
CHOICES = {
    "D": [4, 5], "M": [30, 40], "M_TEST": [120, 150], "INPUT_SEEDS": [None, "11,21"],
    "TEACHER_WIDTHS": [None, "6,4"], "WIDTHS": [None, "6,4"],
    "LAYERS": [("W V u", "0 1 2"), ("V u", "1 2"), ("all", "0"), ("W u", "0 2")],
    "C": [None, 0.5], "FEATURE_KIND": [None, "loss-gradient"], "SOLVER": [None, "libsvm", "linear"],
    "STORAGE": [None, "dense", "factored"], "STORAGE_LIMIT_MIB": [None, "0"], "TEST_FEATURES": [None, "1"],
    "BASELINES": [None, "infinite", "trained", "infinite trained"], "GD_STEPS": [5, 8], "GD_RATE": [None, "0.5"],
    "INFINITE_LANDMARKS": [20, 25], "KRR_RIDGE": [None, "1e-2"], "SVM_KERNEL_MEMORY_GIB": [None, "0.00001"],
    "SPECTRUM_SAMPLES": [None, 25], "SPECTRUM_SEED": [None, 1],
}
DELETABLE = ["truth.h5", "W/features.h5", "V/svm.h5", "u/eval.h5", "V/network.h5", "results.csv", "alignment.csv",
             "V/spectrum.h5"]
change = st.one_of(
    st.sampled_from(sorted(CHOICES)).flatmap(lambda key: st.tuples(st.just(key), st.sampled_from(CHOICES[key]))),
    st.tuples(st.just("delete"), st.sampled_from(DELETABLE)),
    st.tuples(st.just("binary"), st.sampled_from(["features", "train", "evaluate", "spectrum", "report"])))


def apply(params: dict, key: str, value) -> dict:
    params = dict(params)
    if key == "LAYERS":
        params["LAYERS"], params["INIT_SEEDS"] = value
    elif value is None:
        params.pop(key, None)
    else:
        params[key] = value
    return params


class Binaries:
    """A private copy of the stage binaries, so that one can change its digest (a rebuild that changed it)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for stage in STAGES:
            shutil.copy2(binary(stage), folder / f"ntk-{stage}")
            self.stamp(stage)

    def stamp(self, stage: str) -> None:
        path = self.folder / f"ntk-{stage}"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        (self.folder / f"ntk-{stage}.sha256").write_text(f"{digest}  {path}\n")
        (self.folder / f"ntk-{stage}.checked").touch()

    def change(self, stage: str) -> None:
        """Appends a byte: the ELF file runs as before, its digest differs."""
        with open(self.folder / f"ntk-{stage}", "ab") as binary_file:
            binary_file.write(b"\0")
        self.stamp(stage)


def run_make(run: Path, params: dict, binaries: Binaries, goals=(), dry=False):
    command = make_command(run, params, goals, silent=False, bin_folder=binaries.folder)
    if dry:
        command.insert(1, "-n")
    return run_command(command, timeout=600)


STAGE_KEY = re.compile(r"ntk-([a-z-]+)\s(.*)")


def keys_run(stdout: str) -> set[str]:
    """The first output of every stage command make echoed (the key `make status` names it by)."""
    keys = set()
    for line in stdout.replace("\\\n", " ").splitlines():
        match = STAGE_KEY.search(line)
        if not match or line.startswith("make"):
            continue
        stage, args = match.groups()
        options = dict(re.findall(r"--([a-z-]+)=(\S+)", args))
        if stage == "report":
            keys.add(options["csv"])
        elif stage == "spectrum":
            keys.add(args.split("--alignment-markdown=")[1].split()[1] + "/spectrum.h5")
        elif stage == "html-report":
            keys.add(args.split()[1] + "/report.html")
        else:
            keys.add(options["output"])
    return keys


def status(run: Path, params: dict, binaries: Binaries) -> dict[str, str]:
    result = run_make(run, params, binaries, ["-s", "status"])
    lines = {}
    for line in result.stdout.splitlines():
        match = re.match(r"(up to date|stale|missing): (\S+)(?: and \d+ more)?(?: \((.*)\))?$", line)
        if match:
            state, key, cause = match.groups()
            lines[key] = "after" if state == "stale" and cause and cause.startswith("after ") else state
    return lines


def artifacts(run: Path) -> dict[str, tuple[str, str]]:
    """Every artifact's content digest and command line (the run folder's path replaced)."""
    found = {}
    for path in sorted(run.rglob("*.h5")):
        with h5py.File(path, "r") as f:
            command = str(f.attrs.get("command_line", "")).replace(str(run), "RUN")
            found[str(path.relative_to(run))] = (str(f.attrs["content_digest"]), command)
    return found


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    return re.sub(r"/tmp/\S+?/(incremental|clean\d+)/", "RUN/", lines[0] if lines else result.stderr)


class Clean:
    """Clean runs, one per parameter set, in the same path as the incremental run would have, made once."""

    def __init__(self, root: Path, binaries: Binaries):
        self.root, self.binaries, self.runs = root, binaries, {}

    def __call__(self, params: dict):
        key = tuple(sorted((k, str(v)) for k, v in params.items()))
        if key not in self.runs:
            run = self.root / f"clean{len(self.runs)}"
            self.runs[key] = (run, run_make(run, params, self.binaries))
        return self.runs[key]


def check_step(run: Path, params: dict, binaries: Binaries, clean: Clean, what: str) -> None:
    before = status(run, params, binaries)
    listed = keys_run(run_make(run, params, binaries, dry=True).stdout)
    result = run_make(run, params, binaries)
    reference, reference_result = clean(params)
    context = f"after {what} ({params})"
    assert (result.returncode == 0) == (reference_result.returncode == 0), (
        f"{context}: make exit {result.returncode}, a clean run's {reference_result.returncode}\n"
        f"{result.stderr[-2000:]}\n--- clean\n{reference_result.stderr[-2000:]}")
    if result.returncode != 0:
        assert error_line(result) == error_line(reference_result), f"{context}: refused differently"
        return
    ran = keys_run(result.stdout)
    for key, state in before.items():
        if state in ("stale", "missing"):
            assert key in ran, f"{context}: make status said {state} for {key}, make did not run it ({ran})"
        if state == "up to date":
            assert key not in ran, f"{context}: make status said up to date for {key}, make ran it"
    assert ran <= listed, f"{context}: make ran {sorted(ran - listed)}, which make -n did not list"
    for name in ("results.csv", "alignment.csv"):
        assert (run / name).read_bytes() == (reference / name).read_bytes(), f"{context}: {name} differs"
    ours, theirs = artifacts(run), artifacts(reference)
    for rel, (digest, command) in theirs.items():
        assert rel in ours, f"{context}: {rel} missing"
        assert ours[rel][0] == digest, f"{context}: {rel}: content differs from a clean run's"
        assert ours[rel][1] == command, (
            f"{context}: {rel}: command_line {ours[rel][1]!r}, a clean run's {command!r}")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The binaries, the start of every sequence (a run of BASE, kept as a snapshot: stamps name the run
    folder, so each sequence starts in the same one) and the clean runs."""
    root = tmp_path_factory.mktemp("cache")
    binaries = Binaries(root / "bin")
    assert run_make(root / "incremental", BASE, binaries).returncode == 0
    shutil.copytree(root / "incremental", root / "snapshot")
    return root, binaries, Clean(root, binaries)


def check_sequence(workspace, changes) -> None:
    root, binaries, clean = workspace
    run = root / "incremental"
    shutil.rmtree(run)
    shutil.copytree(root / "snapshot", run)
    params = dict(BASE)
    check_step(run, params, binaries, clean, "the start")
    for key, value in changes:
        if key == "delete":
            (run / value).unlink(missing_ok=True)
        elif key == "binary":
            binaries.change(value)
        else:
            params = apply(params, key, value)
        check_step(run, params, binaries, clean, f"{key} {value}")


SEED = int(os.environ.get("TEST_SEED", "0"))


@seed(SEED)
@settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(change, min_size=3, max_size=3))
def test_incremental_equals_clean(workspace, changes):
    check_sequence(workspace, changes)


@pytest.mark.slow
@seed(SEED)
@settings(max_examples=26, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(change, min_size=8, max_size=8))
def test_incremental_equals_clean_over_200_changes(workspace, changes):
    check_sequence(workspace, changes)


# --- early cutoff ------------------------------------------------------------------------


def test_a_stage_that_writes_the_same_content_stops_the_rebuild(workspace, tmp_path):
    """A changed ntk-train binary, or a parameter that changes its command but not its result, reruns
    train and nothing after it: evaluate, the report and the spectra are only touched."""
    _, binaries, _ = workspace
    run = tmp_path / "run"
    assert run_make(run, BASE, binaries).returncode == 0
    binaries.change("train")
    assert keys_run(run_make(run, BASE, binaries).stdout) == {str(run / f"{s}/svm.h5") for s in "WVu"}
    with_memory = {**BASE, "SVM_KERNEL_MEMORY_GIB": 4}
    assert status(run, with_memory, binaries)[str(run / "W/svm.h5")] == "stale"
    ran = keys_run(run_make(run, with_memory, binaries).stdout)
    # (The page shows the parameters: its command names the new one.)
    assert ran == {str(run / f"{s}/svm.h5") for s in "WVu"} | {str(run / "W/spectrum.h5"), str(run / "report.html")}
    assert keys_run(run_make(run, with_memory, binaries, dry=True).stdout) == set()
    assert set(status(run, with_memory, binaries).values()) == {"up to date"}


# --- the three stale results of issue 25, each a regression test ----------------------------------


def test_a_changed_list_of_steps_starts_from_the_initial_network(workspace, tmp_path):
    """LAYERS="V u" after "W V u": V's network no longer comes from W's SVM (its command has no --from)."""
    _, binaries, clean = workspace
    run, params = tmp_path / "run", {**BASE, "LAYERS": "V u", "INIT_SEEDS": "1 2"}
    assert run_make(run, BASE, binaries).returncode == 0
    assert run_make(run, params, binaries).returncode == 0
    reference, _ = clean(params)
    assert (run / "results.csv").read_bytes() == (reference / "results.csv").read_bytes()
    assert "W," not in (run / "results.csv").read_text()


@pytest.mark.slow
def test_the_sweep_report_follows_the_spectra(tmp_path, workspace):
    """The report reads every point's spectrum.h5: a new SPECTRUM_SEED changes the K∞ alignments of measures.csv
    (K∞ above SVM_KERNEL_MEMORY_GIB: its alignment on a prefix of the seed's permutation)."""
    _, binaries, _ = workspace
    sweep = {"SWEEP_SEEDS": "124", "SWEEP_M": "30 40", "M_TEST": 120, "D": 5, "BASELINES": "infinite", "THEORY": 0,
             "INFINITE_LANDMARKS": 20, "SVM_KERNEL_MEMORY_GIB": "0.00001"}

    def measures(root, params):
        command = make_command(Path("unused"), {**params, "SWEEP_ROOT": root}, ["learning-curve"],
                               bin_folder=binaries.folder)
        result = run_command(command, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        return (root / "learning-curve/report/measures.csv").read_text()

    first = measures(tmp_path / "incremental", sweep)
    changed = measures(tmp_path / "incremental", {**sweep, "SPECTRUM_SEED": 1})
    assert changed != first
    assert changed == measures(tmp_path / "clean", {**sweep, "SPECTRUM_SEED": 1})


def test_the_infinite_kernel_follows_the_kernel_memory(workspace, tmp_path):
    """SVM_KERNEL_MEMORY_GIB decides whether K∞'s SVM is exact or Nyström: it is in the stage's command."""
    _, binaries, clean = workspace
    params = {**BASE, "BASELINES": "infinite"}
    small = {**params, "SVM_KERNEL_MEMORY_GIB": "0.00001"}
    run = tmp_path / "run"
    assert run_make(run, params, binaries).returncode == 0
    assert run_make(run, small, binaries).returncode == 0
    reference, _ = clean(small)
    with h5py.File(run / "W/infinite.h5", "r") as f:
        assert f.attrs["approximation"] == "nystrom", "K∞ above the kernel memory is approximated"
    assert artifacts(run)["W/infinite.h5"] == artifacts(reference)["W/infinite.h5"]
    assert (run / "results.csv").read_bytes() == (reference / "results.csv").read_bytes()


# --- a sweep: rerun after each change, it reports what a clean sweep reports ---------------------

SWEEP = {"SWEEP_SEEDS": "124", "SWEEP_M": "30 40", "M_TEST": 120, "D": 5, "GD_STEPS": 5, "INFINITE_LANDMARKS": 20,
         "THEORY_SAMPLES": 60}
SWEEP_CHOICES = {"C": [None, 0.5], "SPECTRUM_SEED": [None, 1], "SVM_KERNEL_MEMORY_GIB": [None, "0.00001"],
                 "GD_STEPS": [5, 8], "BASELINES": [None, "infinite"], "SWEEP_M": ["30 40", "40"],
                 "KRR_RIDGE": [None, "1e-2"]}
sweep_change = st.sampled_from(sorted(SWEEP_CHOICES)).flatmap(
    lambda key: st.tuples(st.just(key), st.sampled_from(SWEEP_CHOICES[key])))
REPORT = ["results.csv", "summary.csv", "measures.csv"]


def sweep_report(root: Path, params: dict, binaries: Binaries) -> dict[str, bytes]:
    command = make_command(Path("unused"), {**params, "SWEEP_ROOT": root}, ["learning-curve"],
                           bin_folder=binaries.folder)
    result = run_command(command, timeout=900)
    assert result.returncode == 0, f"{params}: {result.stderr[-3000:]}"
    return {name: (root / "learning-curve/report" / name).read_bytes() for name in REPORT}


def check_sweep_sequence(workspace, changes, root: Path) -> None:
    _, binaries, _ = workspace
    params, clean = dict(SWEEP), {}
    sweep_report(root / "incremental", params, binaries)
    for key, value in changes:
        params = apply(params, key, value)
        ours = sweep_report(root / "incremental", params, binaries)
        key_of = tuple(sorted((k, str(v)) for k, v in params.items()))
        if key_of not in clean:
            clean[key_of] = sweep_report(root / f"clean{len(clean)}", params, binaries)
        for name in REPORT:
            assert ours[name] == clean[key_of][name], f"after {key} {value} ({params}): {name} differs from a clean sweep's"


@pytest.mark.slow
@seed(SEED)
@settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(sweep_change, min_size=5, max_size=5))
def test_a_sweep_rerun_equals_a_clean_sweep_over_10_changes(workspace, tmp_path_factory, changes):
    check_sweep_sequence(workspace, changes, tmp_path_factory.mktemp("sweep"))
