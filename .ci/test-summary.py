#!/usr/bin/env python3
"""The last lines of `make test`: one line per part, with counts, read from the parts' logs.

    python3 .ci/test-summary.py DIR

DIR holds `<part>.log` and `<part>.status` (the part's exit status) for each part `make test`
ran (lint, test-rust, test-ts, test-dart, test-tauri). Exits 1 if a part failed or a log has a
failure the part's status did not show, else 0.
"""

import os
import re
import sys

PARTS = ["lint", "test-rust", "test-ts", "test-dart", "test-tauri"]

CARGO_RESULT = re.compile(
    r"test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored"
)
CARGO_RUNNING = re.compile(r"^\s*Running (\S+)")
NODE_COUNT = re.compile(r"^# (pass|fail|skipped) (\d+)$")
SUITE = re.compile(
    r"^(\d+) passed, (\d+) failed, (\d+) skipped, (\d+) expected failures, (\d+) could not run$"
)


def cargo(lines):
    """(binaries, passed, failed, ignored) over every libtest result, and the same for C tests."""
    total, c_tests, running = [0, 0, 0, 0], [0, 0, 0, 0], ""
    for line in lines:
        m = CARGO_RUNNING.match(line)
        if m:
            running = m.group(1)
            continue
        m = CARGO_RESULT.search(line)
        if m:
            counts = [1] + [int(g) for g in m.groups()]
            total = [a + b for a, b in zip(total, counts)]
            if "c_abi" in running:
                c_tests = [a + b for a, b in zip(c_tests, counts)]
            running = ""
    return total, c_tests


def node_runs(lines):
    """Each node --test run's (pass, fail, skipped), in order."""
    runs, current = [], {}
    for line in lines:
        m = NODE_COUNT.match(line.strip())
        if m:
            current[m.group(1)] = int(m.group(2))
            if m.group(1) == "skipped":
                runs.append(current)
                current = {}
    return runs


def main():
    logs = sys.argv[1]
    rows, bad = [], False

    def part(name):
        path = os.path.join(logs, f"{name}.log")
        if not os.path.exists(path):
            return None, None
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
        with open(os.path.join(logs, f"{name}.status")) as f:
            status = int(f.read().strip() or 1)
        return lines, status

    def verdict(status, failed=0):
        nonlocal bad
        if status != 0 or failed:
            bad = True
            return "FAILED"
        return "ok"

    lines, status = part("lint")
    if lines is not None:
        rows.append(("lint", verdict(status), "rustfmt, clippy -D warnings, rustdoc -D warnings, prettier"))

    lines, status = part("test-rust")
    if lines is not None:
        (n, p, f, i), (cn, cp, cf, _) = cargo(lines)
        guard = next((l for l in lines if l.startswith("callgrind guard:")), "callgrind guard: did not run")
        rows.append(("Rust", verdict(status, f), f"{p} passed, {f} failed, {i} ignored ({n} test binaries)"))
        rows.append(("C", verdict(status, cf), f"{cp} passed, {cf} failed (the C programs of {cn} c_abi test binaries)"))
        sign_in = next((l for l in lines if l.startswith("dispatch sign_in::dispatch:")), None)
        rows.append(("callgrind", "ok" if guard.endswith(": ok") else verdict(1),
                     sign_in.split(": ", 1)[1] if sign_in and guard.endswith(": ok") else guard.split(": ", 1)[1]))

    lines, status = part("test-ts")
    if lines is not None:
        runs = node_runs(lines)
        suite = next((SUITE.match(l.strip()) for l in lines if SUITE.match(l.strip())), None)
        names = ["TS", "TS (examples/todo)"]
        for name, run in zip(names, runs + [None] * (2 - len(runs))):
            if run is None:
                rows.append((name, verdict(1), "no result (see the log above)"))
            else:
                rows.append((name, verdict(status, run.get("fail", 0)),
                             f"{run.get('pass', 0)} passed, {run.get('fail', 0)} failed, {run.get('skipped', 0)} skipped"))
        if suite is None:
            rows.append(("TS conformance", verdict(1), "no result (see the log above)"))
        else:
            p, f, s, x, c = suite.groups()
            rows.append(("TS conformance", verdict(status, int(f) + int(c)),
                         f"{p} passed, {f} failed, {s} skipped, {x} expected failures, {c} could not run"))

    lines, status = part("test-dart")
    if lines is not None:
        skipped = next((l for l in lines if l.startswith("SKIPPED")), None)
        rows.append(("Dart", "SKIPPED" if skipped and status == 0 else verdict(status),
                     skipped[len("SKIPPED: "):] if skipped else "make dart (see the log above)"))

    lines, status = part("test-tauri")
    if lines is not None:
        (n, p, f, i), _ = cargo(lines)
        ratio = next((l.strip() for l in lines if '"smallCallRatio"' in l), "")
        extra = f"; {ratio.rstrip(',')}" if ratio else ""
        rows.append(("Tauri webview", verdict(status, f), f"{p} passed, {f} failed{extra}"))

    width = max(len(r[0]) for r in rows) if rows else 0
    print("\n== make test: summary ==")
    for name, v, text in rows:
        print(f"{name:<{width}}  {v:<7} {text}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
