import pandas as pd
import streamlit as st
import torch

from core.attention import scaled_dot_product_attention
from core.embeddings import cosine_similarity
from core.model import MAX_MODEL_TOKENS, Encoder
from core.projection import pca_2d
from core.text import unique_labels
from ui import model_cache, session, url_state
from ui.charts import render, show_matrix
from ui.export import page_export
from ui.markdown import md_escape
from ui.navigation import REAL_MODEL
from ui.present import section
from ui.quiz import predict
from ui.raster import attention_grid_png
from ui.specs import bars, lines, scatter
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = REAL_MODEL.id

page_header(
    "Inside a real model",
    "**all-MiniLM-L6-v2** is a small pretrained transformer encoder (6 layers × 12 heads, 384 "
    "numbers per token), bundled with this app and run offline. Every map below is the model's own "
    "softmax weights for your sentence — the same computation as the earlier pages, with learned "
    "W_q, W_k, W_v.",
)
encoder = model_cache.encoder()
if encoder is None:
    st.stop()

tokens = sentence_input(
    PAGE,
    max_tokens=MAX_MODEL_TOKENS,
    examples=(
        "The animal didn't cross the road because it was tired",
        "The student said he was tired",
        "Apple launched a new phone",
    ),
)
if tokens is None:
    st.stop()
text = tokens.text
run = model_cache.run(text)
if run.truncated:
    st.warning(f"The model reads at most {MAX_MODEL_TOKENS} WordPiece tokens; the rest of the text was left out.")
labels = unique_labels(run.tokens)
st.caption(f"WordPiece tokens ({len(run.tokens)}): " + " · ".join(md_escape(t) for t in run.tokens))

# --- 1. every head ------------------------------------------------------------------------------
section(f"1 · All {encoder.n_layers * encoder.n_heads} heads")
GRID_TOKENS = 48


@st.cache_data(max_entries=32, show_spinner=False)
def grid_picture(text: str, model_name: str, device: str, colours: str) -> bytes:
    """The 72-map overview, drawn once per sentence and palette."""
    return attention_grid_png(model_cache.run(text).attentions, colours)


if len(labels) <= GRID_TOKENS:
    st.image(
        grid_picture(text, encoder.name, str(encoder.device), session.palette()),
        caption=f"Rows: layers 0–{encoder.n_layers - 1} (top to bottom). Columns: heads 0–{encoder.n_heads - 1}. "
        "In each small map, row = token asking, column = token attended to; brighter = more weight.",
    )
else:
    st.info(f"The overview grid is drawn for up to {GRID_TOKENS} tokens; pick a layer and head below.")
st.caption(
    "Many heads look at [CLS]/[SEP] or at the next or previous token; a few track meaning. "
    "Pick one below to see it with its tokens."
)
controls = st.columns(2)
layer = url_state.slider(controls[0], "Layer", 0, encoder.n_layers - 1, 4, key=f"{PAGE}_layer")
head = url_state.slider(controls[1], "Head", 0, encoder.n_heads - 1, 0, key=f"{PAGE}_head")
left, right = st.columns([3, 2])
with left:
    show_matrix(
        run.attentions[layer, head],
        labels,
        labels,
        key=f"{PAGE}_head_map",
        title=f"layer {layer}, head {head}",
        row_title="token asking",
        col_title="attends to",
        value_title="weight",
        domain=(0, 1),
    )
