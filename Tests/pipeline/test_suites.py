"""`make test` runs both suites whatever the other did, and fails if either failed.

The suites' commands are replaced by `true` and `false` (SWIFT_TEST, pytest: the
Makefile's variables), so this checks make's wiring, not the suites.
"""
from __future__ import annotations

import pytest

from ntk_testing import STAGES, binary, run_command

# `make test` runs its suites in a sub-make, which no --old-file reaches: BINARIES empty keeps it from
# building (a source edited while the suite runs would relink every stage under the other tests).
OLD_BINARIES = [f"--old-file={binary(stage)}" for stage in STAGES] + ["BINARIES="]


@pytest.mark.parametrize("swift, pipeline", [("true", "true"), ("false", "true"), ("true", "false"),
                                             ("false", "false")])
def test_make_test_runs_both_suites_and_fails_if_either_failed(swift, pipeline):
    result = run_command(["make", "--no-print-directory", *OLD_BINARIES, "test",
                          f"SWIFT_TEST=echo swift suite; {swift}", f"pytest=echo pipeline suite; {pipeline}"])
    assert "swift suite" in result.stdout and "pipeline suite" in result.stdout, result.stdout + result.stderr
    assert (result.returncode == 0) == (swift == pipeline == "true"), result.stdout + result.stderr
