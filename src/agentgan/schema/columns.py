"""Typed view of the columns of a dataset schema.

The schema itself stays a plain JSON Schema dict (it travels in the graph state and is
written to files); `columns(schema)` reads it into `Column` objects that the sampler, the
synthesizer and the validator share, so that each keyword is interpreted in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMERIC_TYPES = ("integer", "number")


@dataclass(frozen=True)
class Column:
    """One column of the schema, with its keywords and agentgan annotations."""

    name: str
    type: str
    nullable: bool
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    format: str | None = None
    unique: bool = False
    null_rate: float = 0.0
    decimals: int | None = None
    distribution: dict[str, Any] = field(default_factory=dict)
    generator: dict[str, Any] | None = None
    derived: str | None = None
    role: str | None = None
    spec: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_numeric(self) -> bool:
        """True for integer and number columns."""
        return self.type in NUMERIC_TYPES

    @property
    def is_date(self) -> bool:
        """True for string columns with the date or date-time format."""
        return self.type == "string" and self.format in ("date", "date-time")

    @property
    def is_categorical(self) -> bool:
        """True for columns whose values come from a finite list (enum or booleans)."""
        return self.enum is not None or self.type == "boolean"

    @property
    def lower(self) -> float | None:
        """The tightest lower bound, inclusive or exclusive."""
        bounds = [b for b in (self.minimum, self.exclusive_minimum) if b is not None]
        return max(bounds) if bounds else None

    @property
    def upper(self) -> float | None:
        """The tightest upper bound, inclusive or exclusive."""
        bounds = [b for b in (self.maximum, self.exclusive_maximum) if b is not None]
        return min(bounds) if bounds else None


def column_type(spec: dict[str, Any]) -> tuple[str, bool]:
    """Return the main type of a column spec and whether it admits null."""
    declared = spec.get("type", "string")
    types = [declared] if isinstance(declared, str) else list(declared)
    nullable = "null" in types
    main = [t for t in types if t != "null"]
    return (main[0] if main else "null"), nullable


def read_column(name: str, spec: dict[str, Any]) -> Column:
    """Build a `Column` from one entry of the schema's `properties`."""
    main, nullable = column_type(spec)
    enum = spec.get("enum")
    if enum is None and "const" in spec:
        enum = [spec["const"]]

    return Column(
        name=name,
        type=main,
        nullable=nullable,
        minimum=spec.get("minimum"),
        maximum=spec.get("maximum"),
        exclusive_minimum=spec.get("exclusiveMinimum"),
        exclusive_maximum=spec.get("exclusiveMaximum"),
        enum=tuple(value for value in enum if value is not None) if enum is not None else None,
        pattern=spec.get("pattern"),
        format=spec.get("format"),
        unique=bool(spec.get("x-unique", False)),
        null_rate=float(spec.get("x-null-rate", 0.0)),
        decimals=spec.get("x-decimals"),
        distribution=dict(spec.get("x-distribution", {})),
        generator=spec.get("x-generator"),
        derived=spec.get("x-derived"),
        role=spec.get("x-role"),
        spec=spec,
    )


def columns(schema: dict[str, Any]) -> list[Column]:
    """Return the schema's columns in their declared order."""
    return [read_column(name, spec) for name, spec in schema["properties"].items()]


def is_generated(column: Column) -> bool:
    """True for columns made outside the GAN: IDs, Faker values, derived formulas."""
    return column.generator is not None or column.derived is not None
