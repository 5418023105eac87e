# Hongmei case tracker. The two commands: `make run` and `make test`.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2
CONCURRENCY ?= 2
# The settings fail closed (DEBUG off, SECRET_KEY required; docs/security.md): the commands
# for a developer's machine say what they run with. A SECRET_KEY already set wins.
DEV_ENV = DEBUG=1 SECRET_KEY="$${SECRET_KEY:-hongmei-development-key-not-secret}"

.DEFAULT_GOAL := help
.PHONY: help run test test-dates test-deep mutate setup setup-dev system-packages messages lint format lock clean \
	worker beat worker-beat broker bench prod prod-start prod-stop prod-smoke drills backup restore soak

help:
	@echo "make run     set everything up and start the app with demo data at http://$(HOST):$(PORT)/"
	@echo "make test    set up what is missing and run the whole suite (PostgreSQL, Redis, Chromium)"
	@echo "make test-dates  the suite (without browsers) under far dates: no test may depend on today"
	@echo "make test-deep   the suite with many random property and state-machine examples (slow;"
	@echo "                 HONGMEI_DEEP_EXAMPLES=N sets how many)"
	@echo "make mutate  mutation testing of the domain rules (docs/testing.md)"
	@echo "make worker  a Celery worker (needs REDIS_URL or CELERY_BROKER_URL); make beat: the scheduler"
	@echo "make worker-beat  worker and scheduler in one process, for development"
	@echo "make lint    ruff, makemigrations --check, import contracts (lint-imports), mypy on the domain"
	@echo "make format  ruff format and ruff check --fix"
	@echo "make messages  extract translatable strings into locale/ (then translate, then make)"
	@echo "make lock    re-lock requirements*.lock from pyproject.toml"
	@echo "make prod    the production stack on loopback: nginx (TLS), gunicorn, worker, beat, DEBUG off"
	@echo "             (prod-start / prod-stop in the background); make prod-smoke: the browser journey"
	@echo "make drills  fault drills under load (worker, Redis, PostgreSQL, gunicorn, backup)"
	@echo "make backup  database and photos into var/backups; make restore FILE=... into a fresh database"
	@echo "make soak MINUTES=10  a steady mixed load against the production stack"
	@echo "make bench   benchmark at 10k and 1M cases with gunicorn on PostgreSQL (BENCH_SIZES=...)"

# ---------------------------------------------------------------- setup

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $@

# The map files (Leaflet) are npm packages, fetched by Python from the registry and checked
# against package-lock.json's hashes: no Node.js needed (tools/frontend.py).
node_modules/.installed: package.json package-lock.json | $(BIN)/python
	$(PY) tools/frontend.py
	touch $@

