"""Where the tensors live: cuda > mps > cpu."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def available_devices() -> list[str]:
    """Device types this machine can run on, fastest first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found + ["cpu"]


def pick_device(prefer: str | None = None) -> torch.device:
    """The fastest device present, or `prefer` ("cpu", "cuda", "mps") if it is present.

    Raises ValueError naming what is available when `prefer` is absent or unknown.
    """
    present = available_devices()
    if prefer in (None, "", "auto"):
        return torch.device(present[0])
    kind = str(prefer).split(":")[0]
    if kind not in DEVICE_CHOICES:
        raise ValueError(f"unknown device {prefer!r}; choose one of: {', '.join(DEVICE_CHOICES)}")
    if kind not in present:
        raise ValueError(f"{kind} is not available on this machine; available: {', '.join(present)}")
    return torch.device(prefer)
