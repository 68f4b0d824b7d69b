"""From a model's logits to the next word: temperature, top-k, top-p, then a draw (or the most probable).

    p_i = softmax(z / T)_i                                   temperature T > 0: below 1 sharper, above 1 flatter
    top-k: keep the k most probable words, set the rest to 0 and renormalise
    top-p: keep the smallest set of most probable words whose probabilities reach p, the rest to 0, renormalise

Both cuts act on the already tempered distribution, top-k first (the order of Hugging Face's generate).
Every draw takes a torch.Generator: the same seed writes the same text, and torch's global RNG is untouched.
Computed in float64 so that "reaches p" is decided on exact sums; returned in the logits' dtype.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch


class Reshaped(NamedTuple):
    probs: torch.Tensor  # (V,) what the next word is drawn from: zeros where cut, sums to 1
    tempered: torch.Tensor  # (V,) softmax(z / T) before any cut
    cut_by_top_k: torch.Tensor  # (V,) bool, outside the k most probable
    cut_by_top_p: torch.Tensor  # (V,) bool, inside the top k but outside the top-p set


def _check(logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None) -> None:
    if logits.dim() != 1 or logits.numel() == 0:
        raise ValueError(f"logits must be one row over the vocabulary, got shape {tuple(logits.shape)}")
    if logits.isnan().any() or not (logits > -math.inf).any():
        raise ValueError("logits must have no NaN and at least one finite value")
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k!r}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")


def top_k_cut(probs: torch.Tensor, k: int | None) -> torch.Tensor:
    """(V,) -> bool (V,), True outside the k most probable (ties: the lower id is kept)."""
    if k is None or k >= probs.numel():
        return torch.zeros_like(probs, dtype=torch.bool)
    order = torch.sort(probs, descending=True, stable=True).indices
    cut = torch.ones_like(probs, dtype=torch.bool)
    cut[order[:k]] = False
    return cut


def top_p_cut(probs: torch.Tensor, p: float | None) -> torch.Tensor:
    """(V,) summing to 1 -> bool (V,), True outside the smallest most-probable set whose sum reaches p:
    a word is kept when the words more probable than it sum to less than p."""
    if p is None or p >= 1:
        return torch.zeros_like(probs, dtype=torch.bool)
    order = torch.sort(probs, descending=True, stable=True).indices
    before = probs[order].cumsum(0) - probs[order]  # the sum of the words ranked above each one
    cut = torch.empty_like(probs, dtype=torch.bool)
    cut[order] = before >= p
    return cut


def _renormalise(probs: torch.Tensor, cut: torch.Tensor) -> torch.Tensor:
    kept = probs.masked_fill(cut, 0.0)
    return kept / kept.sum()


def reshape(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> Reshaped:
    """logits (V,) -> the tempered distribution, what top-k and then top-p cut, and what is left."""
    _check(logits, temperature, top_k, top_p)
    tempered = torch.softmax(logits.double() / temperature, dim=-1)
    by_k = top_k_cut(tempered, top_k)
    after_k = _renormalise(tempered, by_k)
    by_p = top_p_cut(after_k, top_p) & ~by_k
    probs = _renormalise(after_k, by_p)
    return Reshaped(probs.to(logits.dtype), tempered.to(logits.dtype), by_k, by_p)


def next_token_probs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
) -> torch.Tensor:
    """logits (V,) -> probs (V,): tempered, cut by top-k and top-p, zeros where cut, summing to 1."""
    return reshape(logits, temperature, top_k, top_p).probs


def cut_off(reshaped: Reshaped, vocab: list[str]) -> list[str]:
    """The words that had some probability before the cuts and none after, most probable first."""
    cut = reshaped.cut_by_top_k | reshaped.cut_by_top_p
    order = torch.sort(reshaped.tempered, descending=True, stable=True).indices.tolist()
    return [vocab[i] for i in order if cut[i] and reshaped.tempered[i] > 0]


def sample(probs: torch.Tensor, generator: torch.Generator) -> int:
    """One word id drawn from probs (V,) with `generator` (never torch's global RNG)."""
    return int(torch.multinomial(probs.double(), 1, generator=generator))


def greedy(probs: torch.Tensor) -> int:
    """The most probable word id of probs or logits (V,) (ties: the lowest id)."""
    return int(probs.argmax())
