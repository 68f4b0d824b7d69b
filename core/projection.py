"""Flattening vectors to 2-D so they can be drawn."""

from __future__ import annotations

import torch

from core.tensors import ArrayLike, as_tensor


def pca_2d(X: ArrayLike) -> torch.Tensor:
    """(n, d) -> (n, 2): coordinates on the two directions of largest variance.

    Signs are fixed (largest loading positive) so the picture does not flip between reruns.
    """
    X = as_tensor(X).double()
    centred = X - X.mean(0, keepdim=True)
    if X.shape[0] < 2:
        return torch.zeros(X.shape[0], 2, dtype=torch.float32, device=X.device)
    _, _, Vh = torch.linalg.svd(centred, full_matrices=False)
    axes = Vh[:2]
    signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
    axes = axes * torch.where(signs == 0, torch.ones_like(signs), signs)
    coords = centred @ axes.T
    if coords.shape[1] < 2:
        coords = torch.cat(
            [coords, torch.zeros(X.shape[0], 2 - coords.shape[1], dtype=coords.dtype, device=X.device)], 1
        )
    return coords.float()
