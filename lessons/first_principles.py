import pandas as pd
import streamlit as st

from core.attention import (
    attention_focus,
    attention_with_weights,
    first_principles_attention,
    loop_matmul_difference,
    near_ties,
    normalise_rows,
    softmax,
    top_weights,
    weighted_sum,
    weighted_sum_loop,
)
from core.embeddings import (
    cosine_similarity,
    dimension_names,
    embed,
    nearest_neighbours,
    resize_dimensions,
    toy_vocabulary,
)
from core.numbers import tiny_difference
from core.text import tokenize, unique_labels
from ui import snippets, url_state
from ui.charts import render, show_matrix, side_by_side
from ui.export import page_export
from ui.navigation import FIRST_PRINCIPLES, QKV
from ui.present import section
from ui.quiz import predict
from ui.session import seed
from ui.specs import bars, vector_bars
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = FIRST_PRINCIPLES.id
TOY = toy_vocabulary()
TIE = 0.02  # weights this close to a row's largest count as "attends to most" when predicting
LESSON = tokenize("The animal didn't cross the road because it was tired").words
# The two weight tables of the lesson text (rows: the word attending; columns: attended to).
SEED_TABLES = {
    "money bank grows": [[0.7, 0.2, 0.1], [0.25, 0.7, 0.05], [0.1, 0.2, 0.7]],
    "river bank flows": [[0.8, 0.15, 0.05], [0.2, 0.78, 0.02], [0.4, 0.01, 0.59]],
}
COMPUTED = {s: first_principles_attention(embed(s.split(), TOY).vectors).weights.tolist() for s in SEED_TABLES}
PRESETS = {
    "seed": ("The lesson's tables", SEED_TABLES, ":material/menu_book:"),
    "softmax": ("softmax(E·Eᵀ)", COMPUTED, ":material/calculate:"),
    "uniform": ("Uniform (1/3 each)", {s: [[1 / 3] * 3] * 3 for s in SEED_TABLES}, ":material/drag_handle:"),
}
D_HELP = "The toy vocabulary has 11 named features; fewer keeps the first ones, more adds seeded random unnamed ones."
T_HELP = (
    "Scores are divided by the temperature before the softmax: low = sharp, one word takes almost all; high = flat."
)
FEATURES = dict(row_title="word", col_title="feature", value_title="value")
MAP = dict(row_title="word i (asking)", col_title="word j", value_title="weight", domain=(0, 1))

page_header(
    "First-principles attention",
    "Attention with **no parameters at all**. Each word scores every word by the dot product of "
    "their embeddings, a softmax turns each row of scores into weights that sum to 1, and each "
    "word's new vector is the weighted average of all the word vectors. Nothing is learned; "
    "everything below is computed from the toy vocabulary of the previous page.",
)
sentence = sentence_input(PAGE, examples=("Humans love smartphones", "money bank grows", "river bank flows"))
if sentence is None:
    st.stop()


@st.fragment
def four_steps(words: list[str]) -> None:
    labels = unique_labels(words)
    left, right = st.columns(2)
    d = url_state.slider(left, "Embedding dimensions d", 1, 32, len(TOY.dimensions), key=f"{PAGE}_d", help=D_HELP)
    temperature = url_state.slider(
        right, "Softmax temperature", 0.1, 5.0, 1.0, 0.1, key=f"{PAGE}_temperature", help=T_HELP
    )
    embedded = embed(words, TOY)
    E, dims = resize_dimensions(embedded.vectors, d, seed=seed()), dimension_names(TOY, d)
    if any(embedded.unknown):
        unknown = sorted({w for w, u in zip(words, embedded.unknown) if u})
        st.caption("Not in the toy vocabulary (given a fixed pseudo-random vector): " + ", ".join(unknown))
    result = first_principles_attention(E, temperature=temperature)
    st.subheader("1 · Embeddings E")
    show_matrix(E, labels, dims, key=f"{PAGE}_E", title=f"E: {len(words)} words × {d} features", **FEATURES)
    probe = next((i for i, w in enumerate(words) if w in ("it", "bank", "love")), len(words) - 1)
    focus = attention_focus(result.weights, probe, probe)
    if predict(
        f"{PAGE}_predict",
        f"which word will “{labels[probe]}” attend to most?",
        labels,
        labels[focus.strongest],
        f"Its largest weight is {focus.strongest_weight:.2f} (step 3). A word's highest dot product is often with "
        "itself, unless another word shares its features more strongly.",
        also_right=[labels[j] for j in near_ties(result.weights, probe, TIE)],
        tie_note=f"Weights within {TIE} of the row's largest count as a tie.",
    ):
        steps_two_to_four(labels, E, dims, result, temperature)
    else:
        st.caption("Steps 2–4 appear once you have answered: they give the answer away.")
    page_export(
        PAGE,
        {"words": words, "temperature": temperature, "E": E, **result._asdict()},
        snippet=snippets.first_principles(E, words, temperature),
    )


