import streamlit as st

from core import bert, heads
from core.attention import near_best
from core.contextual import shared_tokens, token_in_two_sentences
from core.model import MAX_CHARS, MAX_MODEL_TOKENS, Encoder, max_abs_difference
from core.numbers import power_of_ten
from core.text import unique_labels
from ui import model_cache, scrub, session, url_state
from ui.charts import (
    attention_map,
    matrix_companions,
    matrix_frame,
    render,
    show_matrix,
    side_by_side,
    signed_reach,
)
from ui.datasets import with_arrow_datasets
from ui.export import chart_downloads, page_export
from ui.markdown import md_escape
from ui.navigation import REAL_MODEL
from ui.present import section
from ui.quiz import answered, predict
from ui.specs import (
    MAX_LABELLED,
    attention_lines,
    head_atlas,
    head_ranking,
    heatmap,
    layer_path,
    lines,
    token_shares,
)
from ui.widgets import explain, page_header, sentence_input, sentence_pair, show_code, token_picker

PAGE = REAL_MODEL.id
# The course texts' examples of a word that needs another, each pair measured on this page (rankings).
TEXT_PAIRS = {
    "I love eating fresh apple in the morning": (("fresh", "apple"),),
    "She locked the door with a key": (("locked", "door"), ("locked", "key")),
    "I love artificial intelligence": (("love", "i"), ("love", "intelligence")),
}
EXAMPLES = (
    "The animal didn't cross the road because it was tired",
    "The student said he was tired",
    "Apple launched a new phone",
    *TEXT_PAIRS,
)
BANKS = ("I went to the bank to deposit money", "We sat on the bank of the river")
LAYER, HEAD, ATLAS = f"{PAGE}_layer", f"{PAGE}_head", f"{PAGE}_atlas"
PREDICT = f"{PAGE}_predict"  # section 5's question: where attention carries the sentence
OPENS_ON = ("it", "he", "she", "apple")  # a token picker opens on the first of these that the sentence has
ASKING = dict(asking="token asking", attended="attends to")
MERGE_LABEL = "Merge word pieces into words (columns summed, rows averaged)"
TIED = 0.02  # rollout shares this close to the largest count as right
ROLE_LABELS, SINK = heads.ROLE_LABELS, "[CLS]/[SEP] sink"
ROLE_NAMES = tuple(ROLE_LABELS[role] for role in heads.ROLES)  # the atlas's legend, in the measure's order


def drift_sentence(cosines: list[float]) -> str:
    """How a shared word's two vectors move through the layers, read off the chart's cosines (layer 0 first)."""
    rises = [str(i) for i in range(1, len(cosines)) if cosines[i] > cosines[i - 1]]
    way = "further apart" if cosines[-1] < cosines[0] else "no further apart"
    layers = f"layer{'s' if len(rises) > 1 else ''} {', '.join(rises)}"
    again = f", though the cosine rises again at {layers}" if rises else ""
    return f"the cosine goes from {cosines[0]:.2f} to {cosines[-1]:.2f}, so the two meanings end up {way}{again}."


def open_clicked_head() -> None:
    picked = st.session_state[ATLAS].selection.get("head") or []
    if picked:
        scrub.move(HEAD_MAP, {LAYER_SCRUB: int(picked[0]["layer"]), HEAD_SCRUB: int(picked[0]["head"])})


