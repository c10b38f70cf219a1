# Conductor — `make run` starts the demo (a simulated team in accelerated time), `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean prometheus
DEMO_DB := .demo/conductor.db

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p .demo && rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/conductor run --demo --score examples/score.yaml --db $(DEMO_DB)

# A real Prometheus for the integration tests (Debian package; the tests start their own).
prometheus:
	command -v prometheus >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint prometheus
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/core.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python -m bench.streams

clean:
	rm -rf $(VENV) build *.egg-info
