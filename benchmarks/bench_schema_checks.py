"""Time `check_schema` with and without the probe rows that find unmeetable rules.

Prints one row per schema: the columns, the rules, and the median seconds of five calls
with `sample_rules` off and on. Run: `python benchmarks/bench_schema_checks.py`.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from agentgan.agents.knowledge import schema_from_request
from agentgan.schema.check import check_schema

REQUESTS = [
    "an HR dataset of employees",
    "a healthcare dataset of patients",
    "a retail dataset of products",
    "an advertising dataset of campaigns",
]


def wide_schema(columns: int) -> dict[str, Any]:
    """A schema of `columns` bounded numbers and one rule between the first two."""
    properties = {
        f"c{index}": {"type": "number", "minimum": 0, "maximum": 100} for index in range(columns)
    }
    return {"type": "object", "properties": properties, "x-constraints": ["c0 <= c1"]}


def median_seconds(schema: dict[str, Any], sample_rules: bool, repeats: int = 5) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        check_schema(schema, sample_rules=sample_rules)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    schemas = [(request, schema_from_request(request)) for request in REQUESTS]
    schemas.append(("500 numeric columns, 1 rule", wide_schema(500)))
    print(f"{'schema':<38} {'columns':>7} {'rules':>5} {'no probe s':>10} {'probe s':>8}")
    for name, schema in schemas:
        plain = median_seconds(schema, sample_rules=False)
        probed = median_seconds(schema, sample_rules=True)
        rules = len(schema.get("x-constraints", []))
        print(f"{name:<38} {len(schema['properties']):>7} {rules:>5} {plain:>10.3f} {probed:>8.3f}")


if __name__ == "__main__":
    main()
