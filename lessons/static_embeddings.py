from functools import partial

import streamlit as st

from core import embeddings
from core.contextual import static_cosine
from core.model import Encoder
from core.projection import merge_coincident, pca_2d
from core.text import shared_words, tokenize
from ui import model_cache, scrub, session, snippets, url_state
from ui.charts import matrix_frame, numbers_table, render, show_matrix, show_ranking, side_by_side
from ui.export import chart_downloads, page_export
from ui.navigation import FIRST_PRINCIPLES, STATIC
from ui.present import section
from ui.quiz import answered, predict
from ui.specs import heatmap, label_places, scatter, vector_bars
from ui.widgets import explain, folded, page_header, sentence_pair, show_code

PAGE = STATIC.id
QUESTION = f"{PAGE}_predict"  # is a word's vector the same in two sentences? "In plain words" waits for it
TOY = embeddings.toy_vocabulary()
NUMBERS = {name: st.column_config.NumberColumn(name, format="%.2f") for name in TOY.dimensions}
METRIC_HELP = "Dot product grows with the vectors' lengths; cosine only looks at their directions."
REAL_D_HELP = "Similarities and neighbours from the first d of the 384 numbers only."
REAL_WORDS = "king queen man woman dog cat table bank money river"
# Words a 2-D map can show apart (royalty, gender, person, animal); bank/money/river are in the neighbours below.
NEIGHBOURS = 6  # words in a nearest-neighbour list (a tie at its end is kept whole)
MAP_LIMIT = 16  # more points than this on a 2-D map of 11 features pile up on one line
FEATURES = f"{PAGE}_d"  # the URL key of Features used (kept from the slider it replaced)
FEATURE_MAP = f"{PAGE}_features_scrub"  # the similarity chart whose input chooses the features used
FEATURES_SCRUB = scrub.Scrub(FEATURES, "Features used", tuple(range(1, len(TOY.dimensions) + 1)), len(TOY.dimensions))
MAP_WORDS = ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "dog", "cat"]

page_header(
    "Static embeddings",
    "Before attention, a word is turned into numbers by looking it up in a table: a **static embedding**. "
    "This page shows what those numbers can capture (similar words sit close together, "
    "*king − man + woman* lands near *queen*), and asks in section 4 whether a word's vector "
    "depends on the sentence it is in.",
)


@st.fragment
def one_hot_vs_dense() -> None:
    trio = url_state.multiselect(st, "Words to compare", TOY.words, default=["dog", "cat", "table"], key=f"{PAGE}_trio")
    if len(trio) < 2:
        st.info("Pick at least two words to compare.")
        return
    dense_vectors = embeddings.embed(trio, TOY).vectors
    pairs = [(i, j) for i in range(len(trio)) for j in range(i + 1, len(trio))]
    onehot = "Every word is its own axis: " + (
        f"all {len(pairs)} pairs of different words score 0, so *{trio[0]}* is as far from *{trio[1]}* as from "
        f"*{trio[2]}*."
        if len(trio) > 2
        else "the two words score 0."
    )
    dense_similarity = embeddings.cosine_similarity(dense_vectors)
    scored = sorted(
        ((f"*{trio[i]}*–*{trio[j]}*", float(dense_similarity[i, j])) for i, j in pairs), key=lambda p: -p[1]
    )
    groups = embeddings.tied_ranking(scored, decimals=2)  # as the matrix shows them

    def said(group: embeddings.Tie, end: str) -> str:
        if len(group.words) == 1:
            return f"{group.words[0]} score {end} ({group.score:.2f})"
        return f"{listed(group.words)} tie {end} ({group.score:.2f})"

    if len(groups) > 1:
        found = f"{said(groups[0], 'highest')} and {said(groups[-1], 'lowest')}"
    elif len(pairs) > 1:
        found = f"all {len(pairs)} pairs tie at {groups[0].score:.2f}"
    else:
        found = f"{groups[0].words[0]} score {groups[0].score:.2f}"
    dense = f"Dense vectors share named features, so different words can score anything from −1 to 1: here {found}."
    maps = (
        ("onehot", embeddings.one_hot(list(range(len(trio))), len(TOY.words)), "One-hot: cosine similarity", onehot),
        ("dense", dense_vectors, "Dense (toy vocabulary): cosine similarity", dense),
    )
    for place, (name, vectors, title, caption) in zip(side_by_side(2, len(trio)), maps):
        with place:
            similarity = embeddings.cosine_similarity(vectors)
            # a similarity, not attention: no row summary of "links"
            options = dict(title=title, domain=(-1, 1), caption=caption, links=None, value_title="cosine")
            show_matrix(similarity, trio, trio, key=f"{PAGE}_{name}", **options)


