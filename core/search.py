"""The search-engine analogy of attention: a query scored against titles (keys), contents (values)
blended by the softmax of the scores — with real sentence embeddings."""

from __future__ import annotations

import torch

from core.attention import AttentionResult, scaled_dot_product_attention
from core.embeddings import Vocabulary, embed
from core.model import Encoder
from core.text import words_or_nothing


def mean_pool(hidden: torch.Tensor) -> torch.Tensor:
    """(n, d) token vectors of one text -> (d,) their mean, scaled to length 1 (what
    sentence-transformers' all-MiniLM-L6-v2 does: mean pooling, then Normalize)."""
    return torch.nn.functional.normalize(hidden.mean(0), dim=-1)


def sentence_embeddings(encoder: Encoder, texts: list[str]) -> torch.Tensor:
    """(len(texts), d) one unit-length sentence vector per text, as the model is meant to be used
    (Encoder.sentence_embedding: its last hidden states averaged over the tokens, then normalised)."""
    return torch.stack([encoder.sentence_embedding(text) for text in texts])


def toy_text_embedding(texts: list[str], vocabulary: Vocabulary) -> torch.Tensor:
    """(len(texts), d) the fallback without a model: each text's toy word vectors averaged, unit length."""
    return torch.stack([mean_pool(embed(words_or_nothing(t) or ["the"], vocabulary).vectors) for t in texts])


def search_attention(
    query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, temperature: float = 1.0
) -> AttentionResult:
    """query (d,), keys (m, d), values (m, d_v) -> scores (1, m) = q·k (cosines for unit vectors),
    weights (1, m) = softmax(scores / temperature), output (1, d_v) = the blend of the values."""
    return scaled_dot_product_attention(query[None], keys, values, scale=False, temperature=temperature)


def search_in_batch(vectors: torch.Tensor, temperature: float = 1.0) -> AttentionResult:
    """vectors (1 + 2m, d): the query's vector, then m titles' (the keys), then the m contents' (the
    values), in the order one batch of texts was embedded -> search_attention of the query over them:
    scores and weights (1, m), output (1, d)."""
    m = (len(vectors) - 1) // 2
    return search_attention(vectors[0], vectors[1 : 1 + m], vectors[1 + m :], temperature)
