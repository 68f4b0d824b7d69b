import pandas as pd
import streamlit as st
import torch

from core.attention import (
    first_principles_attention,
    normalise_rows,
    softmax,
    weighted_sum,
)
from core.embeddings import (
    cosine_similarity,
    embed,
    nearest_neighbours,
    resize_dimensions,
    toy_vocabulary,
)
from core.text import unique_labels
from ui import url_state
from ui.charts import render, show_matrix
from ui.export import literal, page_export
from ui.navigation import FIRST_PRINCIPLES
from ui.present import section
from ui.quiz import predict
from ui.session import seed
from ui.specs import vector_bars
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = FIRST_PRINCIPLES.id
TOY = toy_vocabulary()
# The two weight tables of the lesson text (rows: the word attending; columns: attended to).
SEED_TABLES = {
    "money bank grows": [[0.7, 0.2, 0.1], [0.25, 0.7, 0.05], [0.1, 0.2, 0.7]],
    "river bank flows": [[0.8, 0.15, 0.05], [0.2, 0.78, 0.02], [0.4, 0.01, 0.59]],
}

page_header(
    "First-principles attention",
    "Attention with **no parameters at all**. Each word scores every word by the dot product of "
    "their embeddings, a softmax turns each row of scores into weights that sum to 1, and each "
    "word's new vector is the weighted average of all the word vectors. Nothing is learned; "
    "everything below is computed from the toy vocabulary of the previous page.",
)

tokens = sentence_input(PAGE, examples=("Humans love smartphones", "money bank grows", "river bank flows"))
if tokens is None:
    st.stop()
words, labels = tokens.words, unique_labels(tokens.words)

controls = st.columns(2)
d = url_state.slider(
    controls[0],
    "Embedding dimensions d",
    1,
    32,
    len(TOY.dimensions),
    key=f"{PAGE}_d",
    help=f"The toy vocabulary has {len(TOY.dimensions)} named features; fewer keeps the "
    "first ones, more adds seeded random unnamed features.",
)
temperature = url_state.slider(
    controls[1],
    "Softmax temperature",
    0.1,
    5.0,
    1.0,
    0.1,
    key=f"{PAGE}_temperature",
    help="Scores are divided by the temperature before the softmax: "
    "low = sharp, one word takes almost all weight; high = flat.",
)
embedded = embed(words, TOY)
E = resize_dimensions(embedded.vectors, d, seed=seed())
dims = list(TOY.dimensions[:d]) + [f"extra {i + 1}" for i in range(d - len(TOY.dimensions))]
if any(embedded.unknown):
    st.caption(
        "Not in the toy vocabulary (given a fixed pseudo-random vector): "
        + ", ".join(sorted({w for w, u in zip(words, embedded.unknown) if u}))
    )

result = first_principles_attention(E, temperature=temperature)
probe = next((i for i, w in enumerate(words) if w in ("bank", "it", "love")), len(words) - 1)
predict(
    f"{PAGE}_predict",
    f"which word will “{labels[probe]}” attend to most?",
    list(dict.fromkeys(labels)),
    labels[int(result.weights[probe].argmax())],
    f"Its largest weight is {float(result.weights[probe].max()):.2f} (step 3 below). A word's highest dot "
    "product is often with itself, unless another word shares its features more strongly.",
)

section("The four steps")
step1, step2 = st.columns(2)
with step1:
    st.subheader("1 · Embeddings E")
    show_matrix(
        E,
        labels,
        dims,
        key=f"{PAGE}_E",
        title=f"E: {len(words)} words × {d} features",
        row_title="word",
        col_title="feature",
        value_title="value",
    )
with step2:
    st.subheader("2 · Scores = E·Eᵀ")
    show_matrix(
        result.scores,
        labels,
        labels,
        key=f"{PAGE}_scores",
        title="dot product of every pair",
        row_title="word i (asking)",
        col_title="word j",
        value_title="e_i · e_j",
    )
step3, step4 = st.columns(2)
with step3:
    st.subheader("3 · Weights = softmax by row")
    show_matrix(
        result.weights,
        labels,
        labels,
        key=f"{PAGE}_weights",
        title="each row sums to 1",
        row_title="word i (asking)",
        col_title="word j",
        value_title="weight",
        domain=(0, 1),
    )
