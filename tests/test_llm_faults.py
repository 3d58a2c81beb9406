"""Provider faults: 429, 5xx, timeouts and refused connections, retried then handled.

Each test runs the real knowledge or seed node under the graph's retry policy against a
loopback server (or a loopback port with nothing listening) and checks the outcome:
fallback to the embedded knowledge base with a warning, or a one-line error.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph

from agentgan.agents.knowledge import build_schema
from agentgan.agents.seed import generate_seed_rows
from agentgan.errors import ProviderError
from agentgan.graph.builder import PROVIDER_RETRY
from agentgan.graph.context import Context
from agentgan.graph.state import State
from agentgan.schema.assemble import assemble_schema
from agentgan.tools.llm import HTTP_RETRIES
from agentgan.tools.retry import PROVIDER_ATTEMPTS
from fake_servers import Reply, free_port, serve
from llm_script import REQUEST, ChurnModel

API_KEY = "sk-test-FAULTKEY-5f3a9c1e77d2"
TAVILY_KEY = "tvly-test-FAULTKEY-8b1d2e6a90"
REQUESTS_PER_FAULT = PROVIDER_ATTEMPTS * (HTTP_RETRIES + 1)


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("TAVILY_API_KEY", TAVILY_KEY)


def one_node(name: str, node: Any) -> Any:
    """A graph of one node with the provider retry policy the real graph uses."""
    builder = StateGraph(State, context_schema=Context)
    builder.add_node(name, node, retry_policy=PROVIDER_RETRY)
    builder.add_edge(START, name)
    builder.add_edge(name, END)
    return builder.compile()


def run_knowledge(url: str, tmp_path: Path, **settings: Any) -> dict[str, Any]:
    context = {
        "model": "openai:gpt-4o-mini",
        "base_url": url,
        "search": "embedded",
        "output_dir": str(tmp_path),
        **settings,
    }
    result: dict[str, Any] = one_node("knowledge", build_schema).invoke(
        {"prompt": REQUEST}, context=context
    )
    return result


def tiny_schema() -> dict[str, Any]:
    return assemble_schema(
        "t",
        {
            "age": {
                "type": "integer",
                "minimum": 18,
                "maximum": 80,
                "x-distribution": {"kind": "normal", "mean": 40, "std": 10},
            },
            "plan": {
                "type": "string",
                "enum": ["a", "b"],
                "x-distribution": {"kind": "categorical", "weights": {"a": 0.5, "b": 0.5}},
            },
        },
    )


def run_seed(url: str, tmp_path: Path, **settings: Any) -> dict[str, Any]:
    context = {
        "model": "openai:gpt-4o-mini",
        "base_url": url,
        "seed_rows": 10,
        "output_dir": str(tmp_path),
        **settings,
    }
    state = {"prompt": "x", "schema": tiny_schema()}
    result: dict[str, Any] = one_node("seed", generate_seed_rows).invoke(state, context=context)
    return result


FAULTS = {
    "429": (Reply(status=429, headers={"Retry-After": "1"}), "HTTP 429"),
    "500": (Reply(status=500), "HTTP 500"),
    "timeout": (Reply(delay=1.0), "timed out"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_seed_fault_falls_back(fault: str, tmp_path: Path) -> None:
    reply, reason = FAULTS[fault]
    started = time.monotonic()
    with serve("openai", [reply]) as llm:
        result = run_seed(llm.openai_url, tmp_path, timeout=0.3)
    elapsed = time.monotonic() - started

    assert len(llm.requests) == REQUESTS_PER_FAULT
    assert [sorted(row) for row in result["seed_rows"]] == [["age", "plan"]] * 10
    assert all(18 <= row["age"] <= 80 for row in result["seed_rows"])
    assert any(
        reason in warning and "making seed rows" in warning for warning in result["warnings"]
    )
    assert elapsed < 90
    if fault == "429":
        client_retry_gap = llm.times[1] - llm.times[0]
        assert client_retry_gap >= 0.95, "the client waits the Retry-After seconds"


def test_seed_refused_connection_falls_back(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_seed(f"http://127.0.0.1:{free_port()}/v1", tmp_path)

    assert time.monotonic() - started < 90
    assert len(result["seed_rows"]) == 10
    assert any("connection failed" in warning for warning in result["warnings"])


def test_fail_policy_stops_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    with serve("openai", [Reply(status=503)]) as llm:
        with pytest.raises(ProviderError, match="Could not make the schema.*HTTP 503") as caught:
            run_knowledge(llm.openai_url, tmp_path, on_provider_error="fail")

    assert "\n" not in str(caught.value)
    assert len(llm.requests) == REQUESTS_PER_FAULT
    assert time.monotonic() - started < 90


def test_search_fault_uses_embedded_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve("openai", ChurnModel()) as llm, serve("tavily", [Reply(status=503)]) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        result = run_knowledge(llm.openai_url, tmp_path, search="tavily")

    assert list(result["schema"]["properties"])[:2] == ["customer_id", "age"]
    assert any("Search with tavily failed (HTTP 503" in warning for warning in result["warnings"])
    assert len(web.requests) == PROVIDER_ATTEMPTS * 2


def test_search_fault_fails_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forbidden = Reply(status=403, error={"detail": {"error": "plan limit"}})
    with serve("openai", ChurnModel()) as llm, serve("tavily", [forbidden]) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        with pytest.raises(
            ProviderError, match="Search with tavily failed for column 'age'.*plan limit"
        ):
            run_knowledge(llm.openai_url, tmp_path, search="tavily", on_provider_error="fail")

    assert len(web.requests) == 1


def test_keys_never_logged_or_printed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    echo = Reply(
        status=401,
        error={
            "error": {
                "message": f"Incorrect API key provided: {API_KEY}",
                "type": "invalid_request_error",
            }
        },
    )
    tavily_echo = Reply(status=401, error={"detail": {"error": f"Invalid key {TAVILY_KEY}"}})
    caplog.set_level(logging.DEBUG)
    with serve("openai", [echo]) as llm, serve("tavily", [tavily_echo]) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        fallback = run_knowledge(llm.openai_url, tmp_path, search="tavily")
        with pytest.raises(ProviderError) as caught:
            run_knowledge(llm.openai_url, tmp_path, on_provider_error="fail")
    with serve("openai", ChurnModel()) as llm, serve("tavily", [tavily_echo]) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        searched = run_knowledge(llm.openai_url, tmp_path, search="tavily")

    printed = capfd.readouterr()
    everything = "\n".join(
        [
            caplog.text,
            printed.out,
            printed.err,
            str(caught.value),
            *fallback["warnings"],
            *searched["warnings"],
            repr(fallback),
            repr(searched),
        ]
    )
    assert "HTTP 401" in str(caught.value)
    assert any("Search with tavily failed" in warning for warning in searched["warnings"])
    assert API_KEY not in everything
    assert TAVILY_KEY not in everything
    assert "FAULTKEY" not in everything
