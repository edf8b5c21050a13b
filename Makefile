# Rumah — the two commands are `make run` and `make test`; everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
RUMAH := $(VENV)/bin/rumah
UV_VERSION := 0.13.8
PYTEST_ARGS ?=
# Kafka topology of `rumah infra`: 1 node, or the 3-node KRaft cluster (make test's default)
KAFKA_NODES ?=
ifneq ($(KAFKA_NODES),)
export RUMAH_KAFKA_NODES := $(KAFKA_NODES)
endif

.PHONY: install run test test-unit test-integration infra-up infra-down infra-status bench lock lint typecheck schemas clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@$(VENV)/bin/uv pip sync -q --python $(PY) requirements.lock
	@$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $@

install: $(VENV)/.installed

## make run: start the whole hub on the embedded adapters (BACKEND=kafka for Kafka + FerretDB)
run: install
	@$(RUMAH) run $(if $(BACKEND),--backend $(BACKEND),)

## make test: install, start the real engines (Kafka as a 3-node cluster), run every test, stop them
test test-integration: export RUMAH_KAFKA_NODES ?= 3
test: install
	@$(RUMAH) infra up --replace
	@status=0; $(PY) -m pytest -q -ra $(PYTEST_ARGS) || status=$$?; \
	  $(RUMAH) infra down || true; \
	  exit $$status

test-unit: install
	@$(PY) -m pytest -q -ra -m "not integration" $(PYTEST_ARGS)

test-integration: install
	@$(RUMAH) infra up --replace
	@$(PY) -m pytest -q -ra -m integration $(PYTEST_ARGS)

infra-up: install
	@$(RUMAH) infra up

infra-down: install
	@$(RUMAH) infra down

infra-status: install
	@$(RUMAH) infra status

## make bench: every benchmark beside its baseline (starts the engines; wrk and Apollo Gateway
## are installed when missing); BENCH_ARGS="--only gateway --quick" narrows it
bench: install
	@command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null 2>&1 || sudo apt-get install -y -q wrk)
	@$(RUMAH) infra up
	@status=0; $(PY) -m bench $(BENCH_ARGS) || status=$$?; \
	  $(RUMAH) infra down || true; \
	  exit $$status

## regenerate the checked-in contracts (subgraph SDLs, supergraph, event schemas)
schemas: install
	@$(RUMAH) schemas export

lock:
	@$(VENV)/bin/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

lint: install
	@$(VENV)/bin/ruff check .

typecheck: install
	@$(VENV)/bin/mypy rumah services gateway infra

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
