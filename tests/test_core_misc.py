"""Tokenising, embeddings, similarity, projection, device choice."""

import pytest
import torch

from core.device import available_devices, pick_device
from core.embeddings import (
    TOY_DIMENSIONS,
    analogy,
    cosine_similarity,
    dot_similarity,
    embed,
    nearest_neighbours,
    one_hot,
    resize_dimensions,
    toy_vocabulary,
)
from core.multi_head import MultiHeadSelfAttention
from core.numbers import power_of_ten, powers_of_two_between, readable_number
from core.projection import pca_2d
from core.qkv import QKVProjection
from core.text import tokenize, unique_labels

SEED_SENTENCES = [
    "Apple launched a new phone",
    "money bank grows",
    "river bank flows",
    "Humans Love Smartphones",
    "The cat sat on the mat",
    "The animal didn't cross the road because it was tired",
    "The student said he was tired",
    "I went to the bank to deposit money",
    "We sat on the bank of the river",
    "king queen man woman dog cat table",
    "Break a leg",
    "I ate an apple",
    "He deposited money in the bank",
]


def test_tokenize_cleans_and_caps():
    assert tokenize("  Hello, WORLD!! ").words == ["hello", "world"]
    assert tokenize("didn’t stop").words == ["didn't", "stop"]
    capped = tokenize("a " * 50, max_tokens=5)
    assert capped.words == ["a"] * 5 and capped.truncated
    assert not tokenize("one two").truncated
    for empty in ("", "   ", "?!.,", "\x00\x01"):
        with pytest.raises(ValueError, match="no words"):
            tokenize(empty)


def test_tokenize_huge_input_is_fast_and_capped():
    result = tokenize("word " * 200_000, max_tokens=24)
    assert len(result.words) == 24 and result.truncated


def test_unique_labels():
    assert unique_labels(["the", "cat", "the", "the"]) == ["the", "cat", "the (2)", "the (3)"]


@pytest.mark.parametrize("sentence", SEED_SENTENCES)
def test_toy_vocabulary_covers_every_seed_word(sentence):
    vocab = toy_vocabulary()
    missing = [w for w in tokenize(sentence).words if w not in vocab]
    assert not missing


def test_toy_vocabulary_has_named_dimensions():
    vocab = toy_vocabulary()
    assert len(vocab.dimensions) >= 6 and vocab.vectors.shape == (len(vocab.words), len(TOY_DIMENSIONS))
    for needed in ("royalty", "gender", "animal", "finance", "water", "motion"):
        assert needed in vocab.dimensions


def test_unknown_words_are_deterministic_and_flagged():
    vocab = toy_vocabulary()
    first = embed(["zebra", "king"], vocab)
    again = embed(["zebra"], vocab)
    assert first.unknown == [True, False]
    torch.testing.assert_close(first.vectors[0], again.vectors[0])
    assert not torch.allclose(embed(["zebras"], vocab).vectors[0], first.vectors[0])


def test_one_hot_similarity_is_zero_off_diagonal():
    oh = one_hot([0, 1, 2], 5)
    torch.testing.assert_close(dot_similarity(oh), torch.eye(3))


def test_dense_puts_dog_near_cat_not_table():
    vocab = toy_vocabulary()
    E = embed(["dog", "cat", "table"], vocab).vectors
    cos = cosine_similarity(E)
    assert cos[0, 1] > 0.9 and cos[0, 2] < 0.2


def test_cosine_ignores_length_dot_does_not():
    a = torch.tensor([[1.0, 0.0], [3.0, 0.0]])
    assert cosine_similarity(a)[0, 1] == pytest.approx(1.0)
    assert dot_similarity(a)[0, 1] == pytest.approx(3.0)


def test_analogy_king_man_woman_is_queen():
    _, ranked = analogy("king", "man", "woman", toy_vocabulary())
    assert ranked[0][0] == "queen"


def test_nearest_neighbours_excludes_and_orders():
    vocab = toy_vocabulary()
    ranked = nearest_neighbours(vocab.vector("money"), vocab.vectors, vocab.words, k=3, exclude=("money",))
    assert ranked[0][0] == "cash" and [s for _, s in ranked] == sorted([s for _, s in ranked], reverse=True)


def test_resize_dimensions():
    E = torch.ones(3, 4)
    assert resize_dimensions(E, 2).shape == (3, 2)
    grown = resize_dimensions(E, 7, seed=1)
    assert grown.shape == (3, 7) and torch.equal(grown[:, :4], E)
    torch.testing.assert_close(grown, resize_dimensions(E, 7, seed=1))


def test_pca_2d_recovers_a_plane():
    g = torch.Generator().manual_seed(0)
    plane = torch.randn(20, 2, generator=g)
    X = torch.cat([plane * torch.tensor([5.0, 2.0]), torch.zeros(20, 3)], 1)
    coords = pca_2d(X)
    assert coords.shape == (20, 2)
    # distances are kept exactly when the data lies in a plane
    torch.testing.assert_close(torch.cdist(coords, coords), torch.cdist(X, X), atol=1e-4, rtol=1e-4)
    assert pca_2d(torch.ones(1, 4)).shape == (1, 2)


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device().type == available_devices()[0]
    with pytest.raises(ValueError, match="unknown device"):
        pick_device("tpu")
    if "cuda" not in available_devices():
        with pytest.raises(ValueError, match="cuda is not available"):
            pick_device("cuda")


def test_seeded_projections_are_reproducible():
    x = torch.randn(5, 8)
    a, b = QKVProjection(8, 4, seed=7), QKVProjection(8, 4, seed=7)
    torch.testing.assert_close(a(x).output, b(x).output)
    assert not torch.allclose(a(x).output, QKVProjection(8, 4, seed=8)(x).output)
    assert MultiHeadSelfAttention(8, 2, seed=0)(x[None]).weights.shape == (1, 2, 5, 5)


def test_tokenize_survives_a_lone_surrogate():
    # a browser cannot send one, but core must not crash if Python code passes one in
    assert tokenize("\ud800 bank").words == ["bank"]


def test_numbers_for_people_never_use_e_notation():
    assert power_of_ten(6.3e-8, digits=0) == "6 × 10⁻⁸"
    assert power_of_ten(9.71e-21) == "9.7 × 10⁻²¹"
    assert readable_number(0.593) == "0.59" and readable_number(1.5e-14) == "1.5 × 10⁻¹⁴"
    assert all("e" not in readable_number(10.0**-k) for k in range(1, 30))


def test_powers_of_two_between_cover_the_values_and_label_1():
    assert powers_of_two_between([0.93, 1.6, 32.4]) == [0.5, 1, 2, 4, 8, 16, 32, 64]  # a line just under 1 sits on 1
    assert powers_of_two_between([1.02, 3.0]) == [1, 2, 4]
    assert powers_of_two_between([2.0, 8.0]) == [2, 4, 8]  # powers of two are their own ends
