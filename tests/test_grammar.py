import pytest
import torch

from core import grammar
from core.gpt import GPTConfig
from core.grammar import BE, END, NOUNS, VOCAB, WORD_ID

REQUIRED = (
    "the a king queen kings queens man woman men women he she they it was were said that who met saw animal road "
    "cross didn't because tired wide cat mat sat on bank river money"
).split()


def sentences(count: int, seed: int = 0) -> list[grammar.Sentence]:
    generator = torch.Generator().manual_seed(seed)
    return [grammar.training_sentence(generator) for _ in range(count)]


def test_vocabulary_has_the_lessons_words_once_each():
    assert set(REQUIRED) <= set(VOCAB)
    assert len(set(VOCAB)) == len(VOCAB)
    assert VOCAB[0] == END  # COPYABLE and repeated_sequences count on it


def test_same_seed_same_sentences_and_no_global_rng():
    before = torch.random.get_rng_state()
    assert sentences(200, seed=3) == sentences(200, seed=3)
    assert sentences(200, seed=3) != sentences(200, seed=4)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_every_task_is_generated_and_every_word_used():
    made = sentences(3000)
    assert {s.task for s in made} == {*grammar.TASKS, "filler"}
    used = {w for s in made for w in s.words}
    assert used == set(VOCAB)
    assert max(len(s.words) for s in made) <= grammar.MAX_WORDS <= GPTConfig().block_size


def test_probes_name_the_right_word_and_its_deciding_position():
    for sentence in sentences(2000):
        probe = sentence.probe
        if probe is None:
            continue
        assert sentence.words[: len(probe.prompt)] == probe.prompt
        assert sentence.words[len(probe.prompt)] == probe.answer
        assert probe.answer in probe.choices
        decider = probe.prompt[probe.deciding]
        if probe.task == "pronoun":
            assert NOUNS[decider] == probe.answer
        elif probe.task == "agreement":
            assert BE[NOUNS[decider]] == probe.answer
        else:  # the word to copy stands at the deciding position of the first copy
            assert decider == probe.answer
            assert probe.prompt[-1] == probe.prompt[probe.deciding - 1]


def test_held_out_sentences_are_never_trained_on():
    training = sentences(20_000)
    prefixes = {s.words[:i] for s in training for i in range(1, len(s.words) + 1)}
    keys = {s.key for s in training}
    assert all(s.task == "filler" or not grammar.is_held_out(s.key) for s in training)
    for task in grammar.TASKS:
        for probe in grammar.held_out_probes(task, 300):
            # not the sentence, and not even its prompt: the model never read these words before the slot
            assert probe.prompt not in prefixes
    generator = torch.Generator().manual_seed(5)
    held = [grammar.held_out_sentence(t, generator) for t in grammar.TASKS for _ in range(200)]
    assert not {s.key for s in held} & keys
    assert not {s.words for s in held} & {s.words for s in training}


@pytest.mark.parametrize("task", ["pronoun", "agreement"])
def test_held_out_prompts_have_a_disagreeing_distractor(task):
    for probe in grammar.held_out_probes(task, 200):
        later = [w for w in probe.prompt[probe.deciding + 1 :] if w in NOUNS]
        slot = NOUNS if task == "pronoun" else {n: BE[p] for n, p in NOUNS.items()}
        assert any(slot[w] != probe.answer for w in later), probe


def test_about_one_clause_in_five_is_held_out():
    generator = torch.Generator().manual_seed(9)
    made = [grammar.pronoun_sentence(generator) for _ in range(4000)]
    share = sum(grammar.is_held_out(s.key) for s in made) / len(made)
    assert 0.15 < share < 0.25


def test_batch_shifts_targets_and_ignores_padding():
    made = sentences(10)
    inputs, targets = grammar.batch(made)
    assert inputs.shape == targets.shape == (10, max(len(s.words) for s in made) - 1)
    for row, sentence in enumerate(made):
        ids = [WORD_ID[w] for w in sentence.words]
        n = len(ids) - 1
        assert inputs[row, :n].tolist() == ids[:-1]
        assert targets[row, :n].tolist() == ids[1:]
        assert (targets[row, n:] == -1).all()


def test_repeated_sequences_repeat_distinct_held_out_words():
    ids = grammar.repeated_sequences(50, 8, torch.Generator().manual_seed(0))
    assert ids.shape == (50, 16)
    assert torch.equal(ids[:, :8], ids[:, 8:])
    for row in ids[:, :8].tolist():
        assert len(set(row)) == 8 and WORD_ID[END] not in row
        assert grammar.is_held_out([VOCAB[i] for i in row])


@pytest.mark.parametrize("task", grammar.TASKS)
def test_every_probe_offers_its_tasks_slot_choices(task):
    """The page names SLOT_CHOICES as the words each accuracy ranks the right one among: they are the probes'."""
    probes = grammar.held_out_probes(task, 20)
    assert {probe.choices for probe in probes} == {grammar.SLOT_CHOICES[task]}
    assert all(probe.answer in probe.choices for probe in probes)
