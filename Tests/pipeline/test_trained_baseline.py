"""BASELINES=trained: the step's layer trained by full-batch gradient descent
on the mean logistic loss (ntk-gradient-descent), against numpy: the
automatic learning rate m / λ_max(K0) (eigvalsh) by each --eigen-method,
also beyond m = 2000, the trajectory, the kernel distance (numpy's, on at most the
first 2000 samples), T = 0, a diverging rate and bad options. (JAX's autodiff checks the trajectory in
`make test-peers`.)"""
from __future__ import annotations

import csv
import re

import h5py
import numpy as np
import pytest

from ntk_testing import make, read_network, run_stage
from pipeline_testing import forward, sgn, tangent_features

PARAMS = {"D": 5, "WIDTHS": "6,4", "M": 50, "M_TEST": 300, "TEACHER_SEED": 21, "BASELINES": "trained",
          "GD_STEPS": 20}
RUNS = {"chained": {"LAYERS": "W1 W2 u", "INIT_SEEDS": "1 2 3"}, "all": {"LAYERS": "all", "INIT_SEEDS": "1"}}
INDEX = {"W1": [0], "W2": [1], "u": [2], "all": [0, 1, 2]}


@pytest.fixture(scope="module", params=list(RUNS))
def run(request, tmp_path_factory):
    path = tmp_path_factory.mktemp(f"trained-{request.param}") / "run"
    make(path, {**PARAMS, **RUNS[request.param]})
    return path, RUNS[request.param]["LAYERS"].split()


@pytest.fixture(scope="module")
def chained(tmp_path_factory):
    path = tmp_path_factory.mktemp("trained-refusals") / "run"
    make(path, {**PARAMS, **RUNS["chained"]})
    return path


def sets(path):
    with h5py.File(path / "truth.h5") as f:
        return f["inputs/train"][()], f["labels/train"][()], f["inputs/test"][()], f["labels/test"][()]


def gradient_descent(layers, selected, x, y, eta, steps):
    """numpy's full-batch gradient descent on (1/m) Σ log(1 + exp(−y f)): the
    gradient is Σ_i c_i ∂f_i/∂θ with c_i = −(1/m) y_i σ(−y_i f_i)."""
    layers = [w.copy() for w in layers]
    losses = []
    for t in range(steps + 1):
        f = forward(layers, x)
        losses.append(np.mean(np.logaddexp(0, -y * f)))
        if t == steps:
            break
        c = -y / (1 + np.exp(y * f)) / len(y)
        gradients = [(c @ tangent_features(layers, x, l)).reshape(layers[l].shape) for l in selected]
        for l, g in zip(selected, gradients):
            layers[l] -= eta * g
    return layers, losses


def kernel_distance(initial, trained, selected, x) -> float:
    """numpy's 1 − ⟨K0, K_T⟩_F / (‖K0‖_F ‖K_T‖_F), K = G Gᵀ of the selected layers' tangent features."""
    g0 = np.hstack([tangent_features(initial, x, l) for l in selected])
    gt = np.hstack([tangent_features(trained, x, l) for l in selected])
    k0, kt = g0 @ g0.T, gt @ gt.T
    return float(1 - (k0 * kt).sum() / (np.linalg.norm(k0) * np.linalg.norm(kt)))


# The kernel distance against numpy's: its terms are sums of m² products of order
# ‖K‖², so the rounding of 1 − ratio is some 1e-15 absolute, whatever the distance.
KERNEL_DISTANCE_TOLERANCE = 1e-12


def test_kernel_distance_is_numpys(run):
    """On every training sample (m = 50 ≤ 2000); u's kernel Z Zᵀ does not depend on u,
    so its distance is 0 to rounding."""
    path, steps = run
    x, _, _, _ = sets(path)
    for step in steps:
        with h5py.File(path / step / "trained.h5") as f:
            recorded, samples = f.attrs["kernel_distance"], f.attrs["kernel_distance_samples"]
        assert samples == len(x)
        expected = kernel_distance(read_network(path / step / "network.h5"), read_network(path / step / "trained.h5"),
                                   INDEX[step], x)
        assert abs(recorded - expected) <= KERNEL_DISTANCE_TOLERANCE, (step, recorded, expected)
        if step == "u":
            assert abs(recorded) <= 1e-14, recorded
        else:  # a distance that a wrong kernel would miss: the trained layer moved its kernel
            assert expected > 100 * KERNEL_DISTANCE_TOLERANCE, (step, expected)


def test_automatic_rate_is_m_over_the_largest_eigenvalue(run):
    path, steps = run
    x, y, _, _ = sets(path)
    for step in steps:
        layers = read_network(path / step / "network.h5")
        g = np.hstack([tangent_features(layers, x, l) for l in INDEX[step]])
        lambda_max = np.linalg.eigvalsh(g @ g.T)[-1]
        with h5py.File(path / step / "trained.h5") as f:
            assert f.attrs["artifact"] == "trained network"
            assert abs(f.attrs["lambda_max"] - lambda_max) <= 1e-12 * lambda_max
            assert abs(f.attrs["learning_rate"] - len(y) / lambda_max) <= 1e-12 * len(y) / lambda_max


