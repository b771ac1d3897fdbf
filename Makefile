# Two commands do everything: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.PHONY: run test install install-dev lint typecheck pytest lock clean bench soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	DEBUG=1 $(BIN)/tallyhour migrate --noinput
	DEBUG=1 $(BIN)/tallyhour demo
	DEBUG=1 $(BIN)/tallyhour runserver $(HOST)

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy

# The suite runs on SQLite; when DATABASE_URL points at PostgreSQL it runs there too.
# Two workers: the machine has two cores and the suite splits cleanly (each has its own DB).
PYTEST_WORKERS ?= 2
pytest: install-dev
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS)
	@if [ -n "$$DATABASE_URL" ]; then echo "== again on $$DATABASE_URL"; $(BIN)/pytest -n $(PYTEST_WORKERS); fi

test: lint typecheck install-dev
	env -u DATABASE_URL DEBUG=1 $(BIN)/tallyhour makemigrations --check --dry-run
	$(MAKE) --no-print-directory pytest

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^tallyhour' > constraints.txt

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (never part of `make test`): BENCH_SCALE=small|medium|full; see bench/README.md.
BENCH_SCALE ?= full
bench: install
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	env -u DATABASE_URL $(BIN)/python bench/run.py --db sqlite --scale $(BENCH_SCALE)
	@if [ -n "$$DATABASE_URL" ]; then $(BIN)/python bench/run.py --db postgres --scale $(BENCH_SCALE); fi

# Soak test (never part of `make test`): 50 agents for 60 s against gunicorn, then every second
# checked against the database; exits non-zero on any failure. See bench/README.md.
SOAK_SECONDS ?= 60
SOAK_AGENTS ?= 50
soak: install
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'
	env -u DATABASE_URL $(BIN)/python bench/soak.py --db sqlite --seconds $(SOAK_SECONDS) --agents $(SOAK_AGENTS)
	@if [ -n "$$DATABASE_URL" ]; then $(BIN)/python bench/soak.py --db postgres --seconds $(SOAK_SECONDS) --agents $(SOAK_AGENTS); fi
