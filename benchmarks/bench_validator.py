"""Validator throughput: `check_rows` against row-by-row `jsonschema` validation.

Builds the main job's schema offline, samples rows from it with the schema sampler, and
times `agentgan.schema.validation.check_rows` (vectorized, every keyword plus the
`x-constraints` rules and uniqueness) against `jsonschema.Draft202012Validator` called
once per row on the same rows (standard keywords only: it knows no cross-column rules).
Both must agree on which rows break a standard keyword; a few rows are broken on purpose.

Usage:
    python benchmarks/bench_validator.py [--rows 200000] [--jsonschema-rows 20000]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from agentgan.agents.knowledge import schema_from_request
from agentgan.io import records
from agentgan.schema.sampler import sample_rows
from agentgan.schema.validation import check_rows

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)


def main() -> int:
    """Print rows per second of both validators."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--jsonschema-rows", type=int, default=20_000)
    args = parser.parse_args()

    from jsonschema import Draft202012Validator

    schema = schema_from_request(REQUEST)
    frame = sample_rows(schema, args.rows, seed=1)
    broken = np.random.default_rng(0).choice(len(frame), size=len(frame) // 100, replace=False)
    numeric = [
        name for name, spec in schema["properties"].items() if spec.get("maximum") is not None
    ]
    if numeric:
        frame.loc[broken, numeric[0]] = schema["properties"][numeric[0]]["maximum"] + 1

    started = time.perf_counter()
    result = check_rows(frame, schema)
    vectorized = time.perf_counter() - started

    subset = frame.head(args.jsonschema_rows)
    rows = records(subset)
    validator = Draft202012Validator(schema)
    started = time.perf_counter()
    invalid = [not validator.is_valid(row) for row in rows]
    per_row = time.perf_counter() - started

    standard = check_rows(subset, {k: v for k, v in schema.items() if k != "x-constraints"})
    agree = bool((~standard.valid.to_numpy() == np.array(invalid)).all())
    print("| validator | rows | seconds | rows/s |")
    print("|---|---|---|---|")
    print(
        f"| check_rows (vectorized, with rules) | {len(frame):,} | {vectorized:.2f} | {len(frame) / vectorized:,.0f} |"
    )
    print(
        f"| jsonschema, one call per row | {len(rows):,} | {per_row:.2f} | {len(rows) / per_row:,.0f} |"
    )
    print(
        f"speed-up: {(len(frame) / vectorized) / (len(rows) / per_row):.0f}x; "
        f"rows failing: {len(frame) - result.passed:,}; agree on standard keywords: {agree}"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
