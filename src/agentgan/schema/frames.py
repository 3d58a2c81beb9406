"""Conversion between row records in the state and typed DataFrames.

Seed rows travel in the graph state as JSON objects. `typed_frame` turns them back into a
DataFrame whose numeric columns have numeric dtypes, without coercing anything that is not
already a number: a value such as "forty" stays text so that the validator reports it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from agentgan.schema.columns import columns


def typed_frame(rows: list[dict[str, Any]] | pd.DataFrame, schema: dict[str, Any]) -> pd.DataFrame:
    """Return the rows as a DataFrame in schema column order with numeric dtypes.

    Columns the schema declares but the rows lack are absent, so that the validator reports
    them as missing; columns the rows have but the schema lacks are dropped.
    """
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    names = [column.name for column in columns(schema) if column.name in frame]
    frame = frame[names]

    for column in columns(schema):
        if column.name not in frame:
            continue
        values = frame[column.name]
        if column.is_numeric and values.dtype == object:
            present = values.dropna()
            if all(_is_number(value) for value in present):
                values = pd.to_numeric(values, errors="coerce")
        if column.type == "integer" and pd.api.types.is_float_dtype(values):
            whole = values.dropna()
            if (whole == np.round(whole)).all():
                values = values.astype("Int64") if values.isna().any() else values.astype("int64")
        if column.type == "boolean" and values.dtype == object:
            if all(isinstance(value, (bool, np.bool_)) for value in values.dropna()) and not values.isna().any():
                values = values.astype(bool)
        frame[column.name] = values
    return frame.reset_index(drop=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
