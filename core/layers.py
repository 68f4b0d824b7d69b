"""Stacking attention layers with residual connections (nanoGPT's Block.forward: x = x + attn(x))."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from core.multi_head import MultiHeadSelfAttention, to_torch_multihead


def stack_layers(X: torch.Tensor, layers: Sequence[Callable[[torch.Tensor], Any]]) -> tuple[list[torch.Tensor], list]:
    """Run X (..., n, d) through `layers` in turn, each adding its `.output` (..., n, d) to what it
    was given (a residual connection).

    Returns (inputs, results): inputs[i] (..., n, d) is what layer i received, inputs[-1] the final
    vectors (len(layers) + 1 tensors); results[i] is layer i's own result (weights, output, ...).
    """
    inputs, results = [X], []
    with torch.no_grad():
        for layer in layers:
            result = layer(inputs[-1])
            results.append(result)
            inputs.append(inputs[-1] + result.output)
    return inputs, results


def seeded_layers(d_model: int, n_heads: int, count: int, seed: int = 0) -> list[MultiHeadSelfAttention]:
    """`count` multi-head layers (d_model, n_heads), layer i seeded seed + 10·i (its W_q, W_k, W_v, W_o:
    seed + 10·i + 0 … 3), so adding a layer on top leaves the layers below unchanged."""
    return [MultiHeadSelfAttention(d_model, n_heads, seed=seed + 10 * i) for i in range(count)]


def residual_drift(inputs: Sequence[torch.Tensor]) -> list[float]:
    """How far each word has moved from the original embeddings after each layer: for i ≥ 1 the
    mean over words of ‖inputs[i] − inputs[0]‖ (inputs as returned by stack_layers, each (n, d));
    one number per layer."""
    return [float((x - inputs[0]).norm(dim=-1).mean()) for x in inputs[1:]]


def max_difference_to_torch(module, x: torch.Tensor) -> float:
    """Largest |difference| between our MultiHeadSelfAttention `module` on x (n, d_model) and
    torch.nn.MultiheadAttention holding the same weights, over the outputs (n, d_model) and the
    per-head weights (heads, n, n)."""
    with torch.no_grad():
        ours = module(x)
        theirs, their_weights = to_torch_multihead(module)(x[None], x[None], x[None], average_attn_weights=False)
    return max(float((theirs[0] - ours.output).abs().max()), float((their_weights[0] - ours.weights).abs().max()))
