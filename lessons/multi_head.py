import streamlit as st

from core import multi_head, trained
from core.embeddings import embed, resize_dimensions, toy_vocabulary
from core.heads import head_similarity
from core.layers import max_difference_to_torch, residual_drift, seeded_layers, stack_layers
from core.model import max_abs_difference
from core.multi_head import most_contested_row, strongest_keys
from core.normalisation import layer_norm
from core.numbers import readable_number
from core.positional import add_positions
from core.qkv import attention_sharpness, project_qkv
from core.text import unique_labels
from ui import model_cache, scrub, session, snippets, url_state
from ui.charts import UNTRAINED_LINKS, matrix_companions, matrix_frame, render, show_matrix, side_by_side
from ui.export import chart_downloads, page_export
from ui.markdown import md_escape
from ui.navigation import MULTI_HEAD
from ui.present import section
from ui.quiz import answered, predict
from ui.session import presenting
from ui.specs import column_blocks, head_grid, heatmap, lines
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = MULTI_HEAD.id
TOY = toy_vocabulary()
D_MODELS = [8, 12, 16, 24, 32, 48, 64]
COLUMNS = dict(col_title="column", overlay=False)  # (n, d_model) maps: too many numbers to write in the cells
KINDS = ["random (untrained)", "trained (MiniLM)"]  # the Weights switch of the head maps
KINDS_HELP = (
    "Random: this page's seeded layers, nobody trained them. Trained: one layer of all-MiniLM-L6-v2, every head, "
    "with the model's own weights on your sentence."
)
GRID_WIDTH = 640  # px for every head's map: two maps of about 260 px per row fit a laptop's column
PRESENTER_GRID_WIDTH = 1100  # a projector's 1920 px: two maps of about 480 px per row

page_header(
    "Multi-head attention",
    "One head gives each word one way of looking at the sentence. **Multi-head** attention splits "
    "d_model into several narrower heads, each with its own W_q, W_k, W_v, so one head can follow "
    "grammar while another follows meaning. Their outputs are put side by side (concatenated) and "
    "mixed by one more matrix, W_o.",
)
st.latex(r"\operatorname{MultiHead}(X) = \operatorname{Concat}(\text{head}_1,\dots,\text{head}_h)\,W_o")
# Each head's width d_k is written as d_model / h only under the question below: that split is its answer.
st.latex(r"\text{head}_i = \operatorname{softmax}\!\left(\frac{Q_iK_i^{\mathsf{T}}}{\sqrt{d_k}}\right)V_i")

tokens = sentence_input(
    PAGE, examples=("The animal didn't cross the road because it was tired", "The cat sat on the mat")
)
if tokens is None:
    st.stop()
labels, n = unique_labels(tokens.words), len(tokens.words)
controls = st.columns(3)
d_model = url_state.select_slider(controls[0], "d_model", D_MODELS, value=16, key=f"{PAGE}_d_model")
divisors = multi_head.head_counts(d_model)
heads = url_state.select_slider(
    controls[1],
    "Heads",
    divisors,
    value=4 if 4 in divisors else divisors[0],
    key=f"{PAGE}_heads_{d_model}",
    help="Only counts that divide d_model are offered; how its columns are shared out is the question below.",
)
n_layers = url_state.slider(controls[2], "Layers stacked", 1, 6, 1, key=f"{PAGE}_layers")
use_pe = url_state.toggle(st, "Add positional encoding to the input", value=True, key=f"{PAGE}_pe")

X = layer_norm(resize_dimensions(embed(tokens.words, TOY).vectors, d_model, seed=session.seed()))
X = add_positions(X) if use_pe else X
layers = seeded_layers(d_model, heads, n_layers, seed=session.seed())
inputs, results = stack_layers(X, layers)
# The layer and head shown are inputs inside the labelled head map (ui.scrub): every layer's and head's
# weights travel with it, so dragging either repaints the map in the browser; the page then follows.
LAYER_SCRUB = scrub.Scrub(f"{PAGE}_shown_{n_layers}", "Layer to inspect", tuple(range(1, n_layers + 1)), n_layers)
HEAD_SCRUB = scrub.Scrub(f"{PAGE}_head_{heads}", "Head", tuple(range(1, heads + 1)), 1)
HEAD_MAP = f"{PAGE}_head_scrub"
CONTROLS = [LAYER_SCRUB, HEAD_SCRUB] if n_layers > 1 else [HEAD_SCRUB]
shown = scrub.positions_now(HEAD_MAP, CONTROLS).get(LAYER_SCRUB.key, n_layers)
layer, result, x_in = layers[shown - 1], results[shown - 1], inputs[shown - 1]
d_head = d_model // heads
columns = [str(c) for c in range(d_model)]

