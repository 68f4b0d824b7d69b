# make run  — set up .venv (once) and start the app on the bundled MiniLM, CPU.
# make test — set up .venv with the test tools (once) and run the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test bench screenshots browser clean model

run: $(VENV)/.app-installed
	$(BIN)/streamlit run app.py --server.headless=true

test: $(VENV)/.dev-installed browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

screenshots: $(VENV)/.dev-installed browser
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py

# Headless Chromium for the end-to-end test, from Debian (a browser download would fail offline).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver) || \
	  echo "Could not install chromium (needs root): the browser test will be skipped."

# bench.browser starts a server and headless Chromium: on a shared machine, `flock /tmp/browser.lock make bench`.
bench: $(VENV)/.dev-installed browser
	$(BIN)/python -m bench.run_all

# Retrain the lesson's GPT from scratch (core/weights/gpt.safetensors and its .json): the same seed writes the same weights.
model: $(VENV)/.app-installed
	$(BIN)/python -m core.gpt_training --seed 0 --out core/weights/gpt.safetensors

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: pip runs again only when a requirements file changed.
$(VENV)/.app-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.app-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
