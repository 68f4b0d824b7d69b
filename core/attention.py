"""Self-attention, step by step: scores -> softmax -> weighted sum.

Shapes: `E`, `q`, `k`, `v` are (..., n, d); scores and weights are (..., n, n), where row i says
how much token i attends to every token j.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from core.embeddings import Vocabulary, embed, nearest_neighbours
from core.tensors import ArrayLike, as_tensor


class AttentionResult(NamedTuple):
    scores: torch.Tensor  # (..., n, n) before softmax (after scaling and masking)
    weights: torch.Tensor  # (..., n, n) each row sums to 1
    output: torch.Tensor  # (..., n, d_v)


def softmax(x: ArrayLike, dim: int = -1, temperature: float = 1.0) -> torch.Tensor:
    """softmax(x / T): exp of each entry divided by the sum of exps along `dim`.

    torch.softmax subtracts the row maximum first, which leaves the result unchanged but keeps
    exp() from overflowing for huge logits. A row that is entirely -inf (fully masked) attends
    to nothing: all zeros instead of 0/0.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    x = as_tensor(x)
    weights = torch.softmax(x if temperature == 1.0 else x / temperature, dim)
    return weights.nan_to_num_(0.0) if x.dtype.is_floating_point and not torch.isfinite(x).all() else weights


def weighted_sum(weights: ArrayLike, values: ArrayLike) -> torch.Tensor:
    """y_i = sum_j w_ij v_j for every i at once: (..., n, n) @ (..., n, d) -> (..., n, d)."""
    values = as_tensor(values)
    return as_tensor(weights, like=values) @ values


def normalise_rows(weights: ArrayLike) -> torch.Tensor:
    """Rescale non-negative rows so each sums to 1 (an all-zero row becomes uniform)."""
    w = as_tensor(weights).clamp_min(0)
    sums = w.sum(-1, keepdim=True)
    uniform = torch.full_like(w, 1.0 / w.shape[-1])
    return torch.where(sums > 0, w / sums.clamp_min(torch.finfo(w.dtype).tiny), uniform)


def first_principles_attention(E: ArrayLike, temperature: float = 1.0) -> AttentionResult:
    """Attention with no parameters at all: every word is scored against every word by the
    dot product of their static embeddings.

    E: (..., n, d) -> scores (..., n, n), weights (..., n, n), output (..., n, d)
    """
    E = as_tensor(E)
    scores = E @ E.transpose(-2, -1)
    weights = softmax(scores, temperature=temperature)
    return AttentionResult(scores, weights, weighted_sum(weights, E))


def causal_mask(n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(n, n) bool, True where token i may attend to token j, i.e. j <= i (no peeking ahead)."""
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


def scaled_dot_product_attention(
    q: ArrayLike,
    k: ArrayLike,
    v: ArrayLike,
    mask: ArrayLike | None = None,
    scale: bool = True,
    temperature: float = 1.0,
) -> AttentionResult:
    """softmax(q kᵀ / √d_k / T) v.

    q: (..., n_q, d_k), k: (..., n_k, d_k), v: (..., n_k, d_v);
    mask: bool, broadcastable to (..., n_q, n_k), True where attention is allowed.
    Returns scores (..., n_q, n_k) after scaling and masking but before the temperature,
    weights (..., n_q, n_k) and output (..., n_q, d_v). A row with nothing to attend to (fully
    masked, or made non-finite by huge inputs) gets all-zero weights instead of NaN.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    q = as_tensor(q)
    k, v = as_tensor(k, like=q), as_tensor(v, like=q)
    # scaling q (n × d) instead of the scores (n × n) gives the same numbers with less work
    scores = (q / math.sqrt(q.shape[-1]) if scale else q) @ k.transpose(-2, -1)
    if mask is not None:
        allowed = torch.as_tensor(mask, dtype=torch.bool, device=q.device)
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores if temperature == 1.0 else scores / temperature, -1)
    output = weights @ v
    # a NaN weight row makes its output row NaN, so checking the (n × d) output spares a pass over the (n × n) weights
    if (output if output.shape[-1] else weights).isnan().any():
        weights = weights.nan_to_num(0.0)
        output = weights @ v
    return AttentionResult(scores, weights, output)


