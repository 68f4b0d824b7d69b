"""Flattening vectors to 2-D so they can be drawn."""

from __future__ import annotations

import math

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


def merge_coincident(coords: ArrayLike, labels: list[str], tolerance: float = 0.03) -> tuple[torch.Tensor, list[str]]:
    """Points closer than `tolerance` × the map's larger side become one point labelled
    "cat, dog" (at their mean), so a 2-D map never stacks labels on top of each other.

    coords: (n, 2) -> (m, 2) with m <= n, and the m labels.
    """
    xy = as_tensor(coords).double()
    span = float((xy.max(0).values - xy.min(0).values).max()) if len(xy) else 0.0
    limit = tolerance * span if span > 0 else 1e-9
    # a few dozen points compared one by one: plain floats (torch's per-pair calls took ~2 ms a map)
    points, groups = xy.tolist(), []
    for i, point in enumerate(points):
        for group in groups:
            if math.dist(_mean([points[j] for j in group]), point) <= limit:
                group.append(i)
                break
        else:
            groups.append([i])
    merged = torch.tensor([_mean([points[j] for j in g]) for g in groups], dtype=xy.dtype) if groups else xy
    return merged.float(), [", ".join(labels[i] for i in g) for g in groups]


def _mean(points: list[list[float]]) -> list[float]:
    """The centre of a few points, coordinate by coordinate."""
    return [sum(coordinate) / len(points) for coordinate in zip(*points, strict=True)]
