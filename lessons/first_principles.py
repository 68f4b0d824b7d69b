import pandas as pd
import streamlit as st

from core import attention
from core.embeddings import cosine, dimension_names, embed, resize_dimensions, toy_vocabulary, unknown_words
from core.numbers import tiny_difference
from core.text import focus_word, tokenize, unique_labels
from ui import formulas, snippets, url_state
from ui.charts import attention_map, kept_place, render, show_matrix, side_by_side
from ui.export import page_export
from ui.navigation import FIRST_PRINCIPLES, POSITIONAL, QKV
from ui.present import section
from ui.quiz import answered, predict
from ui.session import seed
from ui.specs import vector_bars, weight_bars
from ui.widgets import explain, page_header, sentence_input, set_slider_grid, show_code, slider_grid

PAGE = FIRST_PRINCIPLES.id
QUESTION = f"{PAGE}_predict"  # the page's one question: which word will a word attend to most?
TOY = toy_vocabulary()
TIE = 0.02  # weights this close to a row's largest count as "attends to most" when predicting
TIE_NOTE = f"Weights within {TIE} of the row's largest count as a tie."
LESSON = tokenize("The animal didn't cross the road because it was tired").words
IDIOM = ["break", "a", "leg"]
# The two weight tables of the lesson text (rows: the word attending; columns: attended to).
SEED_TABLES = {
    "money bank grows": [[0.7, 0.2, 0.1], [0.25, 0.7, 0.05], [0.1, 0.2, 0.7]],
    "river bank flows": [[0.8, 0.15, 0.05], [0.2, 0.78, 0.02], [0.4, 0.01, 0.59]],
}
COMPUTED = {
    s: attention.first_principles_attention(embed(s.split(), TOY).vectors).weights.tolist() for s in SEED_TABLES
}
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
MAP = dict(asking="word i (asking)", attended="word j")

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
    T = url_state.slider(right, "Softmax temperature", 0.1, 5.0, 1.0, 0.1, key=f"{PAGE}_temperature", help=T_HELP)
    E, dims = resize_dimensions(embed(words, TOY).vectors, d, seed=seed()), dimension_names(TOY, d)
    unknown_note = kept_place()  # used or not
    if unknown := unknown_words(words, TOY):
        unknown_note.caption(
            "Not in the toy vocabulary: " + ", ".join(unknown) + ". Each gets small random numbers made from its "
            "spelling (the same word always gets the same vector), so its features mean nothing."
        )
    result = attention.first_principles_attention(E, temperature=T)
    st.subheader("1 · Embeddings E")
    show_matrix(E, labels, dims, key=f"{PAGE}_E", title=f"E: {len(words)} words × {d} features", **FEATURES)
    probe = focus_word(words).index  # its pronoun, else a repeated word, else its middle word
    focus = attention.attention_focus(result.weights, probe, probe)
    if predict(
        QUESTION,
        f"which word will “{labels[probe]}” attend to most?",
        labels,
        labels[focus.strongest],
        why_it_wins(labels, result.scores[probe], probe),
        fact=most_weight(labels, result.weights[probe], probe),
        also_right=[labels[j] for j in attention.near_ties(result.weights, probe, TIE)],
        tie_note=TIE_NOTE,
        waiting="Steps 2–4 appear once you have answered: they give the answer away.",
        whole_page=True,  # "Where it fails" (and the two banks, for their sentences) below wait for it too
    ):
        steps_two_to_four(labels, E, dims, result, T, probe)
    numbers = {"words": words, "temperature": T, "E": E, **result._asdict()}
    page_export(PAGE, numbers, snippet=snippets.first_principles(E, words, T))


def named(labels: list[str], indices: list[int]) -> str:
    return " and ".join(f"“{labels[j]}”" for j in indices)


def most_weight(labels: list[str], row, i: int) -> str:
    """The answer in words: every word tied at the two decimals shown, so a tie is said as one."""
    tied = attention.shown_ties(row, 2)
    each = " each" if len(tied) > 1 else ""
    return f"“{labels[i]}” puts most weight on {named(labels, tied)} ({float(row[tied[0]]):.2f}{each}, step 3)"


