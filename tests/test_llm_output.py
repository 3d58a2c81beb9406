"""Parsing model answers: fences, backticks in values, prose, truncation, schema echo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from agentgan.tools.llm_output import LLMOutputError, decode_json, parse_answer, salvage_rows

SEED_FIELDS = {"rows"}


def test_fenced_response_parses_two_rows(cases_dir: Path) -> None:
    data = decode_json((cases_dir / "C17a_fenced_response.txt").read_text())

    assert [row["customer_id"] for row in data["rows"]] == ["C0001", "C0002"]
    assert data["rows"][1]["monthly_charges"] == 79.9


def test_nested_backticks_keep_value(cases_dir: Path) -> None:
    data = decode_json((cases_dir / "C17b_fenced_nested_backticks.txt").read_text())

    assert len(data["rows"]) == 1
    assert data["rows"][0]["support_note"] == "Customer pasted ```error 42``` into the chat"


def test_plain_json_parses_like_fenced(cases_dir: Path) -> None:
    fenced = decode_json((cases_dir / "C17a_fenced_response.txt").read_text())
    plain = decode_json(json.dumps(fenced))

    assert plain == fenced


def test_truncated_response_keeps_complete_rows(cases_dir: Path) -> None:
    text = (cases_dir / "C19_truncated_response.txt").read_text()
    meta = json.loads((cases_dir / "C19_meta.json").read_text())
    message = AIMessage(content=text, response_metadata={"finish_reason": meta["finish_reason"]})

    with pytest.raises(LLMOutputError, match="cut off") as caught:
        parse_answer(message, SEED_FIELDS)

    assert caught.value.kind == "truncated"
    assert [row["customer_id"] for row in caught.value.rows] == ["C0001", "C0002"]


def test_finish_reason_length_marks_truncation() -> None:
    message = AIMessage(
        content="Here are the rows: ", response_metadata={"finish_reason": "length"}
    )

    with pytest.raises(LLMOutputError, match="token limit") as caught:
        parse_answer(message, SEED_FIELDS)

    assert caught.value.kind == "truncated"


def test_prose_answer_quotes_raw_text(cases_dir: Path) -> None:
    recorded = json.loads((cases_dir / "C16_ai_message_no_tool_call.json").read_text())
    message = AIMessage(
        content=recorded["content"], tool_calls=[], response_metadata=recorded["response_metadata"]
    )

    with pytest.raises(LLMOutputError, match="Sure! Here are five example customers") as caught:
        parse_answer(message, SEED_FIELDS)

    assert caught.value.kind == "prose"


def test_schema_echo_detected() -> None:
    echoed = {
        "title": "SeedRows",
        "type": "object",
        "properties": {"rows": {"type": "array"}},
        "required": ["rows"],
    }
    message = AIMessage(content=json.dumps(echoed))

    with pytest.raises(LLMOutputError, match="JSON Schema") as caught:
        parse_answer(message, SEED_FIELDS)

    assert caught.value.kind == "schema_echo"


def test_tool_call_arguments_preferred() -> None:
    message = AIMessage(
        content="ignored prose",
        tool_calls=[{"name": "SeedRows", "args": {"rows": [{"a": 1}]}, "id": "call_1"}],
    )

    assert parse_answer(message, SEED_FIELDS) == {"rows": [{"a": 1}]}


def test_bare_array_becomes_rows() -> None:
    message = AIMessage(content='[{"a": 1}, {"a": 2}]')

    assert parse_answer(message, SEED_FIELDS) == {"rows": [{"a": 1}, {"a": 2}]}


def test_bracket_in_prose_skipped() -> None:
    text = 'The rows [see below] follow:\n```json\n{"rows": [{"a": "x"}]}\n```'

    assert decode_json(text) == {"rows": [{"a": "x"}]}


def test_invalid_json_named_invalid() -> None:
    with pytest.raises(LLMOutputError, match="invalid") as caught:
        decode_json('{"rows": [1, 2,], "x": 1}')

    assert caught.value.kind == "invalid"


def test_salvage_stops_at_cut_row() -> None:
    text = '{"rows": [{"a": 1}, {"a": "two"}, {"a": "thr'

    assert salvage_rows(text) == [{"a": 1}, {"a": "two"}]
