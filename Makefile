PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# the server on a fresh SQLite demo (clock at 2021-08-07); logins and the address are printed;
# another port: make run PORT=8080
run: $(STAMP)
	$(BIN)/fanjing demo --port $(PORT)

# every test, on SQLite and on a throwaway PostgreSQL (scripts/with-postgres), the pages in
# Debian's Chromium (scripts/ensure-browser installs it when missing); then the sharded
# itinerary's tests on a coordinator and two shards (scripts/with-postgres-shards); pytest
# runs on two processes, a test file's tests together (they share its demo server)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	scripts/ensure-browser
	scripts/with-postgres $(BIN)/pytest -n 2 --dist loadfile -m "not shards"
	scripts/with-postgres-shards $(BIN)/pytest -n 2 --dist loadfile -m shards

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
