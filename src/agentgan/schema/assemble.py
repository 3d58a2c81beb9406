"""Assembles a dataset schema from columns, constraints and relationships.

Both knowledge agent paths end here: the offline path with columns from the knowledge
base, the LLM path with columns a chat model described. `assemble_schema` applies the
request's explicit constraints over the looked-up defaults, keeps only the rules and
dependencies whose columns exist, orders the columns (identifiers first, target last),
and runs `check_schema` before returning.
"""

from __future__ import annotations

import math
import re
from typing import Any

from agentgan.errors import SchemaError
from agentgan.schema.check import check_schema
from agentgan.schema.rules import compile_rule

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "x-decimals")


def default_column(name: str) -> dict[str, Any]:
    """Return a typed column for an attribute the knowledge base lacks, chosen from its name."""
    words = set(re.split(r"[_\s]+", name.lower()))
    if words & {"id", "identifier", "code", "number", "no"} and not words & {"count"}:
        return {
            "type": "string",
            "x-generator": {"kind": "id", "prefix": "", "digits": 8},
            "x-unique": True,
            "x-role": "id",
        }
    if words & {"date", "day", "dob", "birthday"}:
        return {
            "type": "string",
            "format": "date",
            "x-distribution": {"kind": "date_range", "start": "2020-01-01", "end": "2024-12-31"},
        }
    if words & {"time", "timestamp", "datetime"}:
        return {
            "type": "string",
            "format": "date-time",
            "x-distribution": {"kind": "date_range", "start": "2020-01-01", "end": "2024-12-31"},
        }
    if words & {"is", "has", "flag", "active", "enabled"}:
        return {"type": "boolean", "x-distribution": {"kind": "bernoulli", "p": 0.5}}
    if words & {"count", "number", "quantity", "qty", "visits", "calls", "items", "year", "years"}:
        return {
            "type": "integer",
            "minimum": 0,
            "maximum": 100,
            "x-distribution": {"kind": "poisson", "lam": 5},
        }
    if words & {"rate", "percent", "percentage", "pct", "share", "ratio"}:
        return {
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "x-decimals": 1,
            "x-unit": "percent",
            "x-distribution": {"kind": "uniform"},
        }
    if words & {"score", "rating", "grade"}:
        return {
            "type": "integer",
            "minimum": 0,
            "maximum": 100,
            "x-distribution": {"kind": "normal", "mean": 60, "std": 15},
        }
    if words & {"type", "category", "status", "level", "class", "group", "segment", "tier"}:
        return {
            "type": "string",
            "enum": ["A", "B", "C"],
            "x-distribution": {"kind": "categorical", "weights": {"A": 0.5, "B": 0.3, "C": 0.2}},
        }
    if words & {"email"}:
        return {
            "type": "string",
            "format": "email",
            "x-generator": {"kind": "faker", "provider": "email"},
        }
    if words & {"name", "description", "comment", "notes", "text", "title"}:
        return {"type": "string", "x-generator": {"kind": "faker", "provider": "sentence"}}
    return {
        "type": "number",
        "minimum": 0,
        "maximum": 1000,
        "x-decimals": 2,
        "x-distribution": {"kind": "lognormal", "mu": 4.0, "sigma": 0.8},
    }


