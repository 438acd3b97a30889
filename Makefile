# The two commands a new machine needs: `make run` and `make test`. Everything else is a step of those,
# or a command a developer runs next to `make run` (tokens, migrations, dead letters): every target works
# on a fresh clone, since `uv` may live only where scripts/ensure-tools.sh put it, not on PATH.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# `ALICE=$(make token ...)` must capture the token alone, also when make runs inside another make.
MAKEFLAGS += --no-print-directory
UV := $(shell bash scripts/ensure-tools.sh)
RUN := $(UV) run --frozen

.PHONY: help setup run infra test test-faults lint typecheck schemas schema-check deploy-check pytest bench bench-latency bench-flows bench-http bench-cpu bench-throughput bench-memory bench-relay bench-consumer bench-events bench-benchmark bench-calendar \
	bench-kafka-hop bench-directory bench-fanout token migrate notifications-rebuild dlq demo images clean

help:
	@echo "make run     start Kafka, PostgreSQL and the four services; restarts a service that exits (Ctrl-C stops all)"
	@echo "make test    lint, type-check, schema check, manifest check and every test (real Kafka and PostgreSQL)"
	@echo "make test-faults  the fault suite: kill -9, rebalance, two relays, broker and database restarts (CI runs it too)"
	@echo ""
	@echo "make token SUB=alice [TTL=3600]   print a dev access token (identity only; SUB=admin is a network admin)"
	@echo "make migrate [SERVICE=membership]   alembic upgrade head on the local cluster (or <SERVICE>_DATABASE_URL)"
	@echo "make dlq ARGS=\"list npd.membership.organisation\"   dead letters: list or replay (ARGS=--help)"
	@echo "make infra   only Kafka and PostgreSQL, printing their settings (Ctrl-C stops both)"
	@echo "make demo    fill the running platform (make run) with the demo network; running it again adds nothing"
	@echo "make bench   every benchmark below at sizes that fit 15 minutes; writes bench/results/latest.{json,md}"
	@echo "make bench-latency     end-to-end latency of the admission flow at 100/s (goal p99 < 50 ms)"
	@echo "make bench-flows       end-to-end latency of meeting -> notification and cycle -> reminder at 100/s"
	@echo "make bench-http        HTTP write and read throughput against bare asyncpg and a bare endpoint"
	@echo "make bench-memory      RSS of each service idle (goal < 150 MB) and under load"
	@echo "make bench-cpu         CPU per admission in every process of the flow (goal < 5 ms)"
	@echo "make bench-throughput  saturation throughput of the admission flow (goal 400/s)"
	@echo "make bench-fanout      an announcement to 200,000 recipients: deliveries recorded (goal < 5 s) vs COPY; mails/s"
	@echo "make bench-directory   directory latency at 1,000 organisations and 500,000 people, against its bare SQL"
	@echo "make bench-events      registration latency at 20,000 meetings a year and 200,000 people, against its bare SQL"
	@echo "make bench-benchmark   publishing benchmark results, 1,000 organisations x 200 KPIs, against a plain SQL aggregate"
	@echo "make bench-calendar    per-person calendar feed at 20,000 meetings a year and 200,000 people, against its SQL"
	@echo "make schemas regenerate contracts/schemas after changing an event model"
	@echo "make images  build the image (docker or podman; TAG=dev); without either, make test runs its build steps"
	@echo ""
	@echo "The tools themselves are in .venv/bin after any of these: npd-dev, npd-dlq, alembic, pytest."

setup:
	@$(UV) sync --frozen --quiet

run: setup
	@$(RUN) npd-dev run

infra: setup
	@$(RUN) npd-dev infra

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

# Not part of `make test` (the root conftest leaves tests/faults out unless named): real processes killed
# or restarted mid-stream: about 6 minutes on a quiet host. -s shows the counts each test prints.
test-faults: setup
	$(RUN) pytest tests/faults -x -s -q

bench: setup
	$(RUN) python bench/run_all.py

bench-latency: setup
	$(RUN) python bench/admission_latency.py

bench-flows: setup
	$(RUN) python bench/flows.py

bench-http: setup
	$(RUN) python bench/http_write_read.py

bench-cpu: setup
	$(RUN) python bench/admission_cpu.py

bench-throughput: setup
	$(RUN) python bench/admission_throughput.py

bench-memory: setup
	$(RUN) python bench/idle_memory.py

bench-kafka-hop: setup
	$(RUN) python bench/kafka_hop.py

demo: setup
	@$(RUN) npd-dev seed

token: setup
	@if [ -z "$(SUB)" ]; then \
		echo 'usage: make token SUB=alice [TTL=3600]; roles are membership'"'"'s (make run makes SUB=admin a network admin)' >&2; \
		exit 2; \
	fi
	@$(RUN) npd-dev token --sub '$(SUB)' $(if $(TTL),--ttl '$(TTL)')

notifications-rebuild: setup
	@$(RUN) npd-dev rebuild-notifications

migrate: setup
	@$(RUN) npd-dev migrate $(SERVICE)

dlq: setup
	@$(RUN) npd-dlq $(ARGS)

bench-relay: setup
	$(RUN) python bench/relay_throughput.py

bench-consumer: setup
	$(RUN) python bench/consumer_throughput.py

bench-fanout: setup
	$(RUN) python bench/fanout.py

bench-directory: setup
	$(RUN) python bench/directory.py

bench-events: setup
	$(RUN) python bench/registration.py

bench-benchmark: setup
	$(RUN) python bench/benchmark_publication.py

bench-calendar: setup
	$(RUN) python bench/calendar_feed.py

clean:
	rm -rf .venv .mypy_cache .ruff_cache

# One image for the four services (deploy/Containerfile). Without a container engine the build stage's steps
# still run in `make test` (deploy/tests/test_image_environment.py), and a service starts from their result.
TAG ?= dev
images:
	@if command -v podman >/dev/null && podman info >/dev/null 2>&1; then \
		podman build -f deploy/Containerfile --ignorefile deploy/Containerfile.dockerignore -t npd-platform:$(TAG) .; \
	elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then \
		DOCKER_BUILDKIT=1 docker build -f deploy/Containerfile -t npd-platform:$(TAG) .; \
	else \
		echo "make images: no container engine answers here (docker or podman); make test runs the build steps"; \
		echo "(deploy/tests/test_image_environment.py) and starts a service from their result"; exit 1; \
	fi
