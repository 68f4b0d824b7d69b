"""What attention costs: measured time and memory, fitted exponents, the paper's table."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

import torch

from core.attention import scaled_dot_product_attention


class Timing(NamedTuple):
    n: int
    seconds: float  # median over repeats
    matrix_bytes: int  # size of the n×n score matrix (attention) or 0 (RNN keeps no such matrix)
    peak_bytes: int | None  # measured peak allocation on CUDA, None elsewhere


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(run: Callable[[], object], device: torch.device, repeats: int = 5) -> float:
    """Median wall time of run() after one warm-up call, waiting for the device each time."""
    run()
    _synchronise(device)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        _synchronise(device)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_attention(n: int, d: int, device: torch.device, repeats: int = 5, seed: int = 0) -> Timing:
    """One self-attention pass over n tokens of width d (q = k = v = x)."""
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed)).to(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    with torch.no_grad():
        seconds = median_seconds(lambda: scaled_dot_product_attention(x, x, x), device, repeats)
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return Timing(n, seconds, n * n * x.element_size(), peak)


def time_recurrent(n: int, d: int, device: torch.device, repeats: int = 5, seed: int = 0) -> Timing:
    """One tanh-RNN pass: n dependent steps h_t = tanh(W x_t + U h_{t−1}), written as a loop."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=generator).to(device)
    W, U = (torch.randn(d, d, generator=generator).to(device) / math.sqrt(d) for _ in range(2))

    def run() -> torch.Tensor:
        h = torch.zeros(d, device=device)
        for t in range(n):
            h = torch.tanh(x[t] @ W + h @ U)
        return h

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    with torch.no_grad():
        seconds = median_seconds(run, device, repeats)
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return Timing(n, seconds, 0, peak)


def loglog_slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y against log x: y ∝ x^slope."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def operations_per_layer(n: int, d: int) -> dict[str, int]:
    """Table 1 of Attention Is All You Need: multiply-adds per layer, up to constants."""
    return {"self-attention": n * n * d, "recurrent": n * d * d}


def operations_by_size(sizes: list[int], d: int) -> dict[str, list[int]]:
    """operations_per_layer at every n in sizes, one list per kind of layer."""
    counts = [operations_per_layer(n, d) for n in sizes]
    return {layer: [count[layer] for count in counts] for layer in counts[0]}


def sizes_to_time(largest: int) -> list[int]:
    """The sequence lengths to time, up to `largest`: powers of two from 16."""
    return [2**k for k in range(4, 15) if 2**k <= largest]


def times_at_largest(rows: list[dict]) -> tuple[int, dict[str, float]]:
    """From measure_scaling's rows: the largest n timed, and each model's milliseconds there."""
    n_max = max(r["n"] for r in rows)
    return n_max, {r["model"]: r["milliseconds"] for r in rows if r["n"] == n_max}


TIE_TOLERANCE = 0.15  # two timings within 15 % of the faster one count as "about the same"


def measure_scaling(
    ns: list[int],
    d: int,
    device: torch.device,
    repeats: int = 5,
    on_progress: Callable[[float, str], None] | None = None,
) -> list[dict]:
    """time_attention and time_recurrent at every n: one record per (n, model) with "n", "model",
    "milliseconds", "n×n matrix (MiB)" and "measured peak (MiB)" (None off CUDA).
    on_progress(fraction done, what is running) is called before each n (for a progress bar)."""
    rows = []
    for i, n in enumerate(ns):
        if on_progress is not None:
            on_progress(i / len(ns), f"n = {n}: attention and RNN on {device.type}")
        for model, timing in (
            ("attention", time_attention(n, d, device, repeats)),
            ("RNN", time_recurrent(n, d, device, repeats)),
        ):
            rows.append(
                {
                    "n": n,
                    "model": model,
                    "milliseconds": timing.seconds * 1000,
                    "n×n matrix (MiB)": timing.matrix_bytes / 2**20,
                    "measured peak (MiB)": None if timing.peak_bytes is None else timing.peak_bytes / 2**20,
                }
            )
    return rows


def tail_exponents(rows: list[dict], x: str = "n", y: str = "milliseconds", tail: float = 8.0) -> dict[str, float]:
    """Per model, loglog_slope of y against x over the large-x end (x ≥ max x / tail), where fixed
    per-call overheads fade: time ∝ n^exponent."""
    exponents = {}
    for model in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == model]
        largest = max(r[x] for r in mine)
        end = [r for r in mine if r[x] >= largest / tail]
        exponents[model] = loglog_slope([r[x] for r in end], [r[y] for r in end])
    return exponents


def compare_times(times: dict[str, float], tolerance: float = TIE_TOLERANCE) -> tuple[str, list[str]]:
    """Which of two timings is faster, as a quiz answer: (answer, options that also count as right).

    Within `tolerance` of the faster one, the answer is "about the same" and the faster one counts
    too (a near-tie); beyond it, the faster one alone.
    """
    (fast, fast_time), (_, slow_time) = sorted(times.items(), key=lambda item: item[1])
    if slow_time <= fast_time * (1 + tolerance):
        return "about the same", [fast]
    return fast, []