with step4:
    st.subheader("4 · Outputs = weights·E")
    show_matrix(
        result.output,
        labels,
        dims,
        key=f"{PAGE}_outputs",
        title="contextual vectors y",
        row_title="word",
        col_title="feature",
        value_title="value",
    )

st.subheader("One word, with its numbers")
focus = url_state.selectbox(
    st,
    "Word",
    range(len(words)),
    format_func=lambda i: labels[i],
    key=f"{PAGE}_focus",
    index=next((words.index(w) for w in ("bank", "it", "love") if w in words), 0),
)
row = result.weights[focus]
top = row.argsort(descending=True)[:4].tolist()
shown_scores = ",\\ ".join(f"{float(s):.2f}" for s in result.scores[focus][:6]) + (r",\dots" if len(words) > 6 else "")
terms = " + ".join(rf"{float(row[j]):.2f}\,e_{{\text{{{labels[j]}}}}}" for j in top)
if len(words) > len(top):
    terms += r" + \dots"
st.latex(r"y_i = \sum_j \operatorname{softmax}_j\!\left(\frac{e_i\cdot e_j}{T}\right) e_j")
st.latex(
    rf"\begin{{aligned}} y_{{\text{{{labels[focus]}}}}} &= "
    rf"\operatorname{{softmax}}\!\left(\tfrac{{1}}{{{temperature:g}}}"
    rf"\,[{shown_scores}]\right) \cdot E \\ &= {terms} \end{{aligned}}"
)
render(
    vector_bars(
        {f"e ({labels[focus]}, static)": E[focus], f"y ({labels[focus]}, in context)": result.output[focus]},
        dims,
        title="Before and after attention",
    ),
    key=f"{PAGE}_focus_bars",
)

# --- editable weights -------------------------------------------------------------------------
section("Edit the weights yourself: two banks")
st.markdown(
    "The lesson text gives a weight table for *money bank grows* and one for *river bank flows*. "
    "Move any slider: each row is **renormalised to sum to 1** (the tables show the weights "
    "actually used), and the two contextual *bank* vectors are recomputed."
)


def load_weights(tables: dict[str, list[list[float]]], keep_link: bool = False) -> None:
    """Set every weight slider; keep_link keeps the valid values of a shared link."""
    for sentence, table in tables.items():
        for i, weights in enumerate(table):
            for j, w in enumerate(weights):
                key = f"{PAGE}_w_{sentence.split()[0]}_{i}_{j}"
                if keep_link:
                    url_state.restore(key, url_state.PARSERS["slider"]({"min_value": 0.0, "max_value": 1.0}))
                if not keep_link or key not in st.session_state:
                    st.session_state[key] = float(w)


def computed_tables() -> dict[str, list[list[float]]]:
    return {s: first_principles_attention(embed(s.split(), TOY).vectors).weights.tolist() for s in SEED_TABLES}


if f"{PAGE}_w_money_0_0" not in st.session_state:
    load_weights(SEED_TABLES, keep_link=True)
presets = st.columns(3)
presets[0].button(
    "The lesson's tables",
    key=f"{PAGE}_preset_seed",
    on_click=load_weights,
    args=(SEED_TABLES,),
    width="stretch",
    icon=":material/menu_book:",
)
presets[1].button(
    "softmax(E·Eᵀ) of the toy vectors",
    key=f"{PAGE}_preset_softmax",
    width="stretch",
    on_click=lambda: load_weights(computed_tables()),
    icon=":material/calculate:",
)
presets[2].button(
    "Uniform (1/3 each)",
    key=f"{PAGE}_preset_uniform",
    width="stretch",
    icon=":material/drag_handle:",
    on_click=lambda: load_weights({s: [[1 / 3] * 3] * 3 for s in SEED_TABLES}),
)

