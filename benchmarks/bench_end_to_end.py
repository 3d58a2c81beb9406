"""End-to-end offline time of the main job: prompt to 500 validated rows.

Runs `agentgan generate "<churn request>" --rows 500 --out churn.csv --seed 7` in a child
process under `/usr/bin/time -v`, `--runs` times, and prints wall seconds, CPU seconds
(user + system), peak resident memory, and whether every run wrote the same bytes. On a
shared machine the CPU seconds are the steadier figure; the load average is printed.

Usage:
    python benchmarks/bench_end_to_end.py [--runs 2] [--seed 7] [--rows 500]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)
AGENTGAN = str(Path(sys.executable).with_name("agentgan"))


def main() -> int:
    """Print one table row per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args()

    digests = set()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| run | wall seconds | CPU seconds | peak MiB | sha256 of churn.csv |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as name:
        for run in range(1, args.runs + 1):
            out = Path(name) / f"churn-{run}.csv"
            started = time.perf_counter()
            done = subprocess.run(
                [
                    "/usr/bin/time",
                    "-v",
                    AGENTGAN,
                    "generate",
                    REQUEST,
                    "--rows",
                    str(args.rows),
                    "--out",
                    str(out),
                    "--seed",
                    str(args.seed),
                ],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"agentgan generate failed: {done.stderr[-2000:]}")
            cpu = sum(
                float(m)
                for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
            )
            peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
            digests.add(digest)
            peak_mib = int(peak.group(1)) / 1024 if peak else float("nan")
            print(
                f"| {run} | {wall:.1f} | {cpu:.1f} | {peak_mib:.0f} | {digest[:16]} |", flush=True
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("byte-identical across runs:", "yes" if len(digests) == 1 else "NO")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
