"""Offline guarantee: the bundled model needs no network; a missing or broken model breaks only its page."""

import os
import subprocess
import sys

import pytest
from conftest import APP, ROOT
from streamlit.testing.v1 import AppTest

LOAD_AND_RUN = """
from core.model import load_encoder
run = load_encoder(device="cpu").run("The animal didn't cross the road because it was tired")
print(len(run.tokens))
"""


def test_bundled_model_loads_with_the_network_unreachable():
    dead = "http://127.0.0.1:9"  # nothing listens there: any download attempt fails at once
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "NO_PROXY": ""}
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_RUN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "14"


@pytest.fixture(params=["empty", "broken"])
def bad_model_folder(request, tmp_path):
    if request.param == "broken":
        (tmp_path / "config.json").write_text("{ not json")
        (tmp_path / "modules.json").write_text("[]")
    return str(tmp_path)


def open_with_model(page: str, folder: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["model_name"] = folder
    at.run()
    at.switch_page(page).run()
    return at


def test_a_bad_model_folder_is_explained_on_the_model_page(bad_model_folder):
    at = open_with_model("lessons/real_model.py", bad_model_folder)
    assert not at.exception
    assert any("Could not load the model" in e.value for e in at.error)


@pytest.mark.parametrize("page", ["lessons/static_embeddings.py", "lessons/first_principles.py", "lessons/qkv.py"])
def test_other_pages_still_work_without_the_model(page, tmp_path):
    at = open_with_model(page, str(tmp_path))
    assert not at.exception
    assert at.header, "the page rendered its sections"