@st.fragment
def vocabulary_lab() -> None:
    top = st.container()  # filled by vocabulary_views, which owns its Similarity choice
    st.subheader("Edit one word")
    word = url_state.selectbox(st, "Word to edit", TOY.words, index=TOY.words.index("king"), key=f"{PAGE}_edit")
    # rows of four, so a phone (where columns stack) lists the features in their order, not every fourth first
    places = [place for start in range(0, len(TOY.dimensions), 4) for place in st.columns(4)]
    values = [
        url_state.slider(
            places[i], name, -3.0, 3.0, round(float(TOY.vector(word)[i]), 2), 0.1, key=f"{PAGE}_{word}_{name}"
        )
        for i, name in enumerate(TOY.dimensions)
    ]
    vocabulary_views(embeddings.with_vector(TOY, word, values), top)


@st.fragment  # nested: Features used, Similarity and the words redraw what they change, not the eleven sliders
def vocabulary_views(edited: embeddings.Vocabulary, top) -> None:
    """Everything that reads the first d features. Features used is an input bound inside the similarity
    chart (ui.scrub: every d's matrix sent once); the table, map, neighbours and analogy follow once the
    server hears where it ended."""
    metric = url_state.radio(
        top, "Similarity", ["cosine", "dot"], horizontal=True, key=f"{PAGE}_metric", help=METRIC_HELP
    )
    d = scrub.positions_now(FEATURE_MAP, [FEATURES_SCRUB])[FEATURES]
    vocab = embeddings.first_dimensions(edited, d)
    if table := folded(f"The whole table ({len(vocab.words)} words × {used(d)})", key=f"{PAGE}_table_open"):
        frame = matrix_frame(vocab.vectors, list(vocab.words), list(vocab.dimensions)).round(2)
        table.dataframe(frame, height=280, key=f"{PAGE}_table", column_config=NUMBERS)
    similarity_and_map(edited, metric)
    neighbours(vocab, metric)
    analogy_part(vocab)


