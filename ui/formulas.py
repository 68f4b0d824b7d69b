"""Formulas with the page's own numbers substituted, as LaTeX for st.latex (pure: strings from numbers)."""

from __future__ import annotations

import math

import torch

FIRST_PRINCIPLES = r"y_i = \sum_j \operatorname{softmax}_j\!\left(\frac{e_i\cdot e_j}{T}\right) e_j"


def first_principles_row(
    labels: list[str], i: int, scores: torch.Tensor, top: list[tuple[int, float]], T: float
) -> str:
    """Word i's output written out: softmax of its scores (n,) (the first 6) over T, times E, then as
    the weighted sum of its `top` (j, weight) words (core.attention.top_weights)."""
    shown = ",\\ ".join(f"{float(s):.2f}" for s in scores[:6]) + (r",\dots" if len(labels) > 6 else "")
    terms = " + ".join(rf"{w:.2f}\,e_{{\text{{{labels[j]}}}}}" for j, w in top)
    return (
        rf"\begin{{aligned}} y_{{\text{{{labels[i]}}}}} &= \operatorname{{softmax}}\!\left("
        rf"\tfrac{{1}}{{{T:.1f}}}\,[{shown}]\right) \cdot E \\ &= {terms}"
        + (r" + \dots" if len(labels) > len(top) else "")
        + r" \end{aligned}"
    )


def qkv_step(step: int, *, d_k: int, scale: bool, temperature: float, causal: bool) -> tuple[str, str]:
    """Step `step` (0: Q, K, V … 4: the output) of one head: its heading ("Steps 1–k below; the last, step k"),
    text for st.markdown, and its formula as LaTeX. Apart: a heading inside the formula ran off a phone's edge."""
    formulas = [
        r"Q = XW_q,\; K = XW_k,\; V = XW_v",
        r"S = QK^{\mathsf{T}}",
        rf"S' = S / \sqrt{{d_k}} = S / {math.sqrt(d_k):.2f}" if scale else r"S' = S \text{ (no scaling)}",
        rf"A = \operatorname{{softmax}}(S' / {temperature:g})"  # :g as the chart's input writes it: 1, 0.3
        + (r"\text{ with the future masked}" if causal else ""),
        r"Y = AV",
    ]
    heading = "Step 1" if step == 0 else f"Steps 1–{step + 1} below; the last, step {step + 1}"
    return heading, formulas[step]
