# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

# Test services: the local PostgreSQL and Redis unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fota_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: run test bench clean chromium

$(VENV)/.run-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

## run: set up and start web, worker and beat on the embedded default (http://127.0.0.1:$${PORT:-8000})
run: $(VENV)/.run-installed
	./scripts/run.sh

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

## test: install test dependencies and run the whole suite against PostgreSQL and Redis
test: $(VENV)/.test-installed chromium
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		./scripts/test.sh $(ARGS)

## bench: the engine benchmark on PostgreSQL (1,000,000 devices; DEVICES=... to change); see docs/benchmarks.md
bench: $(VENV)/.test-installed
	$(PY) -m benchmarks.engine_bench --devices $${DEVICES:-1000000}

clean:
	rm -rf $(VENV) var
