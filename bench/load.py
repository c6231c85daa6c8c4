#!/usr/bin/env python3
"""Writes what bench/run.sh drives the server with.

  bench/load.py lua OUT.lua SECRET ISSUES
      A wrk script: the recorded issues.edited payload with the issue number spread over ISSUES,
      each body signed with SECRET, a unique X-GitHub-Delivery per request: a UUID made of
      BENCH_RUN (8 hex digits, a fresh one for each wrk run, so that no run repeats another's
      GUIDs and measures the duplicate path), the wrk thread and a counter. With BENCH_RATE set
      (deliveries per second, whole run) it paces requests on a fixed schedule; otherwise it
      sends as fast as the connections allow. It prints one line: RESULT rps p50 p99 non2xx errors requests.

  bench/load.py big OUT SECRET BYTES
      A valid issues.opened payload of exactly BYTES bytes (its issue body padded), and
      OUT.signature holding its X-Hub-Signature-256.
"""
import hashlib
import hmac
import json
import sys

FIXTURES = "fixtures/payloads/issues"


def sign(secret, body):
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def lua(out, secret, count):
    payload = json.load(open(f"{FIXTURES}/edited.payload.json"))
    lines = ["bodies = {}", "signatures = {}"]
    for n in range(1, count + 1):
        payload["issue"]["number"] = n
        body = json.dumps(payload, separators=(",", ":"))
        lines.append("bodies[%d] = %s" % (n, json.dumps(body)))
        lines.append("signatures[%d] = %s" % (n, json.dumps(sign(secret, body.encode()))))
    lines.append(LUA.replace("ISSUE_COUNT", str(count)))
    open(out, "w").write("\n".join(lines))


LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } timespec;
int clock_gettime(int clk_id, timespec *tp);
]]
local function now_ms()
  local t = ffi.new("timespec")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) * 1000 + tonumber(t.tv_nsec) / 1e6
end

local threads = {}
local thread_count = 0
function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local counter = 0
local run = os.getenv("BENCH_RUN") or string.format("%08x", os.time() % 0x100000000)
local rate = tonumber(os.getenv("BENCH_RATE") or "")
local period, next_slot
function init(args)
  if rate then
    local threads_total = tonumber(os.getenv("BENCH_THREADS") or "1")
    period = 1000 * threads_total / rate
  end
end

-- On a fixed schedule: each request takes the thread's next slot, and waits for it.
if rate then
  delay = function()
    local t = now_ms()
    if not next_slot then next_slot = t end
    local wait = next_slot - t
    next_slot = next_slot + period
    if wait < 0 then return 0 end
    return wait
  end
end

request = function()
  counter = counter + 1
  local n = (counter % ISSUE_COUNT) + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["User-Agent"] = "GitHub-Hookshot/bench"
  headers["X-GitHub-Event"] = "issues"
  headers["X-GitHub-Delivery"] = string.format("%s-%04x-4000-8000-%012x", run, thread_id, counter)
  headers["X-GitHub-Hook-ID"] = "1"
  headers["X-Hub-Signature-256"] = signatures[n]
  return wrk.format("POST", nil, headers, bodies[n])
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, errors, summary.requests))
end
"""


def big(out, secret, size):
    payload = json.load(open(f"{FIXTURES}/opened.payload.json"))
    payload["issue"]["body"] = ""
    base = len(json.dumps(payload, separators=(",", ":")).encode())
    payload["issue"]["body"] = "x" * (size - base)
    body = json.dumps(payload, separators=(",", ":")).encode()
    assert len(body) == size, (len(body), size)
    open(out, "wb").write(body)
    open(out + ".signature", "w").write(sign(secret, body))


if __name__ == "__main__":
    kind, out, secret, number = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
    {"lua": lua, "big": big}[kind](out, secret, number)
