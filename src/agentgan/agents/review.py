"""Human review: the run pauses after the knowledge agent so that a person can edit the schema.

With `review=True` in the run context the graph calls `langgraph.types.interrupt` here with
`{"schema": ..., "rows": ..., "error": None}`. The caller resumes with
`Command(resume=schema)`: the same schema accepts it, an edited one replaces it. The resume
value is checked with `check_schema` before any later node sees it. An invalid value pauses
the run again with the error in `"error"` and the rejected schema in `"schema"`, so the
person can fix it. Pausing needs a checkpointer (`build_graph(checkpointer=...)`, the LangGraph
server, or the CLI's `--review`).
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.types import interrupt

from agentgan.errors import SchemaError
from agentgan.graph.state import State
from agentgan.schema.check import check_schema

logger = logging.getLogger(__name__)

MAX_INVALID_REVIEWS = 5
"""Invalid resume values in a row after which the run stops with `SchemaError`."""


def review_schema(state: State) -> dict[str, Any]:
    """Pause for a person to accept or edit the schema, then return the checked schema.

    Raises:
        SchemaError: `MAX_INVALID_REVIEWS` resume values in a row were not a valid schema.
    """
    pending_schema: Any = state["schema"]
    error: str | None = None

    for _ in range(MAX_INVALID_REVIEWS):
        resume_value = interrupt({"schema": pending_schema, "rows": state["rows"], "error": error})
        try:
            schema = check_reviewed_schema(resume_value)
        except SchemaError as exc:
            error = str(exc)
            logger.info("Reviewed schema rejected: %s", error)
            if isinstance(resume_value, dict):
                pending_schema = resume_value
            continue
        return _accepted(state, schema)

    raise SchemaError(
        f"The reviewed schema was invalid {MAX_INVALID_REVIEWS} times in a row; the last "
        f"error was: {error} Start the run again and resume it with a valid schema."
    )


def check_reviewed_schema(resume_value: Any) -> dict[str, Any]:
    """Check a review's resume value and return the schema it carries.

    The value is a schema object, or the interrupt value itself with an edited `"schema"`.

    Raises:
        SchemaError: the value is not a JSON object, or the schema in it is invalid.
    """
    value = resume_value
    if isinstance(value, dict) and "properties" not in value and "schema" in value:
        value = value["schema"]
    if not isinstance(value, dict):
        raise SchemaError(
            f"The review's resume value must be a schema (a JSON object with 'properties'), "
            f"not {type(value).__name__}; resume with Command(resume=schema)."
        )
    try:
        return check_schema(value)
    except SchemaError as exc:
        raise SchemaError(f"The reviewed schema is invalid: {exc}") from exc


def _accepted(state: State, schema: dict[str, Any]) -> dict[str, Any]:
    """Return the state update for an accepted schema."""
    update: dict[str, Any] = {"schema": schema, "sources": list(schema.get("x-sources", []))}
    edited_rows = schema.get("x-rows")
    if edited_rows and edited_rows != state["schema"].get("x-rows"):
        update["rows"] = int(edited_rows)

    changed = schema != state["schema"]
    logger.info(
        "Schema %s in review (%d columns)",
        "edited" if changed else "accepted",
        len(schema["properties"]),
    )
    return update
