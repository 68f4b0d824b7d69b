"""The real model, loaded once per server process and shared by every session."""

from __future__ import annotations

import threading
from functools import cache

import streamlit as st
import torch

from core.device import pick_device
from core.embeddings import nearest_neighbours_in_prefix
from core.heads import (
    HeadRole,
    attention_rollout,
    every_head_view,
    head_roles,
    head_similarity,
    role_scores,
    top_links,
)
from core.model import AblationMode, Encoder, EncoderRun, Head, ModelLoadError, load_encoder
from core.search import sentence_embeddings
from ui import session


@st.cache_resource(show_spinner="Loading all-MiniLM-L6-v2 (once per server, a few seconds)…", max_entries=2)
def _cached_encoder(name_or_path: str | None, device: str) -> Encoder:
    return load_encoder(name_or_path, device)


@cache  # once per server process
def preload_in_background() -> None:
    """Start loading the bundled model on a background thread after the first page has been drawn,
    so a student who later opens *Inside a real model* finds it ready instead of waiting seconds.
    st.cache_resource holds a lock per key: a page asking meanwhile waits for this load, never a second."""

    def load() -> None:
        try:
            _cached_encoder(None, str(pick_device()))  # what a new session's sidebar asks for
        except ModelLoadError:
            pass  # the page that needs the model says what went wrong, in plain words

    threading.Thread(target=load, name="preload-model", daemon=True).start()


def encoder() -> Encoder | None:
    """The sidebar's model on the sidebar's device, or None after explaining what went wrong."""
    try:
        return _cached_encoder(session.model_name(), str(session.device()))
    except ModelLoadError as error:
        st.error(
            f"{error}\n\nThe other pages work without it. Clear *Model settings* in the sidebar "
            "to go back to the bundled MiniLM.",
            icon=":material/error:",
        )
        return None


@st.cache_resource(max_entries=2, show_spinner=False)
def _cached_whole_words(name_or_path: str | None, device: str) -> list[str | None]:
    return _cached_encoder(name_or_path, device).whole_words()


def whole_word_count() -> int:
    """How many rows of the sidebar model's input table are whole words (what the neighbours rank)."""
    return sum(word is not None for word in _cached_whole_words(session.model_name(), str(session.device())))


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_static_neighbours(
    word: str, k: int, d: int | None, name_or_path: str | None, device: str
) -> list[tuple[str, float]]:
    encoder = _cached_encoder(name_or_path, device)
    table = encoder.static_table  # searched in place: a copy of its whole-word rows cost a server ~60 MiB
    words = _cached_whole_words(name_or_path, device)
    return nearest_neighbours_in_prefix(
        encoder.static_vector(word), table, words, d or table.shape[1], k, exclude=(word,)
    )


