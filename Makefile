# The README's words: make run, make test, make lint, make bench.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install migrate worker beat clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# The demo: embedded SQLite and in-process tasks unless DATABASE_URL / CELERY_BROKER_URL are set.
run: migrate
	CLP_DEMO_MODE=true $(PY) manage.py seed_demo --if-empty
	@echo; echo "Open http://127.0.0.1:$(PORT)/"
	CLP_DEMO_MODE=true bin/serve $(PORT)

test: install
	bin/test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
