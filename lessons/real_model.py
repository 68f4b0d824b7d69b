from collections import Counter

import pandas as pd
import streamlit as st

from core import bert, heads
from core.attention import scaled_dot_product_attention
from core.contextual import cosine_by_layer, path_through_layers
from core.model import MAX_CHARS, MAX_MODEL_TOKENS, Encoder, ablate_context, max_abs_difference, mean_pooling
from core.text import unique_labels
from ui import model_cache, url_state
from ui.charts import render, show_matrix, side_by_side
from ui.export import page_export
from ui.markdown import md_escape
from ui.navigation import REAL_MODEL
from ui.present import section
from ui.quiz import predict
from ui.specs import (
    MAX_LABELLED,
    attention_lines,
    head_atlas,
    head_ranking,
    integer_axis,
    layer_path,
    lines,
    token_shares,
)
from ui.widgets import explain, page_header, sentence_input, show_code

PAGE = REAL_MODEL.id
EXAMPLES = (
    "The animal didn't cross the road because it was tired",
    "The student said he was tired",
    "Apple launched a new phone",
)
BANKS = ("I went to the bank to deposit money", "We sat on the bank of the river")
LAYER, HEAD, ATLAS = f"{PAGE}_layer", f"{PAGE}_head", f"{PAGE}_atlas"
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def name(layer: int, head: int) -> str:
    return f"L{layer} H{head}"


def tiny(x: float) -> str:
    """A rounding-sized number for people: 6 × 10⁻⁸."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return "0 (exact)" if x == 0 else f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"


def pick_token(where, label: str, options: list[str], key: str, preferred=("it", "he", "she", "apple")) -> str:
    """A token picker that follows the sentence: a choice the new sentence lacks goes back to the default."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]
        st.query_params.pop(key, None)
    words = [i for i, option in enumerate(options) if option != "every token" and not option.startswith("[")]
    index = next((options.index(w) for w in preferred if w in options), words[0] if words else 0)
    return url_state.selectbox(where, label, options, index=index, key=key)


def open_clicked_head() -> None:
    picked = st.session_state[ATLAS].selection.get("head") or []
    if picked:
        st.session_state[LAYER], st.session_state[HEAD] = int(picked[0]["layer"]), int(picked[0]["head"])


page_header(
    "Inside a real model",
    "**all-MiniLM-L6-v2** is a small pretrained transformer encoder (6 layers × 12 heads, 384 numbers per token), "
    "bundled with this app and run offline. Every map below is the model's own softmax weights for your sentence — "
    "the same computation as the earlier pages, with learned W_q, W_k, W_v: this app runs the whole model with its "
    "own code (`core/bert.py`, every head through `scaled_dot_product_attention`).",
)
encoder = model_cache.encoder()
sentence = sentence_input(PAGE, max_tokens=MAX_CHARS, examples=EXAMPLES) if encoder else None  # model cuts
if sentence is None:
    st.stop()
text, L, H = sentence.text, encoder.n_layers, encoder.n_heads
try:
    run = model_cache.run(text)
except ValueError as reason:
    st.info(str(reason))
    st.stop()
if run.truncated:
    st.warning(f"The model reads at most {MAX_MODEL_TOKENS} word pieces; the rest of the text was left out.")
labels = unique_labels(run.tokens)
st.caption(f"WordPiece tokens ({len(run.tokens)}): " + " · ".join(md_escape(t) for t in run.tokens))
first = model_cache.run(EXAMPLES[0])  # the page opens on the two heads that link "it" to "animal" most
pair = [first.tokens.index(w) for w in ("it", "animal") if w in first.tokens]  # (another model may split them)
it_animal = first.attentions[:, :, pair[0], pair[1]] if len(pair) == 2 else first.attentions[:, :, 0, 0]
IT_ANIMAL = [head[:2] for head in heads.top_heads(it_animal, 2)]
DEFAULT = IT_ANIMAL[0]

section(f"1 · The head atlas: what each of the {L * H} heads does")