def steps_two_to_four(labels: list[str], E, dims: list[str], result, temperature: float) -> None:
    steps = side_by_side(2, len(labels))
    with steps[0]:
        st.subheader("2 · Scores: E·Eᵀ")
        show_matrix(
            result.scores,
            labels,
            labels,
            key=f"{PAGE}_scores",
            title="dot product of every pair",
            **{**MAP, "value_title": "e_i · e_j", "domain": None},
        )
    with steps[1]:
        st.subheader("3 · Weights: softmax")
        show_matrix(result.weights, labels, labels, key=f"{PAGE}_weights", title="each row sums to 1", **MAP)
    st.subheader("4 · Outputs: weights·E")
    show_matrix(result.output, labels, dims, key=f"{PAGE}_outputs", title="contextual vectors y", **FEATURES)
    one_word(labels, E, dims, result, temperature)
    n, d = E.shape
    gap = tiny_difference(loop_matmul_difference(result.weights, E))
    st.subheader("All words at once")
    st.markdown(
        f"A loop computes one word after another, y_i = Σ_j w_ij e_j. The same numbers come from **one matrix "
        f"product**, Y = W·E: ({n}×{n}) · ({n}×{d}) → ({n}×{d}), which hardware does in parallel. Largest "
        f"difference between the loop and the product here: **{gap}**."
    )


def one_word(labels: list[str], E, dims: list[str], result, temperature: float) -> None:
    st.subheader("One word, with its numbers")
    default = next((labels.index(w) for w in ("it", "bank", "love") if w in labels), 0)
    focus = url_state.selectbox(
        st, "Word", range(len(labels)), index=default, format_func=lambda i: labels[i], key=f"{PAGE}_focus"
    )
    scores = ",\\ ".join(f"{float(s):.2f}" for s in result.scores[focus][:6]) + (r",\dots" if len(labels) > 6 else "")
    top = top_weights(result.weights, focus, 4)
    terms = " + ".join(rf"{w:.2f}\,e_{{\text{{{labels[j]}}}}}" for j, w in top)
    st.latex(r"y_i = \sum_j \operatorname{softmax}_j\!\left(\frac{e_i\cdot e_j}{T}\right) e_j")
    st.latex(
        rf"\begin{{aligned}} y_{{\text{{{labels[focus]}}}}} &= \operatorname{{softmax}}\!\left("
        rf"\tfrac{{1}}{{{temperature:.1f}}}\,[{scores}]\right) \cdot E \\ &= {terms}"
        + (r" + \dots" if len(labels) > len(top) else "")
        + r" \end{aligned}"
    )
    vectors = {f"e ({labels[focus]}, static)": E[focus], f"y ({labels[focus]}, in context)": result.output[focus]}
    render(vector_bars(vectors, dims, title="Before and after attention"), key=f"{PAGE}_focus_bars")


@st.fragment
def where_it_fails() -> None:
    """The lesson's sentence at the toy's named features and temperature 1: does "it" find "animal"?"""
    result = first_principles_attention(embed(LESSON, TOY).vectors)
    it, animal = LESSON.index("it"), LESSON.index("animal")
    focus = attention_focus(result.weights, it, animal)
    ties = {LESSON[j] for j in near_ties(result.weights, it, TIE)}
    options = list(dict.fromkeys(["animal", "road", "the", "it", LESSON[focus.strongest]]))
    st.markdown(f"A reader of *{' '.join(LESSON)}* links **it** to **animal**. Parameter-free attention?")
    if not predict(
        f"{PAGE}_predict_it",
        "which word will “it” attend to most here?",
        options,
        LESSON[focus.strongest],
        "Dot products of fixed vectors reward shared features (“it” and “the” are both function words), not the "
        "meaning the sentence needs.",
        also_right=[w for w in options if w in ties],
        tie_note=f"Weights within {TIE} of the row's largest count as a tie.",
    ):
        st.caption("The row of “it” appears once you have answered.")
        return
    st.markdown(
        f"“it” attends most to **“{LESSON[focus.strongest]}”** ({focus.strongest_weight:.2f}) and gives **“animal” "
        f"only {focus.target_weight:.2f}**, rank {focus.target_rank} of {len(LESSON)} (toy features, temperature 1)."
    )
    row = pd.DataFrame({"word": unique_labels(LESSON), "weight": result.weights[it].tolist()})
    spec = bars(
        row,
        "word",
        "weight",
        title="the row of “it”: weight on each word",
        sort=list(row.word),
        value_title="weight",
        highlight="animal",
    )
    render(spec, key=f"{PAGE}_it_row")
    st.page_link(QKV.path, label="Learned queries and keys close this gap: Q, K, V", icon=":material/arrow_forward:")


