"""A decoder-only transformer (GPT), written like nanoGPT's model.py, on the words of core.grammar.

    x = wte[ids] + wpe[positions]                          (n, d_model)
    for each block:  x = x + attn(ln_1(x))                 causal multi-head self-attention
                     x = x + mlp(ln_2(x))                  d_model -> 4 d_model -> d_model
    logits = ln_f(x) @ wteᵀ                                (n, V), the head shares the embedding table

The attention is core.attention.scaled_dot_product_attention with core.attention.causal_mask, split and
merged by core.multi_head: the same code the earlier pages teach. The KV cache keeps every layer's keys
and values, so writing word t computes one new query row against them instead of all t rows again.
Shapes: ids (..., n); per-head tensors (..., H, n, d_head); attentions (..., L, H, n, n).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F

from core.attention import causal_mask, scaled_dot_product_attention
from core.grammar import END, VOCAB
from core.multi_head import merge_heads, split_heads
from core.sampling import greedy, next_token_probs, sample

WEIGHTS = Path(__file__).resolve().parent / "weights" / "gpt.safetensors"
# a word as core.text reads one (didn't is one word), or the end mark "."
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\.")
SHOWN_UNKNOWN = 5  # unknown words listed in a notice, then "and N more"
SHOWN_CHARACTERS = 20  # longer unknown words are cut in a notice


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = len(VOCAB)
    block_size: int = 32  # longest text the model reads (its position table); the corpus needs MAX_WORDS
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 64


class LayerCache(NamedTuple):
    keys: torch.Tensor  # (..., H, m, d_head) every position's key so far
    values: torch.Tensor  # (..., H, m, d_head)


def _normal(shape: tuple[int, ...], std: float, generator: torch.Generator) -> nn.Parameter:
    return nn.Parameter(torch.randn(shape, generator=generator) * std)


class CausalSelfAttention(nn.Module):
    """q, k, v = x W_q + b_q, x W_k + b_k, x W_v + b_v, split into heads; each head attends to the positions
    at or before its own; the heads side by side, times W_o (+ b_o)."""

    def __init__(self, config: GPTConfig, generator: torch.Generator):
        super().__init__()
        d = config.d_model
        self.n_head = config.n_head
        self.w_q, self.w_k, self.w_v = (_normal((d, d), 0.02, generator) for _ in range(3))
        # GPT-2: residual projections start smaller (std / √(2 L)), so the stream's variance does not grow with depth
        self.w_o = _normal((d, d), 0.02 / math.sqrt(2 * config.n_layer), generator)
        self.b_q, self.b_k, self.b_v, self.b_o = (nn.Parameter(torch.zeros(d)) for _ in range(4))

    def forward(
        self, x: torch.Tensor, cache: LayerCache | None = None, ablate: Collection[int] = ()
    ) -> tuple[torch.Tensor, torch.Tensor, LayerCache]:
        """x: (..., n_new, d) -> output (..., n_new, d), weights (..., H, n_new, m + n_new), the grown cache.
        With a cache of m positions, the n_new queries see the m cached keys and the new ones up to their own.
        Heads in `ablate` have their output set to zero (switched off)."""
        q, k, v = (
            split_heads(x @ w + b, self.n_head)
            for w, b in ((self.w_q, self.b_q), (self.w_k, self.b_k), (self.w_v, self.b_v))
        )
        if cache is not None:
            k, v = torch.cat([cache.keys, k], dim=-2), torch.cat([cache.values, v], dim=-2)
        offset = k.shape[-2] - q.shape[-2]
        mask = causal_mask(k.shape[-2], device=x.device)[offset:]  # the rows of the new positions
        heads = scaled_dot_product_attention(q, k, v, mask=mask)
        output = heads.output
        if ablate:
            keep = torch.ones(self.n_head, 1, 1, device=x.device)
            keep[list(ablate)] = 0.0
            output = output * keep
        return merge_heads(output) @ self.w_o + self.b_o, heads.weights, LayerCache(k, v)


class MLP(nn.Module):
    """gelu(x W_fc + b_fc) W_proj + b_proj: d_model -> 4 d_model -> d_model, at each position alone."""

    def __init__(self, config: GPTConfig, generator: torch.Generator):
        super().__init__()
        d = config.d_model
        self.w_fc, self.b_fc = _normal((d, 4 * d), 0.02, generator), nn.Parameter(torch.zeros(4 * d))
        self.w_proj = _normal((4 * d, d), 0.02 / math.sqrt(2 * config.n_layer), generator)
        self.b_proj = nn.Parameter(torch.zeros(d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x @ self.w_fc + self.b_fc) @ self.w_proj + self.b_proj


class Block(nn.Module):
    """Pre-LN: x + attn(ln_1(x)), then + mlp(ln_2(x))."""

    def __init__(self, config: GPTConfig, generator: torch.Generator):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.attn, self.mlp = CausalSelfAttention(config, generator), MLP(config, generator)

    def forward(
        self, x: torch.Tensor, cache: LayerCache | None = None, ablate: Collection[int] = ()
    ) -> tuple[torch.Tensor, torch.Tensor, LayerCache]:
        attended, weights, cache = self.attn(self.ln_1(x), cache, ablate)
        x = x + attended
        return x + self.mlp(self.ln_2(x)), weights, cache


class Prompt(NamedTuple):
    words: list[str]  # the known words, in order, at most block_size of them
    ids: list[int]
    unknown: list[str]  # words the model does not know, once each, in order of appearance (left out of ids)
    truncated: bool  # there were more than block_size known words; only the first were kept


class Step(NamedTuple):
    logits: torch.Tensor  # (..., n_new, V)
    attentions: torch.Tensor  # (..., L, H, n_new, m + n_new)
    cache: list[LayerCache]  # one per layer, now m + n_new positions long


class GPT(nn.Module):
    """The decoder, its word list, and the text <-> ids conversions the page needs."""

    def __init__(self, config: GPTConfig = GPTConfig(), seed: int = 0, vocab: Sequence[str] = VOCAB):
        super().__init__()
        if len(vocab) != config.vocab_size:
            raise ValueError(f"the config says {config.vocab_size} words, the vocabulary has {len(vocab)}")
        generator = torch.Generator().manual_seed(seed)
        self.config = config
        self.vocab = list(vocab)
        self.word_id = {w: i for i, w in enumerate(self.vocab)}
        self.wte = _normal((config.vocab_size, config.d_model), 0.02, generator)
        self.wpe = _normal((config.block_size, config.d_model), 0.02, generator)
        self.blocks = nn.ModuleList(Block(config, generator) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.d_model)

    def step(
        self, ids: torch.Tensor, cache: list[LayerCache] | None = None, ablate: Collection[tuple[int, int]] = ()
    ) -> Step:
        """ids (..., n_new) after the m positions in `cache` (none: m = 0) -> logits, attentions, grown cache.
        `ablate`: (layer, head) pairs switched off."""
        m = 0 if cache is None else cache[0].keys.shape[-2]
        n = m + ids.shape[-1]
        if n > self.config.block_size:
            raise ValueError(f"The model reads at most {self.config.block_size} words; this text has {n}.")
        x = self.wte[ids] + self.wpe[m:n]
        weights, new_cache = [], []
        for layer, block in enumerate(self.blocks):
            off = [h for l_, h in ablate if l_ == layer]
            x, w, c = block(x, None if cache is None else cache[layer], off)
            weights.append(w)
            new_cache.append(c)
        logits = self.ln_f(x) @ self.wte.T
        return Step(logits, torch.stack(weights, dim=-4), new_cache)

    def forward(self, ids: torch.Tensor, ablate: Collection[tuple[int, int]] = ()) -> tuple[torch.Tensor, torch.Tensor]:
        """ids (..., n) -> logits (..., n, V) for the word after each position, attentions (..., L, H, n, n)."""
        logits, attentions, _ = self.step(ids, None, ablate)
        return logits, attentions

    def known_words(self, text: str) -> Prompt:
        """The words of `text` (lowercased, punctuation other than '.' dropped) split into the ones the model
        knows (their ids, at most block_size) and the unknown ones, for a page to show as a plain notice."""
        if not isinstance(text, str):
            raise ValueError("The prompt must be text.")
        found = (m.group().lower().replace("’", "'") for m in WORD.finditer(unicodedata.normalize("NFKC", text)))
        words, unknown = [], {}
        for word in found:
            if word in self.word_id:
                words.append(word)
            else:
                unknown.setdefault(word, None)
        limit = self.config.block_size
        return Prompt(words[:limit], [self.word_id[w] for w in words[:limit]], list(unknown), len(words) > limit)

    def encode(self, text: str) -> list[int]:
        """Ids of the words of `text`; ValueError in plain words when it has no word, a word the model
        does not know (listed), or more words than the model reads."""
        prompt = self.known_words(text)
        if prompt.unknown:
            raise ValueError(unknown_notice(prompt.unknown, len(self.vocab)))
        if not prompt.words:
            raise ValueError("There are no words in this prompt: type a few of the model's words.")
        if prompt.truncated:
            raise ValueError(f"The model reads at most {self.config.block_size} words: shorten the prompt.")
        return prompt.ids

    def decode(self, ids: Sequence[int] | torch.Tensor) -> str:
        """Words separated by spaces, the end mark joined to the word before it ('… on the mat.')."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else ids
        return " ".join(self.vocab[i] for i in ids).replace(f" {END}", END)


