"""A tiny language, made here, whose next word often depends on a word far back.

Three tasks, each in the lessons' own worlds (kings and queens, the animal and the road, the two banks, the
cat on the mat):
- pronoun: "the queen who met the king said that ___" -> she (agrees with the subject, not the distractor);
- agreement: "the kings who met the queen ___" -> were (the verb agrees with the subject across a clause);
- induction: "cat river king sat money cat river ___" -> king (a random word sequence repeated: only copying
  can complete it).
Filler sentences ("the cat sat on the mat", "the animal didn't cross the road because it was tired") carry the
rest of the lessons' words. Every token is a word; "." ends a sentence.

Held out: a sentence whose *clause* (the subject's clause up to its other noun for pronoun and agreement, the
random sequence for induction) hashes into one bucket in five is never generated for training, so every
held-out prompt is a combination of words the model has never read before the word it must predict.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import NamedTuple

import torch

END = "."
# noun -> the pronoun that refers to it; the pronoun also fixes the verb's number (they -> were)
NOUNS = {
    "king": "he",
    "man": "he",
    "queen": "she",
    "woman": "she",
    "animal": "it",
    "cat": "it",
    "dog": "it",
    "kings": "they",
    "men": "they",
    "queens": "they",
    "women": "they",
    "animals": "they",
    "cats": "they",
    "dogs": "they",
}
PRONOUNS = ("he", "she", "it", "they")
BE = {"he": "was", "she": "was", "it": "was", "they": "were"}
VERB_FORMS = ("was", "were")
MEETS = ("met", "saw", "helped", "followed")
LEADS = ((), ("one", "day"), ("after", "that"))
NOUN_ADJECTIVES = ((), ("old",), ("young",))
PLACES = ((), ("on", "the", "road"), ("by", "the", "river"), ("at", "the", "bank"), ("on", "the", "mat"))
STATES = ("tired", "happy", "hungry", "sad", "late", "safe")
FILLERS = (
    "the {animal} didn't cross the {place} because it was {why}",
    "the {noun} sat on the {seat}",
    "a {animal} sat on the {seat}",
    "the {noun} took money from the bank",
    "the money in the bank grows",
    "the river by the bank flows",
)
FILLER_SLOTS = {
    "animal": ("animal", "cat", "dog"),
    "place": ("road", "river"),
    "why": ("tired", "wide"),
    "noun": tuple(NOUNS),
    "seat": ("mat", "bank", "road"),
}
HELD_OUT_BUCKETS = 5  # one clause in five is held out
TASKS = ("pronoun", "agreement", "induction")
# more agreement than pronoun sentences, so after a clause the right verb outranks "said"; copying is learned
# last and slowest, so it gets the largest share
TASK_SHARE = {"pronoun": 0.2, "agreement": 0.3, "induction": 0.4, "filler": 0.1}
INDUCTION_LENGTHS = (5, 12)  # shortest and longest random sequence (it appears twice)


def _vocabulary() -> tuple[str, ...]:
    words = [END, "the", "a", "who", "said", "that", *NOUNS, *PRONOUNS, *VERB_FORMS, *MEETS, *STATES]
    words += [w for group in (LEADS, NOUN_ADJECTIVES, PLACES) for phrase in group for w in phrase]
    words += [w for filler in FILLERS for w in filler.split() if not w.startswith("{")]
    words += [w for options in FILLER_SLOTS.values() for w in options]
    return tuple(dict.fromkeys(words))


VOCAB = _vocabulary()
WORD_ID = {w: i for i, w in enumerate(VOCAB)}
# random sequences for induction draw from every word but the end mark
COPYABLE = VOCAB[1:]
# the words grammar allows in each task's scored slot (Probe.choices): accuracy ranks the right one among them
SLOT_CHOICES = {"pronoun": PRONOUNS, "agreement": VERB_FORMS, "induction": COPYABLE}


class Probe(NamedTuple):
    task: str  # "pronoun", "agreement" or "induction"
    prompt: tuple[str, ...]  # the words before the scored slot
    answer: str  # the right next word
    deciding: int  # position in `prompt` of the earlier word that decides it (subject, or the word to copy)
    choices: tuple[str, ...]  # the words grammar allows in the slot (the answer among them)


class Sentence(NamedTuple):
    words: tuple[str, ...]  # ends with END
    task: str  # one of TASKS or "filler"
    key: tuple[str, ...]  # the clause that decides whether the sentence is held out
    probe: Probe | None  # the scored slot (None for fillers)


def _index(size: int, generator: torch.Generator) -> int:
    return int(torch.randint(size, (1,), generator=generator))


def _pick(options: Sequence, generator: torch.Generator):
    return options[_index(len(options), generator)]


def is_held_out(key: Sequence[str]) -> bool:
    """True for the clauses never trained on: a stable hash (crc32, the same in every process) of the words."""
    return zlib.crc32(" ".join(key).encode()) % HELD_OUT_BUCKETS == 0


class Clause(NamedTuple):
    words: tuple[str, ...]  # [lead] the [adjective] SUBJECT who MET the [adjective] OTHER [place]
    key: tuple[str, ...]  # the words up to OTHER: the same whether a place follows or not
    subject_at: int
    subject: str


def _clause(generator: torch.Generator) -> Clause:
    """A subject and its relative clause. The other noun is any noun but the subject, so it sometimes agrees
    and sometimes not; the optional place adds a third noun. Keyed without the place, so that a held-out
    prompt ending at OTHER is never the start of a trained one that goes on to a place."""
    lead = _pick(LEADS, generator)
    before_subject = (*lead, "the", *_pick(NOUN_ADJECTIVES, generator))
    subject = _pick(tuple(NOUNS), generator)
    other = _pick(tuple(n for n in NOUNS if n != subject), generator)
    key = (*before_subject, subject, "who", _pick(MEETS, generator), "the", *_pick(NOUN_ADJECTIVES, generator), other)
    return Clause((*key, *_pick(PLACES, generator)), key, len(before_subject), subject)


def pronoun_sentence(generator: torch.Generator) -> Sentence:
    """'the queen who met the king said that she was tired .': the pronoun agrees with the subject."""
    clause = _clause(generator)
    pronoun = NOUNS[clause.subject]
    prompt = (*clause.words, "said", "that")
    words = (*prompt, pronoun, BE[pronoun], _pick(STATES, generator), END)
    return Sentence(
        words, "pronoun", clause.key, Probe("pronoun", prompt, pronoun, clause.subject_at, SLOT_CHOICES["pronoun"])
    )


def agreement_sentence(generator: torch.Generator) -> Sentence:
    """'the kings who met the queen were tired .': the verb agrees with the subject, not the nearer noun."""
    clause = _clause(generator)
    verb = BE[NOUNS[clause.subject]]
    words = (*clause.words, verb, _pick(STATES, generator), END)
    return Sentence(
        words,
        "agreement",
        clause.key,
        Probe("agreement", clause.words, verb, clause.subject_at, SLOT_CHOICES["agreement"]),
    )


def induction_sentence(generator: torch.Generator) -> Sentence:
    """x1 … xk x1 … xk . with k distinct random words: the probe stops j words into the second copy
    (1 <= j < k), so the next word is x_{j+1}, which stands at position j of the first copy."""
    shortest, longest = INDUCTION_LENGTHS
    k = shortest + _index(longest - shortest + 1, generator)
    order = torch.randperm(len(COPYABLE), generator=generator)[:k].tolist()
    sequence = tuple(COPYABLE[i] for i in order)
    j = 1 + _index(k - 1, generator)
    probe = Probe("induction", (*sequence, *sequence[:j]), sequence[j], j, SLOT_CHOICES["induction"])
    return Sentence((*sequence, *sequence, END), "induction", sequence, probe)


def filler_sentence(generator: torch.Generator) -> Sentence:
    """One of the lessons' own sentences with its slots filled ('the cat sat on the mat .')."""
    words = tuple(
        _pick(FILLER_SLOTS[w[1:-1]], generator) if w.startswith("{") else w for w in _pick(FILLERS, generator).split()
    )
    return Sentence((*words, END), "filler", words, None)


