"""krr_infinite (ntk-infinite-kernel) against neural-tangents' infinite-time
ensemble of networks trained by gradient descent on the squared loss,
`predict.gradient_descent_mse_ensemble(kernel_fn, x_train, y_train,
diag_reg=r, diag_reg_absolute_scale=False)` at t = None (make test-peers).

The ridge: NT regularises K + r·(tr K / n)·I when diag_reg_absolute_scale is
False, which is KRR_RIDGE's λ = r·tr(K∞)/m exactly. The kernel: with every
fan-in equal (D = every width = w), K∞ of "all" is w times NT's 'ntk' (see
test_infinite_kernel.py), and a common factor of the kernel leaves a
relatively regularised KRR unchanged; the output layer u alone is
w·Θ_u = w times NT's 'nngp', whose ensemble mean (get='nngp') is the NNGP
posterior mean, the same regression with that kernel.

Tolerance 1e-8 relative on the test MSE: NT's diagonal K(x, x) is computed
from a rounded cosine and is off by up to ~1e-8 relative
(test_infinite_kernel.py), which the ridge r = 0.1 of the mean diagonal damps;
measured 1.1e-10 ('ntk', depth 1) and 2e-15 ('nngp', exact diagonal)."""
import os
import subprocess
from pathlib import Path

import h5py
import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
RIDGE = 0.1
TOLERANCE = 1e-8


def nt_network(depth, width=512):
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(width, W_std=1.0, b_std=None, parameterization="ntk"), stax.Relu()]
    return stax.serial(*layers, stax.Dense(1, W_std=1.0, b_std=None, parameterization="ntk"))


def make_run(run, **params):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k not in ("MFLAGS", "GNUMAKEFLAGS")}
    arguments = [f"{k}={v}" for k, v in {"RUN": run, "BASELINES": "infinite", **params}.items()]
    subprocess.run(["make", "-s", *arguments], cwd=REPO, env=env, check=True, capture_output=True, timeout=600)


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("layer,get", [("all", "ntk"), ("u", "nngp")])
def test_krr_is_neural_tangents_gradient_descent_ensemble(depth, layer, get, tmp_path):
    width = 5
    names = [f"W{l + 1}" for l in range(depth)] + ["u"]
    steps = {"all": ("all", "0"), "u": (" ".join(names), " ".join(map(str, range(depth + 1))))}[layer]
    make_run(tmp_path, D=width, WIDTHS=",".join([str(width)] * depth), M=120, M_TEST=300, KRR_RIDGE=RIDGE,
             LAYERS=steps[0], INIT_SEEDS=steps[1])
    with h5py.File(tmp_path / "truth.h5") as f:
        x, y = f["inputs/train"][()], f["labels/train"][()]
        x_test, y_test = f["inputs/test"][()], f["labels/test"][()]
    with h5py.File(tmp_path / layer / "infinite.h5") as f:
        models = [m.decode() for m in f["errors/model"][()]]
        k = models.index("krr_infinite")
        ours = {"train": f["errors/train_error"][k], "test": f["errors/test_error"][k], "mse": f["errors/test_mse"][k]}
        assert f["krr"].attrs["krr_ridge"] == RIDGE
    predict = nt.predict.gradient_descent_mse_ensemble(
        nt_network(depth)[2], x, y[:, None], diag_reg=RIDGE, diag_reg_absolute_scale=False)
    f_test = np.asarray(predict(t=None, x_test=x_test, get=get, compute_cov=False))[:, 0]
    f_train = np.asarray(predict(t=None, x_test=x, get=get, compute_cov=False))[:, 0]
    np.testing.assert_allclose(ours["mse"], np.mean((f_test - y_test) ** 2), rtol=TOLERANCE)
    # Signs: equal wherever NT's decision is not within the tolerance of 0.
    scale = np.abs(f_test).max()
    sure = np.abs(f_test) > TOLERANCE * scale
    assert abs(ours["test"] - np.mean(np.sign(f_test) != y_test)) <= np.sum(~sure) / len(y_test)
    assert abs(ours["train"] - np.mean(np.sign(f_train) != y)) <= np.sum(np.abs(f_train) <= TOLERANCE) / len(y)
