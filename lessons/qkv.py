import math

import pandas as pd
import streamlit as st
import torch

from core.attention import (
    causal_mask,
    row_entropy,
    scaled_dot_product_attention,
    softmax,
)
from core.embeddings import embed, resize_dimensions, toy_vocabulary
from core.normalisation import layer_norm
from core.qkv import QKVProjection, init_projection
from core.scaling import dot_product_scaling
from core.text import unique_labels, words_or_nothing
from ui import model_cache, session, url_state
from ui.charts import render, show_matrix
from ui.export import literal, page_export
from ui.navigation import QKV
from ui.present import section
from ui.quiz import predict
from ui.specs import lines
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = QKV.id
TOY = toy_vocabulary()
STEPS = ["Q, K, V", "scores QKᵀ", "scaled", "weights", "output"]

page_header(
    "Queries, keys and values",
    "First-principles attention compares raw embeddings, so it can only find the similarities the "
    "embeddings already have. A transformer learns three matrices instead: each word asks a "
    "**query** (Q = X·W_q), offers a **key** (K = X·W_k) to be matched against, and hands over a "
    "**value** (V = X·W_v) when it is chosen.",
)
st.latex(r"\operatorname{Attention}(Q,K,V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")

# --- the search analogy ------------------------------------------------------------------------
with st.container(border=True):
    st.subheader("The search-engine analogy")
    st.markdown(
        "You type a **query**; each video has a **title** (its key) and **content** (its value). "
        "The better a title matches the query, the more of that video you get."
    )
    videos = {
        "cat plays the piano": "cat animal love",
        "river rafting in spring": "river water flows",
        "how banks lend money": "bank money loan",
        "the king and queen crowned": "king queen royalty",
    }
    query = url_state.text_input(st, "Your search (query)", "funny cat video", key=f"{PAGE}_search", max_chars=200)
    q = embed(words_or_nothing(query) or ["the"], TOY).vectors.mean(0, keepdim=True)
    keys = torch.stack([embed(title.split(), TOY).vectors.mean(0) for title in videos])
    values = torch.stack([embed(content.split(), TOY).vectors.mean(0) for content in videos.values()])
    search = scaled_dot_product_attention(q, keys, values, scale=False)
    st.dataframe(
        pd.DataFrame(
            {
                "video title (key)": list(videos),
                "match q·k": search.scores[0].tolist(),
                "share of attention": search.weights[0].tolist(),
            }
        ).style.format({"match q·k": "{:.2f}", "share of attention": "{:.0%}"}),
        hide_index=True,
        key=f"{PAGE}_search_table",
    )
    st.caption(
        "Unlike a search engine, attention does not return the top video: it returns a blend of all "
        "the contents, weighted by the shares above. Words are averaged toy vectors."
    )

# --- the pipeline --------------------------------------------------------------------------------
section("Step by step on your sentence")
tokens = sentence_input(PAGE, examples=("The animal didn't cross the road because it was tired", "money bank grows"))
if tokens is None:
    st.stop()
labels = unique_labels(tokens.words)

source = url_state.radio(
    st, "Embeddings X", ["toy vocabulary", "MiniLM input table (384-d)"], horizontal=True, key=f"{PAGE}_source"
)
encoder = model_cache.encoder() if source.startswith("MiniLM") else None
controls = st.columns(3)
if encoder is not None:
    X = torch.stack([encoder.static_vector(w) for w in tokens.words]).cpu()
    d_model = X.shape[-1]
    controls[0].metric("d_model", d_model)
else:
    d_model = url_state.slider(controls[0], "d_model", 2, 32, len(TOY.dimensions), key=f"{PAGE}_d_model")
    X = resize_dimensions(embed(tokens.words, TOY).vectors, d_model, seed=session.seed())
d_k = url_state.slider(controls[1], "d_k", 1, 64, 4, key=f"{PAGE}_d_k", help="Width of each query and key (and value).")
temperature = url_state.slider(controls[2], "Temperature", 0.1, 5.0, 1.0, 0.1, key=f"{PAGE}_temperature")
toggles = st.columns(3)
scale = url_state.toggle(toggles[0], "Divide by √d_k", value=True, key=f"{PAGE}_scale")
causal = url_state.toggle(
    toggles[1],
    "Causal mask (decoder)",
    value=False,
    key=f"{PAGE}_causal",
    help="A decoder such as GPT may only look at earlier words: the upper triangle is masked.",
)
edit = url_state.toggle(
    toggles[2],
    "Edit W_q, W_k, W_v",
    value=False,
    key=f"{PAGE}_edit",
    disabled=encoder is not None or d_model * d_k > 400,
    help="Available for the toy embeddings with d_model × d_k ≤ 400.",
)

