#!/usr/bin/env python3
"""Instruction-count regression guard for benchmark (a), independent of wall time.

Runs each guarded divan benchmark under `valgrind --tool=callgrind` twice, with N1 and N2
samples of one iteration each, and takes (instructions(N2) - instructions(N1)) / (N2 - N1): the
instructions of one iteration, without the process's start-up and the benchmark's set-up. The
counts are compared with the ones recorded in benches/callgrind.json; the check fails when one
grew by more than the recorded tolerance (10%), and prints every count with its ratio to the
floor measured in the same run.

    python3 benches/callgrind.py            # check (builds the benchmark first)
    python3 benches/callgrind.py --record   # measure and write benches/callgrind.json

Without valgrind the check prints SKIPPED and exits with status 0 only if
EVENTWIRE_CALLGRIND_OPTIONAL=1 is set; otherwise SKIPPED is an error (status 3), so that a
missing tool never reads as a pass.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RECORD = os.path.join(HERE, "callgrind.json")
N1, N2 = 200, 1200


def bench_binary(name):
    """Builds benchmark `name` of eventwire-bench and returns its executable's path."""
    out = subprocess.run(
        ["cargo", "bench", "-p", "eventwire-bench", "--bench", name, "--no-run",
         "--message-format=json", "--locked"],
        cwd=HERE, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and \
                msg["target"]["name"] == name:
            return msg["executable"]
    sys.exit(f"benches/callgrind.py: cargo built no executable for bench `{name}`")


def instructions(binary, bench, samples, workdir):
    out_file = os.path.join(workdir, "callgrind.out")
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", binary,
         "--bench", f"{bench}$", "--sample-count", str(samples), "--sample-size", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        sys.exit(f"benches/callgrind.py: callgrind run of `{bench}` failed:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def per_iteration(binary, bench, workdir):
    low = instructions(binary, bench, N1, workdir)
    high = instructions(binary, bench, N2, workdir)
    return round((high - low) / (N2 - N1))


def main():
    record = "--record" in sys.argv[1:]
    if shutil.which("valgrind") is None:
        print("callgrind guard: SKIPPED (valgrind is not installed; install it to run the check)")
        sys.exit(0 if os.environ.get("EVENTWIRE_CALLGRIND_OPTIONAL") == "1" else 3)
    with open(RECORD) as f:
        recorded = json.load(f)
    tolerance = recorded["tolerance"]
    measured = {}
    with tempfile.TemporaryDirectory() as workdir:
        for bench_file, benches in recorded["benches"].items():
            binary = bench_binary(bench_file)
            for bench in benches:
                measured.setdefault(bench_file, {})[bench] = per_iteration(binary, bench, workdir)
    failures = []
    for bench_file, benches in measured.items():
        floors = recorded.get("floors", {}).get(bench_file, {})
        for bench, count in benches.items():
            before = recorded["benches"][bench_file][bench]
            line = f"{bench_file} {bench}: {count} instructions (recorded {before}, {count / before:.3f}x)"
            floor = floors.get(bench)
            if floor:
                line += f"; {count / benches[floor]:.3f}x its floor `{floor}` in this run"
            print(line)
            if not record and count > before * (1 + tolerance):
                failures.append(f"{bench_file} {bench}: {count} > {before} + {tolerance:.0%}")
    if record:
        recorded["benches"] = measured
        with open(RECORD, "w") as f:
            json.dump(recorded, f, indent=2)
            f.write("\n")
        print(f"recorded in {os.path.relpath(RECORD)}")
        return
    if failures:
        print("callgrind guard: FAILED, instruction counts grew by more than the tolerance:")
        for failure in failures:
            print(f"  {failure}")
        sys.exit(1)
    print("callgrind guard: ok")


if __name__ == "__main__":
    main()
