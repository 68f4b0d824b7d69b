"""The glossary (ui.glossary): every technical word a page shows is explained on that page.

TECHNICAL is this test's own list of words a beginner may not know, kept apart from the glossary so
that removing a glossary entry (or a page starting to use a new word) fails here."""

import json
import re

import pytest
from conftest import app_test

from ui.glossary import BOX_LABEL, TERMS, earlier_words, lesson_words, page_text, terms_in, words_on_page
from ui.navigation import HOME, LESSONS

TECHNICAL = (
    "token", "WordPiece", "[CLS]", "[SEP]", "vector", "dimension", "matrix", "embedding", "one-hot", "vocabulary",
    "dot product", "cosine", "PCA", "weight", "score", "softmax", "renormalised", "temperature", "parameter",
    "trained", "untrained", "seed", "query", "key", "value", "W_q", "W_k", "W_v", "W_o", "projection", "d_k",
    "d_model", "entropy", "nats", "saturation", "causal mask", "head", "multi-head", "concatenated", "layer",
    "positional encoding", "sinusoidal", "permutation", "residual", "layer norm", "feed-forward", "hidden state",
    "RNN", "LSTM", "recurrent", "gradient", "autograd", "loss", "transformer", "encoder", "decoder", "pretrained",
    "MiniLM", "static", "contextual", "sentence embedding", "sink", "role", "role score", "rollout", "ablation",
    "logit", "greedy", "top-k", "top-p", "KV cache", "induction head", "previous-token", "prefix-matching", "held-out",
    "n²", "exponent", "GPU", "CUDA", "FlashAttention", "sparse", "sliding-window", "float32", "float", "learning rate",
    "log scale", "residual stream", "LayerNorm", "O(1)", "O(n)", "∂",
)  # fmt: skip


# Also everyday words: counted only in a phrase, not as a chart's one-word axis title ("value": the number).
EVERYDAY = ("value", "key", "score", "weight")


def uses(text: str, word: str) -> bool:
    """Whether `text` uses `word` as a word (a plural too); acronyms only in capitals."""
    flags = 0 if word.isupper() else re.IGNORECASE
    return re.search(rf"(?<![\w\[]){re.escape(word)}(s|es)?(?![\w\]])", text, flags) is not None


def explained_by(word: str, terms) -> bool:
    return any(term.pattern.search(word) for term in terms)


def test_terms_are_one_plain_sentence_each_and_all_distinct():
    assert len({term.name for term in TERMS}) == len(TERMS)
    for term in TERMS:
        assert term.means.endswith(".") and term.means.count(". ") == 0, term.name
        assert len(term.means) <= 220, f"{term.name}: one short sentence"


def test_every_technical_word_has_an_entry_and_every_entry_is_used():
    assert [word for word in TECHNICAL if not explained_by(word, TERMS)] == []
    pages = [HOME, *LESSONS]
    unused = [term.name for term in TERMS if not any(term in words_on_page(page.id) for page in pages)]
    assert unused == [], "an entry no page uses"


@pytest.mark.parametrize("page", [HOME, *LESSONS], ids=lambda page: page.id)
def test_each_page_lists_every_technical_word_in_its_text(page):
    text, listed = page_text(page.id), words_on_page(page.id)
    missing = [word for word in TECHNICAL if uses(text, word) and not explained_by(word, listed)]
    assert missing == []


def test_words_new_in_a_lesson_are_those_no_earlier_lesson_used():
    assert earlier_words(LESSONS[0].id) == set() and earlier_words(HOME.id) == set()
    before = lesson_words(LESSONS[0].id) | lesson_words(LESSONS[1].id)
    assert earlier_words(LESSONS[2].id) == before
    real = next(page for page in LESSONS if page.id == "real")
    new = {term.name for term in words_on_page(real.id)} - {term.name for term in earlier_words(real.id)}
    assert {"rollout", "ablation", "resting place (attention sink)"} <= new and "token" not in new


