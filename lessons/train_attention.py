import pandas as pd
import streamlit as st
import torch

from core import training
from core.text import unique_labels
from ui import scrub, session, url_state
from ui.charts import attention_map, render, side_by_side
from ui.export import chart_downloads, page_export
from ui.memory import return_freed_memory
from ui.navigation import TRAIN
from ui.present import section
from ui.quiz import answered, predict
from ui.specs import concat, heatmap, training_curves
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = TRAIN.id
QUESTION = f"{PAGE}_predict"  # the page's question; "Try your own sentence" waits for it too
RUN = f"{PAGE}_run"  # (TrainConfig, TrainingRun, Evaluation) of the last Train press
LEARNING_RATES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]
PROBE_LABELS = unique_labels(training.PROBES[0])  # both probes differ only in the last word
ENDINGS = [probe[training.ADJECTIVE_POSITION] for probe in training.PROBES]  # "tired", "wide"
EVEN = 2 / len(training.PROBES[0])  # a weight below twice an even share picks nothing out


LOSS_CAP = 2.5  # the chart's loss axis; an untrained model starts at ln 10 = 2.30


def loss_text(loss: float) -> str:
    return f"{loss:.3f}" if loss >= 0.001 else "< 0.001"


def in_words(found: training.Stacking, ending: str) -> str:
    """What the two layers do in one probe, in words; a weight near an even share is called a spread."""
    reader, pointer = PROBE_LABELS[found.reader], PROBE_LABELS[found.pointer]
    one = (
        f"layer 1 moves “{ending}” into **{reader}**"
        if found.reader_weight >= EVEN
        else f"in layer 1 no word reads “{ending}” more than the rest"
    )
    if found.runner_up_weight >= EVEN:  # e.g. the plateau: both nouns get a share
        runner_up = PROBE_LABELS[found.runner_up]
        two = f"layer 2 splits “it” between **{pointer}** ({found.pointer_weight:.2f}) and **{runner_up}**"
        return f"{one} ({found.reader_weight:.2f}); {two} ({found.runner_up_weight:.2f})."
    two = f"layer 2 points “it” at **{pointer}**" if found.pointer_weight >= EVEN else "layer 2 spreads “it” out"
    return f"{one} ({found.reader_weight:.2f}); {two} ({found.pointer_weight:.2f})."


def two_maps(weights: list, labels: list[str], key: str, title: str, highlights: tuple) -> None:
    """Layer 1 and layer 2 side by side (one under the other for long sentences)."""
    for layer, place in enumerate(side_by_side(2, len(labels)), start=1):
        with place:
            options = dict(asking="word reading", attended="reads", highlight_row=highlights[layer - 1], numbers=False)
            attention_map(weights[layer - 1], labels, key=f"{key}_{layer}", title=f"layer {layer}{title}", **options)


page_header(
    "Train attention live",
    "So far every weight was random or hand-set. Here a tiny model — word and position embeddings and **two "
    "attention layers of one head each** — learns in about a second to answer the classic question: *what "
    "does “it” refer to?*",
)

section("The task")
st.markdown(
    "Every sentence reads *the ANIMAL didn't cross the PLACE because it was ADJECTIVE*. Tired, scared, lazy… "
    "describe the animal; wide, busy, flooded… the place. Nothing in “it” tells which: **the last word "
    "decides**. The model answers with the word “it” attends to most in layer 2."
)
table = training.examples(6, torch.Generator().manual_seed(session.seed()))
# A plain table, not st.dataframe: its text wraps, so the answers stay in sight on a phone.
st.table(
    pd.DataFrame({"generated sentence": [" ".join(e.words) for e in table], "“it” is": [e.answer for e in table]}),
    hide_index=True,
)
st.markdown(
    f"We follow two sentences while it learns: *{' '.join(training.PROBES[0])}* and *{' '.join(training.PROBES[1])}*."
)

section("Train it")


