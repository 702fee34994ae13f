#!/usr/bin/env python3
"""Turns the output of `cargo bench -p eventwire-bench` into the table and the plot of
docs/PERFORMANCE.md.

    cargo bench -p eventwire-bench 2>&1 | tee docs/perf/results/run-1.txt   # repeat: run-2, ...
    python3 docs/perf/report.py docs/perf/results/run-*.txt                  # needs matplotlib

Prints the Markdown table (figure, baseline, ratio, target, met?) and writes
docs/perf/performance.png. With several runs, each figure is the median over the runs of the
per-run medians, and each ratio the median of the per-run ratios (a ratio is always taken
between two benchmarks of the same run, never across runs). Run manually; not part of the tests.
"""

import re
import statistics
import sys
from pathlib import Path

TIME_UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
RATE_UNITS = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def parse_time(text):
    value, unit = text.split()
    return float(value) * TIME_UNITS[unit]


def parse_rate(text):
    m = re.match(r"([\d.]+) ([KMGT]?)(B/s|item/s)", text.strip())
    return float(m.group(1)) * RATE_UNITS[m.group(2)] if m else None


def parse(text):
    """{"bench/group/name": {"median": seconds, "rate": per second or None}} of one run."""
    results = {}
    bench, seps, stack, last = None, None, [], None
    for line in text.splitlines():
        header = re.match(r"^(\S+)\s+fastest\s+│", line)
        if header:
            bench, stack, last = header.group(1), [], None
            seps = [i for i, c in enumerate(line) if c == "│"]
            continue
        if bench is None or not line.strip():
            continue
        row = re.match(r"^([│ ]*)[├╰]─ (\S+)", line)
        if row:
            depth = len(row.group(1)) // 3
            stack = stack[:depth] + [row.group(2)]
            median = line[seps[1] + 1 : seps[2]].strip() if len(line) > seps[2] else ""
            if median:
                last = "/".join([bench] + stack)
                results[last] = {"median": parse_time(median), "rate": None}
            else:
                last = None
            continue
        if last and len(line) > seps[2]:
            rate = parse_rate(line[seps[1] + 1 : seps[2]])
            if rate is not None:
                results[last]["rate"] = rate
            last = None
    return results


def fmt_time(s):
    if s is None:
        return "not measured"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_rate(r, unit):
    if r is None:
        return "not measured"
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if r >= scale:
            return f"{r / scale:.3g} {prefix}{unit}"
    return f"{r:.3g} {unit}"


# (label, figure, baseline, how to compare, target, lower is better?)
#   "time": ratio = figure time / baseline time; "rate": the figure's own rate vs an absolute
#   target, ratio against the baseline's rate for context; "abs_time": wall time vs a bound.
ROWS = [
    ("(a) SignIn, in-process dispatch", "dispatch/sign_in/dispatch", "dispatch/sign_in/floor", "time", 1.5),
    ("(b) C ABI async round trip (Ping)", "cabi/c_abi", "cabi/tokio_baseline", "time", 2.0),
    ("(b) the same, against its three-hop design floor", "cabi/c_abi", "cabi/three_hop_floor", "time", None),
    ("(c) stdio host, pipelined Ping, req/s", "stdio/host", "stdio/cat_baseline", "rate", 200_000),
    ("(d) notifications/s, 1 subscriber", "notify/fan_out/1", "notify/channel/1", "rate", 2_000_000),
    ("(d) notifications/s, 100 subscribers", "notify/fan_out/100", "notify/channel/100", "rate", None),
    ("(e) Discard 1 MiB, payload bytes/s", "dispatch/payload_sweep/discard/1048576", "dispatch/payload_sweep/memcpy/1048576", "rate", 1e9),
    ("(e) Echo 1 MiB, payload bytes/s", "dispatch/payload_sweep/echo/1048576", "dispatch/payload_sweep/memcpy/1048576", "rate", 1e9),
    ("(f) JSON bridge, Ping", "dispatch/json/json/Ping", "dispatch/json/binary/Ping", "time", None),
    ("(f) JSON bridge, SignIn", "dispatch/json/json/SignIn", "dispatch/json/binary/SignIn", "time", None),
    ("(f) JSON bridge, Echo 64 KiB", "dispatch/json/json/Echo64KiB", "dispatch/json/binary/Echo64KiB", "time", None),
    ("(g) conformance suite, wall time", "conformance/suite", "conformance/list_baseline", "abs_time", 5.0),
]


# Labels of the ratio plot's bars.
SHORT = {
    "(a) SignIn, in-process dispatch": "(a) SignIn dispatch\n/ floor",
    "(b) C ABI async round trip (Ping)": "(b) C ABI round trip\n/ tokio baseline",
    "(b) the same, against its three-hop design floor": "(b) C ABI round trip\n/ three-hop floor",
    "(f) JSON bridge, Ping": "(f) JSON Ping",
    "(f) JSON bridge, SignIn": "(f) JSON SignIn",
    "(f) JSON bridge, Echo 64 KiB": "(f) JSON Echo 64 KiB",
}


def median_of(runs, key, field):
    values = [r[key][field] for r in runs if key in r and r[key][field] is not None]
    return statistics.median(values) if values else None


