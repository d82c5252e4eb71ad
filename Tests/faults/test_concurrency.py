"""3. Concurrency.

* Two `make`s on the same run folder with the same parameters, started
  together or one while the other is in the middle: each finishes or fails
  cleanly (a non-zero exit, not a crash), at least one finishes, and the
  artifacts are complete and identical to an undisturbed run's; a third
  `make` then completes with the same results.
* Two different runs under one `make -j2` (a wrapper makefile with a sub-make
  per run folder, as sweeps do): both complete, identical to an undisturbed
  run, with no temporary file left — also when the binary stamps
  ($(BIN)/ntk-*.sha256, shared by every run) have to be written, as after a
  fresh build.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from faults_testing import KILL_PARAMS, compare_with, note
from ntk_testing import REPO, STAGES, binary, clean_env, crashed, make, make_arguments, make_command


def finish(process: subprocess.Popen, timeout: float = 180) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        return -999, "timed out\n" + stderr
    return process.returncode, stderr


@pytest.mark.parametrize("delay", [0.0, 0.3], ids=["together", "second-at-30%"])
def test_two_makes_on_one_run(delay, kill_baseline, tmp_path):
    run = tmp_path / "run"
    processes = []
    for k in range(2):
        if k:
            time.sleep(delay * kill_baseline.duration)
        processes.append(subprocess.Popen(make_command(run, KILL_PARAMS), cwd=REPO, env=clean_env(),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    outcomes = [finish(process) for process in processes]
    problems = []
    for k, (code, stderr) in enumerate(outcomes):
        why = crashed(code, stderr) if code != -999 else "did not finish in 180 s"
        if why:
            problems.append(f"make #{k + 1}: {why}\n{stderr[-2000:]}")
        elif code != 0:
            note(f"two makes on one run ({delay:.0%} apart): make #{k + 1} failed cleanly "
                 f"(exit {code}): {stderr.strip().splitlines()[-3:] if stderr.strip() else ''}")
    if all(code != 0 for code, _ in outcomes):
        problems.append("neither make finished:\n" + "\n".join(s[-1500:] for _, s in outcomes))
    problems += [f"after both: {problem}" for problem in compare_with(run, kill_baseline)]
    third = make(run, KILL_PARAMS, check=False)
    if third.returncode != 0:
        problems.append(f"a third make failed ({third.returncode}): {third.stderr[-2000:]}")
    else:
        problems += [f"after a third make: {problem}" for problem in compare_with(run, kill_baseline)]
    assert not problems, "\n".join(problems)


WRAPPER = """\
# Two runs of the pipeline side by side under one `make -j2`: one sub-make per run folder.
.PHONY: all $(RUNS)
all: $(RUNS)
$(RUNS):
\t+$(MAKE) -s -C {repo} {make_arguments} RUN=$(CURDIR)/$@ > /dev/null
"""


@pytest.mark.parametrize("stamps", ["present", "missing"])
def test_two_runs_under_make_j2(stamps, kill_baseline, tmp_path):
    """`missing`: a fresh copy of the binaries without their stamps, as after
    a first build (or a rebuild: `make build` touches every binary, so every
    stamp is rewritten). Both sub-makes then write the same stamps at once."""
    if stamps == "present":
        folder = binary("truth").parent
    else:
        folder = tmp_path / "bin"
        folder.mkdir()
        for stage in STAGES:
            shutil.copy2(binary(stage), folder / f"ntk-{stage}")
    quoted = " ".join(f"'{a}'" for a in make_arguments(KILL_PARAMS, bin_folder=folder))
    (tmp_path / "wrapper.mk").write_text(WRAPPER.format(repo=REPO, make_arguments=quoted))
    result = subprocess.run(["make", "-s", "-j2", "-f", "wrapper.mk", "RUNS=run-a run-b"], cwd=tmp_path,
                            env=clean_env(), capture_output=True, text=True, timeout=240)
    problems = []
    if result.returncode != 0:
        messages = [line for line in result.stderr.splitlines() if not line.startswith("ntk-")]
        problems.append(f"make -j2 of two runs failed ({result.returncode}):\n" + "\n".join(messages[-20:]))
    for name in ("run-a", "run-b"):
        problems += [f"{name}: {problem}" for problem in compare_with(tmp_path / name, kill_baseline)]
    stray = sorted(q.name for q in folder.iterdir() if q.name.endswith(".new") or q.name.endswith(".tmp"))
    if stray:
        problems.append(f"temporaries left in the binary folder {folder}: {stray}")
    assert not problems, "\n".join(problems)
