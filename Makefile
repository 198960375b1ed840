# tocsin — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup demo test lint format bench eval clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

demo: setup  ## code the bundled example stories and show the events
	$(BIN)/tocsin code examples/ --format table

test: setup lint  ## lint, then the whole test suite (golden texts, CLI, units)
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests dev
	$(BIN)/ruff format --check src tests dev

format: setup
	$(BIN)/ruff format src tests dev
	$(BIN)/ruff check --fix src tests dev

bench: setup  ## throughput and memory over ../shared/corpus (skips when absent)
	$(BIN)/python -m tocsin.bench
	$(BIN)/python -m tocsin.bench --queries 100000
	$(BIN)/python -m tocsin.bench --load 100000

eval: setup  ## accuracy on the hand-coded dev set
	$(BIN)/python dev/evaluate.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
