"""The shared sidebar (sentence, device, seed, model) and the values pages read from it."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
import torch

from core.device import available_devices, pick_device
from ui import linked
from ui.charts import SEQUENTIAL_PALETTES
from ui.present import PRESENTER, sidebar_controls

DEFAULT_SENTENCE = "The animal didn't cross the road because it was tired"
PAGE_SENTENCE_SUFFIX = "_sentence"


def _reset_page_sentences() -> None:
    """A new shared sentence replaces what each page had typed, so every page follows it."""
    for key in [k for k in st.session_state if str(k).endswith(PAGE_SENTENCE_SUFFIX)]:
        if key != "shared_sentence":
            del st.session_state[key]
    for key in [k for k in st.query_params if k.endswith(PAGE_SENTENCE_SUFFIX) and k != "shared_sentence"]:
        del st.query_params[key]


def shared_sidebar() -> None:
    """Draw the sidebar every page shares. Call once per run, from app.py."""
    with st.sidebar:
        linked.text_area(
            st,
            "Sentence (shared by every page)",
            DEFAULT_SENTENCE,
            key="shared_sentence",
            height=80,
            max_chars=2000,
            on_change=_reset_page_sentences,
            help="Each page starts from this sentence; you can still edit it on the page.",
        )
        linked.selectbox(
            st,
            "Device",
            ["auto", *available_devices()],
            key="device",
            help="Where tensors are computed. auto picks cuda, then mps, then cpu.",
        )
        linked.number_input(
            st,
            "Random seed",
            min_value=0,
            max_value=2**31 - 1,
            value=0,
            step=1,
            key="seed",
            help="Seeds every random matrix, so a result can be reproduced exactly.",
        )
        linked.toggle(
            st,
            "Presenter mode",
            key=PRESENTER,
            help="For a projector: larger type and charts, explanations folded, and each page's "
            "sections revealed one at a time.",
        )
        sidebar_controls()
        with st.expander("Settings"):
            linked.selectbox(
                st,
                "Colour palette",
                SEQUENTIAL_PALETTES,
                key="palette",
                help="viridis and cividis stay readable with colour-blindness and in greyscale.",
            )
            linked.text_input(
                st,
                "Model (name or folder)",
                "",
                key="model_name",
                placeholder="bundled all-MiniLM-L6-v2",
                help="Leave empty for the bundled MiniLM. Another BERT-style "
                "sentence-transformers model works if its files are on this machine.",
            )
        share_link()


def share_link() -> None:
    """The address of exactly this view, to copy (every control's value is in it)."""
    with st.popover("Share this view", icon=":material/link:", width="stretch"):
        base = (st.context.url or "").split("?")[0]
        query = urlencode({k: st.query_params[k] for k in st.query_params})
        st.code(f"{base}?{query}" if query else base, language=None, wrap_lines=True)
        st.caption("Opening this link shows the same page with the same sentence, sliders and switches.")


def shared_sentence() -> str:
    return st.session_state.get("shared_sentence", DEFAULT_SENTENCE)


def seed() -> int:
    return int(st.session_state.get("seed", 0))


def device() -> torch.device:
    """The sidebar's device; falls back to the best available one if that choice vanished."""
    try:
        return pick_device(st.session_state.get("device", "auto"))
    except ValueError:
        return pick_device()


def model_name() -> str | None:
    return st.session_state.get("model_name", "").strip() or None
