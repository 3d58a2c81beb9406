"""Reading a user's own table and inferring a dataset schema from it.

`read_sample` reads a CSV or Parquet export as it comes from real systems: it detects the
text encoding (UTF-8, else cp1252, else latin-1, with a warning) and the separator, strips
the spaces around values, turns missing-value tokens into missing values, and coerces
mostly-numeric text (`$60.00`, `1,234.5`) to numbers, counting every coercion per column.
`infer_schema` then describes the cleaned table as a dataset schema: types, bounds,
categories with weights, null rates, ID columns, dates, and personal columns (e-mails,
names, phone numbers) that are regenerated with Faker instead of learned.

Every problem a user can fix raises `InputDataError` with the value and the fix.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agentgan.errors import InputDataError, InputNotFoundError
from agentgan.schema.assemble import SCHEMA_DIALECT
from agentgan.schema.check import check_schema
from agentgan.tools.identifiers import learn_pattern, positions_regex

logger = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SEPARATORS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")

MIN_SAMPLE_ROWS = 5
"""Minimum number of data rows in a sample; CTGAN cannot form a training batch from fewer."""

MAX_COLUMNS = 2000
"""Maximum number of columns in a sample, which is the meta-schema's limit on schema properties."""

MAX_NAME_LENGTH = 120
"""Maximum length of a column name in the meta-schema."""

MISSING_TOKENS = frozenset({"", "?", "na", "n/a", "nan", "null", "#n/a", "nil"})
"""Cell texts (compared in lower case, after stripping spaces) that mean "no value"."""

NUMERIC_MISSING_TOKENS = frozenset({"unknown", "no", "none", "-", "--", "missing", "not available"})
"""Further tokens read as missing only in a column that is otherwise numeric.

In a text column they stay values: "unknown" is a real category in many exports.
"""

NUMERIC_SHARE = 0.95
"""Share of a column's remaining values that must parse as numbers to make it numeric."""

DATE_SHARE = 0.95
"""Share of a text column's values that must parse as dates to make it a date column."""

PERSONAL_SHARE = 0.8
"""Share of values that must look like e-mails or phone numbers to mark a column personal."""

MAX_CATEGORIES = 500
"""Maximum number of distinct values of a text column modelled as a category."""

FREE_TEXT_SHARE = 0.5
"""Distinct-value share above which a text column with many values is treated as free text."""

SEED_ROWS_IN_STATE = 1000
"""Most rows of a real sample copied into the graph state; the seed table file holds them all."""

MAX_TEMPLATE_WIDTH = 40
"""Longest ID that is regenerated position by position. Longer ones become sequences."""

BOUND_MARGIN = 0.02
"""Share of a decimal column's observed range added below and above it as schema bounds.

Integer columns keep their observed bounds: counts, days of month and 0/1 flags have
hard limits that a margin would break.
"""

_CURRENCY = re.compile(
    r"^(?P<sign>-)?\s*[$€£¥]\s*(?P<number>-?[\d,]*\.?\d+)$|^(?P<number2>-?[\d,]*\.?\d+)\s*[$€£¥]$"
)
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"-?\d{1,3}(\.\d{3})*,\d+|-?\d+,\d+")
_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,22}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ID_NAME = re.compile(r"(^|[_\s-])(id|key|uuid|guid|code|number|no|ref)$|id$", re.IGNORECASE)
_NAME_WORDS = {
    "name": "name",
    "fullname": "name",
    "full_name": "name",
    "customer_name": "name",
    "first_name": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
}
_PHONE_NAME = re.compile(r"phone|mobile|cell|telephone|(^|_)tel($|_)|fax", re.IGNORECASE)
_EMAIL_NAME = re.compile(r"e-?mail", re.IGNORECASE)
_ADDRESS_NAME = re.compile(r"^(street_?)?address(_line_?\d)?$|^street$", re.IGNORECASE)


@dataclass
class SampleTable:
    """A cleaned sample table and what reading it changed.

    Attributes:
        frame: One column per input column; numbers as numeric dtypes, dates as ISO text,
            booleans as bool, everything else as stripped text, missing values as NA.
        kinds: Inferred kind per column: "integer", "number", "boolean", "date",
            "datetime" or "text".
        coercions: Per column, the count of each coercion, such as
            {"missing_token": 3, "currency": 1}. Columns without any are absent.
        warnings: One sentence per change a user should know about.
        source: File name, encoding and separator the table was read with.
    """

    frame: pd.DataFrame
    kinds: dict[str, str]
    coercions: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)