def apply_range(spec: dict[str, Any], bounds: dict[str, float]) -> dict[str, Any]:
    """Set explicit bounds, moving the distribution inside them.

    `bounds` contains JSON Schema keywords: minimum, maximum, exclusiveMinimum and
    exclusiveMaximum. On integer columns an exclusive bound becomes the next inclusive
    one ('older than 21' gives minimum 22). A column without a numeric type becomes a
    number column (an integer one when every bound is whole).
    """
    updated = dict(spec)
    if updated.get("type") not in ("integer", "number"):
        whole = all(float(value).is_integer() for value in bounds.values())
        updated = {
            key: value
            for key, value in updated.items()
            if key.startswith("x-") or key == "description"
        }
        updated.pop("x-generator", None)
        updated.pop("x-unique", None)
        updated.pop("x-role", None)
        updated["type"] = "integer" if whole else "number"
        updated["x-distribution"] = {"kind": "uniform"}
    integer = updated["type"] == "integer"

    stated_lower = stated_upper = False
    for key, raw in bounds.items():
        value = float(raw)
        lower_side = key in ("minimum", "exclusiveMinimum")
        if integer:
            if key == "exclusiveMinimum":
                key, value = "minimum", math.floor(value) + 1
            elif key == "exclusiveMaximum":
                key, value = "maximum", math.ceil(value) - 1
            else:
                value = math.ceil(value) if lower_side else math.floor(value)
        for old in (
            ("minimum", "exclusiveMinimum") if lower_side else ("maximum", "exclusiveMaximum")
        ):
            updated.pop(old, None)
        updated[key] = int(value) if integer else value
        stated_lower |= lower_side
        stated_upper |= not lower_side

    low = updated.get("minimum", updated.get("exclusiveMinimum"))
    high = updated.get("maximum", updated.get("exclusiveMaximum"))
    if low is not None and high is not None and low > high:
        if stated_lower and not stated_upper:
            # The stated lower bound is above the looked-up maximum: widen the maximum.
            updated.pop("exclusiveMaximum", None)
            high = updated["maximum"] = low * 2 if low > 0 else low + 100
        elif stated_upper and not stated_lower:
            updated.pop("exclusiveMinimum", None)
            low = updated["minimum"] = 0 if high > 0 else high - 100
        else:
            raise SchemaError(
                f"The request bounds a column from {low} to {high}, which is empty; give "
                "the lower bound first."
            )
    distribution = updated.get("x-distribution", {})
    if distribution.get("kind") == "uniform" and "low" not in distribution and low is None and high is not None:
        # A uniform draw needs both ends: put the missing one 100 units below the other.
        low = updated["minimum"] = 0 if high > 0 else high - 100
    if distribution.get("kind") == "uniform" and "high" not in distribution and high is None and low is not None:
        high = updated["maximum"] = low * 2 if low > 0 else low + 100
    updated["x-distribution"] = _fit_distribution(
        dict(updated.get("x-distribution", {})), low, high
    )
    return updated


def _fit_distribution(
    distribution: dict[str, Any], low: float | None, high: float | None
) -> dict[str, Any]:
    """Keep a distribution with at least half its mass inside the bounds, else go uniform.

    The sampler folds the draws that fall outside the bounds back inside them.
    """
    kind = distribution.get("kind")
    if low is None and high is None:
        return distribution
    if kind == "normal" and low is not None and high is not None:
        mean = float(distribution.get("mean", 0.0))
        std = float(distribution.get("std", 1.0))
        if not low <= mean <= high:
            mean = (low + high) / 2
        return {"kind": "normal", "mean": mean, "std": min(std, (high - low) / 3) or 1.0}

    inside = _mass_inside(distribution, low, high)
    if inside is not None and inside >= 0.5:
        return distribution
    if low is not None and high is not None:
        return {"kind": "uniform"}
    return distribution


def _mass_inside(
    distribution: dict[str, Any], low: float | None, high: float | None
) -> float | None:
    """Share of a distribution's mass between the bounds, or None where it is not known."""
    kind = distribution.get("kind")
    low = -math.inf if low is None else low
    high = math.inf if high is None else high

    def normal_cdf(value: float, mean: float, std: float) -> float:
        if math.isinf(value):
            return 0.0 if value < 0 else 1.0
        return 0.5 * (1 + math.erf((value - mean) / (max(std, 1e-12) * math.sqrt(2))))

    if kind == "normal":
        mean, std = float(distribution.get("mean", 0.0)), float(distribution.get("std", 1.0))
        return normal_cdf(high, mean, std) - normal_cdf(low, mean, std)
    if kind == "lognormal":
        mu, sigma = float(distribution.get("mu", 0.0)), float(distribution.get("sigma", 1.0))
        upper = normal_cdf(math.log(high), mu, sigma) if high > 0 else 0.0
        lower = normal_cdf(math.log(low), mu, sigma) if low > 0 else 0.0
        return upper - lower
    if kind == "exponential":
        scale = float(distribution.get("scale", 1.0))
        return math.exp(-max(low, 0.0) / scale) - (math.exp(-high / scale) if high > 0 else 1.0)
    if kind == "histogram":
        edges, weights = distribution["edges"], distribution["weights"]
        total = sum(weights) or 1.0
        share = 0.0
        for left, right, weight in zip(edges, edges[1:], weights, strict=False):
            overlap = max(0.0, min(right, high) - max(left, low))
            share += weight * overlap / (right - left) / total
        return share
    if kind == "poisson":
        lam = float(distribution.get("lam", 1.0))
        return 1.0 if low <= lam <= high else 0.0
    return None


