"""The lesson GPT (core.gpt) and its cached numbers: loaded once per server, each prompt run once.

Its weights ship in core/weights (a few hundred KB), so the page opens without training; the page's
own training run lives in the session that pressed Train, not here.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import streamlit as st
import torch

from core import gpt, gpt_heads, sampling


@st.cache_resource(show_spinner=False)
def model() -> gpt.GPT:
    """The shipped decoder, in eval mode (its parameters never need gradients on a page)."""
    return gpt.load_pretrained().requires_grad_(False)


class Forward(NamedTuple):
    logits: torch.Tensor  # (n, V) for the word after each position
    attentions: torch.Tensor  # (L, H, n, n), zero above the diagonal


@st.cache_data(max_entries=256, show_spinner=False)
def forward(ids: tuple[int, ...]) -> Forward:
    """core.gpt.GPT.forward on one text's ids, cached per text."""
    with torch.no_grad():
        return Forward(*model()(torch.tensor(ids)))


class Bars(NamedTuple):
    words: list[str]  # the most probable words at temperature 1, most probable first (the same order at any T)
    tempered: torch.Tensor  # (positions, len(words)) softmax(z / T) before any cut
    kept: torch.Tensor  # (positions, len(words)) after top-k and top-p: what the next word is drawn from
    cut: list[list[str]]  # per position, per word: "kept", "cut by top-k" or "cut by top-p"
    kept_count: list[int]  # per position, how many of all the words keep some probability


@st.cache_data(max_entries=64, show_spinner=False)
def next_word_bars(ids: tuple[int, ...], positions: tuple[tuple[float, int, float], ...], shown: int) -> Bars:
    """core.sampling.reshape of the last position's logits at every (temperature, top-k, top-p) position
    (top-k 0 and top-p 1.0: no cut), for the `shown` most probable words."""
    logits, vocab = forward(ids).logits[-1], model().vocab
    order = torch.argsort(logits, descending=True, stable=True)[:shown]
    tempered, kept, cut, counts = [], [], [], []
    for temperature, top_k, top_p in positions:
        reshaped = sampling.reshape(logits, temperature, top_k or None, None if top_p >= 1 else top_p)
        tempered.append(reshaped.tempered[order])
        kept.append(reshaped.probs[order])
        by_k, by_p = reshaped.cut_by_top_k[order].tolist(), reshaped.cut_by_top_p[order].tolist()
        cut.append(["cut by top-k" if k else "cut by top-p" if p else "kept" for k, p in zip(by_k, by_p, strict=True)])
        counts.append(int((reshaped.probs > 0).sum()))
    return Bars([vocab[i] for i in order.tolist()], torch.stack(tempered), torch.stack(kept), cut, counts)


@st.cache_data(max_entries=1, show_spinner="Measuring the model on 500 held-out sentences per task (once per server)…")
def report() -> dict[str, gpt_heads.TaskReport]:
    """core.gpt_heads.report of the shipped model: held-out accuracy per task and the heads found."""
    return gpt_heads.report(model())


class CacheTimes(NamedTuple):
    prompt_words: int  # the prompt's length
    words: list[int]  # words written after the prompt
    with_cache_ms: list[float]  # writing them with the KV cache (one new query row per word)
    without_cache_ms: list[float]  # writing them by running the whole text again for every word


TIMING_REPEATS = 7


@st.cache_resource(show_spinner="Timing the KV cache on this machine…")
def cache_times(repeats: int = TIMING_REPEATS) -> CacheTimes:
    """Milliseconds to write k words greedily after a 4-word prompt, with and without the KV cache
    (core.gpt.generate), on this server's CPU: the fastest of `repeats` runs for each k (the least
    disturbed by other work on a shared machine)."""
    net = model()
    prompt = net.encode("the queen who met")
    lengths = list(range(4, net.config.block_size - len(prompt) + 1, 4))

    def timed(words: int, use_cache: bool) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            gpt.generate(net, prompt, words, use_cache=use_cache)
            times.append((time.perf_counter() - start) * 1000)
        return min(times)

    return CacheTimes(len(prompt), lengths, [timed(k, True) for k in lengths], [timed(k, False) for k in lengths])
