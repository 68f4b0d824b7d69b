"""Giving attention a sense of order: positional encodings added to the embeddings."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from core.attention import first_principles_attention


def sinusoidal_encoding(
    n_positions: int, d_model: int, base: float = 10000.0, device: torch.device | str | None = None
) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / base^(2i/d_model)),  PE[pos, 2i+1] = cos(pos / base^(2i/d_model)).

    -> (n_positions, d_model). An odd d_model ends on a sine column.
    """
    if n_positions < 0 or d_model < 1 or base <= 0:
        raise ValueError("need n_positions >= 0, d_model >= 1 and base > 0")
    return sinusoidal_at(torch.arange(n_positions, dtype=torch.float64, device=device), d_model, base).float()


def sinusoidal_at(positions: torch.Tensor, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The same formula at any positions (m,), fractional ones included (the wave between two words),
    in the positions' dtype. -> (m, d_model)."""
    if d_model < 1 or base <= 0:
        raise ValueError("need d_model >= 1 and base > 0")
    two_i = torch.arange(0, d_model, 2, dtype=positions.dtype, device=positions.device)
    angle = positions[:, None] / base ** (two_i / d_model)  # (m, ceil(d_model / 2))
    pe = torch.zeros(len(positions), d_model, dtype=positions.dtype, device=positions.device)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe


def add_positions(E: torch.Tensor, strength: float = 1.0, base: float = 10000.0) -> torch.Tensor:
    """E + strength · PE for (..., n, d) embeddings: the same word at another position changes."""
    n, d = E.shape[-2:]
    return E + strength * sinusoidal_encoding(n, d, base, device=E.device).to(E.dtype)


class LearnedPositionalEmbedding(nn.Module):
    """The alternative used by BERT and GPT-2: one trainable vector per position, a lookup table.

    It can only encode positions it has a row for: max_positions is a hard limit.
    """

    def __init__(self, max_positions: int, d_model: int, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        # from_pretrained skips nn.Embedding's own init, which would draw from torch's global generator
        self.table = nn.Embedding.from_pretrained(
            torch.randn(max_positions, d_model, generator=generator) * 0.02, freeze=False
        )

    def forward(self, n_positions: int) -> torch.Tensor:
        """-> (n_positions, d_model)"""
        if n_positions > self.table.num_embeddings:
            raise ValueError(
                f"a learned table has {self.table.num_embeddings} positions; "
                f"it has no vector for position {n_positions - 1}"
            )
        return self.table(torch.arange(n_positions, device=self.table.weight.device))


SAME_OUTPUT_TOLERANCE = 1e-5  # float32 rounding: differences below this count as "exactly the same"


def occurrence_order(words_a: list[str], words_b: list[str]) -> list[int]:
    """Where each word of sentence A sits in sentence B, the same words in another order: the k-th
    "the" of A is matched with the k-th "the" of B. -> order with words_b[order[i]] == words_a[i].

    Raises ValueError when B is not a reordering of A.
    """
    if sorted(words_a) != sorted(words_b):
        raise ValueError("sentence B must use exactly the same words as sentence A")
    places: dict[str, list[int]] = {}
    for j, word in enumerate(words_b):
        places.setdefault(word, []).append(j)
    seen: dict[str, int] = {}
    order = []
    for word in words_a:
        order.append(places[word][seen.get(word, 0)])
        seen[word] = seen.get(word, 0) + 1
    return order


def reordering(words_a: list[str], words_b: list[str]) -> list[int] | None:
    """occurrence_order, or None where B is not a reordering of A's words (or A has none)."""
    try:
        return occurrence_order(words_a, words_b) if words_a else None
    except ValueError:
        return None


def permutation_test(E: torch.Tensor, order: list[int], strength: float = 0.0, base: float = 10000.0) -> torch.Tensor:
    """The permutation test: first-principles attention on sentence A (embeddings E, (n, d)) and on
    sentence B, the same rows in another order (B[order[i]] = A[i]), each plus strength · PE at its own
    positions (strength 0: no positional encoding).

    -> (n,): for each word of A, max |y_A[i] − y_B[order[i]]| over the d output features.
    """
    index = torch.as_tensor(order, device=E.device)
    E_b = torch.empty_like(E)
    E_b[index] = E
    y_a = first_principles_attention(add_positions(E, strength, base)).output
    y_b = first_principles_attention(add_positions(E_b, strength, base)).output
    return (y_a - y_b[index]).abs().amax(-1)


def position_similarity(pe: torch.Tensor) -> torch.Tensor:
    """PE_i · PE_j for every pair of positions. pe: (n, d) -> (n, n)."""
    return pe @ pe.T


def similarity_by_distance(pe: torch.Tensor) -> torch.Tensor:
    """Mean of PE_i · PE_j over the pairs at each distance k = |i − j|. pe: (n, d) -> (n,), k = 0 … n − 1."""
    similarity = position_similarity(pe)
    return torch.stack([similarity.diagonal(k).mean() for k in range(pe.shape[0])])


class DistanceProfile(NamedTuple):
    by_distance: torch.Tensor  # (n,) similarity_by_distance: the mean PE_i · PE_j at each distance k
    spread: float  # the largest gap between two pairs at one distance: 0 where the dot is a function of k alone
    falls_until: int  # the mean falls at every step from distance 0 to this one (n − 1: all the way)


def distance_profile(pe: torch.Tensor) -> DistanceProfile:
    """How PE_i · PE_j depends on the distance |i − j| for an encoding (n, d): the page's sentences
    ("depends only on the distance", "falls with distance") are read off these numbers."""
    similarity, by_distance = position_similarity(pe), similarity_by_distance(pe)
    n = pe.shape[0]
    spread = max(float(similarity.diagonal(k).max() - similarity.diagonal(k).min()) for k in range(n))
    rises = (by_distance[1:] >= by_distance[:-1]).nonzero()
    return DistanceProfile(by_distance, spread, int(rises[0]) if len(rises) else n - 1)


class Waves(NamedTuple):
    positions: list[float]  # finely spaced from 0 to the last position: the curve between whole positions
    values: dict[int, list[float]]  # each chosen dimension's PE at those positions
    whole: list[bool]  # True where the position is a whole one (0, 1, 2, …): where a sentence's words sit


def waves(
    n_positions: int,
    d_model: int,
    dimensions: list[int],
    base: float = 10000.0,
    per_turn: int = 24,
    min_steps: int = 200,
) -> Waves:
    """Each chosen dimension of sinusoidal_encoding as the continuous wave its whole positions are
    samples of: the formula evaluated `per_turn` times per turn of the fastest chosen dimension (at
    least once per position), so a dimension that turns every 6.3 positions is drawn as a smooth curve,
    not a zigzag joining its samples, in at least `min_steps` steps (a short range is drawn just as wide;
    fewer where many waves are sent at once)."""
    fastest = float(wavelengths(d_model, base)[min(dimensions)])  # wavelengths grow with the dimension
    gaps = max(n_positions - 1, 1)  # a whole number of steps per position: the whole positions are samples
    per_position = max(math.ceil(per_turn / fastest), math.ceil(min_steps / gaps), 1)
    positions = torch.linspace(0, max(n_positions - 1, 0), gaps * per_position + 1, dtype=torch.float64)
    pe = sinusoidal_at(positions, d_model, base)
    whole = [j % per_position == 0 and j // per_position < n_positions for j in range(len(positions))]
    return Waves(positions.tolist(), {i: pe[:, i].tolist() for i in dimensions}, whole)


def wavelengths(d_model: int, base: float = 10000.0) -> torch.Tensor:
    """(d_model,) how many positions each dimension of sinusoidal_encoding takes to turn once:
    2π · base^(2i/d_model) for the pair (2i, 2i + 1), from 2π for the first pair to almost 2π · base."""
    two_i = torch.arange(d_model, dtype=torch.float64) // 2 * 2
    return (2 * torch.pi * base ** (two_i / d_model)).float()


def sinusoidal_row(position: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """(d_model,) the sinusoidal encoding of one position (any position: the formula has no table to run out of)."""
    return sinusoidal_encoding(position + 1, d_model, base)[-1]


class OrderComparison(NamedTuple):
    differences: torch.Tensor  # (n,) permutation_test: each word's largest output difference
    largest: float  # the largest of them
    same: bool  # largest below SAME_OUTPUT_TOLERANCE: float rounding only, the outputs are the same


def compare_orders(E: torch.Tensor, order: list[int], strength: float = 0.0) -> OrderComparison:
    """The permutation test (E (n, d), order as in permutation_test) with its verdict."""
    differences = permutation_test(E, order, strength)
    largest = float(differences.max())
    return OrderComparison(differences, largest, largest < SAME_OUTPUT_TOLERANCE)
