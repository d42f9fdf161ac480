# The two commands in README's Quick start, and the steps they share.
PYTHON ?= python3
# `make serve PORT=8001` when 8000 is taken.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: serve test lint install worker

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable ".[dev]"
	touch $@

install: $(VENV)/.installed

serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddata seed
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# A task-queue worker for import jobs; needs CELERY_BROKER_URL (README: The queue).
worker: install
	$(VENV)/bin/celery -A archive worker --loglevel INFO

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
