"""What the decoder gets right on held-out sentences, and what each of its heads does, by measurement.

Scores of a head (Olsson et al. 2022; Elhage et al. 2021), each an (L, H) table over layers and heads:
- previous-token: mean attention from position t to t − 1;
- induction (prefix matching): on x₁…xₙ x₁…xₙ, mean attention from each position t of the second copy to
  t − n + 1, the position just after the earlier occurrence of its word;
- deciding word: the share of held-out prompts whose largest weight from the last position (where the next
  word is predicted) lands on the word that decides it (the subject; for a repeat, the word to copy).
The head shown for a task is the best by its score on one held-out set; its numbers are then read on another,
so picking the best of L × H heads does not flatter them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

import torch
from torch.nn import functional as F

from core.gpt import GPT
from core.grammar import END, TASKS, Probe, held_out_probes, repeated_sequences

CHOOSE_SEED, REPORT_SEED = 101, 202  # the held-out sets that pick the heads and that report on them
REPEAT_LENGTH = 10  # words in each measurement sequence (it appears twice)
# Texts per forward pass when measuring: the same numbers as one batch of all of them, but the page's held-out
# report (500 prompts per task) raises a process's peak memory by 48 MiB instead of 135 (docs/performance.md).
MEASURE_BATCH = 100


class LastPosition(NamedTuple):
    logits: torch.Tensor  # (B, V) at each prompt's last position
    rows: torch.Tensor  # (B, L, H, T) each head's attention row from that position (zeros past the prompt)


@torch.no_grad()
def in_batches(
    model: GPT, ids: torch.Tensor, ablate: Collection[tuple[int, int]] = ()
) -> tuple[torch.Tensor, torch.Tensor]:
    """model(ids, ablate) for ids (B, n), MEASURE_BATCH texts at a time: logits (B, n, V), attentions
    (B, L, H, n, n)."""
    parts = [model(chunk, ablate) for chunk in ids.split(MEASURE_BATCH)]
    return torch.cat([logits for logits, _ in parts]), torch.cat([attentions for _, attentions in parts])


@torch.no_grad()
def last_position(model: GPT, probes: Sequence[Probe], ablate: Collection[tuple[int, int]] = ()) -> LastPosition:
    """Run the prompts padded to one width (after their end, which the causal mask keeps out of their rows)."""
    width = max(len(p.prompt) for p in probes)
    ids = torch.full((len(probes), width), model.word_id[END], dtype=torch.long)
    for row, probe in enumerate(probes):
        ids[row, : len(probe.prompt)] = torch.tensor([model.word_id[w] for w in probe.prompt])
    logits, attentions = in_batches(model, ids, ablate)
    rows = torch.arange(len(probes))
    last = torch.tensor([len(p.prompt) - 1 for p in probes])
    return LastPosition(logits[rows, last], attentions[rows, :, :, last])


def accuracy(model: GPT, probes: Sequence[Probe], ablate: Collection[tuple[int, int]] = ()) -> float:
    """Share of probes whose right word has the largest logit among the words its slot allows
    (he/she/it/they for a pronoun, was/were for a verb, any word for a repeat)."""
    logits = last_position(model, probes, ablate).logits
    right = 0
    for row, probe in zip(logits, probes):
        choices = [model.word_id[w] for w in probe.choices]
        right += choices[int(row[choices].argmax())] == model.word_id[probe.answer]
    return right / len(probes)


def top_word_accuracy(model: GPT, probes: Sequence[Probe]) -> float:
    """Share of probes whose right word is the most probable of all the model's words."""
    logits = last_position(model, probes).logits
    answers = torch.tensor([model.word_id[p.answer] for p in probes])
    return float((logits.argmax(-1) == answers).float().mean())


def deciding_scores(model: GPT, probes: Sequence[Probe]) -> torch.Tensor:
    """(L, H): per head, the share of probes whose largest weight from the last position is on probe.deciding."""
    rows = last_position(model, probes).rows  # (B, L, H, T)
    deciding = torch.tensor([p.deciding for p in probes])
    return (rows.argmax(-1) == deciding[:, None, None]).float().mean(0)


def previous_token_scores(attentions: torch.Tensor) -> torch.Tensor:
    """attentions (B, L, H, n, n) -> (L, H): mean weight from each position t >= 1 to t − 1."""
    return attentions.diagonal(offset=-1, dim1=-2, dim2=-1).mean(dim=(0, -1))


def induction_scores(attentions: torch.Tensor, n: int) -> torch.Tensor:
    """attentions (B, L, H, 2n, 2n) on repeated sequences -> (L, H): mean weight from each t of the second
    copy (n <= t < 2n) to t − n + 1."""
    return attentions[..., n:, :].diagonal(offset=1, dim1=-2, dim2=-1).mean(dim=(0, -1))


