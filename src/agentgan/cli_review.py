"""Schema review in a terminal, for `agentgan generate --review`.

The graph pauses after the knowledge agent with the schema. This module shows the columns,
then lets the person accept the schema, edit it as JSON in `$VISUAL` or `$EDITOR`, or quit.
An edit is parsed and checked with the same `check_reviewed_schema` the graph applies, and
an invalid edit is shown with its error and opened again, so only a valid schema resumes
the run.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from agentgan.agents.review import check_reviewed_schema
from agentgan.errors import SchemaError, UsageError

LISTED_CATEGORIES = 8
"""Categories of a column listed in the review table; the edited JSON has them all."""


def require_terminal() -> None:
    """Check that a person can answer the review prompt.

    Raises:
        UsageError: standard input is not an interactive terminal.
    """
    if not sys.stdin.isatty():
        raise UsageError(
            "--review needs an interactive terminal to show and edit the schema. In a "
            "script, write the schema with 'agentgan schema REQUEST --out schema.json', edit "
            "it, and pass it with 'agentgan generate --schema schema.json'."
        )


def review_in_terminal(value: dict[str, Any], console: Console) -> dict[str, Any]:
    """Show the paused run's schema and return the schema the person accepts or edits.

    Args:
        value: The interrupt value of the review node: `schema`, `rows` and `error`.
        console: Where the schema and messages are printed.

    Raises:
        UsageError: the person quits the review.
    """
    schema = value["schema"]
    if value.get("error"):
        console.print(f"[red]error:[/red] {value['error']}", highlight=False)
    text = json.dumps(schema, indent=2, ensure_ascii=False)

    while True:
        console.print(schema_table(schema, value.get("rows")))
        choice = click.prompt(
            "Accept the schema (a), edit it in your editor (e), or quit (q)",
            type=click.Choice(["a", "e", "q"]),
            default="a",
            err=True,
        )
        if choice == "q":
            raise UsageError("Review ended without a schema; nothing was generated.")
        if choice == "a":
            return check_reviewed_schema(schema)

        edited = click.edit(text, extension=".json", require_save=False)
        if edited is None:
            continue
        text = edited
        try:
            schema = check_reviewed_schema(json.loads(edited))
        except json.JSONDecodeError as exc:
            console.print(
                f"[red]error:[/red] The edited schema is not valid JSON: {exc}.", highlight=False
            )
            continue
        except SchemaError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            continue
        console.print("The edited schema is valid.")


def schema_table(schema: dict[str, Any], rows: int | None) -> Table:
    """Return a table of the schema's columns: type, range or categories, and distribution."""
    title = f"{schema.get('title', 'schema')}: {len(schema['properties'])} columns"
    if rows:
        title += f", {rows} rows"
    table = Table(title=title)
    for heading in ("column", "type", "values", "distribution"):
        table.add_column(heading)

    for name, column in schema["properties"].items():
        kind = column.get("type", "")
        if isinstance(kind, list):
            kind = "|".join(str(part) for part in kind)
        table.add_row(
            name, str(kind), _values(column), str(column.get("x-distribution", {}).get("kind", ""))
        )
    return table


def _values(column: dict[str, Any]) -> str:
    if "enum" in column:
        listed = ", ".join(str(value) for value in column["enum"][:LISTED_CATEGORIES])
        hidden = len(column["enum"]) - LISTED_CATEGORIES
        return f"{listed} and {hidden} more" if hidden > 0 else listed
    if "minimum" in column or "maximum" in column:
        return f"{column.get('minimum', '')} to {column.get('maximum', '')}"
    generator = column.get("x-generator")
    if isinstance(generator, dict):
        return str(generator.get("kind", ""))
    return ""
