import streamlit as st
import torch

from core import gpt, gpt_heads, gpt_training, grammar, heads, sampling
from core.attention import causal_mask, weight_on_later_words
from core.numbers import readable_number
from core.text import unique_labels
from ui import decoder_cache, model_cache, scrub, session, url_state
from ui.charts import kept_place, matrix_companions, matrix_frame, render, side_by_side
from ui.export import chart_downloads, page_export
from ui.markdown import md_escape
from ui.memory import return_freed_memory
from ui.navigation import GPT
from ui.present import section
from ui.quiz import predict
from ui.specs import concat, heatmap, next_word_bars, series_lines, weight_bars
from ui.widgets import explain, page_header, set_value, show_code

PAGE = GPT.id
PROMPT = f"{PAGE}_prompt"
WRITTEN = f"{PAGE}_written"  # {prompt ids: the words written after them} (this page's own)
TRAINED = f"{PAGE}_trained"
GREEDY = f"{PAGE}_greedy"
ROWS = f"{PAGE}_rows"  # the chart of each new word's attention row  # the Training of this session's Train press
EXAMPLES = (
    "the queen who met the king said that",
    "the kings who met the queen",
    "the cat sat on the mat . the cat sat on the",
    "the animal didn't cross the road because it was",
)
SHOWN_WORDS = 10  # bars: the most probable words
TEMPERATURES = tuple(round(0.1 * i, 1) for i in range(1, 21))  # 0.1 … 2.0
TOP_K = (0, 1, 2, 3, 5, 10)  # 0: no cut
TOP_P = (1.0, 0.95, 0.9, 0.8, 0.6, 0.4)  # 1.0: no cut
WRITE_MORE = 10
CLEAN_HEAD = 0.9  # a head's score from which the page calls it formed
COPYING = 0.5  # a fall in the second copy's loss (nats) from which the page says the model copies
TASK_NAMES = {"pronoun": "pronoun after “said that”", "agreement": "was / were after a clause", "induction": "copying"}

net = decoder_cache.model()
L, H, V = net.config.n_layer, net.config.n_head, len(net.vocab)
page_header(
    "Attention that writes",
    "ChatGPT writes one word at a time: it reads the text so far, gives every word of its vocabulary a "
    "probability of coming next, picks one, appends it, and repeats. This page does that with a small "
    f"**decoder** trained by this project's own training code: {L} layers × {H} heads, {net.config.d_model} numbers "
    f"per word, {V} words, on sentences whose next word depends on a word far back. Its attention is the same "
    "attention function as on the earlier pages (the Show code panel has it), with one change: the **causal "
    "mask**, so each word sees only itself and the words before it.",
)
st.caption("Words the model knows: " + ", ".join(md_escape(w) for w in net.vocab) + ".")

text = url_state.text_input(st, "Prompt", EXAMPLES[0], key=PROMPT, max_chars=2000)
row = st.container(horizontal=True)
for i, example in enumerate(EXAMPLES):
    row.button(example, key=f"{PAGE}_example_{i}", on_click=set_value, args=(PROMPT, example), width="content")
prompt = net.known_words(text)
unknown_note, cut_note = kept_place(), kept_place()  # used or not
if prompt.unknown:
    unknown_note.info(gpt.unknown_notice(prompt.unknown, V) + " They are left out.", icon=":material/info:")
if not prompt.ids:
    st.info("There are no words the model knows in this prompt: try one of the examples.")
    st.stop()
if prompt.truncated or len(prompt.ids) >= net.config.block_size:
    prompt = prompt._replace(
        words=prompt.words[: net.config.block_size - 1], ids=prompt.ids[: net.config.block_size - 1]
    )
    read = f"The model reads at most {net.config.block_size} words; it uses the first {len(prompt.ids)} here."
    cut_note.warning(read)
ids = tuple(prompt.ids)
first = decoder_cache.forward(ids)

