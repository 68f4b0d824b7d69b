"""core.heads: head roles, similarity, rollout, word pieces and special tokens, checked by hand."""

import math

import pytest
import torch

from core.attention import near_best
from core.heads import (
    ROLE_LABELS,
    ROLES,
    HeadRole,
    attention_rollout,
    focus_word,
    head_name,
    head_roles,
    head_similarity,
    head_view,
    hide_special_tokens,
    largest_change,
    last_layer_share,
    link_heads,
    merge_word_pieces,
    most_similar_heads,
    normalised_entropy,
    parse_head_name,
    rank_by_role,
    ranked_roles,
    role_counts,
    role_of,
    role_scores,
    rollout_to_sentence,
    row_role,
    row_role_scores,
    strongest_link,
    top_heads,
)

ROLE = {name: k for k, name in enumerate(ROLES)}

# Three tokens, three heads of one layer.
TOKENS = ["[CLS]", "hi", "there"]
PREVIOUS = torch.tensor([[1.0, 0, 0], [1, 0, 0], [0, 1, 0]])  # each word looks one back
UNIFORM = torch.full((3, 3), 1 / 3)
MIXED = torch.tensor([[0.5, 0.25, 0.25], [0.5, 0.5, 0], [0, 0.5, 0.5]])


def test_role_scores_worked_by_hand():
    scores = role_scores(torch.stack([PREVIOUS, UNIFORM, MIXED]), TOKENS)
    # PREVIOUS: self (1+0+0)/3; previous (w10+w21)/2 = (1+1)/2; next (w01+w12)/2 = 0;
    # sink: column [CLS] (1+1+0)/3; broad: one-hot rows, 1 / (3 · 1) = 1/3 each;
    # word pair: "hi" and "there" are neighbours and the rest is [CLS], so no link: 0.
    # one word: the focus word is "hi" (column mean 1/3 beats "there", 0): rows put 0, 0, 1 on it.
    torch.testing.assert_close(scores[0], torch.tensor([1 / 3, 1, 0, 2 / 3, 1 / 3, 0, 1 / 3]))
    # UNIFORM: every share 1/3; broad 1 / (3 · 1/3) = 1; one word: "hi" (a tie goes to the first), 1/3.
    torch.testing.assert_close(scores[1], torch.tensor([1 / 3, 1 / 3, 1 / 3, 1 / 3, 1, 0, 1 / 3]))
    # MIXED: self (.5+.5+.5)/3; previous (.5+.5)/2; next (.25+0)/2; sink (.5+.5+0)/3;
    # broad: every row's largest weight is .5: 1 / (3 · .5) = 2/3.
    # one word: "hi" (column mean 1.25/3 beats "there", .75/3): (.25 + .5 + .5) / 3.
    torch.testing.assert_close(scores[2], torch.tensor([0.5, 0.5, 0.125, 1 / 3, 2 / 3, 0, 1.25 / 3]))


def test_head_roles_pick_the_highest_score():
    roles = head_roles(torch.stack([PREVIOUS, UNIFORM, MIXED])[None], TOKENS)
    assert [(r.layer, r.head, r.role) for r in roles] == [
        (0, 0, "previous token"),
        (0, 1, "broad"),
        (0, 2, "broad"),
    ]
    assert roles[0].score == pytest.approx(1.0) and roles[2].score == pytest.approx(2 / 3)
    assert roles[0].detail == ""  # no word pair in [CLS] hi there


def test_word_pair_head_worked_by_hand():
    tokens = ["it", "was", "animal"]
    weights = torch.tensor([[0.1, 0, 0.9], [0, 1, 0], [0.8, 0.2, 0]])
    scores = role_scores(weights, tokens)
    # word pair: largest link to a word two or more places away, per row: .9, none (0), .8 -> 1.7/3.
    assert float(scores[ROLE["word pair"]]) == pytest.approx(1.7 / 3)
    # broad: rows' largest weights .9, 1, .8 -> 1 / (3 · max) each, averaged.
    broad = (1 / 0.9 + 1 + 1 / 0.8) / 9
    assert float(scores[ROLE["broad"]]) == pytest.approx(broad, abs=1e-6)
    assert float(scores[ROLE["self"]]) == pytest.approx(1.1 / 3)
    (role,) = head_roles(weights[None, None], tokens)
    assert role.role == "word pair" and role.detail == "it → animal (0.90)"
    assert strongest_link(weights, tokens) == "it → animal (0.90)"


