import time

import streamlit as st
import torch

from core import recurrent
from core.attention import first_principles_attention
from core.embeddings import Lean, embed, lean, toy_vocabulary
from core.numbers import power_of_ten, readable_number
from core.text import unique_labels, words_or_nothing
from ui import scrub, session, url_state
from ui.charts import matrix_frame, numbers_table, render, show_matrix, side_by_side
from ui.compute_cache import cached_influence_curves
from ui.export import chart_downloads, page_export
from ui.navigation import WHY
from ui.present import section
from ui.quiz import answered, predict
from ui.specs import powers_of_ten_axis, series_lines, vector_bars, weight_bars
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = WHY.id
QUESTION = f"{PAGE}_predict"  # which model keeps the first word's influence; "In plain words" waits for it too
TOY = toy_vocabulary()
D_HIDDEN = 8
PLAY_SECONDS = 8  # the whole animation, however long the sentence
STEP = f"{PAGE}_step"  # the URL key of the Step control (kept from the slider it replaced)
STEP_MAP, STEP_WORDS = f"{PAGE}_step_scrub", f"{PAGE}_step_words"  # the memory chart; the words it was drawn for
APPLE, APPLE_SENTENCE = "apple", "Apple launched a new phone"
SENSES = ("technology", "food")  # apple's two meanings in the toy features: the company, the fruit
KIND_HELP = "Seeded torch.nn.RNN / torch.nn.LSTM, untrained (PyTorch's default random initialisation)."


page_header(
    "Why attention?",
    "Before transformers, language models were **recurrent**: an RNN or LSTM reads one word per "
    "step and carries everything it has read in **one hidden vector**. That makes them slow (step "
    "t must wait for step t − 1) and squeezed (a whole sentence in a few numbers); whether early words "
    "fade is measured in section 2. Attention lets every word look at every other word directly, all at once.",
)
tokens = sentence_input(
    PAGE, examples=("Apple launched a new phone", "The animal didn't cross the road because it was tired")
)
if tokens is None:
    st.stop()
labels = unique_labels(tokens.words)
E = embed(tokens.words, TOY).vectors


@st.fragment
def stepping_section(labels: list[str], E: torch.Tensor) -> None:
    kind = url_state.radio(st, "Recurrent model", ["RNN", "LSTM"], horizontal=True, key=f"{PAGE}_kind", help=KIND_HELP)
    states = recurrent.hidden_states(recurrent.make_recurrent(kind, E.shape[-1], D_HIDDEN, seed=session.seed()), E)
    stepping, attention = side_by_side(2, len(labels))
    with stepping:
        st.subheader(f"{kind}: step by step")
        recurrent_steps(labels, states)
    with attention:
        st.subheader("Attention: one matrix product")
        weights, stretched = first_principles_attention(E).weights, session.rows_stretched()
        low, high = float(weights.min()), float(weights.max())
        thin = high < 0.5  # no word gives another even half its attention
        caption = (
            f"Not the sidebar's *0 to 1*: this map's colours span its own range, {low:.2f} to {high:.2f}, the two "
            "ends of its legend"
            + (" (no weight reaches 0.50: these toy vectors spread attention thinly)" if thin else "")
            + ". For long sentences, choose **each row stretched** under *Attention colours* in the sidebar to see "
            "every row's pattern."
        )
        titles = dict(
            title="every pair, computed together", row_title="word", col_title="looks at", value_title="weight"
        )
        own_range = dict(domain=(low, high), legend_values=(low, high), caption=caption)  # what the caption says
        show_matrix(  # stretched rows coloured 0 to 1, as the sidebar says, or this map's own range
            weights,
            labels,
            labels,
            key=f"{PAGE}_attention",
            **(dict(domain=(0, 1)) if stretched else own_range),
            **titles,
        )
    st.caption(
        f"The {kind} must finish word t before starting word t + 1, and all it remembers is the "
        f"{D_HIDDEN}-number state (the bottleneck). Attention needs no loop: the weights of every "
        "pair come out of one matrix product."
    )
    page_export(PAGE, {"words": labels, "model": kind, "hidden_states": states})


