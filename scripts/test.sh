#!/usr/bin/env bash
# Runs the whole test suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL must be set; `make test` does).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must point at PostgreSQL (make test sets it)}"
: "${REDIS_URL:?REDIS_URL must point at Redis (make test sets it)}"
export SECRET_KEY="${SECRET_KEY:-test-secret-key-not-for-production}"
export DEBUG="${DEBUG:-false}"
export SIMULATORS_ENABLED="${SIMULATORS_ENABLED:-true}"
export FOTA_VAR_DIR="${FOTA_VAR_DIR:-$PWD/var/test}"
# The live test server's threads must not hold database sessions open past a test (the test database is dropped).
export DATABASE_CONN_MAX_AGE="${DATABASE_CONN_MAX_AGE:-0}"

.venv/bin/python manage.py collectstatic --no-input -v 0
exec .venv/bin/python -m pytest "$@"