def test_scores_stay_between_0_and_1():
    torch.manual_seed(0)  # tests may seed; core never does
    weights = torch.softmax(3 * torch.randn(2, 4, 7, 7), -1)
    tokens = ["[CLS]", "a", "b", "##c", "d", "e", "[SEP]"]
    scores = role_scores(weights, tokens)
    assert scores.shape == (2, 4, len(ROLES))
    assert (scores >= 0).all() and (scores <= 1 + 1e-6).all()
    entropy = normalised_entropy(weights)
    assert entropy.shape == (2, 4) and (entropy >= 0).all() and (entropy <= 1 + 1e-6).all()


def test_top_heads_ranks_any_per_head_number():
    values = torch.tensor([[0.1, 0.7, 0.2], [0.9, 0.0, 0.3]])
    assert top_heads(values, 2) == [(1, 0, pytest.approx(0.9)), (0, 1, pytest.approx(0.7))]


def test_head_similarity_worked_by_hand():
    sharp = torch.eye(2)
    flat = torch.full((2, 2), 0.5)
    other = torch.tensor([[0.0, 1], [1, 0]])
    sim = head_similarity(torch.stack([sharp, flat, other, sharp])[None])
    assert sim.shape == (4, 4)
    torch.testing.assert_close(sim, sim.T)
    torch.testing.assert_close(sim.diagonal(), torch.ones(4))
    # each row: Bhattacharyya sum_j sqrt(p_j q_j) = sqrt(1 * .5) for (1, 0) against (.5, .5)
    assert float(sim[0, 1]) == pytest.approx(math.sqrt(0.5))
    assert float(sim[0, 2]) == pytest.approx(0.0)  # they never look at the same token
    assert most_similar_heads(sim, 0, 0, 2, n_heads=4) == [
        (0, 3, pytest.approx(1.0)),
        (0, 1, pytest.approx(math.sqrt(0.5))),
    ]


def test_rollout_worked_by_hand():
    shift = torch.tensor([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]])
    first = torch.stack([torch.eye(3), shift])  # heads averaged: .5 I + .5 shift
    to_first = torch.tensor([[1.0, 0, 0]] * 3)
    second = torch.stack([to_first, to_first])
    attentions = torch.stack([first, second])  # (L=2, H=2, 3, 3)
    # Â1 = .5(.5 I + .5 shift) + .5 I = .75 I + .25 shift; Â2 = .5 to_first + .5 I
    a1 = torch.tensor([[0.75, 0.25, 0], [0, 0.75, 0.25], [0.25, 0, 0.75]])
    a2 = torch.tensor([[1.0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5]])
    # rollout = Â2 Â1: row 1 = .5 (.75, .25, 0) + .5 (0, .75, .25), ...
    expected = torch.tensor([[0.75, 0.25, 0], [0.375, 0.5, 0.125], [0.5, 0.125, 0.375]])
    torch.testing.assert_close(a2 @ a1, expected)
    rollout = attention_rollout(attentions)
    torch.testing.assert_close(rollout, expected)
    assert not torch.allclose(rollout, a1 @ a2), "the order matters: first layer applied first"
    share = rollout_to_sentence(rollout)
    torch.testing.assert_close(share, torch.tensor([1.625, 0.875, 0.5]) / 3)
    assert float(share.sum()) == pytest.approx(1.0)
    torch.testing.assert_close(rollout_to_sentence(rollout, torch.tensor([False, True, True])), expected[1:].mean(0))
    torch.testing.assert_close(last_layer_share(attentions), torch.tensor([1.0, 0, 0]))


def test_rollout_of_random_maps_keeps_rows_summing_to_1():
    torch.manual_seed(1)
    attentions = torch.softmax(torch.randn(6, 12, 9, 9), -1)
    rollout = attention_rollout(attentions)
    torch.testing.assert_close(rollout.sum(-1), torch.ones(9))
    torch.testing.assert_close(rollout_to_sentence(rollout).sum(), torch.tensor(1.0))
    torch.testing.assert_close(last_layer_share(attentions).sum(), torch.tensor(1.0))


PIECES = ["[CLS]", "smart", "##phones", "[SEP]"]
PIECE_WEIGHTS = torch.tensor(
    [[0.4, 0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4], [0.3, 0.3, 0.3, 0.1], [0.25, 0.25, 0.25, 0.25]]
)


def test_merge_word_pieces_worked_by_hand():
    merged, words = merge_word_pieces(PIECE_WEIGHTS, PIECES)
    assert words == ["[CLS]", "smartphones", "[SEP]"]
    # columns summed: smart + ##phones; the word's row is the average of its pieces' rows:
    # (.1, .2+.3, .4) and (.3, .3+.3, .1) -> (.2, .55, .25)
    expected = torch.tensor([[0.4, 0.3, 0.3], [0.2, 0.55, 0.25], [0.25, 0.5, 0.25]])
    torch.testing.assert_close(merged, expected)


