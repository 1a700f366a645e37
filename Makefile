# formcheck: the two set-up commands are `make demo` and `make test`.
# Both create a virtual environment in .venv, install the package from PyPI
# packages (pinned in pyproject.toml), and build the offline pose model once.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_VIDEO ?= sample_videos/slouch.mp4
DEMO_OUT   ?= out/demo

.PHONY: demo test test-fast lint bench accuracy robustness install setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

# Builds the MediaPipe pose bundle from the pinned mediapipe 0.10.21 wheel
# (downloaded once from PyPI) and checks its sha256. Nothing is downloaded
# at run time.
setup: install
	$(BIN)/formcheck setup

demo: setup
	$(BIN)/formcheck analyze $(DEMO_VIDEO) -o $(DEMO_OUT)
	@echo "open $(DEMO_OUT)/report.html (and $(DEMO_OUT)/annotated.mp4)"

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not integration and not browser and not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy formcheck tools tests

bench: setup
	$(BIN)/python -m benchmarks.run --write

accuracy: install
	$(BIN)/python tools/accuracy_report.py --seeds 20

# The robustness grid (about 50 rendered clips through the whole pipeline,
# one MediaPipe process; an hour on a busy 2-core machine): rewrites the
# tables in docs/robustness.md. `tools/robustness.py --quick` runs 3 clips.
robustness: setup
	mkdir -p out
	$(BIN)/python tools/robustness.py --write-doc docs/robustness.md --json out/robustness.json

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache test-artifacts
