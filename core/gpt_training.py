"""Training the decoder on core.grammar's sentences, with a replay of its heads forming.

AdamW on the next-word cross-entropy, learning rate warmed up then decayed on a cosine (as nanoGPT does),
gradients clipped to norm 1. One seed fixes the initial weights, the sentences and their order, so the same
seed trains the same model. Every `snapshot_every` steps a snapshot records the loss, the loss on the second
copy of repeated sequences and every head's induction, previous-token and deciding-word scores, all on
held-out data: the replay in which an induction head appears and the copy loss drops with it.

    python -m core.gpt_training --seed 0 --out core/weights/gpt.safetensors
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import torch

from core import gpt
from core.gpt import GPT, GPTConfig
from core.gpt_heads import deciding_scores, measure_repeats, measurement_sequences
from core.grammar import batch, held_out_probes, training_sentence

SNAPSHOT_PROBES = 64  # held-out prompts (and repeated sequences) measured at each snapshot


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 600
    batch_size: int = 48
    learning_rate: float = 1e-2
    # on matrices only, not on biases, layer norms or position tables; 0.1 blurred the deciding heads (their
    # largest weight moved off the subject while the accuracy stayed at 100 %)
    weight_decay: float = 0.01
    warmup: int = 40
    seed: int = 0
    snapshot_every: int = 20
    model: GPTConfig = field(default_factory=GPTConfig)


SHIPPED = TrainConfig(steps=2500, snapshot_every=100)  # the weights in core/weights (`make model`)
# the page's run from scratch, the same recipe, shorter: the pronoun and agreement heads form by step ~300
ON_PAGE = replace(SHIPPED, steps=600, snapshot_every=20)


class Snapshot(NamedTuple):
    step: int
    loss: float  # mean training loss over the steps since the last snapshot (at step 0: the first batch's)
    copy_loss: float  # next-word loss on the second copy of held-out repeated sequences
    induction: torch.Tensor  # (L, H) prefix-matching scores
    previous: torch.Tensor  # (L, H) previous-token scores
    pronoun: torch.Tensor  # (L, H) deciding-word scores on held-out pronoun prompts
    agreement: torch.Tensor  # (L, H) the same on held-out agreement prompts


class Training(NamedTuple):
    model: GPT
    snapshots: list[Snapshot]  # step 0 (untrained) first, then every snapshot_every steps and the last step


def learning_rate(step: int, config: TrainConfig) -> float:
    """Linear warm-up to config.learning_rate, then cosine decay to a tenth of it at the last step."""
    if step < config.warmup:
        return config.learning_rate * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def optimiser(model: GPT, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on the weight matrices (and the tied embedding) only."""
    decay = [p for name, p in model.named_parameters() if p.dim() == 2 and name != "wpe"]
    rest = [p for name, p in model.named_parameters() if not (p.dim() == 2 and name != "wpe")]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(0.9, 0.95))


class _Probes(NamedTuple):
    sequences: torch.Tensor
    pronoun: list
    agreement: list


def _snapshot(model: GPT, step: int, loss: float, probes: _Probes) -> Snapshot:
    model.eval()
    repeats = measure_repeats(model, probes.sequences)
    pronoun, agreement = deciding_scores(model, probes.pronoun), deciding_scores(model, probes.agreement)
    model.train()
    return Snapshot(step, loss, repeats.copy_loss, repeats.induction, repeats.previous, pronoun, agreement)


def train(config: TrainConfig = TrainConfig(), progress: Callable[[float], None] | None = None) -> Training:
    """Train a fresh GPT for config.steps steps; progress(fraction done) after each step."""
    generator = torch.Generator().manual_seed(config.seed)
    model = GPT(config.model, seed=config.seed)
    opt = optimiser(model, config)
    probes = _Probes(
        measurement_sequences(SNAPSHOT_PROBES),
        held_out_probes("pronoun", SNAPSHOT_PROBES),
        held_out_probes("agreement", SNAPSHOT_PROBES),
    )
    snapshots, since = [], []
    model.train()
    for step in range(config.steps):
        inputs, targets = batch([training_sentence(generator) for _ in range(config.batch_size)])
        loss = gpt.loss(model, inputs, targets)
        if step == 0:
            snapshots.append(_snapshot(model, 0, loss.item(), probes))
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, config)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        since.append(loss.item())
        done = step + 1
        if done % config.snapshot_every == 0 or done == config.steps:
            snapshots.append(_snapshot(model, done, sum(since) / len(since), probes))
            since = []
        if progress is not None:
            progress(done / config.steps)
    return Training(model.eval(), snapshots)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the lesson's GPT and write its weights.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=SHIPPED.steps)
    # one thread: the same sums in the same order on every machine, so the same seed writes the same weights
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=gpt.WEIGHTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    config = replace(SHIPPED, steps=args.steps, seed=args.seed)
    last_tenth = [0]

    def show(fraction: float) -> None:
        if int(fraction * 10) > last_tenth[0]:
            last_tenth[0] = int(fraction * 10)
            print(f"{fraction:4.0%}", flush=True)

    training = train(config, show)
    for s in training.snapshots:
        print(
            f"step {s.step:5d}  loss {s.loss:.3f}  copy {s.copy_loss:.3f}  induction {float(s.induction.max()):.2f}"
            f"  pronoun {float(s.pronoun.max()):.2f}  agreement {float(s.agreement.max()):.2f}"
        )
    gpt.save(training.model, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
