"""Attention trained live: two stacked heads learn what "it" refers to.

Task: "the animal didn't cross the road because it was tired" -> the animal, but "... because it was
wide" -> the road. Nothing in "it" says which: the adjective at the end decides, and no single attention
step can both read the adjective and point at a noun. So there are two layers on a residual stream:
in layer 1 every word may read other words and adds what it read to its own vector; in layer 2 "it"
points at a noun. The answer is the word "it" attends to most in layer 2 (a pointer); the loss is -log
of that weight on the right noun. Training decides who reads the adjective in layer 1: usually one of
the nouns (so its vector now says "tired"/"wide" and layer 2 can tell the nouns apart), sometimes "it".
Positions are learned, so the model can tell the animal's slot from the place's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from core.attention import AttentionResult
from core.qkv import QKVProjection
from core.text import MAX_TOKENS

# The last HELD_OUT nouns of each list never appear in training: held-out sentences use only them.
ANIMALS = ("animal", "dog", "cat", "horse", "cow", "fox", "sheep", "goat", "deer", "rabbit")
PLACES = ("road", "street", "river", "bridge", "field", "path", "track", "stream", "lane", "canal")
HELD_OUT = 2
# An adjective's kind can only be learned from examples, so every adjective is seen in training.
ANIMATE = ("tired", "scared", "lazy", "hungry", "slow", "sleepy", "weak", "nervous")  # "it" = the animal
INANIMATE = ("wide", "busy", "flooded", "narrow", "icy", "muddy", "steep", "long")  # "it" = the place
TEMPLATE = "the {animal} didn't cross the {place} because it was {adjective}".split()
ANIMAL_POSITION, PLACE_POSITION, PRONOUN_POSITION, ADJECTIVE_POSITION = 1, 5, 7, 9
PRONOUNS = ("it", "he", "she", "they")  # the model only ever saw "it"; the others are read as "it"
UNKNOWN = "<unk>"
VOCABULARY = tuple(
    dict.fromkeys([w for w in TEMPLATE if not w.startswith("{")] + [UNKNOWN, *ANIMALS, *PLACES, *ANIMATE, *INANIMATE])
)
TOKEN_ID = {w: i for i, w in enumerate(VOCABULARY)}
PROBES = (
    "the animal didn't cross the road because it was tired".split(),
    "the animal didn't cross the road because it was wide".split(),
)


class Batch(NamedTuple):
    tokens: torch.Tensor  # (B, 10) token ids
    pronoun: torch.Tensor  # (B,) position of "it"
    target_position: torch.Tensor  # (B,) where the noun it refers to stands


def encode_words(words: list[str]) -> torch.Tensor:
    """Token ids (n,) for any words; he/she/they read as "it", words outside the vocabulary as <unk>."""
    words = ["it" if w in PRONOUNS else w for w in words]
    return torch.tensor([TOKEN_ID.get(w, TOKEN_ID[UNKNOWN]) for w in words], dtype=torch.long)


def _pick(words: tuple[str, ...], size: int, generator: torch.Generator) -> torch.Tensor:
    """size random token ids (size,) drawn uniformly from words."""
    ids = encode_words(list(words))
    return ids[torch.randint(len(ids), (size,), generator=generator)]


def make_batch(size: int, generator: torch.Generator, held_out: bool = False) -> Batch:
    """Random sentences from TEMPLATE: half the adjectives describe the animal, half the place.
    Training sentences never use the last HELD_OUT animals and places; held_out=True ones use only them."""
    animals, places = (
        (ANIMALS[-HELD_OUT:], PLACES[-HELD_OUT:]) if held_out else (ANIMALS[:-HELD_OUT], PLACES[:-HELD_OUT])
    )
    tokens = encode_words(TEMPLATE).repeat(size, 1)  # (B, 10), the slots still hold <unk>
    animate = torch.rand(size, generator=generator) < 0.5  # (B,) does the adjective describe the animal?
    tokens[:, ANIMAL_POSITION] = _pick(animals, size, generator)
    tokens[:, PLACE_POSITION] = _pick(places, size, generator)
    tokens[:, ADJECTIVE_POSITION] = torch.where(
        animate, _pick(ANIMATE, size, generator), _pick(INANIMATE, size, generator)
    )
    target = torch.where(animate, ANIMAL_POSITION, PLACE_POSITION)
    return Batch(tokens, torch.full((size,), PRONOUN_POSITION), target)


class TwoLayerAttention(nn.Module):
    """token + position embeddings -> attention layer 1 -> attention layer 2, each added to the residual
    stream x. The pronoun's row of layer 2's scores is the answer (a pointer over positions)."""

    def __init__(self, d_model: int = 16, d_k: int = 8, seed: int = 0, init_std: float = 0.1):
        # Small initial vectors (GPT-2 uses 0.02): a word never seen in training keeps one, so a held-out
        # noun barely disturbs the learned position signal that says "this is the animal's slot".
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.token_embedding = nn.Parameter(init_std * torch.randn(len(VOCABULARY), d_model, generator=generator))
        self.position_embedding = nn.Parameter(init_std * torch.randn(MAX_TOKENS, d_model, generator=generator))
        self.layers = nn.ModuleList(QKVProjection(d_model, d_k, d_model, seed=seed + 10 * i) for i in (1, 2))

    def forward(self, tokens: torch.Tensor) -> list[AttentionResult]:
        """tokens (B, n) -> one AttentionResult per layer: scores, weights (B, n, n), output (B, n, d_model)."""
        x = self.token_embedding[tokens] + self.position_embedding[: tokens.shape[-1]]  # (B, n, d_model)
        results = []
        for layer in self.layers:
            results.append(layer(x))
            x = x + results[-1].output  # residual: each word keeps its vector and adds what it read
        return results


def pointer_scores(results: list[AttentionResult], pronoun: torch.Tensor) -> torch.Tensor:
    """The pronoun's row of the last layer's scores: (B, n), one logit per position it may point at."""
    rows = torch.arange(pronoun.shape[0], device=pronoun.device)
    return results[-1].scores[rows, pronoun]


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 150
    learning_rate: float = 0.01
    d_k: int = 8
    d_model: int = 16
    batch_size: int = 64
    seed: int = 0
    snapshots: int = 30


class TrainingRun(NamedTuple):
    losses: list[float]
    accuracies: list[float]  # batch accuracy after each step
    snapshot_steps: list[int]
    # at each snapshot, per probe, per layer: the (10, 10) attention weights -> [snapshot][probe][layer]
    snapshot_weights: list[list[list[torch.Tensor]]]
    probe_words: tuple[list[str], ...]
    model: TwoLayerAttention

    def maps(self, snapshot: int = -1, probe: int = 0) -> list[torch.Tensor]:
        """One probe sentence's attention maps [layer 1, layer 2], each (n, n), at a snapshot (by default the last)."""
        return self.snapshot_weights[snapshot][probe]