section("1 · The next word")
probs = torch.softmax(first.logits[-1], -1)
best = int(probs.argmax())
ranked = torch.argsort(probs, descending=True).tolist()
options = sorted({net.vocab[i] for i in ranked[:4]})
answered = predict(
    f"{PAGE}_predict_{'_'.join(map(str, ids))}",
    f"after “{md_escape(' '.join(prompt.words))}”, which word does the model think comes next?",
    options,
    net.vocab[best],
    f"It gives “{net.vocab[best]}” {float(probs[best]):.0%}"
    + (f", “{net.vocab[ranked[1]]}” {float(probs[ranked[1]]):.0%}." if len(ranked) > 1 else "."),
)
temperature = scrub.Scrub(f"{PAGE}_temperature", "Temperature T", TEMPERATURES, 1.0)
top_k = scrub.Scrub(f"{PAGE}_top_k", "Top-k", TOP_K, 0, names=tuple("off" if k == 0 else str(k) for k in TOP_K))
top_p = scrub.Scrub(f"{PAGE}_top_p", "Top-p", TOP_P, 1.0, names=tuple("off" if p == 1 else f"{p:g}" for p in TOP_P))
CONTROLS = [temperature, top_k, top_p]
POSITIONS = tuple((t, k, p) for t in TEMPERATURES for k in TOP_K for p in TOP_P)


@st.fragment
def next_word_section() -> None:
    bars = decoder_cache.next_word_bars(ids, POSITIONS, SHOWN_WORDS)

    def bar_chart(**position) -> dict:
        at = POSITIONS.index((position[temperature.key], position[top_k.key], position[top_p.key]))
        spec = next_word_bars(bars.words, bars.tempered[at], bars.kept[at], bars.cut[at])
        k, p = position[top_k.key], position[top_p.key]
        kept = bars.kept_count[at]
        spec["title"] = (  # T as the input beside the chart writes it (1.0 as 1)
            f"T = {position[temperature.key]:g}, top-k {k or 'off'}, top-p {'off' if p == 1 else p}: "
            f"{kept} of {V} words can be drawn"
        )
        return spec

    st.markdown(
        "The model gives every word a score z (a *logit*: any number, larger = more likely). Softmax turns the "
        "scores into probabilities; the **temperature** T divides them first:"
    )
    st.latex(r"p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}")
    st.caption(
        "T below 1 sharpens the distribution (the favourite gets even more), above 1 flattens it. **Top-k** keeps "
        "only the k most probable words, **top-p** the fewest whose probabilities add up to p; the rest are set "
        "to 0 and what is left is divided by its sum again. Light bars: before the cuts (red or orange where a cut "
        "took the word); blue: after them, what the next word is drawn from. Move the three inputs above the chart."
    )
    now = scrub.scrub_chart(bar_chart, CONTROLS, key=f"{PAGE}_bars", cells=3 * SHOWN_WORDS, data_id=(ids,))
    chart_downloads(lambda: bar_chart(**now), key=f"{PAGE}_bars_chart")
    reshaped = sampling.reshape(
        first.logits[-1], now[temperature.key], now[top_k.key] or None, None if now[top_p.key] >= 1 else now[top_p.key]
    )
    gone = sampling.cut_off(reshaped, net.vocab)
    lost = float(reshaped.tempered[reshaped.cut_by_top_k | reshaped.cut_by_top_p].sum())
    # the chart's title counts the words left with some probability (probs > 0): a low T alone leaves some at 0
    vanished = int((reshaped.probs == 0).sum()) - len(gone)
    st.markdown(
        f"Cut off here: {len(gone)} words holding {lost:.1%} of the probability (most probable first: "
        f"{', '.join(md_escape(w) for w in gone[:8])}{', …' if len(gone) > 8 else ''})."
        if gone
        else f"Top-k and top-p cut nothing at these settings, but at T = {now[temperature.key]:g} the softmax "
        f"leaves {vanished} words a chance too small to store: exactly 0, so they cannot be drawn."
        if vanished
        else "Nothing is cut off at these settings: every word keeps its chance."
    )


if answered:
    next_word_section()

section("2 · Write, one word at a time")
written = st.session_state.setdefault(WRITTEN, {}).get(ids, [])
url_state.toggle(
    st, "Always take the most probable word (greedy)", key=GREEDY,
    help="Off: each word is drawn from the probabilities above (temperature, top-k and top-p as set there), "
    "with the sidebar's seed, so a class sees the same text.",
)  # fmt: skip


