"""Seed generator with a chat model: batches, row checks, truncation and feedback rounds."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from agentgan import build_graph
from agentgan.agents.seed import generate_seed_rows
from agentgan.agents.seed_llm import seed_rows_from_llm
from agentgan.graph.builder import PROVIDER_RETRY
from agentgan.graph.context import Context
from agentgan.graph.state import State
from agentgan.schema.assemble import assemble_schema
from agentgan.tools.llm import build_chat_model
from agentgan.tools.llm_output import LLMOutputError
from fake_servers import Reply, last_user_text, serve
from llm_script import churn_rows, requested_count

API_KEY = "sk-test-seed-0123456789"


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)


def case_schema(extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Schema of the columns the fenced and truncated cases hold."""
    columns: dict[str, dict[str, Any]] = {
        "customer_id": {
            "type": "string",
            "x-generator": {"kind": "id", "prefix": "C", "digits": 4},
            "x-unique": True,
            "x-role": "id",
        },
        "tenure_months": {"type": "integer", "minimum": 0, "maximum": 72},
        "contract": {"type": "string", "enum": ["Month-to-month", "One year", "Two year"]},
        "monthly_charges": {"type": "number", "minimum": 18, "maximum": 120, "x-decimals": 2},
        "total_charges": {"type": "number", "minimum": 0, "maximum": 9000, "x-decimals": 2},
        "churn": {"type": "string", "enum": ["Yes", "No"], "x-role": "target"},
    }
    columns.update(extra or {})
    return assemble_schema("case_table", columns)


def churn_schema(constraints: list[str] | None = None) -> dict[str, Any]:
    """Schema of the scripted churn rows, with a derived column."""
    columns = {
        "customer_id": {
            "type": "string",
            "x-generator": {"kind": "id", "prefix": "C", "digits": 5},
            "x-unique": True,
            "x-role": "id",
        },
        "age": {"type": "integer", "minimum": 18, "maximum": 80},
        "contract": {"type": "string", "enum": ["Month-to-month", "One year", "Two year"]},
        "monthly_charges": {"type": "number", "minimum": 18, "maximum": 120, "x-decimals": 2},
        "yearly_charges": {
            "type": "number",
            "x-decimals": 2,
            "x-derived": "round(monthly_charges * 12, 2)",
        },
        "churn": {"type": "string", "enum": ["Yes", "No"], "x-role": "target"},
    }
    return assemble_schema("churn", columns, constraints=constraints)


def chat_model(url: str) -> Any:
    return build_chat_model("openai:gpt-4o-mini", base_url=url, timeout=10)


def test_fenced_answer_gives_two_rows(cases_dir: Path) -> None:
    text = (cases_dir / "C17a_fenced_response.txt").read_text()
    with serve("openai", [Reply(content=text)]) as llm:
        rows, report = seed_rows_from_llm(case_schema(), 2, chat_model(llm.openai_url))

    assert [row["tenure_months"] for row in rows] == [12, 2]
    assert [row["contract"] for row in rows] == ["One year", "Month-to-month"]
    assert [row["customer_id"] for row in rows] == ["C0001", "C0002"]
    assert report.calls == 1


def test_nested_backticks_keep_value(cases_dir: Path) -> None:
    text = (cases_dir / "C17b_fenced_nested_backticks.txt").read_text()
    schema = case_schema({"support_note": {"type": "string", "maxLength": 200}})
    with serve("openai", [Reply(content=text)]) as llm:
        rows, _ = seed_rows_from_llm(schema, 1, chat_model(llm.openai_url))

    assert len(rows) == 1
    assert rows[0]["support_note"] == "Customer pasted ```error 42``` into the chat"
    assert rows[0]["total_charges"] == 3980.0


