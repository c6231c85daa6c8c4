#!/usr/bin/env bash
# Ingest load: signed real payloads (fixtures/payloads/issues/edited.payload.json, issue numbers
# spread over a set), a unique X-GitHub-Delivery per request, against `groomer serve` on SQLite.
# Prints deliveries per second and latency percentiles from wrk.
#   bench/ingest.sh [seconds] [connections] [issues]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-32}
issues=${3:-200}
command -v wrk >/dev/null || scripts/install-packages wrk
source scripts/system-packages
scripts/install-packages "${GROOMER_SYSTEM_PACKAGES[@]}"
swift build -c release --product groomer >/dev/null
bin="$(swift build -c release --show-bin-path)/groomer"

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
secret="bench-secret"
python3 - "$work/ingest.lua" "$secret" "$issues" <<'PY'
import hashlib, hmac, json, sys
out, secret, count = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
payload = json.load(open("fixtures/payloads/issues/edited.payload.json"))
lines = ["bodies = {}", "signatures = {}"]
for n in range(1, count + 1):
    payload["issue"]["number"] = n
    body = json.dumps(payload, separators=(",", ":"))
    sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
    lines.append("bodies[%d] = %s" % (n, json.dumps(body)))
    lines.append("signatures[%d] = %s" % (n, json.dumps(sig)))
lines.append("""
counter = 0
thread_id = 0
function setup(thread) thread:set("thread_id", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  local n = (counter %% %d) + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-GitHub-Event"] = "issues"
  headers["X-GitHub-Delivery"] = string.format("bench-%%d-%%d-%%d", thread_id, counter, math.random(1, 1000000000))
  headers["X-GitHub-Hook-ID"] = "1"
  headers["X-Hub-Signature-256"] = signatures[n]
  return wrk.format("POST", "/webhooks/github", headers, bodies[n])
end
done = function(summary, latency, requests)
  io.write(string.format("deliveries/s %%.0f\\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("non-2xx %%d, errors %%d\\n", summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  for _, p in pairs({50, 90, 99, 99.9}) do io.write(string.format("p%%g %%.2f ms\\n", p, latency:percentile(p) / 1000)) end
end
""" % count)
open(out, "w").write("\n".join(lines))
PY

GROOMER_WEBHOOK_SECRET=$secret GROOMER_DATABASE_URL="sqlite:$work/groomer.sqlite${GROOMER_BENCH_SQLITE_OPTIONS:-}" GROOMER_LOG_LEVEL=warning \
  "$bin" serve --port 18089 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:18089/healthz >/dev/null 2>&1 && break; sleep 0.1; done
echo "groomer serve on SQLite ($work/groomer.sqlite${GROOMER_BENCH_SQLITE_OPTIONS:-}), $connections connections, ${seconds}s, $issues issues"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/ingest.lua" http://127.0.0.1:18089/webhooks/github | grep -E "deliveries|non-2xx|^p[0-9]"
echo "peak RSS $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MiB"}')"