def copy_loss(logits: torch.Tensor, ids: torch.Tensor, n: int) -> float:
    """logits (B, 2n, V) on repeated sequences ids (B, 2n) -> mean cross-entropy of the second copy's words
    after its first (the ones copying can predict)."""
    predicted = logits[:, n:-1]  # positions n … 2n − 2 predict the words at n + 1 … 2n − 1
    return float(F.cross_entropy(predicted.flatten(0, 1), ids[:, n + 1 :].flatten()))


class Repeats(NamedTuple):
    previous: torch.Tensor  # (L, H) previous-token scores
    induction: torch.Tensor  # (L, H) prefix-matching scores
    copy_loss: float  # next-word loss on the second copy


@torch.no_grad()
def measure_repeats(model: GPT, sequences: torch.Tensor) -> Repeats:
    """Every head's previous-token and induction scores, and the copy loss, on repeated sequences (B, 2n)."""
    n = sequences.shape[-1] // 2
    logits, attentions = in_batches(model, sequences)
    return Repeats(previous_token_scores(attentions), induction_scores(attentions, n), copy_loss(logits, sequences, n))


def measurement_sequences(count: int, seed: int = CHOOSE_SEED) -> torch.Tensor:
    """(count, 2 * REPEAT_LENGTH) held-out repeated sequences, seeded."""
    return repeated_sequences(count, REPEAT_LENGTH, torch.Generator().manual_seed(seed))


class Head(NamedTuple):
    layer: int  # from 0
    head: int  # from 0
    score: float  # what it was chosen by

    def label(self, score_name: str) -> str:
        """'layer 2, head 3: induction 0.91' (counted from 1, as the page says it)."""
        return f"layer {self.layer + 1}, head {self.head + 1}: {score_name} {self.score:.2f}"


def best_head(scores: torch.Tensor) -> Head:
    """The (layer, head) with the largest score in an (L, H) table (ties: the first)."""
    flat = int(scores.flatten().argmax())
    layer, head = divmod(flat, scores.shape[1])
    return Head(layer, head, float(scores[layer, head]))


def find_heads(model: GPT, count: int = 300, seed: int = CHOOSE_SEED) -> dict[str, Head]:
    """The head for each job, by measurement on held-out data: 'previous token' and 'induction' by their
    scores on repeated sequences, 'pronoun' and 'agreement' by their deciding-word scores."""
    repeats = measure_repeats(model, measurement_sequences(count, seed))
    heads = {"previous token": best_head(repeats.previous), "induction": best_head(repeats.induction)}
    for task in ("pronoun", "agreement"):
        heads[task] = best_head(deciding_scores(model, held_out_probes(task, count, seed)))
    return heads


class TaskReport(NamedTuple):
    accuracy: float  # right word first among the slot's choices, held-out prompts
    top_word: float  # right word the most probable of all words
    head: Head  # the head found for the task (chosen on another held-out set)
    head_lands: (
        float  # share of these prompts whose head's largest weight from the last position is on the deciding word
    )
    accuracy_without_head: float  # accuracy with that head switched off
    prompts: int


@torch.no_grad()
def report(model: GPT, count: int = 500, seed: int = REPORT_SEED) -> dict[str, TaskReport]:
    """Per task, the live numbers the page states: held-out accuracy, the found head and how often it
    lands on the deciding word, and the accuracy once that head is switched off."""
    heads = find_heads(model)
    out = {}
    for task in TASKS:
        probes = held_out_probes(task, count, seed)
        head = heads[task]
        lands = float(deciding_scores(model, probes)[head.layer, head.head])
        without = accuracy(model, probes, ablate=[(head.layer, head.head)])
        out[task] = TaskReport(accuracy(model, probes), top_word_accuracy(model, probes), head, lands, without, count)
    return out


def learned(task: str, result: TaskReport, clean: float) -> bool:
    """Whether the head found for `task` does it: a copying (induction) head needs a previous-token head below
    it, so none can be in the first layer, and its prefix-matching score must reach `clean`. The other tasks'
    heads are chosen on their own prompts and reported by how often they land on the deciding word."""
    return task != "induction" or (result.head.layer > 0 and result.head.score >= clean)


def shared_heads(reports: dict[str, TaskReport], clean: float) -> list[list[str]]:
    """The tasks that one head does at once, per head that does more than one (only tasks it has `learned`),
    in the order of `reports`."""
    jobs: dict[tuple[int, int], list[str]] = {}
    for task, result in reports.items():
        if learned(task, result, clean):
            jobs.setdefault((result.head.layer, result.head.head), []).append(task)
    return [tasks for tasks in jobs.values() if len(tasks) > 1]
