# Conductor — `make run` starts the demo (a simulated team in accelerated time), `make test` is what CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean prometheus chromium compiled kafka kafka-jars dashboards previews
DEMO_DB := .demo/conductor.db
COMPILED := build/compiled
URLLIB3_PINS := import importlib.metadata as m; print(*(f'{n}=={m.version(n)}' for n in ('urllib3-future', 'urllib3')))
SOURCES := $(shell find conductor schemas streams -name '*.py') setup.py pyproject.toml

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps $$($(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["conductor"]["no-deps-dev"])')
	# urllib3-future (grafana-client's niquests) overwrites urllib3 with itself at every start,
	# which breaks requests' pools (schemathesis counts them): the same versions again, apart.
	URLLIB3_NO_OVERRIDE=1 $(BIN)/pip install --quiet --force-reinstall --no-deps \
		--no-binary urllib3-future $$($(BIN)/python -c "$(URLLIB3_PINS)")
	touch $(STAMP)

run: $(STAMP)
	mkdir -p .demo && rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/conductor run --demo --score examples/score.yaml --db $(DEMO_DB)

# A real Prometheus for the integration tests (Debian package; the tests start their own).
prometheus:
	command -v prometheus >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus)

# A real headless browser for the rehearsal report's test (Debian package; a tool's own
# browser download cannot work here).
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)

# Grafana's own dashboard schema (@grafana/schema) and tsc, pinned by the lock file: the
# generated dashboards are type-checked against it (tests/integration/test_dashboards_schema.py).
GRAFANA_SCHEMA := dashboards/schema/node_modules/.installed
$(GRAFANA_SCHEMA): dashboards/schema/package.json dashboards/schema/package-lock.json
	npm ci --prefix dashboards/schema --no-audit --no-fund
	touch $@

# GitHub's documented webhook example payloads (@octokit/webhooks-examples), pinned by the
# lock file: tests/integration/test_github_examples.py delivers every one of them.
GITHUB_EXAMPLES := tests/fixtures/github-examples/node_modules/.installed
$(GITHUB_EXAMPLES): tests/fixtures/github-examples/package.json tests/fixtures/github-examples/package-lock.json
	npm ci --prefix tests/fixtures/github-examples --no-audit --no-fund
	touch $@

# Apache Kafka (single node, KRaft) on 127.0.0.1:9092 with its storage in .kafka/, in the
# foreground until Ctrl-C: for `conductor worker|publish|cues --broker kafka://127.0.0.1:9092`.
kafka:
	deploy/kafka/local-broker --port 9092 --dir .kafka

# The broker's jars (Maven Central through mvn, once, cached under ~/.cache/conductor/):
# fetched before pytest, so that the tests' broker fixture waits for a start, not a download.
kafka-jars:
	deploy/kafka/local-broker --fetch >/dev/null

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The same code with its core compiled by mypyc (see setup.py), installed apart from the
# sources: PYTHONPATH=$(COMPILED) runs it; the sources stay what an edit changes.
$(COMPILED)/.built: $(STAMP) $(SOURCES)
	rm -rf build
	CONDUCTOR_MYPYC=1 $(BIN)/pip install --quiet --no-deps --no-build-isolation --target $(COMPILED) .
	touch $@

compiled: $(COMPILED)/.built

# The Grafana dashboards' JSON (dashboards/json/, committed; a test holds it to the code).
dashboards: $(STAMP)
	$(BIN)/conductor dashboards build

# Pictures of the dashboards from the demo's real Prometheus data (a real runtime, a real
# worker): the same test the suite runs, writing into dashboards/preview/.
previews: $(STAMP) prometheus
	CONDUCTOR_PREVIEWS=dashboards/preview $(BIN)/pytest -q \
		tests/integration/test_dashboards_prometheus.py -k previews

# Everything on the sources, then the core's tests again on the compiled core.
test: lint prometheus chromium compiled kafka-jars $(GRAFANA_SCHEMA) $(GITHUB_EXAMPLES)
	$(BIN)/pytest
	CONDUCTOR_CORE_BUILD=compiled PYTHONPATH=$(COMPILED) $(BIN)/pytest tests/unit tests/property

# -P: the current directory must not shadow the compiled build on PYTHONPATH.
ON_COMPILED := PYTHONPATH=$(COMPILED):$(CURDIR) $(BIN)/python -P -m
bench: compiled kafka-jars
	$(BIN)/python -m bench.core
	$(ON_COMPILED) bench.core
	$(ON_COMPILED) bench.ingest
	$(ON_COMPILED) bench.formats
	$(ON_COMPILED) bench.streams
	$(ON_COMPILED) bench.delivery
	$(ON_COMPILED) bench.rehearse

clean:
	rm -rf $(VENV) build *.egg-info