def test_truncated_answer_keeps_rows_and_shrinks_batch(
    cases_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cut = (cases_dir / "C19_truncated_response.txt").read_text()
    rest = [
        {
            "tenure_months": 30 + i,
            "contract": "Two year",
            "monthly_charges": 60.0 + i,
            "total_charges": 1800.0 + i,
            "churn": "No",
        }
        for i in range(2)
    ]
    replies = [Reply(tool_args=cut, finish_reason="length"), Reply(tool_args={"rows": rest})]
    with caplog.at_level(logging.WARNING), serve("openai", replies) as llm:
        rows, report = seed_rows_from_llm(case_schema(), 4, chat_model(llm.openai_url))

    assert [row["tenure_months"] for row in rows] == [12, 2, 30, 31]
    assert report.truncated == 1
    assert [requested_count(request) for request in llm.requests] == [4, 2]
    assert "truncated at the token limit; kept 2 complete rows" in caplog.text


def test_invalid_and_repeated_rows_dropped(caplog: pytest.LogCaptureFixture) -> None:
    good = churn_rows(3, 0)
    bad = dict(good[1], age="forty")
    replies = [
        Reply(tool_args={"rows": [good[0], bad, good[0], good[1]]}),
        Reply(tool_args={"rows": [good[2]]}),
    ]
    with caplog.at_level(logging.WARNING), serve("openai", replies) as llm:
        rows, report = seed_rows_from_llm(churn_schema(), 3, chat_model(llm.openai_url))

    assert [row["age"] for row in rows] == [good[0]["age"], good[1]["age"], good[2]["age"]]
    assert [row["yearly_charges"] for row in rows] == [
        round(r["monthly_charges"] * 12, 2) for r in good
    ]
    assert report.duplicates == 1
    assert list(report.rejected) == ["age: 'forty' is not of type 'integer'"]
    assert "rejected 1 invalid and 1 duplicate" in caplog.text
    assert len(llm.requests) == 2


def test_prose_batches_raise_quoted_error(cases_dir: Path) -> None:
    prose = json.loads((cases_dir / "C16_ai_message_no_tool_call.json").read_text())["content"]
    with serve("openai", [Reply(content=prose)]) as llm:
        with pytest.raises(
            LLMOutputError, match="Seed rows: no usable response.*Sure! Here are five"
        ):
            seed_rows_from_llm(churn_schema(), 10, chat_model(llm.openai_url))

    assert len(llm.requests) == 3
    assert "could not be used" in llm.requests[2]["messages"][-1]["content"]


def test_feedback_quoted_in_next_prompt(tmp_path: Path) -> None:
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("seed", generate_seed_rows, retry_policy=PROVIDER_RETRY)
    builder.add_edge(START, "seed")
    builder.add_edge("seed", END)
    feedback = ["12 row(s) fail rule: monthly_charges <= age * 3."]

    def answer(request: dict[str, Any]) -> Reply:
        return Reply(tool_args={"rows": churn_rows(requested_count(request), 0)})

    with serve("openai", answer) as llm:
        context = {
            "model": "openai:gpt-4o-mini",
            "base_url": llm.openai_url,
            "seed_rows": 10,
            "output_dir": str(tmp_path),
        }
        state = {
            "prompt": "churn",
            "schema": churn_schema(),
            "seed_rounds": 1,
            "seed_feedback": feedback,
        }
        result = builder.compile().invoke(state, context=context)

    prompt = last_user_text(llm.requests[0])
    assert (
        '<data source="validator feedback">\n12 row(s) fail rule: monthly_charges <= age * 3.'
        in prompt
    )
    assert result["seed_rounds"] == 2
    assert [row["age"] for row in result["seed_rows"]] == [row["age"] for row in churn_rows(10, 0)]


def test_graph_routes_back_with_feedback(tmp_path: Path) -> None:
    rule = "monthly_charges <= age * 3"

    def answer(request: dict[str, Any]) -> Reply:
        rows = churn_rows(requested_count(request), 0)
        if "fail rule" in last_user_text(request):
            rows = [
                dict(row, monthly_charges=min(row["monthly_charges"], row["age"] * 3))
                for row in rows
            ]
        else:
            rows = [
                dict(row, age=18, monthly_charges=100.0 + index) for index, row in enumerate(rows)
            ]
        return Reply(tool_args={"rows": rows})

    graph = build_graph(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "feedback"}}
    with serve("openai", answer) as llm:
        context = {
            "model": "openai:gpt-4o-mini",
            "base_url": llm.openai_url,
            "seed_rows": 20,
            "output_dir": str(tmp_path),
        }
        state = {"prompt": "churn", "schema": churn_schema([rule])}
        graph.invoke(state, config, context=context, interrupt_before=["synthesizer"])
    result = graph.get_state(config).values

    prompts = [last_user_text(request) for request in llm.requests]
    assert len(prompts) == 2
    assert "fail rule" not in prompts[0]
    assert f"20 row(s) fail rule: {rule}" in prompts[1]
    assert result["seed_rounds"] == 2
    assert result["validation"]["verdict"] == "seeds_ok"
    assert all(row["monthly_charges"] <= row["age"] * 3 for row in result["seed_rows"])
