import pandas as pd
import streamlit as st
import torch

from core.embeddings import (
    Vocabulary,
    analogy,
    cosine_similarity,
    dot_similarity,
    embed,
    nearest_neighbours,
    one_hot,
    toy_vocabulary,
)
from core.projection import pca_2d
from core.text import tokenize, words_or_nothing
from ui import model_cache, url_state
from ui.charts import render, show_matrix
from ui.export import literal, page_export
from ui.navigation import STATIC
from ui.present import section
from ui.quiz import predict
from ui.specs import scatter, vector_bars
from ui.widgets import explain, page_header, show_code

PAGE = STATIC.id
TOY = toy_vocabulary()

page_header(
    "Static embeddings",
    "Before attention, a word is turned into numbers once and for all: a **static embedding**. "
    "This page shows what those numbers can capture (similar words sit close together, "
    "*king − man + woman* lands near *queen*) and what they cannot: a word has **one** vector, "
    "whatever sentence it is in.",
)

# --- 1. one-hot vs dense -------------------------------------------------------------------
section("1 · One-hot vs dense vectors")
trio = url_state.multiselect(
    st, "Words to compare", TOY.words, default=["dog", "cat", "table"], key=f"{PAGE}_trio", max_selections=8
)
if len(trio) >= 2:
    left, right = st.columns(2)
    with left:
        show_matrix(
            cosine_similarity(one_hot(list(range(len(trio))), len(TOY.words))),
            trio,
            trio,
            key=f"{PAGE}_onehot",
            title="One-hot: cosine similarity",
            domain=(0, 1),
            caption="Every word is its own axis: all pairs score 0, dog is as far from cat as from table.",
        )
    with right:
        show_matrix(
            cosine_similarity(embed(trio, TOY).vectors),
            trio,
            trio,
            key=f"{PAGE}_dense",
            title="Dense (toy vocabulary): cosine similarity",
            domain=(-1, 1),
            caption="Dense vectors share named features, so related words score high.",
        )
else:
    st.info("Pick at least two words to compare.")

# --- 2. the editable toy vocabulary -----------------------------------------------------------
section("2 · A vocabulary you can edit")
st.markdown(
    "Each column is a feature with a name. Real embeddings (Word2Vec, GloVe, the table inside "
    "MiniLM below) learn hundreds of unnamed ones; here you can read — and change — every number. "
    "**Edit a cell** and everything below recomputes."
)
if st.button("Reset the table", key=f"{PAGE}_reset", icon=":material/restart_alt:"):
    st.session_state.pop(f"{PAGE}_editor", None)
table = st.data_editor(
    pd.DataFrame(TOY.vectors.numpy(), index=list(TOY.words), columns=list(TOY.dimensions)),
    key=f"{PAGE}_editor",
    height=280,
    column_config={
        d: st.column_config.NumberColumn(d, min_value=-3.0, max_value=3.0, step=0.1, format="%.2f")
        for d in TOY.dimensions
    },
)
vocab = Vocabulary(TOY.words, TOY.dimensions, torch.tensor(table.fillna(0.0).to_numpy(dtype="float32")))

metric = url_state.radio(
    st,
    "Similarity",
    ["cosine", "dot"],
    horizontal=True,
    key=f"{PAGE}_metric",
    help="Dot product grows with the vectors' lengths; cosine only looks at their directions.",
)
similarity = cosine_similarity if metric == "cosine" else dot_similarity
chosen = url_state.multiselect(
    st,
    "Words in the matrix and the map",
    vocab.words,
    key=f"{PAGE}_words",
    default=["king", "queen", "man", "woman", "dog", "cat", "bank", "money", "river"],
)
if len(chosen) >= 2:
    E = embed(chosen, vocab).vectors
    left, right = st.columns(2)
    with left:
        show_matrix(
            similarity(E), chosen, chosen, key=f"{PAGE}_similarity", title=f"{metric} similarity", value_title=metric
        )
    with right:
        render(scatter(pca_2d(E), chosen, title="2-D map (PCA of the chosen words)"), key=f"{PAGE}_map")
        st.caption(
            "PCA keeps the two directions along which these words differ most; nearby points have similar vectors."
        )
