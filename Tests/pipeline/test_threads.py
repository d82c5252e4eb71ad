"""One thread and two give the same files. Each stage's own loops run on
NTK_THREADS workers over pieces whose bounds do not depend on the count, and
sum in piece order (docs/performance.md, "Threads"): every artifact's content
digest (its .digest sidecar) must be the same with NTK_THREADS=1 and 2, on the
notebook's defaults with both baselines and the spectra, and at m = 10,000
(several blocks in every stage, eight chunks in gradient descent; test-slow). The run
page is left out: it holds the time it was made."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ntk_testing import make

CONFIGS = {
    "notebook": pytest.param({"BASELINES": "infinite trained", "GD_STEPS": 100}, id="notebook"),
    "large-m": pytest.param({"M": 10000, "M_TEST": 10000, "BASELINES": "infinite trained", "GD_STEPS": 20},
                            id="large-m", marks=pytest.mark.slow),
}


def digests(run: Path) -> dict[str, str]:
    return {str(f.relative_to(run)): f.read_text().strip() for f in sorted(run.rglob(".*.digest"))
            if f.name != ".report.html.digest"}


@pytest.mark.parametrize("params", CONFIGS.values())
def test_one_thread_and_two_write_the_same_artifacts(tmp_path, params):
    run = tmp_path / "run"  # the same folder each time: artifacts record their command lines
    found = {}
    for threads in (1, 2):
        make(run, {**params, "NTK_THREADS": threads}, timeout=1200)
        found[threads] = digests(run)
        shutil.rmtree(run)
    assert len(found[1]) >= 30, sorted(found[1])
    differ = sorted(f for f in found[1] if found[1][f] != found[2].get(f))
    assert not differ, f"artifacts that differ between one thread and two: {differ}"
