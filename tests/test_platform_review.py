"""Human review: the run pauses after the knowledge agent and resumes with an edited schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agentgan import build_graph, generate, load_dataset
from agentgan.agents.knowledge import schema_from_request
from agentgan.agents.review import check_reviewed_schema
from agentgan.errors import SchemaError, UsageError
from agentgan.graph.routing import route_after_knowledge

REQUEST = "customer churn data with age, gender and location"


def _pending(result: dict[str, Any]) -> dict[str, Any]:
    interrupts = result["__interrupt__"]
    assert len(interrupts) == 1
    value: dict[str, Any] = interrupts[0].value
    return value


def test_review_resumes_with_edited_schema(fast_context: dict[str, Any]) -> None:
    graph = build_graph(InMemorySaver())
    config = {"configurable": {"thread_id": "review"}}
    context = {**fast_context, "review": True}

    paused = graph.invoke({"prompt": REQUEST, "rows": 50}, config, context=context)
    value = _pending(paused)
    assert "dataset" not in paused
    assert value["error"] is None
    assert value["rows"] == 50
    assert value["schema"]["properties"]["age"]["minimum"] == 18
    assert graph.get_state(config).next == ("review",)

    # An invalid resume value pauses the run again with the error and the rejected schema.
    broken = copy.deepcopy(value["schema"])
    broken["properties"]["age"]["minimum"] = 50
    broken["properties"]["age"]["maximum"] = 40
    again = _pending(graph.invoke(Command(resume=broken), config, context=context))
    assert "age" in again["error"]
    assert again["schema"]["properties"]["age"]["minimum"] == 50

    edited = copy.deepcopy(value["schema"])
    edited["properties"]["age"]["minimum"] = 30
    edited["properties"]["age"]["maximum"] = 40
    result = graph.invoke(Command(resume=edited), config, context=context)

    frame = load_dataset(result)
    assert result["dataset"]["rows"] == 50
    assert frame["age"].min() >= 30
    assert frame["age"].max() <= 40
    assert result["schema"]["properties"]["age"]["maximum"] == 40
    seed_ages = [row["age"] for row in result["seed_rows"]]
    assert min(seed_ages) >= 30
    assert max(seed_ages) <= 40


def test_review_off_runs_no_review_node() -> None:
    class Runtime:
        def __init__(self, context: dict[str, Any]) -> None:
            self.context = context

    assert route_after_knowledge({}, Runtime({"review": True})) == "review"
    assert route_after_knowledge({}, Runtime({"review": False})) == "seed"
    assert route_after_knowledge({}, Runtime({})) == "seed"


def test_reviewed_schema_accepts_interrupt_value() -> None:
    schema = schema_from_request(REQUEST)
    checked = check_reviewed_schema({"schema": schema, "rows": 10, "error": None})
    assert checked["properties"]["age"] == schema["properties"]["age"]


@pytest.mark.parametrize(
    ("resume_value", "message"),
    [
        ("looks fine", "must be a schema .* not str"),
        (None, "must be a schema .* not NoneType"),
        (
            {"type": "object", "properties": {"age": {"type": "decimal"}}},
            "reviewed schema is invalid",
        ),
    ],
)
def test_reviewed_schema_rejects_bad_value(resume_value: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        check_reviewed_schema(resume_value)


def test_generate_rejects_review_without_checkpointer() -> None:
    with pytest.raises(UsageError, match="review=True"):
        generate(REQUEST, rows=20, review=True)
