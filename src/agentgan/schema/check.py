"""Checks a dataset schema before any rows are made from it.

`check_schema` runs the project's meta-schema (structure and annotation keywords), then the
checks JSON Schema cannot express: bounds in order, enum values of the column's type,
required columns that exist, patterns that compile, rules and formulas that pass the safe
evaluator, dependencies between existing columns, and derived columns without cycles.
Each failure raises `SchemaError` naming the column or rule and the fix.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from agentgan.errors import RuleError, SchemaError
from agentgan.schema.columns import Column, columns
from agentgan.schema.rules import compile_rule

MAX_FAKER_VALUE_CHARS = 500
"""Maximum length, in characters, of the value a Faker provider returns in a trial call.
Providers of longer values (documents, archives, JSON blobs) are rejected."""

MAX_PATTERN_CHARS = 500
"""Maximum length of a column's regular expression."""

_NESTED_REPETITION = re.compile(
    r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,)"
)
"""A group that contains an open repetition and is itself repeated, such as `(a+)+`."""

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


def check_schema(schema: Any, *, sample_rules: bool = True) -> dict[str, Any]:
    """Check a dataset schema and return it unchanged.

    Args:
        schema: The dataset schema, a JSON Schema object whose properties are columns.
        sample_rules: Also draw probe rows and reject rules that no row can meet
            (`agentgan.schema.feasibility`); this costs a fraction of a second.

    Raises:
        SchemaError: the schema breaks the meta-schema or one of the semantic checks.
        RuleError: a rule or derived formula is invalid, not allowed, or never met.
    """
    if not isinstance(schema, dict):
        raise SchemaError(
            f"The schema must be a JSON object, not {type(schema).__name__}; write it as "
            '{"type": "object", "properties": {...}}.'
        )

    validator = jsonschema.Draft202012Validator(meta_schema())
    problems = sorted(
        validator.iter_errors(schema), key=lambda error: [str(part) for part in error.path]
    )
    if problems:
        raise SchemaError(_describe_meta_error(problems[0]))

    parsed = columns(schema)
    names = [column.name for column in parsed]
    locale = schema.get("x-locale", "en_US")
    for column in parsed:
        _check_column(column)
        _check_generator(column, locale)

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

    if sample_rules and schema.get("x-constraints"):
        # Imported here because the sampler imports this module.
        from agentgan.schema.feasibility import check_rules_satisfiable

        check_rules_satisfiable(schema)
    return schema


def _describe_meta_error(error: jsonschema.ValidationError) -> str:
    """Phrase a meta-schema failure by the column it concerns, where there is one."""
    path = [str(part) for part in error.absolute_path]
    if len(path) < 2 or path[0] != "properties":
        where = "/".join(path) or "the top level"
        return f"Invalid schema at {where}: {error.message}."

    name, keyword = path[1], "/".join(path[2:])
    if keyword == "type":
        return (
            f"Column {name!r} has the unknown type {error.instance!r}; use integer, number, "
            'string or boolean, or a list such as ["integer", "null"] to allow blanks.'
        )
    if error.validator == "additionalProperties" and not keyword:
        return f"Column {name!r}: {error.message}; remove that keyword or fix its spelling."
    return f"Column {name!r} has an invalid {keyword or 'definition'}: {error.message}."


def _check_column(column: Column) -> None:
    name = column.name
    if column.type == "null":
        raise SchemaError(f"Column {name!r} has only the type null; give it a value type.")

    lower, upper = column.lower, column.upper
    if lower is not None and upper is not None and lower > upper:
        raise SchemaError(
            f"Column {name!r} has minimum {lower} above maximum {upper}; swap or fix them."
        )
    if lower is not None and upper is not None and _interval_is_empty(column):
        noun = "integer" if column.type == "integer" else "value"
        raise SchemaError(
            f"Column {name!r} allows no {noun} between its bounds {lower} and {upper} "
            "(exclusive bounds exclude the bound itself); widen them."
        )
    min_length, max_length = column.spec.get("minLength"), column.spec.get("maxLength")
    if min_length is not None and max_length is not None and min_length > max_length:
        raise SchemaError(
            f"Column {name!r} has minLength {min_length} above maxLength {max_length}; swap "
            "or fix them."
        )
    if (lower is not None or upper is not None) and not column.is_numeric:
        raise SchemaError(
            f"Column {name!r} of type {column.type} has minimum or maximum; bounds need an "
            "integer or number column."
        )

    if column.enum is not None:
        _check_enum(column)

    if column.pattern is not None:
        _check_pattern(name, column.pattern)

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


