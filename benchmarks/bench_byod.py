"""Bring-your-own-data benchmark: 100 real Telco rows in, scored against the held-out rest.

For each random split, 100 rows of the Telco churn file (as raw text, blanks in
`TotalCharges` included) go through `agentgan.generate(sample_data=...)`, the output is
compared with the 6,943 held-out rows, and one table row is printed:

- quality: sdmetrics' QualityReport score of the output against the held-out rows;
- TSTR AUC: logistic regression trained on the output, tested on the held-out rows, for
  `Churn` (the same model trained on the 100 real rows is printed beside it);
- DCR ratio: median distance from an output row to its closest sample row, divided by the
  median distance from a sample row to its closest other sample row.

The targets are quality >= 0.86, TSTR AUC >= 0.70 and DCR ratio >= 0.8.

Usage:
    python benchmarks/bench_byod.py [--splits 3] [--rows 2000] [--epochs N] [--data PATH]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from agentgan import generate, load_dataset
from agentgan.schema.frames import typed_frame
from agentgan.tools.metrics import privacy_scores, quality_scores, tstr_scores
from agentgan.tools.profiling import read_sample

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "telco_customer_churn.csv"
SAMPLE_ROWS = 100
TARGETS = {"quality": 0.86, "tstr_auc": 0.70, "dcr_ratio": 0.8}


def run_split(
    raw: pd.DataFrame, split: int, rows: int, epochs: int | None, work: Path
) -> dict[str, float | None]:
    """Run agentgan on one 100-row split and score its output against the held-out rows."""
    sample = raw.sample(SAMPLE_ROWS, random_state=split)
    sample_path = work / f"sample-{split}.csv"
    sample.to_csv(sample_path, index=False)
    held_out_path = work / f"held-out-{split}.csv"
    raw.drop(sample.index).to_csv(held_out_path, index=False)

    started = time.perf_counter()
    settings = {"random_seed": split, "output_dir": str(work / "runs"), "target": "Churn"}
    if epochs is not None:
        settings["epochs"] = epochs
    result = generate(sample_data=str(sample_path), rows=rows, **settings)
    seconds = time.perf_counter() - started

    schema = result["schema"]
    synthetic = typed_frame(load_dataset(result), schema)
    real_sample = typed_frame(read_sample(sample_path).frame, schema)
    held_out = typed_frame(read_sample(held_out_path).frame, schema)

    quality = quality_scores(held_out, synthetic, schema)
    tstr = tstr_scores(synthetic, held_out, "Churn", schema, seed=split)
    trtr = tstr_scores(real_sample, held_out, "Churn", schema, seed=split)
    privacy = privacy_scores(real_sample, synthetic, schema, seed=split)
    return {
        "split": split,
        "quality": quality["score"],
        "shapes": quality["column_shapes"],
        "pairs": quality["column_pair_trends"],
        "real_100_quality": quality_scores(held_out, real_sample, schema)["score"],
        "tstr_auc": tstr["auc"],
        "real_100_auc": trtr["auc"],
        "dcr_ratio": privacy["ratio"],
        "exact_copies": privacy["exact_copies"],
        "epochs": result.get("training", {}).get("epochs"),
        "seconds": round(seconds, 1),
    }


def main() -> int:
    """Run the splits and print one row each, then the means against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3, help="Random 100-row splits to run.")
    parser.add_argument("--rows", type=int, default=2000, help="Synthetic rows per run.")
    parser.add_argument(
        "--epochs", type=int, default=None, help="CTGAN epochs (default: agentgan's choice)."
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Telco churn CSV.")
    args = parser.parse_args()

    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    raw = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    columns = [
        "split",
        "quality",
        "shapes",
        "pairs",
        "real_100_quality",
        "tstr_auc",
        "real_100_auc",
        "dcr_ratio",
        "exact_copies",
        "epochs",
        "seconds",
    ]
    print(" | ".join(columns))

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-byod-") as folder:
        for split in range(args.splits):
            row = run_split(raw, split, args.rows, args.epochs, Path(folder))
            results.append(row)
            print(" | ".join(str(row[name]) for name in columns), flush=True)

    print()
    for name, target in TARGETS.items():
        values = [float(row[name]) for row in results if row[name] is not None]
        mean = statistics.mean(values) if values else float("nan")
        verdict = "met" if mean >= target else "NOT met"
        print(f"mean {name}: {mean:.3f} (target >= {target}: {verdict}; min {min(values):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
