#!/usr/bin/env python3
"""Prints bench/growth.sh's results (JSON lines) as a Markdown table: each figure of the grown
store or workload beside its small counterpart measured in the same run, and the ratio."""
import sys

from results import load, ratio

rows = load(sys.argv[1])

out = [("Figure", "Small", "Grown", "Ratio", "Target"), ("---", "---:", "---:", "---:", "---")]


def add(*cells):
    out.append(tuple(str(c) for c in cells))


def mib(value):
    return f"{value / 1048576:,.1f} MiB"


fill = rows.get("fill-full", {})
grown = f"{fill.get('deliveries', 0):,} deliveries, {fill.get('issues', 0):,} issues"
e, f = rows.get("empty"), rows.get("full")
if e and f:
    add(f"Ingest, deliveries/s at saturation (empty store vs {grown})", f"{e['rps']:,.0f}", f"{f['rps']:,.0f}",
        ratio(f["rps"], e["rps"]), "≥ 0.90")
    eh, fh = rows["empty-hmac"], rows["full-hmac"]
    add("Ingest against the HMAC route on the same server", ratio(e["rps"], eh["rps"]), ratio(f["rps"], fh["rps"]), "", "")
    ep, fp = rows["empty@1000"], rows["full@1000"]
    add(f"p99 at a fixed 1,000/s, ms (median of {fp['windows']} windows; range)",
        f"{ep['p99']:.2f} ({min(ep['p99s']):.2f}–{max(ep['p99s']):.2f})", f"{fp['p99']:.2f} ({min(fp['p99s']):.2f}–{max(fp['p99s']):.2f})",
        ratio(fp["p99"], ep["p99"]), "≤ 1.11 (0.9 of empty)")
    ehp, fhp = rows["empty-hmac@1000"], rows["full-hmac@1000"]
    add("p99 at 1,000/s against the HMAC route's in the same windows", ratio(ep["p99"], ehp["p99"]), ratio(fp["p99"], fhp["p99"]), "", "≤ 3")
    errors = lambda *rs: sum(r["non2xx"] + r["errors"] for r in rs)
    add("Non-2xx answers or socket errors", errors(e, ep), errors(f, fp), "", "0")
es, fs = rows.get("empty-start"), rows.get("full-start")
if es and fs:
    add("Start-up to ready, ms", es["startup_ms"], fs["startup_ms"], ratio(fs["startup_ms"], es["startup_ms"]), "")
    add("Resident memory when ready, MiB", f"{es['idle_mib']:.1f}", f"{fs['idle_mib']:.1f}", ratio(fs["idle_mib"], es["idle_mib"]), "")
if "empty-rss" in rows and "full-rss" in rows:
    a, b = rows["empty-rss"]["mib"], rows["full-rss"]["mib"]
    add("Peak resident memory after the ingest load, MiB", f"{a:.1f}", f"{b:.1f}", ratio(b, a), "≤ 64 MiB")
if fill:
    add("Writing the history (generator, not HTTP), s", "", f"{fill['seconds']:.1f}", "", "")
    add("Store size (pages in use)", mib(rows["fill"]["bytes"]) if "fill" in rows else "", mib(fill["bytes"]), "", "")
    add("Store bytes per delivery (with each issue's request, audit and labels)", "",
        f"{fill['bytes'] / max(1, fill['deliveries']):,.0f}", "", "")
p = rows.get("prune")
if p:
    add(f"Retention: deliveries older than {p['days']:g} days pruned (5,000 a statement), in s", "", f"{p['pruned']:,} in {p['seconds']:.1f}", "", "")
    add("Retention: space freed for reuse (SQLite free list)", "", mib(p["free_after"]), ratio(p["free_after"], p["bytes_before"]), "")
    add("Retention: store size after as many newer deliveries as were pruned", mib(p["bytes_before"]), mib(p["bytes_after_refill"]),
        ratio(p["bytes_after_refill"], p["bytes_before"]), "≈ 1.00 (bounded)")
learn = sorted(rows.get("learn-growth[]", []), key=lambda r: r["issues"])
if learn:
    small = learn[0]
    for r in learn[1:]:
        n = f"{small['issues']:,} → {r['issues']:,} issues"
        add(f"Learned triage, training one repository's model, s ({n})", f"{small['train_seconds']:.2f}", f"{r['train_seconds']:.2f}",
            ratio(r["train_seconds"], small["train_seconds"]), f"≈ {r['issues'] / small['issues']:.0f} (linear)")
        add(f"Learned triage, training memory above the corpus, MiB ({n})", f"{small['peak_mib_above_corpus']:.1f}",
            f"{r['peak_mib_above_corpus']:.1f}", ratio(r["peak_mib_above_corpus"], small["peak_mib_above_corpus"]), "")
        add(f"Learned triage, one prediction, µs ({n})", f"{small['prediction_microseconds']:.0f}",
            f"{r['prediction_microseconds']:.0f}", ratio(r["prediction_microseconds"], small["prediction_microseconds"]), "")
        add(f"Learned triage, model size, KiB ({n})", f"{small['model_kib']:.0f}", f"{r['model_kib']:.0f}",
            ratio(r["model_kib"], small["model_kib"]), "")
q = rows.get("queue")
if q:
    report = q["report"]
    runs = report["runs"]
    # The last run may be a short remainder: compare full runs, the first tenth with the last.
    full = [r for r in runs if r["groomed"] == report["batch"]] or runs
    tenth = max(1, len(full) // 10)
    head, tail = full[:tenth], full[-tenth:]
    per = lambda rs: sum(r["seconds"] for r in rs) * 1000 / sum(r["groomed"] for r in rs)
    label = (f"{report['queue']:,} due requests, runs of {report['batch']}, concurrency {report['concurrency']}, "
             f"LLM {report['llmLatencyMilliseconds']} ms, writes {report['writeSpacingMilliseconds']} ms apart")
    add(f"Long queue ({label}): ms per groomed issue, first vs last runs", f"{per(head):.2f}", f"{per(tail):.2f}",
        ratio(per(tail), per(head)), "≈ 1.00 (flat)")
    add("Long queue: resident memory after the first vs the last run, MiB", f"{runs[0]['residentMiB']:.1f}",
        f"{runs[-1]['residentMiB']:.1f}", ratio(runs[-1]["residentMiB"], runs[0]["residentMiB"]), "≈ 1.00 (flat)")
    add("Long queue: heap in use (mallinfo2) after the first vs the last run, MiB", f"{runs[0]['heapMiB']:.1f}",
        f"{runs[-1]['heapMiB']:.1f}", ratio(runs[-1]["heapMiB"], runs[0]["heapMiB"]), "≈ 1.00 (flat)")
    add("Long queue: floor per issue, the write spacing, ms", "", f"{report['writeSpacingMilliseconds']:.2f}",
        ratio(per(full), report["writeSpacingMilliseconds"]), "")
    add("Long queue: runs; groomed", "", f"{len(runs)}; {sum(r['groomed'] for r in runs):,}", "", "all, once each (asserted)")

widths = [max(len(row[i]) for row in out) for i in range(5)]
for row in out:
    print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
