"""Turning whatever the caller has (numpy, lists, tensors) into a float tensor."""

from __future__ import annotations

import numpy as np
import torch

ArrayLike = torch.Tensor | np.ndarray | list | tuple


def as_tensor(x: ArrayLike, like: torch.Tensor | None = None) -> torch.Tensor:
    """A floating tensor for `x`, kept on its device; numpy and lists become float32 on CPU
    (or on `like`'s device and dtype, when given)."""
    if isinstance(x, torch.Tensor):
        t = x if x.is_floating_point() else x.float()
    else:
        t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if like is not None:
        t = t.to(device=like.device, dtype=like.dtype)
    return t


def to_numpy(x: torch.Tensor) -> np.ndarray:
    """A numpy copy of a tensor from any device (for tables and charts)."""
    return x.detach().to("cpu", torch.float64).numpy()
