"""Samples rows directly from a dataset schema.

The schema is an executable spec: each column's `x-distribution` gives its marginal, each
`x-dependencies` entry changes a child column's distribution with its parent's value,
`x-derived` formulas are computed from the sampled columns, and rows that break an
`x-constraints` rule are drawn again. The offline seed generator uses this module.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from agentgan.schema.check import derived_order
from agentgan.schema.columns import Column, columns, is_generated
from agentgan.schema.rules import compile_rule, evaluate, holds
from agentgan.schema.validation import typed_for_rules
from agentgan.schema.values import generate_values

logger = logging.getLogger(__name__)

REDRAW_ROUNDS = 20
"""Rounds of redrawing rows that break a rule before they are dropped."""


def sample_rows(schema: dict[str, Any], count: int, seed: int) -> pd.DataFrame:
    """Draw `count` rows from the schema.

    Rows that break a cross-column rule are redrawn up to `REDRAW_ROUNDS` times; rows still
    breaking one after that are dropped, so fewer than `count` rows can return when the
    rules are nearly unsatisfiable.
    """
    rng = np.random.default_rng(seed)
    parsed = columns(schema)
    rules = [compile_rule(text) for text in schema.get("x-constraints", [])]

    frame = _draw(schema, parsed, count, rng)
    for _ in range(REDRAW_ROUNDS):
        broken = ~_rules_hold(rules, frame, parsed)
        if not broken.any():
            break
        redrawn = _draw(schema, parsed, int(broken.sum()), rng)
        redrawn.index = frame.index[broken]
        frame.loc[broken] = redrawn
    frame = frame[_rules_hold(rules, frame, parsed)]

    locale = schema.get("x-locale", "en_US")
    for column in parsed:
        if column.generator is not None:
            frame[column.name] = generate_values(column, len(frame), rng, locale=locale).to_numpy()

    frame = frame.reset_index(drop=True)
    return frame[[column.name for column in parsed]]


def _rules_hold(rules: list[Any], frame: pd.DataFrame, parsed: list[Column]) -> pd.Series:
    passed = pd.Series(True, index=frame.index)
    typed = typed_for_rules(frame, parsed)
    for rule in rules:
        passed &= holds(rule, typed)
    return passed


def _draw(
    schema: dict[str, Any], parsed: list[Column], count: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw every non-generated column, parents before children, then derived columns."""
    dependencies = schema.get("x-dependencies", [])
    frame = pd.DataFrame(index=range(count))
    by_name = {column.name: column for column in parsed}

    for name in _sampling_order(parsed, dependencies):
        column = by_name[name]
        cases = [d for d in dependencies if d["child"] == name]
        frame[name] = draw_column(column, frame, cases, rng)

    formulas = {c.name: compile_rule(c.derived) for c in parsed if c.derived}
    for name in derived_order(formulas):
        frame[name] = finish_values(by_name[name], evaluate(formulas[name], frame), rng)

    for column in parsed:
        if column.null_rate > 0 and column.nullable and column.name in frame:
            missing = rng.random(count) < column.null_rate
            frame[column.name] = frame[column.name].astype(object).where(~missing, None)
            if column.is_numeric:
                frame[column.name] = pd.to_numeric(frame[column.name])
    return frame


def _sampling_order(parsed: list[Column], dependencies: list[dict[str, Any]]) -> list[str]:
    """Order the sampled columns so that every parent comes before its children."""
    names = [column.name for column in parsed if not is_generated(column)]
    parents = {name: {d["parent"] for d in dependencies if d["child"] == name} for name in names}
    order: list[str] = []
    while len(order) < len(names):
        progressed = False
        for name in names:
            if name not in order and all(p in order or p not in names for p in parents[name]):
                order.append(name)
                progressed = True
        if not progressed:
            # A cycle of dependencies: sample the rest in declared order without them.
            order.extend(name for name in names if name not in order)
    return order


