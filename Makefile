# Groundswell: `make run` (app with demo data on SQLite: web server, task worker and scheduler under honcho,
# see Procfile; `make run PORT=8010` for another port) and `make test` (lint + whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
GS := $(BIN)/groundswell
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run demo test setup lint format clean

# Fall back to whichever python3 is on PATH when python3.11 is not.
PY := $(shell command -v $(PYTHON) 2>/dev/null || command -v python3)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	mkdir -p var

# Everything `make run` does before it serves: set up, migrate, build the demo (CI runs it from a bare clone).
demo: setup
	$(GS) migrate --noinput
	$(GS) demo

run: demo
	PATH="$(abspath $(BIN)):$$PATH" PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/honcho start --procfile Procfile --port $(PORT)

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest

format: setup
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
