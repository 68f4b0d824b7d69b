import pandas as pd
import streamlit as st

from core.complexity import (
    loglog_slope,
    operations_per_layer,
    time_attention,
    time_recurrent,
)
from ui import session, url_state
from ui.charts import render
from ui.navigation import COST
from ui.present import section
from ui.quiz import predict
from ui.specs import lines
from ui.widgets import explain, page_header, show_code

PAGE = COST.id

page_header(
    "Cost of attention",
    "Attention compares every word with every word: for n tokens that is an n × n matrix. An RNN "
    "does n small steps, one after another. Which is faster depends on n, on the width d, and on "
    "how much the hardware can do in parallel — so here we **measure** it, on this machine.",
)

section("1 · The paper's table")
d_user = url_state.slider(
    st,
    "Model width d",
    16,
    2048,
    512,
    16,
    key=f"{PAGE}_d",
    help="d_model: the length of each token's vector (512 in the original Transformer).",
)
st.markdown(
    "| layer | work per layer | sequential steps | longest path between two words |\n"
    "|---|---|---|---|\n"
    "| self-attention | O(n² · d) | O(1) | O(1) |\n"
    "| recurrent | O(n · d²) | O(n) | O(n) |\n\n"
    f"Self-attention does less work than a recurrent layer while **n < d**: with d = {d_user}, attention "
    f"is cheaper for sentences shorter than **{d_user} tokens** and dearer beyond."
)
sizes = sorted({2**k for k in range(3, 16)} | {d_user})
ops = pd.concat(
    [
        pd.DataFrame(
            {"n": sizes, "multiply-adds": [operations_per_layer(n, d_user)[layer] for n in sizes], "layer": layer}
        )
        for layer in ("self-attention", "recurrent")
    ]
)
render(
    lines(
        ops,
        "n",
        "multiply-adds",
        color="layer",
        log_x=True,
        log_y=True,
        title=f"work per layer, d = {d_user} (crossover at n = d)",
    ),
    key=f"{PAGE}_ops",
)

section("2 · Measured on this machine")
device = session.device()
controls = st.columns(3)
largest = url_state.select_slider(
    controls[0],
    "Largest n",
    [256, 512, 1024, 2048, 4096] + ([8192, 16384] if device.type == "cuda" else []),
    value=1024,
    key=f"{PAGE}_max_n",
)
width = url_state.select_slider(controls[1], "d", [32, 64, 128, 256], value=64, key=f"{PAGE}_width")
repeats = url_state.slider(controls[2], "Repeats (median)", 1, 9, 5, key=f"{PAGE}_repeats")
QUESTION = ("at the largest n, which pass is faster?", ["the RNN", "attention", "about the same"])
if st.button("Run the measurement", type="primary", key=f"{PAGE}_run", icon=":material/timer:"):
    ns = [n for n in (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384) if n <= largest]
    progress = st.progress(0.0, text="Measuring…")
    rows = []
    for i, n in enumerate(ns):
        progress.progress(i / len(ns), text=f"n = {n}: attention and RNN on {device.type}")
        for model, timing in (
            ("attention", time_attention(n, width, device, repeats)),
            ("RNN", time_recurrent(n, width, device, repeats)),
        ):
            rows.append(
                {
                    "n": n,
                    "model": model,
                    "milliseconds": timing.seconds * 1000,
                    "n×n matrix (MiB)": timing.matrix_bytes / 2**20,
                    "measured peak (MiB)": float("nan") if timing.peak_bytes is None else timing.peak_bytes / 2**20,
                }
            )
    progress.empty()
    st.session_state[f"{PAGE}_results"] = (device.type, width, pd.DataFrame(rows))

if f"{PAGE}_results" in st.session_state:
    measured_on, measured_d, results = st.session_state[f"{PAGE}_results"]
    render(
        lines(
            results,
            "n",
            "milliseconds",
            color="model",
            log_x=True,
            log_y=True,
            title=f"one pass, d = {measured_d}, on {measured_on}",
        ),
        key=f"{PAGE}_timings",
    )
    slopes = {}
    for model, group in results.groupby("model"):
        tail = group[group["n"] >= group["n"].max() / 8]  # the large-n end, where fixed overheads fade
        slopes[model] = loglog_slope(tail["n"].tolist(), tail["milliseconds"].tolist())
    cols = st.columns(2)
    cols[0].metric(
        "Fitted exponent, attention (largest n)",
        f"n^{slopes['attention']:.2f}",
        help="Theory: 2 once the n² work dominates.",
    )
    cols[1].metric(
        "Fitted exponent, RNN (largest n)", f"n^{slopes['RNN']:.2f}", help="Theory: 1 (n steps of fixed size)."
    )
    largest_row = results[results["n"] == results["n"].max()].set_index("model")["milliseconds"]
    faster = "attention" if largest_row["attention"] < largest_row["RNN"] else "the RNN"
    predict(
        f"{PAGE}_predict",
        *QUESTION,
        faster,
        f"At n = {results['n'].max()}: attention "
        f"{largest_row['attention']:.2f} ms, RNN {largest_row['RNN']:.2f} ms, on {measured_on}.",
    )
    st.dataframe(
        results.style.format(
            {"milliseconds": "{:.3f}", "n×n matrix (MiB)": "{:.2f}", "measured peak (MiB)": "{:.2f}"}, na_rep="—"
        ),
        hide_index=True,
        key=f"{PAGE}_table",
    )
    st.caption(
        "Small n: both are dominated by fixed per-call overheads, so the curves are flat. Large n: "
        "attention's n² shows once the matrix no longer fits in fast memory or the cores are saturated; "
        "parallel hardware (a GPU) hides it for longer. The RNN's n steps can never run in parallel. "
        "The n×n matrix size is computed (4 bytes per score); peak memory is measured on CUDA only."
    )
else:
    url_state.radio(st, f"**Predict first:** {QUESTION[0]}", QUESTION[1], index=None, key=f"{PAGE}_predict")
    st.info(
        "Make your prediction, then press **Run the measurement** (a few seconds with the defaults).",
        icon=":material/timer:",
    )

section("3 · Steps that must wait for each other")
n_steps = url_state.slider(st, "Sentence length n", 1, 4096, 512, key=f"{PAGE}_n_steps")
st.dataframe(
    pd.DataFrame(
        {
            "": ["dependent steps", "scores held at once", "hops between word 1 and word n"],
            "RNN": [f"{n_steps:,}", f"{width:,} (the state)", f"{max(n_steps - 1, 0):,}"],
            "self-attention": ["1 matrix product", f"{n_steps * n_steps:,} (n²)", "1"],
        }
    ),
    hide_index=True,
    key=f"{PAGE}_steps",
)

explain(
    "- Attention trades **work** (n² pairs) for **parallelism** (one step) and **short paths** (every pair "
    "one hop apart).\n"
    "- For the sentence lengths of the 2017 paper (n < d) attention was even cheaper in total work.\n"
    "- For very long inputs the n² memory becomes the limit, which is why long-context models use "
    "tricks such as FlashAttention, sparse or sliding-window attention."
)
show_code(time_attention, time_recurrent, loglog_slope, operations_per_layer)
