#!/usr/bin/env bash
# Cost as the work grows, beside the small store, in one run: ingest and its tail on an empty
# SQLite store and on one holding a week of history, all the retention keeps (1,000,000
# deliveries over 100,000 issues, written by a generator), the store's bytes per delivery, what
# pruning frees and whether newer deliveries reuse it, start-up time and memory on each, the learned triage's
# training cost against the size of a repository's history, and a queue of 10,000 due requests
# groomed against the fakes. Prints the growth table.
#
#   bench/growth.sh [--seconds N] [--deliveries N] [--issues N] [--queue N] [--postgres]
#
# --postgres also measures the empty and the full store, and the retention, on a throwaway
# PostgreSQL (scripts/with-postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 fill_deliveries=1000000 fill_issues=100000 queue=10000 postgres=0
arguments=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --deliveries) fill_deliveries=$2; shift ;;
    --issues) fill_issues=$2; shift ;;
    --queue) queue=$2; shift ;;
    --postgres) postgres=1 ;;
    *) echo "usage: bench/growth.sh [--seconds N] [--deliveries N] [--issues N] [--queue N] [--postgres]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$postgres" = 1 ] && [ -z "${GROOMER_TEST_POSTGRES_URL:-}" ]; then
  exec scripts/with-postgres "$0" "${arguments[@]}"
fi

source bench/common.sh

# One store's figures: start-up, idle memory, ingest as fast as it goes, the paced windows.
measure_store() {  # NAME DATABASE_URL
  start_server "$2"
  echo "{\"name\":\"$1-start\",\"startup_ms\":$startup_ms,\"idle_mib\":$(rss VmRSS)}" >>"$results"
  BENCH_RUN=00000000 BENCH_THREADS=2 wrk -t2 -c16 -d2s -s "$work/load.lua" "$url/webhooks/github" >/dev/null  # warm up
  load "$1-hmac" /ceiling/hmac
  load "$1" /webhooks/github
  paced "$1"
  echo "{\"name\":\"$1-rss\",\"mib\":$(rss VmHWM)}" >>"$results"
  stop_server
}

echo "the empty store" >&2
"$bin/groomer-bench" fill "sqlite:$work/empty.sqlite" 0 0 >>"$results"
measure_store empty "sqlite:$work/empty.sqlite"

echo "a week of history: $fill_deliveries deliveries over $fill_issues issues" >&2
# Spread over a little less than the 7 days `serve` keeps (it prunes older deliveries as it
# starts): the store a steady state holds.
"$bin/groomer-bench" fill "sqlite:$work/full.sqlite" "$fill_deliveries" "$fill_issues" 6.9 | sed 's/"name":"fill"/"name":"fill-full"/' >>"$results"
echo "{\"name\":\"file-full\",\"bytes\":$(stat -c %s "$work/full.sqlite")}" >>"$results"
measure_store full "sqlite:$work/full.sqlite"

echo "the retention window moving on 5 days: deliveries older than 2 days pruned" >&2
"$bin/groomer-bench" prune "sqlite:$work/full.sqlite" 2 >>"$results"

if [ "$postgres" = 1 ]; then
  base=${GROOMER_TEST_POSTGRES_URL%/*}
  for database in growth_empty growth_full; do
    psql "$base/postgres" -qc "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
  done
  echo "PostgreSQL: the empty store" >&2
  "$bin/groomer-bench" fill "$base/growth_empty" 0 0 | sed 's/"name":"fill"/"name":"pg-fill"/' >>"$results"
  measure_store pg-empty "$base/growth_empty"
  echo "PostgreSQL: a week of history: $fill_deliveries deliveries over $fill_issues issues" >&2
  "$bin/groomer-bench" fill "$base/growth_full" "$fill_deliveries" "$fill_issues" 6.9 | sed 's/"name":"fill"/"name":"pg-fill-full"/' >>"$results"
  measure_store pg-full "$base/growth_full"
  echo "PostgreSQL: the retention window moving on 5 days" >&2
  "$bin/groomer-bench" prune "$base/growth_full" 2 | sed 's/"name":"prune"/"name":"pg-prune"/' >>"$results"
fi

for size in 1000 10000 50000; do
  echo "learned triage on a history of $size issues" >&2
  "$bin/groomer-bench" learn-growth "$size" >>"$results"
done

echo "a queue of $queue due requests (builds and runs one test)" >&2
GROOMER_BENCH_LONG_QUEUE=$queue GROOMER_BENCH_REPORT="$work/queue.json" \
  swift test --filter LongQueueScenarioTests >"$work/queue.log" 2>&1 || { tail -30 "$work/queue.log" >&2; exit 1; }
echo "{\"name\":\"queue\",\"report\":$(cat "$work/queue.json")}" >>"$results"

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "command: bench/growth.sh --seconds $seconds --deliveries $fill_deliveries --issues $fill_issues --queue $queue$([ "$postgres" = 1 ] && echo " --postgres")"
echo
python3 bench/growth_table.py "$results"
