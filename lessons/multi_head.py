import streamlit as st
import torch

from core.embeddings import embed, resize_dimensions, toy_vocabulary
from core.multi_head import MultiHeadSelfAttention, merge_heads, multi_head_attention, split_heads, to_torch_multihead
from core.normalisation import layer_norm
from core.positional import add_positions
from core.text import unique_labels
from ui import session, url_state
from ui.charts import render, show_matrix
from ui.export import literal, page_export
from ui.navigation import MULTI_HEAD
from ui.present import section
from ui.quiz import predict
from ui.specs import column_blocks
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = MULTI_HEAD.id
TOY = toy_vocabulary()
D_MODELS = [8, 12, 16, 24, 32, 48, 64]

page_header(
    "Multi-head attention",
    "One head gives each word one way of looking at the sentence. **Multi-head** attention splits "
    "d_model into several narrower heads, each with its own W_q, W_k, W_v, so one head can follow "
    "grammar while another follows meaning. Their outputs are put side by side (concatenated) and "
    "mixed by one more matrix, W_o.",
)
st.latex(
    r"\operatorname{MultiHead}(X) = \operatorname{Concat}(\text{head}_1,\dots,\text{head}_h)\,W_o,\quad "
    r"\text{head}_i = \operatorname{softmax}\!\left(\frac{Q_iK_i^\top}{\sqrt{d_{model}/h}}\right)V_i"
)

tokens = sentence_input(
    PAGE, examples=("The animal didn't cross the road because it was tired", "The cat sat on the mat")
)
if tokens is None:
    st.stop()
labels = unique_labels(tokens.words)

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
if use_pe:
    X = add_positions(X)
layers = [MultiHeadSelfAttention(d_model, heads, seed=session.seed() + 10 * i) for i in range(n_layers)]
inputs, results = [X], []
with torch.no_grad():
    for layer in layers:
        result = layer(inputs[-1])
        results.append(result)
        inputs.append(inputs[-1] + result.output)  # residual: each layer adds to what it was given

shown = (
    url_state.slider(st, "Layer to inspect", 1, n_layers, n_layers, key=f"{PAGE}_shown_{n_layers}") - 1
    if n_layers > 1
    else 0
)
layer, result, x_in = layers[shown], results[shown], inputs[shown]
d_head = d_model // heads
predict(
    f"{PAGE}_predict_{d_model}_{heads}",
    f"with d_model = {d_model} and {heads} heads, how many columns does each head's query have?",
    sorted({str(d_model), str(d_head), str(heads), "1"}, key=int),
    str(d_head),
    f"The {d_model} columns are split evenly: {d_model} / {heads} = {d_head} per head.",
)

section(f"Layer {shown + 1}: {heads} heads of width {d_head}")
q_full = (x_in @ layer.w_q).detach()
render(
    column_blocks(
        d_model,
        [f"head {c // d_head + 1}" for c in range(d_model)],
        x_title="column of Q = X·W_q",
        title="Which columns of Q, K, V each head owns",
    ),
    key=f"{PAGE}_blocks",
    width="content",
)
show_matrix(
    q_full,
    labels,
    [str(c) for c in range(d_model)],
    key=f"{PAGE}_q",
    numbers=False,
    title="Q for all heads (columns split as above)",
    col_title="column",
    value_title="q",
    overlay=False,
)

section("One attention map per head")
per_row = 4
for start in range(0, heads, per_row):
    columns = st.columns(per_row)
    for offset, column in enumerate(columns):
        h = start + offset
        if h < heads:
            with column:
                show_matrix(
                    result.weights[h],
                    labels,
                    labels,
                    key=f"{PAGE}_head_{h}",
                    numbers=False,
                    title=f"head {h + 1}",
                    overlay=False,
                    domain=(0, 1),
                    value_title="weight",
                )

section("Concatenate, then mix with W_o")
left, right = st.columns(2)
with left:
    show_matrix(
        result.concat,
        labels,
        [str(c) for c in range(d_model)],
        key=f"{PAGE}_concat",
        title="Concat(head outputs)",
        col_title="column",
        value_title="value",
        overlay=False,
    )
with right:
    show_matrix(
        result.output,
        labels,
        [str(c) for c in range(d_model)],
        key=f"{PAGE}_output",
        title="× W_o = layer output",
        col_title="column",
        value_title="value",
        overlay=False,
    )

reference = to_torch_multihead(layer)
with torch.no_grad():
    theirs, their_weights = reference(x_in[None], x_in[None], x_in[None], average_attn_weights=False)
difference = max(float((theirs[0] - result.output).abs().max()), float((their_weights[0] - result.weights).abs().max()))
st.metric("max |ours − torch.nn.MultiheadAttention| (same weights)", f"{difference:.1e}")

if n_layers > 1:
    section("Stacking layers")
    drift = [float((inputs[i + 1] - inputs[0]).norm(dim=-1).mean()) for i in range(n_layers)]
    st.markdown(
        "Each layer adds its output to its input (a residual connection), so each word's vector "
        "gathers more context layer by layer. Mean distance from the original embeddings: "
        + ", ".join(f"layer {i + 1}: **{d:.2f}**" for i, d in enumerate(drift))
        + "."
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
    snippet=f"""import math
import torch


def init(d_in, d_out, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(d_in, d_out, generator=generator) / math.sqrt(d_in)


def multi_head(x, W_q, W_k, W_v, W_o, heads):
    n, d = x.shape
    q, k, v = ((x @ W).reshape(n, heads, d // heads).transpose(0, 1) for W in (W_q, W_k, W_v))
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // heads), dim=-1)
    return (weights @ v).transpose(0, 1).reshape(n, d) @ W_o, weights


X = {literal(X)}  # input (layer norm{" + positions" if use_pe else ""}) of: {" ".join(tokens.words)}
x, weights = X, []
for layer in range({n_layers}):
    out, w = multi_head(x, *(init({d_model}, {d_model}, {session.seed()} + 10 * layer + i) for i in range(4)), {heads})
    weights.append(w)
    x = x + out  # residual
final = x
""",
)

explain(
    f"- d_model = {d_model} is split into {heads} heads of {d_head} columns: the total work is the same as "
    "one wide head, but each head has its own softmax, so it can focus on something different.\n"
    "- **Concat** puts the heads' outputs side by side (back to d_model columns); **W_o** mixes them.\n"
    "- Real models stack layers (MiniLM: 6 layers × 12 heads) with residual connections, layer "
    "normalisation and a feed-forward block in each; this page keeps only the attention."
)
show_code(multi_head_attention, split_heads, merge_heads, MultiHeadSelfAttention, to_torch_multihead)
