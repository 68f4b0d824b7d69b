"""The lesson's GPT: held-out accuracy per task, the heads found for them, the KV cache timed, the on-page training.

    python -m bench.gpt            (writes bench/results/gpt.json)

KV cache: for each text length t, the time to predict word t + 1 with the cache (one query row against t − 1
cached keys and values, plus its own) against recomputing all t rows, interleaved, median of RUNS; and the
time to write from a 4-word prompt to the full block both ways.
"""

from __future__ import annotations

import time

import torch

from bench.common import report
from bench.sdpa import interleaved_medians
from core.gpt import generate, load_pretrained
from core.gpt_heads import report as measure
from core.gpt_training import ON_PAGE, train

RUNS, WARMUP = 40, 5
LENGTHS = (4, 8, 16, 24, 32)
PROMPT = "the queen who met the king on the road said that"


def main() -> None:
    # one thread: on a shared 2-core machine two threads fight other work and time its scheduling instead
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run()
    finally:
        torch.set_num_threads(threads)


def run() -> None:
    model = load_pretrained()
    rows = []
    for task, result in measure(model).items():
        rows.append(
            {
                "what": f"held-out {task}",
                "accuracy": round(result.accuracy, 3),
                "top_word": round(result.top_word, 3),
                "head": result.head.label("chosen by"),
                "head_lands": round(result.head_lands, 3),
                "accuracy_head_off": round(result.accuracy_without_head, 3),
                "prompts": result.prompts,
            }
        )
    ids = torch.tensor(model.known_words(" ".join([PROMPT] * 4)).ids)  # the first block_size words
    with torch.no_grad():
        for t in LENGTHS:
            cache = model.step(ids[: t - 1]).cache
            step, whole = (lambda: model.step(ids[t - 1 : t], cache)), (lambda: model(ids[:t]))  # noqa: B023
            cached, full, _ = interleaved_medians(step, whole, RUNS, WARMUP)
            rows.append(
                {"what": f"next word at t = {t}", "cached_ms": round(cached * 1e3, 3), "full_ms": round(full * 1e3, 3)}
            )
    start = model.encode("the kings who saw")
    steps = model.config.block_size - len(start)
    cached, full, _ = interleaved_medians(
        lambda: generate(model, start, steps, use_cache=True),
        lambda: generate(model, start, steps, use_cache=False),
        RUNS,
        WARMUP,
    )
    rows.append({"what": f"write {steps} words", "cached_ms": round(cached * 1e3, 3), "full_ms": round(full * 1e3, 3)})
    begin = time.perf_counter()
    training = train(ON_PAGE)
    seconds = time.perf_counter() - begin
    last = training.snapshots[-1]
    rows.append(
        {
            "what": f"on-page training, {ON_PAGE.steps} steps",
            "seconds": round(seconds, 2),
            "threads": torch.get_num_threads(),
            "loss": round(last.loss, 3),
            "copy_loss": round(last.copy_loss, 3),
            "induction": round(float(last.induction.max()), 3),
            "pronoun": round(float(last.pronoun.max()), 3),
            "agreement": round(float(last.agreement.max()), 3),
        }
    )
    report(
        "gpt",
        rows,
        notes="accuracy: right word first among its slot's choices (pronoun: he/she/it/they, agreement: was/were, "
        "induction: any word) on held-out prompts with a disagreeing distractor; top_word: first among all words; "
        "head_lands: share whose found head's largest weight from the last position is on the deciding word (head "
        f"chosen on another held-out set). Timings: CPU, no_grad, median of {RUNS} interleaved runs after {WARMUP} "
        "warm-ups; on-page training timed once, with its snapshots.",
    )


if __name__ == "__main__":
    main()
