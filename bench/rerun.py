"""(a) Server-side rerun time of every page after a slider move, next to a trivial app."""

from __future__ import annotations

import sys
import time

from streamlit.testing.v1 import AppTest

from bench.common import ROOT, report, summary_ms

# page -> (widget kind, key, two values to alternate between)
MOVES = {
    "lessons/why_attention.py": ("slider", "why_step", (3, 10)),
    "lessons/static_embeddings.py": ("selectbox", "static_c", ("woman", "girl")),
    "lessons/first_principles.py": ("slider", "fp_temperature", (0.5, 1.5)),
    "lessons/positional_encoding.py": ("slider", "pe_positions", (50, 60)),
    "lessons/qkv.py": ("slider", "qkv_d_k", (4, 8)),
    "lessons/multi_head.py": ("slider", "mha_layers", (1, 2)),
    "lessons/train_attention.py": ("slider", "train_steps", (100, 150)),
    "lessons/real_model.py": ("slider", "real_head", (0, 1)),
    "lessons/cost.py": ("slider", "cost_d", (256, 512)),
}


def time_moves(at: AppTest, kind: str, key: str, values: tuple, runs: int) -> list[float]:
    seconds = []
    for i in range(runs):
        widget = getattr(at, kind)(key=key)
        widget.set_value(values[i % 2])
        start = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{key}: {at.exception[0].value}")
    return seconds


def main(runs: int = 20) -> None:
    trivial = AppTest.from_file(str(ROOT / "bench" / "trivial_app.py"), default_timeout=60).run()
    baseline = summary_ms(time_moves(trivial, "slider", "n", (10, 20), runs))
    rows = [{"page": "trivial one-slider app", **baseline, "ratio_p95": 1.0}]
    for page, (kind, key, values) in MOVES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page(page).run()
        stats = summary_ms(time_moves(at, kind, key, values, runs))
        rows.append({"page": page, **stats, "ratio_p95": round(stats["p95_ms"] / baseline["p95_ms"], 1)})
    report("rerun", rows, notes=f"AppTest rerun after moving one widget, {runs} runs per page, same process.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