def largest_eigenvalue(run_path, tmp_path, layer, *options):
    """λ_max(K0) and how it was found, by the stage on W1's starting network (T = 0)."""
    output = tmp_path / f"{layer}{'-'.join(options)}.h5"
    result = run_stage("gradient-descent", "--truth", run_path / "truth.h5", "--network", run_path / "W1" / "network.h5",
                       "--layer", layer, "--steps", "0", *options, "--quiet", "-o", output)
    assert result.returncode == 0, result.stderr
    with h5py.File(output) as f:
        return f.attrs["lambda_max"], (f.attrs["lambda_max_method"], f.attrs["lambda_max_details"]), \
            f.attrs["learning_rate"]


@pytest.mark.parametrize("method", ["gram", "lanczos"])
@pytest.mark.parametrize("layer", ["W1", "u", "all"])
def test_each_eigenvalue_method_is_numpys(chained, tmp_path, method, layer):
    """λ_max(K0) without K0: by Gᵀ G (p × p) or by Lanczos on products with
    G and Gᵀ (here on Gᵀ G for W1 and u, p ≤ m; on G Gᵀ for all, p = 58 > m
    = 50), against numpy's eigvalsh of G Gᵀ, to 1e-10."""
    x, y, _, _ = sets(chained)
    layers = read_network(chained / "W1" / "network.h5")
    g = np.hstack([tangent_features(layers, x, l) for l in INDEX[layer]])
    expected = np.linalg.eigvalsh(g @ g.T)[-1]
    lambda_max, how, eta = largest_eigenvalue(chained, tmp_path, layer, "--eigen-method", method)
    assert how[0] == method, how
    assert how[1] == "dsyevr of Gᵀ G (p × p)" if method == "gram" else re.fullmatch(
        r"\d+ iterations on products with G and Gᵀ, residual \S+", how[1]), how
    assert abs(lambda_max - expected) <= 1e-10 * expected
    assert abs(eta - len(y) / expected) <= 1e-10 * len(y) / expected


def test_automatic_rate_beyond_the_kernel_distance_subset(tmp_path):
    """m = 3000 > 2000: η = auto still works (λ_max without the 3000 × 3000
    K0, by each method), the kernel distance stays on the first 2000
    samples, and λ_max is numpy's eigvalsh to 1e-10 — of Gᵀ G, whose largest
    eigenvalue is G Gᵀ's (eigvalsh of the 3000 × 3000 G Gᵀ takes 5–12 s here)."""
    path = tmp_path / "run"
    make(path, {**PARAMS, "M": 3000, "LAYERS": "W1", "INIT_SEEDS": "1"}, [f"{path}/truth.h5", f"{path}/W1/network.h5"])
    x, y, _, _ = sets(path)
    layers = read_network(path / "W1" / "network.h5")
    for layer in ("W1", "all"):
        g = np.hstack([tangent_features(layers, x, l) for l in INDEX[layer]])
        expected = np.linalg.eigvalsh(g.T @ g)[-1]
        for method in ("auto", "gram", "lanczos"):
            output = tmp_path / f"{layer}-{method}.h5"
            result = run_stage("gradient-descent", "--truth", path / "truth.h5", "--network", path / "W1" / "network.h5",
                               "--layer", layer, "--steps", "3", "--eigen-method", method, "--quiet", "-o", output)
            assert result.returncode == 0, result.stderr
            with h5py.File(output) as f:
                assert abs(f.attrs["lambda_max"] - expected) <= 1e-10 * expected, (layer, method)
                assert abs(f.attrs["learning_rate"] - 3000 / expected) <= 1e-10 * 3000 / expected
                assert f.attrs["kernel_distance_samples"] == 2000
                assert np.all(np.isfinite(f["trajectory/loss"][()]))
                recorded = f.attrs["kernel_distance"]
            # On the first 2000 samples, not on all 3000 (whose distance differs by far more than the tolerance).
            trained = read_network(output)
            distance = kernel_distance(layers, trained, INDEX[layer], x[:2000])
            assert abs(recorded - distance) <= KERNEL_DISTANCE_TOLERANCE, (layer, method, recorded, distance)
            everything = kernel_distance(layers, trained, INDEX[layer], x)
            assert abs(everything - distance) > 100 * KERNEL_DISTANCE_TOLERANCE, (everything, distance)


