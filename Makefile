# The documented entry points: `make run` (set up and serve the demo) and `make test` (every test).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
LOCK_HASH := $(shell cat requirements.lock pyproject.toml Makefile | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
# the browser tests' axe-core, from npm (package-lock.json), never served by the app
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: install setup run test lint bench messages clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@# the project's own package, importable from anywhere in the venv (gunicorn chungtay.wsgi)
	$(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()['purelib'], 'chungtay-src.pth').write_text(str(pathlib.Path('src').resolve()) + '\n')"
	@rm -f $(VENV)/.installed-*
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the browser tests (axe-core): apt-get install npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

install: $(STAMP) $(NODE_STAMP)

messages: $(STAMP)
	$(PY) manage.py compile_translations

setup: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# The task worker (matching runs, later imports and reports) runs beside the web server and stops with it.
run: setup
	@$(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: messages $(NODE_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The same checks run by .pre-commit-config.yaml: style, types, the layer order, no missing migration.
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

bench: messages
	$(PY) benchmarks/demo_load.py
	$(PY) benchmarks/matching_engine.py
	$(PY) benchmarks/matching_end_to_end.py
	$(PY) benchmarks/import_schools.py
	$(PY) benchmarks/activity_pages.py
	$(PY) benchmarks/figures_dashboard.py
	$(PY) benchmarks/impact_estimate.py
	$(PY) benchmarks/report_generation.py
	$(PY) benchmarks/review_scoring.py

clean:
	rm -rf $(VENV) var