@st.fragment  # nested: Play and the Step's final value redraw only the words read and the memory
def recurrent_steps(labels: list[str], states: torch.Tensor) -> None:
    """The words read so far and the hidden state after them. Step answers in the browser (ui.scrub:
    every step's state is in the chart); the words read follow once the server hears where it ended."""
    n = len(labels)
    dims, reach = [f"h{i}" for i in range(D_HIDDEN)], max(float(states.abs().max()), 1e-6)
    step_scrub = scrub.Scrub(STEP, "Step (words read)", tuple(range(1, n + 1)), n)

    def memory(**position) -> dict:
        t = position[STEP]
        title = f"memory after “{labels[t - 1]}”, word {t} of {n}: {D_HIDDEN} numbers"
        return vector_bars({"hidden state h": states[t - 1]}, dims, title=title, domain=(-reach, reach))

    if st.session_state.get(STEP_WORDS, labels) != labels:  # a new sentence opens with every word read
        scrub.move(STEP_MAP, {step_scrub: n})
    st.session_state[STEP_WORDS] = labels
    animate = st.button("Play the steps", key=f"{PAGE}_play", icon=":material/play_arrow:")
    read_slot, chart_slot = st.empty(), st.empty()
    if animate:  # frames sent from this run, one word at a time; the chart then stays on the last word
        for t in range(1, n + 1):
            words_read(read_slot, t)
            frame = memory(**{STEP: t})
            frame["title"] = {"text": frame["title"], "anchor": "start", "fontSize": 14}
            chart_slot.vega_lite_chart(frame, width="stretch")
            time.sleep(min(0.6, PLAY_SECONDS / n))
        scrub.move(STEP_MAP, {step_scrub: n})
    with chart_slot.container():
        if n > 1:
            identity = (tuple(labels), tuple(states.flatten().tolist()))
            step = scrub.scrub_chart(memory, [step_scrub], key=STEP_MAP, cells=D_HIDDEN, data_id=identity)[STEP]
        else:
            step = 1
            render(memory(**{STEP: 1}))
        table = matrix_frame(states[step - 1 : step], [f"h after “{labels[step - 1]}”"], dims)
        chart_downloads(lambda: memory(**{STEP: step}), key=f"{PAGE}_memory_chart", table=table)
        numbers_table(table, key=f"{PAGE}_memory")
    words_read(read_slot, step)


def words_read(slot, step: int) -> None:
    """The sentence with its first `step` words in bold, and how many dependent steps that took."""
    n = len(tokens.words)
    # words are letters, digits and apostrophes only (core.text), so they are safe inside :gray[...]
    slot.markdown(
        " ".join(f"**{w}**" if i < step else f":gray[{w}]" for i, w in enumerate(tokens.words))
        + f"  \nRead {step} of {n} words: {step} dependent step{'s' if step > 1 else ''} so far."
    )


@st.fragment
def forgetting_section() -> None:
    max_n = url_state.slider(st, "Longest sequence", 8, 128, 64, 8, key=f"{PAGE}_max_n")
    lengths = recurrent.influence_lengths(max_n)
    curves = cached_influence_curves(lengths, d_in=16, d_hidden=16, seed=session.seed())
    last = {model: values[-1] for model, values in curves.items()}
    is_answered = predict(
        QUESTION,
        f"at distance n = {max_n}, which model keeps the most of the first word's influence?",
        list(curves),
        max(last, key=last.get),
        "; ".join(f"{model} {readable_number(value)}" for model, value in last.items()) + " (measured just now).",
        waiting="Answer above to see the influence measured at every distance.",
        whole_page=True,  # "In plain words" says who forgets only once this is answered
    )
    if not is_answered:
        return
    title = "‖∂ last output / ∂ first input‖ (random inputs, untrained models)"
    axes = dict(log_x=True, log_base=2, x_ticks=lengths, log_y=True)
    spec = series_lines(lengths, curves, x="distance n", y="influence", group="model", title=title, **axes)
    render(powers_of_ten_axis(spec), key=f"{PAGE}_influence")
    shrink = {model: values[0] / values[-1] for model, values in curves.items()}  # > 1: it fell
    st.caption(
        "Influence: how much the last output changes when the first input is nudged a little (the size of "
        "∂ last output / ∂ first input; torch's autograd works it out automatically, by running the model "
        "backwards)."
    )
    st.caption(
        f"At n = {max_n}: " + "; ".join(f"{model} {readable_number(value)}" for model, value in last.items()) + ". "
        f"From n = {lengths[0]} to n = {max_n} the first word's influence "
        + ", ".join(f"{change(factor)} for {model}" for model, factor in shrink.items())
        + f": {min(shrink, key=shrink.get)} loses the least of these untrained models (training can teach an LSTM "
        "to keep more, but every step still stands between the two words). A recurrent signal passes through every "
        "step in between (an exponential fall is a straight drop on this log scale); attention's is one hop, its "
        "weight shared among more words. Measured in 64-bit floats, so even tiny numbers are real."
    )


