# make run  — set up .venv (once) and start the app on the bundled MiniLM, CPU.
# make test — set up .venv with the test tools (once) and run the whole suite.
# make cluster [REPLICAS=2] [PORT=8500] — that many servers behind nginx on PORT; make cluster-stop [PORT=8500].
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
REPLICAS ?= 2
PORT ?= 8500

.PHONY: run test bench screenshots browser nginx cluster cluster-stop clean model

run: $(VENV)/.app-installed
	$(BIN)/streamlit run serve.py --server.headless=true

test: $(VENV)/.dev-installed browser nginx
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

# Debian's nginx for the cluster and its tests. RUNLEVEL=1: where init scripts run, the package's own
# service (port 80) is not started; the cluster runs its own nginx, on PORT.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
	  (apt-get update -q && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx) || \
	  echo "Could not install nginx (needs root): make cluster and the cluster tests need it."

# Servers on PORT+1 … PORT+REPLICAS, nginx on PORT; returns once all answer, leaves them running.
cluster: $(VENV)/.app-installed nginx
	$(BIN)/python deploy/cluster.py start --replicas $(REPLICAS) --port $(PORT)

# Stops what `make cluster` started on that PORT (its pid files in .cluster/PORT), nothing else.
cluster-stop:
	$(BIN)/python deploy/cluster.py stop --port $(PORT)

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
