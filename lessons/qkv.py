import math

import pandas as pd
import streamlit as st
import torch

from core import qkv, trained
from core.attention import causal_mask
from core.embeddings import dimension_names, embed, resize_dimensions, static_vectors, toy_vocabulary
from core.model import Encoder
from core.normalisation import layer_norm
from core.numbers import powers_of_two_between
from core.scaling import scaling_by_width, sorted_weights_by_width
from core.search import search_in_batch, sentence_embeddings, toy_text_embedding
from core.text import unique_labels, words_or_nothing
from ui import formulas, model_cache, scrub, session, snippets, url_state
from ui.charts import (
    LINKS,
    UNTRAINED_LINKS,
    kept_place,
    matrix_frame,
    numbers_table,
    render,
    show_matrix,
    side_by_side,
    strongest_links,
)
from ui.export import chart_downloads, page_export
from ui.markdown import md_escape
from ui.navigation import QKV
from ui.present import section, step_button
from ui.quiz import answered, predict
from ui.session import presenting
from ui.specs import heatmap, series_lines
from ui.widgets import explain, matrix_editor, page_header, sentence_input, show_code

PAGE = QKV.id
TOY = toy_vocabulary()
# Cumulative, one matrix each: a presenter's Next reveals one at a time ("Q, K, V" and later names as links had them).
STEPS = ["Q", "Q, K", "Q, K, V", "scores QKᵀ", "scaled", "weights", "output"]
SCORES, SCALED, WEIGHTS, OUTPUT = (STEPS.index(s) for s in STEPS[3:])
ADDS = ["Q", "K", "V", *STEPS[3:]]  # the matrix each step adds (a presenter's Next says which)
KINDS = ["random (untrained)", "trained (MiniLM)"]  # the Weights switch
KINDS_HELP = (
    "Random: seeded matrices nobody trained, so any pattern is chance. Trained: one head of the first layer of "
    "all-MiniLM-L6-v2, its own rows of W_q, W_k, W_v (and biases), on MiniLM's own input vectors for the words."
)
SHOWN_HEAD = (
    9  # the head the trained view opens on: at its full width most words of the course sentence pick themselves
)
D_KS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
SWEEP = f"{PAGE}_sweep_d_k"  # the URL key of the sweep's d_k pick
SWEEP_SCRUB = scrub.Scrub(SWEEP, "d_k", tuple(D_KS), 64, names=tuple(f"{d:,}" for d in D_KS))
SWEEP_MAP = f"{PAGE}_one_query_scrub"  # the chart of one query's weights whose input picks d_k on the sweep
TEMPERATURE = f"{PAGE}_temperature"  # the URL key of Temperature (kept from the slider it replaced)
TEMPERATURES = tuple(round(0.1 * i, 1) for i in range(1, 51))  # its positions, 0.1 … 5.0, as the slider had them
TEMPERATURE_SCRUB = scrub.Scrub(TEMPERATURE, "Temperature", TEMPERATURES, 1.0)
WEIGHT_MAP = f"{PAGE}_weights_scrub"  # the weights chart whose input chooses the temperature
CAUSAL_HELP = "A decoder such as GPT may only look at earlier words: the upper triangle is masked."
EDIT_HELP = "Available for the toy embeddings with d_model × d_k ≤ 400."
STEP_HELP = "Reveal the computation one step at a time."
CELLS = dict(cells_follow_switch=True)  # "Show numbers" also writes the numbers in the cells: off, colours only
VIDEOS = {  # title (the key) -> content (the value)
    "Funny cats knocking things off tables": "a cat pushes cups and pens off the table while its owner laughs",
    "Whitewater rafting down a spring river": "friends paddle a boat through rapids on a cold river",
    "How banks lend your money": "an economist explains loans, interest and savings accounts",
    "The coronation of the king and queen": "crowds watch the royal couple being crowned in the abbey",
    "Easy pasta recipe in ten minutes": "a cook boils spaghetti and stirs a tomato sauce",
    "Puppy meets a kitten for the first time": "a small dog sniffs a shy kitten and they play together",
}

