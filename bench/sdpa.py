"""(b) core attention vs torch.nn.functional.scaled_dot_product_attention, same run."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bench.common import report
from core.attention import scaled_dot_product_attention
from core.complexity import median_seconds
from core.device import available_devices


def main() -> None:
    rows = []
    for device in [torch.device(d) for d in available_devices() if d != "mps"]:
        for n in (128, 1024, 4096):
            q, k, v = (torch.randn(1, n, 64, generator=torch.Generator().manual_seed(i)).to(device) for i in range(3))
            with torch.no_grad():
                ours = median_seconds(lambda: scaled_dot_product_attention(q, k, v), device, repeats=9)
                theirs = median_seconds(lambda: F.scaled_dot_product_attention(q, k, v), device, repeats=9)
            rows.append(
                {
                    "device": device.type,
                    "n": n,
                    "d": 64,
                    "core_ms": round(ours * 1000, 3),
                    "torch_sdpa_ms": round(theirs * 1000, 3),
                    "ratio": round(ours / theirs, 2),
                }
            )
    report("sdpa", rows, notes="Median of 9 after a warm-up; core materialises the n×n weights (it returns them).")


if __name__ == "__main__":
    main()
