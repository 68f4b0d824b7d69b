from functools import partial

import pandas as pd
import streamlit as st

from core import positional
from core.embeddings import embed, toy_vocabulary
from core.text import words_or_nothing
from ui import scrub, session, snippets, url_state
from ui.charts import numbers_table, render
from ui.export import chart_downloads, page_export
from ui.navigation import POSITIONAL
from ui.present import section
from ui.quiz import answered, predict
from ui.specs import heatmap, lines, sampled_waves
from ui.widgets import explain, page_header, sentence_pair, show_code

PAGE = POSITIONAL.id
TOY = toy_vocabulary()
BASES = [10.0, 100.0, 1000.0, 10000.0, 100000.0]
LEARNED_WIDTH = 8  # numbers per row of the learned table: its width does not change how many positions it holds
MAX_HEIGHT = 400  # px of cells: a map of many positions keeps this height and thins its numbered labels


def position_map(matrix, rows: list[str], cols: list[str], **options) -> dict:
    """A heatmap of numbered positions that fits a screen: at most MAX_HEIGHT px tall, labels thinned."""
    return heatmap(matrix, rows, cols, palette=session.palette(), overlay=False, max_height=MAX_HEIGHT, **options)


page_header(
    "Positional encoding",
    "Attention compares every word with every word, all at once. Does it see **the order** of the words? "
    "The test below shuffles a sentence: predict first. *Attention Is All You Need* adds to each "
    "embedding a vector that depends only on its position, built from sines and cosines of different frequencies.",
)
# One equation a line: side by side they ran off a phone's edge.
st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{\text{base}^{2i/d_{model}}}\right)")
st.latex(r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{\text{base}^{2i/d_{model}}}\right)")
st.caption(
    "pos: the word's place in the sentence (0, 1, 2, …); 2i and 2i + 1: which of its numbers (even ones take the "
    "sine, odd ones the cosine); d_model: how many numbers each word's vector has; base: how slowly the last "
    "waves turn (10,000 in the paper). The last two are sliders below."
)


# The permutation question without and with the encoding: two answers, each held back until it is given.
QUESTIONS = {False: f"{PAGE}_predict_plain", True: f"{PAGE}_predict_pe"}


@st.fragment
def permutation_section() -> None:
    labels, keys = ("Sentence A", "Sentence B (same words, another order)"), (f"{PAGE}_first", f"{PAGE}_second")
    first, second = sentence_pair(labels, ("The cat sat on the mat", "The mat sat on the cat"), keys)
    controls = st.columns(2)
    use_pe = url_state.toggle(controls[0], "Add positional encoding", value=False, key=f"{PAGE}_use_pe")
    strength = url_state.slider(
        controls[1], "Strength of the encoding", 0.0, 3.0, 1.0, 0.1, key=f"{PAGE}_strength", disabled=not use_pe
    )
    words_a, words_b = words_or_nothing(first), words_or_nothing(second)
    order = positional.reordering(words_a, words_b)
    if order is None:
        st.info("For the test, sentence B must use exactly the same words as sentence A, in another order.")
        return
    differences, worst, same = positional.compare_orders(
        embed(words_a, TOY).vectors, order, strength if use_pe else 0.0
    )
    mode = f"with positional encoding (strength {strength:.1f})" if use_pe else "without positional encoding"
    is_answered = predict(
        QUESTIONS[use_pe],
        f"sentence B has the same words as A in another order. {mode.capitalize()}, "
        "will each word's output be the same in A and B?",
        ["yes, exactly the same", "no, they change"],
        "yes, exactly the same" if same else "no, they change",
        f"Differences below {positional.SAME_OUTPUT_TOLERANCE:.5f} are float rounding and count as the same.",
        waiting="Answer above to see each word's output in A and in B compared.",
        whole_page=True,  # "In plain words" below holds back its answer too
    )
    if not is_answered:
        return
    shown = "0 (rounding only)" if same else f"{worst:.3f}"
    st.metric("Largest difference between a word's outputs in A and in B", shown)
    if same:
        st.warning("Identical outputs: without positions, attention cannot tell A from B.", icon=":material/shuffle:")
    else:
        st.success(
            "The outputs now differ: the same word at another position gets another vector.",
            icon=":material/format_list_numbered:",
        )
    table = pd.DataFrame(
        {"word": words_a, "position in A": range(len(words_a)), "position in B": order, "max |y_A − y_B|": differences}
    )
    st.dataframe(table.style.format({"max |y_A − y_B|": "{:.4f}"}), hide_index=True, key=f"{PAGE}_permutation")


