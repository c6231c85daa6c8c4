#!/usr/bin/env python3
"""Prints bench/run.sh's results (JSON lines) as a Markdown table: figure, ceiling, ratio, target."""
import sys

from results import load, ratio

rows = load(sys.argv[1])

out = [("Figure", "groomer", "Ceiling (same run)", "Ratio", "Target"), ("---", "---:", "---", "---:", "---")]


def add(*cells):
    out.append(tuple(str(c) for c in cells))


def latency(r):
    """p50 / p99, with the p99's range when the figure is a median over windows."""
    cell = f"{r['p50']:.2f} / {r['p99']:.2f}"
    if r.get("windows", 1) > 1:
        cell += f" (p99 {min(r['p99s']):.2f}–{max(r['p99s']):.2f})"
    return cell


def paced_row(label, fixed, ceiling):
    windows = f", median of {fixed['windows']} windows" if fixed.get("windows", 1) > 1 else ""
    add(f"{label}: at a fixed 1,000/s (achieved {fixed['rps']:,.0f}/s{windows}), p50 / p99 ms", latency(fixed),
        f"HMAC route {latency(ceiling)}", ratio(fixed["p99"], ceiling["p99"]), "p99 ≤ 5 ms")


def recorded_row(label, *results):
    """Shows that every answered delivery was recorded as new, none taken for a duplicate."""
    results = [r for r in results if r and "new" in r]
    if results:
        add(f"{label}: deliveries recorded new / answered (at saturation; at 1,000/s)",
            "; ".join(f"{r['new']:,} / {r['requests']:,}" for r in results),
            "duplicates: " + " and ".join(f"{r['duplicates']:,}" for r in results), "", "all, 0 duplicates")


def ingest_rows(name, label):
    r = rows.get(name)
    if not r:
        return
    h, b = rows["hmac"], rows["body"]
    add(f"{label}: deliveries/s at saturation", f"{r['rps']:,.0f}", f"HMAC route {h['rps']:,.0f}/s", ratio(r["rps"], h["rps"]), "≥ 0.60")
    add(f"{label}: same, against the body-only route", f"{r['rps']:,.0f}", f"body route {b['rps']:,.0f}/s", ratio(r["rps"], b["rps"]), "")
    if "map" in rows:
        m = rows["map"]
        add(f"{label}: same, against body + HMAC + mapping (all but the store)", f"{r['rps']:,.0f}", f"map route {m['rps']:,.0f}/s",
            ratio(r["rps"], m["rps"]), "")
    add(f"{label}: p50 / p99 at saturation, ms", f"{r['p50']:.2f} / {r['p99']:.2f}", f"HMAC route {h['p50']:.2f} / {h['p99']:.2f}",
        ratio(r["p99"], h["p99"]), "")
    fixed = rows.get(name + "@1000")
    if fixed:
        paced_row(label, fixed, rows.get(name + "-hmac@1000") or rows["hmac@1000"])
    recorded_row(label, r, fixed)
    errors = r["non2xx"] + r["errors"] + (fixed["non2xx"] + fixed["errors"] if fixed else 0)
    if errors:
        add(f"{label}: non-2xx or socket errors", errors, "", "", "0")


ingest_rows("ingest", "Ingest, SQLite")
if "durable" in rows:
    d, n = rows["durable"], rows["ingest"]
    add("Durability: SQLite synchronous=full, deliveries/s", f"{d['rps']:,.0f}", f"synchronous=normal {n['rps']:,.0f}/s", ratio(d["rps"], n["rps"]), "")
    add("Durability: synchronous=full vs the HMAC route", f"{d['rps']:,.0f}", f"HMAC route {rows['hmac']['rps']:,.0f}/s",
        ratio(d["rps"], rows["hmac"]["rps"]), "≥ 0.60")
    df = rows.get("durable@1000")
    if df:
        paced_row("Durability, synchronous=full", df, rows.get("durable-hmac@1000") or rows["hmac@1000"])
    recorded_row("Durability", d, df)
ingest_rows("postgres", "Ingest, PostgreSQL")
if "hmac-digest" in rows:
    h = rows["hmac-digest"]
    add("HMAC-SHA256 of 25 MiB, ms" + ("" if h["agree"] else " (DIGESTS DIFFER)"), f"{h['groomer']:.1f}",
        f"openssl dgst {h['openssl']:.1f} (5 files {h['five']:.1f} − 1 file {h['once']:.1f}, ÷ 4)", ratio(h["groomer"], h["openssl"]), "≤ 1.20")
if "rss-load" in rows:
    add("Peak RSS under the ingest load, MiB", f"{rows['rss-load']['mib']:.1f}", "target 64", ratio(rows["rss-load"]["mib"], 64), "≤ 1.00")
if "rss-big" in rows:
    b = rows["rss-big"]
    body = 25.0
    growth = b["mib"] - b["idle"]
    add(f"Peak RSS receiving 25 MiB bodies (3 in turn, then {b['parallel']} at once; statuses {b['statuses']}), MiB", f"{b['mib']:.1f}",
        f"idle {b['idle']:.1f} + {b['parallel']} bodies × 25", ratio(growth, body * b["parallel"]), "≤ ~1 copy per body")
if "groom" in rows:
    g = rows["groom"]["report"]
    bound = g["issues"] * g["llmLatencyMilliseconds"] / 1000 / g["concurrency"]
    for phase in g["phases"]:
        name = phase["name"]
        add(f"Groom ({name}): LLM calls per groomed issue", f"{phase['llmCallsPerGroomedIssue']:.2f}",
            f"{phase['groomed']} groomed of {phase['issuesTouched']} touched", "", "≤ 1 per distinct content")
        add(f"Groom ({name}): prompt per LLM call, bytes (≈ tokens × 4)", phase["promptBytesPerCall"], "", "", "")
        add(f"Groom ({name}): GitHub reads / writes per groomed issue",
            f"{phase['githubReadsPerGroomedIssue']:.2f} / {phase['githubWritesPerGroomedIssue']:.2f}", "", "", "writes ≤ 1; 0 for a no-op")
    first = g["phases"][0]
    add(f"Groom: run wall time, {g['issues']} issues, LLM {g['llmLatencyMilliseconds']} ms, concurrency {g['concurrency']}, s",
        f"{first['wallSeconds']:.2f}", f"issues × latency ÷ concurrency = {bound:.2f}", ratio(first["wallSeconds"], bound), "≤ 1.20")

widths = [max(len(row[i]) for row in out) for i in range(5)]
for row in out:
    print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