page_header(
    "Queries, keys and values",
    "First-principles attention compares raw embeddings, so it can only find the similarities the "
    "embeddings already have. A transformer learns three matrices instead: each word asks a "
    "**query** (Q = X·W_q), offers a **key** (K = X·W_k) to be matched against, and hands over a "
    "**value** (V = X·W_v) when it is chosen.",
)
# the transpose as a letter T, like the charts' "QKᵀ": KaTeX's ⊤ read as "|" on a phone
st.latex(r"\operatorname{Attention}(Q,K,V) = \operatorname{softmax}\!\left(\frac{QK^{\mathsf{T}}}{\sqrt{d_k}}\right)V")


@st.fragment
def search_analogy(encoder: Encoder | None) -> None:
    st.subheader("The search-engine analogy")
    st.markdown("You type a **query**; each video has a **title** (its key) and **content** (its value).")
    left, right = st.columns([3, 2])
    query = url_state.text_input(left, "Your search (query)", "funny cat video", key=f"{PAGE}_search", max_chars=200)
    temperature = url_state.slider(right, "Temperature", 0.02, 1.0, 0.1, 0.02, key=f"{PAGE}_search_temperature")
    if not words_or_nothing(query):
        st.info("Type a search above, e.g. *funny cat video*.")
        return
    texts = [query, *VIDEOS, *VIDEOS.values()]
    vectors = model_cache.sentence_embeddings_of(tuple(texts)) if encoder else toy_text_embedding(texts, TOY)
    search = search_in_batch(vectors, temperature)
    # A plain table, not st.dataframe: its text wraps, so the content fits at 1024 px and on a phone, and the share
    # comes first, where a narrow screen still shows it.
    order = search.scores[0].argsort(descending=True).tolist()
    shares, matches = search.weights[0].tolist(), search.scores[0].tolist()
    titles, contents = list(VIDEOS), list(VIDEOS.values())
    table = pd.DataFrame(
        {
            "share of attention": [f"{shares[i]:.0%}" for i in order],
            "video title (key)": [titles[i] for i in order],
            "match q·k": [f"{matches[i]:.2f}" for i in order],
            "content (value)": [contents[i] for i in order],
        }
    )
    st.table(table, hide_index=True)
    st.caption(
        (
            "Query, titles and contents are MiniLM sentence embeddings (token vectors averaged, length 1), "
            "so q·k is their cosine similarity, between −1 and 1."
            if encoder is not None
            else "The model could not be loaded: texts are averaged toy word vectors instead, so the ranking is crude."
        )
        + f" Scores this close would give almost equal shares, so they are divided by a temperature of "
        f"{temperature:.2f} before the softmax, which spreads them apart (√d_k, further down, divides scores too, but "
        "for a reason the √d_k experiment asks about). "
        "Attention does not return the top video: it returns a blend of all the contents, weighted by these shares."
    )