def similarity_and_map(edited: embeddings.Vocabulary, metric: str) -> None:
    chosen = url_state.multiselect(
        st, "Words in the matrix and the map", edited.words, default=MAP_WORDS, key=f"{PAGE}_words"
    )
    if len(chosen) < 2:
        st.info("Pick at least two words for the matrix and the map.")
        return
    by_count = embeddings.similarity_by_features(embeddings.embed(chosen, edited).vectors, metric)  # (11, k, k)
    similarity = dict(zip(FEATURES_SCRUB.options, by_count, strict=True))
    reach = float(by_count.abs().max()) or 1.0
    domain = (-1.0, 1.0) if metric == "cosine" else (-reach, reach)  # one colour scale for every count

    def similarity_map(**position) -> dict:
        d = position[FEATURES]
        title = f"{metric} similarity, first {d} of {len(TOY.dimensions)} features"
        return heatmap(similarity[d], chosen, chosen, palette=session.palette(), title=title, value_title=metric,
                       domain=domain)  # fmt: skip

    left, right = side_by_side(2, len(chosen))
    with left:
        identity = (tuple(chosen), metric, session.palette(), tuple(edited.vectors.flatten().tolist()))
        cells = len(chosen) ** 2
        d = scrub.scrub_chart(similarity_map, [FEATURES_SCRUB], key=FEATURE_MAP, cells=cells, data_id=identity)[
            FEATURES
        ]
        frame = partial(matrix_frame, similarity[d], chosen, chosen)  # built when asked for: a download, the numbers
        chart_downloads(lambda: similarity_map(**{FEATURES: d}), key=f"{PAGE}_similarity_chart", table=frame)
        numbers_table(frame, key=f"{PAGE}_similarity")
    vocab = embeddings.first_dimensions(edited, d)
    E = embeddings.embed(chosen, vocab).vectors
    with right:
        shown = chosen[:MAP_LIMIT]
        points, labels = merge_coincident(pca_2d(embeddings.embed(shown, vocab).vectors), shown, tolerance=0.04)
        places = label_places(points, labels)
        spec = scatter(points, labels, title=f"2-D map (PCA of the chosen words, {d} features)", places=places)
        coordinates = partial(matrix_frame, points, labels, ["component 1", "component 2"])
        chart_downloads(spec, key=f"{PAGE}_map_chart", table=coordinates)
        render(spec, key=f"{PAGE}_map")
        unlabelled = [label for label, place in zip(labels, places, strict=True) if place is None]
        merged = [label for label in labels if ", " in label]  # words have no commas: these are merged points
        st.caption(
            (
                "With one feature the words differ along one direction only, so the map is a line. "
                if d == 1
                else "PCA keeps the two directions along which these words differ most. "
            )
            + (
                f"Words that land on the same spot share one label ({quoted(merged)}): they differ only in directions "
                "this flat map drops."
                if merged
                else ""
            )
            + (f" The map shows the first {MAP_LIMIT} of the {len(chosen)} words." if len(chosen) > MAP_LIMIT else "")
            + (
                f" {len(unlabelled)} point{'s' if len(unlabelled) > 1 else ''} would cover another's label, so "
                f"{'they are' if len(unlabelled) > 1 else 'it is'} drawn unlabelled ({quoted(unlabelled)}): hover "
                "a point, or show the numbers."
                if unlabelled
                else ""
            )
        )
        numbers_table(coordinates, key=f"{PAGE}_map")
    empty = set(embeddings.empty_words(vocab))
    blank = [w for w in chosen if w in empty]
    if blank and metric == "cosine":
        st.caption(
            f"{len(blank)} of these {len(chosen)} words {'is' if len(blank) == 1 else 'are'} all zeros in "
            + (f"the first {d} features" if d > 1 else "the one feature used")
            + f" ({listed(blank)}): a cosine with no direction is undefined (0/0), drawn as 0 on the matrix."
        )
    numbers = dict(words=chosen, dimensions=vocab.dimensions, vectors=E, metric=metric, similarity=similarity[d])
    page_export(PAGE, numbers, snippet=snippets.similarity(E, chosen, metric))


def listed(words: list[str], limit: int = 4) -> str:
    """Words for a sentence: the first `limit`, then how many more."""
    return ", ".join(words[:limit]) + (f" and {len(words) - limit} more" if len(words) > limit else "")


def quoted(labels: list[str], limit: int = 4) -> str:
    """Map labels for a sentence, each in quotes (one label may name several words: “dog, cat”)."""
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(f"“{label}”" for label in labels[:limit]) + more


def tie_label(words: list[str]) -> str:
    """One row of a ranking: a word alone, or the words that tie for that place, said as a tie."""
    return words[0] if len(words) == 1 else f"{listed(words)} (a tie)"


def leading(groups: list[embeddings.Tie], k: int) -> list[embeddings.Tie]:
    """The first groups of a tied ranking, until they hold k words (a tie is never cut in two)."""
    kept, count = [], 0
    for group in groups:
        if count >= k:
            break
        kept.append(group)
        count += len(group.words)
    return kept


def used(d: int) -> str:
    return f"{d} feature{'s' if d > 1 else ''} used"


def no_direction(word: str, d: int) -> str:
    return (
        f"All {used(d)} {'are' if d > 1 else 'is'} 0 for *{word}* here: it has no direction to compare, so no "
        "word is nearer to it than another. Use more features."
    )