def ratio_of(runs, key, base, field):
    values = [
        r[key][field] / r[base][field]
        for r in runs
        if key in r and base in r and r[key][field] and r[base][field]
    ]
    return statistics.median(values) if values else None


def table(runs):
    lines = [
        "| Figure | Measured | Baseline (same run) | Ratio | Target | Met? |",
        "|---|---|---|---|---|---|",
    ]
    for label, key, base, kind, target in ROWS:
        if not any(key in r for r in runs):
            lines.append(f"| {label} | not measured | | | | |")
            continue
        unit = "B/s" if "payload" in key else ("req/s" if "stdio" in key else "/s")
        if kind == "time":
            figure, baseline = median_of(runs, key, "median"), median_of(runs, base, "median")
            ratio = ratio_of(runs, key, base, "median")
            met = "" if target is None else ("yes" if ratio <= target else "no")
            goal = "" if target is None else f"≤ {target}x"
            lines.append(
                f"| {label} | {fmt_time(figure)} | {fmt_time(baseline)} | {ratio:.2f}x | {goal} | {met} |"
            )
        elif kind == "rate":
            figure, baseline = median_of(runs, key, "rate"), median_of(runs, base, "rate")
            ratio = ratio_of(runs, key, base, "rate")
            met = "" if target is None else ("yes" if figure >= target else "no")
            goal = "" if target is None else f"≥ {fmt_rate(target, unit)}"
            lines.append(
                f"| {label} | {fmt_rate(figure, unit)} | {fmt_rate(baseline, unit)} | {ratio:.2f}x of baseline | {goal} | {met} |"
            )
        else:
            figure, baseline = median_of(runs, key, "median"), median_of(runs, base, "median")
            met = "yes" if figure < target else "no"
            lines.append(
                f"| {label} | {fmt_time(figure)} | {fmt_time(baseline)} (start-up) | | < {target:g} s | {met} |"
            )
    return "\n".join(lines)


def plot(runs, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (sweep, ratios, stream) = plt.subplots(
        1, 3, figsize=(17, 5.5), gridspec_kw={"width_ratios": [4, 4, 2]}
    )
    sizes = [16, 256, 4096, 65536, 1048576]
    for name, style in (("discard", "o-"), ("echo", "s-"), ("memcpy", "^--")):
        xs, ys = [], []
        for size in sizes:
            rate = median_of(runs, f"dispatch/payload_sweep/{name}/{size}", "rate")
            if rate:
                xs.append(size)
                ys.append(rate / 1e9)
        label = {"memcpy": "one memcpy (baseline)"}.get(name, f"{name.capitalize()} via dispatch")
        sweep.plot(xs, ys, style, label=label)
    sweep.axhline(1.0, color="grey", linestyle=":", label="target at 1 MiB: 1 GB/s")
    sweep.set_xscale("log", base=2)
    sweep.set_yscale("log")
    sweep.set_xlabel("payload size (bytes)")
    sweep.set_ylabel("payload throughput (GB/s)")
    sweep.set_title("(e) In-process payload sweep")
    sweep.legend()
    sweep.grid(True, which="both", alpha=0.3)

    labels, values, targets = [], [], []
    for label, key, base, kind, target in ROWS:
        if kind != "time" or not any(key in r for r in runs):
            continue
        labels.append(SHORT.get(label, label))
        values.append(ratio_of(runs, key, base, "median"))
        targets.append(target)
    bars = ratios.bar(range(len(values)), values, color="tab:blue")
    for i, target in enumerate(targets):
        if target:
            ratios.hlines(target, i - 0.4, i + 0.4, colors="red", label="target" if i == 0 else None)
    for bar, value in zip(bars, values):
        ratios.text(bar.get_x() + bar.get_width() / 2, value, f"{value:.2f}x", ha="center", va="bottom")
    ratios.set_xticks(range(len(values)))
    ratios.set_xticklabels(labels, fontsize=8, rotation=25, ha="right")
    ratios.set_yscale("log")
    ratios.set_ylabel("time / baseline time (same run)")
    ratios.set_title("Per-call cost against baselines")
    ratios.legend()

    host = median_of(runs, "stdio/host", "rate")
    cat = median_of(runs, "stdio/cat_baseline", "rate")
    names, rates = [], []
    for name, rate in (("eventwire-host", host), ("cat (baseline)", cat)):
        if rate:
            names.append(name)
            rates.append(rate)
    bars = stream.bar(range(len(rates)), rates, color=["tab:blue", "tab:green"][: len(rates)])
    for bar, rate in zip(bars, rates):
        stream.text(bar.get_x() + bar.get_width() / 2, rate, fmt_rate(rate, "req/s"), ha="center", va="bottom", fontsize=8)
    stream.axhline(200_000, color="red", label="target: 200 k req/s")
    stream.set_xticks(range(len(rates)))
    stream.set_xticklabels(names, fontsize=8)
    stream.set_yscale("log")
    stream.set_ylim(bottom=1e3)
    stream.set_ylabel("requests per second")
    stream.set_title("(c) Pipelined Ping over one pipe")
    stream.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    paths = sys.argv[1:]
    if not paths:
        sys.exit(__doc__)
    runs = [parse(Path(p).read_text(encoding="utf-8")) for p in paths]
    print(table(runs))
    out = Path(__file__).with_name("performance.png")
    plot(runs, out)
    print(f"\nwrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
