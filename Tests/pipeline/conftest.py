"""Shared fixtures for the pipeline tests: the repository, the stage binaries,
`make` runs in temporary folders (one per parameter set, shared by the whole
session), and helpers to run a stage and to read an artifact.

Every run goes through the Makefile exactly as a user would start it
(`make -s RUN=<tmp> D=... ...` from the repository root), with two
precautions so that a test measures the pipeline and nothing around it:

* the environment of an enclosing `make` (MAKEFLAGS, MAKELEVEL, ...) is
  removed, so `make test-pipeline` and a bare `pytest` see the same output;
* the stage binaries are marked old-but-current (`make -o <binary>`), so a
  source file edited while the suite runs does not start `swift build` in
  the middle of a test. The suite tests the binaries present when it starts.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".build" / "release"
STAGES = ["truth", "init", "features", "train", "evaluate", "report"]
BINARIES = {stage: BIN / f"ntk-{stage}" for stage in STAGES}
REFERENCE = REPO / "bench" / "reference.py"
# The venv's python (bench/reference.py needs numpy and scikit-learn).
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable

STEPS = ["W", "V", "u"]
LAYER_NAMES = {"W": "W1", "V": "W2", "u": "u"}
MODELS = ["classifier", "net_init", "net_svm", "net_neg_svm", "net_init_x_svm", "net_neg_init_x_svm"]


def clean_env() -> dict[str, str]:
    """The environment for a child process: no enclosing make's flags, one BLAS thread."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR",
                        "MAKE_RESTARTS", "GNUMAKEFLAGS"}}
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["LC_ALL"] = "C.UTF-8"
    return env


def make(run: Path, params: dict[str, object] | None = None, *, silent: bool = True,
         check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """`make [-s] RUN=<run> K=V ...` from the repository root; returns the finished process."""
    command = ["make"] + (["-s"] if silent else [])
    command += [f"--old-file={b.relative_to(REPO)}" for b in BINARIES.values()]
    command += [f"RUN={run}"] + [f"{k}={v}" for k, v in (params or {}).items()]
    result = subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed with exit status {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


def run_stage(stage: str, *args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs one stage binary with `args` (paths are turned into strings)."""
    command = [str(BINARIES[stage])] + [str(a) for a in args]
    return subprocess.run(command, cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=timeout)


@dataclass
class Run:
    """A finished pipeline run: its folder, its make parameters and what make printed."""
    path: Path
    params: dict[str, object]
    stdout: str
    stderr: str
    # Convenience: the values the notebook's names take in this run.
    d: int = field(init=False)
    m: int = field(init=False)
    m_test: int = field(init=False)
    seeds: list[int] = field(init=False)

    def __post_init__(self):
        self.d = int(self.params.get("D", 25))
        self.m = int(self.params.get("M", 100))
        self.m_test = int(self.params.get("M_TEST", 100000))
        self.seeds = [int(s) for s in str(self.params.get("INIT_SEEDS", "0 1 2")).split()]

    @property
    def truth(self) -> Path:
        return self.path / "truth.h5"

    def artifact(self, step: str, name: str) -> Path:
        return self.path / step / f"{name}.h5"


def start_run(path: Path, params: dict[str, object]) -> Run:
    result = make(path, params)
    return Run(path=path, params=params, stdout=result.stdout, stderr=result.stderr)


@pytest.fixture(scope="session", autouse=True)
def binaries_built():
    missing = [str(b) for b in BINARIES.values() if not b.exists()]
    if missing:
        pytest.exit(f"stage binaries missing ({', '.join(missing)}): run `make build` first", returncode=2)


# A small run with every non-default parameter: the material of the
# interoperability and bad-input tests.
SMALL_PARAMS = {"D": 7, "M": 60, "M_TEST": 500, "INIT_SEEDS": "3 4 5", "TEACHER_SEED": 9, "C": 0.5}


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Run:
    return start_run(tmp_path_factory.mktemp("small") / "run", SMALL_PARAMS)


def read_network(path: Path, group: str = "network") -> list[np.ndarray]:
    """The layers W1 … WL, u of a network group, in order."""
    with h5py.File(path, "r") as f:
        names = [str(n) for n in f[group].attrs["layer_names"]]
        return [f[f"{group}/{n}"][()] for n in names]


def relu(a):
    return np.maximum(a, 0)


def forward(layers: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """f(x) = u · relu(W_L … relu(W_1 x)) for the samples in the rows of x."""
    z = x
    for w in layers[:-1]:
        z = relu(z @ w.T)
    return (z @ layers[-1].T)[:, 0]


def sgn(a):
    return np.where(a > 0, 1.0, -1.0)


def tangent_features(layers: list[np.ndarray], x: np.ndarray, index: int) -> np.ndarray:
    """∂f/∂θ for θ = layers[index], one row per sample, flattened row-major (out, in)."""
    inputs, pre = [x], []
    for w in layers[:-1]:
        a = inputs[-1] @ w.T
        pre.append(a)
        inputs.append(relu(a))
    delta = np.ones((len(x), 1))
    for l in range(len(layers) - 1, index, -1):
        delta = (delta @ layers[l]) * (pre[l - 1] > 0)
    return np.einsum("si,sj->sij", delta, inputs[index]).reshape(len(x), -1)


def copy_artifact(source: Path, target: Path, modify) -> Path:
    """Copies an artifact and changes the copy with `modify(h5py.File)`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        modify(f)
    return target