def unknown_notice(unknown: Sequence[str], vocab_size: int) -> str:
    """'The model knows only its 60 words, and not: qwzx, vbnm.' (long words cut, at most a few listed)."""
    shown = [w if len(w) <= SHOWN_CHARACTERS else w[:SHOWN_CHARACTERS] + "…" for w in unknown[:SHOWN_UNKNOWN]]
    more = f" and {len(unknown) - SHOWN_UNKNOWN} more" if len(unknown) > SHOWN_UNKNOWN else ""
    return f"The model knows only its {vocab_size} words, and not: {', '.join(shown)}{more}."


def save(model: GPT, path: Path = WEIGHTS) -> None:
    """The weights as safetensors at `path`, the config and word list as json beside it (same name, .json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(path))
    path.with_suffix(".json").write_text(json.dumps({"config": asdict(model.config), "vocab": model.vocab}, indent=1))


def load(path: Path = WEIGHTS) -> GPT:
    """A model from `path` (safetensors) and its json, in eval mode and frozen (no gradients: a page only runs
    it; train a fresh one with core.gpt_training)."""
    meta = json.loads(path.with_suffix(".json").read_text())
    model = GPT(GPTConfig(**meta["config"]), vocab=meta["vocab"])
    model.load_state_dict(load_file(str(path)))
    return model.eval().requires_grad_(False)


def load_pretrained() -> GPT:
    """The model shipped in core/weights (trained by `make model`)."""
    return load(WEIGHTS)


class Generated(NamedTuple):
    ids: list[int]  # the prompt and the new words
    logits: torch.Tensor  # (steps, V) the logits each new word came from
    probs: torch.Tensor  # (steps, V) after temperature, top-k and top-p: what it was drawn from
    rows: list[torch.Tensor]  # per new word, (L, H, t): the attention row of the position that predicted it
    query_rows: list[int]  # per new word, the query rows each layer computed to predict it


@torch.no_grad()
def generate(
    model: GPT,
    ids: Sequence[int],
    steps: int,
    generator: torch.Generator | None = None,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    use_cache: bool = True,
) -> Generated:
    """Write up to `steps` words after `ids` (fewer when the model's block_size is reached): each drawn from
    next_token_probs with `generator`, or the most probable word when generator is None (greedy).
    use_cache=True: the prompt once, then one query row per new word against the cached keys and values;
    False: the whole text again for every word."""
    ids = list(ids)
    if not ids or len(ids) >= model.config.block_size:
        raise ValueError(f"The prompt must have 1 to {model.config.block_size - 1} words to write after it.")
    steps = min(steps, model.config.block_size - len(ids))
    logits_seen, probs_seen, rows, query_rows = [], [], [], []
    cache, new = None, ids
    for _ in range(steps):
        if use_cache:
            logits, attentions, cache = model.step(torch.tensor(new), cache)
        else:
            logits, attentions = model(torch.tensor(ids))
        probs = next_token_probs(logits[-1], temperature, top_k, top_p)
        word = greedy(probs) if generator is None else sample(probs, generator)
        logits_seen.append(logits[-1])
        probs_seen.append(probs)
        rows.append(attentions[:, :, -1])
        query_rows.append(logits.shape[0])
        ids.append(word)
        new = [word]
    return Generated(ids, torch.stack(logits_seen), torch.stack(probs_seen), rows, query_rows)


class CacheComparison(NamedTuple):
    cached: Generated
    recomputed: Generated
    max_difference: float  # largest |logit difference| over every step and word
    same_words: bool


def compare_cache(model: GPT, ids: Sequence[int], steps: int) -> CacheComparison:
    """Greedy writing with and without the KV cache, side by side: the same words and logits (to float
    rounding), from 1 query row per new word against t rows."""
    cached = generate(model, ids, steps, use_cache=True)
    recomputed = generate(model, ids, steps, use_cache=False)
    difference = float((cached.logits - recomputed.logits).abs().max())
    return CacheComparison(cached, recomputed, difference, cached.ids == recomputed.ids)


def per_position_loop(model: GPT, ids: torch.Tensor) -> torch.Tensor:
    """(n,) -> logits (n, V) one position at a time, each from its own prefix run from scratch: what the
    causal mask lets the single forward do in one pass."""
    return torch.stack([model(ids[: t + 1])[0][-1] for t in range(ids.shape[-1])])


def loss(model: GPT, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the next word, inputs and targets (B, T); targets of -1 are ignored."""
    logits, _ = model(inputs)
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-1)
