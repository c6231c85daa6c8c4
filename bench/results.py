"""Reads the JSON lines bench/run.sh and bench/growth.sh write: one figure a line, a fixed-rate
figure measured in several windows as "NAME#1", "NAME#2", …"""
import json


def ratio(a, b):
    """a ÷ b to two places, or a dash without a ceiling."""
    return f"{a / b:.2f}" if b else "–"


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def load(path):
    """Figures by name (a windowed figure as its windows together); NAME[] lists every line of NAME."""
    rows, windows = {}, {}
    for line in open(path):
        line = line.strip()
        if line:
            item = json.loads(line)
            name, _, window = item["name"].partition("#")
            if window:
                windows.setdefault(name, []).append(item)
            else:
                rows[name] = item
                rows.setdefault(name + "[]", []).append(item)
    for name, items in windows.items():
        rows[name] = paced(name, items)
    return rows


def paced(name, items):
    """A fixed-rate figure over its windows: the median of each latency, the mean rate, counts
    summed, and the p99 of every window for its range."""
    return {
        "name": name, "windows": len(items),
        "rps": sum(i["rps"] for i in items) / len(items),
        "p50": median([i["p50"] for i in items]), "p99": median([i["p99"] for i in items]),
        "p99s": [i["p99"] for i in items],
        **{key: sum(i[key] for i in items) for key in ("non2xx", "errors", "requests", "new", "duplicates") if key in items[0]},
    }
