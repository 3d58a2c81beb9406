"""Wires the agentgan nodes and routers into one LangGraph `StateGraph`.

```
START -> knowledge -> [review] -> seed -> validator -> synthesizer -> validator -> report -> END
                                   ^          |            ^             |
                                   +- retry --+            +-- top-up ---+
```

The review node runs only when the run context has `review=True`. It pauses the run with
`langgraph.types.interrupt`, so it needs a checkpointer.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from agentgan.agents.knowledge import build_schema
from agentgan.agents.report import write_report
from agentgan.agents.review import review_schema
from agentgan.agents.seed import generate_seed_rows
from agentgan.agents.synthesizer import train_and_sample
from agentgan.agents.validator import validate_rows
from agentgan.graph.context import Context
from agentgan.graph.routing import route_after_knowledge, route_after_validation
from agentgan.graph.state import InputState, OutputState, State
from agentgan.tools.retry import PROVIDER_ATTEMPTS, PROVIDER_RETRY_INTERVAL, is_transient

PROVIDER_RETRY = RetryPolicy(
    max_attempts=PROVIDER_ATTEMPTS,
    initial_interval=PROVIDER_RETRY_INTERVAL,
    max_interval=20.0,
    retry_on=is_transient,
)
"""Retry policy of the nodes that call a chat model or a search service."""


def build_graph(checkpointer: Any = None, *, name: str = "agentgan") -> Any:
    """Build and compile the agentgan graph.

    Args:
        checkpointer: A LangGraph checkpointer, for runs that resume or pause for review.
        name: Name of the compiled graph, shown in traces and when embedded.

    Returns:
        The compiled graph: call `invoke({"prompt": ...}, context={...})`.

    Example:
        >>> from agentgan import build_graph, load_dataset
        >>> result = build_graph().invoke({"prompt": "churn data with age", "rows": 200})
        >>> load_dataset(result).shape
        (200, 8)
    """
    builder = StateGraph(State, context_schema=Context, input_schema=InputState, output_schema=OutputState)
    builder.add_node("knowledge", build_schema, retry_policy=PROVIDER_RETRY)
    builder.add_node("review", review_schema)
    builder.add_node("seed", generate_seed_rows, retry_policy=PROVIDER_RETRY)
    builder.add_node("validator", validate_rows)
    builder.add_node("synthesizer", train_and_sample)
    builder.add_node("report", write_report)

    builder.add_edge(START, "knowledge")
    builder.add_conditional_edges("knowledge", route_after_knowledge, ["review", "seed"])
    builder.add_edge("review", "seed")
    builder.add_edge("seed", "validator")
    builder.add_conditional_edges("validator", route_after_validation, ["seed", "synthesizer", "report"])
    builder.add_edge("synthesizer", "validator")
    builder.add_edge("report", END)
    return builder.compile(checkpointer=checkpointer, name=name)


graph = build_graph()
"""The compiled graph that `langgraph.json` serves."""
