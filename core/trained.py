"""Trained weights for the lessons that otherwise run seeded ones: a real encoder's heads, taken apart.

The Q, K, V and Multi-head pages compute with random (untrained) W_q, W_k, W_v; here are the same
matrices from a trained model (core.bert), shaped as those pages use them (X @ W), so one switch runs
the same computation with learned numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from core.bert import BertWeights, scaled_layer_norm
from core.multi_head import MultiHeadResult, multi_head_attention


class TrainedHead(NamedTuple):
    weights: dict[str, torch.Tensor]  # "W_q", "W_k", "W_v": (d_model, d_k), applied as X @ W
    biases: dict[str, torch.Tensor]  # "b_q", "b_k", "b_v": (d_k,)


def trained_head(model: BertWeights, layer: int, head: int, d_k: int) -> TrainedHead:
    """One real head's projections, sliced to d_k: layer `layer` (from 0), head `head` (from 0) owns rows
    head·d_head … (head + 1)·d_head − 1 of the layer's W_q, W_k, W_v (stored (out, in), as torch.nn.Linear);
    their first d_k rows, transposed to (d_model, d_k) so that Q = X @ W_q + b_q, as on the rest of this page.
    d_k = d_head is the whole head; a smaller d_k keeps only its first query and key dimensions."""
    config = model.config
    d_head = config.d_head
    if not (0 <= layer < config.num_hidden_layers and 0 <= head < config.num_attention_heads):
        shape = f"{config.num_hidden_layers} layers × {config.num_attention_heads} heads"
        raise ValueError(f"no head ({layer}, {head}) in a model of {shape}")
    if not 1 <= d_k <= d_head:
        raise ValueError(f"d_k must be between 1 and this model's head width {d_head}, got {d_k}")
    weights = model.layers[layer]
    rows = slice(head * d_head, head * d_head + d_k)
    matrices = {f"W_{x}": getattr(weights, f"w_{x}")[rows].T.float().cpu() for x in "qkv"}
    biases = {f"b_{x}": getattr(weights, f"b_{x}")[rows].float().cpu() for x in "qkv"}
    return TrainedHead(matrices, biases)


def model_inputs(model: BertWeights, rows: torch.Tensor) -> torch.Tensor:
    """What the model's first layer receives for these input-table rows (n, d_model), without position
    rows: row + the token-type row, then the model's own embedding LayerNorm (mean 0, variance 1, then its
    learned scale and shift). Positions are left out, as everywhere on the Q, K, V page."""
    rows = rows.to(model.device)
    x = rows + model.token_type_embeddings[0]
    return scaled_layer_norm(x, model.ln_weight, model.ln_bias, model.config.layer_norm_eps).float().cpu()


def model_layer(model: BertWeights, layer: int, x: torch.Tensor) -> MultiHeadResult:
    """Layer `layer`'s (from 0) self-attention on its input x (n, d_model), every head at once, through
    core.multi_head.multi_head_attention with the model's own weights and biases (transposed for x @ W):
    the per-head weights the model itself computes there."""
    w = model.layers[layer]
    return multi_head_attention(
        x.to(model.device), w.w_q.T, w.w_k.T, w.w_v.T, w.w_o.T, model.config.num_attention_heads,
        b_q=w.b_q, b_k=w.b_k, b_v=w.b_v, b_o=w.b_o,
    )  # fmt: skip
