import pandas as pd
import streamlit as st
import torch

from core.attention import first_principles_attention
from core.embeddings import embed, toy_vocabulary
from core.positional import (
    LearnedPositionalEmbedding,
    add_positions,
    sinusoidal_encoding,
)
from core.text import words_or_nothing
from ui import url_state
from ui.charts import render, show_matrix
from ui.export import page_export
from ui.navigation import POSITIONAL
from ui.present import section
from ui.quiz import predict
from ui.specs import lines
from ui.widgets import explain, page_header, show_code

PAGE = POSITIONAL.id
TOY = toy_vocabulary()

page_header(
    "Positional encoding",
    "Attention compares every word with every word, all at once, so it has **no idea of order**: "
    "shuffle the words and each word gets exactly the same output. The fix of *Attention Is All "
    "You Need*: add to each embedding a vector that depends only on its position, built from sines "
    "and cosines of different frequencies.",
)
st.latex(
    r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{\text{base}^{2i/d_{model}}}\right) \qquad "
    r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{\text{base}^{2i/d_{model}}}\right)"
)

# --- 1. the permutation test ------------------------------------------------------------------
section("1 · The permutation test")
left, right = st.columns(2)
first = url_state.text_input(left, "Sentence A", "The cat sat on the mat", key=f"{PAGE}_first", max_chars=300)
second = url_state.text_input(
    right, "Sentence B (same words, another order)", "The mat sat on the cat", key=f"{PAGE}_second", max_chars=300
)
controls = st.columns(2)
use_pe = url_state.toggle(controls[0], "Add positional encoding", value=False, key=f"{PAGE}_use_pe")
strength = url_state.slider(
    controls[1],
    "Strength of the encoding",
    0.0,
    3.0,
    1.0,
    0.1,
    key=f"{PAGE}_strength",
    disabled=not use_pe,
    help="E + strength · PE",
)
words_a, words_b = words_or_nothing(first), words_or_nothing(second)
if not words_a or sorted(words_a) != sorted(words_b):
    st.info("For the test, sentence B must use exactly the same words as sentence A, in another order.")
else:

    def outputs(words: list[str]) -> torch.Tensor:
        E = embed(words, TOY).vectors
        return first_principles_attention(add_positions(E, strength) if use_pe else E).output

    out_a, out_b = outputs(words_a), outputs(words_b)
    unchanged = bool((out_a.sort(0).values - out_b.sort(0).values).abs().max() < 1e-5)
    predict(
        f"{PAGE}_predict",
        "sentence B has the same words as A in another order. "
        + ("With positional encoding on" if use_pe else "Without positional encoding")
        + ", will each word's output be the same in A and B?",
        ["yes, exactly the same", "no, they change"],
        "yes, exactly the same" if unchanged else "no, they change",
        "See the table: attention alone only sees which words are present, not where.",
    )
    # the k-th "the" of A is matched with the k-th "the" of B
    positions_b = {w: [i for i, v in enumerate(words_b) if v == w] for w in set(words_b)}
    seen: dict[str, int] = {}
    rows = []
    for i, word in enumerate(words_a):
        j = positions_b[word][seen.get(word, 0)]
        seen[word] = seen.get(word, 0) + 1
        rows.append(
            {
                "word": word,
                "position in A": i,
                "position in B": j,
                "max |y_A − y_B|": float((out_a[i] - out_b[j]).abs().max()),
            }
        )
    table = pd.DataFrame(rows)
    worst = table["max |y_A − y_B|"].max()
    st.metric("Largest difference between a word's outputs in A and in B", f"{worst:.2e}")
    if worst < 1e-5:
        st.warning("Identical outputs: without positions, attention cannot tell A from B.", icon=":material/shuffle:")
    else:
        st.success(
            "The outputs now differ: the same word at another position gets another vector.",
            icon=":material/format_list_numbered:",
        )
    st.dataframe(table.style.format({"max |y_A − y_B|": "{:.2e}"}), hide_index=True, key=f"{PAGE}_permutation")

