"""`langgraph dev` serves the graph from langgraph.json; a run through langgraph-sdk returns a table.

The test starts the in-memory LangGraph server on a free loopback port in the repository
root, with tracing, analytics and version checks off so that it makes no outside calls.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from langgraph_sdk import get_sync_client

from agentgan.graph.context import Context

ROOT = Path(__file__).resolve().parents[1]
LANGGRAPH = Path(sys.executable).with_name("langgraph")
START_TIMEOUT = 90.0

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _offline_env(config_home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LANGSMITH_", "LANGCHAIN_"))
    }
    env.update(
        {
            "LANGSMITH_TRACING": "false",
            "LANGCHAIN_TRACING_V2": "false",
            "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            "LANGGRAPH_NO_VERSION_CHECK": "true",
            "XDG_CONFIG_HOME": str(config_home),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"langgraph dev exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{url}/ok", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(
        f"langgraph dev did not answer on {url} in {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not LANGGRAPH.exists():
        pytest.skip(f"langgraph CLI not found at {LANGGRAPH}; install langgraph-cli[inmem]")
    folder = tmp_path_factory.mktemp("langgraph-dev")
    log = folder / "server.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(LANGGRAPH),
                "dev",
                "--no-browser",
                "--no-reload",
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=_offline_env(folder / "config"),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_up(url, process, log)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def test_server_shows_context_form(server_url: str) -> None:
    client = get_sync_client(url=server_url)
    assistants = client.assistants.search(graph_id="agentgan")
    assert [assistant["name"] for assistant in assistants] == ["agentgan"]

    schemas = client.assistants.get_schemas(assistants[0]["assistant_id"])
    fields = schemas["context_schema"]["properties"]
    assert set(fields) == set(Context.model_fields)
    for name, field in Context.model_fields.items():
        assert fields[name]["description"] == field.description
    bounds = Context.model_json_schema()["properties"]["seed_rows"]
    assert fields["seed_rows"]["minimum"] == bounds["minimum"]
    assert fields["seed_rows"]["maximum"] == bounds["maximum"]
    assert fields["device"]["enum"] == ["auto", "cpu", "cuda"]
    assert "prompt" in schemas["input_schema"]["properties"]
    assert "dataset" in schemas["output_schema"]["properties"]


def _stream(client: Any, thread_id: str, **run: Any) -> tuple[list[str], list[Any], list[int]]:
    """Stream one run; return the nodes that finished, the interrupts, and the epochs seen."""
    nodes: list[str] = []
    interrupts: list[Any] = []
    epochs: list[int] = []
    for part in client.runs.stream(thread_id, "agentgan", stream_mode=["updates", "custom"], **run):
        assert part.event != "error", part.data
        if part.event == "updates":
            interrupts.extend(part.data.get("__interrupt__", []))
            nodes.extend(name for name in part.data if name != "__interrupt__")
        elif part.event == "custom" and part.data["event"] == "epoch":
            epochs.append(part.data["epoch"])
    return nodes, interrupts, epochs


def test_server_run_returns_dataset(server_url: str, tmp_path: Path) -> None:
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    context = {
        "epochs": 10,
        "seed_rows": 60,
        "random_seed": 5,
        "output_dir": str(tmp_path / "runs"),
        "review": True,
    }

    # With review on, the run pauses after the knowledge agent with the schema, as Studio
    # shows it; the resumed run uses the edited schema.
    nodes, interrupts, _ = _stream(
        client,
        thread_id,
        input={"prompt": "customer churn data with age, gender and location", "rows": 50},
        context=context,
    )
    assert nodes == ["knowledge"]
    assert len(interrupts) == 1
    schema = interrupts[0]["value"]["schema"]
    assert schema["properties"]["age"]["minimum"] == 18
    schema["properties"]["age"].update(minimum=30, maximum=40)

    nodes, interrupts, epochs = _stream(
        client, thread_id, command={"resume": schema}, context=context
    )
    assert interrupts == []
    assert nodes == ["review", "seed", "validator", "synthesizer", "validator", "report"]
    assert epochs == list(range(1, 11))

    values: dict[str, Any] = client.threads.get_state(thread_id)["values"]
    dataset = values["dataset"]
    path = Path(dataset["path"])
    assert path.is_file()
    assert path.is_relative_to(tmp_path / "runs")
    assert dataset["rows"] == 50
    frame = pd.read_parquet(path)
    assert len(frame) == 50
    assert list(frame.columns) == dataset["columns"]
    assert frame["age"].min() >= 30
    assert frame["age"].max() <= 40
    assert values["training"]["epochs"] == 10
