# Nexus: `make run` serves the embedded default, `make test` runs everything CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
BIN := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 8000

export PYTHONPATH := $(CURDIR)/src
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
MANAGE := $(BIN)/python manage.py
TEST_SETTINGS := DJANGO_SETTINGS_MODULE=config.settings.test

.PHONY: help install client-deps run dev test check-services lint fmt checks pytest screenshots fuzz audit client worker beat bench bench-core bench-tools bench-shop bench-social bench-polls bench-jobs bench-movies clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV) ## install the pinned dependencies from uv.lock into .venv
	$(UV) sync --frozen --quiet

run: install ## migrate, load demo data and serve on http://127.0.0.1:8000 (SQLite, no services)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Nexus is starting on http://$(HOST):$(PORT)/"
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --no-proxy-headers --no-server-header

dev: install ## like run, with DEBUG pages and auto-reload, for development only
	DJANGO_DEBUG=true $(MANAGE) migrate --noinput
	DJANGO_DEBUG=true $(MANAGE) seed_demo
	DJANGO_DEBUG=true $(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) \
		--no-proxy-headers --no-server-header --reload --reload-dir src

# lint and checks each keep one core busy for half a minute: they run side by side, each
# target's output printed whole when it ends, then the suite takes both cores.
test: install client-deps check-services ## everything CI runs, against real PostgreSQL, Redis, RabbitMQ
	$(MAKE) --no-print-directory -j2 --output-sync=target lint checks
	$(MAKE) --no-print-directory pytest

check-services: install ## stop early, naming the service, if PostgreSQL, Redis or RabbitMQ is down
	$(TEST_SETTINGS) $(MANAGE) check_services

lint: install ## ruff, import boundaries, mypy (strict on core), module shape, workflow and infra validation
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python scripts/check_shape.py
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/ci.yml
	$(BIN)/zizmor --offline --quiet .github/workflows/ci.yml
	$(BIN)/hadolint infra/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec infra/compose.yaml
	$(BIN)/kubernetes-validate --strict --quiet infra/k8s/*.yaml
	$(BIN)/pytest -q -p no:cacheprovider tests/infra/test_infra_consistency.py -k nginx

fmt: install ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# makemigrations --check compares models with migrations only: an empty in-memory
# database keeps it independent of which PostgreSQL databases exist.
checks: install ## Django system checks, migrations up to date, OpenAPI schema valid, deploy checks
	$(TEST_SETTINGS) $(MANAGE) check --fail-level WARNING
	$(TEST_SETTINGS) DATABASE_URL=sqlite://:memory: $(MANAGE) makemigrations --check --dry-run
	$(TEST_SETTINGS) $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=check-deploy-$$RANDOM$$RANDOM-0123456789abcdefghijklmnopqrstuvwxyz \
		DJANGO_ALLOWED_HOSTS=nexus.example.org $(MANAGE) check --deploy --fail-level WARNING

# pytest-xdist: PYTEST_WORKERS processes (auto: one per core, at most 2), each with
# services of its own (config/settings/test.py); the tests that start servers, drive the
# browser, race or inject faults run in one serial group, on one worker (tests/conftest.py).
# PYTEST_WORKERS=0 runs the suite in one process; PYTEST_ARGS='tests/shop -x' narrows it.
PYTEST_WORKERS ?= auto
pytest: install ## the whole suite on 2 xdist workers (needs the services; see check-services)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 2 --dist loadgroup $(PYTEST_ARGS)

# The README's "See it" pictures: the consoles' and the proofs' browser tests take them as
# they run (tests/helpers/consoles.py writes into NEXUS_SCREENSHOTS_DIR), against the
# server `make run` starts, with its demo data.
screenshots: install client-deps check-services ## re-take docs/screenshots/ (the README's "See it") from the browser tests
	NEXUS_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider -m browser \
		$(wildcard tests/*/test_console.py) tests/core/test_proofs_page.py

# The suite runs a one-minute slice of the fuzzing (NEXUS_FUZZ_SECONDS, shared by every
# operation and sequence); this is the long run: NEXUS_FUZZ_EXAMPLES generated cases per
# operation and identity (anonymous, customer, candidate, employer, moderator, staff, each
# owning objects of a seeded world: tests/fuzz/world.py), and as many create/read/update/
# delete sequences per resource (tests/fuzz/sequences.py), no time cap. Seeded: a fresh
# seed each run unless NEXUS_FUZZ_SEED gives one, printed, and in every failure's replay
# command. It leaves its log: bench/fuzz/<UTC start>-<commit>.json and .md (the commit,
# settings, seed, per operation its cases, statuses and failures, the totals, the command;
# tests/fuzz/runlog.py). One domain: make fuzz PYTEST_ARGS='-k shop'.
fuzz: install check-services ## schemathesis at length: every REST operation and GraphQL field as every role, and CRUD sequences (NEXUS_FUZZ_EXAMPLES=300); log in bench/fuzz/
	NEXUS_FUZZ_SECONDS=0 NEXUS_FUZZ_EXAMPLES=$${NEXUS_FUZZ_EXAMPLES:-300} \
		$(BIN)/pytest tests/fuzz -m fuzz -v --timeout=1800 $(PYTEST_ARGS)