X = layer_norm(X)
st.caption(
    "X is layer-normalised first, as inside a transformer: each word vector is shifted and scaled "
    "to mean 0 and variance 1, so the scores do not depend on how long the raw vectors happen to be."
)
projection = QKVProjection(d_model, d_k, seed=session.seed())
weights = {"W_q": projection.w_q.detach(), "W_k": projection.w_k.detach(), "W_v": projection.w_v.detach()}
if edit and encoder is None:
    rows = list(TOY.dimensions[:d_model]) + [f"extra {i + 1}" for i in range(d_model - len(TOY.dimensions))]
    for column, name in zip(st.columns(3), list(weights)):
        with column:
            st.caption(f"{name} ({d_model} × {d_k}), seeded; edit any cell")
            frame = st.data_editor(
                pd.DataFrame(weights[name].numpy(), index=rows, columns=[f"k{j}" for j in range(d_k)]),
                key=f"{PAGE}_edit_{name}_{d_model}_{d_k}_{session.seed()}",
                height=260,
            )
            weights[name] = torch.tensor(frame.fillna(0.0).to_numpy(dtype="float32"))

Q, K, V = X @ weights["W_q"], X @ weights["W_k"], X @ weights["W_v"]
mask = causal_mask(len(labels)) if causal else None
result = scaled_dot_product_attention(Q, K, V, mask=mask, scale=scale, temperature=temperature)
raw = Q @ K.T

step = url_state.select_slider(
    st, "Show up to step", STEPS, value=STEPS[-1], key=f"{PAGE}_step", help="Reveal the computation one step at a time."
)
shown = STEPS.index(step)
formulas = [
    r"Q = XW_q,\; K = XW_k,\; V = XW_v",
    r"S = QK^\top",
    rf"S' = S / \sqrt{{d_k}} = S / {math.sqrt(d_k):.2f}" if scale else r"S' = S \text{ (no scaling)}",
    rf"A = \operatorname{{softmax}}(S' / {temperature:g})" + (r"\text{ with the future masked}" if causal else ""),
    r"Y = AV",
]
st.latex(r"\textbf{Step " + str(shown + 1) + r":}\ " + formulas[shown])
dims = [f"{j}" for j in range(d_k)]
if shown >= 0:
    cols = st.columns(3)
    for column, (name, matrix) in zip(cols, (("Q", Q), ("K", K), ("V", V))):
        with column:
            show_matrix(
                matrix,
                labels,
                dims,
                key=f"{PAGE}_{name}",
                title=f"{name} ({len(labels)} × {d_k})",
                col_title="dimension",
                value_title=name,
            )
if shown >= 1:
    cols = st.columns(2)
    with cols[0]:
        show_matrix(
            raw,
            labels,
            labels,
            key=f"{PAGE}_raw",
            title="scores QKᵀ",
            row_title="query",
            col_title="key",
            value_title="q·k",
        )
    if shown >= 2:
        with cols[1]:
            show_matrix(
                result.scores,
                labels,
                labels,
                key=f"{PAGE}_scaled",
                title="scaled (and masked) scores" if scale or causal else "scores (unscaled)",
                row_title="query",
                col_title="key",
                value_title="score",
            )
if shown >= 3:
    cols = st.columns(2)
    with cols[0]:
        show_matrix(
            result.weights,
            labels,
            labels,
            key=f"{PAGE}_weights",
            title="weights: softmax of each row",
            row_title="query",
            col_title="key",
            value_title="weight",
            domain=(0, 1),
        )
        st.caption(
            f"Mean row entropy {float(row_entropy(result.weights).mean()):.2f} nats "
            f"(uniform would be {math.log(len(labels)):.2f}); mean largest weight "
            f"{float(result.weights.amax(-1).mean()):.2f}."
        )
    if shown >= 4:
        with cols[1]:
            show_matrix(
                result.output,
                labels,
                dims,
                key=f"{PAGE}_output",
                title=f"output Y ({len(labels)} × {d_k})",
                col_title="dimension",
                value_title="y",
            )

