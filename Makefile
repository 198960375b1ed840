# tocsin — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

PORT ?= 8000
# Browser tests drive Debian's Chromium; root installs it directly, others through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup dev browser java demo test wheel lint format bench bench-spark eval clean

# tocsin alone for `make demo`; the test and lint tools only for those who test.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The Spark extra too: its tests run in `make test` (they need Java 17+ on the machine).
$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

setup: $(VENV)/.installed

dev: $(VENV)/.dev

browser:  ## Debian's Chromium for the browser tests (Playwright drives it, downloads nothing)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

java:  ## Java 17+ for the Spark tests (Debian's OpenJDK when the machine has no java)
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }

demo: setup  ## code the bundled example stories into demo.duckdb and serve the dashboard
	$(BIN)/tocsin ingest examples/ --db demo.duckdb
	$(BIN)/tocsin serve --db demo.duckdb --port $(PORT)

test: dev browser java lint wheel  ## lint, the whole test suite (golden texts, CLI, API, browser), the wheel
	$(BIN)/python -m pytest -q

wheel: setup  ## build the wheel, install it in a fresh virtualenv, code an example with it
	$(BIN)/python dev/check_wheel.py

lint: dev  ## ruff (lint and format) and mypy --strict over src/
	$(BIN)/ruff check src tests dev
	$(BIN)/ruff format --check src tests dev
	$(BIN)/mypy

format: dev
	$(BIN)/ruff format src tests dev
	$(BIN)/ruff check --fix src tests dev

bench: setup  ## throughput and memory over ../shared/corpus (skips when absent)
	$(BIN)/python dev/bench.py
	$(BIN)/python dev/bench.py --queries 100000
	$(BIN)/python dev/bench.py --load 100000
	$(BIN)/python dev/bench.py --server 100000
	$(BIN)/python dev/bench.py --long-story 1
	$(BIN)/python dev/bench.py --reingest

bench-spark: dev  ## tocsin spark code, local[1] vs local[2], 1,200 articles (skips when absent)
	$(BIN)/python dev/bench_spark.py --corpus $(VOA) --articles 1200

VOA = ../shared/corpus/voa_stories.jsonl

eval: setup  ## accuracy on real news (dev and frozen test parts of dev/voa), the blind codebook sentences, then the regression sets
	@if [ -f $(VOA) ]; then $(BIN)/tocsin score dev/voa/gold $(VOA) --split dev/voa/split.json; \
	else echo "$(VOA) not found: the real-news score is skipped"; fi
	$(BIN)/python dev/agreement.py
	$(BIN)/python dev/evaluate.py
	$(BIN)/python dev/evaluate.py --codebook
	$(BIN)/python dev/evaluate.py --codebook 2

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
