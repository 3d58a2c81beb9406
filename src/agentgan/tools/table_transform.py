"""Reversible column transforms that let CTGAN respect a schema.

CTGAN models every numeric column as an unbounded mixture of Gaussians and every discrete
column as a category. `TableTransform` moves each schema column into a space where that
model fits, and back:

- numbers: the normal score of their rank among the seed values, and back through the
  seed's quantiles, interpolated between seed values and out to the declared bounds (or
  the seed's range widened by a tenth, never below zero where every seed value is
  non-negative). Samples fall inside the bounds without piling up at them, skewed
  amounts keep their skew, and a value that many seed rows share (late fees of 0) keeps
  its share;
- integers with few distinct values: categories; other integers: rounded after sampling;
- dates and datetimes: the same on days since 1970, inside the seed's own range;
- a column declared `a >= b` (or `<=`, `>`, `<`) against another date or number column:
  its position between the other column and its own seed maximum, so the order always holds;
- a number that is about the product of one or two other numbers in the seed (a total of
  months times a monthly charge): its ratio to that product, multiplied back after sampling;
- booleans: the categories "True" and "False", back as real booleans or the seed's tokens;
- text in a numeric column: `$60.00` and `1,200` read as numbers, tokens such as `N/A`,
  `unknown` and `no` read as missing, with a count per column;
- blanks where the schema allows null: a null-indicator category, or, when the seed's
  blanks fall exactly where another column takes certain values (`total_charges` blank
  only where `tenure_months == 0`), that condition; blanks where the schema forbids null
  are filled from the column's own seed values before training;
- constant columns, identifiers (distinct strings such as `C0001`, regenerated in the
  seed's pattern), Faker and derived columns: kept out of the GAN.

The fitted transform is a plain dict (`to_dict`/`from_dict`) so it saves as JSON.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from agentgan.schema.columns import Column, columns, is_generated
from agentgan.schema.sampler import finish_values, format_dates
from agentgan.tools.identifiers import learn_pattern, make_identifiers

MAX_KNOTS = 512
"""Most seed quantiles kept per numeric column."""

DISCRETE_INTEGER_LIMIT = 12
"""Integer columns with at most this many distinct seed values are modelled as categories."""

IDENTIFIER_MIN_ROWS = 5
"""Fewest distinct seed strings for a column to be read as an identifier."""

RANGE_MARGIN = 0.1
"""Share of the seed's span added beyond each side of an undeclared bound."""

CONDITION_MAX_VALUES = 3
"""Most values of another column that may explain where a column's blanks fall."""

RATIO_MAX_SPREAD = 0.25
"""Widest interquartile range of log(value / product) for a column modelled as a ratio."""

RATIO_MIN_CORRELATION = 0.95
"""Lowest correlation of log(value) with log(product) for a column modelled as a ratio."""

RATIO_MIN_ROWS = 10
RATIO_MAX_COLUMNS = 30
"""Tables with more numeric columns are not searched for products (the search is quadratic)."""

NULL_SUFFIX = "__is_null"
MISSING_TOKENS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "unknown",
        "no",
        "-",
        "--",
        "?",
        "missing",
        "nil",
        "#n/a",
    }
)
"""Text in a numeric column that stands for a missing number (compared in lower case)."""

_NUMBER_NOISE = re.compile(r"[\s$€£¥,%]")
_ORDER_RULE = re.compile(r"^\s*([A-Za-z_]\w*)\s*(>=|<=|>|<)\s*([A-Za-z_]\w*)\s*$")
_ID_NAME = re.compile(r"(^|_)(id|key|uuid)$|[a-z]Id$|ID$", re.IGNORECASE)
_GAN_KINDS = ("category", "boolean", "integer_category", "date", "quantile", "ordered", "ratio")


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
    knots: list[float] = field(default_factory=list)
    pattern: dict[str, Any] = field(default_factory=dict)
    null_when: dict[str, Any] = field(default_factory=dict)
    after: str | None = None
    factors: list[str] = field(default_factory=list)
    strict: bool = False
    dates: bool = False
    coercions: dict[str, int] = field(default_factory=dict)


