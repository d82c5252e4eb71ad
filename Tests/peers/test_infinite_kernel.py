"""The infinite-width tangent kernel against neural-tangents (make test-peers).

The student is f(x) = uᵀ relu(W_L … relu(W_1 x)), no biases, every weight
N(0, 1/fan_in), features = gradients wrt the raw weights (the standard
parameterisation). With n_0 = d and n_l the hidden widths:

    Σ¹ = x·x′/d;  for l = 1 … L: q = √(Σˡ(x,x) Σˡ(x′,x′)), θ = arccos(clamp(Σˡ/q, −1, 1)),
    Σˡ⁺¹ = q/(2π)·(sin θ + (π − θ) cos θ),  Σ̇ˡ = (π − θ)/(2π);
    Θ_{W_l} = Σˡ Π_{k=l..L} Σ̇ᵏ,  Θ_u = Σᴸ⁺¹;  K∞ = n_{l−1}·Θ_{W_l} (n_L·Θ_u), summed for "all".

`theta_numpy` transcribes this; the tests establish, numerically, how it relates
to neural-tangents' stax.serial(Dense(n, W_std=1, b_std=None,
parameterization='ntk'), Relu(), …, Dense(1, …)):

* kernel_fn(…, 'ntk') = Σ_l Θ_{W_l} + Θ_u: the Θ terms WITHOUT the fan-in, and
  kernel_fn(…, 'nngp') = Θ_u = Σᴸ⁺¹ (tested to 1e-12; measured within 1.2e-14 of the largest entry).
* Each layer's share of 'ntk' is its Θ term: NT's kernel started from a layer's
  input with its 'ntk' set to zero (the layers below it contribute nothing)
  is the sum of the Θ terms from that layer up; successive differences are the
  terms, the last one is 'nngp'.
* At any finite width, the NTK-parameterised weight is Ŵ = √n_{l−1}·W, so the
  gradient wrt Ŵ is the standard one divided by √n_{l−1}, and NT's per-layer
  empirical kernel is ours divided by the fan-in, exactly
  (test_fan_in_relation_at_finite_width). Hence K∞ = n_{l−1} × NT's term.
* The diagonal: we take θ = 0 exactly when x′ is x (Θ(x,x) = |x|²/d·2^{−L} for
  every layer). NT computes θ from the rounded cosine there as well, so its
  K(x,x) is off by up to ~1e-8 relative (arctan2 of √(ε) instead of 0);
  the tests compare NT's diagonal to 1e-7 and everything else to 1e-12.

`theta_numpy` (Tests/support/infinite_kernel.py) is the transcription the
pipeline tests check ntk-infinite-kernel's files against; the last test here
checks the stage's files against neural-tangents directly.
"""
import os
import subprocess
from pathlib import Path

import h5py
import jax
import numpy as np
import pytest
from numpy.testing import assert_allclose

from infinite_kernel import theta_numpy

jax.config.update("jax_enable_x64", True)

import neural_tangents as nt  # noqa: E402  (after enabling float64)
from neural_tangents import stax  # noqa: E402

RTOL = 1e-12
REPO = Path(__file__).resolve().parents[2]


def assert_close(actual, expected, scale=None):
    """Within RTOL of each entry or of the kernel's scale (the largest entry by
    default): the kernels change sign, and entries near 0 are sums that cancel."""
    expected = np.asarray(expected)
    scale = np.abs(expected).max() if scale is None else scale
    assert_allclose(np.asarray(actual), expected, rtol=RTOL, atol=RTOL * scale)


def dense(width):
    return stax.Dense(width, W_std=1.0, b_std=None, parameterization="ntk")


def nt_network(depth, width=512):
    """NT's student: depth hidden Dense+Relu layers (the width does not enter the kernels)."""
    layers = []
    for _ in range(depth):
        layers += [dense(width), stax.Relu()]
    return stax.serial(*layers, dense(1))