def write(count: int) -> None:
    """Append `count` words to this prompt's text, drawn as the controls above say (seeded per text)."""
    so_far = [*ids, *st.session_state[WRITTEN].get(ids, [])]
    room = net.config.block_size - len(so_far)
    if room <= 0:
        return
    # read now, not when the button was drawn: the bars' inputs may have moved since (a fragment rerun)
    shaping = scrub.positions_now(f"{PAGE}_bars", CONTROLS)
    greedy = st.session_state.get(GREEDY, False)
    generator = None if greedy else torch.Generator().manual_seed(session.seed() * 1000 + len(so_far))
    k, p = shaping[top_k.key] or None, None if shaping[top_p.key] >= 1 else shaping[top_p.key]
    made = gpt.generate(net, so_far, min(count, room), generator, shaping[temperature.key], k, p)
    st.session_state[WRITTEN][ids] = made.ids[len(ids) :]
    newest = len(made.ids) - len(ids)
    scrub.move(ROWS, {new_word_scrub(newest): newest})  # the row of the word just written


buttons = st.container(horizontal=True)
full = len(ids) + len(written) >= net.config.block_size
held = full or not answered  # the next word written would answer section 1's question
buttons.button("Next word", key=f"{PAGE}_next", on_click=write, args=(1,), disabled=held, type="primary")
buttons.button(f"Write {WRITE_MORE} words", key=f"{PAGE}_more", on_click=write, args=(WRITE_MORE,), disabled=held)
buttons.button(
    "Start again", key=f"{PAGE}_clear", on_click=lambda: st.session_state[WRITTEN].pop(ids, None), disabled=not written
)
all_ids = (*ids, *written)
words = [net.vocab[i] for i in all_ids]
st.markdown(
    " ".join(f":gray[{md_escape(w)}]" for w in prompt.words)
    + " "
    + " ".join(f"**{md_escape(w)}**" for w in words[len(ids) :])
)
if not answered:
    st.caption("Answer the question in section 1 first: the word written next would answer it.")
elif full:
    st.caption(f"The model reads at most {net.config.block_size} words: start again or shorten the prompt.")
whole = decoder_cache.forward(all_ids)
labels = unique_labels(words)


def new_word_scrub(count: int) -> scrub.Scrub:
    """Which new word's row the rows chart shows, among `count` written words (the last one by default)."""
    return scrub.Scrub(f"{PAGE}_word", "New word", tuple(range(1, count + 1)), count)


@st.fragment
def rows_section() -> None:
    """Each new word's attention row: the last position's weights when the model predicted it."""
    if not written:
        return st.caption("Press **Next word**: each new word comes with the attention row that produced it.")
    new = new_word_scrub(len(written))
    layer = scrub.Scrub(f"{PAGE}_row_layer", "Layer", tuple(range(1, L + 1)), L)
    head = scrub.Scrub(f"{PAGE}_row_head", "Head", tuple(range(1, H + 1)), 1)

    def row_bars(**position) -> dict:
        t = len(ids) + position[new.key] - 1  # the position whose output chose that word
        weights = whole.attentions[position[layer.key] - 1, position[head.key] - 1, t - 1, : len(all_ids)]
        spec = weight_bars(labels, weights)
        spec["encoding"]["x"]["scale"] = {"domain": [0, 1]}  # the same axis for every head: comparable lengths
        spec["title"] = (
            f"“{words[t]}” was chosen by the row of “{labels[t - 1]}” · layer {position[layer.key]}, "
            f"head {position[head.key]}"
        )
        return spec

    now = scrub.scrub_chart(row_bars, [new, layer, head], key=ROWS, cells=len(all_ids), data_id=all_ids)
    chart_downloads(lambda: row_bars(**now), key=f"{PAGE}_rows_chart")
    t = len(ids) + now[new.key] - 1
    st.caption(
        f"Only the words up to “{labels[t - 1]}” have bars: the model had not written the rest yet, and the causal "
        "mask hides them anyway."
    )


rows_section()


