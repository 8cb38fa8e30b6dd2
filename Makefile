# ckanext-walidata: the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_HOST ?= $(or $(WALIDATA_PG_HOST),127.0.0.1)
PG_PORT ?= $(or $(WALIDATA_PG_PORT),5432)
PG_ROLE ?= $(or $(WALIDATA_PG_ROLE),ckan_walidata)
PG_PASSWORD ?= $(or $(WALIDATA_PG_PASSWORD),walidata)
DB ?= ckan_walidata
TEST_DB ?= ckan_walidata_test
REDIS_URL ?= $(or $(WALIDATA_REDIS_URL),redis://127.0.0.1:6379/0)
PG_URL = postgresql://$(PG_ROLE):$(PG_PASSWORD)@$(PG_HOST):$(PG_PORT)
INI ?= development.ini
PYTEST_ARGS ?=
export WALIDATA_PG_HOST := $(PG_HOST)
export WALIDATA_PG_PORT := $(PG_PORT)
export WALIDATA_PG_ROLE := $(PG_ROLE)
export WALIDATA_PG_PASSWORD := $(PG_PASSWORD)
export WALIDATA_REDIS_URL := $(REDIS_URL)

.PHONY: help venv services db run serve demo test lint bench bench-validate bench-load freeze clean i18n

help:
	@echo "make run    - install, set up PostgreSQL/Redis, load demo data, serve http://127.0.0.1:5000"
	@echo "make test   - install, set up PostgreSQL/Redis, run the whole test suite"
	@echo "make lint   - ruff"
	@echo "make bench  - search benchmark (bench/search.py)"

# The virtualenv is rebuilt only when a requirements file changes.
$(BIN)/.installed: requirements.txt dev-requirements.txt pyproject.toml
	bash scripts/system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check pip==24.3.1 setuptools==75.6.0 wheel==0.45.1
	$(BIN)/pip install -q --disable-pip-version-check -r dev-requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/.installed

services:
	bash scripts/services.sh $(DB) $(TEST_DB)

db: venv services
	CKAN_SQLALCHEMY_URL=$(PG_URL)/$(DB) CKAN_REDIS_URL=$(REDIS_URL) $(BIN)/ckan -c $(INI) db upgrade

demo: db
	CKAN_SQLALCHEMY_URL=$(PG_URL)/$(DB) CKAN_REDIS_URL=$(REDIS_URL) $(BIN)/ckan -c $(INI) walidata demo load

serve:
	CKAN_SQLALCHEMY_URL=$(PG_URL)/$(DB) CKAN_REDIS_URL=$(REDIS_URL) bash scripts/serve.sh $(INI)

run: demo serve

test: venv services
	$(BIN)/ruff check ckanext tests bench
	bash scripts/chromium.sh
	CKAN_SQLALCHEMY_URL=$(PG_URL)/$(TEST_DB) CKAN_REDIS_URL=$(REDIS_URL) \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check ckanext tests bench

bench: venv services
	CKAN_SQLALCHEMY_URL=$(PG_URL)/ckan_walidata_bench CKAN_REDIS_URL=$(REDIS_URL) \
	  bash scripts/services.sh ckan_walidata_bench && \
	  CKAN_SQLALCHEMY_URL=$(PG_URL)/ckan_walidata_bench $(BIN)/python bench/search.py $(BENCH_ARGS)

# Validation benchmark (bench/validate.py): no database; data cached in bench/.data/.
bench-validate: venv
	$(BIN)/python bench/validate.py $(BENCH_ARGS)

# Load test (bench/load.py): gunicorn as scripts/serve.sh runs it, and `ckan run`, on their own
# databases (ckan_walidata_load, ckan_walidata_load10k; built once, cached), Redis db 7, ports 5101-5104.
bench-load: venv
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# Re-extract messages and compile the translations (commit the .po and .mo files).
i18n: venv
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o ckanext/walidata/i18n/ckanext-walidata.pot --no-location --omit-header .
	$(BIN)/pybabel update --ignore-obsolete -i ckanext/walidata/i18n/ckanext-walidata.pot -d ckanext/walidata/i18n -D ckanext-walidata
	$(BIN)/pybabel compile -d ckanext/walidata/i18n -D ckanext-walidata

freeze: venv
	$(BIN)/pip freeze --exclude-editable

clean:
	rm -rf $(VENV) .dev
