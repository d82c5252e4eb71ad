"""The trained baseline (ntk-gradient-descent) against JAX: jax.grad of the
same mean logistic loss in float64, from the same initial weights, with the
same η and T, for depth 1 to 3, each single layer and all (make test-peers).
Required: θ_T to 1e-9 relative, losses to 1e-12, identical 0-1 errors."""
import h5py
import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

from test_infinite_kernel import make_run  # noqa: E402  (after enabling float64)

STEPS = 40


def read_layers(path):
    with h5py.File(path) as f:
        return [f[f"network/{name}"][()] for name in f["network"].attrs["layer_names"]]


def f(layers, x):
    z = x
    for w in layers[:-1]:
        z = jax.nn.relu(z @ w.T)
    return (z @ layers[-1].T)[:, 0]


def loss(layers, x, y):
    return jnp.mean(jnp.logaddexp(0.0, -y * f(layers, x)))


def jax_descent(layers, selected, x, y, eta, steps):
    """θ_{t+1} = θ_t − η ∇L(θ_t) on the selected layers; the losses at every step."""
    grad = jax.jit(jax.grad(loss))
    layers = [jnp.asarray(w) for w in layers]
    losses = []
    for t in range(steps + 1):
        losses.append(float(loss(layers, x, y)))
        if t == steps:
            break
        g = grad(layers, x, y)
        layers = [w - eta * g[l] if l in selected else w for l, w in enumerate(layers)]
    return [np.asarray(w) for w in layers], losses


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_trajectory_against_jax(depth, tmp_path):
    widths = [6 + 2 * l for l in range(depth)]
    names = [f"W{l + 1}" for l in range(depth)] + ["u"]
    common = {"D": 4, "WIDTHS": ",".join(map(str, widths)), "M": 40, "M_TEST": 60, "BASELINES": "trained",
              "GD_STEPS": STEPS, "TEACHER_SEED": 31}
    make_run(tmp_path / "steps", LAYERS=" ".join(names), INIT_SEEDS=" ".join(map(str, range(depth + 1))), **common)
    make_run(tmp_path / "all", LAYERS="all", INIT_SEEDS="0", **common)
    with h5py.File(tmp_path / "steps" / "truth.h5") as truth:
        x, y = truth["inputs/train"][()], truth["labels/train"][()]
        x_test, y_test = truth["inputs/test"][()], truth["labels/test"][()]
    cases = [(tmp_path / "steps" / name, [l]) for l, name in enumerate(names)]
    cases.append((tmp_path / "all" / "all", list(range(depth + 1))))
    for folder, selected in cases:
        initial = read_layers(folder / "network.h5")
        with h5py.File(folder / "trained.h5") as trained:
            eta = trained.attrs["learning_rate"]
            recorded = trained["trajectory/step"][()]
            losses = trained["trajectory/loss"][()]
            train_errors, test_errors = trained["trajectory/train_error"][()], trained["trajectory/test_error"][()]
        final = read_layers(folder / "trained.h5")
        expected, jax_losses = jax_descent(initial, selected, x, y, eta, STEPS)
        np.testing.assert_allclose(losses, np.asarray(jax_losses)[recorded], rtol=1e-12, atol=0)
        for w, e in zip(final, expected):
            np.testing.assert_allclose(w, e, rtol=1e-9, atol=1e-9 * np.abs(e).max())
        sgn = lambda a: np.where(np.asarray(a) > 0, 1.0, -1.0)  # noqa: E731
        assert train_errors[-1] == np.mean(sgn(f(expected, x)) != y)
        assert test_errors[-1] == np.mean(sgn(f(expected, x_test)) != y_test)