section(f"Layer {shown}: {heads} heads")
st.caption(
    f"The layers on this page are random (untrained), seed {session.seed()}: they show how columns, heads and "
    "matrices fit together, not what heads learn. *One attention map per head* below switches to trained heads."
)
QUESTION = f"{PAGE}_predict_{d_model}_{heads}"  # one per setting; "In plain words" waits for it too
if predict(
    QUESTION,
    f"with d_model = {d_model} and {heads} heads, how many columns does each head's query have?",
    sorted({str(d_model), str(d_head), str(heads), "1"}, key=int),
    str(d_head),
    f"The {d_model} columns are split evenly: {d_model} / {heads} = {d_head} per head.",
    waiting="Answer above to see how the columns are shared out.",
):
    st.latex(rf"d_k = d_{{model}} / h = {d_model} / {heads} = {d_head}")  # the formula's √d_k, now answered
    blocks = column_blocks(multi_head.column_owners(d_model, heads), x_title="column of Q = X·W_q")
    st.markdown(f"**Which columns of Q, K, V each head owns** ({d_head} each)")
    render(blocks, key=f"{PAGE}_blocks", width="content")
    q = project_qkv(x_in, layer.w_q, layer.w_k, layer.w_v)[0].detach()
    show_matrix(q, labels, columns, key=f"{PAGE}_q", title="Q for all heads", value_title="q", numbers=False, **COLUMNS)

section("One attention map per head")


@st.fragment
def head_maps(labels: list[str]) -> None:
    """The heads of one layer: random (untrained, this page's seeded layers) or trained (MiniLM's own)."""
    kind = url_state.radio(st, "Weights", KINDS, horizontal=True, key=f"{PAGE}_kind", help=KINDS_HELP)
    encoder = model_cache.encoder() if kind == KINDS[1] else None
    if encoder is not None:
        trained_maps(encoder)
        return
    st.markdown(
        f"**Random (untrained) weights, seed {session.seed()}:** nobody trained these heads, so how they differ is "
        "chance, not grammar or meaning. Switch *Weights* to trained to see heads that learned."
    )
    stretched = session.rows_stretched()

    def head_map(**position) -> dict:
        lay, hd = position.get(LAYER_SCRUB.key, n_layers), position[HEAD_SCRUB.key]
        return heatmap(
            results[lay - 1].weights[hd - 1], labels, labels, palette=session.palette(), domain=(0, 1),
            title=f"layer {lay}, head {hd}" if n_layers > 1 else f"head {hd}", stretch_rows=stretched,
            row_title="word attending", col_title="attended to", value_title="weight", sqrt_colours=not stretched,
        )  # fmt: skip

    identity = (tuple(tokens.words), d_model, heads, n_layers, use_pe, session.seed(), session.palette(), stretched)
    now = scrub.scrub_chart(head_map, CONTROLS, key=HEAD_MAP, cells=len(labels) ** 2, data_id=identity)
    layer_now, head_now = now.get(LAYER_SCRUB.key, n_layers), now[HEAD_SCRUB.key]
    frame = matrix_frame(results[layer_now - 1].weights[head_now - 1], labels, labels)
    chart_downloads(lambda: head_map(**now), key=f"{PAGE}_head_chart", table=frame)
    matrix_companions(frame, key=f"{PAGE}_head", links=UNTRAINED_LINKS)
    if layer_now != shown:
        st.rerun()  # another layer: the sections around this one (Q, the grid, concat, W_o) show it too
    every_head(results[shown - 1].weights, labels, f"Every head of layer {shown}", key=f"{PAGE}_grid")


def trained_maps(encoder) -> None:
    """MiniLM's heads of one layer on the sentence (its word pieces, with [CLS] and [SEP]), computed by
    core.multi_head.multi_head_attention from the model's own weights and the layer's input."""
    run = model_cache.run(tokens.text)
    pieces = unique_labels(run.tokens)
    layers = tuple(range(1, encoder.n_layers + 1))
    layer = url_state.select_slider(st, "MiniLM layer", layers, value=1, key=f"{PAGE}_minilm_layer")
    found = trained.model_layer(encoder.weights, layer - 1, run.hidden_states[layer - 1]).weights.float().cpu()
    st.markdown(
        f"**Trained weights: all-MiniLM-L6-v2, layer {layer}**, its {found.shape[0]} heads of "
        f"{encoder.d_head} columns each (d_model = {encoder.d_model}), on the model's own word pieces of your "
        "sentence, [CLS] and [SEP] included, and the vectors that enter this layer."
    )
    difference = max_abs_difference(found, run.attentions[layer - 1])
    st.caption(
        "Computed here with the page's multi-head function and the model's weights; largest difference from the "
        f"weights the model itself reports: {'0 (identical)' if difference == 0 else readable_number(difference)}."
    )
    random_weights = results[shown - 1].weights
    untrained_largest = attention_sharpness(random_weights)[1]
    trained_largest = attention_sharpness(found)[1]
    st.markdown(
        f"Mean largest weight of a row: **{trained_largest:.2f}** for MiniLM's heads, **{untrained_largest:.2f}** "
        f"for this page's random heads (an even spread over {len(pieces)} word pieces would be "
        f"{1 / len(pieces):.2f}, over {len(labels)} words {1 / len(labels):.2f})"
        + (": training made the heads pick their targets more sharply." if trained_largest > untrained_largest else ".")
    )
    every_head(found, pieces, f"Every head of MiniLM layer {layer}", key=f"{PAGE}_minilm_grid")


