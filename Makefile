# The index of workflows. `make help` lists them.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-$(shell cat requirements/test.txt requirements/base.txt setup.cfg | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help install run demo test test-db lint format migrations-check bench requirements test-django6 clean

help: ## List the workflows
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/test.txt requirements/base.txt setup.cfg
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/test.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its test tools

run: install ## Set up, migrate and seed the SQLite demo, print a ready curl, and serve on 127.0.0.1:$(PORT)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --port $(PORT)
	$(MANAGE) runserver 127.0.0.1:$(PORT)

demo: install ## Migrate and (re)seed the demo data without serving
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --port $(PORT)

test: install ## Run the test suite (SQLite unless DATABASE_URL is set)
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

test-django6: ## Run the suite on Python 3.12 with the newest Django 6.x
	python3.12 -m venv .venv-dj6
	.venv-dj6/bin/pip install --quiet --disable-pip-version-check -r requirements/test.txt --constraint /dev/null
	.venv-dj6/bin/pip install --quiet --disable-pip-version-check 'Django>=6,<7'
	.venv-dj6/bin/pytest -q $(PYTEST_ARGS)

clean: ## Remove the virtualenvs, the demo database and caches
	rm -rf $(VENV) .venv-dj6 db.sqlite3 var build dist *.egg-info
