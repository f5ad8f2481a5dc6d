# The two commands a new machine needs:  make demo   and   make test
# Everything else here is what those two are made of.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup demo run test test-sqlite test-postgres lint translations browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d feedback/translations

setup: $(VENV)/.installed translations

# Set up, build the demo province on SQLite, and serve it.
demo: setup
	$(FLASK) db upgrade
	FEEDBACK_PUBLIC_URL=http://$(HOST):$(PORT) $(FLASK) demo
	@echo ""
	@echo "  Citizen survey (counter 03 of the provincial service centre):"
	@echo "    http://$(HOST):$(PORT)/q/KH-TTHCC-Q03        (English: add ?lang=en)"
	@echo "  Its QR code: http://$(HOST):$(PORT)/q/KH-TTHCC-Q03/qr.svg"
	@echo "  Manager workspace: http://$(HOST):$(PORT)/login  (demo sign-ins printed above by 'demo')"
	@echo ""
	FEEDBACK_PUBLIC_URL=http://$(HOST):$(PORT) $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile - wsgi:app

run: setup
	$(FLASK) db upgrade
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 wsgi:app

# Debian's Chromium drives the browser tests (Playwright cannot download a browser here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
		else echo "browser tests need Debian's chromium: sudo apt-get install chromium"; fi; \
	fi

# Set up and run the whole suite; TEST_DATABASE_URL=postgresql+psycopg://… runs it on PostgreSQL.
test: setup browser
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: setup browser
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/feedback_test} $(BIN)/pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/citizen.py --db both

clean:
	rm -rf $(VENV) instance .pytest_cache