@st.fragment
def neighbours(vocab: embeddings.Vocabulary, metric: str) -> None:
    st.subheader("Nearest neighbours")
    probe = url_state.selectbox(st, "Word", vocab.words, index=vocab.words.index("bank"), key=f"{PAGE}_probe")
    d, empty = len(vocab.dimensions), embeddings.empty_words(vocab)
    groups = embeddings.ranked_words(vocab.vector(probe), vocab, exclude=(probe,), metric=metric)
    if groups is None:
        st.info(no_direction(probe, d), icon=":material/block:")
    else:
        rows = [(tie_label(group.words), group.score) for group in leading(groups, NEIGHBOURS)]
        show_ranking(rows, ["neighbour", metric], key=f"{PAGE}_neighbours")
    left_out = metric == "cosine" and empty and groups is not None
    st.caption(
        f"With {d} of {len(TOY.dimensions)} features"
        + (f", {len(empty)} of {len(vocab.words)} words are all zeros (no direction at all)" if empty else "")
        + (": they are left out, as a cosine with them is undefined" if left_out else "")
        + ". Words whose scores are equal to the three decimals shown share a row: a tie. Fewer features, cruder "
        f"neighbours: drag *Features used* down and watch *{probe}*'s list fall apart."
    )


@st.fragment
def analogy_part(vocab: embeddings.Vocabulary) -> None:
    st.subheader("Analogy: a − b + c")
    a_col, b_col, c_col = st.columns(3)
    a = url_state.selectbox(a_col, "a", vocab.words, index=vocab.words.index("king"), key=f"{PAGE}_a")
    b = url_state.selectbox(b_col, "− b", vocab.words, index=vocab.words.index("man"), key=f"{PAGE}_b")
    c = url_state.selectbox(c_col, "+ c", vocab.words, index=vocab.words.index("woman"), key=f"{PAGE}_c")
    target = embeddings.analogy_target(a, b, c, vocab)
    groups = embeddings.ranked_words(target, vocab, exclude=(a, b, c))
    sum_name = f"{a} − {b} + {c}"
    vectors = {f"a: {a}": vocab.vector(a), f"b: {b}": vocab.vector(b), f"c: {c}": vocab.vector(c), sum_name: target}
    if groups is None:
        st.info(
            f"*{sum_name}* is all zeros in the {used(len(vocab.dimensions))}: no direction, so no "
            "word is nearest. Use more features.",
            icon=":material/block:",
        )
    elif not groups:
        st.info(f"Every other word is all zeros in these features: nothing to compare *{sum_name}* with.")
    else:
        best, rest = groups[0], groups[1:4]
        others = "; next: " + ", ".join(f"{tie_label(g.words)} ({g.score:.3f})" for g in rest) if rest else ""
        if len(best.words) == 1:
            st.markdown(f"**{sum_name} ≈ {best.words[0]}** (cosine {best.score:.3f}){others}")
        else:
            st.markdown(
                f"**{sum_name} ≈ a tie**: {listed(best.words)} are all at cosine {best.score:.3f}; these "
                f"features cannot tell them apart{others}"
            )
        nearest = best.words[0]
        vectors[f"nearest: {nearest}" + (f" (one of {len(best.words)} tied)" if len(best.words) > 1 else "")] = (
            vocab.vector(nearest)
        )
    spec = vector_bars(vectors, list(vocab.dimensions), title="The arithmetic, feature by feature")
    render(spec, key=f"{PAGE}_analogy_bars")


@st.fragment
def real_table() -> None:
    encoder = model_cache.encoder()
    if encoder is None:
        return
    rows, width = encoder.static_table.shape
    st.markdown(
        f"The model's first layer is a lookup table of **{rows:,} × {width}** numbers: one row per "
        "WordPiece token, learned in training, with no names on its columns."
    )
    top = st.columns(2)
    text = url_state.text_input(top[0], "Words to compare", REAL_WORDS, key=f"{PAGE}_real_words", max_chars=500)
    d = url_state.slider(top[1], "Dimensions used", 2, width, width, key=f"{PAGE}_real_d", help=REAL_D_HELP)
    try:
        real_words = list(dict.fromkeys(tokenize(text, max_tokens=16).words))
    except ValueError as reason:
        st.info(str(reason))
        return
    split = [w for w in real_words if len(encoder.word_pieces(w)) > 1]
    left, right = side_by_side(2, len(real_words))
    with left:
        similarity = embeddings.cosine_in_prefix(embeddings.static_vectors(encoder, real_words), d)
        title, key = f"cosine, first {d} of {width} numbers", f"{PAGE}_real_similarity"
        show_matrix(similarity, real_words, real_words, key=key, title=title, value_title="cosine", links=None)
        if split:
            st.caption("Split into several WordPiece tokens (their rows averaged): " + ", ".join(split))
    with right:
        probe = url_state.selectbox(st, "Nearest neighbours of", real_words, key=f"{PAGE}_real_probe")
        ranked = model_cache.static_neighbours(probe, k=8, d=d)
        among = f"nearest of {model_cache.whole_word_count():,} whole words"
        show_ranking(ranked, [among, "cosine"], key=f"{PAGE}_real_neighbours")
        st.caption(f"From the first {d} of {width} numbers per word: fewer numbers, noisier neighbours.")


