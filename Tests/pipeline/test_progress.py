"""Progress and signals on every long stage (test_cli.py covers ntk-truth, the
terminal's bar and --quiet).

Off a terminal a long stage writes a plain progress line every
--progress-seconds (5 s by default): each stage here runs on an input that
takes a few seconds, with a shorter interval so that the test stays short; its
progress lines must come no closer together than the interval (less the
jitter of reading a pipe) nor much further apart, and carry the done/total,
the rate and the time left (or, for a solver that stops on a certificate, its
passes and duality gap, or libsvm's iterations). Once two of one loop have
come, the test sends a signal (SIGINT, SIGTERM and SIGHUP in turn): the stage must exit
with 128 + the signal (or, before it has opened its output, die of the signal)
and leave nothing in its output folder. One test
checks the default cadence itself, a line every 5 s, on ntk-gradient-descent.

ntk-spectrum and ntk-theory-curve spend their time in single calls that report
nothing themselves (an n × n LAPACK eigendecomposition per kernel, about a
second at the spectrum's n = 2000, the theory curve's N × N one about 20 s at
its default N = 4000; a kernel's alignment): meanwhile they write
"<label>: working, N s" at the same cadence (StageLog.working). The test runs
each on an eigendecomposition of seconds (the spectrum on n = 4000 of 6000
samples, the theory curve on N = 2500), checks the cadence of these lines, and
signals the stage after two: it must end with the signal and leave nothing
(test_working_lines_at_the_interval_and_a_signal_stops_the_stage).

Gradient descent's progress (test_gradient_descent_logs_the_loss_and_the_time_left):
a line at each recorded step with the loss the trajectory records, and progress
lines whose time left is the steps left at the rate they state.
"""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import h5py
import pytest

from ntk_testing import SPECTRUM_INPUTS, binary, clean_env, run_stage, spectrum_command, theory_curve_command
from pipeline_testing import slow_unless

# The progress lines of Progress.advance: "<label>: done/total unit, rate unit/s, N s left".
ADVANCE = r"(?P<done>\d+)/(?P<total>\d+) (?P<unit>\S+), (?P<rate>[\d.]+[kM]?) (?P=unit)/s, (?P<left>\d+) s left"
# Of Progress.report: the linear solver's passes and gap, libsvm's iterations.
LINEAR = r"linear solver: [\d.]+ passes, relative duality gap \S+ \(tolerance \S+\)"
LIBSVM = r"libsvm: \d+ iterations, \d+ s"
# Of StageLog.working: a call that reports nothing itself, still running.
WORKING = r"working, \d+ s"

INTERVAL = 0.25
# Reading a pipe adds a little delay to a line's time, never a line earlier than written:
# two lines may then look closer by that delay.
JITTER = 0.1
# A loop advances in blocks, and the machine may be shared (two cores, several users): a
# line may come later than the interval, but must come. Loose on purpose: the lower bound
# is the cadence's exact part.
SLACK = 4.0


def setup(stage: str, folder: Path) -> tuple[list[object], str]:
    """The inputs of a run of `stage` lasting a few seconds here: (its arguments before
    --output, the pattern of its progress lines after 'ntk-<stage>: <label>: ')."""
    def made(name, *args):
        path = folder / name
        if not path.exists():
            result = run_stage(args[0], *args[1:], "--quiet", "-o", path, timeout=300)
            assert result.returncode == 0, result.stderr
        return path

    if stage == "features":  # a very wide network: the forward passes take the time, the file stays small
        truth = made("truth-features.h5", "truth", "--dim", 25, "--train", 8000, "--test", 10, "--seed", 3)
        network = made("network-features.h5", "init", "--truth", truth, "--widths", "2000,2000", "--layer", "u",
                       "--seed", 1)
        return ["--truth", truth, "--network", network, "--layer", "u"], ADVANCE
    if stage == "evaluate":  # a wide network on many test samples
        truth = made("truth-wide.h5", "truth", "--dim", 25, "--train", 2000, "--test", 200000, "--seed", 3)
        network = made("network-wide.h5", "init", "--truth", truth, "--widths", "400,400", "--layer", "u",
                       "--seed", 1)
        features = made("features-wide.h5", "features", "--truth", truth, "--network", network, "--layer", "u")
        svm = made("svm-wide.h5", "train", "--features", features, "--C", 1, "--solver", "linear")
        return ["--truth", truth, "--network", network, "--features", features, "--svm", svm], ADVANCE
    truth = made("truth.h5", "truth", "--dim", 25, "--train", 6000, "--test", 1000, "--seed", 3)
    network = made("network.h5", "init", "--truth", truth, "--layer", "W", "--seed", 1)
    features = made("features.h5", "features", "--truth", truth, "--network", network, "--layer", "W")
    if stage == "train-libsvm":  # m = 6000: the kernel in blocks of rows, then libsvm's iterations
        return ["--features", features, "--C", 1, "--solver", "libsvm"], f"(?:{ADVANCE}|{LIBSVM})"
    if stage == "train-linear":
        return ["--features", features, "--C", 1, "--solver", "linear", "--gap-tolerance", 1e-14], LINEAR
    if stage == "infinite-kernel":
        return ["--truth", truth, "--network", network, "--layer", "W", "--C", 1], ADVANCE
    if stage == "kernel-convergence":  # students of widths 800 and 1600 on 400 inputs
        return ["--truth", truth, "--samples", 400, "--widths-list", "800,1600", "--seeds", "0,1,2,3,4,5,6,7,8,9"], \
            ADVANCE
    if stage == "gradient-descent":
        return ["--truth", truth, "--network", network, "--layer", "all", "--steps", 100000], ADVANCE
    if stage == "spectrum":  # m = 6000 samples, spectra on 4000 (the inputs are linked into the step folder)
        return [truth, network, features], WORKING
    if stage == "theory-curve":  # N = 2500 held-out samples
        truth = made("truth-theory.h5", "truth", "--dim", 25, "--train", 10, "--test", 2500, "--seed", 3)
        network = made("network-theory.h5", "init", "--truth", truth, "--layer", "W", "--seed", 1)
        return [truth, network], WORKING
    raise ValueError(stage)