@st.fragment
def step_by_step() -> None:
    tokens = sentence_input(
        PAGE, examples=("The animal didn't cross the road because it was tired", "money bank grows")
    )
    if tokens is None:
        return
    labels = unique_labels(tokens.words)
    kind = url_state.radio(st, "Weights", KINDS, horizontal=True, key=f"{PAGE}_kind", help=KINDS_HELP)
    encoder = model_cache.encoder() if kind == KINDS[1] else None
    is_trained = encoder is not None
    source_place = kept_place()  # used or not
    if is_trained:  # a trained head reads the model's own input vectors: no toy ones, no other width
        X_raw = static_vectors(encoder, tokens.words)
    else:
        sources = ["toy vocabulary", "MiniLM input table (384-d)"]
        source = url_state.radio(source_place, "Embeddings X", sources, horizontal=True, key=f"{PAGE}_source")
        encoder = model_cache.encoder() if source == sources[1] else None
    controls = st.columns(3 if is_trained else 2)
    if encoder is not None:
        X_raw = static_vectors(encoder, tokens.words)
        controls[0].metric("d_model", X_raw.shape[-1])
    else:
        d = url_state.slider(controls[0], "d_model", 2, 32, len(TOY.dimensions), key=f"{PAGE}_d_model")
        X_raw = resize_dimensions(embed(tokens.words, TOY).vectors, d, seed=session.seed())
    d_model = X_raw.shape[-1]
    d_k = url_state.slider(
        controls[1], "d_k", 1, 64, 4, key=f"{PAGE}_d_k", help="Width of each query and key (and value)."
    )
    cut_note = kept_place()  # used or not
    if is_trained:
        heads = tuple(range(1, encoder.n_heads + 1))
        opening = SHOWN_HEAD if SHOWN_HEAD in heads else heads[0]
        head = url_state.select_slider(controls[2], "MiniLM head (layer 1)", heads, value=opening, key=f"{PAGE}_head")
        d_head = encoder.d_head
        if d_k > d_head:
            cut_note.caption(f"MiniLM's heads are {d_head} wide: d_k = {d_k} is cut to {d_head}, the whole head.")
            d_k = d_head
    toggles = st.columns(3)
    scale = url_state.toggle(toggles[0], "Divide by √d_k", value=True, key=f"{PAGE}_scale")
    causal = url_state.toggle(toggles[1], "Causal mask (decoder)", value=False, key=f"{PAGE}_causal", help=CAUSAL_HELP)
    editable = encoder is None and d_model * d_k <= 400
    edit = url_state.toggle(
        toggles[2], "Edit W_q, W_k, W_v", value=False, key=f"{PAGE}_edit", disabled=not editable, help=EDIT_HELP
    )
    random_weights = qkv.QKVProjection(d_model, d_k, seed=session.seed()).matrices()
    if is_trained:
        X = trained.model_inputs(encoder.weights, X_raw)
        head_weights = trained.trained_head(encoder.weights, 0, head - 1, d_k)
        weights, biases = head_weights.weights, head_weights.biases
        st.caption(
            f"X: each word's vector from MiniLM's word table, rescaled the way MiniLM rescales it before its first "
            f"layer (the model would also add a position vector; this page leaves positions out). W_q, W_k, W_v: "
            f"head {head} of layer 1 uses {d_head} columns of each trained matrix; these are its first {d_k}, "
            "with the numbers it adds after multiplying (its biases), exactly as trained."
        )
    else:
        X, weights, biases = layer_norm(X_raw), random_weights, None
        st.caption(
            "X is layer-normalised first, as inside a transformer: each word vector is shifted and scaled "
            "to mean 0 and variance 1, so the scores do not depend on how long the raw vectors happen to be."
        )
    editors = kept_place()  # used or not
    if edit and editable:
        with editors.container():
            places = side_by_side(3, d_k, limit=8)
        for column, name in zip(places, list(weights)):
            column.caption(f"{name} ({d_model} × {d_k}), seeded; edit any cell")
            key = f"{PAGE}_edit_{name}_{d_model}_{d_k}_{session.seed()}"
            weights[name] = matrix_editor(column, weights[name], dimension_names(TOY, d_model), key=key)
    mask = causal_mask(len(labels)) if causal else None
    # scores before the temperature
    steps = qkv.qkv_attention_steps(X, *weights.values(), mask=mask, scale=scale, biases=biases)
    edited = edit and editable
    what = (
        f"Trained weights: MiniLM layer 1, head {head}"
        if is_trained
        else f"{'Edited' if edited else 'Random (untrained)'} weights, seed {session.seed()}: any pattern below "
        "is chance, not meaning; switch *Weights* to trained to compare"
    )
    st.markdown(f"**{what}.**")
    features = dimension_names(TOY, d_model) if encoder is None else None
    same_rows = kept_place()  # used or not
    if note := same_rows_note(tokens.words, X_raw, X, features):
        same_rows.caption(note)

    first = STEPS[0] if presenting() else STEPS[-1]  # a presenter reveals one matrix per Next
    step = url_state.select_slider(st, "Show up to step", STEPS, value=first, key=f"{PAGE}_step", help=STEP_HELP)
    shown = STEPS.index(step)
    formula = st.empty()  # written once the temperature is known: the weights chart holds its input
    dims, n = [str(j) for j in range(d_k)], len(labels)
    vectors = dict(col_title="dimension")
    scores = dict(row_title="query", col_title="key")
    shown_matrices = (("Q", steps.q), ("K", steps.k), ("V", steps.v))[: shown + 1]
    matrix_pick = kept_place()  # used or not
    if d_k > 8:  # one wide matrix at a time stays readable; three side by side would not
        picked = url_state.segmented_control(
            matrix_pick, "Matrix shown", ["Q", "K", "V"], default="Q", key=f"{PAGE}_matrix"
        )
        shown_matrices = [m for m in shown_matrices if m[0] == (picked or "Q")]
    for place, (name, matrix) in zip(st.columns(3 if d_k <= 8 else 1), shown_matrices):
        with place:
            title = f"{name} ({n} × {d_k})"
            show_matrix(matrix, labels, dims, key=f"{PAGE}_{name}", title=title, value_title=name, **vectors, **CELLS)
    pairs, scaling_note = side_by_side(2, n), kept_place()  # the note: used or not
    if shown >= SCORES:
        with pairs[0]:
            show_matrix(
                steps.raw, labels, labels, key=f"{PAGE}_raw", title="scores QKᵀ", value_title="q·k", **scores, **CELLS
            )
    if shown >= SCALED:
        with pairs[1]:
            title = ("scaled" if scale else "unscaled") + (" and masked" if causal else "") + " scores"
            scaled = steps.attention.scores
            show_matrix(
                scaled, labels, labels, key=f"{PAGE}_scaled", title=title, value_title="score", **scores, **CELLS
            )
        effect = qkv.scaling_effect(steps.raw, d_k, mask)
        scaling_note.caption(scaling_sentence(effect, scale, told=answered(f"{PAGE}_predict")))
    outputs = side_by_side(2, max(n, d_k))
    if shown >= WEIGHTS:
        with outputs[0]:
            temperature = weights_by_temperature(steps.attention.scores, labels, trained_head=is_trained)
    else:  # the weights are not shown yet: the temperature stays where the chart last had it
        temperature = scrub.positions_now(WEIGHT_MAP, [TEMPERATURE_SCRUB])[TEMPERATURE]
    formula_step = max(0, shown - SCORES + 1)  # the formulas' steps: Q, K and V share the first
    heading, step_formula = formulas.qkv_step(
        formula_step, d_k=d_k, scale=scale, temperature=temperature, causal=causal
    )
    with formula.container():
        st.markdown(f"**{heading}:**")
        st.latex(step_formula)
    options = dict(mask=mask, scale=scale, temperature=temperature)
    steps = qkv.qkv_attention_steps(X, *weights.values(), biases=biases, **options)
    result = steps.attention
    if shown >= OUTPUT:
        with outputs[1]:
            title = f"output Y ({n} × {d_k})"
            show_matrix(
                result.output, labels, dims, key=f"{PAGE}_output", title=title, value_title="y", **vectors, **CELLS
            )
    if shown >= WEIGHTS and is_trained:
        untrained = qkv.qkv_attention_steps(X, *random_weights.values(), **options).attention.weights
        st.markdown(trained_beside_random(labels, result.weights, untrained, head))
    step_button(f"{PAGE}_step", STEPS, shown, adds=ADDS)
    export(tokens.words, X, weights, steps, scale, causal, temperature, seeded=not edited, from_model=is_trained)