def train(
    config: TrainConfig, device: torch.device | str = "cpu", on_step: Callable[[int, float, float], None] | None = None
) -> TrainingRun:
    """Adam on cross-entropy of the referred noun's position; records loss, accuracy and both layers'
    attention on the probes at config.snapshots evenly spaced steps (step 0 = the untrained model)."""
    model = TwoLayerAttention(config.d_model, config.d_k, config.seed).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    generator = torch.Generator().manual_seed(config.seed)
    probes = torch.stack([encode_words(p) for p in PROBES]).to(device)  # (2, 10)
    every = max(1, math.ceil(config.steps / config.snapshots))
    losses, accuracies, steps, weights = [], [], [], []

    def snapshot(step: int) -> None:
        with torch.no_grad():
            results = model(probes)
        steps.append(step)
        weights.append([[r.weights[p].cpu() for r in results] for p in range(len(PROBES))])

    snapshot(0)
    for step in range(1, config.steps + 1):
        batch = make_batch(config.batch_size, generator)
        scores = pointer_scores(model(batch.tokens.to(device)), batch.pronoun.to(device))
        # -log(layer 2's weight on the right noun): softmax cross-entropy over positions
        loss = nn.functional.cross_entropy(scores, batch.target_position.to(device))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
        accuracies.append(float((scores.argmax(-1).cpu() == batch.target_position).float().mean()))
        if step % every == 0 or step == config.steps:
            snapshot(step)
        if on_step is not None:
            on_step(step, losses[-1], accuracies[-1])
    return TrainingRun(losses, accuracies, steps, weights, PROBES, model)


class Evaluation(NamedTuple):
    accuracy: float  # the pronoun's largest layer-2 weight is on the right noun
    weight_on_target: float  # mean layer-2 weight the pronoun puts on the right noun


@torch.no_grad()
def evaluate(model: TwoLayerAttention, size: int = 512, seed: int = 12345) -> Evaluation:
    """Held-out sentences: an animal and a place never seen in training."""
    batch = make_batch(size, torch.Generator().manual_seed(seed), held_out=True)
    device = next(model.parameters()).device
    scores = pointer_scores(model(batch.tokens.to(device)), batch.pronoun.to(device)).cpu()  # (B, n)
    weights = scores.softmax(-1)
    rows = torch.arange(size)
    return Evaluation(
        float((weights.argmax(-1) == batch.target_position).float().mean()),
        float(weights[rows, batch.target_position].mean()),
    )


