"""The peer of `bench.py --only descent`: JAX (jit-compiled, float64, CPU) runs
the same full-batch gradient descent on the mean logistic loss, from the same
weights, with the same η and T, as ntk-gradient-descent. Prints JSON: the
compile time, the time of the T steps, the final loss and the largest
relative difference of θ_T from ours."""
import argparse
import json
import time

import h5py
import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("network")
    ap.add_argument("--layer", type=int, required=True, help="index into W1 … WL, u")
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--compare", help="ntk-gradient-descent's trained.h5")
    args = ap.parse_args()
    with h5py.File(args.truth) as f:
        x, y = jnp.asarray(f["inputs/train"][()]), jnp.asarray(f["labels/train"][()])
    with h5py.File(args.network) as f:
        layers = [jnp.asarray(f[f"network/{n}"][()]) for n in f["network"].attrs["layer_names"]]
    k = args.layer

    def loss(theta, layers):
        z = x
        for l, w in enumerate(layers[:-1]):
            z = jax.nn.relu(z @ (theta if l == k else w).T)
        out = (z @ (theta if k == len(layers) - 1 else layers[-1]).T)[:, 0]
        return jnp.mean(jnp.logaddexp(0.0, -y * out))

    @jax.jit
    def descend(theta, layers):
        step = lambda _, t: t - args.rate * jax.grad(loss)(t, layers)
        return jax.lax.fori_loop(0, args.steps, step, theta)

    t0 = time.perf_counter()
    compiled = descend.lower(layers[k], layers).compile()
    t1 = time.perf_counter()
    theta = compiled(layers[k], layers).block_until_ready()
    t2 = time.perf_counter()
    result = {"compile_s": t1 - t0, "steps_s": t2 - t1, "final_loss": float(loss(theta, layers))}
    if args.compare:
        with h5py.File(args.compare) as f:
            ours = f[f"network/{f['network'].attrs['layer_names'][k]}"][()]
        result["theta_rel_diff"] = float(np.abs(ours - np.asarray(theta)).max() / np.abs(ours).max())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
