"""Static embeddings: one fixed vector per word, whatever the sentence.

The toy vocabulary is hand-made so that every dimension has a name a student can read
("royalty", "finance", ...); the same functions work on any (V, d) table, MiniLM's included.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import torch

from core.tensors import ArrayLike, as_tensor

if TYPE_CHECKING:
    from core.model import Encoder

TOY_DIMENSIONS = (
    "royalty",
    "gender",
    "person",
    "animal",
    "finance",
    "water",
    "motion",
    "feeling",
    "technology",
    "food",
    "function",
)

# Each word lists only its non-zero features; gender is +1 masculine, -1 feminine.
_TOY_FEATURES: dict[str, dict[str, float]] = {
    # people and royalty
    "king": {"royalty": 1.0, "gender": 0.9, "person": 0.8},
    "queen": {"royalty": 1.0, "gender": -0.9, "person": 0.8},
    "prince": {"royalty": 0.8, "gender": 0.8, "person": 0.7},
    "princess": {"royalty": 0.8, "gender": -0.8, "person": 0.7},
    "man": {"royalty": 0.1, "gender": 0.9, "person": 0.9},
    "woman": {"royalty": 0.1, "gender": -0.9, "person": 0.9},
    "boy": {"gender": 0.8, "person": 0.8},
    "girl": {"gender": -0.8, "person": 0.8},
    "humans": {"person": 1.0, "feeling": 0.2},
    "student": {"person": 0.9, "technology": 0.2},
    "he": {"gender": 0.6, "person": 0.5, "function": 0.5},
    "she": {"gender": -0.6, "person": 0.5, "function": 0.5},
    "i": {"person": 0.6, "function": 0.5},
    "we": {"person": 0.6, "function": 0.5},
    "you": {"person": 0.6, "function": 0.5},
    "it": {"animal": 0.2, "function": 0.7},
    # animals and things
    "dog": {"animal": 1.0, "person": 0.1, "feeling": 0.2, "motion": 0.2},
    "cat": {"animal": 1.0, "feeling": 0.2, "motion": 0.1},
    "animal": {"animal": 1.0, "motion": 0.2},
    "table": {"technology": 0.3, "food": 0.3},
    "chair": {"technology": 0.3},
    "mat": {"technology": 0.1, "animal": 0.1},
    "door": {"technology": 0.3},
    "key": {"technology": 0.4},
    "road": {"motion": 0.6, "technology": 0.2},
    "leg": {"person": 0.4, "animal": 0.4, "motion": 0.5},
    # money and rivers
    "bank": {"finance": 0.8, "water": 0.6},
    "money": {"finance": 1.0},
    "cash": {"finance": 0.9},
    "loan": {"finance": 0.8, "feeling": -0.2},
    "deposit": {"finance": 0.8, "motion": 0.3},
    "deposited": {"finance": 0.8, "motion": 0.3},
    "company": {"finance": 0.7, "technology": 0.4},
    "river": {"water": 1.0, "motion": 0.4},
    "stream": {"water": 0.9, "motion": 0.6},
    "water": {"water": 1.0},
    "flows": {"water": 0.6, "motion": 0.9},
    "grows": {"finance": 0.4, "motion": 0.3, "food": 0.3},
    # technology and food
    "smartphones": {"technology": 1.0, "finance": 0.2},
    "phone": {"technology": 1.0},
    "apple": {"technology": 0.6, "food": 0.7, "finance": 0.3},
    "launched": {"technology": 0.5, "finance": 0.3, "motion": 0.5},
    "new": {"technology": 0.3},
    "artificial": {"technology": 0.7},
    "intelligence": {"technology": 0.9, "person": 0.3},
    "fruit": {"food": 1.0},
    "eating": {"food": 0.9, "motion": 0.2},
    "ate": {"food": 0.9, "motion": 0.2},
    "fresh": {"food": 0.6},
    "morning": {"food": 0.1, "feeling": 0.2},
    # actions and feelings
    "love": {"feeling": 1.0, "person": 0.3},
    "tired": {"feeling": -0.6, "person": 0.3, "animal": 0.2, "motion": -0.4},
    "cross": {"motion": 0.8},
    "went": {"motion": 0.8},
    "sat": {"motion": 0.3},
    "locked": {"motion": 0.3, "technology": 0.2},
    "break": {"motion": 0.5, "feeling": -0.3},
    "said": {"person": 0.3, "function": 0.3},
    "good": {"feeling": 0.7},
    "luck": {"feeling": 0.6},
    # function words: little meaning of their own
    "the": {"function": 1.0},
    "a": {"function": 1.0},
    "an": {"function": 1.0},
    "on": {"function": 0.8},
    "in": {"function": 0.8},
    "of": {"function": 0.8},
    "to": {"function": 0.8},
    "with": {"function": 0.8},
    "because": {"function": 0.7},
    "was": {"function": 0.7},
    "is": {"function": 0.7},
    "didn't": {"function": 0.6, "feeling": -0.3},
}


@dataclass(frozen=True)
class Vocabulary:
    """A static embedding table: row i of `vectors` (V, d) is the vector of words[i]."""

    words: tuple[str, ...]
    dimensions: tuple[str, ...]
    vectors: torch.Tensor

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def vector(self, word: str) -> torch.Tensor:
        """(d,) the word's row; unknown words get `unknown_vector`."""
        if word in self.words:
            return self.vectors[self.words.index(word)]
        return unknown_vector(word, len(self.dimensions)).to(self.vectors)