def scaling_sentence(effect: qkv.ScalingEffect, scale: bool, told: bool) -> str:
    """Why the two score maps look alike, from the numbers: one factor for every score. What it does to the
    softmax answers the √d_k question further down: said once that is answered (`told`)."""
    if not scale:
        return (
            f"*Divide by √d_k* is off, so both maps hold the same numbers. On, every score would be divided by "
            f"√d_k = {effect.factor:.2f}: the largest, {effect.largest_raw:.2f}, would become "
            f"{effect.largest_scaled:.2f}."
        )
    return (
        f"The two maps show the same pattern: dividing by √d_k = {effect.factor:.2f} shrinks every score by that "
        f"same factor (the largest, {effect.largest_raw:.2f}, becomes {effect.largest_scaled:.2f}), so only the "
        f"colour scale changes."
        + (
            f" The softmax gets {'less' if effect.peak_scaled < effect.peak_raw else 'no less'} peaked: the mean "
            f"largest weight of a row is {effect.peak_raw:.2f} without the division and {effect.peak_scaled:.2f} "
            "with it (temperature 1)."
            if told
            else " What it does to the softmax is the question of the √d_k experiment below."
        )
    )


def same_rows_note(words: list[str], raw: torch.Tensor, X: torch.Tensor, features: list[str] | None) -> str | None:
    """Which words have identical rows of X (core.qkv.identical_rows), and why, from the numbers: the same word
    (this page adds no positions), the same embedding, or embeddings that layer normalisation makes equal
    (they differ only in size: `features`, the named dimensions, say which ones they have)."""
    groups = qkv.identical_rows(X)
    if not groups:
        return None
    labels, parts = unique_labels(words), []
    for group in groups:
        named = ", ".join(f"*{md_escape(labels[i])}*" for i in group)
        rows = raw[group]
        if len({words[i] for i in group}) == 1:
            why = "the same word, and this page adds no positions"
        elif torch.equal(rows, rows[:1].expand_as(rows)):
            why = "the embeddings give them the same vector"
        else:
            used = [features[j] for j in rows.abs().sum(0).nonzero().flatten().tolist()] if features else []
            having = (
                f"each has only {', '.join(f'*{u}*' for u in used)}, at different strengths"
                if 0 < len(used) <= 3
                else ""
            )
            why = (
                f"{having or 'their embeddings differ only in size'}; layer normalisation rescales every vector to "
                "mean 0 and variance 1, which removes that difference"
            )
        parts.append(f"{named} ({why})")
    return (
        "Identical rows: " + "; ".join(parts) + ". Equal rows of X give equal queries, keys and values, so their "
        "rows of every matrix below are identical, whatever the weights."
    )