@st.fragment
def head_explorer() -> None:
    roles, links = model_cache.roles(text), model_cache.head_links(text)
    atlas = st.container()
    cols = st.columns(2)
    layer = url_state.slider(cols[0], "Layer", 0, L - 1, DEFAULT[0], key=LAYER)
    head = url_state.slider(cols[1], "Head", 0, H - 1, DEFAULT[1], key=HEAD)
    spec = head_atlas(roles, links, roles=heads.ROLES, selected=(layer, head), title="Click a head to open it")
    atlas.vega_lite_chart(spec, on_select=open_clicked_head, selection_mode="head", key=ATLAS, width="stretch")
    counts = Counter(r.role for r in roles).most_common()
    atlas.caption(
        "Each head's role is the largest of six scores measured from its weights on this sentence (the number in "
        "the cell): "
        + "; ".join(f"{md_escape(role)}: {count} {'head' if count == 1 else 'heads'}" for role, count in counts)
        + "."
    )
    similar = heads.most_similar_heads(model_cache.similarity(text), layer, head, 5, n_heads=H)
    st.markdown(
        f"**{name(layer, head)}** is a *{roles[layer * H + head].role}* head here. Heads most like it (patterns "
        "compared row by row, 1 = identical): " + ", ".join(f"{name(lay, hd)} ({s:.2f})" for lay, hd, s in similar)
    )
    merge = url_state.toggle(st, "Merge word pieces into words (columns summed, rows averaged)", key=f"{PAGE}_merge")
    hide = url_state.toggle(st, "Hide [CLS]/[SEP] (each row renormalised to sum to 1)", key=f"{PAGE}_hide")
    weights, tokens = run.attentions[layer, head], run.tokens
    weights, tokens = heads.merge_word_pieces(weights, tokens) if merge else (weights, tokens)
    weights, tokens = heads.hide_special_tokens(weights, tokens) if hide else (weights, tokens)
    view = unique_labels(tokens)
    picked = pick_token(st, "Show one token's row", ["every token", *view], f"{PAGE}_source")
    row = view.index(picked) if picked in view else None
    places = side_by_side(2, len(view)) if len(view) <= MAX_LABELLED else [None, st.container()]
    if places[0] is None:
        st.caption(f"Over {MAX_LABELLED} tokens a heatmap cannot label them all: the line view shows the head.")
    else:
        with places[0]:
            show_matrix(weights, view, view, key=f"{PAGE}_head_map", title=f"{name(layer, head)} as a heatmap",
                        row_title="token asking", col_title="attends to", value_title="weight", domain=(0, 1),
                        highlight_row=picked if row is not None else None)  # fmt: skip
    with places[1]:
        title = f"{name(layer, head)}: " + (f"where “{picked}” looks" if row is not None else "links of 0.05 or more")
        render(attention_lines(weights, view, selected=row, title=title), key=f"{PAGE}_lines")

    st.subheader("Is this the real computation?")
    alone, forward = model_cache.rebuild_head(text, layer, head)
    difference = max_abs_difference(alone, forward)
    st.markdown(
        f"The map above comes from the whole model's forward, which projects all {H} heads in one product and then "
        f"splits the columns into heads. Rebuild head {head} on its own: take the hidden states entering layer "
        f"{layer}, multiply by head {head}'s own rows of the model's W_q, W_k, W_v and biases, and run "
        "`scaled_dot_product_attention`: the two maps must agree. (The app's tests also check the whole forward "
        "against Hugging Face transformers' implementation of this model: every attention weight and hidden state "
        "within 1 × 10⁻⁵.)"
    )
    st.metric(f"max |head alone − full forward| ({name(layer, head)}, {encoder.device.type})", tiny(difference))
    (st.success if difference <= 1e-5 else st.error)(
        "Equal to within float32 rounding (1 × 10⁻⁵)." if difference <= 1e-5 else "They differ by more than 1 × 10⁻⁵."
    )
    if url_state.toggle(st, "Show both maps", key=f"{PAGE}_both"):
        maps = [(alone, "head rebuilt alone"), (forward, "from the full forward")]
        for place, (matrix, title) in zip(side_by_side(2, len(labels)), maps, strict=True):
            with place:
                show_matrix(matrix, labels, labels, key=f"{PAGE}_{title[:3]}", title=title, value_title="weight",
                            domain=(0, 1), overlay=False, numbers=False)  # fmt: skip
    page_export(PAGE, {"text": text, "tokens": run.tokens, "layer": layer, "head": head, "attention": forward,
                       "rebuilt": alone, "max_difference": difference})  # fmt: skip


head_explorer()

section("2 · Heads ranked: by role, or by the link between two words")


