"""SOLVER=linear through make, SOLVER=auto's switch, and the linear solver's log: the
pipeline's wiring of ntk-train's linear-time solver. (Its solutions against scikit-learn
over the option grid: test_option_grid.py; its bad options: test_bad_inputs.py.)"""
from __future__ import annotations

import csv
import re

import h5py
import numpy as np
import pytest

from ntk_testing import STEPS, make, run_stage
from pipeline_testing import primal, training_rows

PARAMS = {"D": 8, "M": 400, "M_TEST": 2000, "TEACHER_SEED": 31, "INIT_SEEDS": "4 5 6"}
LINEAR = "by the linear solver (time linear in m)"


def attributes(path):
    with h5py.File(path, "r") as f:
        return dict(f.attrs)


def classifier_errors(run) -> dict[str, tuple[float, float]]:
    with open(run / "results.csv") as f:
        return {row["step"]: (float(row["train_error"]), float(row["test_error"]))
                for row in csv.DictReader(f) if row["model"] == "classifier"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same run with libsvm (the default at this m) and with the linear solver."""
    found = {}
    for solver in ("auto", "linear"):
        path = tmp_path_factory.mktemp(f"solver-{solver}") / "run"
        make(path, {**PARAMS, "SOLVER": solver})
        found[solver] = path
    return found


def test_solver_linear_trains_every_step_with_the_linear_solver(runs):
    for step in STEPS:
        auto, linear = attributes(runs["auto"] / step / "svm.h5"), attributes(runs["linear"] / step / "svm.h5")
        assert auto["solved_from"] == "the precomputed tangent kernel K = G Gᵀ", step
        assert linear["solved_from"].endswith(LINEAR), step
        assert linear["duality_gap"] <= linear["gap_tolerance"] == 1e-5
    # Step W trains on the same features either way (later steps start from each solver's θc):
    # each solution's dual bounds the other's primal, and the linear solver's objective is
    # within its tolerance of libsvm's, which stops on a KKT tolerance instead.
    auto, linear = attributes(runs["auto"] / "W" / "svm.h5"), attributes(runs["linear"] / "W" / "svm.h5")
    assert auto["dual_objective"] <= linear["primal_objective"] and linear["dual_objective"] <= auto["primal_objective"]
    assert linear["primal_objective"] <= auto["primal_objective"] * (1 + 1e-5)


def test_the_first_step_errs_where_libsvm_does(runs):
    """Step W trains on the same features either way: the same errors to 0.2 % of the
    samples or one sample. (Later steps start from the θc of the step before, which the
    two solvers give only to their tolerance.)"""
    auto, linear = classifier_errors(runs["auto"])["W"], classifier_errors(runs["linear"])["W"]
    assert abs(auto[0] - linear[0]) <= max(0.002, 1 / PARAMS["M"])
    assert abs(auto[1] - linear[1]) <= max(0.002, 1 / PARAMS["M_TEST"])


def test_auto_takes_the_linear_solver_where_the_kernel_does_not_fit(runs, tmp_path):
    features = runs["auto"] / "W" / "features.h5"
    for memory, solved_from in [("8", "the precomputed tangent kernel K = G Gᵀ"), ("0.001", LINEAR)]:
        output = tmp_path / f"svm-{memory}.h5"
        result = run_stage("train", f"--features={features}", f"--kernel-memory-gib={memory}", "--quiet",
                           f"--output={output}")
        assert result.returncode == 0, result.stderr
        assert attributes(output)["solved_from"].endswith(solved_from)


def test_the_solver_logs_its_passes_and_gap(runs, tmp_path):
    """The last line of the solver's progress: its passes, and the relative duality gap of the solution it
    wrote, recomputed here from the features and the solution (P from (w, b), D from α)."""
    features, svm = runs["auto"] / "W" / "features.h5", tmp_path / "svm.h5"
    result = run_stage("train", f"--features={features}", "--solver=linear", f"--output={svm}")
    assert result.returncode == 0 and not result.stdout
    lines = result.stderr.splitlines()
    summary = [line for line in lines if line.startswith("ntk-train: step W (layer W1): linear solver: ")]
    assert summary, result.stderr
    logged = re.search(r", ([\d.]+) passes, \d+ steps, relative duality gap (\S+)", summary[-1])
    assert logged, summary[-1]
    g, y = training_rows(features)
    with h5py.File(svm, "r") as f:
        w, b, dual, support = f["weights"][()], f["intercept"][()], f["dual_coef"][()], f["support"][()]
        C = f.attrs["C"]
    w_alpha = dual @ g[support]
    p, d = primal(g, y, w, b, C), np.abs(dual).sum() - 0.5 * w_alpha @ w_alpha
    assert 0 <= (p - d) / p <= 1e-5
    # Three digits shown: within half a unit of the third.
    assert float(logged.group(2)) == pytest.approx((p - d) / p, rel=6e-3, abs=1e-15), (summary[-1], (p - d) / p)
    assert float(logged.group(1)) > 0
