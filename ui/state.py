"""The shared sidebar (sentence, device, seed, model) and the values pages read from it."""
from __future__ import annotations

import streamlit as st
import torch

from core.device import available_devices, pick_device

DEFAULT_SENTENCE = "The animal didn't cross the road because it was tired"
SHARED_KEYS = {"shared_sentence": DEFAULT_SENTENCE, "device": "auto", "seed": 0, "model_name": ""}
PAGE_SENTENCE_SUFFIX = "_sentence"


def _reset_page_sentences() -> None:
    """A new shared sentence replaces what each page had typed, so every page follows it."""
    for key in [k for k in st.session_state if str(k).endswith(PAGE_SENTENCE_SUFFIX)]:
        if key != "shared_sentence":
            del st.session_state[key]


def shared_sidebar() -> None:
    """Draw the sidebar every page shares. Call once per run, from app.py."""
    for key, default in SHARED_KEYS.items():
        st.session_state.setdefault(key, default)
    with st.sidebar:
        st.text_area("Sentence (shared by every page)", key="shared_sentence", height=80,
                     max_chars=2000, on_change=_reset_page_sentences,
                     help="Each page starts from this sentence; you can still edit it on the page.")
        st.selectbox("Device", ["auto", *available_devices()], key="device",
                     help="Where tensors are computed. auto picks cuda, then mps, then cpu.")
        st.number_input("Random seed", min_value=0, max_value=2**31 - 1, step=1, key="seed",
                        help="Seeds every random matrix, so a result can be reproduced exactly.")
        with st.expander("Model settings"):
            st.text_input("Model (name or folder)", key="model_name", placeholder="bundled all-MiniLM-L6-v2",
                          help="Leave empty for the bundled MiniLM. Another BERT-style "
                               "sentence-transformers model works if its files are on this machine.")


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
