"""What each attention head does, measured from its weights alone.

Every function takes softmax weights: (..., n, n) tensors where row i is how token i spreads its
attention over the n tokens (each row sums to 1). For a model run they are (L, H, n, n): L layers
of H heads. Nothing here runs a model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import torch

from core.attention import row_entropy

SPECIAL_TOKENS = ("[CLS]", "[SEP]")
ROLES = ("self", "previous token", "next token", "[CLS]/[SEP] sink", "broad", "word pair", "one word")
# Each role as a beginner reads it: what a head with that role does (the pages show these).
ROLE_LABELS = {
    "self": "looks at itself",
    "previous token": "looks one token back",
    "next token": "looks one token ahead",
    "[CLS]/[SEP] sink": "rests on [CLS]/[SEP]",
    "broad": "spreads over many tokens",
    "word pair": "links two words",
    "one word": "looks at one word",
}


class HeadRole(NamedTuple):
    layer: int
    head: int
    role: str  # one of ROLES: the role with the highest score
    score: float  # that role's score, 0..1
    detail: str  # the head's strongest word-to-word link, e.g. "it → animal (0.43)"; "" if none


def _is_special(tokens: Sequence[str], special: Sequence[str], device: torch.device) -> torch.Tensor:
    return torch.tensor([token in special for token in tokens], dtype=torch.bool, device=device)


def _word_pair_links(weights: torch.Tensor, tokens: Sequence[str], special: Sequence[str]) -> torch.Tensor:
    """(..., n, n) the weights with every link that is not a word pair set to 0: links from or to
    a special token, a token to itself, and links between neighbours (those are the positional roles)."""
    n = weights.shape[-1]
    is_special = _is_special(tokens, special, weights.device)
    i = torch.arange(n, device=weights.device)
    far = (i[:, None] - i[None, :]).abs() > 1
    allowed = far & ~is_special[:, None] & ~is_special[None, :]
    return weights * allowed


def focus_word(
    attentions: torch.Tensor, tokens: Sequence[str], special: Sequence[str] = SPECIAL_TOKENS
) -> torch.Tensor:
    """(..., n, n) -> (...,) long: the head's focus word, the token (not [CLS]/[SEP]) whose column has the
    largest mean weight over the rows; 0 when every token is special."""
    is_special = _is_special(tokens, special, attentions.device)
    if is_special.all():
        return attentions.new_zeros(attentions.shape[:-2], dtype=torch.long)
    return attentions.mean(-2).masked_fill(is_special, -math.inf).argmax(-1)


def row_role_scores(
    attentions: torch.Tensor, tokens: Sequence[str], special: Sequence[str] = SPECIAL_TOKENS
) -> torch.Tensor:
    """(..., n, n) -> (..., n, len(ROLES)): every role's score for each asking row i, each on 0..1, NaN where
    the role means nothing for that row (no previous token for the first, no next token for the last,
    no word pair from a special token).

      self            w[i, i]
      previous token  w[i, i-1]
      next token      w[i, i+1]
      sink            the weight row i puts on the special columns ([CLS], [SEP])
      broad           1 / (n · max_j w[i, j]): the fraction of the sentence row i spreads over, as an even
                      split with the same largest weight (1 when uniform, 1/n when it looks at one token; a
                      row spread evenly over k tokens scores k/n). It is exp of the row's min-entropy, so a
                      row that puts most of its weight on one token never counts as spread
      word pair       the largest weight on another word that is neither the token itself nor a
                      neighbour (neighbours are the two roles above)
      one word        the weight row i puts on the head's focus word (focus_word): a head whose rows all
                      look at "animal" scores high here, where its rows' other roles (self from "animal",
                      next token from "the", no word pair from [CLS]) each catch only some rows
    """
    n = attentions.shape[-1]
    nan = attentions.new_full(attentions.shape[:-1], math.nan)
    previous, following = nan.clone(), nan.clone()
    if n > 1:
        previous[..., 1:] = attentions.diagonal(offset=-1, dim1=-2, dim2=-1)
        following[..., :-1] = attentions.diagonal(offset=1, dim1=-2, dim2=-1)
    is_special = _is_special(tokens, special, attentions.device)
    sink = attentions[..., is_special].sum(-1)
    broad = 1 / (n * attentions.amax(-1).clamp_min(1e-12))
    pair = _word_pair_links(attentions, tokens, special).amax(-1).masked_fill(is_special, math.nan)
    focus = focus_word(attentions, tokens, special)[..., None, None].expand(*attentions.shape[:-1], 1)
    one = nan.clone() if is_special.all() else attentions.gather(-1, focus).squeeze(-1)
    diagonal = attentions.diagonal(dim1=-2, dim2=-1)
    return torch.stack([diagonal, previous, following, sink, broad, pair, one], -1)


def role_scores(
    attentions: torch.Tensor, tokens: Sequence[str], special: Sequence[str] = SPECIAL_TOKENS
) -> torch.Tensor:
    """(..., n, n) -> (..., len(ROLES)): every role's score for every head, each on 0..1: the mean over
    the rows of row_role_scores, over the rows where the role means something (0 where none does).

    "broad" is measured by the min-entropy, on the same scale as a share (1 / (n · max w)). The plain
    normalised entropy H_i / log n (see normalised_entropy) would rate a row of 15 tokens with half its
    weight on one token and the rest spread evenly at 0.74, exp(H)/n at 0.50 (broad: 0.13), and a head
    whose every row puts 0.55 on "animal" would count as spread (MiniLM's L5 H11).
    """
    return row_role_scores(attentions, tokens, special).nanmean(-2).nan_to_num(0.0)


def ranked_roles(scores: torch.Tensor) -> list[tuple[str, float]]:
    """(len(ROLES),) one head's role_scores or one row's row_role_scores -> (role, score), highest first
    (ties: the role listed first in ROLES), leaving out the roles that mean nothing there (NaN)."""
    found = [(role, float(score)) for role, score in zip(ROLES, scores, strict=True) if not math.isnan(score)]
    return sorted(found, key=lambda pair: -pair[1])


class RowRole(NamedTuple):
    ranked: list[tuple[str, float]]  # the row's roles and scores, highest first (ranked_roles)
    top: str  # the token the row puts its largest weight on
    top_weight: float


def row_role(weights: torch.Tensor, tokens: Sequence[str], i: int, special: Sequence[str] = SPECIAL_TOKENS) -> RowRole:
    """What one asking token's row of one (n, n) map does: its roles ranked, and where it looks most."""
    top = int(weights[i].argmax())
    return RowRole(ranked_roles(row_role_scores(weights, tokens, special)[i]), tokens[top], float(weights[i, top]))


def normalised_entropy(attentions: torch.Tensor) -> torch.Tensor:
    """(..., n, n) -> (...): mean row entropy / log n: 0 when every row looks at one token, 1 when uniform."""
    n = attentions.shape[-1]
    return row_entropy(attentions).mean(-1) / math.log(n) if n > 1 else attentions.new_zeros(attentions.shape[:-2])


def strongest_link(weights: torch.Tensor, tokens: Sequence[str], special: Sequence[str] = SPECIAL_TOKENS) -> str:
    """The largest word-pair weight of one (n, n) map, written "it → animal (0.43)"; "" if there is none."""
    links = _word_pair_links(weights, tokens, special)
    if not links.any():
        return ""
    i, j = divmod(int(links.argmax()), weights.shape[-1])
    return f"{tokens[i]} → {tokens[j]} ({float(links[i, j]):.2f})"


def head_roles(
    attentions: torch.Tensor, tokens: Sequence[str], special: Sequence[str] = SPECIAL_TOKENS
) -> list[HeadRole]:
    """(L, H, n, n) -> L*H HeadRoles, layer by layer: each head's highest-scoring role (see
    role_scores; ties go to the role listed first in ROLES) and its strongest word pair."""
    scores = role_scores(attentions, tokens, special)
    best, best_role = scores.max(-1)
    return [
        HeadRole(
            layer,
            head,
            ROLES[int(best_role[layer, head])],
            float(best[layer, head]),
            strongest_link(attentions[layer, head], tokens, special),
        )
        for layer in range(attentions.shape[0])
        for head in range(attentions.shape[1])
    ]


def top_heads(scores: torch.Tensor, k: int = 5) -> list[tuple[int, int, float]]:
    """(L, H) any per-head number (a role_scores column, attentions[:, :, i, j], ...) -> the k
    largest as (layer, head, value), largest first."""
    values, flat = scores.flatten().topk(min(k, scores.numel()))
    return [(*divmod(int(index), scores.shape[1]), float(value)) for value, index in zip(values, flat, strict=True)]


def head_similarity(attentions: torch.Tensor) -> torch.Tensor:
    """(L, H, n, n) -> (L*H, L*H), head index layer*H + head: how alike two heads' maps are on this
    sentence, as the mean over rows of the Bhattacharyya coefficient Σ_j √(p_ij q_ij) of the two
    heads' rows: 1 for identical maps, 0 when each row of one looks only where the other does not.

    Since every row of √p has length 1, that is the cosine of the flattened √-maps: one matrix
    product (a Jensen–Shannon version needs every pair of maps, ~100x slower at 256 tokens).
    """
    roots = attentions.clamp_min(0).sqrt().flatten(0, -3).flatten(-2)  # (L*H, n*n)
    n = attentions.shape[-1]
    return (roots @ roots.T / n).clamp(0, 1)


def most_similar_heads(
    sim: torch.Tensor, layer: int, head: int, k: int = 5, *, n_heads: int
) -> list[tuple[int, int, float]]:
    """The k heads most like (layer, head) in a head_similarity matrix, as (layer, head, similarity),
    most similar first, the head itself left out. n_heads: heads per layer (12 for MiniLM)."""
    index = layer * n_heads + head
    row = sim[index].clone()
    row[index] = -math.inf
    values, flat = row.topk(min(k, row.numel() - 1))
    return [(*divmod(int(i), n_heads), float(v)) for v, i in zip(values, flat, strict=True)]


def attention_rollout(attentions: torch.Tensor) -> torch.Tensor:
    """(..., L, H, n, n) -> (..., n, n): Abnar & Zuidema (2020) attention rollout.

    Per layer the heads are averaged, A_l = mean_h A_lh, and the residual connection is counted as
    attention to oneself: Â_l = 0.5·A_l + 0.5·I, rows renormalised. Then rollout = Â_L ··· Â_2 Â_1:
    row i says how much of the last layer's token i flowed, through all layers, from input token j.
    Every row sums to 1.
    """
    n = attentions.shape[-1]
    identity = torch.eye(n, dtype=attentions.dtype, device=attentions.device)
    rollout = identity
    for layer in attentions.mean(-3).unbind(-3):  # first layer to last
        mixed = 0.5 * layer + 0.5 * identity
        rollout = (mixed / mixed.sum(-1, keepdim=True)) @ rollout
    return rollout


def rollout_to_sentence(rollout: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(..., n, n) -> (..., n): each input token's share of the mean-pooled sentence embedding.

    Mean pooling averages the last layer's rows, so the sentence's share of input token j is the
    mean over rows i of rollout[i, j] (sums to 1). mask (n,) bool picks the pooled rows; by default
    every row, [CLS] and [SEP] included, as sentence-transformers pools them.
    """
    return rollout.mean(-2) if mask is None else rollout[..., mask, :].mean(-2)


def last_layer_share(attentions: torch.Tensor) -> torch.Tensor:
    """(..., L, H, n, n) -> (..., n): the same share read from the last layer alone (heads averaged,
    mean over rows), without the residual and the layers below: what a plain heatmap suggests."""
    return attentions[..., -1, :, :, :].mean(-3).mean(-2)


def merge_word_pieces(weights: torch.Tensor, tokens: Sequence[str]) -> tuple[torch.Tensor, list[str]]:
    """(..., n, n) over WordPiece tokens -> ((..., m, m), m words): a token starting with "##"
    joins the one before it (smart ##phones -> smartphones).

    Columns (attended to) are SUMMED over a word's pieces: the attention a token pays to the whole
    word, so every row still sums to 1. Rows (asking) are AVERAGED over the pieces: each piece's
    row already sums to 1, and the word asks with their average.
    """
    words: list[str] = []
    owner: list[int] = []  # word index of each token
    for token in tokens:
        if token.startswith("##") and words:
            words[-1] += token[2:]
        else:
            words.append(token)
        owner.append(len(words) - 1)
    member = torch.zeros(len(words), len(tokens), dtype=weights.dtype, device=weights.device)
    member[owner, range(len(tokens))] = 1  # (m, n): member[w, t] = 1 if token t is part of word w
    average = member / member.sum(-1, keepdim=True)
    return average @ weights @ member.T, words


def hide_special_tokens(
    weights: torch.Tensor, tokens: Sequence[str], special: Sequence[str] = SPECIAL_TOKENS, min_mass: float = 1e-6
) -> tuple[torch.Tensor, list[str]]:
    """(..., n, n) -> ((..., m, m), m tokens): the rows and columns of the special tokens dropped,
    each remaining row rescaled to sum to 1 (how a token spreads the attention it gives to words).

    A row that gave less than min_mass to the remaining tokens has no such spread to show: it
    becomes uniform rather than a magnified rounding error.
    """
    keep = [i for i, token in enumerate(tokens) if token not in special]
    kept = weights[..., keep, :][..., keep]
    mass = kept.sum(-1, keepdim=True)
    uniform = torch.full_like(kept, 1.0 / max(len(keep), 1))
    return torch.where(mass > min_mass, kept / mass.clamp_min(min_mass), uniform), [tokens[i] for i in keep]


def top_links(
    weights: torch.Tensor, tokens: Sequence[str], k: int = 3, special: Sequence[str] = SPECIAL_TOKENS
) -> list[tuple[str, str, float]]:
    """One (n, n) map's k largest word-pair weights (see role_scores: no special tokens, no self or
    neighbours) as (asking token, attended token, weight), largest first; fewer if there are fewer."""
    links = _word_pair_links(weights, tokens, special).flatten()
    values, flat = links.topk(min(k, links.numel()))
    n = weights.shape[-1]
    return [
        (tokens[int(i) // n], tokens[int(i) % n], float(v)) for v, i in zip(values, flat, strict=True) if float(v) > 0
    ]


def token_row_by_layer(attentions: torch.Tensor, token: int) -> torch.Tensor:
    """(L, H, n, n) -> (L, n): where token `token` looks in each layer, its rows averaged over the heads."""
    return attentions[:, :, token].mean(1)


def row_change_by_layer(before: torch.Tensor, after: torch.Tensor, token: int) -> torch.Tensor:
    """(L, H, n, n) weights of two runs -> (L, n): how token `token`'s head-averaged row changed in
    each layer (after − before): what switching heads off did to the attention of the layers above."""
    return token_row_by_layer(after, token) - token_row_by_layer(before, token)


def head_name(layer: int, head: int) -> str:
    """A head's short name: layer 5, head 11 -> "L5 H11"."""
    return f"L{layer} H{head}"


def parse_head_name(name: str) -> tuple[int, int]:
    """head_name backwards: "L5 H11" -> (5, 11)."""
    layer, head = name.split()
    return int(layer[1:]), int(head[1:])


def role_of(roles: Sequence[HeadRole], layer: int, head: int) -> HeadRole:
    """The head_roles entry of one head."""
    return next(r for r in roles if (r.layer, r.head) == (layer, head))


def role_counts(roles: Sequence[HeadRole]) -> list[tuple[str, int]]:
    """How many heads have each role, the most common role first."""
    return Counter(r.role for r in roles).most_common()


def head_view(weights: torch.Tensor, tokens: Sequence[str], merge: bool, hide: bool) -> tuple[torch.Tensor, list[str]]:
    """One head's (n, n) map as asked: word pieces merged into words (merge_word_pieces), then the
    special tokens dropped (hide_special_tokens); -> the map and its tokens."""
    weights, tokens = merge_word_pieces(weights, tokens) if merge else (weights, list(tokens))
    return hide_special_tokens(weights, tokens) if hide else (weights, tokens)


def every_head_view(
    attentions: torch.Tensor, tokens: Sequence[str], merge: bool, hide: bool
) -> tuple[torch.Tensor, list[str]]:
    """head_view for every head at once: (L, H, n, n) -> (L, H, m, m) and the m tokens shown."""
    views = [head_view(weights, tokens, merge, hide) for weights in attentions.flatten(0, 1)]
    shown = torch.stack([weights for weights, _ in views])
    return shown.unflatten(0, attentions.shape[:2]), views[0][1]


def link_heads(attentions: torch.Tensor, i: int, j: int, k: int = 5) -> list[tuple[int, int, float]]:
    """(L, H, n, n) -> the k heads putting most of token i's attention on token j, as top_heads gives them."""
    return top_heads(attentions[:, :, i, j], k)


def largest_change(change: torch.Tensor) -> float:
    """The largest |value| of a change (after − before), e.g. row_change_by_layer's."""
    return float(change.abs().max())


def rank_by_role(role_table: torch.Tensor, role: str, k: int = 10) -> list[tuple[int, int, float]]:
    """(L, H, len(ROLES)) role_scores of every head -> the k heads scoring highest for `role` (as top_heads)."""
    return top_heads(role_table[..., ROLES.index(role)], k)
