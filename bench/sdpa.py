"""(b) core scaled_dot_product_attention vs the plain three-op torch reference, same run.

The reference is what the lesson writes on the board: scores = q kᵀ / √d, torch.softmax, @ v.
Both return the n×n weights' worth of work, so the ratio is the cost of core's extra bookkeeping.
Batch (8, 1024, 64): 8 heads, n = 1024, d = 64, CPU, once with 1 thread and once with torch's default.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import torch

from bench.common import report
from core.attention import scaled_dot_product_attention

HEADS, N, D = 8, 1024, 64
WARMUP, RUNS = 3, 30


def reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, -1)
    return weights @ v


def interleaved_medians(
    a: Callable[[], object], b: Callable[[], object], runs: int = RUNS, warmup: int = WARMUP
) -> tuple[float, float, float]:
    """Median seconds of a() and b(), alternating them so machine noise hits both alike, and the
    median of the per-pair ratios a/b (robust when other work on the machine comes in bursts)."""
    for _ in range(warmup):
        a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(runs):
        for which, run in ((0, a), (1, b)) if i % 2 == 0 else ((1, b), (0, a)):
            start = time.perf_counter()
            run()
            times[which].append(time.perf_counter() - start)
    paired = statistics.median(x / y for x, y in zip(*times))
    return statistics.median(times[0]), statistics.median(times[1]), paired


def main() -> None:
    q, k, v = (torch.randn(HEADS, N, D, generator=torch.Generator().manual_seed(i)) for i in range(3))
    default_threads = torch.get_num_threads()
    rows = []
    try:
        for threads in (1, default_threads):
            torch.set_num_threads(threads)
            with torch.no_grad():
                ours, theirs, paired = interleaved_medians(
                    lambda: scaled_dot_product_attention(q, k, v), lambda: reference(q, k, v)
                )
            rows.append(
                {
                    "threads": threads,
                    "shape": f"({HEADS}, {N}, {D})",
                    "core_ms": round(ours * 1000, 3),
                    "reference_ms": round(theirs * 1000, 3),
                    "ratio": round(ours / theirs, 3),
                    "paired_ratio": round(paired, 3),
                }
            )
    finally:
        torch.set_num_threads(default_threads)
    report(
        "sdpa",
        rows,
        notes=f"CPU, no_grad, median of {RUNS} interleaved runs after {WARMUP} warm-ups each; ratio = "
        "median/median, paired_ratio = median of adjacent-run ratios. Reference: q @ kᵀ / √d, torch.softmax, @ v. "
        "Target: ratio ≤ 1.1.",
    )


if __name__ == "__main__":
    main()
