"""Assembles a dataset schema from columns, constraints and relationships.

Both knowledge agent paths end here: the offline path with columns from the knowledge
base, the LLM path with columns a chat model described. `assemble_schema` applies the
request's explicit constraints over the looked-up defaults, keeps only the rules and
dependencies whose columns exist, orders the columns (identifiers first, target last),
and runs `check_schema` before returning.
"""

from __future__ import annotations

import re
from typing import Any

from agentgan.schema.check import check_schema
from agentgan.schema.rules import compile_rule

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def default_column(name: str) -> dict[str, Any]:
    """Return a typed column for an attribute nobody knows, chosen from its name."""
    words = set(re.split(r"[_\s]+", name.lower()))
    if words & {"id", "identifier", "code", "number", "no"} and not words & {"count"}:
        return {"type": "string", "x-generator": {"kind": "id", "prefix": "", "digits": 8},
                "x-unique": True, "x-role": "id"}
    if words & {"date", "day", "dob", "birthday"}:
        return {"type": "string", "format": "date",
                "x-distribution": {"kind": "date_range", "start": "2020-01-01", "end": "2024-12-31"}}
    if words & {"is", "has", "flag", "active", "enabled"}:
        return {"type": "boolean", "x-distribution": {"kind": "bernoulli", "p": 0.5}}
    if words & {"count", "number", "quantity", "qty", "visits", "calls", "items", "year", "years"}:
        return {"type": "integer", "minimum": 0, "maximum": 100,
                "x-distribution": {"kind": "poisson", "lam": 5}}
    if words & {"type", "category", "status", "level", "class", "group", "segment", "tier"}:
        return {"type": "string", "enum": ["A", "B", "C"],
                "x-distribution": {"kind": "categorical", "weights": {"A": 0.5, "B": 0.3, "C": 0.2}}}
    if words & {"name", "description", "comment", "notes", "text", "title"}:
        return {"type": "string", "x-generator": {"kind": "faker", "provider": "sentence"}}
    return {"type": "number", "minimum": 0, "maximum": 1000, "x-decimals": 2,
            "x-distribution": {"kind": "lognormal", "mu": 4.0, "sigma": 0.8}}


def apply_range(spec: dict[str, Any], bounds: dict[str, float]) -> dict[str, Any]:
    """Set explicit bounds, moving the distribution inside them."""
    updated = dict(spec)
    if updated.get("type") not in ("integer", "number"):
        return updated
    for key in ("minimum", "maximum"):
        if key in bounds:
            value = bounds[key]
            updated[key] = int(value) if updated["type"] == "integer" else value

    low, high = updated.get("minimum"), updated.get("maximum")
    distribution = dict(updated.get("x-distribution", {}))
    if low is not None and high is not None:
        if distribution.get("kind") == "normal":
            mean = float(distribution.get("mean", (low + high) / 2))
            if not low <= mean <= high:
                mean = (low + high) / 2
            distribution["mean"] = mean
            distribution["std"] = min(float(distribution.get("std", high - low)), (high - low) / 3)
        elif distribution.get("kind") in ("histogram", "poisson", "exponential", "lognormal", None):
            distribution = {"kind": "uniform"}
        updated["x-distribution"] = distribution
    return updated


def apply_categories(spec: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """Restrict a column to explicit categories, keeping known weights where they match."""
    updated = dict(spec)
    old = updated.get("x-distribution", {}).get("weights", {})
    updated["type"] = "string"
    updated["enum"] = list(values)
    weights = {str(value): float(old.get(value, 0.0)) for value in values}
    if sum(weights.values()) == 0 or any(weight == 0 for weight in weights.values()):
        weights = {str(value): 1.0 for value in values}
    updated["x-distribution"] = {"kind": "categorical", "weights": weights}
    return updated


def apply_shares(spec: dict[str, Any], shares: dict[str, float]) -> dict[str, Any]:
    """Set stated shares ('70% female') and spread the rest over the other categories."""
    updated = dict(spec)
    enum = list(updated.get("enum", shares))
    for value in shares:
        if value not in enum:
            enum.append(value)
    stated = sum(shares.values())
    others = [value for value in enum if value not in shares]
    old = updated.get("x-distribution", {}).get("weights", {})
    old_total = sum(float(old.get(value, 1.0)) for value in others) or 1.0
    weights = {str(value): float(share) for value, share in shares.items()}
    for value in others:
        weights[str(value)] = max(0.0, 1 - stated) * float(old.get(value, 1.0)) / old_total
    updated["enum"] = enum
    updated["x-distribution"] = {"kind": "categorical", "weights": weights}
    return updated


def assemble_schema(
    title: str,
    columns: dict[str, dict[str, Any]],
    *,
    constraints: list[str] | None = None,
    dependencies: list[dict[str, Any]] | None = None,
    sources: list[dict[str, Any]] | None = None,
    locale: str | None = None,
    rows: int | None = None,
    domain: str | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    """Build and check a schema; rules and dependencies over missing columns are dropped."""
    ordered = _order_columns(columns)
    names = list(ordered)

    kept_rules = []
    for text in constraints or []:
        rule = compile_rule(text)
        if all(column in names for column in rule.columns):
            kept_rules.append(text)

    kept_dependencies = [
        dependency
        for dependency in dependencies or []
        if dependency["child"] in names and dependency["parent"] in names
    ]
    for name, spec in ordered.items():
        derived = spec.get("x-derived")
        if derived and not all(column in names for column in compile_rule(derived).columns):
            spec.pop("x-derived")

    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        "type": "object",
        "properties": ordered,
        "required": names,
    }
    if domain:
        schema["x-domain"] = domain
    if locale:
        schema["x-locale"] = locale
    if rows:
        schema["x-rows"] = rows
    if kept_rules:
        schema["x-constraints"] = kept_rules
    if kept_dependencies:
        schema["x-dependencies"] = kept_dependencies
    if sources:
        schema["x-sources"] = [s for s in sources if s.get("column", "") in names or "column" not in s]
    if warnings:
        schema["x-warnings"] = list(warnings)
    return check_schema(schema)


def _order_columns(columns: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    def rank(item: tuple[str, dict[str, Any]]) -> int:
        role = item[1].get("x-role")
        return 0 if role == "id" else 2 if role == "target" else 1

    return dict(sorted(columns.items(), key=rank))
