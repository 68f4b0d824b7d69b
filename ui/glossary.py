"""The course's technical words, each with one plain sentence, defined once for every page.

A page does not list its words: they are found in its text (the strings of its lesson file, and the
text ui.course draws around it: the Next lesson's line), so a word added to a page is explained there as
soon as the glossary has it. A lesson introduces only the words of its own text; a word the Next line
previews is listed apart, and counts as introduced only once a lesson's own text uses it.
ui.widgets.page_header draws the list under the lesson's opening paragraph, before any section uses a
word; tests/test_glossary.py fails when a page shows a technical word the list does not explain.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import streamlit as st

from ui.course import ADDS, STEPS, place
from ui.navigation import HOME, LESSONS


class Term(NamedTuple):
    name: str  # as listed on the page
    means: str  # one plain sentence
    forms: str  # a regular expression of the forms that count as using it (matched as whole words)
    exact_case: bool = False  # acronyms and symbols: "PE" is a term, "pe" is not

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(rf"(?<![\w\[])(?:{self.forms})(?![\w\]])", 0 if self.exact_case else re.IGNORECASE)


TERMS = (
    Term("token", "A piece of text the model reads as one unit: a word, a part of a word, or a mark.", r"tokens?"),
    Term(
        "WordPiece",
        "How MiniLM cuts text into tokens: common words stay whole, rarer ones are split into pieces, and a "
        "piece that continues a word starts with ##.",
        r"word ?pieces?",
    ),
    Term(
        "[CLS] / [SEP]",
        "Two marker tokens the model adds by itself: [CLS] at the start of the text, [SEP] at its end.",
        r"\[CLS\]|\[SEP\]",
        exact_case=True,
    ),
    Term("vector", "A list of numbers; here each token is one, and each number is one dimension.", r"vectors?"),
    Term(
        "dimension",
        "One position in a vector: one of its numbers, the same position in every token's vector.",
        r"dimensions?",
    ),
    Term(
        "matrix",
        "A table of numbers; a matrix product turns every row (a token's vector) into a new one.",
        r"matri(x|ces)",
    ),
    Term(
        "embedding",
        "The vector that stands for a token, read from a learned table; words used alike get similar vectors.",
        r"embeddings?|embedded",
    ),
    Term(
        "one-hot",
        "A vector of zeros with a single 1 at the word's own place in the vocabulary: every two words are equally "
        "unlike.",
        r"one-hot",
    ),
    Term("vocabulary", "Every token a model knows, each with its own row in the embedding table.", r"vocabular(y|ies)"),
    Term(
        "dot product",
        "Multiply two vectors number by number and add the results: large when they point the same way.",
        r"dot products?|dot",
    ),
    Term(
        "cosine similarity",
        "The dot product of two vectors divided by both their lengths: 1 for the same direction, 0 for unrelated, "
        "−1 for opposite.",
        r"cosines?( similarity)?",
    ),
    Term(
        "PCA",
        "Principal component analysis: a way to draw many dimensions on a flat picture, keeping the two directions in "
        "which the points differ most.",
        r"PCA",
        exact_case=True,
    ),
    Term(
        "attention weight",
        "How much one token looks at another when it builds its new vector; each token's weights are positive and "
        "sum to 1.",
        r"attention weights?|weights?",
    ),
    Term(
        "score",
        "A raw number saying how well two things match, before softmax turns a row of them into weights.",
        r"scores?",
    ),
    Term(
        "softmax",
        "Turns a row of scores into weights that are positive and sum to 1: each score is exponentiated and divided "
        "by the total, so the largest gets the most.",
        r"softmax",
    ),
    Term(
        "renormalise",
        "Rescale a row of weights so that it sums to 1 again, after some were changed or left out.",
        r"re-?normali[sz](e|ed|es|ing)",
    ),
    Term(
        "temperature",
        "A number the scores are divided by before softmax: below 1 sharpens the weights towards the largest score, "
        "above 1 evens them out.",
        r"temperatures?",
    ),
    Term(
        "parameter",
        "A number a model learns in training, such as an entry of W_q; a parameter-free method has none to learn.",
        r"parameters?|parameter-free",
    ),
    Term(
        "training",
        "Changing a model's parameters step by step so that its loss on examples gets smaller; untrained weights are "
        "still random.",
        r"train(ed|ing|s)?|untrained",
    ),
    Term(
        "seed",
        "The number a random generator starts from: the same seed gives the same “random” numbers every time.",
        r"seed(ed)?",
    ),
    Term(
        "query",
        "What a token is looking for: its vector times W_q, compared with every token's key.",
        r"quer(y|ies)|(?-i:Q)",
    ),
    Term(
        "key",
        "What a token offers to be found by: its vector times W_k; a query's dot product with it scores the match.",
        r"keys?|(?-i:K)",
    ),
    Term(
        "value",
        "What a token passes on when it is looked at: its vector times W_v; each output is the values averaged with "
        "the attention weights.",
        r"values?|(?-i:V)",
    ),
    Term(
        "W_q, W_k, W_v, W_o",
        "The learned matrices that turn each token's vector into its query, key and value; W_o mixes the heads' "
        "outputs back together.",
        r"W_[qkvo]",
        exact_case=True,
    ),
    Term(
        "projection",
        "Multiplying each vector by a matrix to get a new vector, often a shorter one (a token's query is its vector "
        "projected by W_q).",
        r"projections?|projected",
    ),
    Term(
        "d_k, d_model",
        "d_model is the length of each token's vector (how many numbers it has); d_k is the length of each query and "
        "key vector.",
        r"√?d_k|d_model",
        exact_case=True,
    ),
    Term(
        "entropy",
        "How spread out a row of weights is: 0 when all of it is on one token, largest (log n) when it is spread "
        "evenly over n tokens.",
        r"entropy|entropies",
    ),
    Term(
        "nats",
        "The unit entropy is counted in here (with the natural logarithm): log n nats is as spread as n equal choices.",
        r"nats?",
    ),
    Term(
        "saturation",
        "A function saturates when its output has stopped following its input: changing the input a little no "
        "longer changes the output.",
        r"saturation|saturates",
    ),
    Term(
        "causal mask",
        "Hides every later token from each token (its weight becomes 0), so a model that writes cannot see words it "
        "has not written yet.",
        r"causal( mask)?|mask(ed|s)?",
    ),
    Term(
        "head",
        "One attention computation with its own W_q, W_k, W_v; a layer runs several heads side by side, each free to "
        "look for something else.",
        r"heads?|multi-head",
    ),
    Term(
        "concatenate",
        "Put side by side: the heads' outputs for a token joined into one longer vector.",
        r"concat(enat(e|ed|es|ion))?",
    ),
    Term(
        "layer",
        "One block of the model (attention, then a feed-forward network); each layer's output is the next one's input.",
        r"layers?",
    ),
    Term(
        "positional encoding",
        "Numbers added to each token's vector that say where it stands in the sentence (first, second, …).",
        r"positional( encodings?| embeddings?)?|position embeddings?|(?-i:PE)",
    ),
    Term(
        "sinusoidal",
        "Made of sine and cosine waves: the original transformer marks each position with waves of different speeds.",
        r"sinusoidal|sines?",
    ),
    Term(
        "permutation",
        "The same words in another order (“the cat sat on the mat” and “the mat sat on the cat”).",
        r"permutations?",
    ),
    Term(
        "residual, residual stream",
        "Adding a block's input back to its output, so a layer only adds a change; the residual stream is each "
        "token's running vector that every layer reads from and adds to.",
        r"residual( streams?|s)?",
    ),
    Term(
        "layer norm (LayerNorm)",
        "Rescaling each token's vector to average 0 and spread 1 (then a learned scale and shift), which keeps the "
        "numbers in a steady range.",
        r"layer[- ]?norm(ali[sz](ation|ed))?|normali[sz]ation",
    ),
    Term(
        "feed-forward",
        "A small network of two matrix products applied to each token's vector on its own, after attention.",
        r"feed-?\s?forward",
    ),
    Term(
        "hidden state",
        "The vector a model keeps for a token between layers; an RNN keeps one for everything it has read so far.",
        r"hidden (states?|vectors?)",
    ),
    Term(
        "RNN, LSTM",
        "Recurrent networks, the models before transformers: they read one word per step and carry everything read "
        "in one hidden state (an LSTM has gates that decide what to keep).",
        r"RNNs?|LSTMs?|recurrent",
        exact_case=True,
    ),
    Term(
        "gradient (∂)",
        "How much a result would change if an input were nudged a little (∂ result / ∂ input); training follows it.",
        r"gradients?|∂",
    ),
    Term(
        "autograd",
        "PyTorch's automatic differentiation: it records a computation and works out every gradient of it for you.",
        r"autograd",
    ),
    Term(
        "learning rate",
        "How big a step training takes along the gradient each time: too small learns slowly, too large overshoots.",
        r"learning rates?",
    ),
    Term(
        "forward pass",
        "One run of a model from its input to its output (a backward pass then works out the gradients).",
        r"(?<!feed-)(?<!feed )(?<!feed)forward( pass(es)?)?",
    ),
    Term(
        "log scale",
        "A chart axis on which each step multiplies by the same amount (1, 10, 100, …), so tiny and huge numbers fit "
        "on one chart.",
        r"log(-log)? scales?|log-log|logarithmic",
    ),
    Term(
        "loss",
        "One number saying how wrong a model's predictions are on examples; training makes it smaller.",
        r"loss(es)?",
    ),
    Term(
        "transformer",
        "The model design built from attention layers (“Attention Is All You Need”, 2017), behind BERT and GPT.",
        r"transformers?",
    ),
    Term(
        "encoder",
        "A transformer that reads a whole text at once, every token seeing every other one (MiniLM is one).",
        r"encoders?",
    ),
    Term(
        "decoder",
        "A transformer that writes one token after another, each seeing only the tokens before it.",
        r"decoders?",
    ),
    Term(
        "pretrained",
        "Trained beforehand on a large amount of text; this app loads the finished weights instead of learning them.",
        r"pre-?trained",
    ),
    Term(
        "MiniLM",
        "all-MiniLM-L6-v2, a small pretrained transformer encoder that this app bundles and runs offline.",
        r"MiniLM|all-MiniLM-L6-v2",
        exact_case=True,
    ),
    Term(
        "static / contextual vector",
        "A static vector is read from the embedding table by its token; a contextual one comes out of attention "
        "layers, which read the sentence around the token.",
        r"static|contextual",
    ),
    Term(
        "sentence embedding",
        "One vector for a whole text: MiniLM's is the average of its last layer's token vectors.",
        r"sentence embeddings?",
    ),
    Term(
        "resting place (attention sink)",
        "A token on which a head parks its attention when it has nothing to look for in the sentence: researchers "
        "call it an attention sink.",
        r"sinks?|resting place|rests? on|park(s|ed|ing)?",
    ),
    Term(
        "role, role score",
        "What a head mostly does on a sentence (looks one token back, links two words, …): each role gets a score "
        "from 0 to 1 measured from the head's weights, and the highest score names its role.",
        r"role( scores?)?|roles",
    ),
    Term(
        "rollout",
        "Attention rollout: the layers' head-averaged weights multiplied together, with the residual counted as a "
        "token looking at itself, to estimate how much each input token reaches the output.",
        r"rollouts?",
    ),
    Term(
        "ablation",
        "Switching a part of a model off (here a head's output set to 0 or to its average) to see what changes "
        "without it.",
        r"ablat(e|ed|ion|ions|ing)|mean-ablation|switch(ed|ing)? (a head |heads? )?off",
    ),
    Term(
        "logit",
        "The raw score a model gives each possible next word, any number, before softmax turns the scores into "
        "probabilities.",
        r"logits?",
    ),
    Term(
        "greedy",
        "Greedy writing always takes the most probable next word; otherwise each word is drawn at random with its "
        "probability.",
        r"greedy",
    ),
    Term(
        "top-k",
        "Keep only the k most probable next words, set the rest to 0 and rescale: a very unlikely word is never drawn.",
        r"top-k",
    ),
    Term(
        "top-p",
        "Keep the fewest most probable next words whose probabilities add up to p, drop the rest and rescale.",
        r"top-p",
    ),
    Term(
        "KV cache",
        "While writing, the keys and values of the words already written are kept, so each new word computes only "
        "its own row.",
        r"KV cache|cache",
    ),
    Term(
        "induction head",
        "A head that finds an earlier copy of the current word and looks at the word that came after it, so the model "
        "can continue a repeated phrase.",
        r"induction( heads?)?|prefix-matching",
    ),
    Term(
        "previous-token head",
        "A head in which every token looks at the token just before it.",
        r"previous-token( heads?)?",
    ),
    Term(
        "held-out",
        "Examples kept out of training and used only to check what the model learned.",
        r"held-out",
    ),
    Term(
        "O(1), O(n), O(n²·d)",
        "How a cost grows with the number of tokens n: O(1) stays the same, O(n) doubles when n doubles, O(n²) "
        "(n × n) quadruples; a d says it grows with the vector length too.",
        r"O\([^()]*\)|n²|n × n|n×n",
        exact_case=True,
    ),
    Term(
        "exponent",
        "The power p in “time grows like nᵖ”: the slope of the line on a log-log chart (2 for n²).",
        r"exponents?",
    ),
    Term(
        "GPU, CUDA",
        "A GPU is a graphics chip that does many multiply-adds at once; CUDA is how programs use NVIDIA's GPUs.",
        r"GPUs?|CUDA|cuda",
        exact_case=True,
    ),
    Term(
        "FlashAttention, sparse attention",
        "Ways to make long inputs affordable: FlashAttention computes exact attention in small tiles without storing "
        "the n × n matrix; sparse and sliding-window attention let each token look at only some others.",
        r"FlashAttention|sparse|sliding-window",
    ),
    Term(
        "float32",
        "How a computer usually stores a number, with about seven significant digits: two exact computations can "
        "differ in the last one.",
        r"float(32|64)?|64-bit floats?",
    ),
)
BOX_LABEL = "Words on this page"


def _shown_strings(path: str) -> list[str]:
    """The string constants of a page's source in reading order, docstrings left out (never drawn)."""
    tree = ast.parse(Path(path).read_text())
    docstrings = {
        id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    return [node.value for node in sorted(found, key=lambda node: (node.lineno, node.col_offset))]


def own_text(page_id: str) -> str:
    """The strings of the page's own file, in reading order."""
    by_id = {page.id: page for page in [HOME, *LESSONS]}
    return " ".join(_shown_strings(by_id[page_id].path))


def page_text(page_id: str) -> str:
    """What a page writes, in about the order it appears: the lesson's own strings, then the footer (the
    previous lesson, the next one and what it adds). Home: every step and every lesson's line too.
    A lesson's map caption names no step (the map itself shows them), so the map adds no word here."""
    own = own_text(page_id)
    where = place(page_id)
    if where is None:  # home: the full map and the list of lessons
        steps = " ".join(f"{step.name} {step.words}" for step in STEPS)
        return " ".join([own, steps, *(f"{page.title} {page.teaches}" for page in LESSONS), ADDS[LESSONS[0].id]])
    after = f"{where.next.title} {ADDS[where.next.id]}" if where.next else ""
    before = where.previous.title if where.previous else ""
    return " ".join([own, before, after])


def terms_in(text: str) -> list[Term]:
    """The glossary's terms that `text` uses, in the order of their first use."""
    first = {term: match.start() for term in TERMS if (match := term.pattern.search(text))}
    return sorted(first, key=first.get)


@cache  # the lesson files do not change while the server runs
def words_on_page(page_id: str) -> tuple[Term, ...]:
    return tuple(terms_in(page_text(page_id)))


@cache
def lesson_words(page_id: str) -> frozenset[Term]:
    """The words the page's own text uses: what a lesson introduces, unlike a word its Next line previews."""
    return frozenset(terms_in(own_text(page_id)))


def earlier_words(page_id: str) -> set[Term]:
    """The words the lessons before this one (in the course's order) already used in their own text: none for
    home or the first lesson."""
    ids = [page.id for page in LESSONS]
    before = ids[: ids.index(page_id)] if page_id in ids else []
    return {term for earlier in before for term in lesson_words(earlier)}


def words_box(page_id: str) -> None:
    """The page's technical words with their meanings, folded under its opening paragraph: on a phone and a
    projector alike, one tap away, before any section uses them. The words new in this lesson come first."""
    words = words_on_page(page_id)
    if not words:
        return
    seen, own = earlier_words(page_id), lesson_words(page_id)
    new = [t for t in words if t not in seen and (t in own or place(page_id) is None)]
    old = [t for t in words if t in seen]
    ahead = [t for t in words if t not in seen and t not in new]  # only in the Next lesson's line
    label = f"{BOX_LABEL} ({len(words)}): what each technical word means"
    groups = (("New in this lesson", new), ("From earlier lessons", old), ("In the next lesson's line", ahead))
    with st.expander(label, icon=":material/menu_book:"):
        for title, terms in groups:
            if terms:
                st.markdown(f"**{title}**\n" + "\n".join(f"- **{term.name}**: {term.means}" for term in terms))
