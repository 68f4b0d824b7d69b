"""One token in two sentences, followed through the layers of a model (static vs contextual)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import torch

from core.projection import pca_2d

if TYPE_CHECKING:
    from core.model import EncoderRun


def cosine_by_layer(states_a: torch.Tensor, i: int, states_b: torch.Tensor, j: int) -> torch.Tensor:
    """(L+1, n, d) token i's vectors in sentence a, (L+1, m, d) token j's in sentence b -> (L+1,):
    the cosine between the two at every depth (0 = embeddings + position, then after each layer)."""
    return torch.nn.functional.cosine_similarity(states_a[:, i], states_b[:, j], dim=-1)


def path_through_layers(states_a: torch.Tensor, i: int, states_b: torch.Tensor, j: int) -> torch.Tensor:
    """(L+1, n, d), (L+1, m, d) -> (2(L+1), 2): both tokens' vectors at every depth on one PCA plane,
    sentence a's L+1 points first, then sentence b's."""
    return pca_2d(torch.cat([states_a[:, i], states_b[:, j]]))


def static_cosine(run_a: EncoderRun, run_b: EncoderRun, token: str) -> float:
    """The cosine between `token`'s input-table rows (static: no position, no context; its first
    occurrence) in two runs of a model: 1 up to rounding, since the table has one row per token."""
    i, j = run_a.tokens.index(token), run_b.tokens.index(token)
    return float(cosine_by_layer(run_a.static[None], i, run_b.static[None], j)[0])


def shared_tokens(run_a: EncoderRun, run_b: EncoderRun) -> list[str]:
    """The tokens (not [CLS], [SEP], …) of run a that run b has too, once each, in a's order."""
    return [t for t in dict.fromkeys(run_a.tokens) if t in run_b.tokens and not t.startswith("[")]


class TokenInTwoSentences(NamedTuple):
    static: float  # cosine of its input-table rows (static_cosine)
    by_layer: list[float]  # cosine at every depth 0 … L (cosine_by_layer)
    path: torch.Tensor  # (2(L+1), 2) both vectors at every depth on one plane (path_through_layers)


def token_in_two_sentences(run_a: EncoderRun, run_b: EncoderRun, token: str) -> TokenInTwoSentences:
    """One token (its first occurrence) in two runs: static vs contextual, layer by layer."""
    i, j = run_a.tokens.index(token), run_b.tokens.index(token)
    by_layer = cosine_by_layer(run_a.hidden_states, i, run_b.hidden_states, j).tolist()
    path = path_through_layers(run_a.hidden_states, i, run_b.hidden_states, j)
    return TokenInTwoSentences(static_cosine(run_a, run_b, token), by_layer, path)
