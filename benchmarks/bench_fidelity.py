"""Fidelity of agentgan's CTGAN node against SDV on 100 real Telco rows.

For each random split, 100 rows of the Telco churn file are the seed and the other 6,943
rows are held out. The schema is inferred from the 100 rows with agentgan's profiler (the
`--from` path), and the same 100 rows are expanded by:

- agentgan: the CTGAN node (`SeedModel`: transforms, CTGAN, raking, copy guard), rows
  that break the schema or copy a seed row dropped;
- SDV GaussianCopula and SDV CTGAN (300 epochs), with metadata detected from the rows;
- the 100 real rows themselves, as the reference a generator is compared with.

Each output is scored against the held-out rows: sdmetrics' QualityReport (overall,
column shapes, column pair trends), train-synthetic-test-real ROC AUC for `Churn`
(logistic regression on one-hot categories and scaled numbers, `tools.metrics`), the
median distance to the closest seed row divided by the seed rows' own median
nearest-neighbour distance (DCR ratio), and exact copies of seed rows.

Usage:
    python benchmarks/bench_fidelity.py [--splits 3] [--rows 2000] [--epochs N]
        [--methods agentgan,gaussian_copula,sdv_ctgan,real_100]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from agentgan.schema.frames import typed_frame
from agentgan.schema.validation import check_rows
from agentgan.tools.ctgan_model import SeedModel, choose_settings
from agentgan.tools.metrics import privacy_scores, quality_scores, tstr_scores
from agentgan.tools.profiling import infer_schema, read_sample, seed_frame

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "telco_customer_churn.csv"
SEED_ROWS = 100
TARGET = "Churn"
METHODS = ("agentgan", "gaussian_copula", "sdv_ctgan", "real_100")


def expand_agentgan(
    seeds: pd.DataFrame, schema: dict[str, Any], rows: int, split: int, epochs: int | None
) -> pd.DataFrame:
    """The CTGAN node: train on the seed rows, sample, keep valid rows that copy no seed row."""
    model = SeedModel.train(
        seeds,
        schema,
        choose_settings(len(seeds), epochs=epochs, random_seed=split, real_sample=True),
    )
    kept: list[pd.DataFrame] = []
    total, round_ = 0, 0
    while total < rows and round_ < 5:
        frame = model.sample(int((rows - total) * 1.3) + 50, seed=split * 100 + round_, start=total)
        frame = frame[
            (model.novel_rows(frame, seed=round_) & check_rows(frame, schema).valid).to_numpy()
        ]
        kept.append(frame)
        total += len(frame)
        round_ += 1
    return pd.concat(kept, ignore_index=True).head(rows)


def expand_sdv(kind: str) -> Callable[..., pd.DataFrame]:
    """An SDV single-table synthesizer fitted on the seed rows."""

    def expand(
        seeds: pd.DataFrame, schema: dict[str, Any], rows: int, split: int, epochs: int | None
    ) -> pd.DataFrame:
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer

        metadata = Metadata.detect_from_dataframes({"table": seeds})
        if kind == "gaussian_copula":
            synthesizer: Any = GaussianCopulaSynthesizer(metadata)
        else:
            synthesizer = CTGANSynthesizer(metadata, epochs=300)
        synthesizer.fit({"table": seeds})
        sampled = synthesizer.sample(rows)
        return sampled["table"] if isinstance(sampled, dict) else sampled

    return expand


def run_split(
    raw: pd.DataFrame, split: int, rows: int, epochs: int | None, methods: list[str], work: Path
) -> list[dict[str, Any]]:
    """Expand one 100-row split with each method and score the outputs."""
    seed_raw = raw.sample(SEED_ROWS, random_state=split)
    seed_path, held_path = work / f"seed-{split}.csv", work / f"held-{split}.csv"
    seed_raw.to_csv(seed_path, index=False)
    raw.drop(seed_raw.index).to_csv(held_path, index=False)

    sample = read_sample(seed_path)
    schema = infer_schema(sample, target=TARGET)
    seeds = typed_frame(seed_frame(sample, schema, seed=split), schema)
    real_seed = typed_frame(sample.frame, schema)
    held_out = typed_frame(read_sample(held_path).frame, schema)

    expanders: dict[str, Callable[..., pd.DataFrame]] = {
        "agentgan": expand_agentgan,
        "gaussian_copula": expand_sdv("gaussian_copula"),
        "sdv_ctgan": expand_sdv("sdv_ctgan"),
        "real_100": lambda *args: real_seed,
    }
    results = []
    for method in methods:
        started = time.perf_counter()
        output = typed_frame(expanders[method](seeds, schema, rows, split, epochs), schema)
        seconds = time.perf_counter() - started
        quality = quality_scores(held_out, output, schema)
        tstr = tstr_scores(output, held_out, TARGET, schema, seed=split)
        privacy = privacy_scores(real_seed, output, schema, seed=split)
        results.append(
            {
                "split": split,
                "method": method,
                "rows": len(output),
                "quality": quality["score"],
                "shapes": quality["column_shapes"],
                "pairs": quality["column_pair_trends"],
                "tstr_auc": tstr["auc"],
                "dcr_ratio": privacy["ratio"] if method != "real_100" else 0.0,
                "copies": privacy["exact_copies"] if method != "real_100" else len(output),
                "seconds": round(seconds, 1),
            }
        )
        print(_line(results[-1]), flush=True)
    return results


COLUMNS = (
    "split",
    "method",
    "rows",
    "quality",
    "shapes",
    "pairs",
    "tstr_auc",
    "dcr_ratio",
    "copies",
    "seconds",
)


def _line(row: dict[str, Any]) -> str:
    return "| " + " | ".join(str(row[name]) for name in COLUMNS) + " |"


def main() -> int:
    """Run the splits, print one table row per method and split, then the means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3, help="Random 100-row splits.")
    parser.add_argument("--rows", type=int, default=2000, help="Synthetic rows per method.")
    parser.add_argument(
        "--epochs", type=int, default=None, help="agentgan CTGAN epochs (default: chosen)."
    )
    parser.add_argument("--methods", default=",".join(METHODS), help="Comma-separated methods.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Telco churn CSV.")
    args = parser.parse_args()

    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    raw = pd.read_csv(args.data, dtype=str, keep_default_na=False)

    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-fidelity-") as folder:
        for split in range(args.splits):
            results.extend(run_split(raw, split, args.rows, args.epochs, methods, Path(folder)))

    print()
    print("| method | quality | shapes | pairs | tstr_auc | dcr_ratio | copies |")
    print("|---|---|---|---|---|---|---|")
    for method in methods:
        rows = [row for row in results if row["method"] == method]
        means = [
            statistics.mean(float(row[name]) for row in rows if row[name] is not None)
            for name in ("quality", "shapes", "pairs", "tstr_auc", "dcr_ratio")
        ]
        copies = sum(int(row["copies"]) for row in rows)
        print(f"| {method} | " + " | ".join(f"{value:.3f}" for value in means) + f" | {copies} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