# gettext's msgfmt compiles the translations; Chromium runs the browser tests; nginx (with
# Debian's brotli modules) fronts the production stack of `make prod`.
system-packages:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ "$(NEED_CHROMIUM)" = 1 ]; then command -v chromium >/dev/null || missing="$$missing chromium"; fi; \
	if [ "$(NEED_NGINX)" = 1 ]; then \
	  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	  [ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || missing="$$missing libnginx-mod-http-brotli-static libnginx-mod-http-brotli-filter"; \
	  command -v openssl >/dev/null || missing="$$missing openssl"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (e.g. sudo apt-get install$$missing)"; exit 1; fi; \
	fi

locale/zh_Hans/LC_MESSAGES/django.mo: locale/zh_Hans/LC_MESSAGES/django.po | system-packages $(VENV)/.runtime
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

setup: $(VENV)/.runtime node_modules/.installed locale/zh_Hans/LC_MESSAGES/django.mo

setup-dev: setup $(VENV)/.dev

# ---------------------------------------------------------------- the two commands

# SQLite and eager Celery tasks unless DATABASE_URL / REDIS_URL say otherwise.
run: setup
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo
	@echo "  Hongmei case tracker: http://$(HOST):$(PORT)/"
	@echo "    public form     http://$(HOST):$(PORT)/"
	@echo "    staff portal    http://$(HOST):$(PORT)/staff/"
	@echo "    dashboard       http://$(HOST):$(PORT)/staff/dashboard/"
	@echo "    joint meetings  http://$(HOST):$(PORT)/staff/meetings/"
	@echo "    admin           http://$(HOST):$(PORT)/admin/"
	@echo "  Demo logins (password hongmei-demo): admin, dispatcher, supervisor, inspector,"
	@echo "    secretary; handlers hangtian, yongzhao, qinbei, property, cityops, market"
	@echo "  Notifications: without REDIS_URL they are sent in-process (console e-mail);"
	@echo "    with REDIS_URL set, run 'make worker-beat' beside it (docs/operations.md)."
	@echo
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: NEED_CHROMIUM = 1
test: NEED_NGINX = 1
test: system-packages setup-dev
	$(BIN)/pytest $(PYTEST_ARGS)

# The suite (browsers aside) with the clock moved to each of TEST_DATES in turn (it keeps
# ticking from there; tests/environment.py): a test that depends on today's date fails here.
TEST_DATES ?= 2026-03-02T10:00+08:00 2027-12-06T10:00+08:00 2026-10-03T15:00+08:00
test-dates: setup-dev
	@for when in $(TEST_DATES); do \
	  echo "== HONGMEI_TEST_NOW=$$when"; \
	  HONGMEI_TEST_NOW=$$when $(BIN)/pytest $(PYTEST_ARGS) -q --ignore=tests/browser || exit 1; \
	done

# Property tests with many random (not derandomised) examples: a different set each run.
test-deep: setup-dev
	HONGMEI_DEEP_TESTS=1 $(BIN)/pytest $(PYTEST_ARGS) --ignore=tests/browser

# Mutants of the domain rule modules, each run against its tests (tools/mutate.py).
MUTATE_ARGS ?= --max-per-module 10 --budget 1500
mutate: setup-dev
	$(PY) tools/mutate.py $(MUTATE_ARGS)

# ---------------------------------------------------------------- production, on this machine
# nginx + gunicorn + a Celery worker and beat, DEBUG off, on loopback (tools/prodstack.py,
# docs/deploy.md). PROD_DATABASE_URL and PROD_REDIS_URL say where; the demo street is loaded.

prod: NEED_NGINX = 1
prod: system-packages setup
	$(PY) tools/prodstack.py run

prod-start: NEED_NGINX = 1
prod-start: system-packages setup
	$(PY) tools/prodstack.py start

prod-stop:
	$(PY) tools/prodstack.py stop

# The browser journey through nginx, against a stack of its own, started and stopped here.
prod-smoke: NEED_NGINX = 1
prod-smoke: NEED_CHROMIUM = 1
prod-smoke: system-packages setup-dev
	$(PY) tools/prod_smoke.py --own-stack

# Fault drills against the production stack, each under load (tools/drills.py).
DRILLS ?= worker redis postgres web backup
drills: NEED_NGINX = 1
drills: system-packages setup-dev
	$(PY) tools/drills.py $(DRILLS)

# pg_dump (custom format) and the media files, named by time, into BACKUP_DIR.
BACKUP_DIR ?= var/backups
backup: setup
	$(PY) tools/backup.py backup --into $(BACKUP_DIR)

# Into a fresh database (RESTORE_DATABASE_URL, default a new one named after the file).
restore: setup
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/hongmei-....tar"; exit 2; }
	$(PY) tools/backup.py restore $(FILE)

# A steady mixed load against a production stack of its own for MINUTES minutes.
MINUTES ?= 10
soak: NEED_NGINX = 1
soak: system-packages setup-dev
	$(PY) tools/soak.py --minutes $(MINUTES)

# ---------------------------------------------------------------- background work
# Workers send the notifications and run the sweeps (docs/operations.md). They need a
# broker; without one, `make run` runs each task in-process and nothing is scheduled.

broker:
	@if [ -z "$$CELERY_BROKER_URL$$REDIS_URL" ]; then \
	  echo "Workers need a broker: set REDIS_URL (e.g. redis://127.0.0.1:6379/0) or CELERY_BROKER_URL,"; \
	  echo "with the same DATABASE_URL as the web process. See docs/operations.md."; exit 1; fi

worker: setup broker
	$(BIN)/celery -A hongmei worker --loglevel=INFO --concurrency=$(CONCURRENCY)

# Exactly one beat per deployment: it only publishes the periodic tasks.
beat: setup broker
	@mkdir -p var
	$(BIN)/celery -A hongmei beat --loglevel=INFO

worker-beat: setup broker
	@mkdir -p var
	$(DEV_ENV) $(BIN)/celery -A hongmei worker --beat --loglevel=INFO --concurrency=$(CONCURRENCY)

# ---------------------------------------------------------------- benchmark

# Seeds its own database (BENCH_DATABASE_URL, default hongmei_bench_run), serves the app with
# gunicorn, drives load from another process, prints a table per size into bench/results/.
BENCH_SIZES ?= 10000,1000000
BENCH_ARGS ?=
bench: setup-dev
	$(PY) -m bench.run --sizes $(BENCH_SIZES) $(BENCH_ARGS)

# ---------------------------------------------------------------- upkeep

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(DEV_ENV) $(BIN)/mypy

format: setup-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: setup-dev
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules \
	  --ignore=tests --ignore=bench

lock: $(BIN)/python
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock --python-version 3.11 --quiet --no-header
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --python-version 3.11 --quiet --no-header

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache var/prod var/prod-smoke
