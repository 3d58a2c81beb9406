"""Progress events as LangGraph custom stream events.

Inside a graph run, `emit` sends an event to `stream_mode="custom"` consumers (the CLI's
progress display, LangGraph Studio, an SDK client). Outside a run it does nothing, so
tools and helpers can report progress without knowing who calls them.
"""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer


def emit(event: dict[str, Any]) -> None:
    """Send one progress event if a graph run is listening."""
    try:
        writer = get_stream_writer()
    except (RuntimeError, KeyError):
        # RuntimeError outside any runnable; KeyError inside a runnable that is not a graph
        # run, such as a tool invoked directly.
        return
    writer(event)