@st.fragment
def encoding_section() -> None:
    controls = st.columns(3)
    n_positions = url_state.slider(controls[0], "Positions", 2, 128, 50, key=f"{PAGE}_positions")
    d_model = url_state.slider(controls[1], "d_model", 2, 128, 64, key=f"{PAGE}_d_model")
    base = url_state.select_slider(
        controls[2], "Base", BASES, value=10000.0, key=f"{PAGE}_base", format_func="{:,.0f}".format
    )
    pe = positional.sinusoidal_encoding(n_positions, d_model, base)
    positions, dims = [str(p) for p in range(n_positions)], [str(i) for i in range(d_model)]
    titles = dict(title="PE: one row per position", row_title="position", col_title="dimension", value_title="PE")
    render(position_map(pe, positions, dims, domain=(-1, 1), **titles), key=f"{PAGE}_pe_chart")
    turns = positional.wavelengths(d_model, base)
    st.caption(
        f"Left columns oscillate fast (dimensions 0 and 1 turn once every {turns[0]:.1f} positions), right columns "
        f"slowly (dimension {d_model - 1}: once every {turns[-1]:,.1f}): like the hands of a clock, together they "
        "give every position its own pattern."
        if turns[-1] > turns[0]
        else f"With d_model = {d_model} there is one pair, a sine and a cosine turning once every {turns[0]:.1f} "
        "positions: positions about that far apart look almost alike. More dimensions add slower waves that tell "
        "them apart."
    )
    one_row_one_column(pe, base)
    default_dims = [i for i in (0, 1, 4, 5, 10) if i < d_model]
    chosen = url_state.multiselect(
        st, "Dimensions to plot", list(range(d_model)), default=default_dims, key=f"{PAGE}_dims"
    )
    if chosen:
        dims = sorted(chosen)
        curve = positional.waves(n_positions, d_model, dims, base)
        series = {f"dim {i}": values for i, values in curve.values.items()}
        # legend below: beside the chart it took a third of a phone's width from the waves
        options = dict(title="Each dimension is a wave", integer_x=True, color_sort=list(series), legend_columns=4)
        spec = sampled_waves(curve.positions, series, curve.whole, x="position", y="PE", group="dimension",
                             **options)  # fmt: skip
        render(spec, key=f"{PAGE}_waves")
        st.caption(
            "Each line is the formula at every position in between; the dots are the whole positions a word "
            "can sit at, the numbers the map above holds."
        )

    st.subheader("Nearby positions look alike")
    left, right = st.columns(2)
    with left:
        titles = dict(title="PE_i · PE_j", row_title="position i", col_title="position j", value_title="dot")
        render(
            position_map(positional.position_similarity(pe), positions, positions, **titles),
            key=f"{PAGE}_similarity_chart",
        )
    with right:
        profile = positional.distance_profile(pe)
        columns = {"|i − j|": range(n_positions), "mean PE_i · PE_j": profile.by_distance}
        title = "Mean similarity by distance"
        spec = lines(columns, "|i − j|", "mean PE_i · PE_j", title=title, points=False, integer_x=True)
        render(spec, key=f"{PAGE}_distance")
    st.caption(distance_sentence(profile, d_model))
    numbers = {"n_positions": n_positions, "d_model": d_model, "base": base, "pe": pe}
    page_export(PAGE, numbers, snippet=snippets.positional(n_positions, d_model, base))


