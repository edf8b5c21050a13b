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

.PHONY: install browser screenshots deploy-tools compose-secrets run test test-unit test-integration infra-up infra-down infra-status bench lock lint typecheck schemas clean

# requirements.lock: what the processes need at run time (the image installs only this one);
# requirements-dev.lock: the same pins plus the test, lint and manifest-check tools.
$(VENV)/.installed: requirements-dev.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@$(VENV)/bin/uv pip sync -q --python $(PY) requirements-dev.lock
	@$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $@

## the browser assets Rumah serves itself (npm ci against rumah/common/webassets/package-lock.json, cached);
## the gateway's hot loops compiled with the lock's mypyc when missing or stale (≈ 15-30 s); if
## that cannot be done install goes on, says so in one line, and the pure-Python reference runs
## (docs/gateway-runtime.md, "Compiled kernel"); the access gate's per-request path likewise
## (≈ 20 s; its sources run when it cannot be: docs/access.md); on x86-64 with SSE4.2, httptools (the HTTP/1.1
## parser) rebuilt from its checked sdist with llhttp's SIMD header scans (≈ 10 s once, then
## cached; the stock wheel stays when that cannot be done: docs/gateway-runtime.md, "HTTP parser")
install: $(VENV)/.installed
	@$(PY) -m rumah.common.webassets install >/dev/null
	@$(PY) tools/native/build.py --if-needed || true
	@$(PY) tools/native/auth.py --if-needed || true
	@$(PY) tools/native/http_parser.py --if-needed || true

## Debian's Chromium for the browser tests (Playwright's own browser download cannot work here)
browser:
	@command -v chromium >/dev/null || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null) \
	  || (sudo apt-get update -q >/dev/null && sudo apt-get install -y -q chromium >/dev/null)

## the tools and schemas tests/deploy checks manifests with (versions: tools/deploy-check/versions.env)
RUMAH_DEPLOY_TOOLS ?= .cache/deploy-tools
export RUMAH_DEPLOY_TOOLS
$(RUMAH_DEPLOY_TOOLS)/.ready: tools/deploy-check/versions.env tools/deploy-check/fetch.sh
	@bash tools/deploy-check/fetch.sh $(RUMAH_DEPLOY_TOOLS)

deploy-tools: $(RUMAH_DEPLOY_TOOLS)/.ready

## make compose-secrets: random passwords and tokens for docker-compose.yml (kept if present)
compose-secrets: install
	@$(PY) -m rumah.compose_secrets var/compose-secrets

## make run: start the whole hub on the embedded adapters (BACKEND=kafka for Kafka + FerretDB)
run: install
	@$(RUMAH) run $(if $(BACKEND),--backend $(BACKEND),)

## make test: install, start the real engines (Kafka as a 3-node cluster), run every test, stop them
test test-integration: export RUMAH_KAFKA_NODES ?= 3
test: install browser deploy-tools
	@$(RUMAH) infra up --replace
	@status=0; $(PY) -m pytest -q -ra $(PYTEST_ARGS) || status=$$?; \
	  $(RUMAH) infra down || true; \
	  echo "the access layer's tests again on its sources (RUMAH_GATEWAY_NATIVE=off):"; \
	  RUMAH_GATEWAY_NATIVE=off $(PY) -m pytest -q -m "not integration and not browser" \
	    tests/unit/gateway/auth tests/unit/gateway/http tests/unit/gateway/subscriptions \
	    || status=$$?; \
	  exit $$status

test-unit: install deploy-tools
	@$(PY) -m pytest -q -ra -m "not integration and not browser" $(PYTEST_ARGS)
	@RUMAH_GATEWAY_NATIVE=off $(PY) -m pytest -q -m "not integration and not browser" \
	  tests/unit/gateway/auth tests/unit/gateway/http tests/unit/gateway/subscriptions

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

## screenshots of every Monev page into docs/monev/ (taken by the browser tests)
screenshots: install browser
	@RUMAH_MONEV_SCREENSHOTS=docs/monev $(PY) -m pytest -q -m browser tests/browser

## regenerate the checked-in contracts (subgraph SDLs, supergraph, event schemas)
schemas: install
	@$(RUMAH) schemas export

## make lock: the runtime lock, then the dev lock constrained to the same runtime pins
lock:
	@$(VENV)/bin/uv pip compile -q pyproject.toml --python-version 3.11 -o requirements.lock
	@$(VENV)/bin/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 \
	  -c requirements.lock -o requirements-dev.lock

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

typecheck: install
	@$(VENV)/bin/mypy rumah services gateway infra monev

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