class Answer(NamedTuple):
    weights: list[torch.Tensor]  # one (n, n) attention map per layer
    pronoun: int  # index of the pronoun in the words
    answer: int  # index of the word the pronoun attends to most in the last layer
    weight: float  # the pronoun's last-layer weight on that word


@torch.no_grad()
def answer(model: TwoLayerAttention, words: list[str]) -> Answer:
    """Run the trained model on any words (from core.text.tokenize: lowercase, "didn't" is one word).
    The first it/he/she/they is the pronoun; raises ValueError in plain words when there is none."""
    if not words or len(words) > MAX_TOKENS:
        raise ValueError(f"Type a sentence of 1 to {MAX_TOKENS} words.")
    pronoun = next((i for i, w in enumerate(words) if w in PRONOUNS), None)
    if pronoun is None:
        raise ValueError("There is no pronoun to resolve: type a sentence that contains *it* (or he, she, they).")
    device = next(model.parameters()).device
    results = model(encode_words(words)[None].to(device))
    weights = [r.weights[0].cpu() for r in results]
    answer = int(weights[-1][pronoun].argmax())
    return Answer(weights, pronoun, answer, float(weights[-1][pronoun, answer]))


class Example(NamedTuple):
    words: list[str]  # one generated sentence
    answer: str  # the noun "it" refers to
    kind: str  # "animal" when the adjective describes the animal, else "place"


def examples(size: int, generator: torch.Generator) -> list[Example]:
    """size training sentences from make_batch, written back as words with their right answer."""
    batch = make_batch(size, generator)
    rows = [[VOCABULARY[i] for i in row] for row in batch.tokens.tolist()]
    return [
        Example(words, words[target], "animal" if target == ANIMAL_POSITION else "place")
        for words, target in zip(rows, batch.target_position.tolist())
    ]


def first_step_reaching(accuracies: list[float], bar: float = 0.9) -> int | None:
    """The first training step (1-based) whose batch accuracy is at least `bar`, None if none is."""
    return next((step for step, a in enumerate(accuracies, start=1) if a >= bar), None)


class Stacking(NamedTuple):
    reader: int  # the word (not the adjective itself) whose layer-1 row puts most weight on the adjective
    reader_weight: float  # that weight
    pointer: int  # the word the pronoun attends to most in layer 2
    pointer_weight: float  # that weight
    runner_up: int  # the word with the pronoun's second-largest layer-2 weight (the other noun on a plateau)
    runner_up_weight: float


def stacking(
    weights: list[torch.Tensor], pronoun: int = PRONOUN_POSITION, adjective: int = ADJECTIVE_POSITION
) -> Stacking:
    """How the two layers share the work in one sentence, read off its maps [layer 1, layer 2], each (n, n):
    who reads the adjective in layer 1 (its own row excluded), and where the pronoun points in layer 2 (its two
    largest weights: on the plateau it splits between the two nouns)."""
    column = weights[0][:, adjective].clone()  # (n,) every word's weight on the adjective
    column[adjective] = -1.0
    reader = int(column.argmax())
    top = weights[-1][pronoun].topk(2)  # the pronoun's two largest layer-2 weights
    pointer, runner_up = top.indices.tolist()
    return Stacking(reader, float(column[reader]), pointer, float(top.values[0]), runner_up, float(top.values[1]))


def reader_ties(layer1: torch.Tensor, adjective: int = ADJECTIVE_POSITION, tolerance: float = 0.05) -> list[int]:
    """The words whose layer-1 row (layer1 is (n, n)) puts within `tolerance` of the largest weight any word
    but the adjective itself puts on the adjective: the readers that count as right in a near-tie."""
    column = layer1[:, adjective].clone()  # (n,)
    column[adjective] = -1.0
    return [i for i, w in enumerate(column.tolist()) if w >= float(column.max()) - tolerance]


def unknown_words(words: list[str]) -> list[str]:
    """The words (sorted, once each) that the model never saw and reads as <unk>."""
    return sorted({w for w in words if w not in TOKEN_ID and w not in PRONOUNS})


def unseen_answer(words: list[str], found: Answer) -> bool:
    """Whether the word the pronoun picked is one the model never saw (in `unknown_words`): it was found by its
    position alone, not by what the word is."""
    return words[found.answer] in unknown_words(words)
