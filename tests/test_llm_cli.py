"""`agentgan generate` with a chat model and Tavily, both served on loopback."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from agentgan.cli import app
from fake_servers import free_port, serve, tool_name
from llm_script import AGE_URL, CONTRACT_URL, CONTRACTS, REQUEST, ChurnModel, tavily_results

API_KEY = "sk-test-CLIKEY-1a2b3c4d5e6f"
TAVILY_KEY = "tvly-test-CLIKEY-9f8e7d6c5b"


def run_cli(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """Run `agentgan generate` in this process, in `cwd`, with stdout and stderr captured."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, ["generate", *args])


def set_provider_env(monkeypatch: pytest.MonkeyPatch, llm_url: str, tavily_url: str) -> None:
    settings = {
        "AGENTGAN_MODEL": "openai:gpt-4o-mini",
        "OPENAI_BASE_URL": llm_url,
        "OPENAI_API_KEY": API_KEY,
        "AGENTGAN_SEARCH": "tavily",
        "AGENTGAN_TAVILY_BASE_URL": tavily_url,
        "TAVILY_API_KEY": TAVILY_KEY,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)


@pytest.mark.slow
def test_generate_with_model_and_tavily(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    model = ChurnModel()
    caplog.set_level(logging.DEBUG)
    with serve("openai", model) as llm, serve("tavily", tavily_results) as web:
        set_provider_env(monkeypatch, llm.openai_url, web.base)
        done = run_cli(
            [
                REQUEST,
                "--rows",
                "80",
                "--seed-rows",
                "30",
                "--epochs",
                "5",
                "--seed",
                "5",
                "--out",
                "churn.csv",
                "--schema-out",
                "schema.json",
                "--verbose",
            ],
            tmp_path,
            monkeypatch,
        )

    assert done.exit_code == 0, done.stderr[-3000:]
    steps = [tool_name(request) for request in llm.requests]
    assert steps[0] == "ExtractedAttributes"
    assert steps.count("AttributeFacts") == 4
    assert "DatasetStructure" in steps
    assert steps.count("SeedRows") == 2
    assert model.rows_written == 30
    queries = {request["query"].split()[0] for request in web.requests}
    assert queries == {"customer", "contract", "monthly", "churn"}

    table = pd.read_csv(tmp_path / "churn.csv")
    assert list(table.columns) == ["customer_id", "age", "contract", "monthly_charges", "churn"]
    assert len(table) == 80
    assert set(table["contract"]) <= set(CONTRACTS)
    assert set(table["churn"]) <= {"Yes", "No"}
    assert table["age"].between(18, 80).all()
    assert table["monthly_charges"].between(18, 120).all()

    schema = json.loads((tmp_path / "schema.json").read_text())
    urls = {source.get("url") for source in schema["x-sources"]}
    assert {AGE_URL, CONTRACT_URL} <= urls
    output = done.stdout + done.stderr + caplog.text
    assert API_KEY not in output
    assert TAVILY_KEY not in output
    assert "Traceback" not in output


def test_generate_fails_fast_when_endpoint_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    set_provider_env(monkeypatch, f"{down}/v1", down)
    started = time.monotonic()
    done = run_cli(
        [REQUEST, "--out", "churn.csv", "--on-provider-error", "fail"], tmp_path, monkeypatch
    )

    assert time.monotonic() - started < 90
    assert done.exit_code == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: Could not make the schema with the configured provider")
    assert "connection failed" in lines[-1]
    assert "Traceback" not in done.stderr
    assert API_KEY not in done.stderr
    assert not (tmp_path / "churn.csv").exists()