with right:
    default_source = next((labels.index(w) for w in ("it", "he", "she", "apple") if w in labels), 0)
    source = url_state.selectbox(
        st,
        "What does this token attend to?",
        range(len(labels)),
        index=default_source,
        format_func=lambda i: labels[i],
        key=f"{PAGE}_source",
    )
    row = pd.DataFrame({"token": labels, "weight": run.attentions[layer, head, source].tolist()})
    predict(
        f"{PAGE}_predict",
        f"in layer {layer}, head {head}, which token does “{labels[source]}” attend to most?",
        list(dict.fromkeys(labels)),
        labels[int(run.attentions[layer, head, source].argmax())],
        "Many heads park their attention on [CLS] or [SEP] when they have nothing better to do.",
    )
    render(
        bars(row, "token", "weight", sort=labels, title=f"“{labels[source]}” in layer {layer}, head {head}"),
        key=f"{PAGE}_source_bars",
    )
    by_layer = run.attentions[:, :, source].mean(1)
    show_matrix(
        by_layer,
        [f"layer {i}" for i in range(encoder.n_layers)],
        labels,
        key=f"{PAGE}_by_layer",
        title=f"“{labels[source]}”, mean over heads",
        value_title="weight",
        overlay=False,
    )

# --- 2. head finder ------------------------------------------------------------------------------
section("2 · Which heads link two words?")
cols = st.columns(2)
src = url_state.selectbox(
    cols[0],
    "From",
    range(len(labels)),
    index=default_source,
    format_func=lambda i: labels[i],
    key=f"{PAGE}_finder_from",
)
default_target = next((labels.index(w) for w in ("animal", "student", "phone") if w in labels), 0)
tgt = url_state.selectbox(
    cols[1], "To", range(len(labels)), index=default_target, format_func=lambda i: labels[i], key=f"{PAGE}_finder_to"
)
link = run.attentions[:, :, src, tgt]
ranking = pd.DataFrame(
    [(f"layer {i}, head {h}", float(link[i, h])) for i in range(encoder.n_layers) for h in range(encoder.n_heads)],
    columns=["head", "weight"],
).sort_values("weight", ascending=False)
best_l, best_h = divmod(int(link.argmax()), encoder.n_heads)
st.markdown(
    f"Strongest: **layer {best_l}, head {best_h}** puts **{float(link.max()):.2f}** of "
    f"“{md_escape(labels[src])}”’s attention on “{md_escape(labels[tgt])}” (uniform would be {1 / len(labels):.2f})."
)
render(
    bars(
        ranking.head(10),
        "head",
        "weight",
        title=f"Top 10 of 72 heads: “{labels[src]}” → “{labels[tgt]}”",
        value_title="attention weight",
    ),
    key=f"{PAGE}_finder_bars",
)

# --- 3. static vs contextual ----------------------------------------------------------------------
section("3 · Static vs contextual: is “bank” the same vector?")
pair = url_state.segmented_control(st, "Example", ["bank", "apple"], default="bank", key=f"{PAGE}_pair_example")
defaults = {
    "bank": ("I went to the bank to deposit money", "We sat on the bank of the river"),
    "apple": ("Apple launched a new phone", "I ate an apple"),
}[pair or "bank"]
cols = st.columns(2)
first = url_state.text_input(cols[0], "Sentence 1", defaults[0], key=f"{PAGE}_pair_1_{pair}", max_chars=500)
second = url_state.text_input(cols[1], "Sentence 2", defaults[1], key=f"{PAGE}_pair_2_{pair}", max_chars=500)
try:
    run_1, run_2 = model_cache.run(first), model_cache.run(second)
except ValueError as reason:
    st.info(str(reason))
    run_1 = run_2 = None
shared = [t for t in dict.fromkeys(run_1.tokens) if t in run_2.tokens and not t.startswith("[")] if run_1 else []
if run_1 and not shared:
    st.info("The two sentences need a token in common.")
