"""The models attention replaced: an RNN/LSTM reads one token per step through one hidden state."""

from __future__ import annotations

import math

import torch
from torch import nn

from core.attention import scaled_dot_product_attention
from core.qkv import QKVProjection


def make_recurrent(kind: str, d_in: int, d_hidden: int, seed: int = 0) -> nn.RNNBase:
    """A seeded, untrained torch.nn.RNN (tanh) or torch.nn.LSTM with PyTorch's default init:
    every weight and bias ~ U(−1/√d_hidden, 1/√d_hidden), drawn from a local generator."""
    layer = {"rnn": nn.RNN, "lstm": nn.LSTM}[kind.lower()]
    # built on "meta" so the constructor's own init draws nothing from torch's global generator
    rnn = layer(d_in, d_hidden, batch_first=True, device="meta").to_empty(device="cpu")
    generator, bound = torch.Generator().manual_seed(seed), 1 / math.sqrt(d_hidden)
    with torch.no_grad():
        for weight in rnn.parameters():
            weight.uniform_(-bound, bound, generator=generator)
    return rnn


def hidden_states(rnn: nn.RNNBase, X: torch.Tensor) -> torch.Tensor:
    """X: (n, d_in) -> (n, d_hidden): the single state carried forward after each token."""
    with torch.no_grad():
        out, _ = rnn(X[None].to(next(rnn.parameters()).device))
    return out[0]


def first_token_influence(rnn: nn.RNNBase, X: torch.Tensor) -> float:
    """‖∂h_last / ∂x_first‖: how much the first input can still move the final state. X: (n, d_in)."""
    X = X.detach().clone().to(next(rnn.parameters()).device).requires_grad_(True)
    out, _ = rnn(X[None])
    jacobian_rows = [torch.autograd.grad(out[0, -1, i], X, retain_graph=True)[0][0] for i in range(out.shape[-1])]
    return float(torch.stack(jacobian_rows).norm())


def attention_first_token_influence(X: torch.Tensor, d_k: int, seed: int = 0) -> float:
    """The same measure for one self-attention layer: ‖∂y_last / ∂x_first‖ (one hop, any distance)."""
    projection = QKVProjection(X.shape[-1], d_k, seed=seed).to(X.device)
    X = X.detach().clone().requires_grad_(True)
    q, k, v = projection.project(X)
    y = scaled_dot_product_attention(q, k, v).output
    jacobian_rows = [torch.autograd.grad(y[-1, i], X, retain_graph=True)[0][0] for i in range(y.shape[-1])]
    return float(torch.stack(jacobian_rows).norm())


def influence_by_distance(
    kind: str, lengths: list[int], d_in: int = 16, d_hidden: int = 16, seed: int = 0, rnn: nn.RNNBase | None = None
) -> list[float]:
    """first_token_influence for random unit-variance inputs of each length (same seed throughout)."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(max(lengths), d_in, generator=generator)
    if kind == "attention":
        return [attention_first_token_influence(X[:n], d_hidden, seed) for n in lengths]
    rnn = rnn or make_recurrent(kind, d_in, d_hidden, seed)
    return [first_token_influence(rnn, X[:n]) for n in lengths]
