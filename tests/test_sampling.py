import pytest
import torch

from core.sampling import cut_off, greedy, next_token_probs, reshape, sample, top_p_cut

SETTINGS = [
    {},
    {"temperature": 0.3},
    {"temperature": 4.0},
    {"top_k": 1},
    {"top_k": 5},
    {"top_p": 0.5},
    {"top_p": 0.9, "top_k": 10},
    {"temperature": 0.7, "top_k": 3, "top_p": 0.2},
]


def random_logits(seed: int, size: int = 60) -> torch.Tensor:
    return 3 * torch.randn(size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("settings", SETTINGS)
def test_every_distribution_sums_to_one_with_zeros_where_cut(settings):
    for seed in range(20):
        reshaped = reshape(random_logits(seed), **settings)
        assert float(reshaped.probs.sum()) == pytest.approx(1.0, abs=1e-6)
        assert float(reshaped.tempered.sum()) == pytest.approx(1.0, abs=1e-6)
        cut = reshaped.cut_by_top_k | reshaped.cut_by_top_p
        assert (reshaped.probs[cut] == 0).all()
        assert (reshaped.probs[~cut] > 0).all()


def test_no_cut_is_the_tempered_softmax():
    logits = random_logits(0)
    for temperature in (0.5, 1.0, 2.0):
        expected = torch.softmax(logits / temperature, -1)
        assert torch.allclose(next_token_probs(logits, temperature), expected, atol=1e-7)


def test_top_k_keeps_exactly_the_k_most_probable():
    logits = random_logits(1)
    for k in (1, 2, 7, 59, 60, 100):
        probs = next_token_probs(logits, top_k=k)
        kept = set(torch.nonzero(probs).flatten().tolist())
        assert kept == set(logits.topk(min(k, 60)).indices.tolist())


def test_top_k_one_and_greedy_agree():
    for seed in range(50):
        logits = random_logits(seed)
        probs = next_token_probs(logits, temperature=1.7, top_k=1)
        assert greedy(logits) == greedy(probs) == int(probs.argmax())
        assert float(probs.max()) == 1.0
        # any draw from the top-1 distribution is the greedy word
        assert sample(probs, torch.Generator().manual_seed(seed)) == greedy(logits)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.75, 0.9, 0.99])
def test_top_p_keeps_the_smallest_set_reaching_p(p):
    for seed in range(20):
        logits = random_logits(seed)
        full = torch.softmax(logits.double(), -1)
        ranked = full.sort(descending=True).values
        # brute force: the fewest most-probable words whose total reaches p
        smallest = next(m for m in range(1, 61) if float(ranked[:m].sum()) >= p)
        kept = next_token_probs(logits, top_p=p) > 0
        assert int(kept.sum()) == smallest
        assert set(torch.nonzero(kept).flatten().tolist()) == set(full.topk(smallest).indices.tolist())


def test_top_p_keeps_the_word_that_crosses_p_exactly():
    probs = torch.tensor([0.5, 0.25, 0.125, 0.125], dtype=torch.float64)
    assert top_p_cut(probs, 0.75).tolist() == [False, False, True, True]
    assert top_p_cut(probs, 0.76).tolist() == [False, False, False, True]


def test_cut_off_names_the_words_cut():
    vocab = ["a", "b", "c", "d"]
    logits = torch.tensor([3.0, 2.0, 1.0, 0.0])
    assert cut_off(reshape(logits, top_k=2), vocab) == ["c", "d"]
    assert cut_off(reshape(logits), vocab) == []


def test_sampling_uses_only_its_generator():
    probs = next_token_probs(random_logits(3), temperature=2.0)
    before = torch.random.get_rng_state()
    first = [sample(probs, torch.Generator().manual_seed(7)) for _ in range(5)]
    generator = torch.Generator().manual_seed(7)
    draws = [sample(probs, generator) for _ in range(200)]
    assert torch.equal(torch.random.get_rng_state(), before)
    assert len(set(first)) == 1 and first[0] == draws[0]
    assert len(set(draws)) > 5  # a flat distribution gives many different words


@pytest.mark.parametrize(
    "settings",
    [
        {"temperature": 0},
        {"temperature": -1},
        {"temperature": float("inf")},
        {"top_k": 0},
        {"top_p": 0},
        {"top_p": 1.5},
    ],
)
def test_bad_settings_raise_a_plain_error(settings):
    with pytest.raises(ValueError):
        next_token_probs(random_logits(0), **settings)


def test_bad_logits_raise_a_plain_error():
    for logits in (
        torch.tensor([]),
        torch.zeros(2, 3),
        torch.tensor([1.0, float("nan")]),
        torch.full((3,), -torch.inf),
    ):
        with pytest.raises(ValueError):
            next_token_probs(logits)