MAKERS = {
    "pronoun": pronoun_sentence,
    "agreement": agreement_sentence,
    "induction": induction_sentence,
    "filler": filler_sentence,
}
MAX_WORDS = 2 * INDUCTION_LENGTHS[1] + 1  # the longest sentence: a repeated sequence and its end mark


def _task(generator: torch.Generator) -> str:
    shares = torch.tensor(list(TASK_SHARE.values()))
    return list(TASK_SHARE)[int(torch.multinomial(shares, 1, generator=generator))]


def training_sentence(generator: torch.Generator) -> Sentence:
    """A random sentence of a random task (shares in TASK_SHARE) whose clause is not held out."""
    while True:
        sentence = MAKERS[_task(generator)](generator)
        if sentence.task == "filler" or not is_held_out(sentence.key):
            return sentence


def held_out_sentence(task: str, generator: torch.Generator, distracted: bool = True) -> Sentence:
    """A sentence of `task` whose clause is held out. distracted=True (pronoun and agreement): the other noun
    in the clause disagrees with the subject, so copying the nearest noun gives the wrong word."""
    while True:
        sentence = MAKERS[task](generator)
        if not is_held_out(sentence.key):
            continue
        if task == "induction" or not distracted or _disagree(sentence):
            return sentence


def _disagree(sentence: Sentence) -> bool:
    """Does some noun after the subject call for a different slot word than the subject does?"""
    probe = sentence.probe
    slot = (lambda noun: NOUNS[noun]) if probe.task == "pronoun" else (lambda noun: BE[NOUNS[noun]])
    later = [w for w in probe.prompt[probe.deciding + 1 :] if w in NOUNS]
    return any(slot(noun) != probe.answer for noun in later)


