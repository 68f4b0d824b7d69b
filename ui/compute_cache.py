"""Pure results from core/ that cost more than a rerun should, cached once per server for every session.

The page shows the core function itself (show_code); it calls the cached one.
"""

import streamlit as st

from core import recurrent

# 64-bit autograd through RNN/LSTM/attention for every length: ~30 ms, needed on every full rerun of Why attention.
cached_influence_curves = st.cache_data(max_entries=32, show_spinner=False)(recurrent.influence_curves)