class TableTransform:
    """Fits on seed rows and a schema; maps rows to CTGAN's space and back."""

    def __init__(
        self,
        schema: dict[str, Any],
        transforms: list[ColumnTransform],
        copy_guard: dict[str, Any] | None = None,
        targets: dict[str, dict[str, float]] | None = None,
        condition: str | None = None,
        pairs: list[dict[str, Any]] | None = None,
    ):
        self.schema = schema
        self.transforms = transforms
        self.copy_guard: dict[str, Any] = copy_guard or {}
        self.targets: dict[str, dict[str, float]] = targets or {}
        self.condition = condition
        self.pairs: list[dict[str, Any]] = pairs or []
        self._columns = {column.name: column for column in columns(schema)}

    @classmethod
    def fit(cls, frame: pd.DataFrame, schema: dict[str, Any]) -> TableTransform:
        """Choose a transform for every schema column from the seed rows."""
        parsed = [column for column in columns(schema) if column.name in frame]
        cleaned = clean_frame(frame, parsed)
        transforms = [_fit_column(column, cleaned[column.name]) for column in parsed]
        for transform, column in zip(transforms, parsed, strict=True):
            transform.coercions = _coercion_counts(column, frame[column.name], cleaned[column.name])
        by_name = {t.name: t for t in transforms}
        _fit_orders(schema, cleaned, by_name)
        _fit_ratios(cleaned, by_name)
        _fit_null_conditions(cleaned, by_name)
        return cls(schema, transforms)

    @property
    def discrete_columns(self) -> list[str]:
        """Columns of the transformed table that CTGAN treats as discrete."""
        names = []
        for transform in self.modelled:
            if transform.kind in ("category", "boolean", "integer_category"):
                names.append(transform.name)
            if transform.has_nulls and not transform.null_when:
                names.append(transform.name + NULL_SUFFIX)
        return names

    @property
    def continuous_columns(self) -> list[str]:
        """Columns of the transformed table that hold normal scores."""
        return [t.name for t in self.modelled if t.kind in ("quantile", "date", "ordered", "ratio")]

    @property
    def modelled(self) -> list[ColumnTransform]:
        """Transforms of the columns that go through the GAN."""
        return [t for t in self.transforms if t.kind in _GAN_KINDS]

    @property
    def coercions(self) -> dict[str, dict[str, int]]:
        """Per column, how many seed values were read from text or as missing."""
        return {t.name: t.coercions for t in self.transforms if t.coercions}

    @property
    def identifier_columns(self) -> list[str]:
        """Columns regenerated from a learned identifier pattern."""
        return [t.name for t in self.transforms if t.kind == "identifier"]

    def forward(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Map seed rows into the space CTGAN trains on."""
        parsed = [self._columns[t.name] for t in self.transforms]
        cleaned = clean_frame(frame, parsed)
        rng = np.random.default_rng(len(frame))
        out: dict[str, Any] = {}
        for transform in self.modelled:
            column = self._columns[transform.name]
            values = cleaned[transform.name]
            missing = values.isna()
            if transform.has_nulls and not transform.null_when:
                out[transform.name + NULL_SUFFIX] = np.where(missing, "null", "value")
            if missing.any() and (values.notna().any()):
                values = _fill_from_seed(values, rng)
            base = cleaned[transform.after] if transform.after else None
            if transform.kind == "ratio":
                base = _product(cleaned, transform.factors)
            out[transform.name] = _forward(transform, column, values, base)
        return pd.DataFrame(out, index=frame.index)

    def inverse(
        self, sampled: pd.DataFrame, rng: np.random.Generator, *, start: int = 0
    ) -> pd.DataFrame:
        """Map CTGAN's samples back to schema columns (schema-generated columns excluded).

        Args:
            sampled: CTGAN output in the transformed space.
            rng: Random generator for rounding noise and identifiers.
            start: Index of the first row, so that identifier sequences continue.
        """
        out: dict[str, Any] = {}
        count = len(sampled)
        later = [t for t in self.transforms if t.kind == "ordered"]
        for transform in self.transforms:
            column = self._columns[transform.name]
            if transform.kind in ("generated", "ordered", "ratio"):
                continue
            if transform.kind == "constant":
                out[transform.name] = _constant_series(
                    column, transform.constant, count, sampled.index
                )
            elif transform.kind == "identifier":
                out[transform.name] = make_identifiers(
                    transform.pattern, count, rng, start=start
                ).set_axis(sampled.index)
            else:
                out[transform.name] = _inverse(transform, column, sampled[transform.name], rng)
        for transform in self.transforms:
            if transform.kind == "ratio":
                column = self._columns[transform.name]
                out[transform.name] = _inverse_ratio(
                    transform, column, sampled[transform.name], _product(out, transform.factors), rng
                )
        for transform in later:
            column = self._columns[transform.name]
            assert transform.after is not None
            out[transform.name] = _inverse_ordered(
                transform, column, sampled[transform.name], out[transform.after], rng
            )

        for transform in self.modelled:
            if not transform.has_nulls:
                continue
            column = self._columns[transform.name]
            if transform.null_when:
                condition = out[transform.null_when["column"]]
                nulls = pd.Series(condition, index=sampled.index).isin(
                    transform.null_when["values"]
                )
            else:
                nulls = sampled[transform.name + NULL_SUFFIX] == "null"
            out[transform.name] = _with_nulls(column, out[transform.name], nulls)
        return pd.DataFrame(out, index=sampled.index)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable form of the fitted transform."""
        return {
            "schema": self.schema,
            "transforms": [asdict(t) for t in self.transforms],
            "copy_guard": self.copy_guard,
            "targets": self.targets,
            "condition": self.condition,
            "pairs": self.pairs,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableTransform:
        """Rebuild a transform saved with `to_dict`."""
        transforms = [ColumnTransform(**item) for item in data["transforms"]]
        return cls(
            data["schema"],
            transforms,
            data.get("copy_guard"),
            data.get("targets"),
            data.get("condition"),
            data.get("pairs"),
        )


def clean_frame(frame: pd.DataFrame, parsed: list[Column]) -> pd.DataFrame:
    """Return a copy with text in numeric columns read as numbers or missing."""
    cleaned = frame.copy()
    for column in parsed:
        if column.is_numeric and column.name in cleaned and cleaned[column.name].dtype == object:
            cleaned[column.name] = coerce_numbers(cleaned[column.name])
    return cleaned


def coerce_numbers(values: pd.Series) -> pd.Series:
    """Read text such as `$60.00`, `1,200` or `15%` as numbers; missing tokens as NaN."""
    numeric = pd.to_numeric(values, errors="coerce")
    text = values.where(numeric.isna() & values.notna())
    if text.notna().any():
        stripped = text.dropna().astype(str).str.strip()
        tokens = stripped.str.lower().isin(MISSING_TOKENS)
        parsed = pd.to_numeric(stripped.str.replace(_NUMBER_NOISE, "", regex=True), errors="coerce")
        numeric.loc[parsed.index] = parsed.where(~tokens)
    bools = values.map(lambda value: isinstance(value, (bool, np.bool_)))
    return numeric.where(~bools).astype("float64")


def _coercion_counts(column: Column, raw: pd.Series, cleaned: pd.Series) -> dict[str, int]:
    """Count seed values read from text (`$60.00`), read as missing (`N/A`), and blanks."""
    if not column.is_numeric:
        return {}
    plain = pd.to_numeric(raw, errors="coerce")
    text = raw.map(lambda value: isinstance(value, str) and value.strip() != "")
    counts = {
        "read_as_number": int((text & plain.isna() & cleaned.notna()).sum()),
        "read_as_missing": int((text & cleaned.isna()).sum()),
        "blank": int(
            (raw.isna() | raw.map(lambda value: isinstance(value, str) and not value.strip())).sum()
        ),
    }
    return counts if any(counts.values()) else {}


def _fit_column(column: Column, values: pd.Series) -> ColumnTransform:
    name = column.name
    present = values.dropna()
    if _positional_id(column) and len(present) > 0:
        # The schema's positions, with the seed values' hashes so no new ID equals one.
        text = present.astype(str).to_numpy(dtype=object)
        pattern = {
            "kind": "positional",
            "positions": (column.generator or {})["positions"],
            "seed_hashes": [int(h) for h in pd.util.hash_array(text)],
        }
        return ColumnTransform(name, "identifier", pattern=pattern)
    if is_generated(column):
        return ColumnTransform(name, "generated")

    has_nulls = bool(values.isna().any()) and len(present) > 0 and column.nullable
    if present.nunique() <= 1:
        constant = present.iloc[0] if len(present) else None
        return ColumnTransform(name, "constant", constant=_plain(constant))

    if _is_identifier(column, present):
        pattern = learn_pattern(present, integer=column.type == "integer")
        return ColumnTransform(name, "identifier", pattern=pattern)

    if column.type == "boolean" or (column.enum is None and _is_boolean(present)):
        tokens = (
            {}
            if column.type == "boolean"
            else {str(_truthy(v)): _plain(v) for v in present.unique()}
        )
        return ColumnTransform(name, "boolean", tokens=tokens, has_nulls=has_nulls)

    if column.is_date:
        days = _to_days(present)
        return ColumnTransform(
            name,
            "date",
            lower=float(days.min()),
            upper=float(days.max()),
            knots=_knots(days),
            has_nulls=has_nulls,
            dates=True,
        )

    if not column.is_numeric or column.enum is not None:
        return ColumnTransform(name, "category", has_nulls=has_nulls)

    numeric = present.astype(float)
    fill = float(numeric.median())
    if column.type == "integer" and numeric.nunique() <= DISCRETE_INTEGER_LIMIT:
        return ColumnTransform(name, "integer_category", fill=fill, has_nulls=has_nulls)

    lower, upper = _soft_bounds(column, numeric)
    return ColumnTransform(
        name,
        "quantile",
        lower=lower,
        upper=upper,
        fill=fill,
        knots=_knots(numeric),
        has_nulls=has_nulls,
    )


def _soft_bounds(column: Column, numeric: pd.Series) -> tuple[float, float]:
    """Return the declared bounds, else the seed's range widened by `RANGE_MARGIN` of its span.

    A column whose seed values are all non-negative (an amount, a count) stays
    non-negative. Samples far outside the seed's range are noise from a GAN trained on a
    few rows, so the quantile interpolation ends at these bounds.
    """
    low, high = float(numeric.min()), float(numeric.max())
    span = max(high - low, abs(high) * 0.1, 1e-6)
    lower = column.lower if column.lower is not None else low - RANGE_MARGIN * span
    upper = column.upper if column.upper is not None else high + RANGE_MARGIN * span
    if column.lower is None and low >= 0:
        lower = max(lower, 0.0)
    return float(lower), float(upper)


def _positional_id(column: Column) -> bool:
    """An ID column whose schema generator draws values position by position."""
    generator = column.generator or {}
    return generator.get("kind") == "id" and bool(generator.get("positions"))


def _is_identifier(column: Column, present: pd.Series) -> bool:
    """Distinct strings (or integers named like an ID) that a GAN could only copy."""
    if column.enum is not None or column.is_date or column.type == "boolean":
        return False
    if len(present) < IDENTIFIER_MIN_ROWS or present.nunique() != len(present):
        return False
    if column.type == "string":
        return column.format is None and not _is_boolean(present)
    return column.type == "integer" and bool(_ID_NAME.search(column.name))


def _fit_orders(
    schema: dict[str, Any], frame: pd.DataFrame, by_name: dict[str, ColumnTransform]
) -> None:
    """Model `a >= b` columns as a position between b and a's own seed maximum."""
    for text in schema.get("x-constraints", []) or []:
        match = _ORDER_RULE.match(str(text))
        if not match:
            continue
        left, op, right = match.groups()
        high, low = (left, right) if op in (">=", ">") else (right, left)
        first, second = by_name.get(high), by_name.get(low)
        if first is None or second is None or first.after or second.kind == "ordered":
            continue
        if first.kind == "date" and second.kind == "date":
            high_values, low_values = _to_days(frame[high]), _to_days(frame[low])
        elif first.kind == "quantile" and second.kind in ("quantile", "integer_category"):
            high_values, low_values = frame[high].astype(float), frame[low].astype(float)
        else:
            continue
        both = high_values.notna() & low_values.notna()
        if not both.any() or (high_values[both] < low_values[both]).mean() > 0.01:
            continue
        first.kind, first.after, first.strict = "ordered", low, op in (">", "<")
        first.dates = second.dates
        first.lower = float(high_values.min())
        first.upper = float(high_values.max())
        first.knots = _knots(_position(first, high_values[both], low_values[both]))


def _fit_ratios(frame: pd.DataFrame, by_name: dict[str, ColumnTransform]) -> None:
    """Model a column that is about the product of one or two others as its ratio to them.

    A total that is about `tenure * MonthlyCharges` loses that link when the GAN learns it
    as a free column: on 300 Telco rows its correlation with the product fell from 1.00 to
    0.45. Such a column is modelled as `value / product`, and the product of the sampled
    factors is multiplied back in. A column qualifies when, on rows where it and the
    product are positive, the middle half of log(value / product) spans at most
    `RATIO_MAX_SPREAD` and log(value) correlates with log(product) at `RATIO_MIN_CORRELATION`
    or more. The tightest product wins. Its `knots` become those of the ratio.
    """
    numeric = [
        t for t in by_name.values() if t.kind in ("quantile", "integer_category") and not t.after
    ]
    if len(numeric) < 2 or len(numeric) > RATIO_MAX_COLUMNS:
        return
    factor_names: set[str] = set()
    for target in numeric:
        # A factor of another ratio stays a plain column, so every factor is sampled first.
        if target.kind != "quantile" or target.name in factor_names:
            continue
        values = frame[target.name].astype(float)
        candidates = [
            [t.name for t in group]
            for size in (1, 2)
            for group in combinations([t for t in numeric if t is not target], size)
            if all(t.kind != "ratio" for t in group)
        ]
        best: tuple[float, list[str], pd.Series] | None = None
        for factors in candidates:
            product = _product(frame, factors)
            ratios = _ratios(values, product)
            spread = _ratio_spread(values, ratios, product)
            if spread is not None and (best is None or spread < best[0]):
                best = (spread, factors, ratios)
        if best is not None:
            target.kind, target.factors = "ratio", best[1]
            target.knots = _knots(best[2].dropna())
            factor_names.update(best[1])


def _ratio_spread(values: pd.Series, ratios: pd.Series, product: pd.Series) -> float | None:
    """Return the interquartile range of log ratios when the product fits, else None."""
    usable = ratios.notna() & (ratios > 0)
    if int(usable.sum()) < RATIO_MIN_ROWS or usable.mean() < 0.5:
        return None
    logs = np.log(ratios[usable])
    spread = float(logs.quantile(0.75) - logs.quantile(0.25))
    if spread > RATIO_MAX_SPREAD or product[usable].nunique() < 3:
        return None
    correlation = np.corrcoef(np.log(values[usable]), np.log(product[usable]))[0, 1]
    return spread if correlation >= RATIO_MIN_CORRELATION else None


def _product(frame: pd.DataFrame | dict[str, Any], factors: list[str]) -> pd.Series:
    """Multiply the factor columns (missing values stay missing)."""
    result: pd.Series | None = None
    for name in factors:
        values = pd.to_numeric(pd.Series(frame[name]), errors="coerce").astype(float)
        result = values if result is None else result * values.to_numpy()
    assert result is not None
    return result


def _ratios(values: pd.Series, product: pd.Series) -> pd.Series:
    """Divide by the product where both are positive; missing elsewhere."""
    positive = (values > 0) & (product.to_numpy() > 0)
    return (values / product.to_numpy()).where(positive)


def _inverse_ratio(
    transform: ColumnTransform,
    column: Column,
    values: pd.Series,
    product: pd.Series,
    rng: np.random.Generator,
) -> pd.Series:
    """Multiply the sampled ratio by the sampled factors' product, inside the column's bounds."""
    ratio = _from_normal(
        pd.to_numeric(values, errors="coerce").astype(float), transform.knots, None, None
    )
    restored = (ratio * product.to_numpy()).clip(transform.lower, transform.upper)
    return finish_values(column, restored.set_axis(values.index), rng)


def _fit_null_conditions(frame: pd.DataFrame, by_name: dict[str, ColumnTransform]) -> None:
    """Find another column whose values mark exactly the rows where a column is blank."""
    for transform in by_name.values():
        if not transform.has_nulls:
            continue
        missing = frame[transform.name].isna()
        for other in by_name.values():
            if (
                other.name == transform.name
                or other.has_nulls
                or other.kind not in ("category", "boolean", "integer_category", "quantile")
            ):
                continue
            values = frame[other.name]
            if values.isna().any() or (other.kind == "quantile" and not _whole(values)):
                continue
            marked = set(values[missing].unique().tolist())
            if len(marked) > CONDITION_MAX_VALUES or int(missing.sum()) < 2 * len(marked):
                continue  # a condition needs at least two blank rows per value it names
            if not values.isin(marked).eq(missing).all():
                continue
            transform.null_when = {
                "column": other.name,
                "values": sorted(_plain(v) for v in marked),
            }
            break


def _whole(values: pd.Series) -> bool:
    numeric = pd.to_numeric(values, errors="coerce")
    return bool(numeric.notna().all() and (numeric == np.round(numeric)).all())


def _fill_from_seed(values: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Fill missing values with values drawn from the column's present seed values."""
    present = values.dropna().to_numpy()
    missing = values.isna()
    filled = values.copy()
    filled[missing] = present[rng.integers(0, len(present), size=int(missing.sum()))]
    return filled


def _forward(
    transform: ColumnTransform, column: Column, values: pd.Series, base: pd.Series | None
) -> Any:
    kind = transform.kind
    if kind in ("category", "integer_category"):
        return values.map(
            lambda value: "__null__" if pd.isna(value) else str(_plain(value))
        ).to_numpy()
    if kind == "boolean":
        return values.map(
            lambda value: "__null__" if pd.isna(value) else str(_truthy(value))
        ).to_numpy()
    if kind == "date":
        return _to_normal(_to_days(values), transform.knots)
    if kind == "ratio":
        assert base is not None
        # Rows without a ratio (a zero product, a blank value) take the median ratio.
        ratios = _ratios(values.astype(float), base).fillna(float(np.median(transform.knots)))
        return _to_normal(ratios, transform.knots)
    if kind == "ordered":
        high = _to_days(values) if transform.dates else values.astype(float)
        low = _to_days(base) if transform.dates else base.astype(float)  # type: ignore[union-attr]
        return _to_normal(_position(transform, high, low), transform.knots)
    return _to_normal(values.astype(float), transform.knots)


def _inverse(
    transform: ColumnTransform, column: Column, values: pd.Series, rng: np.random.Generator
) -> pd.Series:
    kind = transform.kind
    if kind == "category":
        if column.enum is not None:
            by_text = {str(value): value for value in column.enum}
            return values.map(by_text).astype(object)
        return values.where(values != "__null__", None).astype(object)
    if kind == "integer_category":
        numeric = pd.to_numeric(values.where(values != "__null__"), errors="coerce")
        return finish_values(column, numeric, rng)
    if kind == "boolean":
        if column.type == "boolean":
            mapped = values.map({"True": True, "False": False})
            return mapped.astype(bool) if mapped.notna().all() else mapped.astype(object)
        return values.map(
            {
                "True": transform.tokens.get("True", True),
                "False": transform.tokens.get("False", False),
            }
        ).astype(object)

    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    if kind == "date":
        return _days_to_text(
            column, _from_normal(numeric, transform.knots, transform.lower, transform.upper)
        )
    restored = _from_normal(numeric, transform.knots, transform.lower, transform.upper)
    return finish_values(column, restored, rng)


def _inverse_ordered(
    transform: ColumnTransform,
    column: Column,
    values: pd.Series,
    base: pd.Series,
    rng: np.random.Generator,
) -> pd.Series:
    """Place the column between its sampled partner and its own seed limit."""
    position = _from_normal(
        pd.to_numeric(values, errors="coerce").astype(float), transform.knots, 0.0, 1.0
    )
    low = _to_days(base) if transform.dates else pd.to_numeric(base, errors="coerce").astype(float)
    assert transform.lower is not None and transform.upper is not None
    start = np.maximum(low.fillna(transform.lower), transform.lower)
    span = np.maximum(transform.upper - start, 0.0)
    high = start + position * span
    if transform.dates:
        step = 1.0 if column.format == "date" else 1.0 / 86400.0
        high = np.ceil(high / step) * step if transform.strict else high
        return _days_to_text(column, high)
    finished = finish_values(column, high, rng)
    if column.type == "integer":
        floor = np.ceil(start + (0.5 if transform.strict else 0.0))
        finished = finished.where(finished >= floor, floor).astype(finished.dtype)
    return finished


def _days_to_text(column: Column, days: pd.Series) -> pd.Series:
    seconds = np.floor(days.to_numpy(dtype=float) * 86400.0)
    stamps = pd.Series(pd.to_datetime(seconds, unit="s"), index=days.index)
    return format_dates(column, stamps).astype(object)


def _with_nulls(column: Column, values: pd.Series, nulls: pd.Series) -> pd.Series:
    """Blank the marked rows, keeping integer columns integer (nullable Int64)."""
    if not nulls.any():
        return values
    if column.type == "integer":
        return pd.Series(values, dtype="Int64").mask(nulls.to_numpy())
    if column.type == "number":
        return pd.Series(values, dtype="float64").mask(nulls.to_numpy())
    return pd.Series(values).astype(object).mask(nulls.to_numpy(), None)


def _constant_series(column: Column, value: Any, count: int, index: pd.Index) -> pd.Series:
    series = pd.Series([value] * count, index=index)
    if column.type == "boolean" and isinstance(value, (bool, np.bool_)):
        return series.astype(bool)
    if column.is_numeric and value is not None:
        return pd.Series(np.full(count, value), index=index)
    return series


def _knots(values: pd.Series) -> list[float]:
    """Return the sorted seed values, thinned to `MAX_KNOTS` quantiles for large seeds."""
    # NOTE: for seeds of up to MAX_KNOTS rows the saved transform contains each numeric
    # column's seed values (sorted, so not linked across columns); the copy guard stores
    # whole rows only as hashes.
    ordered = np.sort(values.dropna().to_numpy(dtype=float))
    if len(ordered) > MAX_KNOTS:
        ordered = np.quantile(ordered, (np.arange(MAX_KNOTS) + 0.5) / MAX_KNOTS)
    return [float(v) for v in ordered]


def _to_normal(values: pd.Series, knots: list[float]) -> Any:
    """Normal score of each value's mid-rank among the knots (ties share one score)."""
    points = np.asarray(knots, dtype=float)
    numeric = values.to_numpy(dtype=float)
    count = len(points)
    below = np.searchsorted(points, numeric, side="left")
    through = np.searchsorted(points, numeric, side="right")
    share = ((below + through) / (2.0 * count)).clip(0.5 / count, 1 - 0.5 / count)
    return ndtri(share)


def _from_normal(
    scores: pd.Series, knots: list[float], lower: float | None, upper: float | None
) -> pd.Series:
    """Map normal scores back through the knots, interpolating out to the bounds."""
    points = np.asarray(knots, dtype=float)
    count = len(points)
    low = points[0] if lower is None else min(lower, points[0])
    high = points[-1] if upper is None else max(upper, points[-1])
    shares = np.concatenate([[0.0], (np.arange(count) + 0.5) / count, [1.0]])
    values = np.concatenate([[low], points, [high]])
    filled = np.nan_to_num(scores.to_numpy(dtype=float), nan=0.0)
    return pd.Series(np.interp(ndtr(filled), shares, values), index=scores.index)


def _position(transform: ColumnTransform, high: pd.Series, low: pd.Series) -> pd.Series:
    """Return where `high` lies between `max(low, own minimum)` and its seed maximum, in [0, 1]."""
    assert transform.lower is not None and transform.upper is not None
    start = np.maximum(low.fillna(transform.lower), transform.lower)
    span = np.maximum(transform.upper - start, 1e-9)
    return ((high - start) / span).clip(0.0, 1.0)


def _to_days(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, errors="coerce")
    return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0


_TRUE_TOKENS = {"true", "yes", "y", "1", "t"}
_FALSE_TOKENS = {"false", "no", "n", "0", "f"}


def _is_boolean(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    if values.dtype != object:
        return False
    if not all(isinstance(v, (str, bool, np.bool_)) for v in values.unique()):
        return False
    tokens = {str(value).strip().lower() for value in values.unique()}
    return (
        len(tokens) == 2
        and tokens <= (_TRUE_TOKENS | _FALSE_TOKENS)
        and not (tokens <= _TRUE_TOKENS or tokens <= _FALSE_TOKENS)
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in _TRUE_TOKENS


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python ones so transforms stay JSON-serializable."""
    if isinstance(value, np.generic):
        return value.item()
    return value
