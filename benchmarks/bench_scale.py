"""Train once, sample many: time and peak memory of `agentgan sample` for large row counts.

Trains the main job's model once (`agentgan generate ... --model-out`), unless `--model`
names a saved folder, then runs `agentgan sample --model DIR --rows N --out FILE` in a
child process under `/usr/bin/time -v` for each row count and format, and prints wall
seconds, rows per second and peak resident memory. The written file is read back to
count its rows and check them with `check_rows`, in slices, after the timing.

Usage:
    python benchmarks/bench_scale.py [--rows 1000000] [--formats parquet,csv] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)
AGENTGAN = str(Path(sys.executable).with_name("agentgan"))


def train(folder: Path) -> Path:
    """Run the main job once with --model-out and return the model folder."""
    model = folder / "model"
    subprocess.run(
        [
            AGENTGAN,
            "generate",
            REQUEST,
            "--rows",
            "500",
            "--out",
            str(folder / "churn.csv"),
            "--seed",
            "7",
            "--model-out",
            str(model),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return model


def measure(model: Path, rows: int, out: Path) -> dict[str, float]:
    """Run `agentgan sample` under /usr/bin/time -v; return wall seconds and peak RSS (MiB)."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-v",
            AGENTGAN,
            "sample",
            "--model",
            str(model),
            "--rows",
            str(rows),
            "--out",
            str(out),
            "--seed",
            "1",
            "--force",
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"agentgan sample failed: {done.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = sum(
        float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
    )
    return {
        "seconds": seconds,
        "peak_mib": int(peak.group(1)) / 1024 if peak else float("nan"),
        "cpu": cpu,
    }


def count_valid(path: Path, schema_dir: Path) -> tuple[int, int]:
    """Rows in the file and rows that pass `check_rows`, read in slices."""
    import json

    import pyarrow.parquet as pq

    from agentgan.schema.validation import check_rows

    schema = json.loads((schema_dir / "schema.json").read_text())
    total = valid = 0
    if path.suffix == ".parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=200_000):
            frame = batch.to_pandas()
            total += len(frame)
            valid += check_rows(frame, schema).passed
    else:
        for frame in pd.read_csv(path, chunksize=200_000):
            total += len(frame)
            valid += check_rows(frame, schema).passed
    return total, valid


def main() -> int:
    """Print one table row per row count and format."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000", help="Comma-separated row counts.")
    parser.add_argument("--formats", default="parquet,csv", help="Comma-separated formats.")
    parser.add_argument("--model", type=Path, default=None, help="Saved model folder to reuse.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        folder = Path(name)
        model = args.model or train(folder)
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        print(
            "| rows | format | seconds | CPU seconds | rows/s | peak MiB | rows in file | valid |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for rows in (int(value) for value in args.rows.split(",")):
            for fmt in args.formats.split(","):
                out = folder / f"rows.{fmt}"
                figures = measure(model, rows, out)
                total, valid = count_valid(out, model)
                print(
                    f"| {rows:,} | {fmt} | {figures['seconds']:.1f} | {figures['cpu']:.1f} | "
                    f"{rows / figures['seconds']:,.0f} | {figures['peak_mib']:.0f} | {total:,} | {valid:,} |",
                    flush=True,
                )
                out.unlink()
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