class Embedded(NamedTuple):
    vectors: torch.Tensor  # (n, d)
    unknown: list[bool]  # True where the word is not in the vocabulary


def toy_vocabulary() -> Vocabulary:
    """The hand-made vocabulary: every word of the lessons' example sentences, named dimensions."""
    words = tuple(_TOY_FEATURES)
    rows = [[_TOY_FEATURES[w].get(dim, 0.0) for dim in TOY_DIMENSIONS] for w in words]
    return Vocabulary(words, TOY_DIMENSIONS, torch.tensor(rows, dtype=torch.float32))


def unknown_vector(word: str, d: int) -> torch.Tensor:
    """A small deterministic vector for a word the vocabulary lacks: same word, same vector."""
    seed = int.from_bytes(hashlib.sha256(word.encode("utf-8", "surrogatepass")).digest()[:8], "little")
    generator = torch.Generator().manual_seed(seed % 2**63)
    return torch.randn(d, generator=generator) * 0.3


def embed(words: list[str], vocabulary: Vocabulary) -> Embedded:
    """Look each word up: (n, d) vectors and which words were unknown."""
    vectors = torch.stack([vocabulary.vector(w) for w in words])
    return Embedded(vectors, [w not in vocabulary for w in words])


def unknown_words(words: list[str], vocabulary: Vocabulary) -> list[str]:
    """The words (sorted, once each) that the vocabulary lacks: embed gives them unknown_vector."""
    return sorted({w for w in words if w not in vocabulary})


def resize_dimensions(E: torch.Tensor, d: int, seed: int = 0) -> torch.Tensor:
    """Keep the first d columns of E (..., n, d0); if d > d0, append seeded unnamed features."""
    d0 = E.shape[-1]
    if d <= d0:
        return E[..., :d]
    generator = torch.Generator().manual_seed(seed)
    extra = torch.randn(*E.shape[:-1], d - d0, generator=generator) * 0.3
    return torch.cat([E, extra.to(E)], dim=-1)


def one_hot(indices: list[int], size: int) -> torch.Tensor:
    """(n, size): row i is all zeros except a 1 at column indices[i]."""
    return torch.eye(size)[indices]


def dot_similarity(A: ArrayLike, B: ArrayLike | None = None) -> torch.Tensor:
    """(..., n, d), (..., m, d) -> (..., n, m): a_i · b_j, large for long vectors pointing alike."""
    A = as_tensor(A)
    B = A if B is None else as_tensor(B, like=A)
    return A @ B.transpose(-2, -1)


def cosine_similarity(A: ArrayLike, B: ArrayLike | None = None) -> torch.Tensor:
    """(..., n, d), (..., m, d) -> (..., n, m): cos of the angle, in [-1, 1], length ignored."""
    A = as_tensor(A)
    B = A if B is None else as_tensor(B, like=A)

    def unit(x: torch.Tensor) -> torch.Tensor:
        return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    return unit(A) @ unit(B).transpose(-2, -1)


