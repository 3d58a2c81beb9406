"""Checks a dataset schema before any rows are made from it.

`check_schema` runs the project's meta-schema (structure and annotation keywords), then the
checks JSON Schema cannot express: bounds in order, enum values of the column's type,
required columns that exist, patterns that compile, rules and formulas that pass the safe
evaluator, dependencies between existing columns, and derived columns without cycles.
Each failure raises `SchemaError` naming the column or rule and the fix.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from agentgan.errors import SchemaError
from agentgan.schema.columns import Column, columns
from agentgan.schema.rules import compile_rule

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
}


@cache
def meta_schema() -> dict[str, Any]:
    """Return the meta-schema that every dataset schema must pass."""
    text = resources.files("agentgan.schema").joinpath("metaschema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def check_schema(schema: Any) -> dict[str, Any]:
    """Check a dataset schema and return it unchanged.

    Raises:
        SchemaError: the schema breaks the meta-schema or one of the semantic checks.
    """
    if not isinstance(schema, dict):
        raise SchemaError(
            f"The schema must be a JSON object, not {type(schema).__name__}; write it as "
            '{"type": "object", "properties": {...}}.'
        )

    validator = jsonschema.Draft202012Validator(meta_schema())
    problems = sorted(validator.iter_errors(schema), key=lambda error: list(error.path))
    if problems:
        first = problems[0]
        where = "/".join(str(part) for part in first.absolute_path) or "(top level)"
        raise SchemaError(f"Invalid schema at {where}: {first.message}.")

    parsed = columns(schema)
    names = [column.name for column in parsed]
    for column in parsed:
        _check_column(column)

    for name in schema.get("required", []):
        if name not in schema["properties"]:
            raise SchemaError(
                f"Required column {name!r} is not in properties; add it or remove it from "
                "'required'."
            )

    for text in schema.get("x-constraints", []):
        compile_rule(text, names)

    _check_dependencies(schema, names)
    _check_derived(parsed, names)
    return schema


def _check_column(column: Column) -> None:
    name = column.name
    if column.type == "null":
        raise SchemaError(f"Column {name!r} has only the type null; give it a value type.")

    lower, upper = column.lower, column.upper
    if lower is not None and upper is not None and lower > upper:
        raise SchemaError(
            f"Column {name!r} has minimum {lower} above maximum {upper}; swap or fix them."
        )
    if (lower is not None or upper is not None) and not column.is_numeric:
        raise SchemaError(
            f"Column {name!r} of type {column.type} has minimum or maximum; bounds need an "
            "integer or number column."
        )

    if column.enum is not None:
        _check_enum(column)

    if column.pattern is not None:
        try:
            re.compile(column.pattern)
        except re.error as exc:
            raise SchemaError(
                f"Column {name!r} has an invalid pattern {column.pattern!r}: {exc}."
            ) from exc

    if column.format in ("date", "date-time") and column.type != "string":
        raise SchemaError(f"Column {name!r} has format {column.format} but is not a string.")

    distribution = column.distribution
    kind = distribution.get("kind")
    if kind in ("normal", "lognormal", "poisson", "exponential") and not column.is_numeric:
        raise SchemaError(
            f"Column {name!r} has a {kind} distribution but type {column.type}; use a "
            "number or integer column, or a categorical distribution."
        )
    if kind == "categorical" and not distribution.get("weights"):
        raise SchemaError(f"Column {name!r} has a categorical distribution without weights.")
    if kind == "categorical" and column.enum is not None:
        extra = [value for value in distribution["weights"] if value not in _enum_keys(column)]
        if extra:
            raise SchemaError(
                f"Column {name!r} has weights for {extra}, which are not in its enum."
            )
    if kind == "uniform" and lower is None and "low" not in distribution:
        raise SchemaError(f"Column {name!r} has a uniform distribution but no minimum or low.")

    if column.derived is not None and column.generator is not None:
        raise SchemaError(f"Column {name!r} has both x-derived and x-generator; keep one.")


def _check_enum(column: Column) -> None:
    assert column.enum is not None
    if not column.enum:
        raise SchemaError(f"Column {column.name!r} has an empty enum; list at least one value.")

    expected = _PYTHON_TYPES.get(column.type)
    if expected is None:
        return
    wrong = [
        value
        for value in column.enum
        if not isinstance(value, expected) or (column.type != "boolean" and isinstance(value, bool))
    ]
    if wrong:
        raise SchemaError(
            f"Column {column.name!r} of type {column.type} has enum value(s) {wrong[:5]} of "
            "another type; make the values match the type or change the type."
        )
    lower, upper = column.lower, column.upper
    if column.is_numeric and lower is not None and any(value < lower for value in column.enum):
        raise SchemaError(f"Column {column.name!r} has enum values below its minimum {lower}.")
    if column.is_numeric and upper is not None and any(value > upper for value in column.enum):
        raise SchemaError(f"Column {column.name!r} has enum values above its maximum {upper}.")


def _enum_keys(column: Column) -> set[str]:
    """Enum values as the strings that JSON object keys (weights) use."""
    assert column.enum is not None
    keys = set()
    for value in column.enum:
        keys.add(value if isinstance(value, str) else json.dumps(value))
        keys.add(str(value))
    return keys


def _check_dependencies(schema: dict[str, Any], names: list[str]) -> None:
    for dependency in schema.get("x-dependencies", []):
        for role in ("child", "parent"):
            if dependency[role] not in names:
                raise SchemaError(
                    f"Dependency {role} {dependency[role]!r} is not a column; known columns: "
                    f"{', '.join(names)}."
                )
        if dependency["child"] == dependency["parent"]:
            raise SchemaError(f"Column {dependency['child']!r} cannot depend on itself.")


def _check_derived(parsed: list[Column], names: list[str]) -> None:
    formulas = {
        column.name: compile_rule(column.derived, names) for column in parsed if column.derived
    }
    for name, rule in formulas.items():
        if name in rule.columns:
            raise SchemaError(f"Derived column {name!r} uses itself in {rule.text!r}.")
    derived_order(formulas)


def derived_order(formulas: dict[str, Any]) -> list[str]:
    """Order derived columns so each comes after the derived columns it reads.

    Raises:
        SchemaError: the formulas form a cycle.
    """
    order: list[str] = []
    remaining = dict(formulas)
    while remaining:
        ready = [
            name
            for name, rule in remaining.items()
            if not any(column in remaining for column in rule.columns)
        ]
        if not ready:
            raise SchemaError(
                f"Derived columns {', '.join(sorted(remaining))} depend on each other in a cycle."
            )
        for name in ready:
            order.append(name)
            del remaining[name]
    return order
