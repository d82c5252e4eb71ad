"""The peer of `bench.py --only kernel`: neural-tangents' kernel_fn (NTK
parameterisation, no bias; batched, float64, CPU) computes the infinite-width
tangent kernel of every layer at once ('ntk') on the training inputs of a truth
file: the work of ntk-infinite-kernel's K∞ for `all` (which weights each term
by its fan-in; make test-peers checks the two agree). Prints JSON: the time."""
import argparse
import json
import time

import h5py
import jax
import numpy as np

jax.config.update("jax_enable_x64", True)
import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    with h5py.File(args.truth) as f:
        x = f["inputs/train"][()]
    layers = []
    for _ in range(args.depth):
        layers += [stax.Dense(512, W_std=1.0, b_std=None, parameterization="ntk"), stax.Relu()]
    kernel_fn = stax.serial(*layers, stax.Dense(1, W_std=1.0, b_std=None, parameterization="ntk"))[2]
    batched = nt.batch(kernel_fn, batch_size=args.batch, store_on_device=False)
    t0 = time.perf_counter()
    k = np.asarray(batched(x, None, "ntk"))
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "shape": list(k.shape)}))


if __name__ == "__main__":
    main()