# --- the √d_k experiment ----------------------------------------------------------------------------
section("Why divide by √d_k?")
st.markdown(
    "Pick random queries and keys whose entries have variance 1. A dot product adds d_k such "
    "products, so its variance is d_k and its **spread grows like √d_k**. Large scores push the "
    "softmax to put almost all weight on one key (saturation), where gradients vanish."
)
predict(
    f"{PAGE}_predict",
    "without scaling, as d_k grows, the softmax rows become…",
    ["flatter (closer to uniform)", "sharper (one key takes all)", "unchanged"],
    "sharper (one key takes all)",
    "The spread of the scores grows like √d_k, so one key wins: see the plots below.",
)
samples = url_state.select_slider(st, "Queries sampled per d_k", [64, 256, 1024], value=256, key=f"{PAGE}_samples")
device = session.device()
stats = [
    dot_product_scaling(d, n_queries=samples, seed=session.seed(), device=device)
    for d in (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
]
frame = pd.DataFrame(stats)
spread = pd.concat(
    [
        pd.DataFrame({"d_k": frame.d_k, "std of scores": frame.std_raw, "series": "raw q·k (measured)"}),
        pd.DataFrame({"d_k": frame.d_k, "std of scores": frame.std_scaled, "series": "q·k / √d_k (measured)"}),
        pd.DataFrame({"d_k": frame.d_k, "std of scores": frame.d_k**0.5, "series": "theory: √d_k"}),
    ]
)
saturation = pd.concat(
    [
        pd.DataFrame({"d_k": frame.d_k, "mean largest weight": frame.max_weight_raw, "series": "without scaling"}),
        pd.DataFrame({"d_k": frame.d_k, "mean largest weight": frame.max_weight_scaled, "series": "with √d_k scaling"}),
    ]
)
left, right = st.columns(2)
render(
    lines(spread, "d_k", "std of scores", color="series", log_x=True, log_y=True, title="Spread of the scores"),
    key=f"{PAGE}_spread",
    target=left,
)
render(
    lines(
        saturation,
        "d_k",
        "mean largest weight",
        color="series",
        log_x=True,
        title="Saturation of the softmax (16 keys)",
    ),
    key=f"{PAGE}_saturation",
    target=right,
)
st.caption(
    f"Computed live on {device.type}: at d_k = 1024 the raw scores spread {frame.std_raw.iloc[-1]:.1f} "
    f"(theory {1024**0.5:.0f}), scaled {frame.std_scaled.iloc[-1]:.2f} (theory 1). Mean entropy without "
    f"scaling {frame.entropy_raw.iloc[-1]:.2f} nats vs {frame.entropy_scaled.iloc[-1]:.2f} with "
    f"(uniform {math.log(16):.2f})."
)

seeded = not edit or encoder is not None
weights_source = (
    f"""W_q, W_k, W_v = (init({d_model}, {d_k}, {session.seed()} + i) for i in range(3))  # the lab's seeded matrices"""
    if seeded
    else f"""W_q = {literal(weights["W_q"])}
W_k = {literal(weights["W_k"])}
W_v = {literal(weights["W_v"])}"""
)
snippet = (
    None
    if X.numel() > 4000
    else f"""import math
import torch


def init(d_in, d_out, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(d_in, d_out, generator=generator) / math.sqrt(d_in)


X = {literal(X)}  # layer-normalised embeddings of: {" ".join(tokens.words)}
{weights_source}
Q, K, V = X @ W_q, X @ W_k, X @ W_v
scores = Q @ K.T{f" / math.sqrt({d_k})" if scale else ""}
{"scores = scores.masked_fill(~torch.ones(len(X), len(X), dtype=torch.bool).tril(), float('-inf'))" if causal else ""}
weights = torch.softmax(scores / {temperature!r}, dim=-1)
output = weights @ V
"""
)
page_export(
    PAGE,
    {
        "words": tokens.words,
        "X": X,
        **weights,
        "Q": Q,
        "K": K,
        "V": V,
        "scores": result.scores,
        "weights": result.weights,
        "output": result.output,
        "scale": scale,
        "causal": causal,
        "temperature": temperature,
    },
    snippet,
)

explain(
    "- **W_q, W_k, W_v** are learned in training; here they are seeded random matrices (change the seed "
    "in the sidebar, or edit them).\n"
    "- Q and K decide **where** a word looks; V decides **what** it brings back.\n"
    "- Dividing by √d_k keeps scores around ±1 whatever the width, so the softmax stays soft.\n"
    "- The **causal mask** sets the scores of later words to −∞ before the softmax: weight 0."
)
show_code(
    scaled_dot_product_attention, softmax, causal_mask, QKVProjection, init_projection, layer_norm, dot_product_scaling
)
