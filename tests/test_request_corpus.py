"""A corpus of everyday requests, each with the columns and constraints it must produce.

Every request is built into a schema offline, and 1,000 rows are sampled from it. A few
marked `end_to_end` also run the whole graph (knowledge, seeds, CTGAN, validator) with
brief training. The corpus is `tests/data/request_corpus.yaml`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from faker import Faker

from agentgan import generate, load_dataset
from agentgan.agents.knowledge import schema_from_request
from agentgan.schema.sampler import sample_rows
from agentgan.schema.validation import check_rows

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "request_corpus.yaml").read_text("utf-8"))
END_TO_END = [entry for entry in CORPUS if entry.get("end_to_end")]
SAMPLED_ROWS = 1000

# Shares in rows sampled from the schema: 4 binomial standard deviations of the sample,
# plus 0.03 for the dependency cases that `rescale_cases` moves only approximately to a
# stated share (churn by tenure, fraud by amount).
SCHEMA_SHARE_SLACK = 0.03
# Shares in rows from the whole graph: the 60 seed rows and the 100 delivered rows each
# add binomial noise, with standard deviations up to 0.065 and 0.05 (0.082 together).
# CTGAN after 10 epochs adds its own error on top. 0.25 is about 3 standard deviations.
GRAPH_SHARE_TOLERANCE = 0.25


def _id(entry: dict[str, Any]) -> str:
    return entry["request"][:48]


def _check_values(frame: pd.DataFrame, entry: dict[str, Any]) -> None:
    """Assert the stated ranges, categories and dates hold in every row."""
    for column, (low, high) in entry.get("ranges", {}).items():
        values = pd.to_numeric(frame[column])
        if low is not None:
            assert values.min() >= low - 1e-9, f"{column} below {low}: {values.min()}"
        if high is not None:
            assert values.max() <= high + 1e-9, f"{column} above {high}: {values.max()}"

    for column, allowed in entry.get("categories", {}).items():
        seen = set(frame[column].dropna())
        assert seen <= set(allowed), f"{column} has {sorted(seen - set(allowed))}"

    for column, (first, last) in entry.get("dates", {}).items():
        stamps = pd.to_datetime(frame[column])
        if first is not None:
            assert stamps.min() >= pd.Timestamp(first), f"{column} before {first}"
        if last is not None:
            assert stamps.max() < pd.Timestamp(last) + pd.Timedelta(days=1), (
                f"{column} after {last}"
            )


def _share(frame: pd.DataFrame, column: str, value: Any) -> float:
    return float((frame[column] == value).mean())


@pytest.mark.parametrize("entry", CORPUS, ids=_id)
def test_schema_meets_request(entry: dict[str, Any]) -> None:
    schema = schema_from_request(entry["request"])

    missing = [column for column in entry["columns"] if column not in schema["properties"]]
    assert missing == [], f"columns missing: {missing}"
    if "rows" in entry:
        assert schema["x-rows"] == entry["rows"]
    if "locale" in entry:
        assert schema["x-locale"] == entry["locale"]
    for column, allowed in entry.get("categories", {}).items():
        assert schema["properties"][column]["enum"] == allowed
    warned = " ".join(schema.get("x-warnings", []))
    for column in entry.get("unknown", []):
        assert repr(column) in warned

    frame = sample_rows(schema, SAMPLED_ROWS, seed=11)
    assert len(frame) == SAMPLED_ROWS
    assert check_rows(frame, schema).passed == SAMPLED_ROWS
    _check_values(frame, entry)

    for column, shares in entry.get("shares", {}).items():
        for value, share in shares.items():
            slack = 4 * math.sqrt(share * (1 - share) / SAMPLED_ROWS) + SCHEMA_SHARE_SLACK
            assert _share(frame, column, value) == pytest.approx(share, abs=slack)


@pytest.mark.parametrize("entry", END_TO_END, ids=_id)
def test_graph_meets_request(entry: dict[str, Any], fast_context: dict[str, Any]) -> None:
    result = generate(entry["request"], **{**fast_context, "epochs": 10, "seed_rows": 60})
    frame = load_dataset(result)

    assert len(frame) == entry["rows"]
    missing = [column for column in entry["columns"] if column not in frame.columns]
    assert missing == [], f"columns missing: {missing}"
    _check_values(frame, entry)
    for column, shares in entry.get("shares", {}).items():
        for value, share in shares.items():
            assert _share(frame, column, value) == pytest.approx(share, abs=GRAPH_SHARE_TOLERANCE)
    if "locale" in entry:
        assert result["schema"]["x-locale"] == entry["locale"]
    warned = " ".join(result["warnings"])
    for column in entry.get("unknown", []):
        assert repr(column) in warned


def test_graph_keeps_derived_total() -> None:
    entry = next(e for e in END_TO_END if "total_amount" in e["columns"])
    schema = schema_from_request(entry["request"])
    frame = sample_rows(schema, 500, seed=5)

    expected = (frame["quantity"] * frame["unit_price"]).round(2)
    assert (frame["total_amount"] - expected).abs().max() < 0.005


def test_german_request_gives_german_names(fast_context: dict[str, Any]) -> None:
    schema = schema_from_request("300 employees in Germany with name, salary and currency")
    frame = sample_rows(schema, 300, seed=2)

    german = Faker("de_DE")
    last_names = set(german.last_name() for _ in range(5000))
    hits = frame["name"].map(lambda full: any(part in last_names for part in full.split())).mean()
    assert hits > 0.8
    assert set(frame["currency"]) == {"EUR"}
    assert schema["properties"]["salary"]["x-unit"].startswith("EUR")


def test_schema_command_warns_and_writes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from agentgan.cli import app

    out = tmp_path / "schema.json"
    outcome = CliRunner().invoke(
        app,
        [
            "schema",
            "200 employees in Germany with columns name, salary and shoe_size",
            "--out",
            str(out),
        ],
    )
    schema = json.loads(out.read_text("utf-8"))

    assert outcome.exit_code == 0, outcome.output
    assert "'shoe_size' is not in the knowledge base" in " ".join(outcome.output.split())
    assert list(schema["properties"]) == ["name", "salary", "shoe_size"]
    assert schema["x-locale"] == "de_DE"
    assert schema["x-rows"] == 200
