# Two commands: `make run` (set up, seed demo data, serve) and `make test` (set up, run everything).
# The distribution's Python when it is 3.11 or newer (Debian 12, Ubuntu 24.04): built with PGO and LTO,
# it runs our pages with about 20 % less CPU than a plain source build such as pyenv's default
# (docs/decisions.md, "Which Python runs the app"). Otherwise the first python3 on the PATH.
# An existing .venv keeps the interpreter it was made with: `make clean` to switch.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres setup system venv messages lint bench clean

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py seed_demo --if-empty $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
	@echo "打开 / open: http://$(HOST):$(PORT)/   （账号见上 / accounts above）"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite twice: on the embedded SQLite, then on a local PostgreSQL (issue 7).
test: test-sqlite test-postgres

test-sqlite: setup
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# scripts/postgres.sh installs (as root) and starts Debian's PostgreSQL and creates a throw-away role.
PG_URL ?= postgres://meijia:meijia@127.0.0.1:5432/meijia
test-postgres: setup
	@scripts/postgres.sh
	DATABASE_URL=$(PG_URL) $(BIN)/python manage.py check --fail-level WARNING
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

setup: system venv messages

system:
	@scripts/system-packages.sh

venv: $(BIN)/.installed

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.lock
	touch $@

messages: venv
	$(BIN)/python manage.py compilemessages -v 0 --ignore=$(VENV)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Export timings (issue 5), then the load benchmark under gunicorn on SQLite and PostgreSQL (issue 7).
bench: setup
	@scripts/postgres.sh
	MEIJIA_BENCH_POSTGRES_URL=$(PG_URL) $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var/static