def test_a_lesson_introduces_only_the_words_of_its_own_text():
    """The map's step names ("QKᵀ / √d_k", "weights · V") and the Next lesson's preview are not the lesson's
    words: lesson 1 never uses query, key or d_k, so no later lesson counts them as taught there."""
    first = {term.name for term in lesson_words(LESSONS[0].id)}
    assert not first & {"query", "key", "d_k, d_model", "W_q, W_k, W_v, W_o"}
    qkv = next(page for page in LESSONS if page.id == "qkv")
    assert {"query", "key"} <= {term.name for term in words_on_page(qkv.id)}
    fp = next(page for page in LESSONS if page.id == "fp")
    assert "d_k, d_model" not in {term.name for term in earlier_words(fp.id)}


# The page's predict-first questions and what answers them: a word's meaning must not say it.
GIVEAWAYS = {
    "qkv": ("goes to one token", "one key", "sharper", "grow with", "divided by √d_k"),
    "static": ("same in every sentence", "one row per word", "whatever the sentence"),
    "pe": ("ignores word order", "ignore word order", "order does not matter"),
    "real": ("[CLS] or [SEP]", "on [CLS]", "on [SEP]"),
}


@pytest.mark.parametrize("page_id", sorted(GIVEAWAYS))
def test_no_meaning_states_the_answer_to_its_page_question(page_id):
    told = {term.name: term.means for term in words_on_page(page_id)}
    said = [(name, phrase) for name, means in told.items() for phrase in GIVEAWAYS[page_id] if phrase in means]
    assert said == []


def test_an_ordinary_use_of_a_word_lists_no_term():
    """Why attention has no queries, keys or values: "tiny numbers" there must not list the value of Q, K, V."""
    assert "value" not in {term.name for term in words_on_page("why")}


def test_words_are_found_as_whole_words_in_order_of_first_use():
    found = [term.name for term in terms_in("The heads' softmax; headline [CLS]. PE and pe, top-k keys.")]
    assert found[:2] == ["head", "softmax"] and "[CLS] / [SEP]" in found
    assert "positional encoding" in found and "top-k" in found and "key" in found
    assert [term.name for term in terms_in("the header, a headline, a token_key, pe_i")] == []


# --- the pages as drawn ------------------------------------------------------------------------------
def _shown_text(node, out: list[str], box: list[str]) -> None:
    """Every string a student reads in the main area, except the glossary box itself (collected in `box`).
    A widget's options are left out: they are the sentence's words, the vocabulary, head names (data)."""
    kind = getattr(node, "type", "")
    if kind == "expander" and str(getattr(node, "label", "")).startswith(BOX_LABEL):
        box += [child.value for child in node.children.values() if getattr(child, "type", "") == "markdown"]
        return
    if kind == "vega_lite_chart":
        out += _titles(json.loads(node.proto.spec))
    for name in ("value", "label", "body"):
        value = getattr(node, name, None) if kind != "vega_lite_chart" else None
        if isinstance(value, str):
            out.append(value)
    for child in getattr(node, "children", {}).values():
        _shown_text(child, out, box)


def _titles(spec) -> list[str]:
    """A chart's titles (of the chart, its axes, legends and tooltips): the words it writes besides its data."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "data" or key == "datasets":
                continue
            if key in ("title", "text") and isinstance(value, str):
                found.append(value)
            elif key == "title" and isinstance(value, list):
                found += [str(line) for line in value]
            else:
                found += _titles(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _titles(item)
    return found


@pytest.mark.parametrize("page", [HOME, *LESSONS], ids=lambda page: page.id)
def test_every_technical_word_drawn_on_a_page_is_explained_in_its_box(page):
    at = app_test(None if page is HOME else page.path, timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    shown, box = [], []
    _shown_text(at.main, shown, box)
    assert box, "a glossary box, under the page's opening paragraph"
    shown_box = "\n".join(box)
    listed = [term for term in TERMS if f"**{term.name}**: {term.means}" in shown_box]
    assert set(listed) == set(words_on_page(page.id))
    new = [term for term in TERMS if f"**{term.name}**: {term.means}" in box[0]]
    if box[0].startswith("**New") and page is not HOME:
        assert set(new) == set(listed) & lesson_words(page.id) - earlier_words(page.id), "the new words first"
    text = " ".join(shown)
    phrases = " ".join(line for line in shown if len(line.split()) > 1)
    used = [word for word in TECHNICAL if uses(phrases if word in EVERYDAY else text, word)]
    missing = [word for word in used if not explained_by(word, listed)]
    assert missing == [], f"drawn on {page.id} without a meaning in its box"
