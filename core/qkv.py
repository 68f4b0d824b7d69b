"""Learned projections: the parameters that turn first-principles attention into a layer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from core.attention import AttentionResult, row_entropy, scaled_dot_product_attention, softmax


def init_projection(d_in: int, d_out: int, seed: int, device: torch.device | str | None = None) -> torch.Tensor:
    """A seeded (d_in, d_out) matrix with entries ~ N(0, 1/d_in), so x @ W keeps unit variance."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(d_in, d_out, generator=generator) / math.sqrt(d_in)).to(device)


class QKVProjection(nn.Module):
    """Q = X·W_q, K = X·W_k, V = X·W_v with seeded weights, then scaled dot-product attention."""

    def __init__(self, d_model: int, d_k: int, d_v: int | None = None, seed: int = 0):
        super().__init__()
        d_v = d_k if d_v is None else d_v
        self.w_q = nn.Parameter(init_projection(d_model, d_k, seed))
        self.w_k = nn.Parameter(init_projection(d_model, d_k, seed + 1))
        self.w_v = nn.Parameter(init_projection(d_model, d_v, seed + 2))

    def matrices(self) -> dict[str, torch.Tensor]:
        """The three weights by name, detached: W_q, W_k (d_model, d_k) and W_v (d_model, d_v)."""
        return {"W_q": self.w_q.detach(), "W_k": self.w_k.detach(), "W_v": self.w_v.detach()}

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: (..., n, d_model) -> q, k: (..., n, d_k), v: (..., n, d_v)"""
        return x @ self.w_q, x @ self.w_k, x @ self.w_v

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, scale: bool = True, temperature: float = 1.0
    ) -> AttentionResult:
        q, k, v = self.project(x)
        return scaled_dot_product_attention(q, k, v, mask=mask, scale=scale, temperature=temperature)


def project_qkv(
    X: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    w_v: torch.Tensor,
    biases: dict[str, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """X (..., n, d_model), W_q, W_k (d_model, d_k), W_v (d_model, d_v) -> Q, K (..., n, d_k), V (..., n, d_v).
    biases: {"b_q", "b_k", "b_v"} added after each product (a trained head has them; the seeded ones do not)."""
    q, k, v = X @ w_q, X @ w_k, X @ w_v
    if biases is None:
        return q, k, v
    return q + biases["b_q"], k + biases["b_k"], v + biases["b_v"]


class QKVSteps(NamedTuple):
    q: torch.Tensor  # (n, d_k)
    k: torch.Tensor  # (n, d_k)
    v: torch.Tensor  # (n, d_v)
    raw: torch.Tensor  # (n, n) QKᵀ before scaling, temperature and mask
    attention: AttentionResult  # scaled (and masked) scores, weights, output (n, d_v)


def qkv_attention_steps(
    X: torch.Tensor,
    w_q: torch.Tensor,
    w_k: torch.Tensor,
    w_v: torch.Tensor,
    mask: torch.Tensor | None = None,
    scale: bool = True,
    temperature: float = 1.0,
    biases: dict[str, torch.Tensor] | None = None,
) -> QKVSteps:
    """Every intermediate of one head on X (n, d_model): Q, K, V, the raw scores QKᵀ (n, n) and
    softmax(QKᵀ / √d_k / temperature, masked) with its output. biases: as project_qkv."""
    with torch.no_grad():
        q, k, v = project_qkv(X, w_q, w_k, w_v, biases)
        result = scaled_dot_product_attention(q, k, v, mask=mask, scale=scale, temperature=temperature)
        return QKVSteps(q, k, v, q @ k.transpose(-2, -1), result)


def attention_sharpness(weights: torch.Tensor) -> tuple[float, float]:
    """weights (..., n, n) -> (mean row entropy in nats, mean of each row's largest weight)."""
    return float(row_entropy(weights).mean()), float(weights.amax(-1).mean())


class ScalingEffect(NamedTuple):
    factor: float  # √d_k, what every score is divided by
    largest_raw: float  # the largest score of QKᵀ (masked cells left out)
    largest_scaled: float  # the same score divided by √d_k
    peak_raw: float  # mean of each row's largest weight, softmax of QKᵀ (temperature 1)
    peak_scaled: float  # the same, softmax of QKᵀ / √d_k


def scaling_effect(raw: torch.Tensor, d_k: int, mask: torch.Tensor | None = None) -> ScalingEffect:
    """What dividing the raw scores QKᵀ (n, n) by √d_k does: every score shrinks by the same factor, so their
    order (the pattern) stays and the softmax rows get less peaked. mask (n, n): True where a score is kept."""
    factor = math.sqrt(d_k)
    kept = raw if mask is None else raw.masked_fill(~mask, float("-inf"))
    largest = float(kept.max())
    peak_raw, peak_scaled = (float(softmax(kept / f).amax(-1).mean()) for f in (1.0, factor))
    return ScalingEffect(factor, largest, largest / factor, peak_raw, peak_scaled)


def weights_by_temperature(scores: torch.Tensor, temperatures: Sequence[float]) -> torch.Tensor:
    """softmax(scores / T) at each temperature: scores (n_q, n_k) scaled and masked (AttentionResult.scores,
    before the temperature) -> (len(temperatures), n_q, n_k), what the temperature control chooses among."""
    return torch.stack([softmax(scores, temperature=t) for t in temperatures])


def identical_rows(X: torch.Tensor, atol: float = 1e-3) -> list[list[int]]:
    """Groups (two or more, in order of first appearance) of rows of X (n, d) equal to within `atol`: layer
    normalisation makes vectors that differ only in size equal but for its ε (~10⁻⁴ apart). Those words get
    identical queries, keys, values and attention rows, whatever the weights."""
    close = (torch.cdist(X, X, p=math.inf) <= atol).tolist()  # (n, n): the largest |X_i − X_j| within atol
    groups: list[list[int]] = []
    for i in range(len(X)):
        group = next((g for g in groups if close[g[0]][i]), None)
        if group is None:
            groups.append([i])
        else:
            group.append(i)
    return [group for group in groups if len(group) > 1]


def top_targets(weights: torch.Tensor) -> list[int]:
    """weights (n_q, n_k) -> for each query row, the key with the largest weight."""
    return weights.argmax(-1).tolist()
