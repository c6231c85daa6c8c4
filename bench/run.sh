#!/usr/bin/env bash
# The whole benchmark: builds release, starts `groomer serve` with its ceiling routes, drives it
# with wrk (signed real payloads, a unique delivery GUID each, issue numbers spread over a set),
# and prints every figure beside a ceiling measured in the same run, as a ratio.
#
#   bench/run.sh [--seconds N] [--postgres] [--skip-groom]
#
# --postgres also measures ingest on a throwaway PostgreSQL (scripts/with-postgres);
# --skip-groom leaves out the groom-cost scenario (it builds the test target).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 postgres=0 groom=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --postgres) postgres=1 ;;
    --skip-groom) groom=0 ;;
    *) echo "usage: bench/run.sh [--seconds N] [--postgres] [--skip-groom]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$postgres" = 1 ] && [ -z "${GROOMER_TEST_POSTGRES_URL:-}" ]; then
  exec scripts/with-postgres "$0" --seconds "$seconds" --postgres $([ "$groom" = 0 ] && echo --skip-groom)
fi

source bench/common.sh

echo "ingest on SQLite (synchronous=normal), ${seconds}s per figure" >&2
start_server "sqlite:$work/normal.sqlite"
BENCH_RUN=00000000 BENCH_THREADS=2 wrk -t2 -c16 -d2s -s "$work/load.lua" "$url/webhooks/github" >/dev/null  # warm up
for route in body:/ceiling/body hmac:/ceiling/hmac map:/ceiling/map ingest:/webhooks/github; do load "${route%%:*}" "${route#*:}"; done
load "body@1000" /ceiling/body 1000
paced ingest
echo "{\"name\":\"rss-load\",\"mib\":$(rss VmHWM)}" >>"$results"
stop_server

echo "ingest on SQLite (synchronous=full)" >&2
start_server "sqlite:$work/full.sqlite?synchronous=full"
load "durable" /webhooks/github
paced durable
stop_server

if [ "$postgres" = 1 ]; then
  echo "ingest on PostgreSQL" >&2
  start_server "$GROOMER_TEST_POSTGRES_URL"
  load "postgres" /webhooks/github
  paced postgres
  stop_server
fi

echo "25 MiB deliveries" >&2
size=$((25 * 1024 * 1024))
python3 bench/load.py big "$work/big.json" "$secret" "$size"
start_server "sqlite:$work/big.sqlite"
idle=$(rss VmRSS)
deliver_big() {  # GUID
  curl -s -o /dev/null -w '%{http_code}\n' -X POST "$url/webhooks/github" -H 'Content-Type: application/json' \
    -H 'X-GitHub-Event: issues' -H "X-GitHub-Delivery: $1" -H 'X-GitHub-Hook-ID: 1' \
    -H "X-Hub-Signature-256: $(cat "$work/big.json.signature")" --data-binary @"$work/big.json"
}
statuses=$(for i in 1 2 3; do deliver_big "big-serial-$i"; done; for i in 1 2 3 4; do deliver_big "big-parallel-$i" & done; wait)
echo "{\"name\":\"rss-big\",\"idle\":$idle,\"mib\":$(rss VmHWM),\"statuses\":\"$(echo $statuses)\",\"parallel\":4}" >>"$results"
stop_server

echo "HMAC of 25 MiB" >&2
"$bin/groomer-bench" hmac | tee -a "$work/hmac.txt" >&2
python3 - "$work/hmac.txt" >>"$results" <<'PY'
import json, re, sys
line = open(sys.argv[1]).read()
m = re.search(r"in ([\d.]+) ms \(groomer\) vs ([\d.]+) ms \(openssl dgst: ([\d.]+) ms for one file, ([\d.]+) ms for five", line)
print(json.dumps({"name": "hmac-digest", "groomer": float(m[1]), "openssl": float(m[2]), "once": float(m[3]), "five": float(m[4]), "agree": "agree" in line}))
PY

if [ "$groom" = 1 ]; then
  echo "groom-cost scenario (builds and runs one test)" >&2
  GROOMER_BENCH_REPORT="$work/groom.json" swift test --filter GroomCostScenarioTests >"$work/groom.log" 2>&1 \
    || { tail -30 "$work/groom.log" >&2; exit 1; }
  echo "{\"name\":\"groom\",\"report\":$(cat "$work/groom.json")}" >>"$results"
fi

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') on the same machine"
echo "command: bench/run.sh --seconds $seconds$([ "$postgres" = 1 ] && echo ' --postgres')$([ "$groom" = 0 ] && echo ' --skip-groom')"
echo
python3 bench/table.py "$results"