@st.fragment
def causal_map_section() -> None:
    layer = scrub.Scrub(f"{PAGE}_map_layer", "Layer", tuple(range(1, L + 1)), L)
    head = scrub.Scrub(f"{PAGE}_map_head", "Head", tuple(range(1, H + 1)), 1)
    allowed = causal_mask(len(all_ids))

    def causal_map(**position) -> dict:
        weights = whole.attentions[position[layer.key] - 1, position[head.key] - 1]
        shown = weights.masked_fill(~allowed, float("nan"))  # no colour where a word may not look
        title = f"layer {position[layer.key]}, head {position[head.key]}: the whole text"
        return heatmap(
            shown, labels, labels, palette=session.palette(), title=title, domain=(0, 1), overlay=False,
            row_title="word asking", col_title="looks at", value_title="weight",
        )  # fmt: skip

    identity = (all_ids, session.palette())  # what the map's records depend on
    now = scrub.scrub_chart(causal_map, [layer, head], key=f"{PAGE}_map", cells=len(all_ids) ** 2, data_id=identity)
    weights = whole.attentions[now[layer.key] - 1, now[head.key] - 1]
    frame = matrix_frame(weights, labels, labels)
    chart_downloads(lambda: causal_map(**now), key=f"{PAGE}_map_chart", table=frame)
    above = float(weights.masked_fill(allowed, 0).abs().max()) if len(all_ids) > 1 else 0.0
    matrix_companions(
        frame,
        key=f"{PAGE}_map",
        caption=(
            "The upper triangle is empty: before the softmax the causal mask sets every score of a later word to −∞, "
            f"so its weight is exactly 0 (largest weight above the diagonal here: {above:g}). Word t's row is all the "
            "model knows when it predicts word t + 1."
        ),
    )


causal_map_section()

section("3 · Heads you can watch form")
shipped = decoder_cache.report()


def slot_words(task: str) -> str:
    """The words a task's slot allows, as its accuracy compares them (core.grammar.SLOT_CHOICES), in words."""
    words = grammar.SLOT_CHOICES[task]
    if words == grammar.COPYABLE:  # copying: every word but the end mark
        return f"any of its {len(words)} words"
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else words[0]


def head_finding(task: str, result: gpt_heads.TaskReport) -> str:
    """One task's measured head in words; a copying head that cannot be an induction head is said to be one.
    Its accuracy is how often the right word is the most probable one, not a probability: section 1's bars
    show the probabilities themselves, so the sentence says which of the two it is."""
    head, prompts = result.head, f"{result.prompts} held-out prompts"
    if not gpt_heads.learned(task, result, CLEAN_HEAD):
        where = "in the first layer, where an induction head cannot be (it needs a previous-token head below it)"
        return (
            f"- **{TASK_NAMES[task]}**: no head has learned it cleanly. The best prefix-matching score is "
            f"{head.score:.2f} ({head.label('score').split(':')[0]}{', ' + where if head.layer == 0 else ''}), and "
            f"the model's most probable next word continues a repeated phrase right in only "
            f"**{result.accuracy:.0%}** of {prompts}."
        )
    return (
        f"- **{TASK_NAMES[task]}**: {head.label('score')} — its strongest weight from the last word lands on the "
        f"deciding word in **{result.head_lands:.0%}** of {prompts}. Of the words that fit there "
        f"({slot_words(task)}), the model makes the right one the most probable in **{result.accuracy:.0%}** of "
        f"these prompts, and in **{result.accuracy_without_head:.0%}** with that head switched off."
    )


shared = gpt_heads.shared_heads(shipped, CLEAN_HEAD)  # only the tasks each head does: no "best at" copying unlearned
if answered:
    st.markdown(
        "Nobody told the model where to look. We find which head does which job by **measurement** on held-out "
        "sentences it never saw"
        + (f"; here one head is the best at {' and '.join(TASK_NAMES[task] for task in shared[0])}" if shared else "")
        + ":\n"
        + "\n".join(head_finding(task, result) for task, result in shipped.items())
    )
else:  # what each head does (a pronoun after "said that", say) would narrow section 1's answer down
    st.caption("What each of the model's heads has learned appears here once you have answered section 1's question.")