def cosine(a: ArrayLike, b: ArrayLike) -> float:
    """The cosine of the angle between two vectors a, b (d,): 1 for the same direction."""
    return float(cosine_similarity(as_tensor(a)[None], as_tensor(b)[None])[0, 0])


def similarity_matrix(A: ArrayLike, B: ArrayLike | None = None, metric: str = "cosine") -> torch.Tensor:
    """(..., n, d), (..., m, d) (B defaults to A) -> (..., n, m): the "cosine" (direction only) or
    "dot" similarity of every pair."""
    return (cosine_similarity if metric == "cosine" else dot_similarity)(A, B)


def nearest_neighbours(
    query: ArrayLike,
    table: ArrayLike,
    words: list[str] | tuple[str, ...],
    k: int = 5,
    exclude: tuple[str, ...] = (),
    metric: str = "cosine",
) -> list[tuple[str, float]]:
    """The k rows of `table` (V, d) most similar to `query` (d,), as (word, similarity)."""
    table = as_tensor(table)
    scores = similarity_matrix(as_tensor(query, like=table)[None], table, metric=metric)[0]
    order = scores.argsort(descending=True).tolist()
    ranked = [(words[i], float(scores[i])) for i in order if words[i] not in exclude]
    return ranked[:k]


def analogy(a: str, b: str, c: str, vocabulary: Vocabulary, k: int = 5) -> tuple[torch.Tensor, list[tuple[str, float]]]:
    """a − b + c (king − man + woman) and the words nearest to it, the three inputs excluded."""
    target = analogy_target(a, b, c, vocabulary)
    return target, nearest_neighbours(target, vocabulary.vectors, vocabulary.words, k, exclude=(a, b, c))


def analogy_target(a: str, b: str, c: str, vocabulary: Vocabulary) -> torch.Tensor:
    """(d,) the vector a − b + c: king − man + woman."""
    return vocabulary.vector(a) - vocabulary.vector(b) + vocabulary.vector(c)


def dimension_names(vocabulary: Vocabulary, d: int) -> list[str]:
    """Names of the first d features: the vocabulary's named ones, then "extra 1", "extra 2", ...
    for the unnamed features `resize_dimensions` appends beyond them."""
    named = list(vocabulary.dimensions[:d])
    return named + [f"extra {i + 1}" for i in range(d - len(named))]


def first_dimensions(vocabulary: Vocabulary, d: int) -> Vocabulary:
    """The same words described by their first d features only: vectors (V, d0) -> (V, d)."""
    if not 1 <= d <= len(vocabulary.dimensions):
        raise ValueError(f"d must be between 1 and {len(vocabulary.dimensions)}, got {d}")
    return Vocabulary(vocabulary.words, vocabulary.dimensions[:d], vocabulary.vectors[:, :d])


def with_vector(vocabulary: Vocabulary, word: str, vector: ArrayLike) -> Vocabulary:
    """A copy of the vocabulary where `word`'s row (d,) is replaced by `vector` (d,)."""
    vectors = vocabulary.vectors.clone()
    vectors[vocabulary.words.index(word)] = as_tensor(vector, like=vectors)
    return Vocabulary(vocabulary.words, vocabulary.dimensions, vectors)


def nearest_neighbours_in_prefix(
    query: ArrayLike,
    table: ArrayLike,
    words: list[str | None] | tuple[str | None, ...],
    d: int,
    k: int = 5,
    exclude: tuple[str, ...] = (),
) -> list[tuple[str, float]]:
    """The k rows of `table` (V, D) closest by cosine to `query` (D,) looking at the first d
    dimensions only: fewer dimensions, cruder neighbours. words: one per row; a row whose word is None
    (a word piece, a symbol) is never ranked. Uses top-k, not a full sort, so a 30,000-row table stays
    fast, and no unit-length copy of the table (a server keeps only the model's own)."""
    table = as_tensor(table)[:, :d]
    query = as_tensor(query, like=table)[:d]
    scores = (table @ query) / (table.norm(dim=-1) * query.norm()).clamp_min(1e-12)  # cos = t·q / (|t| |q|)
    left_out = torch.tensor([word is None or word in exclude for word in words], device=scores.device)
    top = scores.masked_fill(left_out, -torch.inf).topk(min(k, int((~left_out).sum())))
    return [(words[i], float(s)) for s, i in zip(top.values.tolist(), top.indices.tolist())]