def draw_column(
    column: Column,
    frame: pd.DataFrame,
    dependencies: list[dict[str, Any]],
    rng: np.random.Generator,
) -> pd.Series:
    """Draw one column, applying the dependency cases that match each row's parent."""
    count = len(frame)
    if column.is_categorical:
        return _draw_categorical(column, frame, dependencies, rng)

    values = _draw_distribution(column, column.distribution, count, rng)
    for dependency in dependencies:
        parent = frame[dependency["parent"]]
        for case in dependency["cases"]:
            mask = case_mask(parent, case["when"]).to_numpy()
            if not mask.any():
                continue
            if "distribution" in case:
                values[mask] = _draw_distribution(
                    column, case["distribution"], int(mask.sum()), rng
                )
            if "scale" in case:
                values[mask] = values[mask] * float(case["scale"])
            if "shift" in case:
                values[mask] = values[mask] + float(case["shift"])
    return finish_values(column, pd.Series(values, index=frame.index), rng)


def case_mask(parent: pd.Series, when: dict[str, Any]) -> pd.Series:
    """Rows whose parent value matches a dependency case (`min` inclusive, `max` exclusive)."""
    mask = pd.Series(True, index=parent.index)
    if "in" in when:
        mask &= parent.isin(when["in"])
    if "min" in when or "max" in when:
        numeric = pd.to_numeric(parent, errors="coerce")
        if "min" in when:
            mask &= numeric >= when["min"]
        if "max" in when:
            mask &= numeric < when["max"]
    return mask.fillna(False)


def _draw_categorical(
    column: Column,
    frame: pd.DataFrame,
    dependencies: list[dict[str, Any]],
    rng: np.random.Generator,
) -> pd.Series:
    values = list(column.enum) if column.enum is not None else [True, False]
    base = category_weights(column, values)
    probabilities = np.tile(base, (len(frame), 1))

    # Each matching case multiplies the base odds by its own ratio to the base.
    for dependency in dependencies:
        parent = frame[dependency["parent"]]
        for case in dependency["cases"]:
            mask = case_mask(parent, case["when"]).to_numpy()
            target = _case_weights(case, values)
            if target is None or not mask.any():
                continue
            ratio = np.divide(target, base, out=np.zeros_like(base), where=base > 0)
            probabilities[mask] *= ratio

    totals = probabilities.sum(axis=1, keepdims=True)
    probabilities = np.where(totals > 0, probabilities / np.where(totals > 0, totals, 1), base)
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random(len(frame))[:, None]
    chosen = np.minimum((draws > cumulative).sum(axis=1), len(values) - 1)
    picked = [values[index] for index in chosen]
    return pd.Series(
        picked, index=frame.index, dtype="bool" if column.type == "boolean" else object
    )


def category_weights(column: Column, values: list[Any]) -> np.ndarray:
    """Normalized weights of a categorical or boolean column, uniform when none are given."""
    distribution = column.distribution
    if column.type == "boolean" and "p" in distribution:
        p = float(distribution["p"])
        return np.array([p if value else 1 - p for value in values])
    weights = distribution.get("weights") or {}
    raw = np.array(
        [float(_lookup(weights, value, 1.0 if not weights else 0.0)) for value in values]
    )
    if raw.sum() <= 0:
        raw = np.ones(len(values))
    normalized: np.ndarray = raw / raw.sum()
    return normalized


def _case_weights(case: dict[str, Any], values: list[Any]) -> np.ndarray | None:
    if "p" in case:
        p = float(case["p"])
        return np.array([p if value is True else 1 - p for value in values])
    if "weights" not in case:
        return None
    raw = np.array([float(_lookup(case["weights"], value, 0.0)) for value in values])
    if raw.sum() <= 0:
        return None
    normalized: np.ndarray = raw / raw.sum()
    return normalized


def _lookup(weights: dict[str, Any], value: Any, default: float) -> Any:
    for key in (value, str(value), str(value).lower()):
        if key in weights:
            return weights[key]
    return default


