"""Finds cross-column rules that no row of a schema can meet, before any training.

Rules such as `a > 5` and `a < 3` each parse and evaluate, yet together reject every row,
and without this check the seed generator would find that out only after all its rounds.
`check_rules_satisfiable` draws probe rows three ways: from the schema's own
distributions (as the seed generator does), uniformly over each column's range and enum,
and at each numeric column's bounds and midpoint. It then evaluates every rule on them. A
rule that no probe row meets, or a pair of rules that no probe row meets together, raises
`RuleError` naming the rules.

Sampling can miss a rule that only a narrow slice of rows meets, such as an equality
between two continuous columns. The seed generator samples from the same distributions,
so such a rule would fail there as well.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import pandas as pd

from agentgan.errors import RuleError
from agentgan.schema.check import derived_order
from agentgan.schema.columns import Column, columns
from agentgan.schema.rules import Rule, compile_rule, evaluate
from agentgan.schema.sampler import finish_values, sample_rows
from agentgan.schema.validation import typed_for_rules

logger = logging.getLogger(__name__)

PROBE_ROWS = 1000
"""Rows drawn by each of the three probes."""


def check_rules_satisfiable(
    schema: dict[str, Any], *, rows: int = PROBE_ROWS, seed: int = 0
) -> None:
    """Reject rules that no row drawn within the schema's columns meets.

    Args:
        schema: A schema that passed the structural checks of `check_schema`.
        rows: Rows per probe.
        seed: Random seed of the probes; the same seed gives the same verdict.

    Raises:
        RuleError: a rule fails to evaluate on the probe rows, no probe row meets a rule,
            or no probe row meets two rules (or all rules) together.
    """
    texts = list(schema.get("x-constraints") or [])
    if not texts:
        return

    probe = probe_rows(schema, rows, seed)
    parsed = [column for column in columns(schema) if column.name in probe]
    typed = typed_for_rules(probe, parsed)
    met = {text: _met(compile_rule(text, list(probe.columns)), typed) for text in texts}

    for text, mask in met.items():
        if not mask.any():
            named = ", ".join(compile_rule(text).columns) or "its columns"
            raise RuleError(
                f"Rule {text!r} is never met: none of {len(probe)} rows drawn within the "
                f"schema's ranges and values of {named} meets it; loosen the rule or widen "
                "those columns."
            )

    for first, second in itertools.combinations(texts, 2):
        if not (met[first] & met[second]).any():
            raise RuleError(
                f"Rules {first!r} and {second!r} contradict each other: none of "
                f"{len(probe)} rows drawn within the schema's ranges meets both; remove or "
                "loosen one of them."
            )

    every = np.logical_and.reduce([mask.to_numpy() for mask in met.values()])
    if not every.any():
        raise RuleError(
            f"The rules {texts} are never met together: none of {len(probe)} rows drawn "
            "within the schema's ranges meets all of them; remove or loosen some."
        )
    logger.debug("All %d rules are met by some of %d probe rows", len(texts), len(probe))


def probe_rows(schema: dict[str, Any], rows: int, seed: int) -> pd.DataFrame:
    """Draw probe rows from the schema, over its ranges, and at its numeric bounds."""
    plain = _probe_schema(schema, spread=False)
    spread = _probe_schema(schema, spread=True)
    frames = [
        sample_rows(plain, rows, seed),
        sample_rows(spread, rows, seed + 1),
        _bound_rows(spread, rows, seed + 2),
    ]
    return pd.concat(frames, ignore_index=True)


def _met(rule: Rule, frame: pd.DataFrame) -> pd.Series:
    """Rows where the rule is true; a null result counts as not met."""
    result = evaluate(rule, frame)
    if not isinstance(result, pd.Series):
        result = pd.Series(bool(result), index=frame.index)
    return result.fillna(False).astype(bool)


def _probe_schema(schema: dict[str, Any], *, spread: bool) -> dict[str, Any]:
    """Copy the schema with only the columns the rules depend on, and without the rules.

    With `spread`, bounded numeric columns are drawn uniformly over their range, categorical
    columns uniformly over their values, dependencies are dropped and no value is null, so
    that rows cover the whole space the columns allow.
    """
    kept = _columns_read(schema)
    properties: dict[str, Any] = {}
    for column in columns(schema):
        if column.name not in kept:
            continue
        spec = dict(column.spec)
        if spread:
            spec.pop("x-null-rate", None)
            if column.is_categorical:
                spec.pop("x-distribution", None)
            elif column.is_numeric and column.lower is not None and column.upper is not None:
                spec["x-distribution"] = {"kind": "uniform"}
        properties[column.name] = spec

    probe = {key: value for key, value in schema.items() if key != "x-constraints"}
    probe["properties"] = properties
    probe["required"] = [name for name in schema.get("required", []) if name in properties]
    dependencies = [
        dependency
        for dependency in schema.get("x-dependencies", [])
        if dependency["child"] in properties and dependency["parent"] in properties
    ]
    probe["x-dependencies"] = [] if spread else dependencies
    return probe


def _columns_read(schema: dict[str, Any]) -> set[str]:
    """Columns the rules read, with the inputs of derived columns and dependency parents."""
    formulas = {column.name: column.derived for column in columns(schema) if column.derived}
    parents: dict[str, set[str]] = {}
    for dependency in schema.get("x-dependencies", []):
        parents.setdefault(dependency["child"], set()).add(dependency["parent"])

    pending = [name for text in schema["x-constraints"] for name in compile_rule(text).columns]
    kept: set[str] = set()
    while pending:
        name = pending.pop()
        if name in kept:
            continue
        kept.add(name)
        if name in formulas:
            pending.extend(compile_rule(formulas[name]).columns)
        pending.extend(parents.get(name, ()))
    return kept


def _bound_rows(schema: dict[str, Any], rows: int, seed: int) -> pd.DataFrame:
    """Rows whose bounded numeric columns sit at a bound or the midpoint, picked at random.

    Uniform draws of a continuous column never hit a bound exactly, so a rule such as
    `amount >= 100` on a column with maximum 100 needs these rows.
    """
    rng = np.random.default_rng(seed)
    frame = sample_rows(schema, rows, seed)
    parsed = columns(schema)
    by_name = {column.name: column for column in parsed}
    for column in parsed:
        if column.derived or not _is_bounded(column):
            continue
        assert column.lower is not None and column.upper is not None
        points = np.array([column.lower, column.upper, (column.lower + column.upper) / 2])
        picked = pd.Series(rng.choice(points, size=len(frame)), index=frame.index)
        frame[column.name] = finish_values(column, picked, rng)

    formulas = {c.name: compile_rule(c.derived) for c in parsed if c.derived}
    for name in derived_order(formulas):
        frame[name] = finish_values(by_name[name], evaluate(formulas[name], frame), rng)
    return frame


def _is_bounded(column: Column) -> bool:
    return (
        column.is_numeric
        and column.enum is None
        and column.generator is None
        and column.lower is not None
        and column.upper is not None
    )