def _check_pattern(name: str, pattern: str) -> None:
    """Check that a pattern compiles, is short, and has no nested repetition.

    Python's `re` has no time limit, and a nested repetition such as `(a+)+$` can take
    exponential time on a value that almost matches, which would hang the validator.
    NOTE: the nesting test reads the pattern text; other slow patterns can still pass.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        raise SchemaError(
            f"Column {name!r} has a pattern of {len(pattern)} characters; the maximum is "
            f"{MAX_PATTERN_CHARS}."
        )
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SchemaError(f"Column {name!r} has an invalid pattern {pattern!r}: {exc}.") from exc
    if _NESTED_REPETITION.search(pattern):
        raise SchemaError(
            f"Column {name!r} has the pattern {pattern!r}, which repeats a group that itself "
            "repeats (as in '(a+)+'); such patterns can take exponential time. Rewrite it "
            "without the nested repetition."
        )


def _interval_is_empty(column: Column) -> bool:
    """True when no value (no integer, for integer columns) lies within the bounds."""
    lower, upper = column.lower, column.upper
    assert lower is not None and upper is not None
    low_open = column.exclusive_minimum is not None and column.exclusive_minimum == lower
    high_open = column.exclusive_maximum is not None and column.exclusive_maximum == upper
    if column.type == "integer":
        first = math.floor(lower) + 1 if low_open else math.ceil(lower)
        last = math.ceil(upper) - 1 if high_open else math.floor(upper)
        return first > last
    return lower == upper and (low_open or high_open)


def _check_generator(column: Column, locale: str) -> None:
    """Check that a Faker provider exists and returns one short value per call.

    The provider name is data from a schema file or a chat model, and picks a method by
    name, so only provider methods of Faker's own providers are accepted, after one trial
    call. That keeps out helpers such as `seed` or `add_provider` and providers that return
    archives or documents (`zip`, `binary`, `json`).
    """
    generator = column.generator or {}
    if generator.get("kind") != "faker":
        return
    provider = str(generator.get("provider", "word"))
    known = faker_providers(locale)
    if provider not in known:
        raise SchemaError(
            f"Column {column.name!r} names the Faker provider {provider!r}, which does not "
            f"exist for locale {locale}; use one such as name, email, phone_number, address, "
            "city or company."
        )

    from faker import Faker

    faker = Faker(locale)
    faker.seed_instance(0)
    try:
        value = getattr(faker, provider)()
    except Exception as exc:  # any failure of a third-party provider means "unusable"
        raise SchemaError(
            f"Column {column.name!r}: the Faker provider {provider!r} failed without "
            f"arguments ({type(exc).__name__}: {exc}); choose another provider."
        ) from exc
    scalar = (str, int, float, bool, decimal.Decimal, datetime.date, datetime.time)
    if not isinstance(value, scalar) or len(str(value)) > MAX_FAKER_VALUE_CHARS:
        raise SchemaError(
            f"Column {column.name!r}: the Faker provider {provider!r} returns "
            f"{type(value).__name__} values, not short text or numbers; choose another "
            "provider."
        )


@cache
def faker_providers(locale: str) -> frozenset[str]:
    """Return the public provider methods Faker offers in a locale.

    Raises:
        SchemaError: Faker has no such locale.
    """
    from faker import Faker
    from faker.config import AVAILABLE_LOCALES

    if locale not in AVAILABLE_LOCALES:
        raise SchemaError(
            f"Locale {locale!r} is not one Faker knows; use a locale such as en_US, de_DE or fr_FR."
        )
    names: set[str] = set()
    for provider in Faker(locale).get_providers():
        names.update(
            name
            for name in dir(provider)
            if not name.startswith("_") and callable(getattr(provider, name, None))
        )
    return frozenset(names)


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
    formulas = {}
    for column in parsed:
        if not column.derived:
            continue
        try:
            formulas[column.name] = compile_rule(column.derived, names)
        except RuleError as exc:
            raise RuleError(
                f"Column {column.name!r} has an invalid x-derived formula: {exc}"
            ) from exc
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