def read_sample(path: str | Path, *, min_rows: int = MIN_SAMPLE_ROWS) -> SampleTable:
    """Read a CSV or Parquet sample and clean it column by column.

    Args:
        path: A `.csv`, `.tsv`, `.txt`, `.parquet` or `.pq` file.
        min_rows: Minimum number of data rows.

    Raises:
        InputDataError: the file is missing, empty, binary, unreadable, has too few rows,
            duplicate or invalid column names, too many columns, or a column with no value.
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise InputNotFoundError(f"Sample file {str(file)!r} not found; check the path.")
    if not file.is_file():
        raise InputDataError(f"Sample path {str(file)!r} is a folder; give a CSV or Parquet file.")
    if file.stat().st_size == 0:
        raise InputDataError(
            f"Sample file {str(file)!r} is empty; export the table with a header row and data rows."
        )

    suffix = file.suffix.lower()
    warnings: list[str] = []
    if suffix in PARQUET_SUFFIXES:
        raw, source = _read_parquet(file), {"file": file.name, "format": "parquet"}
    elif suffix in CSV_SUFFIXES:
        raw, source = _read_csv(file, warnings)
    else:
        raise InputDataError(
            f"Sample file {str(file)!r} has the extension {suffix or '(none)'!r}; "
            "give a .csv or .parquet file."
        )

    _check_shape(raw, file, min_rows)
    frame, kinds, coercions = _clean_columns(raw, warnings)
    _check_columns_have_values(frame, file)
    logger.info("Read %d rows x %d columns from %s", len(frame), frame.shape[1], file)
    return SampleTable(
        frame=frame, kinds=kinds, coercions=coercions, warnings=warnings, source=source
    )


def _read_parquet(file: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise InputDataError(
            f"Sample file {str(file)!r} is not a readable Parquet file ({type(exc).__name__}: "
            f"{str(exc)[:120]}); export it again as Parquet or CSV."
        ) from exc
    return frame


def _read_csv(file: Path, warnings: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    data = file.read_bytes()
    if b"\x00" in data[:65536] or _control_share(data[:65536]) > MAX_CONTROL_SHARE:
        raise InputDataError(
            f"Sample file {str(file)!r} contains binary data, not CSV text; export the table "
            "as CSV (UTF-8) or Parquet."
        )
    text, encoding = _decode(data, file, warnings)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputDataError(
            f"Sample file {str(file)!r} contains only blank lines; export the table with a header row."
        )

    separator = _detect_separator(lines[:50])
    header = next(csv.reader([lines[0]], delimiter=separator))
    _check_header(header, file)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        raise InputDataError(
            f"Sample file {str(file)!r} cannot be parsed as CSV with separator {separator!r}: "
            f"{str(exc).strip()[:160]}. Check that every row has as many fields as the header."
        ) from exc
    if separator != ",":
        logger.info("Detected the separator %r in %s", separator, file)
    return frame, {"file": file.name, "format": "csv", "encoding": encoding, "separator": separator}


MAX_CONTROL_SHARE = 0.05
"""Share of control bytes (other than tab, line breaks and form feed) above which a file is
taken for binary data: text in any encoding has almost none, random bytes about 11%."""

_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])


def _control_share(data: bytes) -> float:
    if not data:
        return 0.0
    return (len(data) - len(data.translate(None, _CONTROL_BYTES))) / len(data)


def _decode(data: bytes, file: Path, warnings: list[str]) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8-sig":
            warnings.append(
                f"Sample file {file.name!r} is not valid UTF-8; it was read as {encoding}. "
                "Check accented letters in the output, or save the file as UTF-8."
            )
            logger.warning(warnings[-1])
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise InputDataError(
        f"Sample file {str(file)!r} cannot be decoded as text."
    )  # latin-1 decodes any bytes


def _detect_separator(lines: list[str]) -> str:
    """Pick the separator that splits the first lines into the most, equally many fields."""
    best, best_score = ",", (0, 0)
    for separator in SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=separator)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(count == counts[0] for count in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = separator, score
    return best


def _check_header(header: list[str], file: Path) -> None:
    names = [name.strip() for name in header]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputDataError(
            f"Sample file {str(file)!r} repeats the column name(s) {', '.join(map(repr, repeated))}; "
            "rename the columns so that each name is unique."
        )


def _check_shape(raw: pd.DataFrame, file: Path, min_rows: int) -> None:
    if raw.shape[1] > MAX_COLUMNS:
        raise InputDataError(
            f"Sample file {str(file)!r} has {raw.shape[1]} columns; at most {MAX_COLUMNS} are "
            "supported. Keep only the columns to learn from."
        )
    if raw.shape[1] == 0:
        raise InputDataError(
            f"Sample file {str(file)!r} has no columns; export it with a header row."
        )
    if len(raw) == 0:
        raise InputDataError(
            f"Sample file {str(file)!r} has a header but no data rows; export the rows too."
        )
    if len(raw) < min_rows:
        raise InputDataError(
            f"Sample file {str(file)!r} has {len(raw)} data row(s); at least {min_rows} are "
            "needed to learn from. Give a larger sample."
        )
    for name in raw.columns:
        text = str(name).strip()
        if len(text) > MAX_NAME_LENGTH:
            raise InputDataError(
                f"Column name {text[:40]!r}... in {str(file)!r} is longer than "
                f"{MAX_NAME_LENGTH} characters; rename it."
            )
    stripped = [str(name).strip() for name in raw.columns]
    if len(set(stripped)) != len(stripped):
        repeated = sorted({name for name in stripped if stripped.count(name) > 1})
        raise InputDataError(
            f"Sample file {str(file)!r} repeats the column name(s) {', '.join(map(repr, repeated))}; "
            "rename the columns so that each name is unique."
        )


def _check_columns_have_values(frame: pd.DataFrame, file: Path) -> None:
    blank = [str(name) for name in frame.columns if frame[name].isna().all()]
    if blank:
        raise InputDataError(
            f"Column(s) {', '.join(map(repr, blank[:5]))} of {str(file)!r} have no value in any "
            "row; drop them from the file or fill them in."
        )
    if all(frame[name].nunique(dropna=True) <= 1 for name in frame.columns):
        raise InputDataError(
            f"Every column of {str(file)!r} contains a single value, so there is nothing to learn; "
            "give a sample in which values vary."
        )


def _clean_columns(
    raw: pd.DataFrame, warnings: list[str]
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[str, int]]]:
    cleaned: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    coercions: dict[str, dict[str, int]] = {}
    for position, name in enumerate(raw.columns):
        label = str(name).strip()
        if not label or label.startswith("Unnamed: "):
            label = f"column_{position + 1}"
            warnings.append(f"Column {position + 1} has no name; it is called {label!r}.")
        values, kind, counts = clean_column(raw[name])
        cleaned[label], kinds[label] = values, kind
        if counts:
            coercions[label] = counts
            warnings.append(f"Column {label!r}: {_describe_counts(counts)}.")
    return pd.DataFrame(cleaned), kinds, coercions


def _describe_counts(counts: dict[str, int]) -> str:
    words = {
        "missing_token": "missing-value token(s) read as missing",
        "text_to_missing": "text value(s) in a numeric column read as missing",
        "currency": "currency value(s) read as numbers",
        "thousands_separator": "number(s) with thousands separators read as numbers",
        "whitespace": "value(s) stripped of surrounding spaces",
        "blank": "blank cell(s) read as missing",
        "decimal_comma": "number(s) with a decimal comma read as numbers",
    }
    return ", ".join(f"{count} {words.get(kind, kind)}" for kind, count in counts.items())


def clean_column(values: pd.Series) -> tuple[pd.Series, str, dict[str, int]]:
    """Clean one column of raw cells and infer its kind.

    Returns:
        The cleaned values, the kind ("integer", "number", "boolean", "date", "datetime" or
        "text") and the count of each coercion made.
    """
    counts: dict[str, int] = {}
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), "boolean", counts
    if pd.api.types.is_numeric_dtype(values):
        numeric = pd.to_numeric(values, errors="coerce").astype(float)
        return _numeric_result(numeric, None, counts)
    if pd.api.types.is_datetime64_any_dtype(values):
        return _date_result(pd.to_datetime(values), counts)

    text = values.map(
        lambda value: (
            None
            if value is None or (isinstance(value, float) and math.isnan(value))
            else str(value)
        )
    )
    stripped = text.map(lambda value: value.strip() if value is not None else None)
    changed = int(((stripped != text) & text.notna() & (stripped != "")).sum())
    if changed:
        counts["whitespace"] = changed

    lowered = stripped.str.lower()
    token_missing = stripped.notna() & lowered.isin(MISSING_TOKENS) & (text.notna())
    stripped = stripped.where(~token_missing, None)
    blanks = int((token_missing & (lowered == "")).sum())
    tokens = int(token_missing.sum()) - blanks
    if blanks:
        counts["blank"] = blanks
    if tokens:
        counts["missing_token"] = tokens

    present = stripped.dropna()
    if present.empty:
        return pd.Series(pd.NA, index=values.index, dtype=object), "text", counts

    numeric_result = _try_numeric(stripped, counts)
    if numeric_result is not None:
        return numeric_result

    boolean = _try_boolean(stripped)
    if boolean is not None:
        return boolean, "boolean", counts

    dates = _try_dates(stripped)
    if dates is not None:
        return _date_result(dates, counts)

    return stripped.astype(object).where(stripped.notna(), None), "text", counts


def parse_number(text: str) -> tuple[float | None, str | None]:
    """Parse one cell as a number; return the value and the coercion used, if any.

    Plain numbers need no coercion; `$60.00` and `60 €` are "currency"; `1,234.5` is
    "thousands_separator". Anything else returns `(None, None)`.
    """
    if _PLAIN_NUMBER.match(text):
        return float(text), None
    match = _CURRENCY.match(text)
    if match:
        number = match.group("number") or match.group("number2")
        value = float(number.replace(",", ""))
        return (-value if match.group("sign") else value), "currency"
    if _THOUSANDS.match(text):
        return float(text.replace(",", "")), "thousands_separator"
    return None, None


def _uses_decimal_comma(present: pd.Series) -> bool:
    """Tell whether a column writes decimals as `12,5`, as many European exports do.

    A comma followed by other than exactly three digits (`12,5`, `0,75`) cannot be a
    thousands separator, so one such value, with no value that has a decimal point after
    a comma, decides it.
    """
    shaped = present.str.fullmatch(_DECIMAL_COMMA)
    if shaped.mean() < NUMERIC_SHARE:
        return False
    return bool(present.str.contains(r",(?:\d{1,2}|\d{4,})$", regex=True).any())


def parse_decimal_comma(text: str) -> tuple[float | None, str | None]:
    """Parse `1.234,5` or `12,5` as a number with a decimal comma ("decimal_comma")."""
    if _PLAIN_NUMBER.match(text):
        return float(text), None
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(".", "").replace(",", ".")), "decimal_comma"
    return None, None


def _try_numeric(
    stripped: pd.Series, counts: dict[str, int]
) -> tuple[pd.Series, str, dict[str, int]] | None:
    present = stripped.dropna()
    parser = parse_decimal_comma if _uses_decimal_comma(present) else parse_number
    parsed = present.map(parser)
    numbers = parsed.map(lambda pair: pair[0])
    parsed_ok = numbers.notna()

    leftover = present[~parsed_ok]
    extra_tokens = leftover.str.lower().isin(NUMERIC_MISSING_TOKENS)
    considered = int(parsed_ok.sum()) + int((~extra_tokens).sum())
    if parsed_ok.sum() == 0 or parsed_ok.sum() < NUMERIC_SHARE * considered:
        return None

    kinds = parsed[parsed_ok].map(lambda pair: pair[1])
    for kind, count in kinds.value_counts().items():
        counts[str(kind)] = int(count)
    if extra_tokens.any():
        counts["missing_token"] = counts.get("missing_token", 0) + int(extra_tokens.sum())
    unparsed = int((~extra_tokens).sum())
    if unparsed:
        counts["text_to_missing"] = unparsed

    numeric = pd.Series(np.nan, index=stripped.index, dtype=float)
    numeric[numbers[parsed_ok].index] = numbers[parsed_ok].astype(float)
    plain_text = present[parsed_ok]
    integral = not plain_text.str.contains(r"[.eE]", regex=True).any()
    return _numeric_result(numeric, integral, counts)


def _numeric_result(
    numeric: pd.Series, integral: bool | None, counts: dict[str, int]
) -> tuple[pd.Series, str, dict[str, int]]:
    whole = numeric.dropna()
    if integral is None:
        integral = bool((whole == np.round(whole)).all())
    if integral and not whole.empty and whole.abs().max() < 2**53:
        return numeric.astype("Int64"), "integer", counts
    return numeric, "number", counts


def _try_boolean(stripped: pd.Series) -> pd.Series | None:
    tokens = set(stripped.dropna().str.lower().unique())
    if not tokens or not tokens <= {"true", "false"}:
        return None
    return stripped.map(lambda value: None if value is None else value.lower() == "true").astype(
        "boolean"
    )


def _try_dates(stripped: pd.Series) -> pd.Series | None:
    present = stripped.dropna()
    looks_like_date = present.str.match(
        r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?"
    )
    if looks_like_date.mean() < DATE_SHARE:
        return None
    for options in ({"format": "ISO8601"}, {"format": "mixed", "dayfirst": False}):
        try:
            parsed = pd.to_datetime(stripped, errors="coerce", **options)
        except (ValueError, TypeError):
            continue
        if parsed[stripped.notna()].notna().mean() >= DATE_SHARE:
            return parsed
    return None


def _date_result(
    stamps: pd.Series, counts: dict[str, int]
) -> tuple[pd.Series, str, dict[str, int]]:
    stamps = pd.to_datetime(stamps, errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    present = stamps.dropna()
    has_time = bool((present != present.dt.normalize()).any())
    fmt = "%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d"
    text = stamps.dt.strftime(fmt).astype(object).where(stamps.notna(), None)
    return text, ("datetime" if has_time else "date"), counts


def infer_schema(
    sample: SampleTable,
    *,
    title: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """Describe a cleaned sample as a checked dataset schema.

    Bounds come from the data, widened by `BOUND_MARGIN` of the range for numbers (never
    across zero). ID columns and personal columns get an `x-generator`, so that their
    values are generated, never learned or copied.

    Raises:
        InputDataError: `target` is not a column of the sample.
    """
    frame = sample.frame
    if target is not None and target not in frame:
        raise InputDataError(unknown_column_message("Target column", target, list(frame.columns)))

    properties: dict[str, dict[str, Any]] = {}
    for name in frame.columns:
        spec = infer_column(str(name), frame[name], sample.kinds[name])
        if name == target:
            spec["x-role"] = "target"
            spec.pop("x-generator", None)
            spec.pop("x-unique", None)
        properties[str(name)] = spec

    file_name = sample.source.get("file", "sample")
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": title or Path(file_name).stem or "sample",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "x-rows": len(frame),
        "x-sources": [
            {"title": f"Sample table {file_name}", "fact": f"inferred from {len(frame)} rows"}
        ],
    }
    rule_kinds = {name: kind for name, kind in sample.kinds.items() if name != target}
    rules = infer_rules(frame, rule_kinds)
    if rules:
        schema["x-constraints"] = rules
    if sample.warnings:
        schema["x-warnings"] = list(sample.warnings)
    return check_schema(schema)


def unknown_column_message(label: str, name: str, known: list[str], place: str = "sample") -> str:
    """Build the error for a column name that is not in a table, with the likely intended one.

    Names that differ only in case come first, then close spellings (`difflib`). The list
    of columns is cut at 20, with a count of all of them.
    """
    by_case = [column for column in known if str(column).lower() == name.lower()]
    close = by_case or difflib.get_close_matches(name, [str(c) for c in known], n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    listed = ", ".join(map(repr, known[:20]))
    more = f" (first 20 of {len(known)})" if len(known) > 20 else ""
    return f"{label} {name!r} is not in the {place}.{hint} Its columns{more}: {listed}."


def infer_column(name: str, values: pd.Series, kind: str) -> dict[str, Any]:
    """Describe one cleaned column as a schema property."""
    present = values.dropna()
    null_rate = round(float(values.isna().mean()), 4)
    spec = _personal_column(name, present, kind) or _id_column(name, present, len(values), kind)
    if spec is None:
        if kind in ("integer", "number"):
            spec = _numeric_column(present, kind)
        elif kind == "boolean":
            spec = {
                "type": "boolean",
                "x-distribution": {
                    "kind": "bernoulli",
                    "p": round(float(present.astype(bool).mean()), 4),
                },
            }
        elif kind in ("date", "datetime"):
            spec = {
                "type": "string",
                "format": "date" if kind == "date" else "date-time",
                "formatMinimum": str(present.min()),
                "formatMaximum": str(present.max()),
                "x-distribution": {
                    "kind": "date_range",
                    "start": str(present.min()),
                    "end": str(present.max()),
                },
            }
        else:
            spec = _text_column(name, present)

    if null_rate > 0:
        spec["type"] = [spec["type"], "null"]
        spec["x-null-rate"] = null_rate
    return spec


def _personal_column(name: str, present: pd.Series, kind: str) -> dict[str, Any] | None:
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    text = present.astype(str)
    provider = None
    if kind == "text" and (
        _EMAIL_NAME.search(name) or text.str.match(_EMAIL).mean() >= PERSONAL_SHARE
    ):
        provider = "email" if text.str.match(_EMAIL).mean() >= PERSONAL_SHARE else None
    has_digits = text.str.count(r"\d") >= 7
    if (
        provider is None
        and _PHONE_NAME.search(name)
        and kind in ("text", "integer")
        and has_digits.mean() >= PERSONAL_SHARE
    ):
        provider = "phone_number"
    if provider is None and kind == "text" and _looks_like_phone(text):
        provider = "phone_number"
    if (
        provider is None
        and kind == "text"
        and key in _NAME_WORDS
        and text.str.match(r"^[^\d@]+$").mean() >= PERSONAL_SHARE
    ):
        provider = _NAME_WORDS[key]
    if provider is None and kind == "text" and _ADDRESS_NAME.match(key):
        provider = "address"
    if provider is None:
        return None
    spec: dict[str, Any] = {
        "type": "string",
        "x-generator": {"kind": "faker", "provider": provider},
        "x-role": "personal",
    }
    if present.nunique() == len(present) and len(present) > 1:
        spec["x-unique"] = True
    return spec


def _looks_like_phone(text: pd.Series) -> bool:
    shaped = text.str.match(_PHONE) & (text.str.count(r"\d") >= 7)
    separated = text.str.contains(r"[\s().\-/+]", regex=True)
    return bool(shaped.mean() >= PERSONAL_SHARE and separated.mean() >= PERSONAL_SHARE)


def _id_column(name: str, present: pd.Series, rows: int, kind: str) -> dict[str, Any] | None:
    if (
        kind not in ("text", "integer")
        or len(present) != rows
        or present.nunique() != rows
        or rows < 2
    ):
        return None
    text = present.astype(str)
    if kind == "text" and text.str.match(_UUID).all():
        return {
            "type": "string",
            "format": "uuid",
            "x-generator": {"kind": "uuid"},
            "x-unique": True,
            "x-role": "id",
        }

    named = bool(_ID_NAME.search(name.strip()))
    if kind == "integer":
        ordered = np.sort(present.to_numpy(dtype="int64"))
        consecutive = bool((np.diff(ordered) == 1).all())
        if not (named or consecutive):
            return None
        start = int(max(ordered[0], 0))
        return {
            "type": "integer",
            "minimum": 0,
            "x-generator": {"kind": "id", "start": start},
            "x-unique": True,
            "x-role": "id",
        }

    no_spaces = not text.str.contains(r"\s", regex=True).any()
    if not (named or no_spaces and text.str.contains(r"\d", regex=True).all()):
        return None
    template = _positional_template(text)
    if template is not None:
        return template
    prefix = _common_prefix(text)
    widths = text.str.extract(r"(\d+)$")[0].str.len()
    digits = int(widths.max()) if prefix and widths.notna().all() else max(4, len(str(rows)) + 2)
    digits = min(18, max(digits, len(str(rows))))
    return {
        "type": "string",
        "x-generator": {"kind": "id", "prefix": prefix, "digits": digits},
        "x-unique": True,
        "x-role": "id",
    }


def _positional_template(text: pd.Series) -> dict[str, Any] | None:
    """Build the schema for IDs of one length without a number sequence, such as `7590-VHVEG`.

    Returns None for other IDs. New values keep each position's class (digit, letter or
    shared character), so they read like the sample's IDs. The synthesizer also keeps them
    apart from every sample value.
    """
    if text.str.len().nunique() != 1 or len(text.iloc[0]) > MAX_TEMPLATE_WIDTH:
        return None
    pattern = learn_pattern(text)
    if pattern["kind"] != "positional":
        return None
    return {
        "type": "string",
        "pattern": positions_regex(pattern["positions"]),
        "x-generator": {"kind": "id", "positions": pattern["positions"]},
        "x-unique": True,
        "x-role": "id",
    }


def _common_prefix(text: pd.Series) -> str:
    """Return the letters all values start with before their digits, such as "C" in C0001."""
    prefixes = text.str.extract(r"^([A-Za-z_\-]*)\d+$")[0]
    if prefixes.isna().any() or prefixes.nunique() != 1:
        return ""
    return str(prefixes.iloc[0])[:20]


def _numeric_column(present: pd.Series, kind: str) -> dict[str, Any]:
    numbers = present.astype(float)
    low, high = float(numbers.min()), float(numbers.max())
    margin = (high - low) * BOUND_MARGIN if kind == "number" else 0.0
    lower = low - margin if low < 0 or low - margin >= 0 else 0.0
    upper = high + margin if high > 0 or high + margin <= 0 else 0.0

    spec: dict[str, Any] = {"type": kind}
    if kind == "integer":
        spec["minimum"], spec["maximum"] = int(math.floor(lower)), int(math.ceil(upper))
    else:
        decimals = _decimals(numbers)
        spec["minimum"], spec["maximum"] = round(lower, decimals), round(upper, decimals)
        spec["x-decimals"] = decimals

    if numbers.nunique() > 1:
        weights, edges = np.histogram(numbers, bins=min(20, max(2, numbers.nunique())))
        spec["x-distribution"] = {
            "kind": "histogram",
            "edges": [round(float(edge), 6) for edge in edges],
            "weights": [int(weight) for weight in weights],
        }
    else:
        spec["x-distribution"] = {"kind": "constant", "value": numbers.iloc[0].item()}
    return spec


def _decimals(numbers: pd.Series) -> int:
    for decimals in range(0, 7):
        if np.allclose(numbers, np.round(numbers, decimals), rtol=0, atol=1e-9):
            return decimals
    return 6


def _text_column(name: str, present: pd.Series) -> dict[str, Any]:
    counts = present.astype(str).value_counts()
    keyed = bool(_ID_NAME.search(name.strip())) and len(counts) > 20
    many = (
        keyed
        or len(counts) > MAX_CATEGORIES
        or (len(counts) > 20 and len(counts) > FREE_TEXT_SHARE * len(present))
    )
    if many:
        text = present.astype(str)
        if text.str.contains(r"\s", regex=True).mean() < 0.05:
            # Codes without spaces (account or order keys that repeat) get fresh identifiers.
            logger.warning(
                "Column %r has %d distinct codes in %d rows; it gets new identifiers, not learned ones",
                name,
                len(counts),
                len(present),
            )
            return {
                "type": "string",
                "x-generator": {"kind": "id", "prefix": _common_prefix(text), "digits": 8},
                "x-role": "id",
            }
        logger.warning(
            "Column %r has %d distinct values in %d rows; it is generated as free text, not learned",
            name,
            len(counts),
            len(present),
        )
        return {
            "type": "string",
            "x-generator": {"kind": "faker", "provider": "sentence"},
            "x-role": "personal",
        }

    total = float(counts.sum())
    return {
        "type": "string",
        "enum": [str(value) for value in counts.index],
        "x-distribution": {
            "kind": "categorical",
            "weights": {str(value): round(count / total, 6) for value, count in counts.items()},
        },
    }


def seed_frame(sample: SampleTable, schema: dict[str, Any], seed: int = 0) -> pd.DataFrame:
    """Return the sample as seed rows for CTGAN, with generated columns replaced.

    ID and personal columns are regenerated here, so that no real identifier, name,
    e-mail or phone number leaves the reader into the run folder, the state or the model.
    """
    from agentgan.schema.columns import columns
    from agentgan.schema.values import generate_values

    frame = sample.frame.copy()
    rng = np.random.default_rng(seed)
    locale = schema.get("x-locale", "en_US")
    for column in columns(schema):
        if column.name not in frame:
            continue
        if column.generator is not None:
            frame[column.name] = generate_values(column, len(frame), rng, locale=locale).to_numpy()
            if column.nullable and column.null_rate > 0:
                frame.loc[sample.frame[column.name].isna().to_numpy(), column.name] = None
        elif column.type == "boolean":
            frame[column.name] = (
                frame[column.name].astype(object).where(frame[column.name].notna(), None)
            )
    return frame.reset_index(drop=True)


def prepare_sample(
    path: str | Path,
    run_dir: str | Path,
    *,
    schema: dict[str, Any] | None = None,
    target: str | None = None,
    seed: int = 0,
) -> tuple[dict[str, Any], Path, dict[str, Any]]:
    """Read a sample, infer its schema unless one is given, and write the seed table.

    Returns:
        The schema, the path of the seed table (`sample.parquet` in `run_dir`) and the
        profile of the reading: source file, encoding, separator, rows and coercions.

    Raises:
        InputDataError: the sample cannot be read, or lacks a column the schema requires.
    """
    from agentgan.io import write_table

    sample = read_sample(path)
    if schema is None:
        schema = infer_schema(sample, target=target)
    else:
        missing = [name for name in schema["properties"] if name not in sample.frame]
        if missing:
            raise InputDataError(
                f"The sample {str(path)!r} lacks the schema column(s) {', '.join(map(repr, missing[:10]))}; "
                "add them to the sample or remove them from the schema."
            )

    seed_path = Path(run_dir) / "sample.parquet"
    write_table(seed_frame(sample, schema, seed), seed_path, "parquet")
    profile = {
        **sample.source,
        "rows": len(sample.frame),
        "columns": sample.frame.shape[1],
        "coercions": sample.coercions,
        "kinds": sample.kinds,
    }
    return schema, seed_path, profile


RULE_MIN_SUPPORT = 8
"""Minimum number of sample rows in which a category must occur to take part in a rule."""

RULE_MAX_CONSEQUENT_SHARE = 0.5
"""Largest overall share of the implied value; commoner values make chance rules in small samples."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def infer_rules(frame: pd.DataFrame, kinds: dict[str, str]) -> list[str]:
    """Find category pairs that always occur together in a table, written as rules.

    A rule `(A == 'a') == (B == 'b')` is written when the rows with `A == 'a'` are exactly
    the rows with `B == 'b'`, as in Telco, where `InternetService == 'No'` goes with
    "No internet service" in six other columns. Each group of equivalent conditions is
    written as rules from its first member to the others. Only text columns whose names are
    identifiers take part, and a condition must hold in `RULE_MIN_SUPPORT` rows or more
    and in at most `RULE_MAX_CONSEQUENT_SHARE` of the rows.

    `infer_schema` adds them to the schema's `x-constraints`, leaving out the target column,
    so that a pairing that the sample shows by chance never fixes the label. The
    synthesizer keeps only pool rows that meet them, so the validator rarely rejects a row
    for them and the column shapes stay as matched (on three 100-row Telco samples, 13% to
    30% of CTGAN's rows broke one).
    """
    rows = len(frame)
    conditions: dict[tuple[str, str], frozenset[int]] = {}
    for name in frame.columns:
        if kinds.get(name) != "text" or not _IDENTIFIER.match(str(name)):
            continue
        values = frame[name]
        counts = values.value_counts()
        if len(counts) < 2 or len(counts) > 50:
            continue
        for value, count in counts.items():
            if RULE_MIN_SUPPORT <= count <= RULE_MAX_CONSEQUENT_SHARE * rows and "'" not in str(
                value
            ):
                conditions[(str(name), str(value))] = frozenset(
                    np.flatnonzero((values == value).to_numpy())
                )

    groups: dict[frozenset[int], list[tuple[str, str]]] = {}
    for condition, members in conditions.items():
        groups.setdefault(members, []).append(condition)

    rules = []
    for group in groups.values():
        columns_seen = {name for name, _ in group}
        if len(group) < 2 or len(columns_seen) < len(group):
            continue
        (first, first_value), *others = group
        for name, value in others:
            rules.append(f"({first} == '{first_value}') == ({name} == '{value}')")
    return rules
