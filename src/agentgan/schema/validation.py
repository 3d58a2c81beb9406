"""Vectorized row checks generated from a dataset schema.

`check_rows` turns each JSON Schema keyword of each column (type, minimum, maximum, enum,
pattern, format, nulls, uniqueness) and each `x-constraints` rule into one boolean mask over
a pandas DataFrame, so that a million rows are checked with a few column operations
instead of one `jsonschema` call per row. The counts it returns are per rule, named
`"<column>: <keyword>"` or `"rule: <text>"`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from agentgan.schema.columns import Column, columns
from agentgan.schema.rules import compile_rule, holds

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_DATE_FORMATS = {"date": "%Y-%m-%d", "date-time": "ISO8601"}


@dataclass
class CheckResult:
    """Outcome of checking a table: which rows pass, and failures per rule."""

    valid: pd.Series
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        """Number of rows that pass every check."""
        return int(self.valid.sum())


def check_rows(
    frame: pd.DataFrame,
    schema: dict[str, Any],
    *,
    previous: pd.DataFrame | None = None,
) -> CheckResult:
    """Check every row of `frame` against the schema.

    Args:
        frame: Rows to check, one column per schema property.
        schema: A dataset schema that passed `check_schema`.
        previous: Rows already accepted; values of unique columns must not repeat them.

    Returns:
        The mask of valid rows and the count of rows that fail each rule. A row can fail
        several rules and is counted under each.
    """
    valid = pd.Series(True, index=frame.index)
    failures: dict[str, int] = {}

    def record(name: str, failed: pd.Series) -> None:
        nonlocal valid
        count = int(failed.sum())
        if count:
            failures[name] = failures.get(name, 0) + count
            valid &= ~failed

    parsed = columns(schema)
    for column in parsed:
        if column.name not in frame:
            if column.name in schema.get("required", []):
                record(f"{column.name}: required", pd.Series(True, index=frame.index))
            continue
        for keyword, failed in column_failures(column, frame[column.name], previous):
            record(f"{column.name}: {keyword}", failed)

    for text, failed in _rule_failures(frame, schema):
        # A rule cannot hold on rows that lack a column it reads.
        record(f"rule: {text}", pd.Series(True, index=frame.index) if failed is None else failed)

    return CheckResult(valid=valid, failures=failures)


def rules_hold(frame: pd.DataFrame, schema: dict[str, Any]) -> pd.Series:
    """Mark the rows that meet every `x-constraints` rule over columns present in `frame`.

    Rules that read a column missing from `frame` are skipped (`check_rows` fails them).
    """
    passed = pd.Series(True, index=frame.index)
    for _, failed in _rule_failures(frame, schema):
        if failed is not None:
            passed &= ~failed
    return passed


def _rule_failures(
    frame: pd.DataFrame, schema: dict[str, Any]
) -> Iterator[tuple[str, pd.Series | None]]:
    """Yield each `x-constraints` rule with its mask of failing rows.

    The mask is None when `frame` lacks a column the rule reads.
    """
    if not schema.get("x-constraints"):
        return
    parsed = columns(schema)
    typed = typed_for_rules(frame, parsed)
    names = [column.name for column in parsed]
    for text in schema["x-constraints"]:
        rule = compile_rule(text, names)
        if any(name not in frame for name in rule.columns):
            yield text, None
        else:
            yield text, ~holds(rule, typed)


def typed_for_rules(frame: pd.DataFrame, parsed: list[Column]) -> pd.DataFrame:
    """Return a copy with date columns as datetimes, so rules compare dates as dates."""
    typed = frame.copy()
    for column in parsed:
        if column.is_date and column.name in typed:
            typed[column.name] = pd.to_datetime(typed[column.name], errors="coerce")
    return typed


def column_failures(
    column: Column, values: pd.Series, previous: pd.DataFrame | None = None
) -> list[tuple[str, pd.Series]]:
    """Return `(keyword, failed mask)` pairs for every keyword of one column."""
    results: list[tuple[str, pd.Series]] = []
    missing = values.isna()
    present = ~missing

    if not column.nullable:
        results.append(("null", missing))

    typed_ok, numeric = _type_mask(column, values)
    results.append(("type", present & ~typed_ok))
    checkable = present & typed_ok

    if numeric is not None:
        results.extend(_bound_failures(column, numeric, checkable))

    if column.enum is not None:
        allowed = list(column.enum)
        results.append(("enum", checkable & ~values.isin(allowed)))

    if column.type == "string":
        text = values.where(checkable, "").astype(str)
        if column.pattern is not None:
            matches = text.str.contains(column.pattern, regex=True, flags=0)
            results.append(("pattern", checkable & ~matches))
        if column.format is not None:
            results.append(("format", checkable & ~_format_mask(column.format, text)))
        if "minLength" in column.spec:
            results.append(("minLength", checkable & (text.str.len() < column.spec["minLength"])))
        if "maxLength" in column.spec:
            results.append(("maxLength", checkable & (text.str.len() > column.spec["maxLength"])))

    if column.unique:
        repeated = values.duplicated(keep="first") & present
        if previous is not None and column.name in previous:
            repeated |= values.isin(previous[column.name].dropna()) & present
        results.append(("unique", repeated))

    return [(keyword, failed.fillna(False).astype(bool)) for keyword, failed in results]


def _type_mask(column: Column, values: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """Return where values have the column's type, and the values as floats if numeric."""
    if column.type == "boolean":
        if pd.api.types.is_bool_dtype(values):
            return pd.Series(True, index=values.index), None
        return values.map(lambda value: isinstance(value, (bool, np.bool_))), None

    if column.is_numeric:
        if pd.api.types.is_bool_dtype(values):
            return pd.Series(False, index=values.index), None
        if pd.api.types.is_numeric_dtype(values):
            numeric = values.astype("float64")
        else:
            is_number = values.map(
                lambda value: (
                    isinstance(value, (int, float, np.number))
                    and not isinstance(value, (bool, np.bool_))
                )
            )
            numeric = pd.to_numeric(values.where(is_number), errors="coerce").astype("float64")
        finite = np.isfinite(numeric)
        if column.type == "integer":
            finite &= numeric == np.round(numeric)
        return finite, numeric

    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        return pd.Series(True, index=values.index), None
    return values.map(lambda value: isinstance(value, str)), None


