import time

import pandas as pd
import streamlit as st

from core.attention import first_principles_attention
from core.embeddings import embed, toy_vocabulary
from core.recurrent import (
    first_token_influence,
    hidden_states,
    influence_by_distance,
    make_recurrent,
)
from core.text import unique_labels
from ui import session, url_state
from ui.charts import render, show_matrix
from ui.export import page_export
from ui.navigation import WHY
from ui.present import section
from ui.quiz import predict
from ui.specs import bars, lines, vector_bars
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = WHY.id
TOY = toy_vocabulary()
D_HIDDEN = 8

page_header(
    "Why attention?",
    "Before transformers, language models were **recurrent**: an RNN or LSTM reads one word per "
    "step and carries everything it has read in **one hidden vector**. That makes them slow (step "
    "t must wait for step t − 1), forgetful (early words fade), and squeezed (a whole sentence in a "
    "few numbers). Attention lets every word look at every other word directly, all at once.",
)

tokens = sentence_input(
    PAGE, examples=("Apple launched a new phone", "The animal didn't cross the road because it was tired")
)
if tokens is None:
    st.stop()
labels = unique_labels(tokens.words)
E = embed(tokens.words, TOY).vectors

# --- 1. one step at a time ---------------------------------------------------------------------------
section("1 · One word per step vs all pairs at once")
kind = url_state.radio(
    st,
    "Recurrent model",
    ["RNN", "LSTM"],
    horizontal=True,
    key=f"{PAGE}_kind",
    help="Seeded torch.nn.RNN / torch.nn.LSTM, untrained (PyTorch's default random initialisation).",
)
rnn = make_recurrent(kind, E.shape[-1], D_HIDDEN, seed=session.seed())
states = hidden_states(rnn, E)
step = (
    url_state.slider(
        st, "Step", 1, len(labels), len(labels), key=f"{PAGE}_step", help="How many words the recurrent model has read."
    )
    if len(labels) > 1
    else 1
)
animate = st.button("Play the steps", key=f"{PAGE}_play", icon=":material/play_arrow:")
left, right = st.columns(2)
with left:
    st.subheader(f"{kind}: step by step")
    read_slot, state_slot = st.empty(), st.empty()
with right:
    st.subheader("Attention: one matrix product")
    show_matrix(
        first_principles_attention(E).weights,
        labels,
        labels,
        key=f"{PAGE}_attention",
        domain=(0, 1),
        title="every pair, computed together",
        row_title="word",
        col_title="looks at",
        value_title="weight",
    )


def draw(step: int) -> None:
    # words are letters, digits and apostrophes only (core.text), so they are safe inside :gray[...]
    read_slot.markdown(
        " ".join(f"**{w}**" if i < step else f":gray[{w}]" for i, w in enumerate(labels))
        + f"  \nRead {step} of {len(labels)} words: {step} dependent steps so far."
    )
    render(
        vector_bars(
            {f"h after “{labels[step - 1]}”": states[step - 1]},
            [f"h{i}" for i in range(D_HIDDEN)],
            title=f"the whole memory: {D_HIDDEN} numbers",
        ),
        target=state_slot,
    )


if animate:
    for t in range(1, len(labels) + 1):
        draw(t)
        time.sleep(0.6)
else:
    draw(step)
st.caption(
    f"The {kind} must finish word t before starting word t + 1, and all it remembers is the "
    f"{D_HIDDEN}-number state above (the bottleneck). Attention needs no loop: the weights of every "
    "pair come out of one matrix product."
)

# --- 2. forgetting ------------------------------------------------------------------------------
section("2 · Forgetting, measured")
st.markdown(
    "How much can the **first** word still change the **last** output? Autograd gives the size of "
    "∂(last output)/∂(first input). For a recurrent model the signal passes through every step in "
    "between and shrinks at each; for attention it is one hop, whatever the distance (it only shares "
    "the last word's attention with the other n − 1 words)."
)
max_n = url_state.slider(st, "Longest sequence", 8, 128, 64, 8, key=f"{PAGE}_max_n")


@st.cache_data(max_entries=32, show_spinner="Differentiating through every step…")
def influence_table(max_n: int, seed: int) -> pd.DataFrame:
    lengths = sorted({2, 4, 8, 16, 32, 64, 128, max_n} & set(range(2, max_n + 1)))
    rows = []
    for model, name in (("rnn", "RNN"), ("lstm", "LSTM"), ("attention", "attention")):
        for n, value in zip(lengths, influence_by_distance(model, lengths, d_in=16, d_hidden=16, seed=seed)):
            rows.append({"distance n": n, "influence": max(value, 1e-12), "model": name})
    return pd.DataFrame(rows)


frame = influence_table(max_n, session.seed())
lengths = sorted(frame["distance n"].unique())
last = frame[frame["distance n"] == lengths[-1]].set_index("model")["influence"]
predict(
    f"{PAGE}_predict",
    f"at distance n = {lengths[-1]}, which model keeps the most of the first word's influence?",
    ["RNN", "LSTM", "attention"],
    str(last.idxmax()),
    f"RNN {last['RNN']:.1e}, LSTM {last['LSTM']:.1e}, attention {last['attention']:.1e} (measured just now).",
)
render(
    lines(
        frame,
        "distance n",
        "influence",
        color="model",
        log_x=True,
        log_y=True,
        title="‖∂ last output / ∂ first input‖ (random inputs, untrained models)",
    ),
    key=f"{PAGE}_influence",
)
st.caption(
    f"At n = {lengths[-1]}: RNN {last['RNN']:.1e}, LSTM {last['LSTM']:.1e}, attention {last['attention']:.1e}. "
    "Recurrent influence falls exponentially (a straight drop on this log scale); attention's falls "
    "only as its weight is shared among more words."
)

# --- 3. Apple -----------------------------------------------------------------------------------
section("3 · “Apple launched a new phone”")
apple_words = "apple launched a new phone".split()
apple = first_principles_attention(embed(apple_words, TOY).vectors)
left, right = st.columns(2)
with left:
    st.markdown(
        "Is *Apple* the fruit or the company? The answer is four words later, in *phone*. A left-to-right "
        "RNN has already built its state for *Apple* before it reads *phone*. With attention, *Apple* "
        "looks at the whole sentence: its vector mixes in *phone* and moves toward technology."
    )
    render(
        bars(
            pd.DataFrame({"word": apple_words, "weight": apple.weights[0].tolist()}),
            "word",
            "weight",
            sort=apple_words,
            title="what “apple” attends to",
            highlight="phone",
        ),
        key=f"{PAGE}_apple",
    )
with right:
    render(
        vector_bars(
            {"apple (static)": embed(["apple"], TOY).vectors[0], "apple (after attention)": apple.output[0]},
            list(TOY.dimensions),
            title="apple, before and after",
        ),
        key=f"{PAGE}_apple_bars",
    )
st.page_link("lessons/static_embeddings.py", label="Next: how words become vectors", icon=":material/arrow_forward:")

page_export(
    PAGE, {"words": tokens.words, "model": kind, "hidden_states": states, "influence": frame.to_dict("records")}
)

explain(
    "- **Slow**: an RNN does n dependent steps; attention does one big matrix product that hardware "
    "runs in parallel.\n"
    "- **Forgetful**: the first word's effect on the last state shrinks at every step.\n"
    "- **Bottleneck**: everything read so far must fit in one fixed-size state.\n"
    "- Attention's price: it compares every pair of words, n² of them — see *Cost of attention*."
)
show_code(make_recurrent, hidden_states, first_token_influence, influence_by_distance)