def distance_sentence(profile: positional.DistanceProfile, d_model: int) -> str:
    """What the two similarity charts show, read off their numbers."""
    values, k = profile.by_distance.tolist(), profile.falls_until
    if profile.spread < 0.005:  # below what two decimals show
        where = "The dot product depends only on the distance |i − j|, not on where the pair sits: relative "
        where += "positions are easy to read off. "
    else:
        where = (
            f"With an odd d_model ({d_model}) the last column is a sine without its cosine, so pairs at the same "
            f"distance differ by up to {profile.spread:.2f}: the dot depends mostly, not only, on |i − j|. "
        )
    if len(values) < 2:
        return where
    if k == len(values) - 1:
        return where + f"The mean falls at every step, from {values[0]:.2f} at distance 0 to {values[-1]:.2f}."
    start = f"The mean falls from {values[0]:.2f} at distance 0 to {values[k]:.2f} at distance {k}"
    if k == 0:
        start = f"The mean does not fall at first ({values[0]:.2f} at distance 0, {values[1]:.2f} at 1)"
    return where + start + f", then ripples (the faster waves come round again), ending at {values[-1]:.2f}."


def numbered_table(values, index: str) -> pd.DataFrame:
    """One row or column of the map as a table: PE by dimension, or by position."""
    return pd.DataFrame({"PE": values.tolist()}, index=pd.RangeIndex(len(values), name=index))


@st.fragment  # nested: Position and Dimension answer in the browser; this redraws only their sentences
def one_row_one_column(pe, base: float) -> None:
    """A row of the map (one position's code) and a column (one dimension's wave), each picked by an input
    bound inside its chart (ui.scrub: every row and every column sent once)."""
    n_positions, d_model = pe.shape
    turns = positional.wavelengths(d_model, base)
    row_scrub = scrub.Scrub(f"{PAGE}_position", "Position", tuple(range(n_positions)), min(10, n_positions - 1))
    column_scrub = scrub.Scrub(f"{PAGE}_dimension", "Dimension", tuple(range(d_model)), min(4, d_model - 1))
    identity = (n_positions, d_model, base)

    def row(**position) -> dict:
        p = position[row_scrub.key]
        # short names: two legend columns of "sin (even dimensions)" were cut off on a 390 px phone
        kinds = ["even: sin" if j % 2 == 0 else "odd: cos" for j in range(d_model)]
        columns = {"dimension": range(d_model), "PE": pe[p].tolist(), "column": kinds}  # two smooth curves
        return lines(columns, "dimension", "PE", color="column", title=f"position {p}: its {d_model} numbers",
                     points=d_model <= 32, integer_x=True, y_domain=(-1, 1), legend_columns=2)  # fmt: skip

    def column(**position) -> dict:
        i = position[column_scrub.key]
        # the wave between whole positions too; fewer steps than the waves chart (every dimension's is sent),
        # but enough that two positions still make a curve
        curve = positional.waves(n_positions, d_model, [i], base, min_steps=64)
        title = f"dimension {i}, a turn every {turns[i]:,.1f}"
        spec = sampled_waves(curve.positions, {"PE": curve.values[i]}, curve.whole, x="position", y="PE",
                             group="wave", title=title, integer_x=True, y_domain=(-1, 1))  # fmt: skip
        spec["encoding"]["color"]["legend"] = None  # one wave: nothing to tell apart
        return spec

    left, right = st.columns(2)
    with left:
        p = scrub.scrub_chart(row, [row_scrub], key=f"{PAGE}_row_scrub", cells=d_model, data_id=identity)[row_scrub.key]
        table = partial(numbered_table, pe[p], "dimension")  # built when asked for: a download, the numbers
        chart_downloads(lambda: row(**{row_scrub.key: p}), key=f"{PAGE}_row_chart", table=table)
        last = d_model - 2 if d_model % 2 == 0 else d_model - 1  # the slowest pair (or the last sine alone)
        first = ", ".join(f"{v:.2f}" for v in pe[p, :2].tolist())
        ends = ", ".join(f"{v:.2f}" for v in pe[p, last:].tolist())
        st.caption(
            f"Position {p} starts {first} (dimensions 0 and 1 turn once every {turns[0]:.1f} positions)"
            + (
                f" and ends {ends} (once every {turns[last]:,.1f}): move the position and the left end jumps "
                "while the right end creeps."
                if last >= 2
                else "."
            )
        )
        numbers_table(table, key=f"{PAGE}_row")
    with right:
        i = scrub.scrub_chart(column, [column_scrub], key=f"{PAGE}_column_scrub", cells=n_positions,
                              data_id=identity)[column_scrub.key]  # fmt: skip
        table = partial(numbered_table, pe[:, i], "position")
        chart_downloads(lambda: column(**{column_scrub.key: i}), key=f"{PAGE}_column_chart", table=table)
        wave = "sin" if i % 2 == 0 else "cos"
        st.caption(
            f"Dimension {i} is {wave}(pos / {base:,.0f}^({i // 2 * 2}/{d_model})): one turn every {turns[i]:,.1f} "
            f"positions, so these {n_positions} positions hold "
            + (f"{n_positions / turns[i]:.2f} turns." if n_positions / turns[i] >= 0.01 else "under 0.01 of a turn.")
        )
        numbers_table(table, key=f"{PAGE}_column")


