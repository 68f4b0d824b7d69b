"""The short plain-torch scripts that the pure-math pages offer for download: one function per page,
each returning a script that recomputes the page's numbers from its current inputs (tensors written
as literals, rounded by ui.export.literal). tests/test_snippets.py runs each one against core/."""

from __future__ import annotations

from functools import cache
from inspect import getsource

import torch

from core.positional import sinusoidal_at, sinusoidal_encoding
from ui.export import literal

source_once = cache(getsource)  # core's source does not change while the server runs: read it once (~1 ms a rerun)

# core.qkv.init_projection without its device argument: the seeded matrices the Q/K/V and multi-head pages use
INIT = """def init(d_in, d_out, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(d_in, d_out, generator=generator) / math.sqrt(d_in)
"""


def first_principles(E: torch.Tensor, words: list[str], temperature: float) -> str:
    """Scores, weights and outputs of parameter-free attention for E (n, d), one row per word."""
    return (
        f"import torch\n\nE = {literal(E)}  # one row per word: {' '.join(words)}\nT = {temperature!r}"
        "\n\nscores = E @ E.T\nweights = torch.softmax(scores / T, dim=-1)\noutput = weights @ E\n"
    )


def similarity(E: torch.Tensor, words: list[str], metric: str) -> str:
    """The cosine or dot-product similarity matrix (n, n) of the word vectors E (n, d)."""
    return (
        f"import torch\n\nE = {literal(E)}  # rows: {' '.join(words)}\n"
        + ("unit = E / E.norm(dim=-1, keepdim=True)" if metric == "cosine" else "unit = E")
        + "\nsimilarity = unit @ unit.T\n"
    )


def positional(n_positions: int, d_model: int, base: float) -> str:
    """The sinusoidal encoding (n_positions, d_model), with core's own functions copied in."""
    return (
        f"import torch\n\n\n{source_once(sinusoidal_encoding)}\n\n{source_once(sinusoidal_at)}\n\n"
        f"pe = sinusoidal_encoding({n_positions}, {d_model}, {base!r})\n"
    )


def qkv(
    X: torch.Tensor,
    words: list[str],
    weights: dict[str, torch.Tensor] | None,
    *,
    d_k: int,
    seed: int,
    scale: bool,
    causal: bool,
    temperature: float,
) -> str:
    """One head on the layer-normalised X (n, d_model): Q, K, V, the (scaled, masked) scores and
    softmax, output (n, d_k). `weights` {"W_q": ..., ...} (d_model, d_k) are written out when they
    were edited; None regenerates the lab's seeded ones."""
    d_model = X.shape[-1]
    made = (
        f"W_q, W_k, W_v = (init({d_model}, {d_k}, {seed} + i) for i in range(3))  # the lab's seeded matrices"
        if weights is None
        else "\n".join(f"{name} = {literal(w)}" for name, w in weights.items())
    )
    mask = "scores = scores.masked_fill(~torch.ones(len(X), len(X), dtype=torch.bool).tril(), float('-inf'))\n"
    return f"""import math
import torch


{INIT}

X = {literal(X)}  # layer-normalised embeddings of: {" ".join(words)}
{made}
Q, K, V = X @ W_q, X @ W_k, X @ W_v
scores = Q @ K.T{f" / math.sqrt({d_k})" if scale else ""}
{mask if causal else ""}weights = torch.softmax(scores / {temperature!r}, dim=-1)
output = weights @ V
"""


def multi_head(X: torch.Tensor, words: list[str], *, positions: bool, layers: int, heads: int, seed: int) -> str:
    """`layers` stacked multi-head layers with residual connections on X (n, d_model): every
    layer's weights (heads, n, n) and the final vectors (n, d_model)."""
    d_model = X.shape[-1]
    return f"""import math
import torch


{INIT}

def multi_head(x, W_q, W_k, W_v, W_o, heads):
    n, d = x.shape
    q, k, v = ((x @ W).reshape(n, heads, d // heads).transpose(0, 1) for W in (W_q, W_k, W_v))
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // heads), dim=-1)
    return (weights @ v).transpose(0, 1).reshape(n, d) @ W_o, weights


X = {literal(X)}  # input (layer norm{" + positions" if positions else ""}) of: {" ".join(words)}
x, weights = X, []
for layer in range({layers}):
    out, w = multi_head(x, *(init({d_model}, {d_model}, {seed} + 10 * layer + i) for i in range(4)), {heads})
    weights.append(w)
    x = x + out  # residual
final = x
"""
