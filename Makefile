# HCPCS Reference: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test test-browser lint format lock bench loadtest serve-prod clean

run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Imports every release under HCPCS_DATA_DIR, oldest first, and every ASP drug pricing
# quarter under ASP_DATA_DIR; loaded files stay as they are.
setup: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py import_hcpcs --all
	$(BIN)/python manage.py import_asp --all
	$(BIN)/python manage.py import_dmepos --all

# The versions pinned in requirements-dev.lock, so every run tests the same set
# (scripts/lock-dependencies.sh rewrites it from the ranges in pyproject.toml).
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements-dev.lock -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy codes hcpcs_site
	$(BIN)/python manage.py makemigrations --check --dry-run
	# The page-store tests start their own redis-server (Debian's package).
	sh scripts/ensure-command.sh redis-server redis-server
	# Coverage of this run only: branch coverage, a total and a floor (pyproject.toml).
	$(BIN)/python -m pytest -m "not browser" -n auto --cov --cov-report=term
	scripts/with-postgres.sh $(BIN)/python -m pytest -m "not browser" -n auto
	$(MAKE) test-browser

# Playwright drives Debian's chromium (installed from Debian's packages when missing)
# against the site served on 127.0.0.1; screenshots land in test-artifacts/screenshots/.
test-browser: $(STAMP)
	sh scripts/ensure-chromium.sh
	$(BIN)/python -m pytest tests/browser -m browser

# Production-style server: hashed, compressed static files served by whitenoise, a
# secret key from DJANGO_SECRET_KEY or made for the run, no shared gunicorn control socket.
serve-prod: setup
	DJANGO_DEBUG=false $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) scripts/serve-prod.sh

# Not part of `make test`: a few minutes of wrk against gunicorn on 127.0.0.1.
bench: $(STAMP)
	bench/run_bench.sh

loadtest: $(STAMP)
	bench/run_bench.sh --loadtest-only

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy codes hcpcs_site

# After changing a range in pyproject.toml: fresh virtualenvs, then pip freeze.
lock:
	PYTHON=$(PYTHON) scripts/lock-dependencies.sh

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache .coverage htmlcov
