"""Multi-head attention: split d_model into heads, attend in each, put the heads back side by side.

Shapes: x is (..., n, d_model); per-head tensors are (..., heads, n, d_model / heads).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from core.attention import scaled_dot_product_attention
from core.qkv import init_projection
from core.tensors import ArrayLike, as_tensor


class MultiHeadResult(NamedTuple):
    scores: torch.Tensor  # (..., heads, n, n)
    weights: torch.Tensor  # (..., heads, n, n) one attention map per head
    output: torch.Tensor  # (..., n, d_model) after the output projection W_o
    concat: torch.Tensor  # (..., n, d_model) the heads' outputs side by side, before W_o


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(..., n, d_model) -> (..., heads, n, d_model / heads): each head gets its own column block."""
    *batch, n, d_model = x.shape
    if d_model % n_heads:
        raise ValueError(f"d_model={d_model} is not divisible by heads={n_heads}")
    return x.reshape(*batch, n, n_heads, d_model // n_heads).transpose(-3, -2)


def head_counts(d_model: int) -> list[int]:
    """The numbers of heads that split d_model evenly (its divisors), smallest first."""
    return [h for h in range(1, d_model + 1) if d_model % h == 0]


def column_owners(d_model: int, n_heads: int) -> list[int]:
    """(d_model,) the head (from 0) that owns each column of Q, K and V: split_heads gives head h the
    d_head = d_model / n_heads columns h·d_head … (h + 1)·d_head − 1."""
    if d_model % n_heads:
        raise ValueError(f"d_model={d_model} is not divisible by heads={n_heads}")
    return [column // (d_model // n_heads) for column in range(d_model)]


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(..., heads, n, d_head) -> (..., n, heads * d_head): the heads' outputs side by side."""
    *batch, n_heads, n, d_head = x.shape
    return x.transpose(-3, -2).reshape(*batch, n, n_heads * d_head)


def multi_head_attention(
    x: ArrayLike,
    w_q: ArrayLike,
    w_k: ArrayLike,
    w_v: ArrayLike,
    w_o: ArrayLike,
    n_heads: int,
    mask: ArrayLike | None = None,
    b_q: ArrayLike | None = None,
    b_k: ArrayLike | None = None,
    b_v: ArrayLike | None = None,
    b_o: ArrayLike | None = None,
) -> MultiHeadResult:
    """Self-attention with several heads: project, split, attend per head, concat, project.

    x: (..., n, d_model); w_q, w_k, w_v, w_o: (d_model, d_model), applied as x @ W (+ b).
    """
    x = as_tensor(x)

    def project(w: ArrayLike, b: ArrayLike | None) -> torch.Tensor:
        y = x @ as_tensor(w, like=x)
        return y if b is None else y + as_tensor(b, like=x)

    q, k, v = (split_heads(project(w, b), n_heads) for w, b in ((w_q, b_q), (w_k, b_k), (w_v, b_v)))
    per_head = scaled_dot_product_attention(q, k, v, mask=mask)
    concat = merge_heads(per_head.output)
    output = concat @ as_tensor(w_o, like=x)
    if b_o is not None:
        output = output + as_tensor(b_o, like=x)
    return MultiHeadResult(per_head.scores, per_head.weights, output, concat)


class MultiHeadSelfAttention(nn.Module):
    """Seeded W_q, W_k, W_v, W_o of shape (d_model, d_model), heads splitting d_model."""

    def __init__(self, d_model: int, n_heads: int, seed: int = 0):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} is not divisible by heads={n_heads}")
        self.n_heads = n_heads
        self.w_q, self.w_k, self.w_v, self.w_o = (
            nn.Parameter(init_projection(d_model, d_model, seed + i)) for i in range(4)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> MultiHeadResult:
        return multi_head_attention(x, self.w_q, self.w_k, self.w_v, self.w_o, self.n_heads, mask=mask)


def to_torch_multihead(module: MultiHeadSelfAttention) -> nn.MultiheadAttention:
    """The same weights inside torch.nn.MultiheadAttention (which computes x Wᵀ, hence the .T)."""
    d_model = module.w_q.shape[0]
    # Its own random init (overwritten below) draws from torch's CPU generator, which fork_rng puts back as it was.
    # (Built on "meta" instead, its move to a device imported torch.fx and sympy: half a second on first use.)
    with torch.random.fork_rng(devices=[]):
        reference = nn.MultiheadAttention(d_model, module.n_heads, bias=False, batch_first=True)
    reference = reference.to(module.w_q.device)
    with torch.no_grad():
        reference.in_proj_weight.copy_(torch.cat([module.w_q.T, module.w_k.T, module.w_v.T]))
        reference.out_proj.weight.copy_(module.w_o.T)
    return reference


def strongest_keys(weights: torch.Tensor) -> torch.Tensor:
    """weights (heads, n, n) -> (heads, n): for each head and each word attending, the word it weights most."""
    return weights.argmax(-1)


def most_contested_row(weights: torch.Tensor) -> int:
    """weights (heads, n, n) -> the row (word attending) whose strongest key differs across the most heads
    (the first such row on a tie): the word on which the heads disagree most."""
    keys = strongest_keys(weights)
    distinct = [len(set(keys[:, i].tolist())) for i in range(keys.shape[1])]
    return distinct.index(max(distinct))
