"""Knowledge agent with a chat model and Tavily, through the real clients on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph

from agentgan.agents.knowledge import build_schema
from agentgan.agents.knowledge_llm import MODEL_ESTIMATE, schema_from_llm
from agentgan.errors import ProviderError
from agentgan.graph.builder import PROVIDER_RETRY
from agentgan.graph.context import Context
from agentgan.graph.state import State
from agentgan.tools.llm import build_chat_model
from agentgan.tools.llm_output import LLMOutputError
from agentgan.tools.search import EmbeddedSearch, TavilySearch
from fake_servers import Reply, last_user_text, serve, tool_name
from llm_script import (
    AGE_URL,
    CONTRACT_URL,
    FACTS,
    REQUEST,
    STRUCTURE,
    ChurnModel,
    tavily_results,
)

API_KEY = "sk-test-knowledge-0123456789"
TAVILY_KEY = "tvly-test-knowledge-0123456789"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("TAVILY_API_KEY", TAVILY_KEY)


def knowledge_graph() -> Any:
    """The knowledge node alone, with the graph's provider retry policy."""
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("knowledge", build_schema, retry_policy=PROVIDER_RETRY)
    builder.add_edge(START, "knowledge")
    builder.add_edge("knowledge", END)
    return builder.compile()


def by_step(overrides: dict[str, list[Reply]]) -> Any:
    """A ChurnModel whose answers for some steps come from lists first."""
    good = ChurnModel()
    queues = {name: list(replies) for name, replies in overrides.items()}

    def answer(request: dict[str, Any]) -> Reply:
        queue = queues.get(tool_name(request))
        if queue:
            return queue.pop(0)
        return good(request)

    return answer


def test_good_answers_build_described_schema(keys: None) -> None:
    with serve("openai", ChurnModel()) as llm, serve("tavily", tavily_results) as web:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        search = TavilySearch(TAVILY_KEY, web.base, timeout=10)
        schema = schema_from_llm(REQUEST, model, search)

    columns = schema["properties"]
    assert list(columns) == ["customer_id", "age", "contract", "monthly_charges", "churn"]
    assert columns["customer_id"]["x-role"] == "id"
    assert (columns["age"]["minimum"], columns["age"]["maximum"]) == (18, 80)
    assert columns["contract"]["enum"] == ["Month-to-month", "One year", "Two year"]
    assert columns["contract"]["x-distribution"]["weights"]["One year"] == 0.3
    assert columns["churn"]["x-role"] == "target"
    assert schema["x-constraints"] == ["monthly_charges >= 18"]
    assert schema["x-dependencies"][0]["cases"][0] == {
        "when": {"max": 30},
        "weights": {"Yes": 0.4, "No": 0.6},
    }

    cited = {source["column"]: source for source in schema["x-sources"]}
    assert cited["age"]["url"] == AGE_URL
    assert cited["contract"]["url"] == CONTRACT_URL
    assert cited["monthly_charges"]["title"] == MODEL_ESTIMATE
    assert "url" not in cited["monthly_charges"]


def test_requests_quote_search_results_as_data(keys: None) -> None:
    with serve("openai", ChurnModel()) as llm, serve("tavily", tavily_results) as web:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        schema_from_llm(REQUEST, model, TavilySearch(TAVILY_KEY, web.base, timeout=10))

    steps = [tool_name(request) for request in llm.requests]
    assert steps[0] == "ExtractedAttributes"
    assert steps.count("AttributeFacts") == 4
    assert steps[-1] == "DatasetStructure"
    assert [request["query"] for request in web.requests][:1] == [
        "customer age distribution statistics telecom churn"
    ]
    assert web.headers[0]["authorization"] == f"Bearer {TAVILY_KEY}"

    age_prompt = next(
        json.dumps(r["messages"]) for r in llm.requests if "column 'age'" in json.dumps(r)
    )
    injected = age_prompt.index("IGNORE ALL RULES")
    assert age_prompt.rfind('<data source=\\"search results\\">', 0, injected) > 0
    assert age_prompt.find("</data>", injected) > injected


def test_schema_echo_retried_with_error(keys: None) -> None:
    echo = {
        "title": "ExtractedAttributes",
        "type": "object",
        "properties": {"attributes": {"type": "array"}},
        "required": ["attributes"],
    }
    script = by_step({"ExtractedAttributes": [Reply(content=json.dumps(echo))]})
    with serve("openai", script) as llm:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        schema = schema_from_llm(REQUEST, model, EmbeddedSearch())

    assert list(schema["properties"])[1] == "age"
    retry = llm.requests[1]["messages"]
    assert "JSON Schema it was given instead of data" in retry[-1]["content"]


def test_missing_keys_retried_with_error(keys: None) -> None:
    missing = {"title": "customer_churn"}
    script = by_step({"ExtractedAttributes": [Reply(tool_args=missing)]})
    with serve("openai", script) as llm:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        schema = schema_from_llm(REQUEST, model, EmbeddedSearch())

    assert schema["properties"]["churn"]["enum"] == ["Yes", "No"]
    retry = llm.requests[1]["messages"]
    assert retry[-1]["role"] == "tool"
    assert "attributes" in retry[-1]["content"]
    assert "Field required" in retry[-1]["content"]