@st.fragment
def rankings() -> None:
    left, right = st.columns(2)
    role = url_state.selectbox(
        left, "Rank heads by role", heads.ROLES, index=heads.ROLES.index("word pair"), key=f"{PAGE}_rank"
    )
    top = heads.top_heads(model_cache.role_score_table(text)[..., heads.ROLES.index(role)], 10)
    render(head_ranking(top, title=f"Top 10: {role}", value_title="role score"), key=f"{PAGE}_rb", target=left)
    cols = right.columns(2)
    src = pick_token(cols[0], "From", labels, f"{PAGE}_finder_from")
    tgt = pick_token(cols[1], "To", labels, f"{PAGE}_finder_to", preferred=("animal", "student", "phone", "road"))
    top = heads.top_heads(run.attentions[:, :, labels.index(src), labels.index(tgt)], 10)
    right.markdown(
        f"Strongest: **layer {top[0][0]}, head {top[0][1]}** puts **{top[0][2]:.2f}** of “{md_escape(src)}”’s "
        f"attention on “{md_escape(tgt)}” (uniform would be {1 / len(labels):.2f})."
    )
    spec = head_ranking(top, title=f"Top 10: “{src}” → “{tgt}”", value_title="weight")
    render(spec, key=f"{PAGE}_finder_bars", target=right)


rankings()

section("3 · Static vs contextual: one word in two sentences")


@st.fragment
def static_vs_contextual() -> None:
    pair = url_state.segmented_control(st, "Example", ["bank", "apple"], default="bank", key=f"{PAGE}_pair") or "bank"
    defaults = {"bank": BANKS, "apple": ("Apple launched a new phone", "I ate an apple")}[pair]
    cols = st.columns(2)
    one = url_state.text_input(cols[0], "Sentence 1", defaults[0], key=f"{PAGE}_pair_1_{pair}", max_chars=500)
    two = url_state.text_input(cols[1], "Sentence 2", defaults[1], key=f"{PAGE}_pair_2_{pair}", max_chars=500)
    try:
        run_1, run_2 = model_cache.run(one), model_cache.run(two)
    except ValueError as reason:
        return st.info(str(reason))
    shared = [t for t in dict.fromkeys(run_1.tokens) if t in run_2.tokens and not t.startswith("[")]
    if not shared:
        return st.info("The two sentences need a token in common.")
    word = pick_token(st, "Shared token", shared, f"{PAGE}_pair_word", preferred=(pair,))
    st.subheader(f"Is “{word}” the same vector in both sentences?")
    i, j = run_1.tokens.index(word), run_2.tokens.index(word)
    static = float(cosine_by_layer(run_1.static[None], i, run_2.static[None], j)[0])
    per_layer = cosine_by_layer(run_1.hidden_states, i, run_2.hidden_states, j).tolist()
    metrics = st.columns(2)
    metrics[0].metric("Static (input table row): cosine", f"{static:.4f}")
    metrics[1].metric("Contextual, last layer: cosine", f"{per_layer[-1]:.4f}", delta=f"{per_layer[-1] - static:.4f}")
    left, right = st.columns([2, 3])  # the PCA map keeps room for its legend
    frame = pd.DataFrame({"layer": range(L + 1), "cosine": per_layer})
    spec = lines(
        frame, "layer", "cosine", title=f"cosine of “{word}” in 1 vs 2", x_title="layer (0 = input + position)"
    )
    render(integer_axis(spec), key=f"{PAGE}_pair_lines", target=left)
    path = path_through_layers(run_1.hidden_states, i, run_2.hidden_states, j)
    spec = layer_path(path, L + 1, title=f"“{word}” through the layers (PCA)")
    render(spec, key=f"{PAGE}_pair_map", target=right)
    st.caption(
        (
            "At layer 0 the two are identical: same token, same position. "
            if per_layer[0] > 0.9999
            else "Layer 0 already differs a little: the position embedding is added. "
        )
        + "Each attention layer then mixes in more of its sentence, and the two meanings drift apart."
    )


static_vs_contextual()

section("4 · Switch heads off and see what changes")


