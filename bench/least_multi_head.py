"""The multi-head page cut down to what its d_model slider must redraw: no navigation, no header,
formulas or sentence box, nothing that stays the same when d_model moves. The sidebar is an empty
one and the page keeps the app's margins, so every chart is as wide as on the lesson (a wider
canvas takes longer to paint: without a sidebar the four charts answered ~15 % slower).

    streamlit run bench/least_multi_head.py
      /?keep=charts        the d_model slider and the four charts it changes (every head's map, the
                           labelled head, Concat and the output), titles above them, nothing else
      /?keep=dependents    the same charts as the lesson draws them (title, strongest links, Show
                           numbers, download menu), plus what else follows d_model: the Heads slider
                           (its choices are d_model's divisors), the question (it names d_model) and
                           the comparison with torch

bench/floor.py times both against the trivial app: if even these miss the target, the lesson cannot
meet it while it draws every chart its first slider changes and keeps every number live.
"""

import streamlit as st

from core import multi_head
from core.embeddings import embed, resize_dimensions, toy_vocabulary
from core.layers import max_difference_to_torch, seeded_layers
from core.normalisation import layer_norm
from core.numbers import readable_number
from core.positional import add_positions
from core.text import tokenize, unique_labels
from ui import session
from ui.charts import attention_map, render, show_matrix, side_by_side
from ui.present import start_page
from ui.quiz import predict
from ui.specs import head_grid, heatmap

D_MODELS = [8, 12, 16, 24, 32, 48, 64]  # as on the lesson, which opens on 16 with 4 heads
GRID_WIDTH = 640  # as the lesson draws every head's map on a laptop

st.set_page_config(page_title="Attention Lab: least multi-head", layout="wide")
start_page("least_multi_head")  # the app's page margins
st.sidebar.caption("Empty: the lesson app's sidebar takes this much of the window.")
everything = st.query_params.get("keep") == "dependents"
words = tokenize(session.DEFAULT_SENTENCE).words
labels = unique_labels(words)
d_model = st.select_slider("d_model", D_MODELS, value=16, key="d_model")
heads = 4  # stays 4 for every d_model the bench moves through (16, 24)
if everything:
    divisors = multi_head.head_counts(d_model)
    heads = st.select_slider("Heads", divisors, value=4 if 4 in divisors else divisors[0], key=f"heads_{d_model}")
X = add_positions(layer_norm(resize_dimensions(embed(words, toy_vocabulary()).vectors, d_model, seed=0)))
layer = seeded_layers(d_model, heads, 1, seed=0)[0]
result = layer(X)
columns = [str(c) for c in range(d_model)]
palette = session.palette()
if everything:
    d_head = d_model // heads
    question = f"with d_model = {d_model} and {heads} heads, how many columns does each head's query have?"
    options = sorted({str(d_model), str(d_head), str(heads), "1"}, key=int)
    predict(f"predict_{d_model}_{heads}", question, options, str(d_head), "Split evenly.")

grid, big = side_by_side(2, len(labels))
outputs = side_by_side(2, max(len(labels), d_model // 2))
if everything:  # the lesson's own chart helpers, with everything they draw around a chart
    render(head_grid(result.weights, labels, palette=palette, width=GRID_WIDTH), target=grid, width="content")
    with big:
        attention_map(result.weights[0], labels, key="head", title="head 1", asking="word attending", attended="to")
    for place, name, matrix in zip(outputs, ("concat", "output"), (result.concat, result.output)):
        with place:
            show_matrix(matrix, labels, columns, key=name, title=name, col_title="column", overlay=False)
    difference = max_difference_to_torch(layer, X)
    shown = "0 (identical here)" if difference == 0 else readable_number(difference)
    st.metric("Largest difference from torch.nn.MultiheadAttention with the same weights", shown)
else:  # the same four specs, without menus, captions or switches (render draws no menu without a key)
    render(head_grid(result.weights, labels, palette=palette, width=GRID_WIDTH), target=grid, width="content")
    render(heatmap(result.weights[0], labels, labels, palette=palette, domain=(0, 1)), target=big)
    for place, matrix in zip(outputs, (result.concat, result.output)):
        render(heatmap(matrix, labels, columns, palette=palette, col_title="column", overlay=False), target=place)
