"""Attention trained live: a one-head model learns which noun a pronoun refers to.

Task: "the king told the woman that she was tired" -> which noun does "she" mean? The answer
is the noun whose gender matches the pronoun, wherever it stands. The model's answer is simply
the word the pronoun attends to most (a pointer): training must shape the embeddings, W_q and
W_k so that the pronoun's query matches the right noun's key.
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

MASCULINE = ("king", "man", "boy", "father", "brother", "prince", "uncle", "son")
FEMININE = ("queen", "woman", "girl", "mother", "sister", "princess", "aunt", "daughter")
PRONOUNS = {"he": MASCULINE, "she": FEMININE}
VERBS = ("told", "asked", "thanked", "called")  # "called" is kept for held-out sentences
STATES = ("tired", "happy", "late", "right")  # "right" likewise
FILLER = ("the", "that", "was", "<unk>")
VOCABULARY = tuple(dict.fromkeys(FILLER + MASCULINE + FEMININE + tuple(PRONOUNS) + VERBS + STATES))
TOKEN_ID = {w: i for i, w in enumerate(VOCABULARY)}
PRONOUN_POSITION = 6


class Batch(NamedTuple):
    tokens: torch.Tensor  # (B, 9) token ids
    pronoun: torch.Tensor  # (B,) position of the pronoun
    target_position: torch.Tensor  # (B,) where the noun it refers to stands


def make_batch(size: int, generator: torch.Generator, held_out: bool = False) -> Batch:
    """Random sentences. Training sentences never use the last verb and the last state;
    held_out=True sentences always do, so they were never seen in training."""
    verbs, states = (VERBS[-1:], STATES[-1:]) if held_out else (VERBS[:-1], STATES[:-1])
    rows, pronouns, positions = [], [], []
    for _ in range(size):
        r = torch.randint(0, 1 << 30, (6,), generator=generator).tolist()
        he, she = MASCULINE[r[0] % len(MASCULINE)], FEMININE[r[1] % len(FEMININE)]
        first, second = (he, she) if r[2] % 2 else (she, he)
        pronoun = "he" if r[3] % 2 else "she"
        words = [
            "the",
            first,
            verbs[r[4] % len(verbs)],
            "the",
            second,
            "that",
            pronoun,
            "was",
            states[r[5] % len(states)],
        ]
        rows.append([TOKEN_ID[w] for w in words])
        pronouns.append(PRONOUN_POSITION)
        positions.append(words.index(he if pronoun == "he" else she))
    as_long = lambda x: torch.tensor(x, dtype=torch.long)
    return Batch(as_long(rows), as_long(pronouns), as_long(positions))


def encode_words(words: list[str]) -> torch.Tensor:
    """Token ids for any words; words outside the task's vocabulary become <unk>."""
    return torch.tensor([TOKEN_ID.get(w, TOKEN_ID["<unk>"]) for w in words], dtype=torch.long)


class PronounAttention(nn.Module):
    """embeddings -> one attention head; the pronoun's row of weights is the answer."""

    def __init__(self, d_model: int = 16, d_k: int = 8, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.embedding = nn.Embedding(len(VOCABULARY), d_model)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.randn(len(VOCABULARY), d_model, generator=generator))
        self.attention = QKVProjection(d_model, d_k, seed=seed)

    def forward(self, tokens: torch.Tensor, query_position: torch.Tensor) -> tuple[torch.Tensor, AttentionResult]:
        """tokens (B, n), query_position (B,) -> the query's scores over positions (B, n), attention."""
        # No positions: the right noun is found by meaning (gender), wherever it stands.
        result = self.attention(self.embedding(tokens))
        rows = torch.arange(tokens.shape[0], device=tokens.device)
        return result.scores[rows, query_position], result


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 150
    learning_rate: float = 0.05
    d_k: int = 8
    d_model: int = 16
    batch_size: int = 64
    seed: int = 0
    snapshots: int = 30


class TrainingRun(NamedTuple):
    losses: list[float]
    accuracies: list[float]
    snapshot_steps: list[int]
    snapshot_weights: list[torch.Tensor]  # the probe sentence's attention map at each snapshot: (9, 9)
    probe_words: list[str]
    model: PronounAttention


PROBE = "the king told the woman that she was tired".split()


def train(
    config: TrainConfig, device: torch.device | str = "cpu", on_step: Callable[[int, float, float], None] | None = None
) -> TrainingRun:
    """Adam on cross-entropy of the referred noun; records loss, accuracy and attention snapshots."""
    model = PronounAttention(config.d_model, config.d_k, config.seed).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    generator = torch.Generator().manual_seed(config.seed)
    probe = encode_words(PROBE)[None].to(device)  # (1, 9)
    probe_position = torch.tensor([PRONOUN_POSITION], device=device)
    every = max(1, math.ceil(config.steps / config.snapshots))
    losses, accuracies, steps, weights = [], [], [], []

    def snapshot(step: int) -> None:
        with torch.no_grad():
            _, result = model(probe, probe_position)
        steps.append(step)
        weights.append(result.weights[0].cpu())

    snapshot(0)
    for step in range(1, config.steps + 1):
        batch = make_batch(config.batch_size, generator)
        scores, _ = model(batch.tokens.to(device), batch.pronoun.to(device))
        # -log(weight on the right noun): softmax cross-entropy over positions
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
    return TrainingRun(losses, accuracies, steps, weights, PROBE, model)


class Evaluation(NamedTuple):
    accuracy: float  # the pronoun's largest weight is on the right noun
    weight_on_target: float  # mean weight the pronoun puts on the right noun


@torch.no_grad()
def evaluate(model: PronounAttention, size: int = 512, seed: int = 12345) -> Evaluation:
    """Held-out sentences (a verb and a state never seen in training)."""
    batch = make_batch(size, torch.Generator().manual_seed(seed), held_out=True)
    device = next(model.parameters()).device
    _, result = model(batch.tokens.to(device), batch.pronoun.to(device))
    rows = torch.arange(size)
    pronoun_rows = result.weights[rows, batch.pronoun.to(device)].cpu()  # (B, n)
    return Evaluation(
        float((pronoun_rows.argmax(-1) == batch.target_position).float().mean()),
        float(pronoun_rows[rows, batch.target_position].mean()),
    )