page_header(
    "Inside a real model",
    "**all-MiniLM-L6-v2** is a small pretrained transformer encoder (6 layers × 12 heads, 384 numbers per token), "
    "bundled with this app and run offline. Every map below is the model's own softmax weights for your sentence — "
    "the same computation as the earlier pages, with learned W_q, W_k, W_v. This page runs the real model with this "
    "app's own code, every head through the attention function of the earlier pages: the Show code panel at the "
    "bottom has it.",
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
IT_ANIMAL = [head[:2] for head in heads.link_heads(first.attentions, *(pair if len(pair) == 2 else (0, 0)), k=2)]
DEFAULT = IT_ANIMAL[0]
HEAD_MAP = f"{PAGE}_head_scrub"  # the chart whose inputs choose the layer, the head and a token's row
LAYER_SCRUB = scrub.Scrub(LAYER, "Layer", tuple(range(L)), DEFAULT[0])
HEAD_SCRUB = scrub.Scrub(HEAD, "Head", tuple(range(H)), DEFAULT[1])


@st.fragment
def head_explorer() -> None:
    """The atlas, then the chosen head: Layer, Head and a token's row answer in the browser (ui.scrub);
    this fragment reruns once the server hears where they ended (the text, the line view, the check)."""
    roles, links = model_cache.roles(text), model_cache.head_links(text)
    atlas = st.container()
    merge_label, hide_label = MERGE_LABEL, "Hide [CLS]/[SEP] (each row renormalised to sum to 1)"
    merge = url_state.toggle(st, merge_label, key=f"{PAGE}_merge")  # one per line: their labels stay whole
    hide = url_state.toggle(st, hide_label, key=f"{PAGE}_hide")
    maps, tokens = model_cache.head_views(text, merge, hide)
    view = unique_labels(tokens)
    labelled = len(view) <= MAX_LABELLED  # a heatmap with every label; beyond it the line view alone
    choices = ("every token", *view)
    row = scrub.Scrub(f"{PAGE}_source", "Show one token's row", choices, opening_token(view), column="row")
    controls = [LAYER_SCRUB, HEAD_SCRUB, row] if labelled else [LAYER_SCRUB, HEAD_SCRUB]
    now = scrub.positions_now(HEAD_MAP, controls)
    selected = (now[LAYER], now[HEAD])
    in_words = [r._replace(role=ROLE_LABELS[r.role]) for r in roles]
    spec = head_atlas(in_words, links, roles=ROLE_NAMES, selected=selected, title="Click a head to open it")
    atlas.vega_lite_chart(
        with_arrow_datasets(spec), on_select=open_clicked_head, selection_mode="head", key=ATLAS, width="stretch"
    )
    atlas.caption(atlas_caption(heads.role_counts(roles), told=answered(PREDICT)))
    stretched = session.rows_stretched()

    def head_map(**position) -> dict:
        lay, hd = position[LAYER], position[HEAD]
        return heatmap(
            maps[lay, hd], view, view, palette=session.palette(), title=f"{heads.head_name(lay, hd)} as a heatmap",
            domain=(0, 1), highlight_param=row.field, stretch_rows=stretched, value_title="weight",
            row_title=ASKING["asking"], col_title=ASKING["attended"],
        )  # fmt: skip

    def head_lines(**position) -> dict:
        lay, hd = position[LAYER], position[HEAD]
        return attention_lines(maps[lay, hd], view, title=f"{heads.head_name(lay, hd)}: links of 0.05 or more")

    places = side_by_side(2, len(view)) if labelled else [st.container()]
    with places[0]:
        if not labelled:
            st.caption(f"Over {MAX_LABELLED} tokens a heatmap cannot label them all: the line view shows the head.")
        build, cells = (head_map, len(view) ** 2) if labelled else (head_lines, 4 * len(view))
        identity = (text, merge, hide, session.palette(), stretched)
        now = scrub.scrub_chart(build, controls, key=HEAD_MAP, cells=cells, data_id=identity)
        layer, head = now[LAYER], now[HEAD]
        frame = matrix_frame(maps[layer, head], view, view)
        chart_downloads(lambda: build(**now), key=f"{PAGE}_head_map_chart", table=frame)
        matrix_companions(frame, key=f"{PAGE}_head_map")
    this = heads.head_name(layer, head)
    picked = now[row.key] if labelled else None
    index = view.index(picked) if picked in view else None
    if labelled:
        with places[1]:
            title = f"{this}: " + (f"where “{picked}” looks" if index is not None else "links of 0.05 or more")
            render(attention_lines(maps[layer, head], view, selected=index, title=title), key=f"{PAGE}_lines")
    similar = heads.most_similar_heads(model_cache.similarity(text), layer, head, 5, n_heads=H)
    ranked = heads.ranked_roles(model_cache.role_score_table(text)[layer, head])
    row_role = heads.row_role(maps[layer, head], view, index) if index is not None else None
    focus = run.tokens[int(heads.focus_word(run.attentions[layer, head], run.tokens))]  # as the role scores read it
    st.markdown(
        head_in_words(this, ranked, len(run.tokens), focus, picked, row_role)
        + " Heads most like it (patterns compared row by row, 1 = identical): "
        + ", ".join(f"{heads.head_name(lay, hd)} ({s:.2f})" for lay, hd, s in similar)
        + "."
    )
    head_check(layer, head)


def atlas_caption(counts: list[tuple[str, int]], *, told: bool) -> str:
    """The atlas in words: how many heads have each role and, once section 5's question is answered (`told`:
    the why gives its answer away), why so many rest on [CLS]/[SEP]."""
    listed = "; ".join(f"{md_escape(ROLE_LABELS[role])}: {n} {'head' if n == 1 else 'heads'}" for role, n in counts)
    # the legend lists only these roles: the others are named, so a missing colour does not look forgotten
    absent = [md_escape(ROLE_LABELS[role]) for role in heads.ROLES if role not in dict(counts)]
    listed += f"; no head: {', '.join(absent)}" if absent else ""
    resting = dict(counts).get(SINK, 0)
    why = (
        f" {resting} of {sum(n for _, n in counts)} {'head rests' if resting == 1 else 'heads rest'} on "
        "[CLS]/[SEP]: a head with nothing to look for in this sentence parks its attention on these two marker "
        "tokens: a resting place."
        if resting and told
        else " Why so many heads rest on [CLS]/[SEP]: after the question in section 5."
        if resting
        else ""
    )
    return (
        "Layers and heads count from 0 here, as in the model's code (L0 H0: layer 0's first head). "
        f"Each head's role is the largest of its {len(heads.ROLES)} role scores, measured from its weights on this "
        f"sentence on average over every token's row (the number in the cell): {listed}.{why}"
    )


def head_in_words(this: str, ranked: list[tuple[str, float]], rows: int, focus: str, picked, row_role) -> str:
    """One head's role in words, from its role scores (heads.ranked_roles) and its focus word
    (heads.focus_word) and, when a token's row is picked, that row's own role (heads.row_role): a head
    that spreads out on average may still focus one word."""
    (best, score), (second, second_score) = ranked[:2]
    measured = {  # what the number of each role measures (core.heads.row_role_scores), in plain words
        "self": ": the mean weight its rows put on their own token",
        "previous token": ": the mean weight its rows put on the token just before",
        "next token": ": the mean weight its rows put on the token just after",
        "[CLS]/[SEP] sink": ": the mean weight its rows put on [CLS] and [SEP]",
        "broad": f": each row as spread as an even split over {score * rows:.0f} tokens",
        "word pair": ": the mean of its rows' largest weight on a word that is neither the token nor its neighbour",
        "one word": f": the mean weight its rows put on “{md_escape(focus)}”",
    }[best]
    said = (
        f"On average over its {rows} rows (one per token), **{this}** *{ROLE_LABELS[best]}* (role score {score:.2f}"
        f"{measured}; next: {ROLE_LABELS[second]}, {second_score:.2f})."
    )
    if row_role is None:
        return said
    mine, mine_score = row_role.ranked[0]
    # the role above is an average over every row; this one row may do something else, and says it is one row
    also = "too" if mine == best else "instead"
    return said + (
        f" The row of “{md_escape(picked)}” alone (this one token, not the average) *{ROLE_LABELS[mine]}* {also} "
        f"(row score {mine_score:.2f}): its largest weight, {row_role.top_weight:.2f}, is on "
        f"“{md_escape(row_role.top)}”."
    )


def opening_token(view: list[str]) -> str:
    """The row the head view opens on: the first of OPENS_ON that the sentence has, else its first word
    (as ui.widgets.token_picker chooses)."""
    words = [token for token in view if not token.startswith("[")]
    return next((word for word in OPENS_ON if word in view), words[0] if words else "every token")


@st.fragment  # nested: "Show both maps" redraws this check only
def head_check(layer: int, head: int) -> None:
    this = heads.head_name(layer, head)
    st.subheader("Is this the real computation?")
    alone, forward = model_cache.rebuild_head(text, layer, head)
    difference = max_abs_difference(alone, forward)
    st.markdown(
        f"The map above comes from the whole model's forward, which projects all {H} heads in one product and then "
        f"splits the columns into heads. Rebuild head {head} on its own: take the hidden states entering layer "
        f"{layer}, multiply by head {head}'s own rows of the model's W_q, W_k, W_v and biases, and run this app's "
        "attention function of the Q, K, V page on them: the two maps must agree. (The app's tests also check the "
        "whole forward against Hugging Face transformers' implementation of this model: every attention weight and "
        "hidden state within 1 × 10⁻⁵.)"
    )
    shown = "0 (exact)" if difference == 0 else power_of_ten(difference, digits=0)
    st.metric(f"max |head alone − full forward| ({this}, {encoder.device.type})", shown)
    (st.success if difference <= 1e-5 else st.error)(
        "Identical: not one number differs."
        if difference == 0
        else "Equal to within float32 rounding (1 × 10⁻⁵)."
        if difference <= 1e-5
        else "They differ by more than 1 × 10⁻⁵."
    )
    if url_state.toggle(st, "Show both maps", key=f"{PAGE}_both"):
        maps = [(alone, "head rebuilt alone"), (forward, "from the full forward")]
        for place, (matrix, title) in zip(side_by_side(2, len(labels)), maps, strict=True):
            with place:
                key = f"{PAGE}_{title[:3]}"
                attention_map(matrix, labels, key=key, title=title, overlay=False, numbers=False)
    numbers = {"text": text, "tokens": run.tokens, "layer": layer, "head": head, "attention": forward}
    page_export(PAGE, {**numbers, "rebuilt": alone, "max_difference": difference})


@st.fragment
def rankings() -> None:
    left, right = st.columns(2)
    role = url_state.selectbox(
        left,
        "Rank heads by role",
        heads.ROLES,
        index=heads.ROLES.index("word pair"),
        format_func=ROLE_LABELS.get,
        key=f"{PAGE}_rank",
    )
    top = heads.rank_by_role(model_cache.role_score_table(text), role, k=10)
    title = f"Top 10: {ROLE_LABELS[role]}"
    render(head_ranking(top, title=title, value_title="role score"), key=f"{PAGE}_rb", target=left)
    cols = right.columns(2)
    pairs = [pair for pair in TEXT_PAIRS.get(text, ()) if set(pair) <= set(labels)]  # the finder opens on them
    src = token_picker(cols[0], "From", labels, f"{PAGE}_finder_from", (*(a for a, _ in pairs), *OPENS_ON))
    to = (*(b for _, b in pairs), "animal", "student", "phone", "road")
    tgt = token_picker(cols[1], "To", labels, f"{PAGE}_finder_to", to)
    top = heads.link_heads(run.attentions, labels.index(src), labels.index(tgt), k=10)
    right.markdown(
        f"Strongest: **layer {top[0][0]}, head {top[0][1]}** puts **{top[0][2]:.2f}** of “{md_escape(src)}”’s "
        f"attention on “{md_escape(tgt)}” (uniform would be {1 / len(labels):.2f})."
    )
    spec = head_ranking(top, title=f"Top 10: “{src}” → “{tgt}”", value_title="weight")
    render(spec, key=f"{PAGE}_finder_bars", target=right)
    if pairs:
        found = [(a, b, *heads.link_heads(run.attentions, labels.index(a), labels.index(b), k=1)[0]) for a, b in pairs]
        right.caption(
            "The texts' example, measured: "
            + "; ".join(f"“{a}” → “{b}”: layer {lay}, head {hd} puts {w:.2f} on it" for a, b, lay, hd, w in found)
            + f" (uniform would be {1 / len(labels):.2f})."
        )


@st.fragment
def static_vs_contextual() -> None:
    pair = url_state.segmented_control(st, "Example", ["bank", "apple"], default="bank", key=f"{PAGE}_pair") or "bank"
    defaults = {"bank": BANKS, "apple": ("Apple launched a new phone", "I ate an apple")}[pair]
    keys = (f"{PAGE}_pair_1_{pair}", f"{PAGE}_pair_2_{pair}")
    one, two = sentence_pair(("Sentence 1", "Sentence 2"), defaults, keys, max_chars=500)
    try:
        run_1, run_2 = model_cache.run(one), model_cache.run(two)
    except ValueError as reason:
        return st.info(str(reason))
    shared = shared_tokens(run_1, run_2)
    if not shared:
        return st.info("The two sentences need a token in common.")
    word = token_picker(st, "Shared token", shared, f"{PAGE}_pair_word", (pair,))
    st.subheader(f"Is “{word}” the same vector in both sentences?")
    static, per_layer, path = token_in_two_sentences(run_1, run_2, word)
    metrics = st.columns(2)
    metrics[0].metric(f"“{word}” vector, input table: cosine", f"{static:.4f}")
    drift = f"{per_layer[-1] - static:.4f}"  # green when the two meanings move apart: the point of the section
    metrics[1].metric(
        f"“{word}” vector, last layer: cosine",
        f"{per_layer[-1]:.4f}",
        delta=f"{drift} from the static cosine",
        delta_color="inverse",
    )
    st.caption(  # section 4 compares two whole sentences: this says these numbers are one word's
        f"Both compare one token's vectors, “{md_escape(word)}” in sentence 1 with “{md_escape(word)}” in sentence 2: "
        f"left, its row of the input table (before any layer); right, its vector after the last of the {L} layers."
    )
    left, right = st.columns([2, 3])  # the PCA map keeps room for its legend
    title, x_title = f"cosine of “{word}” in 1 vs 2", "layers passed (0 = input)"
    columns = {"layer": range(L + 1), "cosine": per_layer}
    spec = lines(columns, "layer", "cosine", title=title, x_title=x_title, integer_x=True)
    render(spec, key=f"{PAGE}_pair_lines", target=left)
    spec = layer_path(path, L + 1, title=f"“{word}” through the layers (PCA)")
    render(spec, key=f"{PAGE}_pair_map", target=right)
    st.caption(
        (
            "At 0 on this chart, before the first attention layer (the input embeddings), the two are identical: "
            "same token, same position. "
            if per_layer[0] > 0.9999
            else "At 0 on this chart, before the first attention layer (the input embeddings), the two already "
            "differ a little: the position embedding is added. "
        )
        + f"Each of the {L} attention layers then mixes in more of its sentence (the chart's 1 to {L}): "
        + drift_sentence([float(c) for c in per_layer])
    )


@st.fragment
def ablation() -> None:
    everything = [heads.head_name(lay, hd) for lay in range(L) for hd in range(H)]
    it_animal = [heads.head_name(*h) for h in IT_ANIMAL]
    cols = st.columns([3, 1])
    chosen = url_state.multiselect(cols[0], "Heads to switch off", everything, default=it_animal, key=f"{PAGE}_ablate")
    mode = url_state.segmented_control(cols[1], "How", ["zero", "mean"], default="zero", key=f"{PAGE}_mode") or "zero"
    st.caption(
        "**zero**: the head's output is replaced by 0 (the output projection adds only its bias). **mean**: by its "
        "average over this sentence's tokens: the head still adds something, but no longer says which token gets what."
    )
    if not chosen:
        return st.info("Pick at least one head to switch off.")
    silenced = [heads.parse_head_name(head) for head in chosen]
    before, after = model_cache.pair_similarity(*BANKS), model_cache.pair_similarity(*BANKS, silenced, mode)
    effect, metrics = model_cache.ablation_effect(text, silenced, mode), st.columns(2)
    metrics[0].metric("Your sentence's embedding: cosine to all heads on", f"{effect:.4f}")
    metrics[1].metric(
        "“bank” sentences' embeddings: cosine",
        f"{after:.4f}",
        delta=f"{after - before:+.4f} from {before:.4f} with every head on",
        delta_color="off",  # a change to measure, neither good nor bad: grey, not red or green
    )
    st.caption(  # not section 3's one-word cosine: a whole sentence's vector, as the model hands it out
        "Right: the cosine of two sentence embeddings, “" + "” and “".join(BANKS) + "”, with the chosen heads "
        "switched off. A sentence's embedding is "
        "its last layer's token vectors averaged over every token, [CLS] and [SEP] included (mean pooling): it "
        "compares the whole sentences, not the one word “bank” of section 3."
    )
    label = "Token whose attention to follow through the layers"
    picked = token_picker(st, label, labels, f"{PAGE}_ablate_token", OPENS_ON)
    i, lowest = labels.index(picked), min(layer for layer, _ in silenced)
    change = heads.row_change_by_layer(run.attentions, model_cache.ablated_run(text, silenced, mode).attentions, i)
    layer_names, title = [f"layer {layer}" for layer in range(L)], f"How the attention of “{picked}” changed"
    shown = ".3f"  # the chart's numbers and the caption's: its colour scale ends on the largest, rounded up
    options = dict(value_title="after − before", fmt=shown, overlay=False, numbers=False, signed=True)
    show_matrix(change, layer_names, labels, key=f"{PAGE}_change", title=title, **options)
    biggest, reach = heads.largest_change(change), signed_reach(change, shown)
    st.caption(
        f"Heads averaged, one row per layer. Layers 0–{lowest} cannot change: a head is switched off after its own "
        f"weights are computed, so only the layers above react (largest change here: {biggest:{shown}}; the colours "
        f"run from −{reach:{shown}} to +{reach:{shown}})."
    )
    st.info(
        "**What this shows, and what it does not.** Attention weights say where a head looks, not why the model does "
        "what it does. Switching a head off is an experiment: it shows how much *this* output depends on that head, "
        "on *this* sentence. It does not say what the head means, other heads may make up for it, effects of several "
        "heads do not simply add, and a zeroed head pushes the next layer into states it never saw in training "
        "(mean-ablation is gentler).",
        icon=":material/science:",
    )


@st.fragment
def rollout() -> None:
    share, plain = heads.rollout_to_sentence(model_cache.rollout(text)), heads.last_layer_share(run.attentions)
    near = [labels[k] for k in near_best(share, TIED)]
    told = predict(
        PREDICT,
        "MiniLM's sentence embedding is the average of its last-layer token vectors. Following attention down through "
        "all six layers, which input token carries the largest share of it?",
        labels,
        labels[near_best(share, 0)[0]],
        "Most attention, layer after layer, flows to [CLS] and [SEP]: they act as a place to park attention.",
        also_right=near,
        tie_note=f"Shares within {TIED} of the largest count as right.",
        waiting="Answer above to see each token's share.",
        whole_page=True,  # the atlas's caption and the summary say why once this is answered
    )
    if not told:
        return
    if len(labels) > 24:
        st.caption(f"The 24 tokens with the largest rollout share of {len(labels)}.")
    series = {"rollout (all layers)": share, "last layer only": plain}
    render(token_shares(series, labels, title="Share of the sentence embedding"), key=f"{PAGE}_rollout")
    st.latex(  # the space after \quad: "\quadR" is no command, and KaTeX showed it in red
        r"\hat A_\ell = \operatorname{rownorm}\!\left(\tfrac12 \bar A_\ell + \tfrac12 I\right),\quad "
        r"R = \hat A_{L} \cdots \hat A_{1},\quad \text{share}_j = \tfrac1n \textstyle\sum_i R_{ij}"
    )
    st.caption(
        "Ā is a layer's weights averaged over its 12 heads; ½ I counts the residual path as attention to oneself "
        "(Abnar & Zuidema, 2020). The last-layer bars use Ā of layer 5 alone: what a plain heatmap suggests."
    )
    rollout_code = (heads.attention_rollout, heads.rollout_to_sentence, heads.last_layer_share)
    show_code(*rollout_code, title="The rollout code", whole_page=False)


section(f"1 · The head atlas: what each of the {L * H} heads does")
head_explorer()
section("2 · Heads ranked: by role, or by the link between two words")
rankings()
section("3 · Static vs contextual: one word in two sentences")
static_vs_contextual()
section("4 · Switch heads off and see what changes")
ablation()
section("5 · Where attention carries the sentence")
rollout()

explain(
    "- Each layer has 12 heads, each with its own W_q, W_k, W_v of size 384 × 32.\n"
    "- A head's weights are softmax(q·k / √32) over the tokens, exactly as on the Q, K, V page.\n"
    + (
        "- Many heads park their attention on [CLS]/[SEP]; a few link words that belong together (it → animal).\n"
        if answered(PREDICT)
        else "- A few heads link words that belong together (it → animal).\n"
    )
    + "- The input table gives *bank* one vector; after a few attention layers, the two *bank*s differ."
)
show_code(
    Encoder.run,
    heads.head_roles,
    heads.top_links,
    heads.head_similarity,
    heads.role_scores,
    Encoder.rebuild_head,
    Encoder.ablation_effect,
    Encoder.pair_similarity,
    Encoder.sentence_embedding,
    Encoder.embedding_of,
    bert.bert_forward,
)