else:
    st.info("Pick at least two words for the matrix and the map.")

st.subheader("Nearest neighbours")
probe = url_state.selectbox(st, "Word", vocab.words, index=vocab.words.index("bank"), key=f"{PAGE}_probe")
neighbours = nearest_neighbours(vocab.vector(probe), vocab.vectors, vocab.words, k=6, exclude=(probe,), metric=metric)
st.dataframe(
    pd.DataFrame(neighbours, columns=["neighbour", metric]).style.format({metric: "{:.3f}"}),
    hide_index=True,
    key=f"{PAGE}_neighbours",
)
st.caption(f"*{probe}* sits between money words and water words: one vector has to serve every meaning.")

st.subheader("Analogy: a − b + c")
a_col, b_col, c_col = st.columns(3)
a = url_state.selectbox(a_col, "a", vocab.words, index=vocab.words.index("king"), key=f"{PAGE}_a")
b = url_state.selectbox(b_col, "− b", vocab.words, index=vocab.words.index("man"), key=f"{PAGE}_b")
c = url_state.selectbox(c_col, "+ c", vocab.words, index=vocab.words.index("woman"), key=f"{PAGE}_c")
target, ranked = analogy(a, b, c, vocab)
best = ranked[0][0]
st.markdown(
    f"**{a} − {b} + {c} ≈ {best}** (cosine {ranked[0][1]:.3f}); runners-up: "
    + ", ".join(f"{w} ({s:.2f})" for w, s in ranked[1:4])
)
terms = [
    rf"\text{{{d}}}:\ {float(vocab.vector(a)[i]):.2f} - {float(vocab.vector(b)[i]):.2f}"
    rf" + {float(vocab.vector(c)[i]):.2f} = {float(target[i]):.2f}"
    for i, d in enumerate(vocab.dimensions)
    if abs(float(target[i])) > 1e-6 or abs(float(vocab.vector(a)[i])) > 1e-6
]
if terms:
    st.latex(r"\\ ".join(terms[:6]).join([r"\begin{array}{l}", r"\end{array}"]))
render(
    vector_bars(
        {f"{a} − {b} + {c}": target, best: vocab.vector(best)},
        list(vocab.dimensions),
        title="The arithmetic, feature by feature",
    ),
    key=f"{PAGE}_analogy_bars",
)

# --- 3. the real table ----------------------------------------------------------------------
section("3 · The real thing: MiniLM's input embedding table")
encoder = model_cache.encoder()
if encoder is not None:
    rows, d = encoder.static_table.shape
    st.markdown(
        f"The model's first layer is a lookup table of **{rows:,} × {d}** numbers: one row per "
        "WordPiece token, learned in training, with no names on its columns."
    )
    words_text = url_state.text_input(
        st,
        "Words to compare",
        "king queen man woman dog cat table bank money river",
        key=f"{PAGE}_real_words",
        max_chars=500,
    )
    try:
        real_words = list(dict.fromkeys(tokenize(words_text, max_tokens=16).words))
    except ValueError as reason:
        st.info(str(reason))
        real_words = []
    if real_words:
        R = torch.stack([encoder.static_vector(w) for w in real_words]).cpu()
        split = [w for w in real_words if len(encoder.word_pieces(w)) > 1]
        left, right = st.columns(2)
        with left:
            show_matrix(
                cosine_similarity(R),
                real_words,
                real_words,
                key=f"{PAGE}_real_similarity",
                title="MiniLM static vectors: cosine similarity",
                value_title="cosine",
            )
            if split:
                st.caption("Split into several WordPiece tokens (their rows averaged): " + ", ".join(split))
        with right:
            probe = url_state.selectbox(st, "Nearest neighbours of", real_words, key=f"{PAGE}_real_probe")
            ranked = model_cache.static_neighbours(probe, k=8)
            vocabulary, _ = model_cache.whole_words()
            st.dataframe(
                pd.DataFrame(ranked, columns=[f"nearest of {len(vocabulary):,} whole words", "cosine"]).style.format(
                    {"cosine": "{:.3f}"}
                ),
                hide_index=True,
                key=f"{PAGE}_real_neighbours",
            )

