"""Why divide by √d_k: the spread of dot products grows with the dimension."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from core.attention import row_entropy, softmax


class ScalingStats(NamedTuple):
    d_k: int
    std_raw: float  # std of q·k for q, k with unit-variance entries (theory: √d_k)
    std_scaled: float  # std of q·k / √d_k (theory: 1)
    entropy_raw: float  # mean entropy (nats) of softmax rows without scaling
    entropy_scaled: float  # ... with scaling; log(n_keys) would be uniform
    max_weight_raw: float  # mean of each row's largest weight without scaling (→ 1: saturated)
    max_weight_scaled: float


def sample_scores(
    d_k: int, n_queries: int = 256, n_keys: int = 16, seed: int = 0, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """q·k for random q (n_queries, d_k) and k (n_keys, d_k) with N(0, 1) entries -> (n_queries, n_keys), unscaled."""
    generator = torch.Generator(device=device).manual_seed(seed)
    q = torch.randn(n_queries, d_k, generator=generator, device=device)
    k = torch.randn(n_keys, d_k, generator=generator, device=device)
    return q @ k.T


def dot_product_scaling(
    d_k: int, n_queries: int = 256, n_keys: int = 16, seed: int = 0, device: torch.device | str = "cpu"
) -> ScalingStats:
    """Sample random q (n_queries, d_k) and k (n_keys, d_k) ~ N(0, 1) and measure raw vs scaled scores."""
    raw = sample_scores(d_k, n_queries, n_keys, seed, device)
    scaled = raw / math.sqrt(d_k)
    w_raw, w_scaled = softmax(raw), softmax(scaled)
    return ScalingStats(
        d_k,
        float(raw.std()),
        float(scaled.std()),
        float(row_entropy(w_raw).mean()),
        float(row_entropy(w_scaled).mean()),
        float(w_raw.amax(-1).mean()),
        float(w_scaled.amax(-1).mean()),
    )


def sorted_weights_by_width(
    d_ks: list[int], n_queries: int = 256, n_keys: int = 16, seed: int = 0, device: torch.device | str = "cpu"
) -> dict[int, tuple[list[float], list[float]]]:
    """For each width, dot_product_scaling's sample seen from one query: each query's softmax weights sorted
    largest first, averaged over the queries, without and with √d_k -> {d_k: (raw (n_keys,), scaled (n_keys,))}.
    The first of each is that width's max_weight_raw / max_weight_scaled."""
    found = {}
    for d_k in d_ks:
        raw = sample_scores(d_k, n_queries, n_keys, seed, device)
        ranked = [softmax(s).sort(-1, descending=True).values.mean(0) for s in (raw, raw / math.sqrt(d_k))]
        found[d_k] = (ranked[0].tolist(), ranked[1].tolist())
    return found


def scaling_by_width(
    d_ks: list[int], n_queries: int = 256, n_keys: int = 16, seed: int = 0, device: torch.device | str = "cpu"
) -> dict[str, list[float]]:
    """dot_product_scaling at every width in d_ks, as columns of the same length: "d_k", one per
    ScalingStats field, and "std_theory" = √d_k (what std_raw should be)."""
    stats = [dot_product_scaling(d_k, n_queries, n_keys, seed, device) for d_k in d_ks]
    columns = {field: [getattr(s, field) for s in stats] for field in ScalingStats._fields}
    return {**columns, "std_theory": [math.sqrt(d_k) for d_k in d_ks]}