def cosine_in_prefix(X: ArrayLike, d: int) -> torch.Tensor:
    """(n, D) -> (n, n): cosine similarity of the rows looking at their first d dimensions only."""
    return cosine_similarity(as_tensor(X)[..., :d])


def similarity_by_features(E: ArrayLike, metric: str = "cosine") -> torch.Tensor:
    """similarity_matrix of the rows looking at their first f features, for every f = 1 … d (what a
    "features used" control chooses among). E: (n, d) -> (d, n, n), entry f − 1 for f features."""
    E = as_tensor(E)
    return torch.stack([similarity_matrix(E[..., :f], metric=metric) for f in range(1, E.shape[-1] + 1)])


def empty_words(vocabulary: Vocabulary) -> list[str]:
    """Words whose vector (d,) is all zeros: no direction, so cosine calls them unlike everything."""
    empty = ~vocabulary.vectors.any(dim=-1)  # (V,)
    return [w for w, is_empty in zip(vocabulary.words, empty.tolist(), strict=True) if is_empty]


class Tie(NamedTuple):
    score: float  # rounded to the decimals shown
    words: list[str]  # every word with that score: one alone, or a tie none is ranked above the others in


def tied_ranking(ranked: list[tuple[str, float]], decimals: int = 3) -> list[Tie]:
    """(word, score) pairs, best first, grouped where their scores are equal to `decimals` places (as a
    page shows them): "queen 1.000, princess 1.000" is a tie, said as one, not a winner and a runner-up."""
    groups: list[Tie] = []
    for word, score in ranked:
        shown = round(score, decimals) + 0.0  # + 0.0: -0.0 reads as 0.0
        if groups and groups[-1].score == shown:
            groups[-1].words.append(word)
        else:
            groups.append(Tie(shown, [word]))
    return groups


def ranked_words(
    query: ArrayLike, vocabulary: Vocabulary, exclude: tuple[str, ...] = (), metric: str = "cosine"
) -> list[Tie] | None:
    """Every word of the vocabulary by its similarity to `query` (d,), ties grouped (tied_ranking), or
    None where the query is all zeros (no direction: every cosine is 0/0, every dot 0, nothing to rank).
    For cosine the all-zero words (empty_words) are left out too: their cosine is undefined, not 0."""
    if not bool(as_tensor(query).any()):
        return None
    skip = (*exclude, *empty_words(vocabulary)) if metric == "cosine" else exclude
    table, words = vocabulary.vectors, vocabulary.words
    return tied_ranking(nearest_neighbours(query, table, words, k=len(words), exclude=skip, metric=metric))


class Lean(NamedTuple):
    """A word's two rival features (apple: technology or food?) before and after attention mixed it."""

    features: tuple[str, str]
    before: tuple[float, float]
    after: tuple[float, float]
    toward: str | None  # the feature that gained on the other; None where neither did

    @property
    def changes(self) -> tuple[float, float]:
        """after − before, for each of the two features."""
        return self.after[0] - self.before[0], self.after[1] - self.before[1]


def lean(before: ArrayLike, after: ArrayLike, dimensions: tuple[str, ...], first: str, second: str) -> Lean:
    """Which of two features a vector (d,) moves toward from `before` to `after`: the one whose lead
    over the other grows (first − second compared), whatever the two do on their own (both usually
    fall: attention's output is an average of the sentence's vectors)."""
    i, j = dimensions.index(first), dimensions.index(second)
    old, new = as_tensor(before), as_tensor(after)
    was, now = (float(old[i]), float(old[j])), (float(new[i]), float(new[j]))
    gain = (now[0] - now[1]) - (was[0] - was[1])
    toward = None if abs(gain) < 1e-6 else first if gain > 0 else second
    return Lean((first, second), was, now, toward)


def static_vectors(encoder: Encoder, words: list[str]) -> torch.Tensor:
    """(n, d) on the CPU: each word's row of a model's input table, before any attention
    (Encoder.static_vector: a word split into several WordPiece tokens gets their rows' average)."""
    return torch.stack([encoder.static_vector(w).cpu() for w in words])
