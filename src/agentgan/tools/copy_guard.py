"""Privacy guard: sampled rows that copy a seed row are dropped.

A row copies a seed row when it equals that row on every column the GAN learned
(identifier, Faker and derived columns are left out: they are made fresh for every row).
Seed rows are kept only as 64-bit hashes of a normalized form, so the model folder contains
no seed row in clear.

When the seed's columns are all discrete and allow few combinations of values (three
columns of three, three and two values allow 18), a faithful model cannot avoid
repeating seed rows. The guard then allows copies up to the share of those combinations
that the seed holds, and drops the excess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from agentgan.tools.table_transform import TableTransform

DISCRETE_KINDS = ("category", "boolean", "integer_category", "constant")
COMBINATION_FACTOR = 20
"""Copies are forbidden outright when the value combinations exceed the seed rows this many times."""


def fit_copy_guard(seeds: pd.DataFrame, transform: TableTransform) -> dict[str, Any]:
    """Return the guard for a fitted transform: compared columns, seed hashes, allowed share."""
    from agentgan.tools.table_transform import clean_frame

    names = [t.name for t in transform.transforms if t.kind not in ("generated", "identifier")]
    if not names or seeds.empty:
        return {"columns": [], "hashes": [], "allowed_share": 0.0}
    parsed = [c for c in _columns(transform) if c.name in names]
    cleaned = clean_frame(seeds, parsed)
    hashes = np.unique(row_hashes(cleaned, names))

    kinds = {t.name: t.kind for t in transform.transforms}
    combinations = 1.0
    for name in names:
        if kinds[name] not in DISCRETE_KINDS:
            combinations = float("inf")
            break
        combinations *= max(cleaned[name].nunique(dropna=False), 1)
    allowed = 0.0
    if combinations < COMBINATION_FACTOR * len(seeds):
        allowed = min(1.0, len(hashes) / combinations)
    return {
        "columns": names,
        "hashes": [int(h) for h in hashes],
        "allowed_share": round(allowed, 4),
        "combinations": None if combinations == float("inf") else int(combinations),
    }


def keep_novel(frame: pd.DataFrame, guard: dict[str, Any], rng: np.random.Generator) -> pd.Series:
    """Mark rows to keep: all novel rows, and copies only up to the allowed share."""
    names = [name for name in guard.get("columns", []) if name in frame]
    if not names or not guard.get("hashes"):
        return pd.Series(True, index=frame.index)
    copies = np.isin(row_hashes(frame, names), np.asarray(guard["hashes"], dtype=np.uint64))
    keep = ~copies
    allowed = int(np.floor(guard.get("allowed_share", 0.0) * len(frame)))
    if allowed and copies.any():
        positions = np.flatnonzero(copies)
        chosen = rng.permutation(positions)[:allowed]
        keep[chosen] = True
    return pd.Series(keep, index=frame.index)


def copy_share(frame: pd.DataFrame, guard: dict[str, Any]) -> float:
    """Share of rows equal to a seed row on the guard's columns."""
    names = [name for name in guard.get("columns", []) if name in frame]
    if not names or frame.empty:
        return 0.0
    hashes = np.asarray(guard.get("hashes", []), dtype=np.uint64)
    return float(np.isin(row_hashes(frame, names), hashes).mean())


def row_hashes(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Hash each row's values on `names`, with numbers compared to six decimals."""
    normalized = {}
    for name in names:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values):
            normalized[name] = values.astype(str)
        elif pd.api.types.is_numeric_dtype(values):
            normalized[name] = pd.to_numeric(values).astype("float64").round(6)
        elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            normalized[name] = values.astype(object).where(values.notna(), "nan")
        else:
            normalized[name] = values.map(_text)
    return pd.util.hash_pandas_object(pd.DataFrame(normalized), index=False).to_numpy()


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "nan"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.number)):
        return str(round(float(value), 6))
    return str(value)


def _columns(transform: TableTransform) -> list[Any]:
    from agentgan.schema.columns import columns

    return columns(transform.schema)
