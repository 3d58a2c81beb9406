"""Time the offline knowledge path on the request corpus.

For each request in `tests/data/request_corpus.yaml` this prints the seconds to read the
request, to build and check its schema, and to sample 1,000 rows from it, with the number
of columns and of rules, dependencies and formulas the schema carries.

Run: `python benchmarks/bench_request_corpus.py`
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

from agentgan.agents.knowledge import schema_from_request
from agentgan.schema.sampler import sample_rows
from agentgan.tools.knowledge_base import load_knowledge_base
from agentgan.tools.request_parser import parse_request

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "request_corpus.yaml"
SAMPLED_ROWS = 1000


def main() -> None:
    """Print one table row per request and the medians."""
    started = time.perf_counter()
    knowledge = load_knowledge_base()
    print(f"Knowledge base loaded in {time.perf_counter() - started:.2f} s")

    entries = yaml.safe_load(CORPUS.read_text("utf-8"))
    print("| request | parse s | schema s | sample s | columns | rules+deps+formulas |")
    print("|---|---|---|---|---|---|")
    timings: list[tuple[float, float, float]] = []
    for entry in entries:
        text = entry["request"]

        started = time.perf_counter()
        parse_request(text, knowledge)
        parsed = time.perf_counter() - started

        started = time.perf_counter()
        schema = schema_from_request(text, knowledge)
        built = time.perf_counter() - started

        started = time.perf_counter()
        sample_rows(schema, SAMPLED_ROWS, seed=1)
        sampled = time.perf_counter() - started

        relations = (
            len(schema.get("x-constraints", []))
            + len(schema.get("x-dependencies", []))
            + sum("x-derived" in spec for spec in schema["properties"].values())
        )
        timings.append((parsed, built, sampled))
        print(
            f"| {text[:60]} | {parsed:.3f} | {built:.3f} | {sampled:.3f} | "
            f"{len(schema['properties'])} | {relations} |"
        )

    medians = [statistics.median(column) for column in zip(*timings, strict=True)]
    print(f"| median of {len(entries)} | {medians[0]:.3f} | {medians[1]:.3f} | {medians[2]:.3f} | | |")


if __name__ == "__main__":
    main()
