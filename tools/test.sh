#!/usr/bin/env bash
# The whole suite, twice: on the embedded default (SQLite) and on PostgreSQL, with a real Redis
# for the Celery tests; the servers are throwaway (tools/services.sh) and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

trap 'tools/services.sh stop' EXIT
eval "export $(tools/services.sh start | tr '\n' ' ')"
pg_url=$DATABASE_URL
unset DATABASE_URL

echo "== SQLite (embedded default)"
$PY -m pytest -n 2 -q --durations=10 "$@"
echo "== PostgreSQL (production profile)"
# The browser test (templates) and the accuracy floors (models trained from files) do not touch
# the database: they run in the SQLite pass only.
DATABASE_URL=$pg_url $PY -m pytest -n 2 -q --durations=10 --ignore=portal/tests/test_browser.py \
    --ignore=triage/tests/test_real_data.py "$@"