# --- 2. the encoding itself ---------------------------------------------------------------------
section("2 · What the encoding looks like")
controls = st.columns(3)
n_positions = url_state.slider(controls[0], "Positions", 2, 128, 50, key=f"{PAGE}_positions")
d_model = url_state.slider(controls[1], "d_model", 2, 128, 64, key=f"{PAGE}_d_model")
base = url_state.select_slider(
    controls[2],
    "Base",
    [10.0, 100.0, 1000.0, 10000.0, 100000.0],
    value=10000.0,
    key=f"{PAGE}_base",
    format_func=lambda b: f"{b:,.0f}",
)
pe = sinusoidal_encoding(n_positions, d_model, base)
positions = [str(p) for p in range(n_positions)]
show_matrix(
    pe,
    positions,
    [str(i) for i in range(d_model)],
    key=f"{PAGE}_pe",
    numbers=False,
    title="PE: one row per position",
    row_title="position",
    col_title="dimension",
    value_title="PE",
    domain=(-1, 1),
)
st.caption(
    "Left columns oscillate fast, right columns slowly: like the hands of a clock, together they "
    "give every position a unique pattern."
)

chosen = url_state.multiselect(
    st,
    "Dimensions to plot",
    list(range(d_model)),
    default=[i for i in (0, 1, 4, 5, 10) if i < d_model],
    key=f"{PAGE}_dims",
)
if chosen:
    frame = pd.DataFrame(
        [(p, f"dim {i}", float(pe[p, i])) for i in chosen for p in range(n_positions)],
        columns=["position", "dimension", "PE"],
    )
    render(
        lines(frame, "position", "PE", color="dimension", title="Each dimension is a wave", points=False),
        key=f"{PAGE}_waves",
    )

st.subheader("Nearby positions look alike")
similarity = pe @ pe.T
left, right = st.columns(2)
with left:
    show_matrix(
        similarity,
        positions,
        positions,
        key=f"{PAGE}_similarity",
        title="PE_i · PE_j",
        row_title="position i",
        col_title="position j",
        value_title="dot",
    )
with right:
    by_distance = [(k, float(similarity.diagonal(k).mean())) for k in range(n_positions)]
    frame = pd.DataFrame(by_distance, columns=["|i − j|", "mean PE_i · PE_j"])
    render(
        lines(frame, "|i − j|", "mean PE_i · PE_j", title="Similarity falls with distance", points=False),
        key=f"{PAGE}_distance",
    )
    st.caption(
        "The dot product depends only on the distance |i − j|, not on where the pair sits: "
        "relative positions are easy to read off."
    )

# --- 3. sinusoidal vs learned ----------------------------------------------------------------------
section("3 · Sinusoidal or learned?")
st.markdown(
    "| | sinusoidal (Transformer, 2017) | learned (BERT, GPT-2, MiniLM) |\n"
    "|---|---|---|\n"
    "| parameters | none: a formula | one trained vector per position |\n"
    "| longest input | any length | only as many positions as the table has rows |\n"
    "| what it knows | smooth, distance-aware by construction | whatever training found useful |\n"
    "| quality | about the same in the original paper's tests | about the same |"
)
table_rows = url_state.slider(st, "Rows in a learned table", 4, 64, 16, key=f"{PAGE}_table_rows")
probe = url_state.slider(st, "Sentence length to encode", 1, 128, 20, key=f"{PAGE}_probe")
learned = LearnedPositionalEmbedding(table_rows, 8, seed=0)
try:
    learned(probe)
    st.success(f"A learned table with {table_rows} rows can encode {probe} positions.")
except ValueError as limit:
    st.warning(
        f"Learned table: {limit}. The sinusoidal formula has no such limit: "
        f"PE at position {probe - 1} starts {sinusoidal_encoding(probe, 8)[-1, :3].tolist()} …"
    )

page_export(
    PAGE,
    {"n_positions": n_positions, "d_model": d_model, "base": base, "pe": pe},
    snippet=f"""import torch

n_positions, d_model, base = {n_positions}, {d_model}, {base!r}
position = torch.arange(n_positions, dtype=torch.float64)[:, None]
two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
angle = position / base ** (two_i / d_model)
pe = torch.zeros(n_positions, d_model, dtype=torch.float64)
pe[:, 0::2] = torch.sin(angle)
pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
""",
)

explain(
    "- Without positions, attention treats a sentence as a **bag of words**: the permutation test "
    "gives differences of 0 (up to rounding).\n"
    "- Adding a position vector to each word vector makes *cat at position 1* and *cat at position 5* "
    "different inputs, so their outputs differ too.\n"
    "- The sines and cosines give each position a unique code whose similarity falls smoothly with "
    "distance, for any sentence length."
)
show_code(sinusoidal_encoding, add_positions, first_principles_attention)