def row_entropy(weights: ArrayLike) -> torch.Tensor:
    """Shannon entropy (nats) of each attention row: log(n) when uniform, 0 when one-hot."""
    w = as_tensor(weights)
    return -(w * w.clamp_min(torch.finfo(w.dtype).tiny).log()).sum(-1)


def weight_on_later_words(weights: ArrayLike) -> torch.Tensor:
    """(..., n, n) -> (...,): the share of each row's weight on later positions (j > i), averaged over the rows:
    what a causal mask sets to 0."""
    return torch.triu(as_tensor(weights), diagonal=1).sum(-1).mean(-1)


def weighted_sum_loop(weights: ArrayLike, values: ArrayLike) -> torch.Tensor:
    """y_i = sum_j w_ij v_j one word after another, as a plain loop: (n, n), (n, d) -> (n, d).
    The same numbers as `weighted_sum`'s single matrix product, only slower."""
    values = as_tensor(values)
    weights = as_tensor(weights, like=values)
    n = weights.shape[-2]
    return torch.stack([sum(weights[i, j] * values[j] for j in range(weights.shape[-1])) for i in range(n)])


def loop_matmul_difference(weights: ArrayLike, values: ArrayLike) -> float:
    """Largest |loop − matrix product| over every output number (float rounding only)."""
    return float((weighted_sum_loop(weights, values) - weighted_sum(weights, values)).abs().max())


class Focus(NamedTuple):
    strongest: int  # index of the word that word i attends to most
    strongest_weight: float
    target_weight: float  # weight on the chosen target word
    target_rank: int  # 1 = the target is the most-attended word


def attention_focus(weights: ArrayLike, i: int, target: int) -> Focus:
    """Where row i of an (n, n) weight matrix puts most of its weight, and how much goes to `target`."""
    row = as_tensor(weights)[i]
    strongest = int(row.argmax())
    return Focus(strongest, float(row[strongest]), float(row[target]), int((row > row[target]).sum()) + 1)


def near_best(values: ArrayLike, tolerance: float = 0.02) -> list[int]:
    """Indices of the values (n,) within `tolerance` of the largest, in order: all count as "the
    largest" when predicting (tolerance 0: the largest, first one first)."""
    values = as_tensor(values)
    return [j for j, v in enumerate(values.tolist()) if v >= float(values.max()) - tolerance]


def near_ties(weights: ArrayLike, i: int, tolerance: float = 0.02) -> list[int]:
    """Indices j whose weight in row i is within `tolerance` of the row's largest: all count as
    "the word it attends to most" when predicting."""
    return near_best(as_tensor(weights)[i], tolerance)


def shown_ties(values: ArrayLike, decimals: int = 2) -> list[int]:
    """Indices of the values (n,) equal to the largest once rounded to `decimals`, in order: the words a
    sentence printing that many decimals must name together as "the most"."""
    rounded = [round(v, decimals) for v in as_tensor(values).tolist()]
    return [j for j, v in enumerate(rounded) if v == max(rounded)]


def attention_with_weights(raw_weights: ArrayLike, values: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
    """Hand-set weights (n, n), rows renormalised to sum to 1, applied to values (n, d):
    returns (weights used (n, n), outputs (n, d))."""
    values = as_tensor(values)
    weights = normalise_rows(as_tensor(raw_weights, like=values))
    return weights, weighted_sum(weights, values)


def top_weights(weights: ArrayLike, i: int, k: int) -> list[tuple[int, float]]:
    """The k largest weights of row i of (n, n) weights, as (j, weight), largest first."""
    top = as_tensor(weights)[i].topk(min(k, as_tensor(weights).shape[-1]))
    return list(zip(top.indices.tolist(), top.values.tolist()))


def neighbours_after_attention(words: list[str], vocabulary: Vocabulary, k: int = 3) -> list[list[tuple[str, float]]]:
    """For each word of a sentence, the k vocabulary words nearest (cosine) to its first-principles
    attention output (its vector mixed with the sentence's), as (word, cosine), nearest first."""
    output = first_principles_attention(embed(words, vocabulary).vectors).output  # (n, d)
    return [nearest_neighbours(y, vocabulary.vectors, vocabulary.words, k=k) for y in output]
