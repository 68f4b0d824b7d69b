import pandas as pd
import streamlit as st

from core import complexity
from ui import session, url_state
from ui.charts import render
from ui.navigation import COST
from ui.present import section
from ui.quiz import predict
from ui.specs import lines, series_lines
from ui.widgets import explain, page_header, show_code

PAGE = COST.id
RESULTS = f"{PAGE}_results"  # the last measurement: (device, d, records)


page_header(
    "Cost of attention",
    "Attention compares every word with every word: for n tokens that is an n × n matrix. An RNN "
    "does n small steps, one after another. Which is faster depends on n, on the width d, and on "
    "how much the hardware can do in parallel — so here we **measure** it, on this machine.",
)


@st.fragment
def table_section() -> None:
    d = url_state.slider(
        st,
        "Model width d",
        16,
        2048,
        512,
        16,
        key=f"{PAGE}_d",
        help="d_model: the length of each token's vector (512 in the original Transformer).",
    )
    st.markdown(  # no-break spaces keep each O(·) on one line in a phone's narrow cells
        "| layer | work per layer | sequential steps | longest path between two words |\n"
        "|---|---|---|---|\n"
        "| self-attention | O(n²\u00a0·\u00a0d) | O(1) | O(1) |\n"
        "| recurrent | O(n\u00a0·\u00a0d²) | O(n) | O(n) |\n\n"
        f"Self-attention does less work than a recurrent layer while **n < d**: with d = {d}, attention "
        f"is cheaper for sentences shorter than **{d} tokens** and dearer beyond."
    )
    sizes = sorted({2**k for k in range(3, 16)} | {d})
    axes = dict(log_x=True, log_y=True, x_ticks=[8, 64, 512, 4096, 32768], tick_format=",d", y_format="~s")
    title = f"work per layer, d = {d} (crossover at n = d)"
    spec = series_lines(
        sizes, complexity.operations_by_size(sizes, d), x="n", y="multiply-adds", group="layer", title=title, **axes
    )
    render(spec, key=f"{PAGE}_ops")


@st.fragment
def measurement_section() -> None:
    device = session.device()
    controls = st.columns(3)
    choices = [256, 512, 1024, 2048, 4096] + ([8192, 16384] if device.type == "cuda" else [])
    largest = url_state.select_slider(controls[0], "Largest n", choices, value=1024, key=f"{PAGE}_max_n")
    width = url_state.select_slider(controls[1], "d", [32, 64, 128, 256], value=64, key=f"{PAGE}_width")
    repeats = url_state.slider(controls[2], "Repeats (median)", 1, 9, 5, key=f"{PAGE}_repeats")
    if st.button("Run the measurement", type="primary", key=f"{PAGE}_run", icon=":material/timer:"):
        progress, ns = st.progress(0.0, text="Measuring…"), complexity.sizes_to_time(largest)
        st.session_state[RESULTS] = (
            device.type,
            width,
            complexity.measure_scaling(ns, width, device, repeats, progress.progress),
        )
        progress.empty()
    if RESULTS not in st.session_state:
        st.info(
            f"Two steps. **1.** Press **Run the measurement** above: it times one attention pass and one RNN pass "
            f"at every n up to {largest} (a few seconds with the defaults) and keeps the timings hidden. **2.** A "
            f"question then asks which pass was faster at n = {largest}; the timings appear once you answer.",
            icon=":material/timer:",
        )
        return
    measured_on, measured_d, rows = st.session_state[RESULTS]
    n_max, at_largest = complexity.times_at_largest(rows)
    answer, also_right = complexity.compare_times(at_largest)
    answered = predict(
        f"{PAGE}_predict",
        f"the measurement has run, its timings hidden. At n = {n_max}, d = {measured_d}, which pass was faster?",
        ["RNN", "attention", "about the same"],
        answer,
        f"At n = {n_max}: attention {at_largest['attention']:.2f} ms, RNN {at_largest['RNN']:.2f} ms, "
        f"on {measured_on}.",
        also_right=also_right,
        tie_note=f"Timings within {complexity.TIE_TOLERANCE:.0%} of each other count as about the same.",
        waiting="Answer above to see the timings at every n.",
    )
    if not answered:
        return
    results = pd.DataFrame(rows).astype({"measured peak (MiB)": float})  # None (not measured) -> "—"
    axes = dict(log_x=True, log_y=True, x_ticks=sorted({r["n"] for r in rows}), tick_format=",d", y_format="~g")
    title = f"one pass, d = {measured_d}, on {measured_on}"
    render(lines(results, "n", "milliseconds", color="model", title=title, **axes), key=f"{PAGE}_timings")
    exponents = complexity.tail_exponents(rows)
    cols = st.columns(2)
    cols[0].metric("Fitted exponent, attention (largest n)", f"n^{exponents['attention']:.2f}", help="Theory: 2.")
    cols[1].metric("Fitted exponent, RNN (largest n)", f"n^{exponents['RNN']:.2f}", help="Theory: 1 (n steps).")
    formats = {"milliseconds": "{:.3f}", "n×n matrix (MiB)": "{:.2f}", "measured peak (MiB)": "{:.2f}"}
    st.dataframe(results.style.format(formats, na_rep="—"), hide_index=True, key=f"{PAGE}_table")
    st.caption(
        "Small n: both are dominated by fixed per-call overheads, so the curves are flat. Large n: "
        "attention's n² shows once the matrix no longer fits in fast memory or the cores are saturated; "
        "parallel hardware (a GPU) hides it for longer. The RNN's n steps can never run in parallel. "
        "Exponents are fitted over the largest n (n ≥ largest / 8). The n×n matrix size is computed "
        "(4 bytes per score); peak memory is measured on CUDA only."
    )


@st.fragment
def steps_section() -> None:
    n = url_state.slider(st, "Sentence length n", 1, 4096, 512, key=f"{PAGE}_n_steps")
    steps = {
        "": ["dependent steps", "scores held at once", "hops between word 1 and word n"],
        "RNN": [f"{n:,}", "d (the state)", f"{max(n - 1, 0):,}"],
        "self-attention": ["1 matrix product", f"{n * n:,} (n²)", "1"],
    }
    st.table(pd.DataFrame(steps), hide_index=True)  # plain: its text wraps on a phone


section("1 · The paper's table")
table_section()
section("2 · Measured on this machine")
measurement_section()
section("3 · Steps that must wait for each other")
steps_section()

explain(
    "- Attention trades **work** (n² pairs) for **parallelism** (one step) and **short paths** (every pair "
    "one hop apart).\n"
    "- For the sentence lengths of the 2017 paper (n < d) attention was even cheaper in total work.\n"
    "- For very long inputs the n² memory becomes the limit, which is why long-context models use "
    "tricks such as FlashAttention, sparse or sliding-window attention."
)
show_code()
