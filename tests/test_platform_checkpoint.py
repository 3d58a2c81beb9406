"""Checkpoints: a run stopped after training resumes from SQLite without training again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentgan import build_graph, load_dataset
from agentgan.checkpoint import sqlite_checkpointer, thread_status
from agentgan.cli import app
from agentgan.errors import UsageError

REQUEST = "customer churn data with age, gender and location"


def _run_then_stop(
    path: Path, thread_id: str, context: dict[str, Any], after: str = "synthesizer"
) -> dict[str, Any]:
    """Run until node `after` is done, then stop, as a run killed at that point would."""
    with sqlite_checkpointer(path) as saver:
        graph = build_graph(saver)
        stopped: dict[str, Any] = graph.invoke(
            {"prompt": REQUEST, "rows": 50},
            {"configurable": {"thread_id": thread_id}},
            context=context,
            interrupt_after=[after],
        )
        assert thread_status(graph, thread_id).kind == "paused"
    return stopped


def _manifest_stamp(training: dict[str, Any]) -> int:
    return (Path(training["model_dir"]) / "manifest.json").stat().st_mtime_ns


def test_resume_skips_training(tmp_path: Path, fast_context: dict[str, Any]) -> None:
    path = tmp_path / "runs.sqlite"
    stopped = _run_then_stop(path, "churn", fast_context)
    training = stopped["training"]
    assert "dataset" not in stopped
    stamp = _manifest_stamp(training)

    # A new connection and a new graph, as in a new process.
    events: list[dict[str, Any]] = []
    nodes: list[str] = []
    result: dict[str, Any] = {}
    with sqlite_checkpointer(path) as saver:
        graph = build_graph(saver)
        assert thread_status(graph, "churn").next_nodes == ("validator",)
        for mode, chunk in graph.stream(
            None,
            {"configurable": {"thread_id": "churn"}},
            context=fast_context,
            stream_mode=["updates", "custom", "values"],
        ):
            if mode == "custom":
                events.append(chunk)
            elif mode == "updates":
                nodes.extend(chunk)
            else:
                result = chunk
        assert thread_status(graph, "churn").kind == "finished"

    assert nodes == ["validator", "report"]
    assert [event["event"] for event in events] == ["candidates_checked"]
    assert result["training"] == training
    assert _manifest_stamp(training) == stamp
    assert result["dataset"]["rows"] == 50
    assert len(load_dataset(result)) == 50


def test_cli_rejects_other_request_on_resume(tmp_path: Path, fast_context: dict[str, Any]) -> None:
    path = tmp_path / "runs.sqlite"
    _run_then_stop(path, "churn", fast_context, after="knowledge")
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "bank customers with income",
            "--checkpoint",
            str(path),
            "--thread-id",
            "churn",
            "--out",
            str(tmp_path / "out.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "was started with the request" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--checkpoint", "runs.sqlite"], "needs --thread-id"),
        (["--thread-id", "churn"], "needs --checkpoint"),
    ],
)
def test_cli_checks_checkpoint_options(tmp_path: Path, arguments: list[str], message: str) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["generate", REQUEST, "--out", str(out), *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_checkpoint_rejects_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database\n" * 200, "utf-8")
    with pytest.raises(UsageError, match="is not a SQLite database"):
        with sqlite_checkpointer(path):
            pass
