"""agentgan inside other agent systems: as a subgraph node and as a LangChain tool.

As a subgraph, the compiled graph is a node of a parent `StateGraph` whose state shares
the input keys `prompt` and `rows` and the output keys `dataset`, `schema` and `report`.
The parent's run context reaches the subgraph, so `parent.invoke(..., context={"epochs":
30})` sets its settings. See `add_to_graph`.

As a tool, `dataset_tool` returns a `StructuredTool` that another agent's chat model can
call with a request and a row count. Its result is a short JSON-safe summary of the
delivered table (file, rows, columns, first rows, quality score); the table itself stays
in the file. An `AgentganError` (an unusable request, say) goes back to the model as the
tool's error message, so that the model can correct its call.

Example:
    >>> from agentgan.embedding import dataset_tool
    >>> tool = dataset_tool(output_dir="runs", epochs=50)
    >>> summary = tool.invoke({"request": "customer churn data with age", "rows": 200})
    >>> summary["rows"]
    200
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, ConfigDict, Field

from agentgan.errors import AgentganError
from agentgan.graph.context import MAX_ROWS, Context

PREVIEW_ROWS = 3
"""Rows of the table the tool result shows to the calling model."""


class DatasetRequest(BaseModel):
    """Arguments of the `generate_dataset` tool."""

    model_config = ConfigDict(extra="forbid")

    request: str = Field(
        description="Plain-language description of the table, e.g. 'customer churn data "
        "with age, gender and location'."
    )
    rows: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ROWS,
        description="Rows to deliver; empty uses the request's count.",
    )


def add_to_graph(builder: Any, name: str = "agentgan", checkpointer: Any = None) -> Any:
    """Add the compiled agentgan graph as node `name` of a parent `StateGraph` builder.

    Returns:
        The parent builder, so that calls can be chained.
    """
    from agentgan.graph.builder import build_graph

    builder.add_node(name, build_graph(checkpointer, name=name))
    return builder


def dataset_tool(graph: Any = None, **settings: Any) -> StructuredTool:
    """Build the `generate_dataset` tool, which runs agentgan for another agent.

    Args:
        graph: A compiled agentgan graph; defaults to a new one without checkpointer.
        **settings: Run settings for every call (`Context` fields such as `output_dir`,
            `epochs` or `random_seed`); the calling model sets only the request and rows.

    Raises:
        pydantic.ValidationError: a setting is not a `Context` field or is out of bounds.
    """
    from agentgan.graph.builder import build_graph

    context = Context(**settings)
    compiled = graph if graph is not None else build_graph()

    def run(request: str, rows: int | None = None) -> dict[str, Any]:
        try:
            return summarize(compiled.invoke(_input(request, rows), context=context))
        except AgentganError as exc:
            raise ToolException(str(exc)) from exc

    async def arun(request: str, rows: int | None = None) -> dict[str, Any]:
        try:
            return summarize(await compiled.ainvoke(_input(request, rows), context=context))
        except AgentganError as exc:
            raise ToolException(str(exc)) from exc

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name="generate_dataset",
        description=(
            "Generate a realistic, validated synthetic table from a plain-language request "
            "and save it to a file. Returns the file path, row count, columns, the first "
            "rows and a quality score."
        ),
        args_schema=DatasetRequest,
        handle_tool_error=True,
    )


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON-safe summary of a finished run that the tool hands back."""
    dataset = result["dataset"]
    return {
        "path": dataset["path"],
        "rows": dataset["rows"],
        "columns": dataset["columns"],
        "preview": dataset["preview"][:PREVIEW_ROWS],
        "quality_score": result.get("report", {}).get("quality", {}).get("score"),
        "warnings": result.get("warnings", []),
    }


def _input(request: str, rows: int | None) -> dict[str, Any]:
    state: dict[str, Any] = {"prompt": request}
    if rows is not None:
        state["rows"] = rows
    return state