section("The four steps")
four_steps(sentence.words)


@st.fragment
def two_banks() -> None:
    def load(tables: dict[str, list[list[float]]]) -> None:
        for sentence, table in tables.items():
            for i, row in enumerate(table):
                for j, w in enumerate(row):
                    st.session_state[f"{PAGE}_w_{sentence.split()[0]}_{i}_{j}"] = float(w)

    for column, (name, (label, tables, icon)) in zip(st.columns(3), PRESETS.items()):
        column.button(label, key=f"{PAGE}_preset_{name}", on_click=load, args=(tables,), width="stretch", icon=icon)
    banks = {}
    for column, (sentence, table) in zip(side_by_side(2, 3), SEED_TABLES.items()):
        words = sentence.split()
        with column:
            st.subheader(f"“{sentence}”")
            raw = [
                [
                    url_state.slider(
                        cell, f"{word} → {other}", 0.0, 1.0, table[i][j], 0.01, key=f"{PAGE}_w_{words[0]}_{i}_{j}"
                    )
                    for j, (cell, other) in enumerate(zip(st.columns(3), words))
                ]
                for i, word in enumerate(words)
            ]
            W, Y = attention_with_weights(raw, embed(words, TOY).vectors)
            banks[sentence] = Y[1]
            show_matrix(W, words, words, key=f"{PAGE}_edit_{words[0]}", title="weights used (rows sum to 1)", **MAP)
    money, river = banks.values()
    cosine = float(cosine_similarity(money[None], river[None]))
    metrics = st.columns(2)
    metrics[0].metric("cosine(static bank, static bank)", "1.0000")
    metrics[1].metric("cosine(y_bank money, y_bank river)", f"{cosine:.4f}", delta=f"{cosine - 1:.4f}")
    vectors = {
        "e_bank (static)": TOY.vector("bank"),
        "y_bank (money)": money,
        "y_bank (river)": river,
    }
    render(
        vector_bars(vectors, list(TOY.dimensions), title="bank, before and after attention"), key=f"{PAGE}_bank_bars"
    )
    st.caption("Give *bank* more weight on *money* and it leans to finance; more on *river* and it leans to water.")


section("Edit the weights yourself: two banks")
st.markdown(
    "The lesson text gives a weight table for *money bank grows* and one for *river bank flows*. Move any slider: "
    "each row is **renormalised to sum to 1** (the maps show the weights actually used), and the two contextual "
    "*bank* vectors are recomputed."
)
two_banks()

section("Where it fails: does “it” find “animal”?")
where_it_fails()

section("What else it cannot do")
idiom = first_principles_attention(embed(["break", "a", "leg"], TOY).vectors)
rows = [
    (w, ", ".join(f"{n} ({s:.2f})" for n, s in nearest_neighbours(idiom.output[i], TOY.vectors, TOY.words, k=3)))
    for i, w in enumerate(["break", "a", "leg"])
]
st.markdown(
    "- **Nothing is learned.** The weights follow from fixed similarities, so the result is the same whatever the "
    "task. *Break a leg* means *good luck*, but its outputs stay near their own words:"
)
st.dataframe(pd.DataFrame(rows, columns=["word", "nearest words to its output"]), hide_index=True, key=f"{PAGE}_idiom")
st.markdown(
    "- **Order is lost.** Shuffle the words and every word gets exactly the same output: "
    "*Humans love smartphones* and *Smartphones love humans* look identical."
)
st.page_link(
    "lessons/positional_encoding.py", label="Next: positional encoding fixes order", icon=":material/arrow_forward:"
)
explain(
    "1. **Score** every pair of words with a dot product: large when their vectors point the same way.\n"
    "2. **Softmax** each row: exponentiate and divide by the row total, so the weights are positive and sum to 1. "
    "The temperature divides the scores first.\n"
    "3. **Mix**: each word's new vector is the weighted average of all word vectors. A word that attends to *money* "
    "takes on money features.\n\n"
    "The next steps add learned projections (Q, K, V) so the model can learn *which* similarities matter."
)
show_code(
    embed,
    resize_dimensions,
    dimension_names,
    first_principles_attention,
    softmax,
    weighted_sum,
    weighted_sum_loop,
    loop_matmul_difference,
    attention_focus,
    near_ties,
    attention_with_weights,
    normalise_rows,
    cosine_similarity,
    nearest_neighbours,
)
