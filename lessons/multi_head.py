import math

import pandas as pd
import streamlit as st

from core.embeddings import embed, resize_dimensions, toy_vocabulary
from core.layers import max_difference_to_torch, residual_drift, stack_layers
from core.multi_head import MultiHeadSelfAttention, merge_heads, multi_head_attention, split_heads, to_torch_multihead
from core.normalisation import layer_norm
from core.positional import add_positions
from core.qkv import project_qkv
from core.tensors import to_numpy
from core.text import unique_labels
from ui import session, snippets, url_state
from ui.charts import render, show_matrix, side_by_side
from ui.export import page_export
from ui.navigation import MULTI_HEAD
from ui.present import section
from ui.quiz import predict
from ui.specs import column_blocks, lines
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = MULTI_HEAD.id
TOY = toy_vocabulary()
D_MODELS = [8, 12, 16, 24, 32, 48, 64]
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def small_number(x: float) -> str:
    """0.25 → "0.25"; 3.2e-07 → "3.2 × 10⁻⁷" (never Python's e-notation)."""
    if x == 0:
        return "0 (identical here)"
    if x >= 0.01:
        return f"{x:.2f}"
    exponent = math.floor(math.log10(x))
    return f"{x / 10**exponent:.1f} × 10{str(exponent).translate(SUPERSCRIPT)}"


def head_grid(weights, size: int) -> dict:
    """Small multiples: every head's (n, n) map as a size-px square, four per row, no labels."""
    heads, n, _ = weights.shape
    values = to_numpy(weights).round(4)
    cells = [(h, i, j) for h in range(heads) for i in range(n) for j in range(n)]
    data = [dict(head=f"head {h + 1}", row=i, col=j, value=float(values[h, i, j])) for h, i, j in cells]
    axis = {"labels": False, "ticks": False, "title": None, "domain": False}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": "Every head",
        "data": {"values": data},
        "columns": min(heads, 4),
        "spacing": 8,
        "facet": {"field": "head", "type": "nominal", "sort": [f"head {h + 1}" for h in range(heads)], "title": None},
        "spec": {
            "width": size,
            "height": size,
            "mark": "rect",
            "encoding": {
                "x": {"field": "col", "type": "ordinal", "axis": axis},
                "y": {"field": "row", "type": "ordinal", "axis": axis},
                "color": {
                    "field": "value",
                    "type": "quantitative",
                    "scale": {"scheme": session.palette(), "domain": [0, 1]},
                    "legend": None,
                },
                "tooltip": [{"field": "head"}, {"field": "value", "type": "quantitative", "format": ".2f"}],
            },
        },
    }


page_header(
    "Multi-head attention",
    "One head gives each word one way of looking at the sentence. **Multi-head** attention splits "
    "d_model into several narrower heads, each with its own W_q, W_k, W_v, so one head can follow "
    "grammar while another follows meaning. Their outputs are put side by side (concatenated) and "
    "mixed by one more matrix, W_o.",
)
st.latex(r"\operatorname{MultiHead}(X) = \operatorname{Concat}(\text{head}_1,\dots,\text{head}_h)\,W_o")
st.latex(r"\text{head}_i = \operatorname{softmax}\!\left(\frac{Q_iK_i^\top}{\sqrt{d_{model}/h}}\right)V_i")

tokens = sentence_input(
    PAGE, examples=("The animal didn't cross the road because it was tired", "The cat sat on the mat")
)
if tokens is None:
    st.stop()
labels, n = unique_labels(tokens.words), len(tokens.words)
controls = st.columns(3)
d_model = url_state.select_slider(controls[0], "d_model", D_MODELS, value=16, key=f"{PAGE}_d_model")
divisors = [h for h in range(1, d_model + 1) if d_model % h == 0]
heads = url_state.select_slider(
    controls[1],
    "Heads",
    divisors,
    value=4 if 4 in divisors else divisors[0],
    key=f"{PAGE}_heads_{d_model}",
    help="Only divisors of d_model: each head gets d_model / heads columns.",
)
n_layers = url_state.slider(controls[2], "Layers stacked", 1, 6, 1, key=f"{PAGE}_layers")
use_pe = url_state.toggle(st, "Add positional encoding to the input", value=True, key=f"{PAGE}_pe")

X = layer_norm(resize_dimensions(embed(tokens.words, TOY).vectors, d_model, seed=session.seed()))
X = add_positions(X) if use_pe else X
layers = [MultiHeadSelfAttention(d_model, heads, seed=session.seed() + 10 * i) for i in range(n_layers)]
inputs, results = stack_layers(X, layers)
shown = (
    url_state.slider(st, "Layer to inspect", 1, n_layers, n_layers, key=f"{PAGE}_shown_{n_layers}")
    if n_layers > 1
    else 1
)
layer, result, x_in = layers[shown - 1], results[shown - 1], inputs[shown - 1]
d_head = d_model // heads
columns = [str(c) for c in range(d_model)]

