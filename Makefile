# Groundswell: `make run` (app with demo data on SQLite) and `make test` (lint + whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
GS := $(BIN)/groundswell
STAMP := $(VENV)/.installed

.PHONY: run test setup lint format clean

# Fall back to whichever python3 is on PATH when python3.11 is not.
PY := $(shell command -v $(PYTHON) 2>/dev/null || command -v python3)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	mkdir -p var

run: setup
	$(GS) migrate --noinput
	$(GS) demo
	$(GS) runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest

format: setup
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
