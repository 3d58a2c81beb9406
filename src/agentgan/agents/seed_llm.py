"""Seed generator with a chat model: realistic rows in batches, each checked.

The model writes the columns the schema models (not identifiers, Faker fields or derived
columns, which code fills in). Each row is checked with `jsonschema` against those
columns; invalid rows are rejected with their reason and repeated rows are dropped. A
response cut off at the token limit keeps its complete rows, and the next batches ask for
fewer rows. Failures the validator reported in an earlier round go into the prompt.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from jsonschema import Draft202012Validator
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import ValidationError

from agentgan.graph.context import Context
from agentgan.prompts import seed_rows as seed_prompt
from agentgan.prompts.seed_rows import SeedRows
from agentgan.schema.check import derived_order
from agentgan.schema.columns import Column, columns
from agentgan.schema.rules import compile_rule, evaluate
from agentgan.schema.sampler import finish_values
from agentgan.schema.values import generate_values
from agentgan.tools.llm import (
    OUTPUT_ATTEMPTS,
    build_chat_model,
    correction_messages,
    invoke_for,
    resolve_model,
)
from agentgan.tools.llm_output import LLMOutputError, parse_answer, quote
from agentgan.tools.provider_fallback import run_with_fallback

logger = logging.getLogger(__name__)

BATCH_ROWS = 25
"""Rows asked for in one model call, before any truncation halves it."""

MIN_BATCH_ROWS = 2
"""Smallest batch after repeated truncation."""

_PROMPT_KEYS = (
    "type",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "description",
    "x-distribution",
    "x-unit",
    "x-decimals",
    "x-null-rate",
)
_ROW_KEYWORDS = (
    "type",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "const",
    "multipleOf",
)


@dataclass
class SeedBatchReport:
    """Outcome of the seed batches: accepted rows and the reasons others were rejected."""

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    truncated: int = 0
    calls: int = 0


def seed_rows_from_llm(
    schema: dict[str, Any],
    count: int,
    chat_model: BaseChatModel,
    *,
    feedback: list[str] | None = None,
    random_seed: int = 0,
) -> tuple[list[dict[str, Any]], SeedBatchReport]:
    """Ask the model for `count` rows that pass the schema's column checks.

    Returns:
        The accepted rows with identifier, Faker and derived columns filled in, and a
        report of rejections. Fewer than `count` rows come back when the batch budget runs
        out; the validator then decides whether they are enough.

    Raises:
        LLMOutputError: `OUTPUT_ATTEMPTS` answers in a row held no rows, or no row passed;
            the message quotes the last raw answer.
    """
    parsed = columns(schema)
    modelled = [column for column in parsed if column.generator is None and not column.derived]
    prompt_columns = {c.name: {k: c.spec[k] for k in _PROMPT_KEYS if k in c.spec} for c in modelled}
    validator = Draft202012Validator(
        {
            "type": "object",
            "properties": {
                c.name: {k: c.spec[k] for k in _ROW_KEYWORDS if k in c.spec} for c in modelled
            },
            "required": [c.name for c in modelled],
        },
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )

    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    report = SeedBatchReport()
    batch = min(BATCH_ROWS, count)
    max_calls = 2 * math.ceil(count / BATCH_ROWS) + 2 * OUTPUT_ATTEMPTS
    failures_in_a_row = 0
    history: list[BaseMessage] = []
    last_error: LLMOutputError | None = None

    while len(kept) < count and report.calls < max_calls:
        wanted = min(batch, count - len(kept))
        if not history:
            history = seed_prompt.messages(
                prompt_columns,
                list(schema.get("x-constraints", [])),
                wanted,
                dependencies=schema.get("x-dependencies"),
                feedback=feedback,
                avoid=kept[-5:],
            )
        reply = invoke_for(chat_model, history, SeedRows)
        report.calls += 1

        try:
            rows = _rows_of(reply)
        except LLMOutputError as exc:
            if exc.kind != "truncated":
                failures_in_a_row += 1
                last_error = exc
                logger.warning("Seed rows: unusable model response (%s): %s", exc.kind, exc)
                if failures_in_a_row >= OUTPUT_ATTEMPTS:
                    break
                history.extend(correction_messages(reply, exc, SeedRows.__name__))
                continue
            rows = [row for row in exc.rows if isinstance(row, dict)]
            report.truncated += 1
            batch = max(MIN_BATCH_ROWS, wanted // 2)
            logger.warning(
                "Seed rows: response truncated at the token limit; kept %d complete rows, next "
                "batches ask for %d rows",
                len(rows),
                batch,
            )

        failures_in_a_row = 0
        history = []
        for row in rows:
            reason = _check_row(row, validator, [c.name for c in modelled], seen)
            if reason is None:
                kept.append({c.name: row[c.name] for c in modelled})
            elif reason == "duplicate":
                report.duplicates += 1
            else:
                report.rejected[reason] += 1

    if report.rejected or report.duplicates:
        reasons = "; ".join(f"{reason} ({n})" for reason, n in report.rejected.most_common(5))
        logger.warning(
            "Seed rows: rejected %d invalid and %d duplicate model rows. %s",
            sum(report.rejected.values()),
            report.duplicates,
            reasons,
        )
    if not kept:
        if last_error is not None:
            raise LLMOutputError(
                last_error.kind,
                f"Seed rows: no usable response from the model after {OUTPUT_ATTEMPTS} attempts. "
                f"{last_error}",
                last_error.raw,
            )
        reasons = "; ".join(f"{reason} ({n})" for reason, n in report.rejected.most_common(3))
        raise LLMOutputError(
            "mismatch",
            f"Seed rows: none of the model's rows pass the schema: {reasons or 'no rows'}.",
            "",
        )

    report.accepted = len(kept)
    logger.info("Seed rows: %d accepted from %d model calls", len(kept), report.calls)
    return _complete_rows(kept[:count], schema, parsed, random_seed), report


def _rows_of(reply: BaseMessage) -> list[Any]:
    data = parse_answer(reply, {"rows"})
    try:
        return SeedRows.model_validate(data).rows
    except ValidationError as exc:
        raw = json.dumps(data)[:2000]
        raise LLMOutputError(
            "mismatch", f"The response has no 'rows' list of objects: {quote(raw)}.", raw
        ) from exc


def _check_row(
    row: Any, validator: Draft202012Validator, names: list[str], seen: set[str]
) -> str | None:
    """Return why a row is rejected ("duplicate" for a repeat), or None to accept it."""
    if not isinstance(row, dict):
        return "not a JSON object"
    values = {name: row.get(name) for name in names if name in row}
    error = next(iter(sorted(validator.iter_errors(values), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(part) for part in error.path) or "row"
        return f"{where}: {error.message}"[:200]

    key = json.dumps(values, sort_keys=True, default=str)
    if key in seen:
        return "duplicate"
    seen.add(key)
    return None


def _complete_rows(
    rows: list[dict[str, Any]], schema: dict[str, Any], parsed: list[Column], random_seed: int
) -> list[dict[str, Any]]:
    """Add identifier, Faker and derived columns, in schema column order."""
    frame = pd.DataFrame(rows)
    rng = np.random.default_rng(random_seed)
    locale = schema.get("x-locale") or "en_US"
    for column in parsed:
        if column.generator is not None:
            frame[column.name] = generate_values(column, len(frame), rng, locale=locale).to_numpy()

    by_name = {column.name: column for column in parsed}
    formulas = {c.name: compile_rule(c.derived) for c in parsed if c.derived}
    for name in derived_order(formulas):
        frame[name] = finish_values(by_name[name], evaluate(formulas[name], frame), rng)

    frame = frame[[column.name for column in parsed]]
    return [_plain(record) for record in frame.to_dict(orient="records")]


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """Turn numpy scalars and NaN into JSON values."""
    plain: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        plain[key] = value
    return plain


def seed_rows_with_provider(
    schema: dict[str, Any],
    context: Context,
    attempt: int | None,
    *,
    seed: int,
    feedback: list[str],
    offline: Callable[[], list[dict[str, Any]]],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Make seed rows with the configured chat model, or with `offline` when none is.

    Provider failures follow `context.on_provider_error` (see `run_with_fallback`).

    Returns:
        The rows and the warnings for the state.
    """
    name = resolve_model(context.model, context.base_url)
    if name is None:
        return offline(), []

    chat_model = build_chat_model(name, base_url=context.base_url, timeout=context.timeout)
    if feedback:
        logger.info(
            "Seed rows: asking again with %d feedback lines from the validator", len(feedback)
        )

    def with_model() -> list[dict[str, Any]]:
        rows, _ = seed_rows_from_llm(
            schema, context.seed_rows, chat_model, feedback=feedback, random_seed=seed
        )
        return rows

    return run_with_fallback(
        with_model, offline, what="seed rows", on_error=context.on_provider_error, attempt=attempt
    )