def nt_layer_terms(x1, x2, depth):
    """NT's share of 'ntk' of each layer W_1 … W_L, u, by differencing: tail[l] is the
    kernel of the layers from W_{l+1} up (the input kernel of layer l with 'ntk' zeroed)."""
    tails = []
    for l in range(depth + 1):
        below = [layer for _ in range(l) for layer in (dense(512), stax.Relu())]
        above = [layer for _ in range(l, depth) for layer in (dense(512), stax.Relu())] + [dense(1)]
        kernel = stax.serial(*below)[2](x1, x2) if below else None
        if kernel is None:
            tails.append(np.asarray(stax.serial(*above)[2](x1, x2, "ntk")))
        else:
            kernel = kernel.replace(ntk=np.zeros_like(kernel.nngp))
            tails.append(np.asarray(stax.serial(*above)[2](kernel).ntk))
    return [tails[l] - tails[l + 1] for l in range(depth)] + [tails[depth]], tails


def inputs(n, d, seed):
    return np.random.default_rng(seed).standard_normal((n, d))


CASES = [(d, depth) for d in (2, 5, 25) for depth in (1, 2, 3, 4)]


@pytest.mark.parametrize("d,depth", CASES)
def test_total_ntk_and_nngp(d, depth):
    x1, x2 = inputs(40, d, seed=d * 10 + depth), inputs(30, d, seed=d * 10 + depth + 5)
    widths = [7] * depth
    k = nt_network(depth)[2](x1, x2, ("nngp", "ntk"))
    assert_close(k.ntk, theta_numpy(x1, widths, "all", x2))
    assert_close(k.nngp, theta_numpy(x1, widths, depth, x2))


@pytest.mark.parametrize("d,depth", CASES)
def test_per_layer_terms(d, depth):
    x1, x2 = inputs(25, d, seed=d + depth), inputs(20, d, seed=d + depth + 100)
    widths = [3 + 5 * l for l in range(depth)]  # K∞ per layer: the fan-in times NT's term
    terms, tails = nt_layer_terms(x1, x2, depth)
    assert_close(tails[0], nt_network(depth)[2](x1, x2, "ntk"))
    scale = np.abs(tails[0]).max()  # a difference of tails is exact to the rounding of the tails
    fan_ins = [d] + widths
    for l, term in enumerate(terms):
        assert_close(theta_numpy(x1, widths, l, x2), term, scale)
        assert_close(theta_numpy(x1, widths, l, x2, fan_in=True), fan_ins[l] * term, scale * fan_ins[l])
    assert_close(sum(theta_numpy(x1, widths, l, x2) for l in range(depth + 1)), theta_numpy(x1, widths, "all", x2))


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_symmetric_kernel_and_its_diagonal(depth):
    d = 25
    x = inputs(200, d, seed=depth)
    ours = theta_numpy(x, [9] * depth, "all")
    theirs = np.asarray(nt_network(depth)[2](x, None, "ntk"))
    off = ~np.eye(len(x), dtype=bool)
    assert_close(ours[off], theirs[off])
    # Ours: θ = 0, every one of the L + 1 terms |x|²/d·2^{−L}.
    exact = (x * x).sum(1) / d / 2**depth * (depth + 1)
    assert_allclose(np.diag(ours), exact, rtol=4e-16)
    # NT's: the arccos of a rounded 1 (measured up to 1.3e-8 at depth 3).
    assert_allclose(np.diag(theirs), exact, rtol=1e-7)


