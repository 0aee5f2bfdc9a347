# The index of workflows. `make help` lists them.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
REQ_SUM := $(shell cat requirements/test.txt requirements/base.txt setup.cfg | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(REQ_SUM)
DB_STAMP := $(VENV)/.db-installed-$(shell cksum < requirements/db.txt | cut -d' ' -f1)
# Django 6.x needs Python 3.12: the first python3.12 that runs, on PATH or among pyenv's versions.
PYTHON312 ?= $(shell for p in python3.12 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12; do \
	$$p -c '' 2>/dev/null && echo $$p && break; done)
DJ6 := .venv-dj6
DJ6_STAMP := $(DJ6)/.installed-$(REQ_SUM)

.DEFAULT_GOAL := help
.PHONY: help install run demo test test-db lint format bench requirements test-django6 ci clean

help: ## List the workflows
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/test.txt requirements/base.txt setup.cfg
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/test.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

# A server DATABASE_URL (postgres://…, mysql://…) also brings its driver, so `make run` and `make test` follow it.
install: $(STAMP) $(if $(filter postgres% mysql%,$(DATABASE_URL)),$(DB_STAMP)) ## Create .venv and install the project with its test tools

run: install ## Set up, migrate and seed the SQLite demo, print a ready curl, and serve on 127.0.0.1:$(PORT)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --port $(PORT)
	$(MANAGE) runserver 127.0.0.1:$(PORT)

demo: install ## Migrate and (re)seed the demo data without serving
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --port $(PORT)

test: install ## Run the test suite (SQLite unless DATABASE_URL is set)
	$(BIN)/pytest -q $(PYTEST_ARGS)

$(DB_STAMP): $(STAMP) requirements/db.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/db.txt
	@rm -f $(VENV)/.db-installed-* && touch $@

test-db: $(DB_STAMP) ## Run the suite on DATABASE_URL=postgres://… or mysql://… (mysqlclient needs libmariadb-dev)
	@test -n "$(DATABASE_URL)" || { echo "Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/enterprise_enroll"; exit 2; }
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install ## ruff lint + format check, and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=settings.test $(MANAGE) makemigrations --check --dry-run enterprise_enroll

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## Benchmark course_enrollments for 1, 100 and 1000 items (SQLite)
	$(BIN)/python bench/bench_enrollments.py

requirements: ## Re-pin requirements/*.txt from requirements/*.in (pip-compile)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/test.txt requirements/test.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/db.txt requirements/db.in
	sed -i 's|^-e file://.*|-e .|' requirements/*.txt

# The pinned test requirements minus their Django 5.2 pin, plus the newest Django 6.x, in one resolve.
$(DJ6_STAMP): requirements/test.txt requirements/base.txt setup.cfg
	@test -n "$(PYTHON312)" || { echo "No python3.12 found: set PYTHON312=/path/to/python3.12"; exit 2; }
	test -x $(DJ6)/bin/python || $(PYTHON312) -m venv $(DJ6)
	grep -vi '^django==' requirements/test.txt > $(DJ6)/requirements.txt
	$(DJ6)/bin/pip install --quiet --disable-pip-version-check -r $(DJ6)/requirements.txt 'Django>=6,<7'
	@rm -f $(DJ6)/.installed-* && touch $@

test-django6: $(DJ6_STAMP) ## Run the suite on Python 3.12 with the newest Django 6.x (SQLite)
	@$(DJ6)/bin/python -c 'import django, sys; print(f"Python {sys.version.split()[0]}, Django {django.get_version()}")'
	$(DJ6)/bin/pytest -q $(PYTEST_ARGS)

ci: ## Run what CI runs (.ci/run: system packages, services, SQLite, lint, PostgreSQL, MariaDB, Django 6)
	bash .ci/run

clean: ## Remove the virtualenvs, the demo database and caches
	rm -rf $(VENV) .venv-dj6 db.sqlite3 var build dist *.egg-info