def why_it_wins(labels: list[str], scores, i: int) -> str:
    """Why: the weights follow the dot products, whose largest is with itself only when the numbers say so."""
    best = attention.shown_ties(scores, 2)
    if i in best:
        return (
            f"Its highest dot product (step 2) is with itself ({float(scores[i]):.2f}): a word shares all its "
            "features with itself, and the softmax keeps that order."
        )
    return (
        f"Its highest dot product (step 2) is with {named(labels, best)} ({float(scores[best[0]]):.2f}), not with "
        f"itself ({float(scores[i]):.2f}): “{labels[i]}” shares more features with {'them' if len(best) > 1 else 'it'} "
        "than with itself, and the softmax keeps that order."
    )


def steps_two_to_four(labels: list[str], E, dims: list[str], result, T: float, probe: int) -> None:
    steps = side_by_side(2, len(labels))
    with steps[0]:
        st.subheader("2 · Scores: E·Eᵀ")
        scores = dict(row_title="word i (asking)", col_title="word j", value_title="e_i · e_j")
        show_matrix(result.scores, labels, labels, key=f"{PAGE}_scores", title="dot product of every pair", **scores)
    with steps[1]:
        st.subheader("3 · Weights: softmax")
        attention_map(result.weights, labels, key=f"{PAGE}_weights", title="each row sums to 1", **MAP)
    st.subheader("4 · Outputs: weights·E")
    show_matrix(result.output, labels, dims, key=f"{PAGE}_outputs", title="contextual vectors y", **FEATURES)
    st.subheader("One word, with its numbers")
    i = url_state.selectbox(
        st, "Word", range(len(labels)), index=probe, format_func=labels.__getitem__, key=f"{PAGE}_focus"
    )
    st.latex(formulas.FIRST_PRINCIPLES)
    st.latex(formulas.first_principles_row(labels, i, result.scores[i], attention.top_weights(result.weights, i, 4), T))
    vectors = {f"e ({labels[i]}, static)": E[i], f"y ({labels[i]}, in context)": result.output[i]}
    render(vector_bars(vectors, dims, title="Before and after attention"), key=f"{PAGE}_focus_bars")
    (n, d), gap = E.shape, tiny_difference(attention.loop_matmul_difference(result.weights, E))
    st.subheader("All words at once")
    st.markdown(
        f"A loop computes one word after another, y_i = Σ_j w_ij e_j. The same numbers come from **one matrix "
        f"product**, Y = W·E: ({n}×{n}) · ({n}×{d}) → ({n}×{d}), which hardware does in parallel. Largest "
        f"difference between the loop and the product here: **{gap}**."
    )


@st.fragment
def two_banks() -> None:
    def load(tables: dict[str, list[list[float]]]) -> None:
        for sentence, table in tables.items():
            set_slider_grid(f"{PAGE}_w_{sentence.split()[0]}", table)

    for column, (name, (label, tables, icon)) in zip(st.columns(3), PRESETS.items()):
        column.button(label, key=f"{PAGE}_preset_{name}", on_click=load, args=(tables,), width="stretch", icon=icon)
    banks = []  # the contextual "bank" of each sentence
    for column, (sentence, table) in zip(side_by_side(2, 3), SEED_TABLES.items()):
        words = sentence.split()
        with column:
            st.subheader(f"“{sentence}”")
            W, Y = attention.attention_with_weights(
                slider_grid(words, table, key=f"{PAGE}_w_{words[0]}"), embed(words, TOY).vectors
            )
            banks.append(Y[1])
            attention_map(W, words, key=f"{PAGE}_edit_{words[0]}", title="weights used (rows sum to 1)", **MAP)
    money, river = banks
    metrics, similarity = st.columns(2), cosine(money, river)
    metrics[0].metric("cosine(static bank, static bank)", "1.0000")
    # green when the banks move apart (what the weights are edited for), not red for a falling number
    metrics[1].metric(
        "cosine(y_bank money, y_bank river)", f"{similarity:.4f}", delta=f"{similarity - 1:.4f}", delta_color="inverse"
    )
    st.caption(
        "y_bank is the vector of *bank* after attention (step 4's output) in each sentence; e_bank is its fixed "
        f"vector before. The small number under the cosine, {similarity - 1:.4f}, is its change from the "
        f"1.0000 of the fixed vectors: {'the two banks have moved apart' if similarity < 1 else 'no change'}."
    )
    vectors = {"e_bank (static)": TOY.vector("bank"), "y_bank (money)": money, "y_bank (river)": river}
    spec = vector_bars(vectors, list(TOY.dimensions), title="bank, before and after attention")
    render(spec, key=f"{PAGE}_bank_bars")
    st.caption("Give *bank* more weight on *money* and it leans to finance; more on *river* and it leans to water.")