@st.fragment
def ablation() -> None:
    everything = [name(lay, hd) for lay in range(L) for hd in range(H)]
    cols = st.columns([3, 1])
    chosen = url_state.multiselect(
        cols[0], "Heads to switch off", everything, default=[name(*h) for h in IT_ANIMAL], key=f"{PAGE}_ablate"
    )
    mode = url_state.segmented_control(cols[1], "How", ["zero", "mean"], default="zero", key=f"{PAGE}_mode") or "zero"
    st.caption(
        "**zero**: the head's output is replaced by 0 (the output projection adds only its bias). **mean**: by its "
        "average over this sentence's tokens: the head still adds something, but no longer says which token gets what."
    )
    if not chosen:
        return st.info("Pick at least one head to switch off.")
    silenced = [tuple(int(part[1:]) for part in head.split()) for head in chosen]
    before, after = model_cache.pair_similarity(*BANKS), model_cache.pair_similarity(*BANKS, silenced, mode)
    metrics = st.columns(2)
    metrics[0].metric(
        "Your sentence's embedding: cosine to all heads on", f"{model_cache.ablation_effect(text, silenced, mode):.4f}"
    )
    metrics[1].metric(
        "The two “bank” sentences: similarity", f"{after:.4f}", delta=f"{after - before:.4f} vs {before:.4f}"
    )
    picked = pick_token(st, "Token whose attention to follow through the layers", labels, f"{PAGE}_ablate_token")
    i, lowest = labels.index(picked), min(layer for layer, _ in silenced)
    change = heads.row_change_by_layer(run.attentions, model_cache.ablated_run(text, silenced, mode).attentions, i)
    layer_names = [f"layer {layer}" for layer in range(L)]
    biggest = float(change.abs().max())  # a scale symmetric around 0: no change is the middle colour
    show_matrix(change, layer_names, labels, key=f"{PAGE}_change", title=f"How the attention of “{picked}” changed",
                value_title="after − before", fmt=".3f", overlay=False, numbers=False, signed=True,
                domain=(-max(biggest, 1e-3), max(biggest, 1e-3)))  # fmt: skip
    st.caption(
        f"Heads averaged, one row per layer. Layers 0–{lowest} cannot change: a head is switched off after its own "
        f"weights are computed, so only the layers above react (largest change here: {biggest:.3f})."
    )
    st.info(
        "**What this shows, and what it does not.** Attention weights say where a head looks, not why the model does "
        "what it does. Switching a head off is an experiment: it shows how much *this* output depends on that head, "
        "on *this* sentence. It does not say what the head means, other heads may make up for it, effects of several "
        "heads do not simply add, and a zeroed head pushes the next layer into states it never saw in training "
        "(mean-ablation is gentler).",
        icon=":material/science:",
    )


ablation()

section("5 · Where attention carries the sentence")


@st.fragment
def rollout() -> None:
    share, plain = heads.rollout_to_sentence(model_cache.rollout(text)), heads.last_layer_share(run.attentions)
    best = float(share.max())
    near = [label for label, s in zip(labels, share.tolist(), strict=True) if best - s < 0.02]
    answered = predict(
        f"{PAGE}_predict",
        "MiniLM's sentence embedding is the average of its last-layer token vectors. Following attention down through "
        "all six layers, which input token carries the largest share of it?",
        labels,
        labels[int(share.argmax())],
        "Most attention, layer after layer, flows to [CLS] and [SEP]: they act as a place to park attention.",
        also_right=near,
        tie_note="Shares within 0.02 of the largest count as right.",
    )
    if not answered:
        return st.caption("Answer above to see each token's share.")
    if len(labels) > 24:
        st.caption(f"The 24 tokens with the largest rollout share of {len(labels)}.")
    series = {"rollout (all layers)": share, "last layer only": plain}
    render(token_shares(series, labels, title="Share of the sentence embedding"), key=f"{PAGE}_rollout")
    st.latex(
        r"\hat A_\ell = \operatorname{rownorm}\!\left(\tfrac12 \bar A_\ell + \tfrac12 I\right),\quad"
        r"R = \hat A_{L} \cdots \hat A_{1},\quad \text{share}_j = \tfrac1n \textstyle\sum_i R_{ij}"
    )
    st.caption(
        "Ā is a layer's weights averaged over its 12 heads; ½ I counts the residual path as attention to oneself "
        "(Abnar & Zuidema, 2020). The last-layer bars use Ā of layer 5 alone: what a plain heatmap suggests."
    )
    show_code(heads.attention_rollout, heads.rollout_to_sentence, heads.last_layer_share, title="The rollout code")


rollout()

explain(
    "- Each layer has 12 heads, each with its own W_q, W_k, W_v of size 384 × 32.\n"
    "- A head's weights are softmax(q·k / √32) over the tokens, exactly as on the Q, K, V page.\n"
    "- Many heads park their attention on [CLS]/[SEP]; a few link words that belong together (it → animal).\n"
    "- The input table gives *bank* one vector; after a few attention layers, the two *bank*s differ."
)
show_code(
    Encoder.run, bert.bert_forward, bert.embed, bert.encoder_layer, bert.self_attention, scaled_dot_product_attention,
    bert.feed_forward, bert.gelu, bert.scaled_layer_norm, bert.linear, heads.head_roles, heads.role_scores,
    heads.top_links, heads.top_heads, heads.head_similarity, heads.most_similar_heads, heads.merge_word_pieces,
    heads.hide_special_tokens, Encoder.rebuild_head, max_abs_difference, cosine_by_layer, path_through_layers,
    Encoder.ablation_effect, Encoder.pair_similarity, Encoder.sentence_embedding, mean_pooling, ablate_context,
    heads.row_change_by_layer, heads.token_row_by_layer,
)  # fmt: skip
