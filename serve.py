"""The app as each server of a lecture hall runs it: `streamlit run serve.py` (make cluster, deploy/).

The same app as `streamlit run app.py`, started through Streamlit's `st.App` so that code runs when
the server starts, before its first request: a browser that reconnects here after its own server
died may send a fragment rerun first, and ui.reconnect must already turn it into a whole-page run;
and a fresh server's first student should not wait for imports and models (ui.warm).
"""

import asyncio
from contextlib import asynccontextmanager

import streamlit as st

from ui.memory import fewer_malloc_arenas
from ui.reconnect import run_whole_page_for_unknown_fragments
from ui.warm import warm_up

fewer_malloc_arenas()  # before any session's thread: see ui/memory.py


@asynccontextmanager
async def lifespan(_app: st.App):
    run_whole_page_for_unknown_fragments()
    await asyncio.to_thread(warm_up)  # before the first request: imports, the models, the first page's numbers
    yield None


app = st.App("app.py", lifespan=lifespan)
