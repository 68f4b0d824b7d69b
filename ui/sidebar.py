"""The sidebar every page shares: sentence, device, seed, presenter mode, colours, model."""

from __future__ import annotations

import streamlit as st

from core.device import available_devices
from ui import session, url_state
from ui.present import presenter_toggle, sidebar_controls

PAGE_SENTENCE_SUFFIX = "_sentence"


def page_sentence_key(page: str) -> str:
    """The session key of a page's own sentence box (owned by ui.widgets.sentence_input)."""
    return f"{page}{PAGE_SENTENCE_SUFFIX}"


def _reset_page_sentences() -> None:
    """A new shared sentence replaces what each page had typed, so every page follows it: set, not
    deleted, as a bound box (ui.url_state) would otherwise keep showing its old text."""
    for key in [k for k in st.session_state if str(k).endswith(PAGE_SENTENCE_SUFFIX)]:
        if key != session.SHARED_SENTENCE:
            st.session_state[key] = session.shared_sentence()


def shared_sidebar() -> None:
    """Draw the sidebar every page shares. Call once per run, from app.py."""
    with st.sidebar:
        url_state.text_area(
            st,
            "Sentence (shared by every page)",
            session.DEFAULT_SENTENCE,
            key=session.SHARED_SENTENCE,
            height=80,
            max_chars=2000,
            on_change=_reset_page_sentences,
            help="Each page starts from this sentence; you can still edit it on the page. "
            "Press Ctrl+Enter (or click outside the box) to apply it.",
        )
        presenter_toggle()
        sidebar_controls()
        url_state.segmented_control(
            st,
            "Attention colours",
            session.ATTENTION_SCALES,
            default=session.ATTENTION_SCALES[0],
            key=session.ATTENTION_COLOURS,
            help="0 to 1: the same scale for every map. Each row stretched: every row coloured relative to its "
            "own largest weight, so small weights become visible (the numbers stay the real weights).",
        )
        with st.expander("Settings"):
            url_state.selectbox(
                st,
                "Device",
                ["auto", *available_devices()],
                key=session.DEVICE,
                help="Where tensors are computed. auto picks cuda, then mps, then cpu.",
            )
            url_state.number_input(
                st,
                "Random seed",
                min_value=0,
                max_value=2**31 - 1,
                value=0,
                step=1,
                key=session.SEED,
                help="Seeds every random matrix, so a result can be reproduced exactly.",
            )
            url_state.selectbox(
                st,
                "Colour palette",
                session.SEQUENTIAL_PALETTES,
                key=session.PALETTE,
                help="viridis and cividis stay readable with colour-blindness and in greyscale.",
            )
            url_state.text_input(
                st,
                "Model (name or folder)",
                "",
                key=session.MODEL_NAME,
                placeholder="bundled all-MiniLM-L6-v2",
                help="Leave empty for the bundled MiniLM. Another BERT "
                "sentence-transformers model (with its tokenizer.json) works if its files are on this machine.",
            )
        share_link()


# The bound widgets (ui.url_state) keep the address bar up to date in the browser, fragments included;
# the server never sees those changes, so the link is read there, whenever the box is shown.
SHARE_LINK_HTML = """
<div class="share-link">
  <textarea class="share-link-address" rows="4" readonly aria-label="Link to this view"
    onfocus="this.select()"></textarea>
  <button type="button" class="share-link-copy">Copy link</button>
</div>
<style>
  .share-link { display: flex; flex-direction: column; align-items: flex-end; gap: 0.4rem; }
  .share-link-address { box-sizing: border-box; width: 100%; resize: vertical; word-break: break-all;
    font: 0.8rem/1.4 monospace; padding: 0.35rem 0.5rem; border: 1px solid rgba(49, 51, 63, 0.2);
    border-radius: 0.4rem; }
  .share-link-copy { padding: 0.35rem 0.9rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.4rem;
    background: white; cursor: pointer; }
</style>
<script>
(() => {
  const update = () => document.querySelectorAll("textarea.share-link-address").forEach((box) => {
    if (box.value !== window.location.href) box.value = window.location.href;
  });
  update();
  window.shareLinkTimer ??= setInterval(update, 400);  // the address changes with every control
  document.querySelectorAll("button.share-link-copy").forEach((button) => {
    button.onclick = async () => {
      update();
      const box = button.parentElement.querySelector("textarea");
      box.select();
      try { await navigator.clipboard.writeText(box.value); } catch { document.execCommand("copy"); }
      button.textContent = "Copied";
    };
  });
})();
</script>
"""


def share_link() -> None:
    """The address of exactly this view, to copy (every changed control's value is in it)."""
    with st.popover("Share this view", icon=":material/link:", width="stretch"):
        st.html(SHARE_LINK_HTML, unsafe_allow_javascript=True)
        st.caption(
            "Opening this link shows the same page with the same sentence, sliders and switches "
            "(answers to the questions are never in a link)."
        )