@dataclass
class Watched:
    lines: list[tuple[float, str]]
    progress: list[tuple[float, str]]
    returncode: int

    def longest_series(self) -> list[tuple[float, str]]:
        """The progress lines of the label with the most: one loop's (each loop's Progress
        writes its first line at once, however soon after the previous loop's last)."""
        series: dict[str, list[tuple[float, str]]] = {}
        for when, line in self.progress:
            label = re.split(r": (?=\d+/\d+ |linear solver: |libsvm: |working, )", line)[0]
            series.setdefault(label, []).append((when, line))
        return max(series.values(), key=len)


def watch(argv: list[object], pattern: str, *, lines_before_signal: int | None, number: int | None = None,
          timeout: float = 120) -> Watched:
    """Runs `argv` with stderr a pipe, timing each line as it comes; after
    `lines_before_signal` progress lines, sends `number` to the stage."""
    # SIGINT at its default action in the stage, whatever this process inherited (a shell's
    # background job ignores it).
    process = subprocess.Popen([str(a) for a in argv], env=clean_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    progress_line = re.compile(rf"^(?P<label>ntk-[\w-]+: .*?): {pattern}$")
    lines, progress, pending, signalled, labels = [], [], b"", False, {}
    deadline = time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([process.stderr], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"no line for {timeout} s"
            chunk = os.read(process.stderr.fileno(), 65536)
            now = time.monotonic()
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                line = raw.decode()
                lines.append((now, line))
                found = progress_line.match(line)
                if found:
                    progress.append((now, line))
                    labels[found["label"]] = labels.get(found["label"], 0) + 1
            if number is not None and not signalled and max(labels.values(), default=0) >= lines_before_signal:
                process.send_signal(number)
                signalled = True
        returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if number is not None:
        assert signalled, (f"the stage ended (exit status {returncode}) after {len(progress)} progress lines, "
                           f"before the signal: give it a larger input\n" + "\n".join(line for _, line in lines))
    return Watched(lines, progress, returncode)


def check_cadence(progress: list[tuple[float, str]], interval: float, *, slack: float) -> None:
    """No two lines closer than the interval; and not every line late: one stall of the
    reader or the stage (a busy machine) may delay a line, a longer cadence delays all."""
    gaps = [b - a for (a, _), (b, _) in zip(progress, progress[1:])]
    assert gaps, "fewer than two progress lines"
    assert min(gaps) >= interval - JITTER, f"progress lines {min(gaps):.3f} s apart, the interval is {interval} s"
    assert min(gaps) <= interval + slack, f"progress lines {min(gaps):.3f} s apart or more, the interval is {interval} s"


LONG_STAGES = ["features", "train-libsvm", "train-linear", "infinite-kernel", "gradient-descent", "evaluate",
               "kernel-convergence"]
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("progress-inputs")


# The three that take seconds before their third line run in make test-slow.
SLOW_STAGES = {"train-libsvm", "train-linear", "evaluate"}


@pytest.mark.parametrize("stage", slow_unless(LONG_STAGES, lambda s: s not in SLOW_STAGES))
def test_progress_lines_at_the_interval_and_a_signal_stops_the_stage(stage, inputs, tmp_path):
    arguments, pattern = setup(stage, inputs)
    number = SIGNALS[LONG_STAGES.index(stage) % len(SIGNALS)]
    out = tmp_path / "out"
    out.mkdir()
    program = binary(stage.removeprefix("train-").replace("libsvm", "train").replace("linear", "train"))
    argv = [program, *arguments, "--progress-seconds", INTERVAL, "-o", out / "output.h5"]
    watched = watch(argv, pattern, lines_before_signal=3, number=number)
    # Once a stage has a temporary file its handler removes it and exits with 128 + the signal;
    # before (an SVM still training), the signal's default action ends it: nothing to remove.
    assert watched.returncode in (128 + number, -number), "\n".join(line for _, line in watched.lines)
    assert os.listdir(out) == [], f"left behind: {os.listdir(out)}"
    check_cadence(watched.longest_series()[:3], INTERVAL, slack=SLACK)
    for _, line in watched.lines:
        assert line.startswith(f"ntk-{program.name.removeprefix('ntk-')}: "), line


@pytest.mark.slow
def test_the_default_cadence_is_a_line_every_five_seconds(inputs, tmp_path):
    """ntk-gradient-descent without --progress-seconds, on more steps than it can take in
    the test: the first line at once, the second 5 s later; then a signal stops it."""
    arguments, pattern = setup("gradient-descent", inputs)
    out = tmp_path / "out"
    out.mkdir()
    watched = watch([binary("gradient-descent"), *arguments, "-o", out / "trained.h5"], pattern,
                    lines_before_signal=2, number=signal.SIGTERM)
    assert watched.returncode in (128 + signal.SIGTERM, -signal.SIGTERM)
    assert os.listdir(out) == []
    check_cadence(watched.longest_series()[:2], 5.0, slack=SLACK)


def test_gradient_descent_logs_the_loss_and_the_time_left(inputs, tmp_path):
    """A line at each recorded step t (0, 1, 2, 4, …, T) with the loss the trajectory
    records, and progress lines whose time left is the steps left at their rate."""
    arguments, _ = setup("gradient-descent", inputs)
    steps = 600
    arguments[arguments.index("--steps") + 1] = steps
    output = tmp_path / "trained.h5"
    watched = watch([binary("gradient-descent"), *arguments, "--progress-seconds", INTERVAL, "-o", output], ADVANCE,
                    lines_before_signal=None)
    assert watched.returncode == 0, "\n".join(line for _, line in watched.lines)
    with h5py.File(output, "r") as f:
        recorded = dict(zip(f["trajectory/step"][()].tolist(), f["trajectory/loss"][()].tolist()))
    logged = {}
    for _, line in watched.lines:
        found = re.match(r"^ntk-gradient-descent: step all: gradient step (\d+): loss (\S+), train error (\S+)$", line)
        if found:
            logged[int(found[1])] = float(found[2])
    assert logged == recorded  # Swift prints the shortest text that reads back as the same double
    progress = [re.search(ADVANCE, line) for _, line in watched.progress]
    assert len(progress) >= 2, "\n".join(line for _, line in watched.lines)
    for found in progress:
        done, total, left = int(found["done"]), int(found["total"]), int(found["left"])
        rate = float(found["rate"].rstrip("kM")) * {"k": 1e3, "M": 1e6}.get(found["rate"][-1], 1)
        assert total == steps and found["unit"] == "steps" and 0 < done <= steps
        # The rate is printed to 0.1 k or 1 step/s, the time left to the second.
        expected = (steps - done) / rate
        assert abs(left - expected) <= 0.5 + 0.06 * expected, (found[0], expected)
    assert [int(found["done"]) for found in progress] == sorted(int(found["done"]) for found in progress)


@pytest.mark.parametrize("stage, number", [("spectrum", signal.SIGTERM), ("theory-curve", signal.SIGINT)])
def test_working_lines_at_the_interval_and_a_signal_stops_the_stage(stage, number, inputs, tmp_path):
    files, pattern = setup(stage, inputs)
    out = tmp_path / "out"
    out.mkdir()
    if stage == "spectrum":
        step = out / "W"
        step.mkdir()
        for source, name in zip(files[1:], SPECTRUM_INPUTS):
            os.link(source, step / name)
        argv = spectrum_command([step], truth=files[0], samples=4000, alignment_csv=out / "alignment.csv",
                                alignment_markdown=out / "alignment.md")
    else:
        argv = theory_curve_command(out / "theory.h5", truth=files[0], network=files[1], layer="W", samples=2500)
    watched = watch([*argv, "--progress-seconds", INTERVAL], pattern, lines_before_signal=2, number=number)
    log = "\n".join(line for _, line in watched.lines)
    assert watched.returncode in (128 + number, -number), f"exit status {watched.returncode}\n{log}"
    left = sorted(str(q.relative_to(out)) for q in out.rglob("*") if q.is_file() and q.name not in SPECTRUM_INPUTS)
    assert left == [], f"left behind: {left}"
    check_cadence(watched.longest_series()[:2], INTERVAL, slack=SLACK)
    for _, line in watched.lines:
        assert line.startswith(f"ntk-{stage}: "), line