bank_outputs = {}
for column, sentence in zip(st.columns(2), SEED_TABLES):
    sentence_words = sentence.split()
    prefix = sentence_words[0]
    with column:
        st.subheader(f"“{sentence}”")
        raw = [[0.0] * 3 for _ in range(3)]
        for i, word in enumerate(sentence_words):
            cells = st.columns(3)
            for j, other in enumerate(sentence_words):
                raw[i][j] = url_state.slider(
                    cells[j], f"{word} → {other}", 0.0, 1.0, step=0.01, key=f"{PAGE}_w_{prefix}_{i}_{j}"
                )
        W = normalise_rows(torch.tensor(raw))
        Y = weighted_sum(W, embed(sentence_words, TOY).vectors)
        bank_outputs[sentence] = Y[1]
        show_matrix(
            W,
            sentence_words,
            sentence_words,
            key=f"{PAGE}_edit_{prefix}",
            title="weights used (rows sum to 1)",
            row_title="word",
            col_title="attends to",
            value_title="weight",
            domain=(0, 1),
        )

(money_bank, river_bank) = bank_outputs.values()
static_bank = TOY.vector("bank")
bank_cosine = float(cosine_similarity(money_bank[None], river_bank[None]))
metrics = st.columns(2)
metrics[0].metric("cosine(static bank, static bank)", "1.0000")
metrics[1].metric("cosine(y_bank money, y_bank river)", f"{bank_cosine:.4f}", delta=f"{bank_cosine - 1:.4f}")
render(
    vector_bars(
        {
            "static e_bank": static_bank,
            "y_bank in “money bank grows”": money_bank,
            "y_bank in “river bank flows”": river_bank,
        },
        list(TOY.dimensions),
        title="bank, before and after attention",
    ),
    key=f"{PAGE}_bank_bars",
)
st.caption("Give *bank* more weight on *money* and it leans to finance; more on *river* and it leans to water.")

# --- parallel ----------------------------------------------------------------------------------
section("All words at once")
n = len(words)
loop = torch.stack([sum(result.weights[i, j] * E[j] for j in range(n)) for i in range(n)])
st.markdown(
    f"A loop computes one word after another, y_i = Σ_j w_ij e_j. The same numbers come from **one "
    f"matrix product**, Y = W·E: ({n}×{n}) · ({n}×{d}) → ({n}×{d}), which hardware does in parallel. "
    f"Largest difference between the loop and the product here: **{float((loop - result.output).abs().max()):.1e}**."
)

# --- limits ------------------------------------------------------------------------------------
section("What it cannot do")
idiom = first_principles_attention(embed(["break", "a", "leg"], TOY).vectors)
rows = [
    (w, ", ".join(f"{n} ({s:.2f})" for n, s in nearest_neighbours(idiom.output[i], TOY.vectors, TOY.words, k=3)))
    for i, w in enumerate(["break", "a", "leg"])
]
st.markdown(
    "- **Nothing is learned.** The weights follow from fixed similarities, so the result is the same "
    "whatever the task. *Break a leg* means *good luck*, but its outputs stay near their own words:"
)
st.dataframe(pd.DataFrame(rows, columns=["word", "nearest words to its output"]), hide_index=True, key=f"{PAGE}_idiom")
st.markdown(
    "- **Order is lost.** Shuffle the words and every word gets exactly the same output: "
    "*Humans love smartphones* and *Smartphones love humans* look identical."
)
st.page_link(
    "lessons/positional_encoding.py", label="Next: positional encoding fixes order", icon=":material/arrow_forward:"
)

page_export(
    PAGE,
    {
        "words": words,
        "temperature": temperature,
        "E": E,
        "scores": result.scores,
        "weights": result.weights,
        "output": result.output,
    },
    snippet=f"""import torch

E = {literal(E)}  # one row per word: {" ".join(words)}
T = {temperature!r}  # softmax temperature

scores = E @ E.T
weights = torch.softmax(scores / T, dim=-1)
output = weights @ E
""",
)

explain(
    "1. **Score** every pair of words with a dot product: large when their vectors point the same way.\n"
    "2. **Softmax** each row: exponentiate and divide by the row total, so the weights are positive and "
    "sum to 1. The temperature divides the scores first.\n"
    "3. **Mix**: each word's new vector is the weighted average of all word vectors. A word that attends "
    "to *money* takes on money features.\n\n"
    "The next steps add learned projections (Q, K, V) so the model can learn *which* similarities matter."
)
show_code(first_principles_attention, softmax, weighted_sum, normalise_rows)
