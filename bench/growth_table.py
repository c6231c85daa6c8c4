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


def store_rows(prefix, backend):
    """The store's figures on one backend; prefix is "" for SQLite and "pg-" for PostgreSQL."""
    k = lambda name: prefix + name
    named = lambda text: f"{backend}: {text}" if prefix else text
    fill = rows.get(k("fill-full"), {})
    grown = f"{fill.get('deliveries', 0):,} deliveries, {fill.get('issues', 0):,} issues"
    e, f = rows.get(k("empty")), rows.get(k("full"))
    if e and f:
        add(named(f"Ingest, deliveries/s at saturation (empty store vs {grown})"), f"{e['rps']:,.0f}", f"{f['rps']:,.0f}",
            ratio(f["rps"], e["rps"]), "≥ 0.90")
        eh, fh = rows[k("empty-hmac")], rows[k("full-hmac")]
        add(named("Ingest against the HMAC route on the same server"), ratio(e["rps"], eh["rps"]), ratio(f["rps"], fh["rps"]), "",
            "≥ 0.45" if prefix else "")
        ep, fp = rows[k("empty@1000")], rows[k("full@1000")]
        add(named(f"p99 at a fixed 1,000/s, ms (median of {fp['windows']} windows; range)"),
            f"{ep['p99']:.2f} ({min(ep['p99s']):.2f}–{max(ep['p99s']):.2f})", f"{fp['p99']:.2f} ({min(fp['p99s']):.2f}–{max(fp['p99s']):.2f})",
            ratio(fp["p99"], ep["p99"]), "≤ 1.11 (0.9 of empty)")
        ehp, fhp = rows[k("empty-hmac@1000")], rows[k("full-hmac@1000")]
        add(named("p99 at 1,000/s against the HMAC route's in the same windows"), ratio(ep["p99"], ehp["p99"]),
            ratio(fp["p99"], fhp["p99"]), "", "≤ 3")
        errors = lambda *rs: sum(r["non2xx"] + r["errors"] for r in rs)
        add(named("Non-2xx answers or socket errors"), errors(e, ep), errors(f, fp), "", "0")
    es, fs = rows.get(k("empty-start")), rows.get(k("full-start"))
    if es and fs:
        add(named("Start-up to ready, ms"), es["startup_ms"], fs["startup_ms"], ratio(fs["startup_ms"], es["startup_ms"]), "")
        add(named("Resident memory when ready, MiB"), f"{es['idle_mib']:.1f}", f"{fs['idle_mib']:.1f}",
            ratio(fs["idle_mib"], es["idle_mib"]), "")
    if k("empty-rss") in rows and k("full-rss") in rows:
        a, b = rows[k("empty-rss")]["mib"], rows[k("full-rss")]["mib"]
        add(named("Peak resident memory after the ingest load, MiB"), f"{a:.1f}", f"{b:.1f}", ratio(b, a), "≤ 64 MiB")
    if fill:
        add(named("Writing the history (generator, not HTTP), s"), "", f"{fill['seconds']:.1f}", "", "")
        size = "pages in use" if not prefix else "pg_database_size"
        add(named(f"Store size ({size})"), mib(rows[k("fill")]["bytes"]) if k("fill") in rows else "", mib(fill["bytes"]), "", "")
        add(named("Store bytes per delivery (with each issue's request, audit and labels)"), "",
            f"{fill['bytes'] / max(1, fill['deliveries']):,.0f}", "", "")
    p = rows.get(k("prune"))
    if p:
        add(named(f"Retention: deliveries older than {p['days']:g} days pruned (5,000 a statement), in s"), "",
            f"{p['pruned']:,} in {p['seconds']:.1f}", "", "")
        if p.get("free_after") is not None:
            add(named("Retention: space freed for reuse (SQLite free list)"), "", mib(p["free_after"]), ratio(p["free_after"], p["bytes_before"]), "")
        add(named("Retention: store size after as many newer deliveries as were pruned"), mib(p["bytes_before"]),
            mib(p["bytes_after_refill"]), ratio(p["bytes_after_refill"], p["bytes_before"]), "≈ 1.00 (bounded)")


store_rows("", "SQLite")
store_rows("pg-", "PostgreSQL")
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
    # The second half of the runs: the ETag cache has long reached its bound.
    half = runs[len(runs) // 2:]
    slope = (half[-1]["heapMiB"] - runs[len(runs) // 2 - 1]["heapMiB"]) * 1_048_576 / max(1, sum(r["groomed"] for r in half)) \
        if len(runs) > 1 else 0
    add("Long queue: heap growth per groomed issue over the second half of the runs, bytes, beside what the fake "
        "GitHub itself keeps per labelled write (measured alone)", f"{report['fakeGitHubBytesPerWrite']:.0f}",
        f"{slope:.0f}", ratio(slope, report["fakeGitHubBytesPerWrite"]), "≈ 1.00 (all of it the fake's)")
    add("Long queue: floor per issue, the write spacing, ms", "", f"{report['writeSpacingMilliseconds']:.2f}",
        ratio(per(full), report["writeSpacingMilliseconds"]), "")
    add("Long queue: runs; groomed", "", f"{len(runs)}; {sum(r['groomed'] for r in runs):,}", "", "all, once each (asserted)")

widths = [max(len(row[i]) for row in out) for i in range(5)]
for row in out:
    print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
