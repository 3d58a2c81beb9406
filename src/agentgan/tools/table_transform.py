"""Reversible column transforms that let CTGAN respect a schema.

CTGAN models every numeric column as an unbounded mixture of Gaussians and every discrete
column as a category. `TableTransform` moves each schema column into a space where that
model fits, and back:

- numbers bounded on both sides: logit of the position inside the bounds, so samples
  fall inside without piling up at the bounds;
- positive, skewed numbers bounded below only: `log(x - lower + 1)`;
- integers with few distinct values: categories; other integers: rounded after sampling;
- dates and datetimes: days since 1970 inside the seed's own range;
- booleans: the categories "True" and "False", mapped back to the seed's tokens;
- blanks in a numeric column: a separate null-indicator category plus a filled value;
- constant columns, ID and Faker columns and derived columns: kept out of the GAN.

The fitted transform is a plain dict (`to_dict`/`from_dict`) so it saves as JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from agentgan.schema.columns import Column, columns, is_generated
from agentgan.schema.sampler import finish_values, format_dates

LOGIT_MARGIN = 1e-3
"""Share of the bounded range kept free at each edge before the logit."""

DISCRETE_INTEGER_LIMIT = 12
"""Integer columns with at most this many distinct seed values are modelled as categories."""

SKEW_THRESHOLD = 1.0
"""Sample skewness above which a lower-bounded number is log-transformed."""

NULL_SUFFIX = "__is_null"


@dataclass
class ColumnTransform:
    """How one column enters and leaves the GAN."""

    name: str
    kind: str
    lower: float | None = None
    upper: float | None = None
    fill: float | None = None
    constant: Any = None
    has_nulls: bool = False
    tokens: dict[str, Any] = field(default_factory=dict)


class TableTransform:
    """Fits on seed rows and a schema; maps rows to CTGAN's space and back."""

    def __init__(self, schema: dict[str, Any], transforms: list[ColumnTransform]):
        self.schema = schema
        self.transforms = transforms
        self._columns = {column.name: column for column in columns(schema)}

    @classmethod
    def fit(cls, frame: pd.DataFrame, schema: dict[str, Any]) -> TableTransform:
        """Choose a transform for every schema column from the seed rows."""
        transforms = [_fit_column(column, frame[column.name]) for column in columns(schema)
                      if column.name in frame]
        return cls(schema, transforms)

    @property
    def discrete_columns(self) -> list[str]:
        """Columns of the transformed table that CTGAN treats as discrete."""
        names = []
        for transform in self.transforms:
            if transform.kind in ("category", "boolean", "integer_category"):
                names.append(transform.name)
            if transform.has_nulls:
                names.append(transform.name + NULL_SUFFIX)
        return names

    @property
    def modelled(self) -> list[ColumnTransform]:
        """Transforms of the columns that go through the GAN."""
        return [t for t in self.transforms if t.kind not in ("constant", "generated")]

    def forward(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Map seed rows into the space CTGAN trains on."""
        out: dict[str, Any] = {}
        for transform in self.modelled:
            values = frame[transform.name]
            if transform.has_nulls:
                out[transform.name + NULL_SUFFIX] = values.isna().map({True: "null", False: "value"})
            out[transform.name] = _forward(transform, values)
        return pd.DataFrame(out, index=frame.index)

    def inverse(self, sampled: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Map CTGAN's samples back to schema columns (generated columns excluded)."""
        out: dict[str, Any] = {}
        for transform in self.transforms:
            if transform.kind == "generated":
                continue
            column = self._columns[transform.name]
            if transform.kind == "constant":
                out[transform.name] = pd.Series([transform.constant] * len(sampled), index=sampled.index)
                continue
            values = _inverse(transform, column, sampled[transform.name], rng)
            if transform.has_nulls:
                nulls = sampled[transform.name + NULL_SUFFIX] == "null"
                values = values.astype(object).where(~nulls, None)
                if column.is_numeric:
                    values = pd.to_numeric(values)
                    if column.type == "integer":
                        values = values.astype("Int64")
            out[transform.name] = values
        return pd.DataFrame(out, index=sampled.index)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable form of the fitted transform."""
        return {"schema": self.schema, "transforms": [asdict(t) for t in self.transforms]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableTransform:
        """Rebuild a transform saved with `to_dict`."""
        return cls(data["schema"], [ColumnTransform(**item) for item in data["transforms"]])


def _fit_column(column: Column, values: pd.Series) -> ColumnTransform:
    name = column.name
    if is_generated(column):
        return ColumnTransform(name, "generated")

    present = values.dropna()
    has_nulls = bool(values.isna().any()) and len(present) > 0
    if present.nunique() <= 1:
        constant = present.iloc[0] if len(present) else None
        return ColumnTransform(name, "constant", constant=_plain(constant))

    if column.type == "boolean" or _is_boolean(present):
        tokens = {str(_truthy(value)): _plain(value) for value in present.unique()}
        return ColumnTransform(name, "boolean", tokens=tokens, has_nulls=has_nulls)

    if column.is_date:
        days = _to_days(present)
        return ColumnTransform(name, "date", lower=float(days.min()), upper=float(days.max()),
                               fill=float(days.median()), has_nulls=has_nulls)

    if not column.is_numeric or column.enum is not None:
        return ColumnTransform(name, "category", has_nulls=has_nulls)

    numeric = pd.to_numeric(present, errors="coerce").astype(float)
    fill = float(numeric.median())
    if column.type == "integer" and numeric.nunique() <= DISCRETE_INTEGER_LIMIT:
        return ColumnTransform(name, "integer_category", fill=fill, has_nulls=has_nulls)

    lower, upper = column.lower, column.upper
    if lower is not None and upper is not None:
        return ColumnTransform(name, "bounded", lower=lower, upper=upper, fill=fill, has_nulls=has_nulls)
    if lower is not None and float(numeric.skew()) > SKEW_THRESHOLD:
        return ColumnTransform(name, "log", lower=lower, upper=upper, fill=fill, has_nulls=has_nulls)
    return ColumnTransform(name, "number", lower=lower, upper=upper, fill=fill, has_nulls=has_nulls)


def _forward(transform: ColumnTransform, values: pd.Series) -> pd.Series:
    kind = transform.kind
    if kind in ("category", "integer_category"):
        return values.map(lambda value: "__null__" if pd.isna(value) else str(_plain(value)))
    if kind == "boolean":
        return values.map(lambda value: "__null__" if pd.isna(value) else str(_truthy(value)))

    if kind == "date":
        numeric = _to_days(values).fillna(transform.fill)
        return _logit(numeric, transform.lower, transform.upper)

    numeric = pd.to_numeric(values, errors="coerce").astype(float).fillna(transform.fill)
    if kind == "bounded":
        return _logit(numeric, transform.lower, transform.upper)
    if kind == "log":
        assert transform.lower is not None
        return np.log(np.maximum(numeric - transform.lower, 0.0) + 1.0)
    return numeric


def _inverse(
    transform: ColumnTransform, column: Column, values: pd.Series, rng: np.random.Generator
) -> pd.Series:
    kind = transform.kind
    if kind == "category":
        restored = values.replace("__null__", None)
        if column.enum is not None:
            by_text = {str(value): value for value in column.enum}
            restored = restored.map(lambda value: by_text.get(value, value) if value is not None else None)
        return restored
    if kind == "integer_category":
        numeric = pd.to_numeric(values.replace("__null__", np.nan), errors="coerce")
        return finish_values(column, numeric, rng)
    if kind == "boolean":
        return values.map(lambda value: transform.tokens.get(value, value == "True") if value != "__null__" else None)

    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    if kind == "date":
        days = _sigmoid(numeric, transform.lower, transform.upper)
        stamps = pd.to_datetime(days * 86400.0, unit="s").dt.floor("s")
        return format_dates(column, stamps)
    if kind == "bounded":
        numeric = _sigmoid(numeric, transform.lower, transform.upper)
    elif kind == "log":
        assert transform.lower is not None
        numeric = np.exp(numeric.clip(upper=50)) - 1.0 + transform.lower
    return finish_values(column, numeric, rng)


def _logit(values: pd.Series, lower: float | None, upper: float | None) -> pd.Series:
    assert lower is not None and upper is not None
    span = max(upper - lower, 1e-9)
    position = ((values - lower) / span).clip(LOGIT_MARGIN, 1 - LOGIT_MARGIN)
    return np.log(position / (1 - position))


def _sigmoid(values: pd.Series, lower: float | None, upper: float | None) -> pd.Series:
    assert lower is not None and upper is not None
    position = 1.0 / (1.0 + np.exp(-values.clip(-50, 50)))
    return lower + position * (upper - lower)


def _to_days(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, errors="coerce")
    return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0


_TRUE_TOKENS = {"true", "yes", "y", "1", "t"}
_FALSE_TOKENS = {"false", "no", "n", "0", "f"}


def _is_boolean(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    tokens = {str(value).strip().lower() for value in values.unique()}
    return len(tokens) == 2 and tokens <= (_TRUE_TOKENS | _FALSE_TOKENS) and not (
        tokens <= _TRUE_TOKENS or tokens <= _FALSE_TOKENS
    ) and values.dtype == object


def _truthy(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in _TRUE_TOKENS


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python ones so transforms stay JSON-serializable."""
    if isinstance(value, np.generic):
        return value.item()
    return value
