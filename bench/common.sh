# What bench/run.sh and bench/growth.sh share: the packages and the release build, a work
# directory, and `groomer serve` driven by wrk with signed real payloads. The caller sets
# `seconds` (per figure) first; each measurement appends one JSON line to "$results".
source scripts/system-packages
command -v wrk >/dev/null || scripts/install-packages wrk
scripts/install-packages "${GROOMER_SYSTEM_PACKAGES[@]}"
echo "building release…" >&2
swift build -c release --product groomer >/dev/null
swift build -c release --product groomer-bench >/dev/null
bin="$(swift build -c release --show-bin-path)"

work=$(mktemp -d)
server=""
stop_server() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi; }
trap 'stop_server; rm -rf "$work"' EXIT
secret="bench-secret"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
results="$work/results"
: >"$results"
python3 bench/load.py lua "$work/load.lua" "$secret" 200

# Starts the server (`groomer-bench serve`: the application `groomer serve` builds, with the
# ceiling routes beside it) on DATABASE_URL and waits until it answers /readyz; startup_ms is how
# long that took from the process's start.
start_server() {  # DATABASE_URL
  local began; began=$(date +%s%N)
  GROOMER_WEBHOOK_SECRET=$secret GROOMER_DATABASE_URL="$1" GROOMER_LOG_LEVEL=warning \
    "$bin/groomer-bench" serve --port "$port" 2>>"$work/server.log" &
  server=$!
  for _ in $(seq 2000); do
    if curl -fs "$url/readyz" >/dev/null 2>&1; then startup_ms=$(( ($(date +%s%N) - began) / 1000000 )); return; fi
    sleep 0.01
  done
  echo "server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
rss() { awk -v key="$1:" '$1 == key { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }

# Deliveries the server has counted (its /metrics): "NEW DUPLICATES", where new is every
# outcome but `duplicate`.
deliveries() {
  curl -fs "$url/metrics" | awk '/^groomer_deliveries_total[{]/ {
    if (index($0, "outcome=\"duplicate\"") > 0) duplicates += $NF; else new += $NF
  } END { printf "%d %d", new, duplicates }'
}

load() {  # NAME PATH [RATE]
  local name=$1 path=$2 rate=${3:-}
  local connections=32
  [ -n "$rate" ] && connections=16
  local line new duplicates before=(0 0) after=(0 0)
  [ "$path" = /webhooks/github ] && read -r -a before <<<"$(deliveries)"
  # A fresh BENCH_RUN each time: every request's GUID is new, so ingest measures recording, not the duplicate check.
  line=$(BENCH_RUN=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ') BENCH_RATE=$rate BENCH_THREADS=2 \
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/load.lua" "$url$path" | grep '^RESULT')
  read -r _ rps p50 p99 non2xx errors requests <<<"$line"
  [ "$path" = /webhooks/github ] && read -r -a after <<<"$(deliveries)"
  new=$((after[0] - before[0])) duplicates=$((after[1] - before[1]))
  echo "{\"name\":\"$name\",\"rps\":$rps,\"p50\":$p50,\"p99\":$p99,\"non2xx\":$non2xx,\"errors\":$errors,\"requests\":$requests,\"new\":$new,\"duplicates\":$duplicates}" >>"$results"
  echo "  $name: $rps/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, errors $errors, recorded $new new and $duplicates duplicate of $requests" >&2
}

# Fixed-rate windows of NAME's ingest, each right after one of the HMAC route on the same
# server: a tail measured on a shared machine moves from window to window, so the table gives
# each one's median over the windows, beside its ceiling's, and the range.
paced_windows=3
paced() {  # NAME
  for window in $(seq "$paced_windows"); do
    load "$1-hmac@1000#$window" /ceiling/hmac 1000
    load "$1@1000#$window" /webhooks/github 1000
  done
}

