"""The least a lesson's control can cost in the browser: the lesson app's own shell (set_page_config,
navigation over every page, the shared sidebar) around one slider and what that slider changes.

    streamlit run bench/floor_app.py
      /?charts=4                      four copies of the trivial app's 8×8 heatmap, all changing
      /?charts_file=F&texts=T&blocks=B  the charts recorded in F (JSON from bench/floor.py: a lesson's
                                      charts before and after its first slider moved), swapped on every
                                      press, with T short paragraphs and B empty containers
      &fragment=1                     the slider and its charts in a fragment, the rest outside it

bench/floor.py times it against the trivial app."""

import json
from pathlib import Path

import streamlit as st

from bench.trivial_app import square_heatmap
from ui.navigation import HOME, LESSONS
from ui.present import start_page
from ui.sidebar import shared_sidebar
from ui.specs import CANVAS

PARAGRAPH = "Each word asks a **question** (its query) and every word offers a *label* (its key): paragraph {}."


@st.cache_data
def recorded_charts(path: str) -> dict:
    return json.loads(Path(path).read_text())


def floor_page() -> None:
    texts, blocks = (int(st.query_params.get(name, 0)) for name in ("texts", "blocks"))
    if st.query_params.get("fragment"):  # the slider reruns only itself and its charts, as in a lesson's fragment
        st.fragment(slider_and_charts)()
    else:
        slider_and_charts()
    for i in range(texts):
        st.markdown(PARAGRAPH.format(i + 1))
    for _ in range(blocks):
        st.container()


def slider_and_charts() -> None:
    n = st.slider("n", 1, 100, 10, key="n")
    if "charts_file" in st.query_params:
        recorded = recorded_charts(st.query_params["charts_file"])
        # Every press moves n by one: the charts alternate between the lesson's two states. Two to a row:
        # no wider than on the lesson's page, so no more costly to draw.
        specs = recorded["after" if n % 2 else "before"]
        for column, chart in zip(st.columns(2) * len(specs), specs):
            if chart is not None:  # a chart that only one of the two states draws
                column.vega_lite_chart(chart["spec"], width="stretch", key=chart["key"])
    for k in range(int(st.query_params.get("charts", 0))):  # every chart's cells change with the slider
        # drawn as the lessons draw theirs (canvas: cheaper than the trivial app's SVG), at its own 240 px
        st.vega_lite_chart({**square_heatmap(n + k), "usermeta": CANVAS}, width="content")


def elsewhere() -> None:
    st.write("Only the navigation entry matters here.")


st.set_page_config(page_title="Attention Lab floor", layout="wide")
# The same ten entries, titles and icons as app.py: the floor page stands where the home page is.
entries = [
    st.Page(
        floor_page if page is HOME else elsewhere,
        title=page.title,
        icon=page.icon,
        default=page is HOME,
        url_path=None if page is HOME else page.url_path,
    )
    for page in [HOME, *LESSONS]
]
navigation = st.navigation(entries)
start_page(HOME.id)
shared_sidebar()
navigation.run()
