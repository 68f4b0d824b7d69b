"""Attention Lab: self-attention from first principles, every number live."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled model never needs the network

import streamlit as st
import torch

# A classroom server runs many small computations for many sessions at once; one thread per
# operation avoids threads fighting over the cores (about 1.4x more reruns a second under load).
torch.set_num_threads(int(os.environ.get("ATTENTION_LAB_TORCH_THREADS", "1")))

from ui.course import follow_map_click, footer  # noqa: E402 (after the thread setting above)
from ui.model_cache import preload_in_background  # noqa: E402 (after the thread setting above)
from ui.navigation import HOME, LESSONS  # noqa: E402 (after the thread setting above)
from ui.present import start_page  # noqa: E402 (after the thread setting above)
from ui.reconnect import run_whole_page_for_unknown_fragments  # noqa: E402 (after the thread setting above)
from ui.session import presenting  # noqa: E402 (after the thread setting above)
from ui.sidebar import shared_sidebar  # noqa: E402 (after the thread setting above)

# A browser whose server died reconnects here: its next fragment press must run the whole page.
# serve.py applies this at server start; here it covers `streamlit run app.py` (Community Cloud).
run_whole_page_for_unknown_fragments()

st.set_page_config(
    page_title="Attention Lab",
    page_icon=":material/hub:",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting() else "auto",
)

navigation = st.navigation(
    [st.Page(page.path, title=page.title, icon=page.icon, default=page is HOME) for page in [HOME, *LESSONS]]
)
PAGE_ID = {page.url_path: page.id for page in [HOME, *LESSONS]}
page_id = PAGE_ID.get(navigation.url_path or "", HOME.id)
start_page(page_id)
follow_map_click()
shared_sidebar()
navigation.run()  # a lesson draws its compact course map under its title (ui.widgets.page_header)
footer(page_id)  # under what the page drew; a page that stops early (presenting, no sentence) goes without
preload_in_background()  # after the page is drawn: the model is ready before a student reaches it
