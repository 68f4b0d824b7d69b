"""What a fresh server does before it answers its first request (serve.py's lifespan).

A student's direct link to *Inside a real model* on a fresh server used to wait for everything the
first run of any page pays once per process: importing torch and pandas (1–2 s on a cold machine),
loading MiniLM, the default sentence's forward, head roles and links, and on *Attention that writes*
the decoder and its held-out measurements (~2 s). Done here, before the server is ready, the link
finds them in the caches that the pages read.
"""

from __future__ import annotations

from core.device import pick_device
from ui.session import DEFAULT_SENTENCE


def warm_up() -> None:
    """Import what the pages import and fill the caches a fresh page asks for first (the default
    sentence on the real model, the shipped decoder's measurements)."""
    import streamlit.emojis  # noqa: F401 (what the first alert with a non-ASCII text imports: ~0.1-0.35 s once)

    import ui.charts  # noqa: F401 (pandas and pyarrow, through ui.specs)
    from ui import decoder_cache, model_cache

    model_cache.warm(DEFAULT_SENTENCE, str(pick_device()))
    decoder_cache.model()
    decoder_cache.report()