@st.fragment
def train_section() -> None:
    controls = st.columns(3)
    rate = url_state.select_slider(controls[0], "Learning rate", LEARNING_RATES, value=0.01, key=f"{PAGE}_lr")
    steps = url_state.slider(controls[1], "Training steps", 10, 400, 150, 10, key=f"{PAGE}_steps")
    d_k = url_state.slider(controls[2], "d_k (query/key size)", 1, 32, 8, key=f"{PAGE}_d_k")
    config = training.TrainConfig(steps=steps, learning_rate=rate, d_k=d_k, seed=session.seed())
    if RUN in st.session_state and st.session_state[RUN][0] != config:
        st.caption("Below: the model trained with the earlier settings. Press Train to use these.")
    if not st.button("Train", type="primary", key=f"{PAGE}_train", icon=":material/play_arrow:"):
        return
    progress, curve = st.progress(0.0, text="Training…"), st.empty()
    losses, accuracies = [], []

    def on_step(step: int, loss: float, accuracy: float) -> None:
        losses.append(loss), accuracies.append(accuracy)
        if step % max(1, steps // 20) == 0 or step == steps:
            progress.progress(step / steps, text=f"step {step} of {steps} · loss {loss:.3f} · accuracy {accuracy:.0%}")
            render(training_curves(losses, accuracies, steps, cap=LOSS_CAP, title="so far"), target=curve.container())

    run = training.train(config, device=session.device(), on_step=on_step)
    st.session_state[RUN] = (config, run, training.evaluate(run.model))
    return_freed_memory()  # the training's activations and gradients
    st.rerun()  # the whole page: every section below shows the new run


train_section()
trained = st.session_state.get(RUN)  # (TrainConfig, TrainingRun, Evaluation) or None
if trained is not None:
    config, run, held_out = trained
    reached = training.first_step_reaching(run.accuracies)
    metrics = st.columns(3)
    metrics[0].metric("Loss at the last step", loss_text(run.losses[-1]), help=f"At step 1: {run.losses[0]:.3f}")
    metrics[1].metric("Held-out accuracy", f"{held_out.accuracy:.0%}", help="512 sentences with nouns never seen.")
    metrics[2].metric("First step at ≥ 90 % accuracy", "not reached" if reached is None else f"{reached}")

section("Replay: watch both layers learn")


CELL = 20  # px per word in the replay's maps: both layers side by side fit the 680 px of a 1024 px laptop


@st.fragment
def replay(run: training.TrainingRun) -> None:
    """The training curves and both layers' maps at one snapshot, for either sentence: both controls are
    inputs inside the chart (ui.scrub), so dragging through the snapshots plays the training back."""
    steps = tuple(run.snapshot_steps)  # the input says the training step itself (0 = untrained)
    snapshot = scrub.Scrub(f"{PAGE}_replay", "Training step", steps, steps[-1])
    ending = scrub.Scrub(f"{PAGE}_probe", "Sentence ending", tuple(ENDINGS), ENDINGS[0])

    def replay_view(**position) -> dict:
        index, probe = steps.index(position[snapshot.key]), ENDINGS.index(position[ending.key])
        step, weights, words = steps[index], run.maps(index, probe), unique_labels(training.PROBES[probe])
        found = training.stacking(weights)
        reader = words[found.reader] if found.reader_weight >= EVEN else ""  # "": no row outlined
        maps = [
            heatmap(
                weights[layer],
                words,
                words,
                palette=session.palette(),
                title=f"layer {layer + 1}",
                domain=(0, 1),
                highlight_row=(reader, "it")[layer],
                width_step=CELL,
                row_title="word reading",
                col_title="reads",
                value_title="weight",
            )  # fmt: skip
            for layer in (0, 1)
        ]
        curves = training_curves(run.losses, run.accuracies, len(run.losses), cap=LOSS_CAP, now=step)
        curves["width"] = 2 * CELL * len(PROBE_LABELS) + 160  # as wide as the two maps with their labels
        curves["layer"][0]["encoding"]["color"]["legend"] = {"orient": "bottom", "title": None}
        title = f"“…because it was {position[ending.key]}” after {step} steps"
        return concat([curves, concat(maps)], "vconcat", title=title)

    cells = 2 * len(run.losses) + 2 + 2 * len(PROBE_LABELS) ** 2
    identity = (tuple(run.losses), tuple(run.accuracies))  # this run's numbers (another run has other losses)
    now = scrub.scrub_chart(
        replay_view, [snapshot, ending], key=f"{PAGE}_replay_scrub", cells=cells, data_id=identity, width="content"
    )
    step, probe = now[snapshot.key], now[ending.key]
    found = training.stacking(run.maps(steps.index(step), ENDINGS.index(probe)))
    chart_downloads(lambda: replay_view(**now), key=f"{PAGE}_replay_chart")
    if max(run.losses) > LOSS_CAP:
        st.caption(f"The loss peaks at {max(run.losses):.2f}; the chart cuts it at {LOSS_CAP:.2f}.")
    st.markdown(f"After **{step}** steps: {in_words(found, probe)}")


def stacking_story(run: training.TrainingRun) -> None:
    """Ask first; then the replay and what each layer does in the trained model."""
    final = training.stacking(run.maps())
    reader, options = PROBE_LABELS[final.reader], list(dict.fromkeys(["it", "animal", "road", "was"]))
    learned = final.reader_weight >= EVEN  # else every word reads the adjective about equally: any answer is right
    if not predict(
        QUESTION,
        f"after training, in “…because it was {ENDINGS[0]}”, which word reads “{ENDINGS[0]}” most in layer 1?",
        list(dict.fromkeys([*options, reader])),
        reader,
        (
            f"“{reader}”'s layer-1 row puts {final.reader_weight:.2f} on “{ENDINGS[0]}”. Not necessarily “it”: a "
            "noun that reads the adjective carries it in its vector, and layer 2 can then tell the nouns apart."
            if learned
            else f"This model has not learned yet: no word puts much more than an even share on “{ENDINGS[0]}” "
            f"(largest {final.reader_weight:.2f}). Train longer or faster and ask again."
        ),
        also_right=[PROBE_LABELS[i] for i in training.reader_ties(run.maps()[0])] if learned else options,
        tie_note="Within 0.05 of the largest weight." if learned else "",
        waiting="Answer the question above to see the replay.",
    ):
        return
    replay(run)
    st.subheader("Stacking: two layers, two jobs")
    st.markdown(
        "\n".join(
            f"- *…it was {ending}*: {in_words(training.stacking(run.maps(probe=probe)), ending)}"
            for probe, ending in enumerate(ENDINGS)
        )
        + "\n\nOne attention step cannot do both: “it” would have to read the adjective *and* point at a noun. "
        "Layer 1 writes the adjective into a word's vector (the residual stream keeps what the word was and adds "
        "what it read); layer 2 compares “it” with the nouns, whose vectors now differ by what they read."
    )


PRESS_TRAIN = "Press **Train** above (about a second with the defaults)."
if trained is None:
    st.info(PRESS_TRAIN, icon=":material/school:")
else:
    stacking_story(trained[1])

section("Try your own sentence")


def headline(result: training.Answer, words: list[str]) -> str:
    """Pronoun → the word it attends to most, and when the model never saw that word, that it found it by its
    position alone (the same vocabulary check as the list of unknown words)."""
    labels = unique_labels(words)
    said = f"**“{labels[result.pronoun]}” → “{labels[result.answer]}”** (layer-2 weight {result.weight:.2f})"
    if training.unseen_answer(words, result):
        said += f" — by position alone: the model never saw “{words[result.answer]}”"
    return said


@st.fragment
def own_sentence(model: training.TwoLayerAttention) -> None:
    sentence = sentence_input(
        PAGE, label="Sentence with “it” (or he, she, they)", examples=(" ".join(training.PROBES[1]),)
    )
    if sentence is None:
        return
    try:
        result = training.answer(model, sentence.words)
    except ValueError as reason:
        st.info(str(reason))
        return
    labels = unique_labels(sentence.words)
    st.markdown(headline(result, sentence.words))
    if unknown := training.unknown_words(sentence.words):
        st.caption("Words the model never saw (read as an unknown word): " + ", ".join(unknown))
    st.caption(
        "The model knows the nouns **by their position** (word 2 and word 6): it never saw another sentence "
        "shape. Move them (“the dog did not cross…”, a word added at the start) and its answer breaks."
    )
    two_maps(result.weights, labels, f"{PAGE}_own", "", (None, labels[result.pronoun]))


if trained is None:
    st.info(PRESS_TRAIN, icon=":material/school:")
elif not answered(QUESTION):  # its layer-1 map answers the question above
    st.caption("Your own sentence can be tried once you have answered the question above: its maps answer it.")
else:
    own_sentence(trained[1].model)
    numbers = {"config": config.__dict__, "held_out": held_out._asdict(), **run._asdict()}
    page_export(PAGE, {k: v for k, v in numbers.items() if k not in ("model", "probe_words")})
explain(
    "- The loss is −log(the layer-2 weight “it” puts on the right noun): it falls as “it”'s query lines up "
    "with that noun's key.\n"
    "- Usually first a plateau near 50 %: “it” splits its attention between the two nouns, the same way in "
    "both sentences. Then one word's layer-1 row swings onto the adjective (which word: the question above), "
    "the two sentences split, and accuracy jumps (replay it above).\n"
    "- Held-out sentences use an animal and a place never seen in training: the model answers by position and "
    "adjective, so new nouns do not matter."
)
show_code()
