"""Splitting a sentence into words for the concept pages."""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import NamedTuple

MAX_TOKENS = 64  # words per sentence on the toy pages: a long paragraph stays readable
# A word is a run of letters/digits, optionally joined by apostrophes (didn't, king's).
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


class Tokens(NamedTuple):
    words: list[str]
    truncated: bool  # the input had more than max_tokens words; only the first were kept


def tokenize(text: str, max_tokens: int = MAX_TOKENS, lowercase: bool = True) -> Tokens:
    """Words of `text` (punctuation, symbols and control characters dropped), at most max_tokens.

    Raises ValueError with a plain message when no word is left.
    """
    if not isinstance(text, str):
        raise ValueError("the input must be text")
    text = unicodedata.normalize("NFKC", text)
    matches = itertools.islice(WORD.finditer(text), max_tokens + 1)
    words = [m.group().replace("’", "'") for m in matches]
    if lowercase:
        words = [w.lower() for w in words]
    if not words:
        raise ValueError("There are no words in this input: type a sentence with at least one word.")
    return Tokens(words[:max_tokens], len(words) > max_tokens)


def words_or_nothing(text: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    """The words of `text`, or [] where it has none (for optional inputs)."""
    try:
        return tokenize(text, max_tokens).words
    except ValueError:
        return []


def shared_words(first: str, second: str) -> list[str]:
    """The words of `first` that `second` has too, once each, in the order of `first`."""
    theirs = set(words_or_nothing(second))
    return [w for w in dict.fromkeys(words_or_nothing(first)) if w in theirs]


def unique_labels(words: list[str]) -> list[str]:
    """Chart labels that stay distinct when a word repeats: the, cat, sat, on, the (2), mat."""
    seen: dict[str, int] = {}
    labels = []
    for w in words:
        seen[w] = seen.get(w, 0) + 1
        labels.append(w if seen[w] == 1 else f"{w} ({seen[w]})")
    return labels


# Pronouns: what one refers to is the classic question attention answers ("it" → "animal").
PRONOUNS = frozenset("it he she they him her them its his hers their theirs".split())
# Words with grammar but little meaning of their own: a repeat of "the" is not an interesting question.
FUNCTION_WORDS = frozenset(
    "the a an and or but of to in on at by for with from as is are was were be been am do does did didn't "
    "not no so than then there here because if while when".split()
)


class Focus(NamedTuple):
    index: int  # the position of the chosen word
    reason: str  # "pronoun", "repeated" or "middle": which rule chose it


def focus_word(words: list[str]) -> Focus:
    """The most interesting word of a sentence to ask "which word will it attend to most?" about.

    1. the first pronoun (what does "it" refer to?);
    2. else the second occurrence of a repeated meaning word (does "bank" look back at "bank"?);
    3. else the middle meaning word, which has context on both sides ("money **bank** grows");
       a sentence of function words only falls back to its middle word.
    """
    if not words:
        raise ValueError("focus_word needs at least one word")
    pronoun = next((i for i, w in enumerate(words) if w in PRONOUNS), None)
    if pronoun is not None:
        return Focus(pronoun, "pronoun")
    seen: set[str] = set()
    for i, w in enumerate(words):
        if w in seen and w not in FUNCTION_WORDS:
            return Focus(i, "repeated")
        seen.add(w)
    meaning = [i for i, w in enumerate(words) if w not in FUNCTION_WORDS] or list(range(len(words)))
    return Focus(meaning[(len(meaning) - 1) // 2], "middle")