def trained_beside_random(labels: list[str], trained_weights, random_weights, head: int) -> str:
    """In words, from the two weight matrices (n, n): each word's strongest key with the trained head and
    with random weights on the same X, and how many words the two disagree on."""
    learned, chance = qkv.top_targets(trained_weights), qkv.top_targets(random_weights)
    differ = [i for i, (a, b) in enumerate(zip(learned, chance)) if a != b]
    self_share = sum(i == j for i, j in enumerate(learned))

    def pairs(tops: list[int], weights) -> str:
        return "; ".join(
            f"{md_escape(labels[i])} → {md_escape(labels[j])} ({float(weights[i, j]):.2f})" for i, j in enumerate(tops)
        )

    return (
        f"**Trained beside random.** Head {head}: {pairs(learned, trained_weights)}. With random weights on the same "
        f"X: {pairs(chance, random_weights)}. The strongest key differs for {len(differ)} of {len(labels)} words"
        + (
            f"; the trained head's strongest key is the word itself for {self_share} of the {len(labels)}."
            if self_share
            else "."
        )
    )


def weights_by_temperature(scores, labels: list[str], *, trained_head: bool) -> float:
    """The weights at every temperature (core.qkv), with Temperature an input bound inside the chart
    (ui.scrub); the caption, the table and everything after follow once the server hears where it ended.
    scores (n, n): scaled and masked, before the temperature. `trained_head`: MiniLM's head, whose largest weights
    are learned links; otherwise the weights are random (or edited), their largest weight chance.
    -> the temperature the server heard."""
    by_temperature = qkv.weights_by_temperature(scores, TEMPERATURES)  # (50, n, n)
    stretched, n = session.rows_stretched(), len(labels)

    def weight_map(**position) -> dict:
        weights = by_temperature[TEMPERATURES.index(position[TEMPERATURE])]
        titles = dict(title="weights: softmax of each row", row_title="query", col_title="key", value_title="weight")
        return heatmap(weights, labels, labels, palette=session.palette(), domain=(0, 1), stretch_rows=stretched,
                       **titles)  # fmt: skip

    identity = (tuple(labels), tuple(scores.flatten().tolist()), session.palette(), stretched)
    now = scrub.scrub_chart(weight_map, [TEMPERATURE_SCRUB], key=WEIGHT_MAP, cells=n * n, data_id=identity)
    temperature = now[TEMPERATURE]
    weights = by_temperature[TEMPERATURES.index(temperature)]
    frame = matrix_frame(weights, labels, labels)
    chart_downloads(lambda: weight_map(**now), key=f"{PAGE}_weights_chart", table=frame)
    entropy, largest = qkv.attention_sharpness(weights)
    st.caption(  # the temperature as the chart's input writes it beside itself (1.0 as 1)
        f"At temperature {temperature:g}: a row's largest weight is {largest:.2f} on average. Spread "
        f"(entropy, in nats: 0 when one key takes everything): {entropy:.2f} on average, {math.log(n):.2f} if every "
        "key got the same share. Lower temperatures sharpen every row, higher ones flatten it."
    )
    if links := strongest_links(frame, lead=LINKS if trained_head else UNTRAINED_LINKS):
        st.caption(links)
    numbers_table(frame, key=f"{PAGE}_weights")
    return temperature