@st.fragment
def learned_section() -> None:
    table_rows = url_state.slider(st, "Rows in a learned table", 4, 64, 16, key=f"{PAGE}_table_rows")
    probe = url_state.slider(st, "Sentence length to encode", 1, 128, 20, key=f"{PAGE}_probe")
    try:
        positional.LearnedPositionalEmbedding(table_rows, LEARNED_WIDTH, seed=0)(probe)
        st.success(f"A learned table with {table_rows} rows can encode {probe} positions.")
    except ValueError:
        last = probe - 1
        # dimensions 0 and 1 are sin(pos) and cos(pos) whatever d_model and base: no other slider to match
        start = " and ".join(f"{v:.2f}" for v in positional.sinusoidal_row(last, 2).tolist())
        st.warning(
            f"A learned table with {table_rows} rows has no vector for position {last} (it stops at "
            f"position {table_rows - 1}). The sinusoidal formula has no such limit: at position {last} its "
            f"first two numbers, sin({last}) and cos({last}), are {start}, for any d_model and base."
        )


section("1 · The permutation test")
permutation_section()
section("2 · What the encoding looks like")
encoding_section()
section("3 · Sinusoidal or learned?")
st.markdown(
    "| | sinusoidal (Transformer, 2017) | learned (BERT, GPT-2, MiniLM) |\n"
    "|---|---|---|\n"
    "| parameters | none: a formula | one trained vector per position |\n"
    "| longest input | any length | only as many positions as the table has rows |\n"
    "| what it knows | smooth, distance-aware by construction | whatever training found useful |\n"
    "| quality | about the same in the original paper's tests | about the same |"
)
learned_section()

# Each of the first two points answers one of the permutation questions: said once that one is answered.
told = {
    False: "- Without positions, attention treats a sentence as a **bag of words**: the permutation test "
    "gives differences of 0 (up to rounding).\n",
    True: "- Adding a position vector to each word vector makes *cat at position 1* and *cat at position 5* "
    "different inputs, so their outputs differ too.\n",
}
held = [("without", "with")[use_pe] for use_pe, key in QUESTIONS.items() if not answered(key)]
explain(
    "".join(text for use_pe, text in told.items() if answered(QUESTIONS[use_pe]))
    + (
        f"- What the permutation test {' and '.join(held)} positions shows: here once you have answered it.\n"
        * bool(held)
    )
    + "- The sines and cosines give each position a unique code whose similarity falls smoothly with "
    "distance, for any sentence length."
)
show_code()
