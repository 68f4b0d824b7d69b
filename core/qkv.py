"""Learned projections: the parameters that turn first-principles attention into a layer."""

from __future__ import annotations

import math

import torch
from torch import nn

from core.attention import AttentionResult, scaled_dot_product_attention


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

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: (..., n, d_model) -> q, k: (..., n, d_k), v: (..., n, d_v)"""
        return x @ self.w_q, x @ self.w_k, x @ self.w_v

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, scale: bool = True, temperature: float = 1.0
    ) -> AttentionResult:
        q, k, v = self.project(x)
        return scaled_dot_product_attention(q, k, v, mask=mask, scale=scale, temperature=temperature)
