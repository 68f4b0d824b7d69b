"""The yardstick for rerun times: one slider, one chart."""

import altair as alt
import pandas as pd
import streamlit as st

n = st.slider("n", 1, 100, 10, key="n")
st.altair_chart(alt.Chart(pd.DataFrame({"x": range(n), "y": range(n)})).mark_line().encode(x="x", y="y"))
