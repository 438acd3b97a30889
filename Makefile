# The two commands a new machine needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell bash scripts/ensure-tools.sh)
RUN := $(UV) run --frozen

.PHONY: help setup run test lint typecheck schemas schema-check deploy-check pytest bench bench-cpu bench-throughput bench-memory token clean

help:
	@echo "make run     start Kafka, PostgreSQL and the four services (Ctrl-C stops all)"
	@echo "make test    lint, type-check, schema check, manifest check and every test (real Kafka and PostgreSQL)"
	@echo "make bench   end-to-end latency benchmark of the admission flow"
	@echo "make bench-cpu         CPU per admission in every process of the flow (goal < 5 ms)"
	@echo "make bench-throughput  saturation throughput of the admission flow (goal 400/s)"
	@echo "make schemas regenerate contracts/schemas after changing an event model"

setup:
	@$(UV) sync --frozen --quiet

run: setup
	@$(RUN) npd-dev run

test: setup lint typecheck schema-check deploy-check pytest

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: setup
	$(RUN) mypy contracts/src runtime/src devstack/src services/*/src

schemas: setup
	$(RUN) python -m npd_contracts.schema_check --write

schema-check: setup
	$(RUN) python -m npd_contracts.schema_check

deploy-check: setup
	UV=$(UV) bash deploy/validate.sh

pytest: setup
	$(RUN) pytest

bench: setup
	$(RUN) python bench/admission_latency.py

bench-cpu: setup
	$(RUN) python bench/admission_cpu.py

bench-throughput: setup
	$(RUN) python bench/admission_throughput.py

bench-memory: setup
	$(RUN) python bench/idle_memory.py

clean:
	rm -rf .venv .mypy_cache .ruff_cache
