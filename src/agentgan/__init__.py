"""agentgan: a plain-language request becomes a realistic, validated synthetic table.

Example:
    >>> from agentgan import generate, load_dataset
    >>> result = generate("customer churn data with age, gender and location", rows=200)
    >>> frame = load_dataset(result)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__version__ = "0.1.0"

__all__ = ["__version__", "build_graph", "generate", "load_dataset"]


def build_graph(checkpointer: Any = None, **kwargs: Any) -> Any:
    """Build the compiled agentgan graph; see `agentgan.graph.builder.build_graph`."""
    from agentgan.graph.builder import build_graph as build

    return build(checkpointer, **kwargs)


def generate(
    prompt: str = "",
    rows: int | None = None,
    *,
    schema: dict[str, Any] | None = None,
    sample_data: str | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """Run the graph once and return its output state.

    Args:
        prompt: The request, for example "customer churn data with age and gender".
        rows: Rows to deliver; defaults to the count in the request, else 500.
        schema: A dataset schema to use instead of building one from the request.
        sample_data: Path of a CSV or Parquet table to learn from.
        **settings: Run settings (`agentgan.graph.context.Context` fields), such as
            `random_seed=7` or `device="cpu"`.

    Raises:
        AgentganError: the request, schema, data or settings cannot be used.
    """
    from agentgan.graph.context import Context

    request: dict[str, Any] = {"prompt": prompt}
    if rows is not None:
        request["rows"] = rows
    if schema is not None:
        request["schema"] = schema
    if sample_data is not None:
        request["sample_data"] = sample_data
    context = Context(**settings)
    if context.review:
        from agentgan.errors import UsageError

        raise UsageError(
            "generate() runs to the end and cannot pause for review=True. Build the graph "
            "with a checkpointer (build_graph(InMemorySaver())), invoke it with a thread_id, "
            "and resume it with Command(resume=schema); or run 'agentgan generate --review'."
        )
    result: dict[str, Any] = build_graph().invoke(request, context=context)
    return result


def load_dataset(result: dict[str, Any]) -> pd.DataFrame:
    """Return the delivered table of a finished run as a pandas DataFrame.

    Raises:
        KeyError: the run has no `dataset` (it did not finish).
    """
    from agentgan.io import read_table

    if "dataset" not in result:
        raise KeyError("The run has no 'dataset' key; it did not finish. See its 'errors'.")
    return read_table(result["dataset"]["path"])