@st.fragment
def one_word_one_vector() -> None:
    defaults, keys = ("I deposited money in the bank", "We sat on the river bank"), (f"{PAGE}_bank_1", f"{PAGE}_bank_2")
    first, second = sentence_pair(("Sentence 1", "Sentence 2"), defaults, keys)
    shared = shared_words(first, second)
    if not shared:
        st.info("The two sentences need a word in common.")
        return
    word = url_state.selectbox(
        st, "Shared word", shared, index=shared.index("bank") if "bank" in shared else 0, key=f"{PAGE}_shared"
    )
    toy_cos = embeddings.cosine(TOY.vector(word), TOY.vector(word))
    if not predict(
        QUESTION,
        f"the cosine between “{word}” in sentence 1 and “{word}” in sentence 2 (static vectors) is…",
        ["1.0: the same vector", "between 0 and 1", "below 0"],
        "1.0: the same vector" if toy_cos > 0.9999 else "between 0 and 1",
        "A static table has one row per word; the sentence around it is never looked at.",
        waiting="The two cosines appear once you have answered.",
        whole_page=True,  # "In plain words" holds back its last point until then
    ):
        return
    cols = st.columns(2)
    cols[0].metric(f"Toy vectors: cosine of '{word}' in 1 and 2", f"{toy_cos:.4f}")
    encoder = model_cache.encoder()
    if encoder is not None:
        run_1, run_2 = model_cache.run(first), model_cache.run(second)
        pieces = encoder.word_pieces(word)
        if pieces and pieces[0] in run_1.tokens and pieces[0] in run_2.tokens:
            real_cos = static_cosine(run_1, run_2, pieces[0])
            cols[1].metric(f"MiniLM input rows: cosine of '{pieces[0]}' in 1 and 2", f"{real_cos:.4f}")
    st.success(
        f"Exactly the same vector: a static embedding cannot tell which *{word}* is meant. Attention fixes "
        "that by mixing in the other words of the sentence — next page."
    )
    st.page_link(FIRST_PRINCIPLES.path, label="Next: first-principles attention", icon=":material/arrow_forward:")


section("1 · One-hot vs dense vectors")
one_hot_vs_dense()
section("2 · A vocabulary you can edit")
st.markdown(
    "Each column is a feature with a name. Real embeddings (Word2Vec, GloVe, the table inside MiniLM below) learn "
    "hundreds of unnamed ones; here you can read — and change — every number. **Move a slider** and everything "
    "below recomputes; **use fewer features** and watch similarities, neighbours and the analogy degrade."
)
vocabulary_lab()
section("3 · The real thing: MiniLM's input embedding table")
real_table()
section("4 · One word in two sentences")
one_word_one_vector()
explain(
    "- **One-hot** vectors only say *which* word it is; every pair of different words is equally unrelated.\n"
    "- **Dense** vectors describe a word by features, so similar words point in similar directions.\n"
    "- **Cosine** similarity compares directions only; the **dot product** also rewards long vectors "
    "(attention uses the dot product).\n"
    + (
        "- However good the table, it gives a word the same vector in every sentence: *bank* by a river "
        "and *bank* with money are indistinguishable here."
        if answered(QUESTION)
        else "- Does *bank* by a river get another vector than *bank* with money? Answer in section 4 first."
    )
)
show_code(embeddings.nearest_neighbours_in_prefix, Encoder.static_vector)
