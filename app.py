"""Attention Lab: self-attention from first principles, every number live."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled model never needs the network

import streamlit as st

from ui.navigation import HOME, LESSONS
from ui.state import shared_sidebar

st.set_page_config(page_title="Attention Lab", page_icon=":material/hub:", layout="wide")

navigation = st.navigation(
    [st.Page(page.path, title=page.title, icon=page.icon, default=page is HOME) for page in [HOME, *LESSONS]]
)
shared_sidebar()
navigation.run()
