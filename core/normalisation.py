"""Normalisation: rescaling each word vector before attention sees it."""

from __future__ import annotations

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """(x − mean) / std over the last dimension, as transformers do before attention:
    every word vector gets mean 0 and variance 1, whatever its original scale."""
    x = torch.as_tensor(x, dtype=torch.float32) if not isinstance(x, torch.Tensor) else x
    mean = x.mean(-1, keepdim=True)
    variance = x.var(-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(variance + eps)