def test_merge_word_pieces_keeps_rows_summing_to_1_and_batches():
    torch.manual_seed(2)
    tokens = ["##odd", "[CLS]", "un", "##believ", "##able", "news", "[SEP]"]  # a leading ## starts a word as it is
    weights = torch.softmax(torch.randn(2, 3, 7, 7), -1)
    merged, words = merge_word_pieces(weights, tokens)
    assert words == ["##odd", "[CLS]", "unbelievable", "news", "[SEP]"]
    assert merged.shape == (2, 3, 5, 5)
    torch.testing.assert_close(merged.sum(-1), torch.ones(2, 3, 5))
    same, same_words = merge_word_pieces(weights, ["[CLS]", "a", "b", "c", "d", "e", "[SEP]"])
    torch.testing.assert_close(same, weights)  # nothing to merge: unchanged


def test_hide_special_tokens_worked_by_hand():
    hidden, tokens = hide_special_tokens(PIECE_WEIGHTS, PIECES)
    assert tokens == ["smart", "##phones"]
    # rows of smart and ##phones, columns likewise: (.2, .3) / .5 and (.3, .3) / .6
    torch.testing.assert_close(hidden, torch.tensor([[0.4, 0.6], [0.5, 0.5]]))


def test_hide_special_tokens_guards_rows_that_only_looked_at_specials():
    weights = torch.tensor([[0.5, 0.25, 0.25, 0], [0.5, 0, 0, 0.5], [0, 0.5, 0.5, 0], [0, 0, 0, 1]])
    hidden, tokens = hide_special_tokens(weights, ["[CLS]", "a", "b", "[SEP]"])
    assert tokens == ["a", "b"]
    torch.testing.assert_close(hidden, torch.tensor([[0.5, 0.5], [0.5, 0.5]]))  # row "a" had nothing left
    torch.manual_seed(3)
    batch = torch.softmax(torch.randn(6, 12, 8, 8), -1)
    hidden, _ = hide_special_tokens(batch, ["[CLS]", "a", "b", "[SEP]", "c", "d", "e", "[SEP]"])
    assert hidden.shape == (6, 12, 5, 5)
    torch.testing.assert_close(hidden.sum(-1), torch.ones(6, 12, 5))


def test_real_sentence_roles(encoder):
    run = encoder.run("The animal didn't cross the road because it was tired")
    roles = head_roles(run.attentions, run.tokens)
    assert len(roles) == 72 and {r.role for r in roles} <= set(ROLES)
    scores = role_scores(run.attentions, run.tokens)
    assert scores.shape == (6, 12, len(ROLES))
    # MiniLM layer 0 head 2 is a previous-token head: almost all of every row on i-1
    assert top_heads(scores[..., ROLE["previous token"]], 1)[0][:2] == (0, 2)
    assert roles[2].role == "previous token" and roles[2].score > 0.99
    sim = head_similarity(run.attentions)
    assert sim.shape == (72, 72)
    torch.testing.assert_close(sim.diagonal(), torch.ones(72))
    share = rollout_to_sentence(attention_rollout(run.attentions))
    assert share.shape == (len(run.tokens),) and float(share.sum()) == pytest.approx(1.0, abs=1e-5)


def test_head_names_there_and_back():
    assert head_name(5, 11) == "L5 H11" and parse_head_name("L5 H11") == (5, 11)
    assert all(parse_head_name(head_name(layer, head)) == (layer, head) for layer in range(6) for head in range(12))


def test_roles_by_head_counted_and_ranked():
    roles = [HeadRole(0, 0, "self", 0.9, ""), HeadRole(0, 1, "broad", 0.5, ""), HeadRole(1, 0, "self", 0.7, "")]
    assert role_of(roles, 1, 0).score == 0.7 and role_counts(roles) == [("self", 2), ("broad", 1)]
    table = torch.zeros(2, 2, len(ROLES))
    table[1, 1, ROLES.index("broad")] = 0.8
    assert rank_by_role(table, "broad", k=1) == [(1, 1, pytest.approx(0.8))]


def test_head_view_merges_then_hides_and_link_heads_reads_one_cell():
    tokens = ["[CLS]", "smart", "##phones", "[SEP]"]
    weights = torch.softmax(torch.randn(4, 4, generator=torch.Generator().manual_seed(0)), -1)
    merged, words = head_view(weights, tokens, merge=True, hide=True)
    expected, _ = hide_special_tokens(*merge_word_pieces(weights, tokens))
    assert words == ["smartphones"] and torch.allclose(merged, expected)
    assert head_view(weights, tokens, merge=False, hide=False)[1] == tokens
    attentions = torch.zeros(2, 3, 4, 4)
    attentions[1, 2, 0, 3] = 0.9
    assert link_heads(attentions, 0, 3, k=1) == [(1, 2, pytest.approx(0.9))]
    assert largest_change(torch.tensor([[0.1, -0.4], [0.2, 0.0]])) == pytest.approx(0.4)