@st.fragment
def training_section() -> None:
    steps = gpt_training.ON_PAGE.steps
    if st.button(f"Train a new model from scratch ({steps} steps)", key=f"{PAGE}_train", icon=":material/play_arrow:"):
        bar = st.progress(0.0, text="Training…")
        st.session_state[TRAINED] = gpt_training.train(
            gpt_training.ON_PAGE,
            progress=lambda done: bar.progress(done, text=f"Training: {done:.0%} of {steps} steps"),
        )
        return_freed_memory()  # the training's activations and gradients
        bar.empty()
    training = st.session_state.get(TRAINED)
    if training is None:
        return st.caption("Press the button to watch the heads form (about half a minute on a laptop).")
    snaps = training.snapshots
    snapshot = scrub.Scrub(f"{PAGE}_snapshot", "Snapshot", tuple(range(len(snaps))), len(snaps) - 1)
    steps_seen = [s.step for s in snaps]
    head_names = [f"L{layer + 1} H{head + 1}" for layer in range(L) for head in range(H)]

    def replay(**position) -> dict:
        now = snaps[position[snapshot.key]]
        losses = {
            "training loss": [s.loss for s in snaps],
            "loss on a repeat's second copy": [s.copy_loss for s in snaps],
        }
        curves = series_lines(steps_seen, losses, x="step", y="loss", group="curve", points=False, marker_x=now.step)
        curves["width"] = 520
        curves["layer"][0]["encoding"]["color"]["legend"] = {"orient": "bottom", "title": None}
        scores = torch.stack([now.induction, now.pronoun, now.agreement]).flatten(1)  # (3, L*H)
        grid = heatmap(
            scores, ["induction", "pronoun", "agreement"], head_names, palette=session.palette(), domain=(0, 1),
            title="each head's scores", width_step=40, value_title="score",
        )  # fmt: skip
        return concat([curves, grid], "vconcat", title=f"after {now.step} steps")

    cells = 2 * len(snaps) + 1 + 3 * L * H
    identity = tuple((s.step, s.loss, s.copy_loss) for s in snaps)  # this training's numbers
    now = scrub.scrub_chart(replay, [snapshot], key=f"{PAGE}_replay", cells=cells, data_id=identity, width="content")
    at = snaps[now[snapshot.key]]
    chart_downloads(lambda: replay(**now), key=f"{PAGE}_replay_chart")
    pronoun = gpt_heads.best_head(at.pronoun)
    formed = next((s.step for s in snaps if gpt_heads.best_head(s.pronoun).score >= CLEAN_HEAD), None)
    copied = snaps[0].copy_loss - at.copy_loss
    st.markdown(
        f"After **{at.step}** steps the pronoun head is {pronoun.label('score')}"
        + (f" (it first passed {CLEAN_HEAD:.1f} at step {formed})." if formed is not None else ".")
        + (
            f" The loss on a repeat's second copy fell by {copied:.2f}: the model has started to copy "
            f"(best induction score {gpt_heads.best_head(at.induction).score:.2f})."
            if copied >= COPYING
            else f" The loss on a repeat's second copy has barely moved ({snaps[0].copy_loss:.2f} → "
            f"{at.copy_loss:.2f}): this short run learns agreement, not copying."
        )
    )


training_section()

section("4 · The KV cache: one new row per word")
comparison = gpt.compare_cache(net, list(all_ids[: net.config.block_size - WRITE_MORE]), WRITE_MORE)
columns = st.columns(3)
columns[0].metric("Query rows, with the cache", f"{sum(comparison.cached.query_rows)}")
columns[1].metric("Query rows, without it", f"{sum(comparison.recomputed.query_rows)}")
difference = comparison.max_difference
columns[2].metric(
    "Largest difference in the logits",
    "0 (exact)" if difference == 0 else readable_number(difference),
    help="The two ways add the same numbers in another order, so float32 rounding can differ in the last digits: "
    "far too little to change which word is most probable.",
)
first_rows, *later_rows = comparison.cached.query_rows  # the prompt's rows once, then one per word written
st.markdown(
    f"Writing {len(comparison.cached.rows)} words after your {first_rows}: without a cache every word runs the "
    f"whole text through the model again ({sum(comparison.recomputed.query_rows)} query rows in all); with it, "
    f"the first new word needs the prompt's {first_rows} rows, computed once (each layer keeps their keys and "
    f"values), and each of the other {len(later_rows)} words needs **one new query row**: the word written just "
    f"before it, the only one not yet seen ({first_rows} + {sum(later_rows)} = "
    f"{sum(comparison.cached.query_rows)}). The words are "
    + ("the same" if comparison.same_words else "not the same")
    + " and the numbers agree to float rounding."
)
times = decoder_cache.cache_times()
spec = series_lines(
    times.words,
    {"with the KV cache": times.with_cache_ms, "without (everything again)": times.without_cache_ms},
    x="words written",
    y="ms",
    group="how",
    title="Time to write the words, on this server",
)
render(spec, key=f"{PAGE}_cache_times")
longest, faster = times.words[-1], times.without_cache_ms[-1] / times.with_cache_ms[-1]
savings = [without - cached for cached, without in zip(times.with_cache_ms, times.without_cache_ms, strict=True)]
ahead = sum(saving > 0 for saving in savings)  # the lengths at which the chart's cache line lies below
if faster >= 1.05:
    verdict = f"the cache was **{faster:.1f}× faster**, and faster at {ahead} of the {len(savings)} lengths timed" + (
        "; the saving grows with the text (word t costs t rows)."
        if all(later >= earlier for earlier, later in zip(savings, savings[1:]))
        else ". The saving does not grow evenly here: on a model this small, a few milliseconds of timing noise "
        "outweigh it at some lengths, though without the cache word t still costs t rows."
    )
