#!/usr/bin/env bash
# Load with nothing lost: gunicorn on PostgreSQL, on 127.0.0.1 only, under a mixed read
# load (wrk) while an import writes new issues and an editor saves through the admin and
# the API; then a check that every imported and edited article is there exactly once.
#
#   tests/load/run.sh                  # 20 s of load
#   LOAD_DURATION=60 tests/load/run.sh
#   LOAD_CONNECTIONS=32 LOAD_TIMEOUT=10 LOAD_RESULTS=figures.json tests/load/run.sh
#                                      # wrk's figures as JSON too
#
# It DROPS and recreates the database LOAD_DATABASE (default archive_load).
set -euo pipefail

cd "$(dirname "$0")/../.."
PY=.venv/bin/python
DURATION=${LOAD_DURATION:-20}
ARTICLES=${LOAD_ARTICLES:-3000}
BATCHES=${LOAD_BATCHES:-20}
BATCH_ARTICLES=${LOAD_BATCH_ARTICLES:-200}
WORKERS=${LOAD_WORKERS:-2}
CONNECTIONS=${LOAD_CONNECTIONS:-8}
# How long wrk waits for an answer before it counts a timeout, an error here.
TIMEOUT=${LOAD_TIMEOUT:-2}
DATABASE=${LOAD_DATABASE:-archive_load}
PG="-h 127.0.0.1 -U postgres"

WORK=$(mktemp -d)
GUNICORN_PID=""
cleanup() {
  if [[ -n $GUNICORN_PID ]]; then
    kill "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Production mode, minus what needs TLS or a bucket: this run is local and plain HTTP.
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DATABASE"
export DEBUG=false
SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(50))")
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false
export MEDIA_STORAGE=local
export MEDIA_ROOT="$WORK/media"
# wrk is a single anonymous client; the default budget would turn the run into 429s.
export ANON_THROTTLE_RATE=1000000/minute
# One cache for both workers, as in production, so an admin save retires every cached copy.
export CACHE_URL=${LOAD_CACHE_URL:-redis://127.0.0.1:6379/0}
export CACHE_KEY_PREFIX="load-$$"
export LOG_LEVEL=WARNING

echo "== database $DATABASE, $ARTICLES articles to start with"
psql $PG -q -c "drop database if exists $DATABASE with (force)" -c "create database $DATABASE"
$PY manage.py migrate --noinput -v 0
$PY manage.py loaddata seed -v 0
$PY manage.py collectstatic --noinput -v 0
$PY -m tests.load.driver prepare --work "$WORK" --articles "$ARTICLES" \
  --batches "$BATCHES" --batch-articles "$BATCH_ARTICLES"
$PY manage.py import_archive --quiet --jobs 2 "$WORK/initial"
$PY -m tests.load.driver targets --work "$WORK"

PORT=$($PY -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
BASE_URL="http://127.0.0.1:$PORT"
GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=$WORKERS \
  .venv/bin/gunicorn -c python:archive.gunicorn archive.wsgi >"$WORK/access.log" 2>"$WORK/gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 50); do
  curl -fs "$BASE_URL/readyz" >/dev/null && break
  sleep 0.2
done
curl -fs "$BASE_URL/readyz" >/dev/null || { cat "$WORK/gunicorn.log"; exit 1; }
echo "== gunicorn ($WORKERS workers) on $BASE_URL; ${DURATION} s of load"

LOAD_PATHS="$WORK/paths.txt" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout "${TIMEOUT}s" --latency -s tests/load/mixed.lua \
  "$BASE_URL" >"$WORK/wrk.txt" &
WRK_PID=$!
$PY -m tests.load.driver edit --work "$WORK" --base-url "$BASE_URL" --seconds "$DURATION" &
EDITOR_PID=$!

# New issues, a batch at a time, until the load ends; only whole batches count.
BATCHES_DONE=0
IMPORT_FAILED=0
START=$(date +%s.%N)
END_BY=$(($(date +%s) + DURATION))
while ((BATCHES_DONE < BATCHES && $(date +%s) < END_BY)); do
  if ! $PY manage.py import_archive --quiet "$WORK/$(printf 'batch-%02d' "$BATCHES_DONE")"; then
    IMPORT_FAILED=1
    break
  fi
  BATCHES_DONE=$((BATCHES_DONE + 1))
done
IMPORT_SECONDS=$(echo "$(date +%s.%N) - $START" | bc)
wait "$WRK_PID"
wait "$EDITOR_PID"

IMPORTED=$((BATCHES_DONE * BATCH_ARTICLES))
echo "== wrk (mixed reads, 2 threads, $CONNECTIONS connections)"
cat "$WORK/wrk.txt"
echo "== import during the load"
printf '%d articles (%d batches) in %.1f s: %.0f articles/s\n' "$IMPORTED" \
  "$BATCHES_DONE" "$IMPORT_SECONDS" "$(echo "$IMPORTED / $IMPORT_SECONDS" | bc -l)"
echo "== editor's saves, through the admin and the API in turn"
$PY -c "import json, sys; e = json.load(open(sys.argv[1])); \
print(f\"{e['saves']} saves, {e['errors']} errors, {len(e['saved'])} articles edited\")" \
  "$WORK/edits.json"
echo "== nothing lost?"
$PY -m tests.load.driver verify --work "$WORK" --batches-done "$BATCHES_DONE" --base-url "$BASE_URL"

STATUS=0
if ((IMPORT_FAILED)); then
  echo "FAIL: an import batch failed"
  STATUS=1
fi
if ((BATCHES_DONE == 0)); then
  echo "FAIL: no import batch finished while the load ran: nothing was read during an import"
  STATUS=1
fi
if ! $PY -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))['errors'] > 0)" \
  "$WORK/edits.json"; then
  echo "FAIL: editor saves failed"
  STATUS=1
fi
if grep -qE "Non-2xx|Socket errors" "$WORK/wrk.txt"; then
  echo "FAIL: wrk saw errors; the server's log says:"
  tail -n 40 "$WORK/gunicorn.log"
  STATUS=1
fi
exit $STATUS