@pytest.mark.parametrize("widths", [[7], [6, 4], [5, 8, 3]])
def test_fan_in_relation_at_finite_width(widths):
    """A finite NT network (NTK parameterisation) and the same network in the standard
    parameterisation (W = Ŵ/√fan_in): NT's per-layer kernel = ours / fan-in."""
    d, depth = 4, len(widths)
    layers = []
    for w in widths:
        layers += [dense(w), stax.Relu()]
    init_fn, apply_fn, _ = stax.serial(*layers, dense(1))
    x = inputs(9, d, seed=len(widths))
    _, params = init_fn(jax.random.PRNGKey(depth), x.shape)
    weights = [p[0] for p in params if p]  # Ŵ_l, stored in × out
    assert len(weights) == depth + 1

    # NT: the Jacobian of f wrt each Ŵ, per sample.
    def f(ws):
        it = iter(ws)
        return apply_fn([(next(it), None) if p else () for p in params], x)[:, 0]
    assert_allclose(np.asarray(f(weights)), np.asarray(apply_fn(params, x))[:, 0], rtol=RTOL)
    jacobians = jax.jacrev(f)(weights)
    nt_kernels = [np.einsum("sij,tij->st", j, j) for j in jacobians]

    # Ours: ∂f/∂W_l = δ_l z_{l−1}ᵀ with W_l = Ŵ_lᵀ/√n_{l−1} (outputs × inputs).
    fan_ins = [d] + widths
    ws = [np.asarray(w).T / np.sqrt(n) for w, n in zip(weights, fan_ins)]
    zs, hs = [x], []
    for w in ws[:-1]:
        hs.append(zs[-1] @ w.T)
        zs.append(np.maximum(hs[-1], 0))
    deltas = [np.ones((len(x), 1))]
    for l in range(depth - 1, -1, -1):
        deltas.insert(0, (deltas[0] @ ws[l + 1]) * (hs[l] > 0))
    for l in range(depth + 1):
        ours = (deltas[l] @ deltas[l].T) * (zs[l] @ zs[l].T)
        assert_allclose(nt_kernels[l], ours / fan_ins[l], rtol=1e-12, atol=1e-14 * np.abs(ours).max())
    assert_allclose(sum(nt_kernels), np.asarray(nt.empirical_ntk_fn(apply_fn, trace_axes=(-1,))(x, None, params)),
                    rtol=1e-10)


def test_special_pairs():
    """Parallel (norms powers of two: exact), antiparallel and orthogonal inputs."""
    x = np.array([[1.0, 1, 1, 1]])
    others = np.array([[2.0, 2, 2, 2], [-1.0, -1, -1, -1], [1.0, -1, 1, -1]])
    for depth in (1, 2, 3):
        ours = theta_numpy(x, [5] * depth, "all", others)
        theirs = np.asarray(nt_network(depth)[2](x, others, "ntk"))
        assert_close(ours, theirs)
        assert ours[0, 0] == 2.0 / 2**depth * (depth + 1)  # Q = |x||x′|/d = 2, every term Q·2^{−L}


def make_run(run, **params):
    """The pipeline through make (BASELINES=infinite), outside any enclosing make."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k not in ("MFLAGS", "GNUMAKEFLAGS")}
    arguments = [f"{k}={v}" for k, v in {"RUN": run, "BASELINES": "infinite", **params}.items()]
    subprocess.run(["make", "-s", *arguments], cwd=REPO, env=env, check=True, capture_output=True, timeout=600)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_the_stage_against_neural_tangents(depth, tmp_path):
    """ntk-infinite-kernel's stored K∞ of every layer and of all, against NT's
    per-layer terms times the fan-in (unequal widths, so the fan-ins differ)."""
    d, widths = 6, [4 + 3 * l for l in range(depth)]
    names = [f"W{l + 1}" for l in range(depth)] + ["u"]
    common = {"D": d, "WIDTHS": ",".join(map(str, widths)), "M": 30, "M_TEST": 10}
    make_run(tmp_path / "steps", LAYERS=" ".join(names), INIT_SEEDS=" ".join(map(str, range(depth + 1))), **common)
    make_run(tmp_path / "all", LAYERS="all", INIT_SEEDS="0", **common)
    with h5py.File(tmp_path / "steps" / "truth.h5") as f:
        x = f["inputs/train"][()]
    terms, tails = nt_layer_terms(x, x, depth)
    off_diagonal = ~np.eye(len(x), dtype=bool)  # NT's diagonal is inexact (see above)
    fan_ins = [d] + widths
    for l, name in enumerate(names):
        with h5py.File(tmp_path / "steps" / name / "infinite.h5") as f:
            kernel = f["kernel"][()]
        expected = fan_ins[l] * terms[l]
        assert_close(kernel[off_diagonal], expected[off_diagonal], fan_ins[l] * np.abs(tails[0]).max())
    with h5py.File(tmp_path / "all" / "all" / "infinite.h5") as f:
        kernel = f["kernel"][()]
    expected = sum(fan_ins[l] * terms[l] for l in range(depth + 1))
    assert_close(kernel[off_diagonal], expected[off_diagonal], max(fan_ins) * np.abs(tails[0]).max())
