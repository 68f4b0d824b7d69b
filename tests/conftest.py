import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
APP = str(ROOT / "app.py")


def _always_run_app_py() -> None:
    """Make AppTest run pages the way the browser does: through app.py.

    With a folder named pages/ beside app.py, Streamlit wraps the run in its old (v1) multipage
    shim. A browser's page request still reaches app.py and its st.navigation, but AppTest
    requests pages by a hash the shim matches directly, so it ran pages/x.py alone and skipped
    app.py (sidebar, presenter state, link notices). Telling the pages manager there is no v1
    folder restores the browser's path.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


_always_run_app_py()


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
