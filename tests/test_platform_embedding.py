"""agentgan inside other graphs: as a subgraph node and as the tool of a chat agent."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
from langchain_openai import ChatOpenAI

from agentgan.embedding import dataset_tool
from fake_servers import Reply, serve

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "embedding.py"
REQUEST = "customer churn data with age, gender and location"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("agentgan_embedding_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # LangGraph resolves the state's type hints through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_graph_runs_as_subgraph(example: ModuleType, fast_context: dict[str, Any]) -> None:
    pipeline = example.build_pipeline()
    result: dict[str, Any] = {}
    inner_nodes: list[str] = []
    for namespace, mode, chunk in pipeline.stream(
        {"prompt": REQUEST, "rows": 40},
        context=fast_context,
        stream_mode=["updates", "values"],
        subgraphs=True,
    ):
        if mode == "updates" and namespace:
            assert namespace[0].startswith("agentgan:")
            inner_nodes.extend(chunk)
        elif mode == "values" and not namespace:
            result = chunk

    assert inner_nodes == ["knowledge", "seed", "validator", "synthesizer", "validator", "report"]
    description = result["description"]
    assert description["rows"] == 40
    assert result["dataset"]["rows"] == 40
    assert set(description["columns"]) == set(result["dataset"]["columns"])
    frame = pd.read_parquet(result["dataset"]["path"])
    assert description["columns"]["age"].startswith(f"{frame['age'].min()} to {frame['age'].max()}")
    assert Path(result["dataset"]["path"]).is_relative_to(fast_context["output_dir"])


def test_agent_calls_dataset_tool(example: ModuleType, fast_context: dict[str, Any]) -> None:
    replies = [
        Reply(tool_args={"request": REQUEST, "rows": 40}),
        Reply(content="Your table is ready."),
    ]
    with serve("openai", replies) as server:
        model = ChatOpenAI(
            model="test-model", base_url=server.openai_url, api_key="test-key", max_retries=0
        )
        agent = example.build_agent(model, **fast_context)
        result = agent.invoke({"messages": [("user", "Make churn data with 40 rows.")]})

    offered = server.requests[0]["tools"][0]["function"]
    assert offered["name"] == "generate_dataset"
    assert set(offered["parameters"]["properties"]) == {"request", "rows"}
    assert offered["parameters"]["required"] == ["request"]

    tool_messages = [message for message in result["messages"] if message.type == "tool"]
    assert len(tool_messages) == 1
    summary = json.loads(tool_messages[0].content)
    assert summary["rows"] == 40
    assert len(summary["preview"]) == 3
    frame = pd.read_parquet(summary["path"])
    assert len(frame) == 40
    assert list(frame.columns) == summary["columns"]

    # The model received the tool's result in its second request, and its reply ends the run.
    sent_back = server.requests[1]["messages"][-1]
    assert sent_back["role"] == "tool"
    assert summary["path"] in sent_back["content"]
    assert result["messages"][-1].content == "Your table is ready."


def test_tool_returns_error_to_model(fast_context: dict[str, Any]) -> None:
    tool = dataset_tool(**fast_context)
    answer = tool.invoke({"request": "   ", "rows": 10})
    assert isinstance(answer, str)
    assert "The request is empty" in answer


def test_tool_rejects_unknown_setting() -> None:
    with pytest.raises(ValueError, match="epoch"):
        dataset_tool(epoch=10)