section(f"Layer {shown}: {heads} heads")
if predict(
    f"{PAGE}_predict_{d_model}_{heads}",
    f"with d_model = {d_model} and {heads} heads, how many columns does each head's query have?",
    sorted({str(d_model), str(d_head), str(heads), "1"}, key=int),
    str(d_head),
    f"The {d_model} columns are split evenly: {d_model} / {heads} = {d_head} per head.",
):
    blocks = column_blocks(d_model, [f"head {c // d_head + 1}" for c in range(d_model)], x_title="column of Q = X·W_q")
    blocks["autosize"] = {"type": "fit-x", "contains": "padding"}  # Streamlit's default "fit" squeezes it to 0 px
    blocks["encoding"]["color"].update(scale={"scheme": "tableau20"}, legend={"orient": "bottom", "columns": 8})
    st.markdown(f"**Which columns of Q, K, V each head owns** ({d_head} each)")
    render(blocks, key=f"{PAGE}_blocks", width="content")
    q = project_qkv(x_in, layer.w_q, layer.w_k, layer.w_v)[0].detach()
    show_matrix(
        q,
        labels,
        columns,
        key=f"{PAGE}_q",
        numbers=False,
        title="Q for all heads",
        col_title="column",
        value_title="q",
        overlay=False,
    )
else:
    st.caption("Answer above to see how the columns are shared out.")

section("One attention map per head")


@st.fragment
def head_maps(weights, labels: list[str]) -> None:
    grid, big = side_by_side(2, len(labels))
    heads = weights.shape[0]
    size = max(40, min(120, (260 if len(labels) <= 12 else 560) // min(heads, 4) - 8))
    render(head_grid(weights, size), target=grid, width="content")
    grid.caption(
        "Rows: the word attending; columns: the word attended to; same colours as the map beside. With many "
        "words each weight is small and the maps look dark: choose **each row stretched** under *Attention "
        "colours* in the sidebar to see every row's pattern."
    )
    with big:
        options = [f"head {h + 1}" for h in range(heads)]
        picked = url_state.selectbox(st, "Head to see with its labels", options, key=f"{PAGE}_head_{heads}")
        h = options.index(picked)
        show_matrix(
            weights[h],
            labels,
            labels,
            key=f"{PAGE}_head",
            title=picked,
            row_title="word attending",
            col_title="attended to",
            value_title="weight",
            domain=(0, 1),
        )


head_maps(result.weights, labels)

section("Concatenate, then mix with W_o")
for place, matrix, name, title in zip(
    side_by_side(2, max(n, d_model // 2)),  # two 24-column maps still fit side by side
    (result.concat, result.output),
    ("concat", "output"),
    ("Concat(head outputs)", "× W_o = layer output"),
):
    with place:
        show_matrix(
            matrix,
            labels,
            columns,
            key=f"{PAGE}_{name}",
            title=title,
            col_title="column",
            value_title="value",
            overlay=False,
        )
difference = max_difference_to_torch(layer, x_in)
st.metric("Largest difference from torch.nn.MultiheadAttention with the same weights", small_number(difference))
st.caption("Outputs and per-head weights compared number by number; float32 rounding alone would allow about 10⁻⁷.")

if n_layers > 1:
    section("Stacking layers")
    drift = residual_drift(inputs)
    frame = pd.DataFrame({"layer": range(1, n_layers + 1), "mean distance": drift})
    spec = lines(frame, "layer", "mean distance", title="Mean distance of each word from its original embedding")
    spec["encoding"]["x"]["axis"] = {"values": list(frame.layer), "format": "d"}  # integer ticks only
    render(spec, key=f"{PAGE}_drift")
    st.markdown(
        "Each layer adds its output to its input (a residual connection), so each word's vector gathers more "
        "context layer by layer: " + ", ".join(f"layer {i}: **{d:.2f}**" for i, d in enumerate(drift, 1)) + "."
    )

page_export(
    PAGE,
    {
        "words": tokens.words,
        "X": X,
        "heads": heads,
        "layers": n_layers,
        "weights": [r.weights for r in results],
        "final": inputs[-1],
    },
    snippet=snippets.multi_head(X, tokens.words, positions=use_pe, layers=n_layers, heads=heads, seed=session.seed()),
)
explain(
    "- d_model is split evenly into the heads (d_model / heads columns each): the total work is the same as "
    "one wide head, but each head has its own softmax, so it can focus on something different.\n"
    "- **Concat** puts the heads' outputs side by side (back to d_model columns); **W_o** mixes them.\n"
    "- Real models stack layers (MiniLM: 6 layers × 12 heads) with residual connections, layer "
    "normalisation and a feed-forward block in each; this page keeps only the attention."
)
show_code(
    layer_norm,
    MultiHeadSelfAttention,
    multi_head_attention,
    split_heads,
    merge_heads,
    project_qkv,
    stack_layers,
    residual_drift,
    max_difference_to_torch,
    to_torch_multihead,
)
