# Citizen Credit Card backend. `make help` lists the targets.
# Needs only Python 3.11+ and make: uv is installed into .tools/ on first use. The API contract
# checks (tests/contract/) also need Node 20+ and npm: their tools come from package-lock.json.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --locked
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
NPM ?= npm

.DEFAULT_GOAL := help
.PHONY: help install npm-tools run test lint types pytest contract bench drill migrate demo rescore-all clean

help: ## Show this list
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

install: .venv/.installed ## Install the locked dependencies into .venv

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

npm-tools: node_modules/.installed ## Install the locked npm tools of the contract checks (npm ci)

run: install ## Migrate, load demo data, start the API and the worker (embedded servers if no URLs)
	$(RUN) python -m backend run

test: install lint types pytest ## Lint, type-check and run the whole test suite

lint: install ## ruff check, ruff format --check and the import contracts (lint-imports)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

types: install ## mypy (strict)
	$(RUN) mypy

pytest: install npm-tools ## The pytest suite (real PostgreSQL and Redis; TEST_DATABASE_URL / TEST_REDIS_URL)
	$(RUN) pytest -q

contract: install npm-tools ## Only the API contract checks on the served OpenAPI document
	$(RUN) pytest -q -m contract tests/contract

bench: install ## All benchmarks (each prints throughput and a same-run baseline)
	$(RUN) python benchmarks/bench_engine.py
	$(RUN) python benchmarks/bench_ingest.py
	$(RUN) python benchmarks/bench_card.py
	$(RUN) python benchmarks/bench_verify.py
	$(RUN) python benchmarks/bench_push.py
	$(RUN) python benchmarks/bench_measures.py
	$(RUN) python benchmarks/bench_report.py
	$(RUN) python benchmarks/bench_exchange.py

drill: install ## Fault drills at 1,000 citizens: in / out / lost / sent twice per drill
	$(RUN) python benchmarks/drill_faults.py --citizens 1000

migrate: install ## Apply migrations only
	$(RUN) python -m backend migrate

demo: install ## Load demo data only
	$(RUN) python -m backend demo

rescore-all: install ## Re-score every citizen (after a rules change; resumable)
	$(RUN) python -m backend rescore-all

clean: ## Remove the virtualenv, tools, node_modules and local data under var/
	rm -rf .venv $(TOOLS) node_modules var
