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
    # The constructor's own init (overwritten below) draws from torch's CPU generator: fork_rng puts it back as it
    # was. (Built on "meta" instead, its move imported torch.fx and sympy: half a second on first use.)
    with torch.random.fork_rng(devices=[]):
        rnn = layer(d_in, d_hidden, batch_first=True)
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


def first_token_influences(rnn: nn.RNNBase, X: torch.Tensor, lengths: list[int]) -> list[float]:
    """‖∂h_{n−1} / ∂x_0‖ for every n in lengths, from one forward and one backward pass.

    X: (max(lengths), d_in). A recurrent layer is causal, so the state after n tokens of X is the
    state after n tokens of X[:n]; each row b of the Jacobian gets its own copy of X in a batch of
    len(lengths) · d_hidden sequences. Computed in X's dtype: use float64 (rnn.double()) so that an
    influence of 1e-40 is measured instead of rounding to 0.
    """
    d_hidden = rnn.hidden_size
    batch = X.detach().to(next(rnn.parameters()).device)[None].repeat(len(lengths) * d_hidden, 1, 1)
    batch.requires_grad_(True)
    out, _ = rnn(batch)  # (len(lengths) · d_hidden, max n, d_hidden)
    rows = torch.arange(len(lengths) * d_hidden, device=batch.device)
    last = torch.as_tensor(lengths, device=batch.device).repeat_interleave(d_hidden) - 1
    (gradient,) = torch.autograd.grad(out[rows, last, rows % d_hidden].sum(), batch)
    jacobians = gradient[:, 0, :].reshape(len(lengths), d_hidden, -1)  # (lengths, d_hidden, d_in)
    return jacobians.flatten(1).norm(dim=1).tolist()


def attention_first_token_influences(X: torch.Tensor, lengths: list[int], d_k: int, seed: int = 0) -> list[float]:
    """attention_first_token_influence for X[:n], every n in lengths, one backward pass per length.

    X: (max(lengths), d_in), any float dtype (the seeded projection follows it).
    """
    projection = QKVProjection(X.shape[-1], d_k, seed=seed).to(X.device, X.dtype)
    influences = []
    for n in lengths:
        batch = X[:n].detach()[None].repeat(d_k, 1, 1).requires_grad_(True)  # one copy per output feature
        y = scaled_dot_product_attention(*projection.project(batch)).output  # (d_k, n, d_k)
        rows = torch.arange(d_k, device=X.device)
        (gradient,) = torch.autograd.grad(y[rows, -1, rows].sum(), batch)
        influences.append(float(gradient[:, 0, :].norm()))
    return influences


def influence_lengths(longest: int) -> list[int]:
    """The distances to measure up to `longest`: the powers of two from 2, then `longest` itself."""
    return sorted(({2**k for k in range(1, 8)} | {longest}) & set(range(2, longest + 1)))


def influence_curves(lengths: list[int], d_in: int = 16, d_hidden: int = 16, seed: int = 0) -> dict[str, list[float]]:
    """How much the first of n random inputs still moves the last output, for each n in lengths:
    {"RNN": [...], "LSTM": [...], "attention": [...]}, measured in float64 (no clamp, no underflow
    above about 1e-300). Random unit-variance inputs and untrained models, all from `seed`.
    """
    X = torch.randn(max(lengths), d_in, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    curves = {
        name: first_token_influences(make_recurrent(name, d_in, d_hidden, seed).double(), X, lengths)
        for name in ("RNN", "LSTM")
    }
    curves["attention"] = attention_first_token_influences(X, lengths, d_hidden, seed)
    return curves
