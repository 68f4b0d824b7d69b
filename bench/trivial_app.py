"""The yardstick for rerun times: one slider and one 8×8 Vega-Lite heatmap (a dict spec, as the lessons draw)."""

import streamlit as st

n = st.slider("n", 1, 100, 10, key="n")
cells = [{"row": r, "col": c, "value": (r * 8 + c) * n % 97} for r in range(8) for c in range(8)]
st.vega_lite_chart(
    {
        "data": {"values": cells},
        "mark": "rect",
        "encoding": {
            "x": {"field": "col", "type": "ordinal"},
            "y": {"field": "row", "type": "ordinal"},
            "color": {"field": "value", "type": "quantitative"},
        },
        "width": 240,
        "height": 240,
    }
)