def export(
    words, X, weights, steps, scale: bool, causal: bool, temperature: float, seeded: bool, from_model: bool
) -> None:
    """The page's numbers, and code that recomputes them (not for a trained head: its biases and 384-wide
    matrices would make a literal of thousands of numbers; the numbers are in the download)."""
    edited = None if seeded else weights
    options = dict(
        d_k=weights["W_q"].shape[1], seed=session.seed(), scale=scale, causal=causal, temperature=temperature
    )
    snippet = snippets.qkv(X, words, edited, **options)
    a = steps.attention
    numbers = dict(words=words, X=X, **weights, Q=steps.q, K=steps.k, V=steps.v, scores=a.scores, weights=a.weights)
    numbers.update(output=a.output, scale=scale, causal=causal, temperature=temperature)
    page_export(PAGE, numbers, None if from_model or X.numel() > 4000 else snippet)


@st.fragment
def scaling_experiment() -> None:
    st.markdown(
        "Pick random queries and keys whose entries have variance 1. A dot product adds d_k such products, "
        "so its variance is d_k and its **spread grows like √d_k**. What does that do to the softmax?"
    )
    if not predict(
        f"{PAGE}_predict",
        "without scaling, as d_k grows, the softmax rows become…",
        ["flatter (closer to uniform)", "sharper (one key takes all)", "unchanged"],
        "sharper (one key takes all)",
        "The spread of the scores grows like √d_k, so one key wins: see the plots below.",
    ):
        st.caption("Answer above to see the measured spread and saturation.")
        return
    samples = url_state.select_slider(st, "Queries sampled per d_k", [64, 256, 1024], value=256, key=f"{PAGE}_samples")
    device = session.device()
    found = scaling_by_width(D_KS, n_queries=samples, seed=session.seed(), device=device)
    spread = {"raw q·k": found["std_raw"], "q·k / √d_k": found["std_scaled"], "theory: √d_k": found["std_theory"]}
    saturation = {"without scaling": found["max_weight_raw"], "with √d_k": found["max_weight_scaled"]}
    axes = dict(log_x=True, x_ticks=D_KS, slanted_ticks=True, y_format="~g", legend_columns=2)  # readable log ticks
    # the spread's log axis labelled at powers of two, 1 among them: where the scaled scores' line lies
    ticks = powers_of_two_between([value for values in spread.values() for value in values])
    log_spread = dict(log_y=True, y_ticks=ticks, y_domain=(ticks[0], ticks[-1]), dashed=["theory: √d_k"])
    charts = (
        (spread, "std of scores", "Spread of the scores", log_spread),  # theory dashed under the measured raw line
        (saturation, "mean largest weight", "Saturation of the softmax (16 keys)", {}),
    )
    for place, (series, y, title, options) in zip(st.columns(2), charts):
        spec = series_lines(D_KS, series, x="d_k", y=y, title=title, **axes, **options)
        render(spec, key=f"{PAGE}_{title.split()[0].lower()}", target=place)
    st.caption(
        f"Computed just now on this server's {'graphics card' if device.type == 'cuda' else 'processor'}: at "
        f"d_k = 1024 the raw scores spread {found['std_raw'][-1]:.1f} "
        f"(theory {1024**0.5:.0f}), scaled {found['std_scaled'][-1]:.2f} (theory 1). How spread a row's weights "
        f"are (entropy, 0 when one key takes everything): {found['entropy_raw'][-1]:.2f} without scaling vs "
        f"{found['entropy_scaled'][-1]:.2f} with ({math.log(16):.2f} if all 16 keys got the same share)."
    )
    one_query(samples, device)


