"""The seeds' worked examples, computed by hand."""

import math

import pytest
import torch

from core.attention import first_principles_attention, weighted_sum
from core.embeddings import embed, toy_vocabulary
from core.positional import LearnedPositionalEmbedding, sinusoidal_encoding


def test_humans_love_smartphones_by_hand():
    vocab = toy_vocabulary()
    words = ["humans", "love", "smartphones"]
    e = [vocab.vector(w).tolist() for w in words]
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))
    scores = [[dot(e[i], e[j]) for j in range(3)] for i in range(3)]
    # love · humans: person 0.3·1.0 + feeling 1.0·0.2 = 0.5
    assert scores[1][0] == pytest.approx(0.5)
    weights = [[math.exp(s) / sum(math.exp(t) for t in row) for s in row] for row in scores]
    outputs = [[sum(weights[i][j] * e[j][k] for j in range(3)) for k in range(len(e[0]))] for i in range(3)]
    result = first_principles_attention(embed(words, vocab).vectors)
    torch.testing.assert_close(result.scores, torch.tensor(scores), atol=1e-6, rtol=0)
    torch.testing.assert_close(result.weights, torch.tensor(weights), atol=1e-6, rtol=0)
    torch.testing.assert_close(result.output, torch.tensor(outputs), atol=1e-6, rtol=0)


def test_seed_money_bank_grows_table():
    vocab = toy_vocabulary()
    E = embed(["money", "bank", "grows"], vocab).vectors
    w = torch.tensor([[0.7, 0.2, 0.1], [0.25, 0.7, 0.05], [0.1, 0.2, 0.7]])
    y = weighted_sum(w, E)
    torch.testing.assert_close(y[1], 0.25 * E[0] + 0.7 * E[1] + 0.05 * E[2])


@pytest.mark.parametrize("d_model", [1, 2, 7, 8, 64])
def test_sinusoid_elementwise(d_model):
    base = 10000.0
    pe = sinusoidal_encoding(12, d_model, base)
    assert pe.shape == (12, d_model)
    for pos in range(12):
        for col in range(d_model):
            i2 = col - col % 2
            angle = pos / base ** (i2 / d_model)
            expected = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            assert float(pe[pos, col]) == pytest.approx(expected, abs=1e-6)


def test_sinusoid_other_base_and_first_row():
    pe = sinusoidal_encoding(5, 6, base=100.0)
    assert pe[0].tolist() == [0, 1, 0, 1, 0, 1]
    assert float(pe[3, 2]) == pytest.approx(math.sin(3 / 100 ** (2 / 6)), abs=1e-6)


def test_learned_positions_have_a_hard_limit():
    table = LearnedPositionalEmbedding(max_positions=8, d_model=4, seed=3)
    assert table(8).shape == (8, 4)
    torch.testing.assert_close(table(3), LearnedPositionalEmbedding(8, 4, seed=3)(3))
    with pytest.raises(ValueError, match="no vector for position 8"):
        table(9)


def test_learned_positions_are_seeded_locally():
    before = torch.random.get_rng_state()
    table = LearnedPositionalEmbedding(max_positions=8, d_model=4, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)
    expected = torch.randn(8, 4, generator=torch.Generator().manual_seed(3)) * 0.02
    torch.testing.assert_close(table(8), expected)
    assert table.table.weight.requires_grad
