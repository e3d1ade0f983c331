# Xuke: `make run` serves the demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint migrate demo sweep worker bench messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: export DEBUG ?= 1
run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --no-history
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@# One process group for the server and its helpers: Ctrl-C, or a TERM to the group, stops them all.
	@trap 'kill 0' EXIT INT TERM; \
	( $(BIN)/python manage.py load_demo --history-only > var/demo.log 2>&1; \
	  $(BIN)/python manage.py sweep --loop 60 > var/sweep.log 2>&1 ) & \
	$(BIN)/python manage.py db_worker > var/worker.log 2>&1 & \
	echo "Serving Xuke on http://127.0.0.1:$(PORT)/ (logs in var/: demo.log, sweep.log, worker.log)"; \
	echo "On the first run the demo applications are replayed in the background (var/demo.log); the sweep starts after."; \
	$(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - --graceful-timeout 5

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: install lint
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	env -u DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$DATABASE_URL" ]; then echo "== again on $$DATABASE_URL"; $(BIN)/python -m pytest; fi

bench: install
	$(BIN)/python bench/bench_working_days.py

# After changing user-facing text: collect the messages into the Chinese catalogue (existing
# translations are kept), translate the new ones in locale/zh_Hans/LC_MESSAGES/django.po, then
# run this again to compile it (django.mo is committed; a test checks it is current).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) var .pytest_cache
