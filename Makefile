# Everything goes through scripts/dev.py, which finds PostgreSQL and Redis first
# (see README "Configuration"). `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PY := .venv/bin/python
DEV := $(PY) scripts/dev.py

.PHONY: help install run test migrate worker beat bench lint format typecheck validate-k8s messages clean

help:
	@echo "make run      - the platform with demo stores on http://localhost:8000"
	@echo "make test     - ruff, mypy and the whole pytest suite (browser tests included)"
	@echo "make migrate  - migrate public, the store template and every store schema"
	@echo "make worker   - a Celery worker for every queue"
	@echo "make beat     - the Celery beat scheduler (database schedule)"
	@echo "make bench    - the benchmarks in benchmarks/, printing their figures"

install:
	@bash scripts/bootstrap.sh

run: install
	@$(DEV) run

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

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache staticfiles
