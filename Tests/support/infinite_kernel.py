"""A numpy transcription of the infinite-width tangent kernel (the arc-cosine
recursion): the oracle of the pipeline tests, itself checked against
neural-tangents by Tests/peers (make test-peers).

    Σ¹ = x·x′/d;  for l = 1 … L: q = √(Σˡ(x,x) Σˡ(x′,x′)), θ = arccos(clamp(Σˡ/q, −1, 1)),
    Σˡ⁺¹ = q/(2π)·(sin θ + (π − θ) cos θ),  Σ̇ˡ = (π − θ)/(2π);
    Θ_{W_l} = Σˡ Π_{k=l..L} Σ̇ᵏ,  Θ_u = Σᴸ⁺¹;  K∞ = n_{l−1}·Θ_{W_l} (n_L·Θ_u), summed for "all".
"""
import numpy as np


def theta_numpy(x, widths, layer, x2=None, fan_in=False):
    """Θ between the rows of x (n × d) and of x2 (x itself when None) for `layer`:
    an index into [W_1 … W_L, u] (L = len(widths) is u), a range of them, or "all".
    With fan_in=True, K∞: each term times its fan-in n_{l−1} (n_0 = d).
    For x2 None, entries pairing a sample with itself take θ = 0 exactly."""
    x = np.asarray(x, dtype=np.float64)
    symmetric = x2 is None
    x2 = x if symmetric else np.asarray(x2, dtype=np.float64)
    d, depth = x.shape[1], len(widths)
    selected = range(depth + 1) if layer == "all" else range(layer, layer + 1) if isinstance(layer, int) else layer
    fan_ins = [d] + list(widths)

    sigma = x @ x2.T / d  # Σ¹
    diag1, diag2 = (x * x).sum(1) / d, (x2 * x2).sum(1) / d  # Σ¹(x,x), Σ¹(x′,x′)
    sigmas, dots = [sigma], []
    for _ in range(depth):
        q = np.sqrt(np.outer(diag1, diag2))
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = np.arccos(np.clip(np.where(q > 0, sigma / q, 0.0), -1, 1))
        if symmetric:
            np.fill_diagonal(theta, 0.0)
        dots.append((np.pi - theta) / (2 * np.pi))
        sigma = q / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
        diag1, diag2 = diag1 / 2, diag2 / 2  # Σˡ⁺¹(x,x) = Σˡ(x,x)/2: θ = 0 on the diagonal
        sigmas.append(sigma)

    total = np.zeros_like(sigmas[0])
    for l in selected:
        term = sigmas[l] * np.prod(dots[l:], axis=0) if l < depth else sigmas[depth]
        total += (fan_ins[l] if fan_in else 1) * term
    return total