# Known-vulnerable dependencies: pip-audit --strict over every locked requirement. It needs
# PyPI's JSON API and the PyPA advisory database, which the GitHub workflow reaches (its
# `audit` job runs this target) and the offline build machines do not; --strict makes it
# fail there rather than report "No known vulnerabilities found" after auditing nothing.
PIP_AUDIT_VERSION := 2.10.1
audit: $(UV) ## pip-audit --strict over the requirements exported from uv.lock (needs PyPI's JSON API)
	mkdir -p var
	$(UV) export --frozen --all-groups --no-emit-project --format requirements.txt --quiet -o var/requirements-audit.txt
	$(UV) tool run --from pip-audit==$(PIP_AUDIT_VERSION) pip-audit --strict --disable-pip --progress-spinner off \
		--requirement var/requirements-audit.txt

# The frontend integration kit (docs/frontend.md): the two schema exports at the repository
# root, TypeScript types generated from them (clients/typescript, pinned by its
# package-lock.json) and the Postman collection. tests/client fails when any of them drifts.
CLIENT := clients/typescript
client: install $(CLIENT)/node_modules/.package-lock.json ## export openapi.json + schema.graphql; regenerate the TypeScript types and the Postman collection
	$(TEST_SETTINGS) $(MANAGE) spectacular --format openapi-json --validate --fail-on-warn --file openapi.json
	$(TEST_SETTINGS) $(MANAGE) graphql_schema --schema config.schema.schema --out schema.graphql
	$(TEST_SETTINGS) $(MANAGE) export_postman openapi.json clients/postman/nexus.postman_collection.json
	cd $(CLIENT) && npm run --silent generate && npm run --silent typecheck

$(CLIENT)/node_modules/.package-lock.json: $(CLIENT)/package-lock.json
	cd $(CLIENT) && npm ci --no-audit --no-fund

# Before the test session, not inside it: tests/client runs the kit's TypeScript tools.
# Without npm it says so and installs nothing; tests/client then skips (a failure under CI).
client-deps: ## clients/typescript's locked Node packages (npm ci, only when package-lock.json changed)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(CLIENT)/node_modules/.package-lock.json; \
		else echo "npm not found: tests/client will skip (install Node.js 20+ and npm)"; fi

worker: install ## a real Celery worker on RabbitMQ (CELERY_BROKER_URL)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} CELERY_TASK_ALWAYS_EAGER=false \
		CELERY_BROKER_URL=$${CELERY_BROKER_URL:-amqp://guest:guest@127.0.0.1:5672//} \
		$(BIN)/celery -A config worker --loglevel INFO --concurrency 2

beat: install ## Celery beat: the periodic schedule every context adds to
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} CELERY_TASK_ALWAYS_EAGER=false \
		CELERY_BROKER_URL=$${CELERY_BROKER_URL:-amqp://guest:guest@127.0.0.1:5672//} \
		$(BIN)/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule

bench: install bench-tools ## every domain vs its ceiling, 5 paired rounds each (~20 min once seeded, after up to 5 min waiting for a quiet machine): RESULTS.md section, bench/ratios.png
	$(BIN)/python bench/all_run.py --command "make bench" $(BENCH_ARGS)

bench-tools: ## wrk, from Debian's packages when it is missing (as root)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y -qq wrk >/dev/null; } || { echo "wrk is missing: apt-get install wrk"; exit 1; }

# Each domain's part of `make bench`, its rows written into the latest run (the other
# domains' rows kept). BENCH_ARGS passes options on (e.g. "--duration 1 --no-write");
# the domains' own detailed runs (both server modes, checkout, cold reads) are
# `python bench/<domain>_run.py` (core: bench/run.py).
BENCH_DOMAINS := core shop social polls jobs movies
bench-core: install bench-tools ## make bench's core rows (me, GraphQL me, notifications) into the latest run
bench-shop: install bench-tools ## make bench's shop rows (product list, detail) into the latest run
bench-social: install bench-tools ## make bench's social rows (the feed, GraphQL and REST) into the latest run
bench-polls: install bench-tools ## make bench's polls rows (votes, SSE fan-out) into the latest run
bench-jobs: install bench-tools ## make bench's jobs rows (search) into the latest run
bench-movies: install bench-tools ## make bench's movies rows (recommendations, search, evaluation) into the latest run
$(addprefix bench-,$(BENCH_DOMAINS)):
	$(BIN)/python bench/all_run.py --only $(@:bench-%=%) --command "make $@" $(BENCH_ARGS)

clean: ## remove the virtualenvs and local state
	rm -rf .venv $(TOOLS) var .pytest_cache .ruff_cache .mypy_cache