def held_out_probes(task: str, count: int, seed: int = 1234) -> list[Probe]:
    """`count` held-out probes of `task` (pronoun and agreement: with a disagreeing distractor), seeded."""
    generator = torch.Generator().manual_seed(seed)
    return [held_out_sentence(task, generator).probe for _ in range(count)]


def encode_words(words: Sequence[str]) -> list[int]:
    """Ids of words that are all in VOCAB (KeyError otherwise: callers check first, see core.gpt)."""
    return [WORD_ID[w] for w in words]


def batch(sentences: Sequence[Sentence]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentences -> inputs (B, T) and next-word targets (B, T), each sentence from position 0, T one less than
    the longest sentence (no column of padding only). Positions past a sentence's end hold END as input and
    -1 as target (ignored by the loss)."""
    width = max(len(s.words) for s in sentences) - 1
    inputs = torch.full((len(sentences), width), WORD_ID[END], dtype=torch.long)
    targets = torch.full((len(sentences), width), -1, dtype=torch.long)
    for row, sentence in enumerate(sentences):
        ids = torch.tensor(encode_words(sentence.words))
        inputs[row, : len(ids) - 1] = ids[:-1]
        targets[row, : len(ids) - 1] = ids[1:]
    return inputs, targets


def repeated_sequences(count: int, length: int, generator: torch.Generator) -> torch.Tensor:
    """(count, 2 * length) ids: `length` distinct random words, then the same words again, held out like the
    corpus's own induction sentences (the sequences that measure induction heads)."""
    rows = []
    while len(rows) < count:
        order = torch.randperm(len(COPYABLE), generator=generator)[:length]
        if is_held_out([COPYABLE[i] for i in order.tolist()]):
            rows.append(order + 1)  # +1: COPYABLE is VOCAB without END at id 0
    first = torch.stack(rows)
    return torch.cat([first, first], dim=1)