def apply_dates(spec: dict[str, Any], dates: dict[str, str]) -> dict[str, Any]:
    """Limit a date column to `dates` (`start` and/or `end`, ISO dates, both inclusive)."""
    updated = dict(spec)
    distribution = dict(updated.get("x-distribution", {}))
    start = dates.get("start") or distribution.get("start") or updated.get("formatMinimum")
    end = dates.get("end") or distribution.get("end") or updated.get("formatMaximum")
    if start and end and end < start:
        if "start" in dates and "end" not in dates:
            end = f"{int(start[:4]) + 1}{start[4:]}"
        elif "end" in dates and "start" not in dates:
            start = f"{int(end[:4]) - 1}{end[4:]}"
        else:
            raise SchemaError(f"The request gives dates from {start} to {end}, which is empty.")
    start = start or "2020-01-01"
    end = end or "2024-12-31"

    if updated.get("format") == "date-time" and len(end) == 10:
        end_stamp = f"{end}T23:59:59"
    else:
        end_stamp = end
    updated["formatMinimum"] = start
    updated["formatMaximum"] = end_stamp
    updated["x-distribution"] = {"kind": "date_range", "start": start, "end": end_stamp}
    return updated


def apply_categories(spec: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """Restrict a column to explicit categories, keeping known weights where they match."""
    updated = {key: value for key, value in spec.items() if key not in _NUMERIC_KEYWORDS}
    updated.pop("x-generator", None)
    updated.pop("x-unique", None)
    updated.pop("format", None)
    old = updated.get("x-distribution", {}).get("weights", {})
    updated["type"] = "string"
    updated["enum"] = list(values)
    weights = {str(value): float(old.get(value, 0.0)) for value in values}
    if sum(weights.values()) == 0 or any(weight == 0 for weight in weights.values()):
        weights = {str(value): 1.0 for value in values}
    updated["x-distribution"] = {"kind": "categorical", "weights": weights}
    return updated


def apply_shares(spec: dict[str, Any], shares: dict[Any, float]) -> dict[str, Any]:
    """Set stated shares ('70% female') and spread the rest over the other categories.

    On a boolean column the share of True (or of False) sets the Bernoulli `p`.
    """
    updated = dict(spec)
    if updated.get("type") == "boolean":
        p = shares[True] if True in shares else 1 - shares.get(False, 0.5)
        updated["x-distribution"] = {"kind": "bernoulli", "p": min(max(p, 0.0), 1.0)}
        return updated

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


def rescale_cases(
    dependency: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
) -> dict[str, Any]:
    """Scale a categorical child's dependency cases to a stated share.

    Each case keeps its odds relative to the old marginal ('churn is twice as common under
    12 months'), so that the column's overall share moves to the stated one while the
    relationship stays.
    """
    old, new = _weights_of(before), _weights_of(after)
    updated = dict(dependency)
    cases = []
    for case in dependency["cases"]:
        case = dict(case)
        if "p" in case and True in old and True in new:
            ratio = new[True] / old[True] if old[True] else 1.0
            case["p"] = min(max(float(case["p"]) * ratio, 0.0), 1.0)
        elif "weights" in case:
            scaled = {
                value: float(weight) * (new.get(value, 0.0) / old[value] if old.get(value) else 0.0)
                for value, weight in case["weights"].items()
            }
            if sum(scaled.values()) > 0:
                case["weights"] = scaled
            else:
                case.pop("weights")
        cases.append(case)
    updated["cases"] = [case for case in cases if set(case) != {"when"}] or dependency["cases"]
    return updated


def _weights_of(spec: dict[str, Any]) -> dict[Any, float]:
    distribution = spec.get("x-distribution", {})
    if spec.get("type") == "boolean":
        p = float(distribution.get("p", 0.5))
        return {True: p, False: 1 - p}
    weights = {key: float(value) for key, value in distribution.get("weights", {}).items()}
    total = sum(weights.values()) or 1.0
    return {key: value / total for key, value in weights.items()}


def convert_units(spec: dict[str, Any], factor: float, offset: float, unit: str) -> dict[str, Any]:
    """Express a numeric column in another unit: `new = old * factor + offset`."""
    updated = dict(spec)
    decimals = 0 if updated.get("type") == "integer" else int(updated.get("x-decimals", 6))
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in updated:
            # Round inward, so that values rounded to the column's decimals stay in bounds.
            inward = math.ceil if key in ("minimum", "exclusiveMinimum") else math.floor
            converted = (
                inward((float(updated[key]) * factor + offset) * 10**decimals) / 10**decimals
            )
            updated[key] = (
                int(converted) if decimals == 0 and updated.get("type") == "integer" else converted
            )
    if "x-distribution" in updated:
        updated["x-distribution"] = convert_distribution(updated["x-distribution"], factor, offset)
    updated["x-unit"] = unit
    return updated


def convert_distribution(
    distribution: dict[str, Any], factor: float, offset: float
) -> dict[str, Any]:
    """Convert a distribution's parameters to another unit (see `convert_units`)."""
    converted = dict(distribution)
    for key in ("mean", "low", "high", "mode"):
        if key in converted:
            converted[key] = float(converted[key]) * factor + offset
    for key in ("std", "scale"):
        if key in converted:
            converted[key] = float(converted[key]) * abs(factor)
    if "edges" in converted:
        converted["edges"] = [float(edge) * factor + offset for edge in converted["edges"]]
    if "mu" in converted and factor > 0:
        converted["mu"] = float(converted["mu"]) + math.log(factor)
    if converted.get("kind") == "poisson" and (factor != 1 or offset):
        # A Poisson count in another unit is no longer a count: keep its mean, spread it.
        lam = float(converted.pop("lam", 1.0))
        converted = {
            "kind": "normal",
            "mean": lam * factor + offset,
            "std": math.sqrt(lam) * abs(factor),
        }
    return converted


def convert_dependency(
    dependency: dict[str, Any], name: str, factor: float, offset: float
) -> dict[str, Any]:
    """Convert the cases of a dependency whose child or parent changed unit."""
    updated = dict(dependency)
    cases = []
    for case in dependency["cases"]:
        case = dict(case)
        if dependency["parent"] == name:
            when = dict(case["when"])
            for key in ("min", "max"):
                if key in when:
                    when[key] = float(when[key]) * factor + offset
            case["when"] = when
        if dependency["child"] == name:
            if "distribution" in case:
                case["distribution"] = convert_distribution(case["distribution"], factor, offset)
            if "shift" in case:
                case["shift"] = float(case["shift"]) * factor
        cases.append(case)
    updated["cases"] = cases
    return updated


def rename_columns(
    renames: dict[str, str],
    columns: dict[str, dict[str, Any]],
    constraints: list[str],
    dependencies: list[dict[str, Any]],
    sources: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rename columns in properties, rules, formulas, dependencies and sources.

    `renames` maps old names to new ones.
    """

    def in_rule(text: str) -> str:
        for old, new in renames.items():
            text = re.sub(rf"(?<![\w'\"]){re.escape(old)}(?![\w'\"])", new, text)
        return text

    renamed: dict[str, dict[str, Any]] = {}
    for name, spec in columns.items():
        spec = dict(spec)
        if "x-derived" in spec:
            spec["x-derived"] = in_rule(spec["x-derived"])
        if "x-source" in spec and spec["x-source"].get("column") in renames:
            spec["x-source"] = {**spec["x-source"], "column": renames[spec["x-source"]["column"]]}
        renamed[renames.get(name, name)] = spec

    moved = [
        {
            **dependency,
            "child": renames.get(dependency["child"], dependency["child"]),
            "parent": renames.get(dependency["parent"], dependency["parent"]),
        }
        for dependency in dependencies
    ]
    cited = [
        {**source, "column": renames[source["column"]]}
        if source.get("column") in renames
        else source
        for source in sources
    ]
    return renamed, [in_rule(text) for text in constraints], moved, cited


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
    for spec in ordered.values():
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
        schema["x-sources"] = [
            s for s in sources if s.get("column", "") in names or "column" not in s
        ]
    if warnings:
        schema["x-warnings"] = list(warnings)
    return check_schema(schema)


def _order_columns(columns: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    def rank(item: tuple[str, dict[str, Any]]) -> int:
        role = item[1].get("x-role")
        return 0 if role == "id" else 2 if role == "target" else 1

    return dict(sorted(columns.items(), key=rank))
