"""Values made outside the GAN: identifiers, UUIDs and Faker fields.

These columns are never learned: an ID column is a sequence in the schema's pattern, or
drawn position by position from its `positions` (digit, letter, fixed character), and
names, e-mails, phone numbers and addresses come from Faker in the schema's locale. Each
function is deterministic for a given random generator and start index.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pandas as pd
from faker import Faker

from agentgan.errors import SchemaError
from agentgan.schema.columns import Column
from agentgan.tools.identifiers import make_identifiers

FAKER_POOL_SIZE = 20_000
"""Distinct Faker values drawn per column; larger tables sample from this pool."""


def generate_values(
    column: Column,
    count: int,
    rng: np.random.Generator | None,
    *,
    start: int = 0,
    locale: str = "en_US",
) -> pd.Series:
    """Generate `count` values for a column with an `x-generator` annotation.

    Args:
        column: The column; its `generator` says how values are made.
        count: Number of values.
        rng: Random generator; the same state gives the same values. ID columns need none.
        start: Index of the first value, so that IDs continue across chunks.
        locale: Faker locale, for example `de_DE`.

    Raises:
        SchemaError: the generator kind or Faker provider is unknown.
    """
    generator = column.generator or {}
    kind = generator.get("kind")

    if kind == "id" and not generator.get("positions"):
        prefix = str(generator.get("prefix", ""))
        digits = int(generator.get("digits", 6))
        first = int(generator.get("start", 1)) + start
        numbers = np.arange(first, first + count)
        if column.type == "integer":
            return pd.Series(numbers, dtype="int64")
        return pd.Series([f"{prefix}{number:0{digits}d}" for number in numbers], dtype=object)

    rng = rng if rng is not None else np.random.default_rng(0)
    if kind == "id":
        pattern = {"kind": "positional", "positions": generator["positions"]}
        return make_identifiers(pattern, count, rng)

    if kind == "uuid":
        raw = rng.integers(0, 2**63, size=(count, 2), dtype=np.int64)
        values = [str(uuid.UUID(int=(int(high) << 64 | int(low)), version=4)) for high, low in raw]
        return pd.Series(values, dtype=object)

    if kind == "faker":
        return _faker_values(column, count, rng, start=start, locale=locale)

    raise SchemaError(f"Column {column.name!r} has an unknown generator kind {kind!r}.")


def _faker_values(
    column: Column, count: int, rng: np.random.Generator, *, start: int, locale: str
) -> pd.Series:
    provider = str((column.generator or {}).get("provider", "word"))
    faker = Faker(locale)
    faker.seed_instance(int(rng.integers(0, 2**31 - 1)))

    method = getattr(faker, provider, None)
    if provider.startswith("_") or not callable(method):
        raise SchemaError(
            f"Column {column.name!r} names the Faker provider {provider!r}, which does not "
            "exist; use one such as name, email, phone_number, address, city or company."
        )

    pool_size = min(count, FAKER_POOL_SIZE)
    pool = [str(method()).replace("\n", ", ") for _ in range(pool_size)]
    if count <= pool_size:
        values = pool
    else:
        values = [pool[index] for index in rng.integers(0, pool_size, size=count)]

    if column.unique:
        values = _make_unique(values, provider, start)
    return pd.Series(values, dtype=object)


def _make_unique(values: list[Any], provider: str, start: int) -> list[Any]:
    """Append the row index to repeated values so that each stays distinct."""
    unique: list[Any] = []
    for offset, value in enumerate(values):
        index = start + offset
        if provider == "email" and "@" in value:
            local, domain = value.split("@", 1)
            unique.append(f"{local}.{index}@{domain}")
        else:
            unique.append(f"{value} {index}")
    return unique