def test_unsafe_rule_retried_with_error(keys: None) -> None:
    unsafe = dict(STRUCTURE, constraints=["__import__('os').system('true') == 0"])
    script = by_step({"DatasetStructure": [Reply(tool_args=unsafe)]})
    with serve("openai", script) as llm:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        schema = schema_from_llm(REQUEST, model, EmbeddedSearch())

    assert schema["x-constraints"] == ["monthly_charges >= 18"]
    structure_requests = [r for r in llm.requests if tool_name(r) == "DatasetStructure"]
    assert len(structure_requests) == 2
    assert "__import__" in structure_requests[1]["messages"][-1]["content"]


def test_uncited_number_becomes_estimate(keys: None) -> None:
    made_up = dict(FACTS["age"], source=7)
    script = by_step({"AttributeFacts": [Reply(tool_args=made_up)]})
    with serve("openai", script) as llm, serve("tavily", tavily_results) as web:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        schema = schema_from_llm(REQUEST, model, TavilySearch(TAVILY_KEY, web.base, timeout=10))

    assert schema["properties"]["age"]["x-source"]["title"] == MODEL_ESTIMATE
    assert "url" not in schema["properties"]["age"]["x-source"]


def test_prose_answers_raise_quoted_error(keys: None, cases_dir: Path) -> None:
    prose = json.loads((cases_dir / "C16_ai_message_no_tool_call.json").read_text())["content"]
    with serve("openai", [Reply(content=prose)]) as llm:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        with pytest.raises(LLMOutputError, match="after 3 attempts.*Sure! Here are five example"):
            schema_from_llm(REQUEST, model, EmbeddedSearch())

    assert len(llm.requests) == 3


def test_prose_answers_fail_node_with_one_line(keys: None, cases_dir: Path, tmp_path: Path) -> None:
    prose = json.loads((cases_dir / "C16_ai_message_no_tool_call.json").read_text())["content"]
    with serve("openai", [Reply(content=prose)]) as llm:
        context = {
            "model": "openai:gpt-4o-mini",
            "base_url": llm.openai_url,
            "search": "embedded",
            "on_provider_error": "fail",
            "output_dir": str(tmp_path),
        }
        with pytest.raises(ProviderError, match="Sure! Here are five example customers") as caught:
            knowledge_graph().invoke({"prompt": REQUEST}, context=context)

    assert "\n" not in str(caught.value)
    assert len(llm.requests) == 3


def test_prose_answers_fall_back_with_warning(keys: None, cases_dir: Path, tmp_path: Path) -> None:
    prose = json.loads((cases_dir / "C16_ai_message_no_tool_call.json").read_text())["content"]
    with serve("openai", [Reply(content=prose)]) as llm:
        context = {
            "model": "openai:gpt-4o-mini",
            "base_url": llm.openai_url,
            "search": "embedded",
            "output_dir": str(tmp_path),
        }
        result = knowledge_graph().invoke({"prompt": REQUEST}, context=context)

    assert "tenure_months" in result["schema"]["properties"]
    assert any("Sure! Here are five example customers" in w for w in result["warnings"])
    assert any("used the embedded knowledge base" in w for w in result["warnings"])


def test_extraction_reaches_server_with_key(keys: None, tmp_path: Path) -> None:
    with serve("openai", ChurnModel()) as llm:
        context = {
            "model": "openai:gpt-4o-mini",
            "base_url": llm.openai_url,
            "search": "embedded",
            "output_dir": str(tmp_path),
        }
        result = knowledge_graph().invoke({"prompt": REQUEST}, context=context)

    assert llm.paths[0] == "/v1/chat/completions"
    assert llm.headers[0]["authorization"] == f"Bearer {API_KEY}"
    assert llm.requests[0]["model"] == "gpt-4o-mini"
    assert list(result["schema"]["properties"]) == [
        "customer_id",
        "age",
        "contract",
        "monthly_charges",
        "churn",
    ]
    assert result["warnings"] == []


def test_server_without_tools_gets_json_prompt(keys: None) -> None:
    good = ChurnModel()
    rejection = {
        "error": {
            "message": "tools are not supported by this model",
            "type": "invalid_request_error",
        }
    }

    def answer(request: dict[str, Any]) -> Reply:
        if request.get("tools"):
            return Reply(status=400, error=rejection)
        text = last_user_text(request)
        title = next(
            name
            for name in ("ExtractedAttributes", "AttributeFacts", "DatasetStructure")
            if f'"title":"{name}"' in text
        )
        with_tool = dict(request, tools=[{"type": "function", "function": {"name": title}}])
        scripted = good(with_tool)
        return Reply(content=f"```json\n{json.dumps(scripted.tool_args)}\n```")

    with serve("openai", answer) as llm:
        model = build_chat_model("openai:gpt-4o-mini", base_url=llm.openai_url, timeout=10)
        schema = schema_from_llm(REQUEST, model, EmbeddedSearch())

    assert list(schema["properties"]) == [
        "customer_id",
        "age",
        "contract",
        "monthly_charges",
        "churn",
    ]
    assert schema["properties"]["contract"]["enum"] == ["Month-to-month", "One year", "Two year"]
    assert [bool(request.get("tools")) for request in llm.requests[:2]] == [True, False]