def one_query(samples: int, device) -> None:
    """A query's 16 weights at each width of the sweep, largest first, without and with √d_k (core.scaling,
    averaged over the sampled queries): d_k is a
    drop-down bound inside the chart (ui.scrub); the sentence under it follows once the server hears it."""
    found = sorted_weights_by_width(D_KS, n_queries=samples, seed=session.seed(), device=device)
    keys = list(range(1, len(found[D_KS[0]][0]) + 1))

    def weights_at(**position) -> dict:
        raw, scaled = found[position[SWEEP]]
        title = f"A query's weights over its {len(keys)} keys, largest first (mean of {samples:,} queries)"
        series = {"without scaling": raw, "with √d_k": scaled}
        return series_lines(keys, series, x="key", y="weight", group="scores", title=title, integer_x=True,
                            y_domain=(0, 1), legend_columns=2)  # fmt: skip

    identity = (samples, session.seed(), device.type)
    d_k = scrub.scrub_chart(weights_at, [SWEEP_SCRUB], key=SWEEP_MAP, cells=2 * len(keys), data_id=identity)[SWEEP]
    raw, scaled = found[d_k]
    table = pd.DataFrame({"key": keys, "without scaling": raw, "with √d_k": scaled}).set_index("key")
    chart_downloads(lambda: weights_at(**{SWEEP: d_k}), key=f"{PAGE}_one_query_chart", table=table)
    st.caption(
        f"At d_k = {d_k:,} a query's largest weight is {raw[0]:.2f} on average without scaling and {scaled[0]:.2f} "
        f"with √d_k (an even share would be {1 / len(keys):.2f}): the same scores, divided by √{d_k:,} = "
        f"{math.sqrt(d_k):.1f}. Its first point is the saturation chart's value at this d_k."
    )
    numbers_table(table, key=f"{PAGE}_one_query")


with st.container(border=True):
    search_analogy(model_cache.encoder())
section("Step by step on your sentence")
step_by_step()
section("Why divide by √d_k?")
scaling_experiment()

explain(
    "- **W_q, W_k, W_v** are learned in training. *Random* runs seeded matrices nobody trained (change the seed "
    "in the sidebar, or edit them); *trained* runs one real MiniLM head's.\n"
    "- Q and K decide **where** a word looks; V decides **what** it brings back.\n"
    "- Dividing by √d_k keeps scores around ±1 whatever the width, so the softmax stays soft.\n"
    "- The **causal mask** sets the scores of later words to −∞ before the softmax: weight 0."
)
show_code(sentence_embeddings, Encoder.sentence_embedding, Encoder.static_vector)
