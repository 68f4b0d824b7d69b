"""Every session-state key shared between pages, and the only code that reads or writes them.

A page never reads `st.session_state` by a string it did not create: it calls these accessors.
Keys a single page owns (its widgets, `{page}_...`) stay in that page.
"""

from __future__ import annotations

import streamlit as st
import torch

from core.device import pick_device

SHARED_SENTENCE = "shared_sentence"
DEVICE = "device"
SEED = "seed"
MODEL_NAME = "model_name"
PALETTE = "palette"
ATTENTION_COLOURS = "attention_colours"
PRESENTER = "presenter"

DEFAULT_SENTENCE = "The animal didn't cross the road because it was tired"
SEQUENTIAL_PALETTES = ("viridis", "cividis", "magma", "greys")
ATTENTION_SCALES = ("0 to 1", "each row stretched")


def shared_sentence() -> str:
    return st.session_state.get(SHARED_SENTENCE, DEFAULT_SENTENCE)


def seed() -> int:
    return int(st.session_state.get(SEED, 0))


def device() -> torch.device:
    """The sidebar's device; falls back to the best available one if that choice vanished."""
    try:
        return pick_device(st.session_state.get(DEVICE, "auto"))
    except ValueError:
        return pick_device()


def model_name() -> str | None:
    return st.session_state.get(MODEL_NAME, "").strip() or None


def palette() -> str:
    """The colour scheme chosen for heatmaps (colour-blind-safe viridis by default)."""
    return st.session_state.get(PALETTE, SEQUENTIAL_PALETTES[0])


def rows_stretched() -> bool:
    """Whether attention maps colour each row relative to its largest weight (small weights visible)."""
    return st.session_state.get(ATTENTION_COLOURS, ATTENTION_SCALES[0]) == ATTENTION_SCALES[1]


PRESENTER_LINK = {"1": True, "true": True, "0": False, "false": False}  # how links may spell it


def presenting() -> bool:
    """Presenter mode: the sidebar toggle, or on a link's first load (before the toggle is drawn) the URL."""
    if PRESENTER in st.session_state:
        return bool(st.session_state[PRESENTER])
    return PRESENTER_LINK.get(st.query_params.get(PRESENTER, "").lower(), False)