def where_it_fails() -> None:
    """The lesson's sentence at the toy's named features and temperature 1: does "it" find "animal"?"""
    result = attention.first_principles_attention(embed(LESSON, TOY).vectors)
    it, animal = LESSON.index("it"), LESSON.index("animal")
    focus = attention.attention_focus(result.weights, it, animal)
    st.markdown(f"A reader of *{' '.join(LESSON)}* links **it** to **animal**. Parameter-free attention?")
    if not answered(QUESTION):  # the same question as above: asked once, and this row would answer it
        st.caption("The row of “it” appears once you have answered the question in “The four steps”.")
        return
    labels = unique_labels(LESSON)
    tied = " and ".join(f"“{labels[j]}”" for j in attention.near_ties(result.weights, it, TIE))  # the strongest too
    st.markdown(
        f"“it” attends most to **{tied}** ({focus.strongest_weight:.2f}) and gives **“animal” "
        f"only {focus.target_weight:.2f}**, rank {focus.target_rank} of {len(LESSON)} (toy features, temperature 1). "
        "Dot products of fixed vectors reward shared features, not the meaning the sentence needs."
    )
    title = "the row of “it”: weight on each word"
    render(weight_bars(labels, result.weights[it], title=title, highlight="animal"), key=f"{PAGE}_it_row")
    st.page_link(QKV.path, label="Learned queries and keys close this gap: Q, K, V", icon=":material/arrow_forward:")


def idiom_claim(idiom: list[str], found: list[list[tuple[str, float]]]) -> str:
    """What the nearest words say: how many outputs are nearest a word of the idiom, and whether *luck* shows."""
    own = [f"{word} → {near[0][0]}" for word, near in zip(idiom, found) if near[0][0] in idiom]
    luck = any(name == "luck" for near in found for name, _ in near)
    return (
        f"{len(own)} of its {len(idiom)} outputs {'is' if len(own) == 1 else 'are'} nearest a word of the idiom "
        f"itself{' (' + ', '.join(own) + ')' if own else ''}, and *luck* is "
        f"{'among' if luck else 'not among'} the nearest words of any output"
    )


FOUND = attention.neighbours_after_attention(IDIOM, TOY)  # each idiom word's nearest words after attention
section("The four steps")
four_steps(sentence.words)
section("Edit the weights yourself: two banks")
st.markdown(
    "The course's reading on self-attention sets two weight tables by hand, one for *money bank grows* and one for "
    "*river bank flows*; the button *The lesson's tables* loads them. Move any slider: "
    "each row is **renormalised to sum to 1** (the maps show the weights actually used), and the two contextual "
    "*bank* vectors are recomputed."
)
if " ".join(sentence.words) in SEED_TABLES and not answered(QUESTION):  # its table shows where "bank" looks
    st.caption("The two tables appear once you have answered the question in “The four steps”: one is your sentence.")
else:
    two_banks()
section("Where it fails: does “it” find “animal”?")
where_it_fails()
section("What else it cannot do")
st.markdown(
    "- **Nothing is learned.** The weights follow from fixed similarities, so the result is the same whatever the "
    f"task. *Break a leg* means *good luck*, but {idiom_claim(IDIOM, FOUND)}:"
)
near = [", ".join(f"{n} ({s:.2f})" for n, s in found) for found in FOUND]
table = pd.DataFrame({"word": IDIOM, "nearest words to its output": near})
st.dataframe(table, hide_index=True, key=f"{PAGE}_idiom")
st.markdown(
    "- **Order is lost.** Shuffle the words and every word gets exactly the same output: "
    "*Humans love smartphones* and *Smartphones love humans* look identical."
)
st.page_link(POSITIONAL.path, label="Next: positional encoding fixes order", icon=":material/arrow_forward:")
explain(
    "1. **Score** every pair of words with a dot product: large when their vectors point the same way.\n"
    "2. **Softmax** each row: exponentiate and divide by the row total, so the weights are positive and sum to 1. "
    "The temperature divides the scores first.\n"
    "3. **Mix**: each word's new vector is the weighted average of all word vectors. A word that attends to *money* "
    "takes on money features.\n\n"
    "The next steps add learned projections (Q, K, V) so the model can learn *which* similarities matter."
)
show_code()