# --- 4. the point ---------------------------------------------------------------------------
section("4 · One word, one vector")
first = url_state.text_input(st, "Sentence 1", "I deposited money in the bank", key=f"{PAGE}_bank_1", max_chars=300)
second = url_state.text_input(st, "Sentence 2", "We sat on the river bank", key=f"{PAGE}_bank_2", max_chars=300)
shared = [w for w in dict.fromkeys(words_or_nothing(first)) if w in words_or_nothing(second)]
if not shared:
    st.info("The two sentences need a word in common.")
else:
    word = url_state.selectbox(
        st, "Shared word", shared, index=shared.index("bank") if "bank" in shared else 0, key=f"{PAGE}_shared"
    )
    toy_cos = float(cosine_similarity(vocab.vector(word)[None], vocab.vector(word)[None]))
    predict(
        f"{PAGE}_predict",
        f"the cosine between '{word}' in sentence 1 and '{word}' in sentence 2 (static vectors) is…",
        ["1.0: the same vector", "between 0 and 1", "below 0"],
        "1.0: the same vector" if toy_cos > 0.9999 else "between 0 and 1",
        "A static table has one row per word; the sentence around it is never looked at.",
    )
    cols = st.columns(2)
    cols[0].metric(f"Toy vectors: cosine of '{word}' in 1 and 2", f"{toy_cos:.4f}")
    if encoder is not None:
        run_1, run_2 = model_cache.run(first), model_cache.run(second)
        pieces = encoder.word_pieces(word)
        if pieces and pieces[0] in run_1.tokens and pieces[0] in run_2.tokens:
            static_1 = run_1.static[run_1.tokens.index(pieces[0])]
            static_2 = run_2.static[run_2.tokens.index(pieces[0])]
            real_cos = float(cosine_similarity(static_1[None], static_2[None]))
            cols[1].metric(
                f"MiniLM input rows: cosine of '{pieces[0]}' in 1 and 2",
                f"{real_cos:.4f}",
                help=f"max |difference| = {float((static_1 - static_2).abs().max()):.1e}",
            )
    st.success(
        f"Exactly the same vector: a static embedding cannot tell which *{word}* is meant. "
        "Attention fixes that by mixing in the other words of the sentence — next page."
    )
    st.page_link(
        "lessons/first_principles.py", label="Next: first-principles attention", icon=":material/arrow_forward:"
    )

if len(chosen) >= 2:
    page_export(
        PAGE,
        {"words": chosen, "dimensions": vocab.dimensions, "vectors": E, "metric": metric, "similarity": similarity(E)},
        snippet=f"""import torch

E = {literal(E)}  # rows: {" ".join(chosen)}
{"unit = E / E.norm(dim=-1, keepdim=True)" if metric == "cosine" else "unit = E"}
similarity = unit @ unit.T
""",
    )

explain(
    "- **One-hot** vectors only say *which* word it is; every pair of different words is equally unrelated.\n"
    "- **Dense** vectors describe a word by features, so similar words point in similar directions.\n"
    "- **Cosine** similarity compares directions only; the **dot product** also rewards long vectors "
    "(attention uses the dot product).\n"
    "- However good the table, it gives a word the same vector in every sentence: *bank* by a river "
    "and *bank* with money are indistinguishable here."
)
show_code(embed, cosine_similarity, dot_similarity, nearest_neighbours, analogy, pca_2d)
