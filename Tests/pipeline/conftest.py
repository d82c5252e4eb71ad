"""Fixtures of the pipeline tests (Tests/pipeline, `make test-pipeline`).

Every run goes through the Makefile exactly as a user would start it, in a
temporary folder (Tests/support/ntk_testing.py), on the binaries in
.build/release as they are when the suite starts: they are marked
old-but-current, so an edited source file does not start `swift build` in
the middle of a test.
"""
from __future__ import annotations

import pytest

from ntk_testing import PIPELINE_STAGES, Run, binary, start_run
from pipeline_testing import SMALL_PARAMS


@pytest.fixture(scope="session", autouse=True)
def binaries_built():
    missing = [str(binary(stage)) for stage in PIPELINE_STAGES if not binary(stage).exists()]
    if missing:
        pytest.exit(f"stage binaries missing ({', '.join(missing)}): run `make build` first", returncode=2)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Run:
    return start_run(tmp_path_factory.mktemp("small") / "run", SMALL_PARAMS)