elif faster <= 0.95:
    verdict = (
        f"the cache was **slower** here ({1 / faster:.1f}× the time): this model is so small that each step's fixed "
        "cost (Python, layer by layer) outweighs the rows it saves. In a model reading thousands of words, the "
        "saved rows dominate."
    )
else:
    verdict = (
        "**about the same** on this tiny model: each step's fixed cost (Python, layer by layer) is as large as the "
        "rows it saves. In a model reading thousands of words, the saved rows dominate."
    )
st.markdown(
    f"For the timing the model writes longer texts than above, up to {longest} words, always after the same "
    f"{times.prompt_words}-word prompt, so that the cost of each extra word shows. The fastest of "
    f"{decoder_cache.TIMING_REPEATS} runs: writing {longest} words took "
    f"**{times.with_cache_ms[-1]:.1f} ms** with the cache and **{times.without_cache_ms[-1]:.1f} ms** without: "
    + verdict
)


section("5 · Encoder and decoder on the same words")
encoder = model_cache.encoder()
sentence = " ".join(w for w in words if w != grammar.END)
try:
    run = model_cache.run(sentence) if encoder is not None else None
except ValueError as reason:  # e.g. a text of end marks only: nothing for the encoder to read
    st.info(str(reason))
    run = None
if run is not None:
    both, pieces = heads.head_view(run.attentions[-1].mean(0), run.tokens, merge=True, hide=True)
    left_only = whole.attentions[-1].mean(0)
    places = side_by_side(2, len(words))
    maps = (
        (both, unique_labels(pieces), "MiniLM (an encoder): last layer, heads averaged", "enc"),
        (left_only, labels, "this decoder: last layer, heads averaged", "dec"),
    )
    for place, (matrix, names, title, short) in zip(places, maps, strict=True):
        with place:
            options = dict(row_title="word asking", col_title="looks at", value_title="weight", overlay=False)
            spec = heatmap(
                matrix, names, names, palette=session.palette(), domain=(0, 1), title=title,
                stretch_rows=session.rows_stretched(), **options,
            )  # fmt: skip
            render(spec, key=f"{PAGE}_{short}")
    later = {short: float(weight_on_later_words(matrix)) for matrix, _, _, short in maps}  # the share past i
    st.caption(
        "The encoder's words look both ways (it fills in a sentence it has whole): on average "
        f"**{later['enc']:.0%}** of a word's weight lands on words after it. The decoder's look only left, because "
        f"it must predict a word before it exists: **{later['dec']:.0%}** after. The encoder's map is dim because "
        "it spreads its weight over many words (its [CLS] and [SEP] marks are left out, each row rescaled to sum to "
        "1); *each row stretched* under *Attention colours* in the sidebar shows every row's pattern."
    )

numbers = {"prompt": prompt.words, "written": words[len(ids) :], "attentions": whole.attentions, "logits": whole.logits}
page_export(PAGE, numbers)
explain(
    "- A decoder predicts the next word at every position at once, during training; the causal mask keeps each "
    "position from seeing the answer.\n"
    "- Temperature, top-k and top-p change only how a word is picked from the probabilities, not the model.\n"
    "- The KV cache makes writing word t cost one row of attention instead of t."
)
show_code(gpt.GPT.step, gpt.generate, sampling.reshape, gpt_heads.report, gpt_training.train)