def test_near_best_counts_near_ties():
    assert near_best(torch.tensor([0.1, 0.5, 0.49, 0.2]), 0.02) == [1, 2] and near_best(
        torch.tensor([1.0, 3.0]), 0
    ) == [1]


def test_row_role_scores_worked_by_hand_and_averaged_into_role_scores():
    rows = row_role_scores(MIXED, TOKENS)
    nan = math.nan
    # row 0 ([CLS]): self .5, no previous, next .25, sink .5, broad 1 / (3 · .5), no word pair from a special token
    # row 1 (hi): self .5, previous .5, next 0, sink .5, broad 2/3, word pair 0 (its only far token is [CLS])
    # row 2 (there): self .5, previous .5, no next, sink 0, broad 2/3, word pair 0
    # one word: each row's weight on "hi", the focus word: .25, .5, .5
    expected = torch.tensor(
        [
            [0.5, nan, 0.25, 0.5, 2 / 3, nan, 0.25],
            [0.5, 0.5, 0, 0.5, 2 / 3, 0, 0.5],
            [0.5, 0.5, nan, 0, 2 / 3, 0, 0.5],
        ]
    )
    torch.testing.assert_close(rows, expected, equal_nan=True)
    torch.testing.assert_close(role_scores(MIXED, TOKENS), expected.nanmean(0))
    one = role_scores(torch.ones(1, 1), ["[CLS]"])  # one token: no neighbours, no word pair, no word: scored 0
    torch.testing.assert_close(one, torch.tensor([1.0, 0, 0, 1, 1, 0, 0]))


def test_ranked_roles_and_one_rows_role():
    weights = torch.tensor([[0.1, 0, 0.9], [0, 1, 0], [0.8, 0.2, 0]])
    tokens = ["it", "was", "animal"]
    first = row_role(weights, tokens, 0)
    # row "it": word pair .9 (animal), self .1, next 0, sink 0, broad 1 / (3 · .9); no previous token
    assert first.ranked[0] == ("word pair", pytest.approx(0.9)) and first.top == "animal"
    assert first.top_weight == pytest.approx(0.9) and "previous token" not in dict(first.ranked)
    assert row_role(weights, tokens, 1).ranked[0] == ("self", pytest.approx(1.0))
    scores = torch.tensor([0.2, 0.5, math.nan, 0.5, 0.1, 0.0, 0.15])
    assert [role for role, _ in ranked_roles(scores)] == [
        "previous token", "[CLS]/[SEP] sink", "self", "one word", "broad", "word pair"
    ]  # fmt: skip


def test_a_head_whose_rows_all_look_at_one_word_looks_at_one_word_not_spreads():
    # [CLS] the animal it [SEP]: every row puts .55 on "animal" and spreads the rest, like MiniLM's L5 H11
    tokens = ["[CLS]", "the", "animal", "it", "[SEP]"]
    weights = torch.full((5, 5), 0.45 / 4)
    weights[:, 2] = 0.55
    assert tokens[int(focus_word(weights, tokens))] == "animal"
    scores = role_scores(weights, tokens)
    assert ranked_roles(scores)[0] == ("one word", pytest.approx(0.55))
    assert head_roles(weights[None, None], tokens)[0].role == "one word"
    # the same head with its weight really spread (each row uniform): now it spreads, and "one word" is 1/5
    uniform = torch.full((5, 5), 0.2)
    assert ranked_roles(role_scores(uniform, tokens))[0] == ("broad", pytest.approx(1.0))
    # move the rows' weight to "it": the focus word follows
    weights[:, [2, 3]] = weights[:, [3, 2]]
    assert tokens[int(focus_word(weights, tokens))] == "it"
    # a previous-token head keeps its role: its focus word gets weight from one row only
    previous = torch.eye(5).roll(-1, 1)  # row i looks at i - 1 (row 0 at [SEP])
    assert head_roles(previous[None, None], tokens)[0].role == "previous token"


def test_every_role_has_a_label_a_beginner_reads():
    assert list(ROLE_LABELS) == list(ROLES)
    assert len(set(ROLE_LABELS.values())) == len(ROLES)
    assert "sink" not in " ".join(ROLE_LABELS.values()) and ROLE_LABELS["[CLS]/[SEP] sink"] == "rests on [CLS]/[SEP]"
