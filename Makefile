# Everything goes through scripts/dev.py, which finds PostgreSQL and Redis first
# (see README "Configuration"). `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PY := .venv/bin/python
DEV := $(PY) scripts/dev.py

.PHONY: help install run test migrate worker beat bench lint format typecheck validate-k8s messages clean backup restore backup-drill stop load bench-scale

help:
	@echo "make run      - the platform with demo stores on http://localhost:8000"
	@echo "make test     - ruff, mypy and the whole pytest suite (browser tests included)"
	@echo "make migrate  - migrate public, the store template and every store schema"
	@echo "make worker   - a Celery worker for every queue"
	@echo "make beat     - the Celery beat scheduler (database schedule)"
	@echo "make bench    - the benchmarks in benchmarks/, printing their figures"
	@echo "make bench-scale - stores multiplied: N = 1, 100, 1,000, 2,000 (LEVELS=..., MINUTES=...)"
	@echo "make stop     - stop the embedded PostgreSQL and redis-server that make run keeps running"
	@echo "make backup-drill - pgBackRest: back up, lose and restore a throwaway copy of the database, timed"
	@echo "make load     - load test: gunicorn (production settings) and locust across 100 stores"
	@echo "make backup STORE=<slug> [OUTPUT=path]               - one store's archive (rows and media)"
	@echo "make restore ARCHIVE=<path> AS_NEW=<slug>|OVER=<slug> [YES=1] - restore a store archive"

install:
	@bash scripts/bootstrap.sh

run: install
	@$(DEV) run

stop: install
	@$(DEV) stop

test: install
	@$(DEV) test

migrate: install
	@$(DEV) manage migrate_all

worker: install
	@$(DEV) celery worker -Q default,provisioning,events --loglevel INFO

beat: install
	@$(DEV) celery beat --scheduler config.beat:Scheduler --loglevel INFO

bench: install
	@$(DEV) bench

lint: install
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: install
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

typecheck: install
	@.venv/bin/mypy .

validate-k8s: install
	@bash scripts/validate_k8s.sh

messages: install
	@$(DEV) manage makemessages -l de -l es --no-obsolete --ignore=.venv --ignore=.local && $(DEV) manage compilemessages --ignore=.venv

# One store's archive and its restore (apps/backups; README "Backups: one store").
backup: install
	@test -n "$(STORE)" || { echo "usage: make backup STORE=<slug> [OUTPUT=path]" >&2; exit 2; }
	@$(DEV) manage store_export "$(STORE)" $(if $(OUTPUT),--output "$(OUTPUT)")

restore: install
	@test -n "$(ARCHIVE)" -a -n "$(AS_NEW)$(OVER)" || { echo "usage: make restore ARCHIVE=<path> AS_NEW=<slug>|OVER=<slug> [YES=1]" >&2; exit 2; }
	@$(DEV) manage store_restore "$(ARCHIVE)" $(if $(AS_NEW),--as-new "$(AS_NEW)") $(if $(OVER),--over "$(OVER)") $(if $(YES),--yes)

# The platform-wide backup drill (README "Backups: the platform"); never touches the running server.
backup-drill: install
	@$(DEV) backup-drill

load: install
	@$(DEV) bench benchmarks/bench_load.py

# Stores multiplied in one database (benchmarks/bench_scale.py; docs/scaling.md). Stores are kept
# in commerce_bench_scale between runs: a later run resumes where the last one stopped.
bench-scale: install
	@$(DEV) bench benchmarks/bench_scale.py --levels "$(or $(LEVELS),1,100,1000,2000)" --max-minutes "$(or $(MINUTES),240)"

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache staticfiles
