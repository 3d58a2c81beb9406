"""Vectorized row checks agree with row-by-row `jsonschema` validation."""

from __future__ import annotations

from typing import Any

import jsonschema
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from agentgan.schema.columns import columns
from agentgan.schema.frames import typed_frame
from agentgan.schema.validation import check_rows, column_failures, summarize_failures

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "age": {"type": "integer", "minimum": 18, "maximum": 90},
        "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "plan": {"type": "string", "enum": ["basic", "plus", "pro"]},
        "code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"},
        "note": {"type": ["string", "null"], "minLength": 2, "maxLength": 8},
        "active": {"type": "boolean"},
        "visits": {"type": ["integer", "null"], "minimum": 0},
    },
    "required": ["age", "score", "plan", "code", "note", "active", "visits"],
}

# Each column mixes values of its own type (in and out of range) with values of other
# types, so that type, bound, enum, pattern, length and null checks are all exercised.
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=120),
    st.floats(min_value=-2, max_value=120, allow_nan=False),
    st.sampled_from(["basic", "pro", "gold", "AB-123", "ab-123", "x", "abcdefghij", ""]),
)
column_values = {
    "age": st.one_of(st.integers(min_value=0, max_value=120), anything),
    "score": st.one_of(st.floats(min_value=-0.5, max_value=1.5, allow_nan=False), anything),
    "plan": st.one_of(st.sampled_from(["basic", "plus", "pro", "Pro"]), anything),
    "code": st.one_of(st.from_regex(r"^[A-Z]{2}-[0-9]{3}$", fullmatch=True), anything),
    "note": st.one_of(st.text(max_size=10), anything),
    "active": st.one_of(st.booleans(), anything),
    "visits": st.one_of(st.integers(min_value=-3, max_value=50), anything),
}
rows_strategy = st.lists(st.fixed_dictionaries(column_values), min_size=1, max_size=25)


ROW_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def row_is_valid(row: dict[str, Any]) -> bool:
    return ROW_VALIDATOR.is_valid(row)


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy)
def test_check_rows_matches_jsonschema(rows: list[dict[str, Any]]) -> None:
    frame = typed_frame(rows, SCHEMA)
    result = check_rows(frame, SCHEMA)
    expected = [row_is_valid(row) for row in rows]
    assert result.valid.tolist() == expected, [
        (row, ok) for row, ok in zip(rows, expected, strict=True)
    ]
    assert result.passed == sum(expected)


@settings(max_examples=30, deadline=None)
@given(rows=rows_strategy)
def test_column_failures_match_jsonschema(rows: list[dict[str, Any]]) -> None:
    """Each column's failing rows are those jsonschema rejects for that column alone."""
    frame = typed_frame(rows, SCHEMA)
    for column in columns(SCHEMA):
        column_schema = {"type": "object", "properties": {column.name: column.spec}}
        validator = jsonschema.Draft202012Validator(column_schema)
        expected = [not validator.is_valid(row) for row in rows]

        failed = pd.Series(False, index=frame.index)
        for _, mask in column_failures(column, frame[column.name]):
            failed |= mask
        assert failed.tolist() == expected, column.name


UNIQUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string", "x-unique": True}},
}


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=20),
    earlier=st.lists(st.sampled_from(["a", "b", "e"]), max_size=5),
)
def test_unique_matches_first_occurrence(values: list[str], earlier: list[str]) -> None:
    frame = pd.DataFrame({"id": values})
    previous = pd.DataFrame({"id": earlier})
    result = check_rows(frame, UNIQUE_SCHEMA, previous=previous)
    seen = set(earlier)
    expected = []
    for value in values:
        expected.append(value not in seen)
        seen.add(value)
    assert result.valid.tolist() == expected


def test_rule_failures_counted_per_rule() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "x-constraints": ["a < b", "a >= 0"],
    }
    frame = pd.DataFrame({"a": [1, 5, -1, 2], "b": [2, 3, 0, 1]})
    result = check_rows(frame, schema)
    assert result.valid.tolist() == [True, False, False, False]
    assert result.failures == {"rule: a < b": 2, "rule: a >= 0": 1}


def test_summarize_failures_gives_rates() -> None:
    text = summarize_failures({"rule: a < b": 98, "a: maximum": 3}, 100)
    assert text == "rule: a < b (98 of 100, 98%); a: maximum (3 of 100, 3%)"