def static_neighbours(word: str, k: int = 8, d: int | None = None) -> list[tuple[str, float]]:
    """The k whole words whose input-table rows are closest (cosine) to `word`'s, comparing the
    first d numbers of each row (all of them by default)."""
    return _cached_static_neighbours(word, k, d, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_run(text: str, name_or_path: str | None, device: str) -> EncoderRun:
    return _cached_encoder(name_or_path, device).run(text)


def run(text: str) -> EncoderRun:
    """The sidebar model's numbers for one text, cached per (text, model, device)."""
    return _cached_run(text, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_sentence_embeddings(texts: tuple[str, ...], name_or_path: str | None, device: str) -> torch.Tensor:
    return sentence_embeddings(_cached_encoder(name_or_path, device), list(texts))


def sentence_embeddings_of(texts: tuple[str, ...]) -> torch.Tensor:
    """(len(texts), d) unit-length sentence vectors of the sidebar model, cached per tuple of texts
    (small tensors, not whole model runs)."""
    return _cached_sentence_embeddings(texts, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_rebuild(text: str, layer: int, head: int, name_or_path: str | None, device: str):
    return _cached_encoder(name_or_path, device).rebuild_head(_cached_run(text, name_or_path, device), layer, head)


def rebuild_head(text: str, layer: int, head: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Encoder.rebuild_head: (the head recomputed alone, the full forward's map) for one head of the
    sidebar model, cached per (text, layer, head)."""
    return _cached_rebuild(text, layer, head, session.model_name(), str(session.device()))


def _heads(heads) -> tuple[Head, ...]:
    return tuple(sorted((int(layer), int(head)) for layer, head in heads))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_ablated_run(text: str, heads: tuple[Head, ...], mode: str, name_or_path: str | None, device: str):
    return _cached_encoder(name_or_path, device).run(text, frozenset(heads), mode)


def ablated_run(text: str, heads=frozenset(), mode: AblationMode = "zero") -> EncoderRun:
    """Encoder.run with some (layer, head)s silenced, cached per (text, heads, mode, model, device)."""
    heads = _heads(heads)
    if not heads:
        return run(text)
    return _cached_ablated_run(text, heads, mode, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_roles(text: str, name_or_path: str | None, device: str) -> list[HeadRole]:
    result = _cached_run(text, name_or_path, device)
    return head_roles(result.attentions, result.tokens)


def roles(text: str) -> list[HeadRole]:
    """core.heads.head_roles of every head on one text (layer by layer), cached."""
    return _cached_roles(text, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_links(text: str, k: int, name_or_path: str | None, device: str) -> list[list[tuple[str, str, float]]]:
    result = _cached_run(text, name_or_path, device)
    return [top_links(weights, result.tokens, k) for weights in result.attentions.flatten(0, 1)]


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_role_scores(text: str, name_or_path: str | None, device: str) -> torch.Tensor:
    result = _cached_run(text, name_or_path, device)
    return role_scores(result.attentions, result.tokens)


def role_score_table(text: str) -> torch.Tensor:
    """core.heads.role_scores (L, H, len(ROLES)) of every head on one text, cached."""
    return _cached_role_scores(text, session.model_name(), str(session.device()))


def head_links(text: str, k: int = 3) -> list[list[tuple[str, str, float]]]:
    """core.heads.top_links of every head (layer by layer, L*H lists), cached."""
    return _cached_links(text, k, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_similarity(text: str, name_or_path: str | None, device: str) -> torch.Tensor:
    return head_similarity(_cached_run(text, name_or_path, device).attentions)


def similarity(text: str) -> torch.Tensor:
    """core.heads.head_similarity (L*H, L*H) of every pair of heads on one text, cached."""
    return _cached_similarity(text, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_rollout(text: str, name_or_path: str | None, device: str) -> torch.Tensor:
    return attention_rollout(_cached_run(text, name_or_path, device).attentions)


def rollout(text: str) -> torch.Tensor:
    """core.heads.attention_rollout (n, n) of one text, cached."""
    return _cached_rollout(text, session.model_name(), str(session.device()))


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_ablation_effect(text: str, heads: tuple[Head, ...], mode: str, name_or_path: str | None, device: str):
    encoder, run = _cached_encoder(name_or_path, device), _cached_run(text, name_or_path, device)
    return encoder.ablation_effect(run, _cached_ablated_run(text, heads, mode, name_or_path, device))


def ablation_effect(text: str, heads, mode: AblationMode = "zero") -> float:
    """Encoder.ablation_effect: cosine of the sentence embedding with `heads` silenced to without, cached."""
    return _cached_ablation_effect(text, _heads(heads), mode, session.model_name(), str(session.device()))


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_pair_similarity(a: str, b: str, heads: tuple[Head, ...], mode: str, name_or_path: str | None, device: str):
    return _cached_encoder(name_or_path, device).pair_similarity(a, b, frozenset(heads), mode)


def pair_similarity(a: str, b: str, heads=frozenset(), mode: AblationMode = "zero") -> float:
    """Encoder.pair_similarity: two texts' sentence-embedding cosine with `heads` silenced in both, cached."""
    return _cached_pair_similarity(a, b, _heads(heads), mode, session.model_name(), str(session.device()))


@st.cache_data(max_entries=64, show_spinner=False)
def _cached_head_views(text: str, merge: bool, hide: bool, name_or_path: str | None, device: str):
    result = _cached_run(text, name_or_path, device)
    return every_head_view(result.attentions, result.tokens, merge, hide)


def head_views(text: str, merge: bool, hide: bool) -> tuple[torch.Tensor, list[str]]:
    """core.heads.every_head_view of one text: every head's map as shown (pieces merged, specials hidden), cached."""
    return _cached_head_views(text, merge, hide, session.model_name(), str(session.device()))


def warm(text: str, device: str) -> None:
    """Fill the caches the real-model page asks for first, for the bundled model and one text (ui.warm)."""
    _cached_encoder(None, device)
    for cached in (_cached_run, _cached_roles, _cached_role_scores, _cached_similarity, _cached_rollout):
        cached(text, None, device)
    _cached_links(text, 3, None, device)
    _cached_head_views(text, False, False, None, device)