def test_trajectory_is_numpys(run):
    path, steps = run
    x, y, x_test, y_test = sets(path)
    rows = {(r["step"], r["model"]): r for r in csv.DictReader(open(path / "results.csv"))}
    for step in steps:
        initial = read_network(path / step / "network.h5")
        with h5py.File(path / step / "trained.h5") as f:
            eta = f.attrs["learning_rate"]
            recorded = f["trajectory/step"][()].tolist()
            losses = f["trajectory/loss"][()]
            trained = read_network(path / step / "trained.h5")
            train_errors, test_errors = f["trajectory/train_error"][()], f["trajectory/test_error"][()]
            change = f["trajectory/relative_weight_change"][()][-1]
        assert recorded == [0, 1, 2, 4, 8, 16, 20]
        layers, numpy_losses = gradient_descent(initial, INDEX[step], x, y, eta, PARAMS["GD_STEPS"])
        np.testing.assert_allclose(losses, [numpy_losses[t] for t in recorded], rtol=1e-12)
        for w, expected in zip(trained, layers):
            np.testing.assert_allclose(w, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
        assert train_errors[-1] == np.mean(sgn(forward(layers, x)) != y)
        assert test_errors[-1] == np.mean(sgn(forward(layers, x_test)) != y_test)
        moved = np.sqrt(sum(((layers[l] - initial[l]) ** 2).sum() for l in INDEX[step]))
        norm = np.sqrt(sum((initial[l] ** 2).sum() for l in INDEX[step]))
        assert abs(change - moved / norm) <= 1e-9 * moved / norm
        row = rows[(step, "net_trained")]
        assert (float(row["train_error"]), float(row["test_error"])) == (train_errors[-1], test_errors[-1])


def test_no_steps_is_the_initial_network(tmp_path):
    path = tmp_path / "run"
    make(path, {**PARAMS, **RUNS["chained"], "GD_STEPS": 0})
    rows = {(r["step"], r["model"]): (r["train_error"], r["test_error"]) for r in csv.DictReader(open(path / "results.csv"))}
    for step in RUNS["chained"]["LAYERS"].split():
        assert rows[(step, "net_trained")] == rows[(step, "net_init")]
        for w, w0 in zip(read_network(path / step / "trained.h5"), read_network(path / step / "network.h5")):
            assert np.array_equal(w, w0)


def refused(run_path, tmp_path, *options, layer="W1"):
    output = tmp_path / "trained.h5"
    result = run_stage("gradient-descent", "--truth", run_path / "truth.h5", "--network", run_path / "W1" / "network.h5",
                       "--layer", layer, *options, "--quiet", "-o", output)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert lines[0].startswith("ntk-gradient-descent: error: ")
    assert not output.exists() and not list(tmp_path.glob(".*.tmp"))
    return lines[0]


def test_a_huge_rate_never_writes_a_non_finite_number(chained, tmp_path):
    """η = 1e6 is far too large, yet the logistic loss of a ReLU network stays
    finite (its tail is linear, and the ReLUs die): the artifact is complete
    and finite. Where the loss does overflow (u, η = 1e308: f itself
    overflows), the stage stops, naming the step, and writes nothing."""
    path = chained
    output = tmp_path / "huge.h5"
    for layer in ("W1", "all"):
        result = run_stage("gradient-descent", "--truth", path / "truth.h5", "--network", path / "W1" / "network.h5",
                           "--layer", layer, "--rate", "1e6", "--steps", "50", "--quiet", "-o", output)
        assert result.returncode == 0, result.stderr
        with h5py.File(output) as f:
            f.visititems(lambda name, item: None if not isinstance(item, h5py.Dataset) or item.dtype.kind != "f"
                         else np.testing.assert_array_equal(np.isfinite(item[()]), True, err_msg=name))
    line = refused(path, tmp_path, "--rate", "1e308", "--steps", "50", layer="u")
    assert re.search(r"layer u: the loss became non-finite at step 1 of 50 \(η = 1e\+308\)", line), line


# Each bad value given with `=`, as make gives it (`--steps -1` would be refused by the
# parser as a missing value, before any range check): (option, what the message must name).
BAD_OPTIONS = [("--steps=-1", "--steps must be a whole number ≥ 0, got -1"),
               ("--steps=x", "'x' is invalid for '--steps"),
               ("--rate=-0.5", "'-0.5' is invalid for '--rate <rate>': not auto or a positive finite number"),
               ("--rate=0", "'0' is invalid for '--rate <rate>': not auto or a positive finite number"),
               ("--rate=nan", "'nan' is invalid for '--rate <rate>': not auto or a positive finite number"),
               ("--rate=inf", "'inf' is invalid for '--rate <rate>': not auto or a positive finite number"),
               ("--rate=fast", "'fast' is invalid for '--rate <rate>': not auto or a positive finite number"),
               ("--eigen-method=dense", "'dense' is invalid for '--eigen-method")]


@pytest.mark.parametrize("option, message", BAD_OPTIONS, ids=[o for o, _ in BAD_OPTIONS])
def test_bad_options_are_refused(chained, tmp_path, option, message):
    line = refused(chained, tmp_path, option)
    assert message in line, line


def test_a_negative_value_after_a_space_is_a_missing_value(chained, tmp_path):
    """Why the cases above use `=`: the parser reads `-1` as an option."""
    assert "Missing value for '--steps <steps>'" in refused(chained, tmp_path, "--steps", "-1")
