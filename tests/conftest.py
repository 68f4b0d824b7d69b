import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
APP = str(ROOT / "app.py")


@pytest.fixture(scope="session")
def encoder():
    """The real bundled MiniLM, loaded once for the whole run."""
    from core.model import load_encoder

    return load_encoder(device="cpu")


def app_test(page: str | None = None, timeout: float = 60):
    """AppTest of app.py, already run once (and switched to `page` when given)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout).run()
    if page is not None:
        at.switch_page(page).run()
    return at


def presenting_test(page: str, timeout: float = 60):
    """AppTest of `page` opened from a `?presenter=1` link (presenter mode from the first run)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["presenter"] = "1"
    return at.run().switch_page(page).run()


def open_link(page: str, params: dict):
    """AppTest of `page` opened from a link with these query parameters (as a fresh session would)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.run()
    return at.switch_page(page).run()


def url_value(value) -> str:
    """A widget value as a bound widget writes it to the address bar (5.0 as 5, on as true)."""
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def course_maps(at) -> list[dict]:
    """The course map's specs on the page (ui.course draws one per layout; CSS shows one), data put back."""
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    found = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        if is_course_map(spec):  # its records travel as a named Arrow dataset (ui.datasets)
            named = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets}
            for view in _views(spec):
                if view.get("data", {}).get("name") in named:
                    view["data"] = {"values": named[view["data"]["name"]].to_dict("records")}
            found.append(spec)
    return found


def is_course_map(spec: dict) -> bool:
    return bool(spec.get("usermeta", {}).get("course_map"))


def charts(at) -> list[dict]:
    """Every chart drawn by ui.charts.render (and any other Vega-Lite element but the course map), in
    page order, as its spec with the title put back from the text drawn above it and the data back from Arrow."""
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    found = []

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        for before, child in zip([None, *children], children):
            if getattr(child, "type", "") == "vega_lite_chart":
                spec = json.loads(child.proto.spec)
                if is_course_map(spec):
                    continue
                if getattr(before, "type", "") == "markdown" and "title" not in spec:
                    spec["title"] = before.value.removeprefix("**").removesuffix("**").replace("\\", "")
                if child.proto.data.data:
                    frame = convert_arrow_bytes_to_pandas_df(child.proto.data.data)
                    spec["data"] = {"values": frame.to_dict("records")}
                named = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data) for d in child.proto.datasets}
                for view in _views(spec):  # a scrub chart's views name Arrow datasets (ui.scrub)
                    if view.get("data", {}).get("name") in named:
                        view["data"] = {"values": named[view["data"]["name"]].to_dict("records")}
                if isinstance(spec.get("title"), dict):
                    spec["title"] = scrub_title(spec)
                found.append(spec)
            walk(child)

    walk(at._tree)
    return found


def open_code_panel(at, page: str):
    """Open the page's "Show the code this page runs" panel (built only while open) and rerun."""
    from ui.widgets import code_panel_key

    at.session_state[code_panel_key(page, "Show the code this page runs")] = True
    return at.run()


def _views(spec: dict) -> list[dict]:
    """A spec and every view inside it (layers, concatenations)."""
    kinds = ("layer", "hconcat", "vconcat", "concat")
    return [spec, *(node for kind in kinds for child in spec.get(kind, []) for node in _views(child))]


def _params(spec: dict) -> dict:
    """Every param of a spec and its layers, by name."""
    found = {p["name"]: p for p in spec.get("params", [])}
    for view in (view for kind in ("layer", "hconcat", "vconcat", "concat") for view in spec.get(kind, [])):
        found.update(_params(view))
    return found


def scrub_title(spec: dict) -> str:
    """A scrub chart's title as the browser first draws it: its title lookup at the inputs' starting values."""
    import re

    params = _params(spec)
    expr = spec["title"]["text"]["expr"]
    names = re.findall(r"(\w+?)_\1\b", expr)
    values = [params[name]["value"][0][name] for name in names]
    start = ",".join(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values)  # as JS does
    return params["titles"]["value"][start]


def scrub_start(spec: dict) -> dict:
    """Where a scrub chart's bound inputs start, by param name."""
    return {
        name: next(iter(p["value"][0].values())) for name, p in _params(spec).items() if "bind" in p and "select" in p
    }


def scrub_to(at, key: str, **positions):
    """Move a scrub chart's inputs as a student's drag would tell the server (AppTest cannot drag an
    input inside a chart): ui.scrub keeps where each chart's controls are, then rerun."""
    state = at.session_state["_scrub_state"]
    state[key]["now"].update(positions)  # a drag moves the input, not where the chart's spec starts it
    at.session_state["_scrub_state"] = state
    return at.run()


def scrub_positions(at, key: str) -> dict:
    """Where the server has a scrub chart's controls now."""
    return dict(at.session_state["_scrub_state"][key]["now"])
