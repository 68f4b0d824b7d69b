"""The yardstick for rerun times: one slider and one 8×8 Vega-Lite heatmap (a dict spec, as the lessons draw)."""

import streamlit as st


def square_heatmap(n: int) -> dict:
    """An 8×8 heatmap whose every cell changes with `n`: the trivial app's chart (bench/floor_app.py draws it too)."""
    cells = [{"row": r, "col": c, "value": (r * 8 + c) * n % 97} for r in range(8) for c in range(8)]
    return {
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


if __name__ == "__main__":  # Streamlit runs the script as __main__; bench/floor_app.py imports the chart
    n = st.slider("n", 1, 100, 10, key="n")
    st.vega_lite_chart(square_heatmap(n))
