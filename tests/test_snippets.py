"""Each page's plain-torch script (ui.snippets) recomputes what core/ computes, from the same inputs."""

import pytest
import torch

from core.attention import causal_mask, first_principles_attention
from core.embeddings import cosine_similarity, dot_similarity
from core.layers import stack_layers
from core.multi_head import MultiHeadSelfAttention
from core.positional import sinusoidal_encoding
from core.qkv import QKVProjection, qkv_attention_steps
from ui import snippets

WORDS = ["the", "cat", "sat", "down"]
E = torch.randn(4, 6, generator=torch.Generator().manual_seed(1))


def run(snippet: str) -> dict:
    namespace: dict = {}
    exec(snippet, namespace)  # our own generated script
    return namespace


def close(ours, theirs) -> None:
    torch.testing.assert_close(torch.as_tensor(ours).double(), theirs.double(), atol=1e-4, rtol=1e-4)


def test_first_principles():
    out = run(snippets.first_principles(E, WORDS, 0.7))
    expected = first_principles_attention(E, temperature=0.7)
    close(out["weights"], expected.weights)
    close(out["output"], expected.output)


@pytest.mark.parametrize("metric, reference", [("cosine", cosine_similarity), ("dot", dot_similarity)])
def test_similarity(metric, reference):
    close(run(snippets.similarity(E, WORDS, metric))["similarity"], reference(E))


def test_positional():
    close(run(snippets.positional(12, 8, 100.0))["pe"], sinusoidal_encoding(12, 8, 100.0))


@pytest.mark.parametrize("edited, scale, causal", [(False, True, False), (False, False, True), (True, True, True)])
def test_qkv(edited, scale, causal):
    projection = QKVProjection(6, 3, seed=5)
    weights = {"W_q": projection.w_q.detach(), "W_k": projection.w_k.detach(), "W_v": projection.w_v.detach()}
    if edited:
        weights["W_v"] = weights["W_v"] * 2
    snippet = snippets.qkv(
        E, WORDS, weights if edited else None, d_k=3, seed=5, scale=scale, causal=causal, temperature=0.5
    )
    mask = causal_mask(4) if causal else None
    expected = qkv_attention_steps(E, *weights.values(), mask=mask, scale=scale, temperature=0.5).attention
    out = run(snippet)
    close(out["weights"], expected.weights)
    close(out["output"], expected.output)


def test_multi_head():
    layers = [MultiHeadSelfAttention(6, 2, seed=3 + 10 * i) for i in range(3)]
    inputs, results = stack_layers(E, layers)
    out = run(snippets.multi_head(E, WORDS, positions=True, layers=3, heads=2, seed=3))
    close(out["final"], inputs[-1])
    close(torch.stack(out["weights"]), torch.stack([r.weights for r in results]))
