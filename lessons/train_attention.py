import pandas as pd
import streamlit as st
import torch

from core.text import unique_labels, words_or_nothing
from core.training import (
    PRONOUN_POSITION,
    PRONOUNS,
    VOCABULARY,
    Evaluation,
    PronounAttention,
    TrainConfig,
    TrainingRun,
    encode_words,
    evaluate,
    make_batch,
    train,
)
from ui import session, url_state
from ui.charts import render, show_matrix
from ui.export import page_export
from ui.navigation import TRAIN
from ui.present import section
from ui.quiz import predict
from ui.specs import lines
from ui.widgets import explain, page_header, show_code

PAGE = TRAIN.id

page_header(
    "Train attention live",
    "So far the weight matrices were random. Here a tiny model — word embeddings and **one "
    "attention head**, nothing else — is trained in a few seconds on a task that only attention "
    "can solve: *which noun does the pronoun refer to?*",
)
st.markdown(
    "Every sentence reads *the X verb the Y that **he/she** was …*, where one noun is male and the "
    "other female, in either order. The model's answer is **the word the pronoun attends to most**; "
    "training adjusts the embeddings, W_q and W_k until *she* looks at the woman and *he* at the man."
)
section("The task")
examples = make_batch(4, torch.Generator().manual_seed(session.seed()))
st.dataframe(
    pd.DataFrame(
        {
            "generated sentence": [" ".join(VOCABULARY[i] for i in row) for row in examples.tokens.tolist()],
            "right answer": [
                VOCABULARY[row[p]] for row, p in zip(examples.tokens.tolist(), examples.target_position.tolist())
            ],
        }
    ),
    hide_index=True,
    key=f"{PAGE}_examples",
)

section("Train it")
controls = st.columns(3)
learning_rate = url_state.select_slider(
    controls[0], "Learning rate", [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2], value=0.05, key=f"{PAGE}_lr"
)
steps = url_state.slider(controls[1], "Training steps", 10, 400, 150, 10, key=f"{PAGE}_steps")
d_k = url_state.slider(controls[2], "d_k", 1, 32, 8, key=f"{PAGE}_d_k")
config = TrainConfig(steps=steps, learning_rate=learning_rate, d_k=d_k, seed=session.seed())