def every_head(weights, labels: list[str], title: str, *, key: str) -> None:
    """All heads of a layer (heads, n, n), two per row, and in words how they differ on one word."""
    width = PRESENTER_GRID_WIDTH if presenting() else GRID_WIDTH
    render(head_grid(weights, labels, palette=session.palette(), width=width), target=st, width="content")
    st.caption(
        f"{title}. Rows: the word attending; columns: the word attended to; colours on a square-root scale so "
        "that small weights still show (hover for the numbers)."
    )
    word = url_state.selectbox(
        st, "Compare the heads on the word", labels, index=most_contested_row(weights), key=f"{key}_word",
        help="By default the word on which the heads' strongest targets differ most.",
    )  # fmt: skip
    st.markdown(heads_on_word(weights, labels, labels.index(word)))


def heads_on_word(weights, labels: list[str], row: int) -> str:
    """In words, from weights (heads, n, n): each head's strongest target from `row`, how many different words
    they pick, and the most and least alike pair of heads (core.heads.head_similarity)."""
    keys = strongest_keys(weights)[:, row].tolist()
    count = weights.shape[0]
    picks = "; ".join(
        f"head {h + 1} → {md_escape(labels[k])} ({float(weights[h, row, k]):.2f})" for h, k in enumerate(keys)
    )
    distinct = len(set(keys))
    text = f"From **{md_escape(labels[row])}**: {picks}. " + (
        f"All {count} heads pick the same word."
        if distinct == 1
        else f"{distinct} different words across {count} heads."
    )
    if count > 1:
        similarity = head_similarity(weights[None]).clone()
        pairs = [(float(similarity[a, b]), a, b) for a in range(count) for b in range(a + 1, count)]
        (high, a, b), (low, c, d) = max(pairs), min(pairs)
        text += (
            f" Over the whole map the most alike heads are {a + 1} and {b + 1} (overlap {high:.2f}, where 1 is the "
            f"same map), the least alike {c + 1} and {d + 1} ({low:.2f})."
        )
    return text


head_maps(labels)

section("Concatenate, then mix with W_o")
maps = (("concat", result.concat, "Concat(head outputs)"), ("output", result.output, "× W_o = layer output"))
for place, (name, matrix, title) in zip(side_by_side(2, max(n, d_model // 2)), maps):  # two 24-column maps fit
    with place:
        show_matrix(matrix, labels, columns, key=f"{PAGE}_{name}", title=title, **COLUMNS)
difference = max_difference_to_torch(layer, x_in)
shown_difference = "0 (identical here)" if difference == 0 else readable_number(difference)
st.metric("Largest difference from PyTorch's own", shown_difference)  # a longer label was cut on a phone
st.caption(
    "PyTorch's torch.nn.MultiheadAttention, given the same weights: outputs and per-head weights compared number "
    "by number; float32 rounding alone would allow about 10⁻⁷."
)

if n_layers > 1:
    section("Stacking layers")
    drift = residual_drift(inputs)
    numbered = list(range(1, n_layers + 1))
    title = "Mean distance of each word from its original embedding"
    spec = lines({"layer": numbered, "mean distance": drift}, "layer", "mean distance", title=title, x_ticks=numbered)
    render(spec, key=f"{PAGE}_drift")
    st.markdown(
        "Each layer adds its output to its input (a residual connection), so each word's vector gathers more "
        "context layer by layer: " + ", ".join(f"layer {i}: **{d:.2f}**" for i, d in enumerate(drift, 1)) + "."
    )

numbers = dict(words=tokens.words, X=X, heads=heads, layers=n_layers, weights=[r.weights for r in results])
snippet = snippets.multi_head(X, tokens.words, positions=use_pe, layers=n_layers, heads=heads, seed=session.seed())
page_export(PAGE, {**numbers, "final": inputs[-1]}, snippet)
explain(
    (
        "- d_model is split evenly into the heads (d_model / heads columns each): the total work is the same as "
        if answered(QUESTION)
        else "- How d_model is shared among the heads is the question above. The total work is the same as "
    )
    + "one wide head, but each head has its own softmax, so it can focus on something different.\n"
    "- **Concat** puts the heads' outputs side by side (back to d_model columns); **W_o** mixes them.\n"
    "- Real models stack layers (MiniLM: 6 layers × 12 heads) with residual connections, layer "
    "normalisation and a feed-forward block in each; this page keeps only the attention."
)
show_code()
