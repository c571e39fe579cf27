#!/usr/bin/env bash
# Runs web, worker and beat together on the embedded default (or on DATABASE_URL / REDIS_URL when set).
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

$PY manage.py migrate --no-input
$PY manage.py portal_bootstrap

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping web, worker and beat..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/celery -A fota_portal worker --loglevel=INFO --concurrency=2 -Q default,vendor_writes,vendor_reads &
pids+=($!)
.venv/bin/celery -A fota_portal beat --loglevel=INFO &
pids+=($!)
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)

echo "FOTA Portal is starting on http://127.0.0.1:${PORT}/ (Ctrl-C stops web, worker and beat)"
if [ "${FOTA_DEMO:-true}" = "true" ]; then
  # First start only: simulated vendor accounts, devices, fleets and two campaigns, loaded through the product's own
  # HTTP paths once the web process answers. FOTA_DEMO=false skips it.
  $PY manage.py load_demo --server "http://127.0.0.1:${PORT}" &
fi
wait -n "${pids[@]}"