def lean_sentence(shift: Lean) -> str:
    """The move of apple's two senses in words, from the numbers of its before/after bars."""
    (a, b), (a0, b0), (a1, b1) = shift.features, shift.before, shift.after
    moves = f"After attention: {a} {a0:.2f} → {a1:.2f}, {b} {b0:.2f} → {b1:.2f}. "
    verbs = [verb(change) for change in shift.changes]
    if shift.toward is None or verbs == ["stays", "stays"]:
        return moves + f"The balance between {a} and {b} stays where it was."
    win, lose = shift.toward, b if shift.toward == a else a
    won, lost = verbs if win == a else verbs[::-1]
    if won == lost == "falls":  # the usual case: an average of the sentence is smaller than either sense
        how = (
            f"Both fall (the output is a weighted average of the sentence's vectors), {lose} faster: "
            f"*{APPLE}* moves away from {lose} faster than from {win}."
        )
    elif won == lost == "rises":
        how = f"Both rise, {win} faster: *{APPLE}* moves toward {win} faster than toward {lose}."
    else:
        how = f"{win.capitalize()} {won} and {lose} {lost}: *{APPLE}* moves toward {win}."
    was, now = dict(zip(shift.features, shift.before)), dict(zip(shift.features, shift.after))
    led, leads = max(was, key=was.get), max(now, key=now.get)
    ranks = (
        f" {leads.capitalize()} still leads ({now[leads]:.2f} vs {now[lose if leads == win else win]:.2f})."
        if led == leads
        else f" {led.capitalize()} led before ({was[led]:.2f} vs {was[leads]:.2f}); {leads} leads now "
        f"({now[leads]:.2f} vs {now[led]:.2f})."
    )
    return moves + how + ranks


def verb(change: float) -> str:
    """A change as the two decimals shown make it look: rises, falls, or stays."""
    return "rises" if round(change, 2) > 0 else "falls" if round(change, 2) < 0 else "stays"


@st.fragment
def apple_section() -> None:
    """Apple, fruit or company: what the words around it do to its vector, for any sentence with "apple"."""
    text = url_state.text_input(
        st, "A sentence with “apple”", APPLE_SENTENCE, key=f"{PAGE}_apple_sentence", max_chars=300
    )
    words = words_or_nothing(text)
    if APPLE not in words:
        st.info(f"Type a sentence with the word *{APPLE}* in it, for example “I ate a fresh apple”.")
        return
    at, labels = words.index(APPLE), unique_labels(words)
    result = first_principles_attention(embed(words, TOY).vectors)
    weights, after = result.weights[at], len(words) - at - 1
    shift = lean(TOY.vector(APPLE), result.output[at], TOY.dimensions, *SENSES)
    left, right = st.columns(2)
    with left:
        others = [j for j in range(len(words)) if j != at]
        strongest = max(others, key=lambda j: float(weights[j])) if others else None
        if after:
            rnn = f"A left-to-right RNN has built its state for *{APPLE}* before it reads the {after} word"
            rnn += "s after it. " if after > 1 else " after it. "
        elif others:
            rnn = f"Here every other word comes before *{APPLE}*, so even an RNN has read them, in one squeezed state. "
        else:
            rnn = f"Alone, *{APPLE}* has no other word to tell it. "
        looks = f"With attention, *{APPLE}* looks at all {len(words)} words at once" + (
            f"; of the others, it gives the most weight to *{labels[strongest]}* ({weights[strongest]:.2f}). "
            if strongest is not None
            else ". "
        )
        st.markdown(
            f"Is *{APPLE}* the fruit (its *{SENSES[1]}* feature) or the company (*{SENSES[0]}*)? Only the "
            f"other words can tell. {rnn}{looks}{lean_sentence(shift)}"
        )
        highlight = labels[strongest] if strongest is not None else None
        spec = weight_bars(labels, weights, title=f"what “{labels[at]}” attends to", highlight=highlight)
        render(spec, key=f"{PAGE}_apple")
    with right:
        vectors = {f"{APPLE} (its fixed vector)": TOY.vector(APPLE), f"{APPLE} (after attention)": result.output[at]}
        title = f"{APPLE}, before and after"
        render(vector_bars(vectors, list(TOY.dimensions), title=title), key=f"{PAGE}_apple_bars")


def change(factor: float) -> str:
    """A fall by `factor` (before / after): "shrinks 134 times", "shrinks 1.3 × 10²¹ times", or, where
    it rose, "grows 1.20 times" (a change of direction said as one, not "shrinks 0.83 times")."""
    if factor < 1:
        return f"grows {1 / factor:.2f} times"
    return f"shrinks {factor:,.0f} times" if factor < 10_000 else f"shrinks {power_of_ten(factor)} times"


section("1 · One word per step vs all pairs at once")
stepping_section(labels, E)
section("2 · Forgetting, measured")
st.markdown(
    "How much can the **first** word still change the **last** output? Nudge the first input a little and "
    "measure how much the last output moves (torch's autograd works this out exactly). A recurrent model "
    "passes the signal through every step in between; "
    "attention gives the last word a weight on the first. Which keeps more of it as the distance grows?"
)
forgetting_section()

section("3 · Apple: the fruit or the company?")
apple_section()

explain(
    "- **Slow**: an RNN does n dependent steps; attention does one big matrix product that hardware "
    "runs in parallel.\n"
    + (
        "- **Forgetful**: the first word's effect on the last state shrinks at every step.\n"
        if answered(QUESTION)
        else "- **Forgetful?** Answer the question in section 2 first: the measured answer is said here then.\n"
    )
    + "- **Bottleneck**: everything read so far must fit in one fixed-size state.\n"
    "- Attention's price: it compares every pair of words, n² of them — see *Cost of attention*."
)
show_code(recurrent.influence_curves)