if st.button("Train", type="primary", key=f"{PAGE}_train", icon=":material/play_arrow:"):
    progress = st.progress(0.0, text="Training…")
    curve = st.empty()
    history: list[tuple[int, float]] = []

    def on_step(step: int, loss: float, accuracy: float) -> None:
        history.append((step, loss))
        if step % max(1, steps // 20) == 0 or step == steps:
            progress.progress(step / steps, text=f"step {step}/{steps} · loss {loss:.3f} · accuracy {accuracy:.0%}")
            render(
                lines(
                    pd.DataFrame(history, columns=["step", "loss"]), "step", "loss", points=False, title="loss so far"
                ),
                target=curve,
            )

    run = train(config, device=session.device(), on_step=on_step)
    st.session_state[f"{PAGE}_run"] = (config, run, evaluate(run.model))
    progress.empty()
    curve.empty()


def show_results(trained_config: TrainConfig, run: TrainingRun, held_out: Evaluation) -> None:
    """Curves, replay and a typed test sentence for the last trained model."""
    if trained_config != config:
        st.caption(
            f"Showing the model trained with learning rate {trained_config.learning_rate}, "
            f"{trained_config.steps} steps, d_k {trained_config.d_k}, seed {trained_config.seed}; "
            "press Train to use the new settings."
        )
    metrics = st.columns(3)
    metrics[0].metric(
        "Loss: first step → last",
        f"{run.losses[-1]:.3f}",
        delta=f"{run.losses[-1] - run.losses[0]:.3f}",
        delta_color="inverse",
    )
    metrics[1].metric(
        "Held-out accuracy",
        f"{held_out.accuracy:.0%}",
        help="512 new sentences with a verb and an ending the model never saw.",
    )
    metrics[2].metric("Held-out weight on the right noun", f"{held_out.weight_on_target:.2f}")
    history = pd.concat(
        [
            pd.DataFrame({"step": range(1, len(run.losses) + 1), "value": run.losses, "curve": "loss"}),
            pd.DataFrame({"step": range(1, len(run.losses) + 1), "value": run.accuracies, "curve": "accuracy (batch)"}),
        ]
    )
    render(lines(history, "step", "value", color="curve", points=False, title="Training curves"), key=f"{PAGE}_curves")

    section("Replay: the attention map while it learned")
    index = url_state.slider(
        st,
        "Snapshot",
        0,
        len(run.snapshot_steps) - 1,
        len(run.snapshot_steps) - 1,
        key=f"{PAGE}_replay",
        format="%d",
        help="0 = random initial weights; the last = the trained model.",
    )
    probe_labels = unique_labels(run.probe_words)
    start = run.snapshot_weights[0][PRONOUN_POSITION]
    predict(
        f"{PAGE}_predict",
        "before any training (snapshot 0), which word does “she” attend to most?",
        list(dict.fromkeys(probe_labels)),
        probe_labels[int(start.argmax())],
        f"With random weights it is luck: {float(start.max()):.2f} on that word. "
        "Slide to the end to see training fix it.",
    )
    show_matrix(
        run.snapshot_weights[index],
        probe_labels,
        probe_labels,
        key=f"{PAGE}_replay_map",
        numbers=False,
        domain=(0, 1),
        value_title="weight",
        title=f"after {run.snapshot_steps[index]} steps",
        row_title="word asking",
        col_title="attends to",
        highlight_row=probe_labels[PRONOUN_POSITION],
    )
    st.caption("The outlined row is the pronoun: watch its weight move onto the noun it refers to.")

    section("Try your own sentence")
    text = url_state.text_input(
        st,
        "Sentence with he or she",
        "the princess thanked the uncle that he was happy",
        key=f"{PAGE}_test",
        max_chars=300,
    )
    words = words_or_nothing(text, max_tokens=24)
    pronoun = next((i for i, w in enumerate(words) if w in PRONOUNS), None)
    if pronoun is None:
        st.info("Type a sentence that contains *he* or *she*.")
    else:
        device = next(run.model.parameters()).device
        with torch.no_grad():
            _, result = run.model(encode_words(words)[None].to(device), torch.tensor([pronoun], device=device))
        labels = unique_labels(words)
        weights = result.weights[0].cpu()
        unknown = sorted({w for w in words if w not in VOCABULARY})
        if unknown:
            st.caption("Words the model never saw (read as <unk>): " + ", ".join(unknown))
        answer = int(weights[pronoun].argmax())
        st.markdown(f"**“{words[pronoun]}” → “{words[answer]}”** with weight {float(weights[pronoun, answer]):.2f}")
        show_matrix(
            weights,
            labels,
            labels,
            key=f"{PAGE}_test_map",
            row_title="word asking",
            col_title="attends to",
            value_title="weight",
            domain=(0, 1),
            highlight_row=labels[pronoun],
        )


if f"{PAGE}_run" in st.session_state:
    trained_config, run, held_out = st.session_state[f"{PAGE}_run"]
    show_results(trained_config, run, held_out)
    page_export(
        PAGE,
        {
            "config": trained_config.__dict__,
            "losses": run.losses,
            "accuracies": run.accuracies,
            "snapshot_steps": run.snapshot_steps,
            "snapshot_weights": run.snapshot_weights,
            "held_out": held_out._asdict(),
        },
    )
else:
    st.info("Press **Train** to train the model (about a second with the defaults).", icon=":material/school:")

explain(
    "- The loss is −log(weight the pronoun puts on the right noun): it falls as the pronoun's query "
    "lines up with that noun's key.\n"
    "- Nothing tells the model about gender: it discovers from examples that *she* goes with *queen*, "
    "*girl*, *aunt*… and learns embeddings and W_q, W_k that make those dot products large.\n"
    "- Held-out sentences use a verb and an ending never seen in training; their random, untrained "
    "embeddings sometimes distract the pronoun, which is why held-out accuracy can be below 100%."
)
show_code(PronounAttention, train, make_batch)