elif run_1:
    word = url_state.selectbox(
        st, "Shared token", shared, index=shared.index(pair) if pair in shared else 0, key=f"{PAGE}_pair_word"
    )
    i, j = run_1.tokens.index(word), run_2.tokens.index(word)
    static_cos = float(cosine_similarity(run_1.static[i][None], run_2.static[j][None]))
    per_layer = [
        float(cosine_similarity(run_1.hidden_states[depth, i][None], run_2.hidden_states[depth, j][None]))
        for depth in range(encoder.n_layers + 1)
    ]
    metrics = st.columns(2)
    metrics[0].metric("Static (input table row): cosine", f"{static_cos:.4f}")
    metrics[1].metric(
        "Contextual, last layer: cosine", f"{per_layer[-1]:.4f}", delta=f"{per_layer[-1] - static_cos:.4f}"
    )
    left, right = st.columns(2)
    with left:
        frame = pd.DataFrame({"layer": range(encoder.n_layers + 1), "cosine": per_layer})
        render(
            lines(
                frame,
                "layer",
                "cosine",
                title=f"cosine of “{word}” in 1 vs 2, by layer",
                x_title="layer (0 = embeddings + position)",
            ),
            key=f"{PAGE}_pair_lines",
        )
    with right:
        path = torch.cat([run_1.hidden_states[:, i], run_2.hidden_states[:, j]])
        names = [f"L{depth}" for depth in range(encoder.n_layers + 1)] * 2
        groups = ["sentence 1"] * (encoder.n_layers + 1) + ["sentence 2"] * (encoder.n_layers + 1)
        render(
            scatter(pca_2d(path), names, groups=groups, connect=True, title=f"“{word}” through the layers (PCA)"),
            key=f"{PAGE}_pair_map",
        )
    same_start = per_layer[0] > 0.9999
    st.caption(
        (
            "At layer 0 (input row + position) the two are identical: same token at the same position. "
            if same_start
            else "Layer 0 already differs a little: the position embedding is added. "
        )
        + "Each attention layer then mixes in more of its sentence, and the two meanings drift apart."
    )

# --- 4. rebuild one head ---------------------------------------------------------------------------
section("4 · One head rebuilt from its weights")
st.markdown(
    f"Take the layer's input (the hidden states entering layer {layer}), multiply by the model's own "
    f"W_q, W_k and biases for head {head}, and run this app's `scaled_dot_product_attention`. "
    "If the lab's attention is the real computation, the two maps must agree."
)
ours, theirs = model_cache.rebuild_head(text, layer, head)
difference = float((ours - theirs).abs().max())
left, right = st.columns(2)
with left:
    show_matrix(
        ours,
        labels,
        labels,
        key=f"{PAGE}_ours",
        title="rebuilt with core/",
        value_title="weight",
        domain=(0, 1),
        overlay=False,
    )
with right:
    show_matrix(
        theirs,
        labels,
        labels,
        key=f"{PAGE}_theirs",
        title="reported by the model",
        value_title="weight",
        domain=(0, 1),
        overlay=False,
    )
st.metric(f"max |ours − model's| (layer {layer}, head {head}, {encoder.device.type})", f"{difference:.1e}")
if difference <= 1e-5:
    st.success("Match to within float32 rounding.")
else:
    st.error("The rebuilt head differs from the model's by more than 1e-5.")

page_export(
    PAGE,
    {
        "text": text,
        "tokens": run.tokens,
        "layer": layer,
        "head": head,
        "attention": run.attentions[layer, head],
        "rebuilt": ours,
        "max_difference": difference,
    },
)

st.info(
    "**Honest notes.** Attention weights show where a head looks, not why the model decides what it "
    "does: other parts (value vectors, feed-forward layers, residual paths) matter as much. MiniLM is "
    "a small encoder distilled for sentence similarity, not a chatbot; its heads are less tidy than "
    "those of large models.",
    icon=":material/info:",
)
explain(
    "- Each layer has 12 heads, each with its own W_q, W_k, W_v of size 384 × 32.\n"
    "- A head's weights are softmax(q·k / √32) over the tokens, exactly as on the Q, K, V page.\n"
    "- The input table gives *bank* one vector; after a few attention layers, the two *bank*s differ."
)
show_code(Encoder.rebuild_head, scaled_dot_product_attention, Encoder.run)