def _bound_failures(
    column: Column, numeric: pd.Series, checkable: pd.Series
) -> list[tuple[str, pd.Series]]:
    results = []
    if column.minimum is not None:
        results.append(("minimum", checkable & (numeric < column.minimum)))
    if column.maximum is not None:
        results.append(("maximum", checkable & (numeric > column.maximum)))
    if column.exclusive_minimum is not None:
        results.append(("exclusiveMinimum", checkable & (numeric <= column.exclusive_minimum)))
    if column.exclusive_maximum is not None:
        results.append(("exclusiveMaximum", checkable & (numeric >= column.exclusive_maximum)))
    if "multipleOf" in column.spec:
        step = float(column.spec["multipleOf"])
        quotient = numeric / step
        results.append(("multipleOf", checkable & ~np.isclose(quotient, np.round(quotient))))
    return results


def _format_mask(fmt: str, text: pd.Series) -> pd.Series:
    if fmt in _DATE_FORMATS:
        if fmt == "date":
            shaped = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
            parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        else:
            shaped = text.str.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
            parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        return shaped & parsed.notna()
    if fmt == "email":
        return text.str.fullmatch(_EMAIL)
    if fmt == "uuid":
        return text.str.fullmatch(_UUID)
    if fmt == "time":
        return text.str.fullmatch(r"\d{2}:\d{2}(:\d{2})?")
    return pd.Series(True, index=text.index)


def summarize_failures(failures: dict[str, int], total: int, top: int = 5) -> str:
    """Describe the most frequent failures as 'rule (n of total, rate)' for messages."""
    ranked = sorted(failures.items(), key=lambda item: -item[1])[:top]
    return "; ".join(
        f"{name} ({count} of {total}, {count / max(total, 1):.0%})" for name, count in ranked
    )
