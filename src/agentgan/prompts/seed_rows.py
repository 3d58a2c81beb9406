"""The seed generator's prompt: a batch of realistic rows that follow the schema.

The model writes only the columns it models; identifiers, Faker fields and derived
columns are filled in by code. Failures the validator reported in an earlier round are
quoted back so that the next rows avoid them.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agentgan.prompts.quoting import DATA_RULE, compact_json, quote_data


class SeedRows(BaseModel):
    """A batch of table rows, one JSON object per row."""

    rows: list[dict[str, Any]] = Field(description="The rows; each maps column name to value.")


SYSTEM = f"""You write realistic, varied rows for a synthetic dataset. Every row must \
follow the column specification exactly: types, ranges, allowed values, date format \
YYYY-MM-DD, and the rules. Follow the distributions and dependencies, include edge cases \
at a realistic rate, and never repeat a row. {DATA_RULE}"""


def messages(
    columns: dict[str, dict[str, Any]],
    rules: list[str],
    count: int,
    *,
    dependencies: list[dict[str, Any]] | None = None,
    feedback: list[str] | None = None,
    avoid: list[dict[str, Any]] | None = None,
) -> list[BaseMessage]:
    """Return the prompt that asks for `count` rows."""
    spec = "\n".join(f"- {name}: {compact_json(column)}" for name, column in columns.items())
    parts = [f"Columns:\n{spec}"]
    if rules:
        parts.append("Rules every row must meet:\n" + "\n".join(f"- {rule}" for rule in rules))
    if dependencies:
        parts.append(
            "Dependencies (the child's distribution in each range of the parent):\n"
            + "\n".join(f"- {compact_json(dependency)}" for dependency in dependencies)
        )
    if feedback:
        parts.append(
            "Rows from an earlier attempt failed these checks; avoid the same faults:\n"
            + quote_data("\n".join(feedback[:20]), "validator feedback")
        )
    if avoid:
        parts.append(
            "Rows already written (do not repeat them):\n"
            + "\n".join(compact_json(row) for row in avoid[:5])
        )
    parts.append(f"Call SeedRows with exactly {count} new rows.")
    return [SystemMessage(content=SYSTEM), HumanMessage(content="\n\n".join(parts))]