def _draw_distribution(
    column: Column, distribution: dict[str, Any], count: int, rng: np.random.Generator
) -> np.ndarray:
    kind = distribution.get("kind")
    lower, upper = column.lower, column.upper

    if column.is_date:
        return _draw_dates(column, distribution, count, rng)
    if kind == "constant":
        return np.full(count, distribution.get("value"), dtype=object)
    if column.type == "string":
        return np.array([f"{column.name}_{index}" for index in rng.integers(1, 1000, count)])

    if kind == "normal":
        values = rng.normal(distribution.get("mean", 0.0), distribution.get("std", 1.0), count)
    elif kind == "lognormal":
        values = rng.lognormal(distribution.get("mu", 0.0), distribution.get("sigma", 1.0), count)
    elif kind == "triangular":
        low = distribution.get("low", lower if lower is not None else 0.0)
        high = distribution.get("high", upper if upper is not None else low + 1.0)
        mode = distribution.get("mode", (low + high) / 2)
        values = rng.triangular(low, mode, high, count)
    elif kind == "exponential":
        values = rng.exponential(distribution.get("scale", 1.0), count)
    elif kind == "histogram":
        values = _draw_histogram(distribution, count, rng)
    elif kind == "poisson":
        values = rng.poisson(distribution.get("lam", 1.0), count).astype(float)
    else:
        low = distribution.get("low", lower if lower is not None else 0.0)
        high = distribution.get("high", upper if upper is not None else low + 100.0)
        values = rng.uniform(low, high, count)

    return _fold_into_bounds(values, lower, upper, rng)


def _draw_histogram(
    distribution: dict[str, Any], count: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw a bin by its weight, then a value uniformly inside the bin."""
    edges = np.asarray(distribution["edges"], dtype=float)
    weights = np.asarray(distribution["weights"], dtype=float)
    weights = weights / weights.sum()
    bins = rng.choice(len(weights), size=count, p=weights)
    return rng.uniform(edges[bins], edges[bins + 1])


def _fold_into_bounds(
    values: np.ndarray, lower: float | None, upper: float | None, rng: np.random.Generator
) -> np.ndarray:
    """Replace out-of-bounds draws with uniform draws near the inside of the bound.

    Clipping would pile values up exactly at the bounds; this keeps the tail's mass
    within the bounds instead.
    """
    values = values.astype(float)
    if lower is not None and upper is not None:
        edge = (upper - lower) * 0.1
        below, above = values < lower, values > upper
        values[below] = rng.uniform(lower, lower + edge, int(below.sum()))
        values[above] = rng.uniform(upper - edge, upper, int(above.sum()))
    elif lower is not None:
        below = values < lower
        values[below] = lower + np.abs(values[below] - lower)
    elif upper is not None:
        above = values > upper
        values[above] = upper - np.abs(values[above] - upper)
    return values


def _draw_dates(
    column: Column, distribution: dict[str, Any], count: int, rng: np.random.Generator
) -> np.ndarray:
    start = pd.Timestamp(
        distribution.get("start") or column.spec.get("formatMinimum") or "2020-01-01"
    )
    end = pd.Timestamp(distribution.get("end") or column.spec.get("formatMaximum") or "2024-12-31")
    seconds = rng.uniform(0, max((end - start).total_seconds(), 1.0), count)
    stamps = start + pd.to_timedelta(seconds, unit="s")
    return np.asarray(format_dates(column, pd.Series(stamps)), dtype=object)


def format_dates(column: Column, stamps: pd.Series) -> pd.Series:
    """Format datetimes as the column's `date` or `date-time` strings."""
    if column.format == "date":
        return stamps.dt.strftime("%Y-%m-%d")
    return stamps.dt.strftime("%Y-%m-%dT%H:%M:%S")


def finish_values(column: Column, values: Any, rng: np.random.Generator) -> pd.Series:
    """Round and type numeric values as the column declares; pass others through."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if not column.is_numeric:
        return series

    numeric = pd.to_numeric(series, errors="coerce").astype(float)
    lower, upper = column.lower, column.upper
    if column.exclusive_minimum is not None or column.exclusive_maximum is not None:
        step = 1.0 if column.type == "integer" else 10.0 ** -(column.decimals or 2)
        if column.exclusive_minimum is not None:
            numeric = numeric.where(
                numeric > column.exclusive_minimum, column.exclusive_minimum + step
            )
        if column.exclusive_maximum is not None:
            numeric = numeric.where(
                numeric < column.exclusive_maximum, column.exclusive_maximum - step
            )
    numeric = numeric.clip(lower=column.minimum, upper=column.maximum)

    if column.type == "integer":
        rounded = numeric.round()
        if lower is not None:
            rounded = rounded.where(rounded >= lower, np.ceil(lower))
        if upper is not None:
            rounded = rounded.where(rounded <= upper, np.floor(upper))
        return rounded.astype("Int64") if rounded.isna().any() else rounded.astype("int64")

    decimals = column.decimals if column.decimals is not None else 2
    return numeric.round(decimals)
