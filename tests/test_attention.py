"""core.attention against torch's own implementations."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.attention import (
    causal_mask,
    first_principles_attention,
    normalise_rows,
    scaled_dot_product_attention,
    softmax,
    weight_on_later_words,
)
from core.device import available_devices
from core.multi_head import multi_head_attention

torch.manual_seed(0)


def random_qkv(*batch, n=7, d=16, d_v=16, device="cpu"):
    g = torch.Generator().manual_seed(1)
    return tuple(torch.randn(*batch, n, dim, generator=g).to(device) for dim in (d, d, d_v))


@pytest.mark.parametrize("batch", [(), (3,), (2, 4)])
def test_sdpa_matches_torch(batch):
    q, k, v = random_qkv(*batch)
    ours = scaled_dot_product_attention(q, k, v)
    theirs = F.scaled_dot_product_attention(q, k, v)
    assert ours.output.shape == theirs.shape
    torch.testing.assert_close(ours.output, theirs, atol=1e-5, rtol=1e-5)


def test_sdpa_with_boolean_mask_matches_torch():
    q, k, v = random_qkv(2, 3)
    mask = torch.rand(2, 3, 7, 7, generator=torch.Generator().manual_seed(5)) > 0.4
    mask[..., 0] = True  # every row may attend somewhere
    ours = scaled_dot_product_attention(q, k, v, mask=mask)
    torch.testing.assert_close(
        ours.output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=1e-5, rtol=1e-5
    )
    assert torch.all(ours.weights[~mask] == 0)


def test_causal_mask_matches_torch_is_causal():
    q, k, v = random_qkv(4)
    ours = scaled_dot_product_attention(q, k, v, mask=causal_mask(7))
    torch.testing.assert_close(
        ours.output, F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=1e-5, rtol=1e-5
    )
    assert torch.all(ours.weights.triu(1) == 0)
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]


def test_unscaled_and_temperature():
    q, k, v = random_qkv()
    raw = scaled_dot_product_attention(q, k, v, scale=False)
    torch.testing.assert_close(raw.scores, q @ k.T)
    hot = scaled_dot_product_attention(q, k, v, temperature=4.0)
    torch.testing.assert_close(hot.weights, torch.softmax(q @ k.T / math.sqrt(16) / 4.0, -1))


def test_sdpa_scores_are_scaled_and_masked_but_not_tempered():
    q, k, v = random_qkv()
    mask = causal_mask(7)
    hot = scaled_dot_product_attention(q, k, v, mask=mask, temperature=2.0)
    expected = (q @ k.T / math.sqrt(16)).masked_fill(~mask, float("-inf"))
    torch.testing.assert_close(hot.scores, expected)
    torch.testing.assert_close(hot.weights, torch.softmax(expected / 2.0, -1))
    with pytest.raises(ValueError, match="temperature"):
        scaled_dot_product_attention(q, k, v, temperature=0.0)


def test_sdpa_fully_masked_row_is_zero_not_nan():
    q, k, v = random_qkv(2)
    mask = causal_mask(7)
    mask[3] = False  # token 3 may attend to nothing
    result = scaled_dot_product_attention(q, k, v, mask=mask)
    assert torch.isfinite(result.weights).all() and torch.isfinite(result.output).all()
    assert torch.all(result.weights[:, 3] == 0) and torch.all(result.output[:, 3] == 0)
    torch.testing.assert_close(result.weights.sum(-1)[:, [0, 1, 2, 4, 5, 6]], torch.ones(2, 6))


def test_sdpa_is_stable_for_huge_scores():
    q = torch.tensor([[1e4, 0.0], [-1e4, 0.0]])
    k = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    result = scaled_dot_product_attention(q, k, torch.eye(2), scale=False)
    torch.testing.assert_close(result.weights, torch.eye(2))
    overflow = scaled_dot_product_attention(torch.full((2, 2), 1e30), torch.full((2, 2), 1e30), torch.eye(2))
    assert torch.all(overflow.weights == 0) and torch.all(overflow.output == 0)  # +inf scores: old softmax gave 0 too


def test_numpy_inputs_give_tensors():
    E = np.random.default_rng(0).normal(size=(4, 3))
    result = first_principles_attention(E)
    assert isinstance(result.output, torch.Tensor)
    torch.testing.assert_close(result.weights, torch.softmax(torch.tensor(E @ E.T, dtype=torch.float32), -1))


def test_softmax_rejects_bad_temperature():
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="temperature"):
            softmax(torch.zeros(3), temperature=bad)


def test_softmax_fully_masked_row_is_zero_not_nan():
    w = softmax(torch.tensor([[float("-inf")] * 3, [0.0, 0.0, float("-inf")]]))
    assert torch.isfinite(w).all()
    assert w[0].tolist() == [0, 0, 0]
    torch.testing.assert_close(w[1], torch.tensor([0.5, 0.5, 0.0]))


def test_normalise_rows():
    w = normalise_rows(torch.tensor([[2.0, 2.0, 4.0], [0.0, 0.0, 0.0]]))
    torch.testing.assert_close(w, torch.tensor([[0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3]]))


@pytest.mark.parametrize("n_heads", [1, 2, 4, 8])
def test_multi_head_matches_nn_multihead_attention(n_heads):
    d_model, n = 32, 6
    torch.manual_seed(n_heads)
    mha = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True)
    x = torch.randn(3, n, d_model)
    theirs, their_weights = mha(x, x, x, average_attn_weights=False)
    w_q, w_k, w_v = mha.in_proj_weight.detach().chunk(3)
    b_q, b_k, b_v = mha.in_proj_bias.detach().chunk(3)
    # nn.Linear computes x Wᵀ + b; core uses x W + b, so the matrices go in transposed.
    ours = multi_head_attention(
        x,
        w_q.T,
        w_k.T,
        w_v.T,
        mha.out_proj.weight.detach().T,
        n_heads,
        b_q=b_q,
        b_k=b_k,
        b_v=b_v,
        b_o=mha.out_proj.bias.detach(),
    )
    torch.testing.assert_close(ours.output, theirs.detach(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.weights, their_weights.detach(), atol=1e-5, rtol=1e-5)
    assert ours.weights.shape == (3, n_heads, n, n)


def test_multi_head_rejects_indivisible_heads():
    w = torch.eye(6)
    with pytest.raises(ValueError, match="divisible"):
        multi_head_attention(torch.randn(2, 6), w, w, w, w, n_heads=4)


@pytest.mark.skipif("cuda" not in available_devices(), reason="no CUDA GPU on this machine")
def test_cuda_path_matches_cpu():
    q, k, v = random_qkv(2)
    on_cpu = scaled_dot_product_attention(q, k, v, mask=causal_mask(7))
    on_gpu = scaled_dot_product_attention(q.cuda(), k.cuda(), v.cuda(), mask=causal_mask(7, device="cuda"))
    assert on_gpu.output.device.type == "cuda"
    torch.testing.assert_close(on_gpu.output.cpu(), on_cpu.output, atol=1e-4, rtol=1e-4)
    fp = first_principles_attention(q.cuda())
    assert fp.output.device.type == "cuda"


def test_weight_on_later_words_is_the_share_past_the_diagonal():
    uniform = torch.full((5, 5), 0.2)
    assert float(weight_on_later_words(uniform)) == pytest.approx(4 / 10)  # (n - 1) / 2n
    scores = torch.randn(5, 5, generator=torch.Generator().manual_seed(0))
    causal = torch.softmax(scores.masked_fill(~causal_mask(5), float("-inf")), -1)
    assert float(weight_on_later_words(causal)) == 0
