"""Checkpoints: a run stopped after training resumes from SQLite without training again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from agentgan import build_graph, load_dataset
from agentgan.checkpoint import default_work_dir, sqlite_checkpointer, thread_status
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


@pytest.mark.slow
def test_cli_resumes_run_killed_in_training(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    out = tmp_path / "churn.csv"
    arguments = [
        "generate",
        REQUEST,
        "--rows",
        "50",
        "--seed-rows",
        "60",
        "--epochs",
        "150",
        "--checkpoint",
        str(path),
        "--thread-id",
        "churn",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(
        [sys.executable, "-c", "from agentgan.cli import main; main()", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_next_node(path, "churn", "synthesizer", process)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    # SIGTERM stops the command, but the node already running finishes and its result is
    # saved as pending writes, so the trained model is on disk.
    assert process.returncode == 143, output
    assert "run the same command to resume it" in output
    assert not out.exists()
    manifests = list(default_work_dir(path).glob("run-*/model/manifest.json"))
    assert len(manifests) == 1
    stamp = manifests[0].stat().st_mtime_ns

    runner = CliRunner()
    resumed = runner.invoke(app, arguments)
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming thread 'churn'" in resumed.output
    assert manifests[0].stat().st_mtime_ns == stamp
    frame = pd.read_csv(out)
    assert len(frame) == 50
    assert frame["age"].between(18, 85).all()

    again = runner.invoke(app, [*arguments, "--force"])
    assert again.exit_code == 2
    assert "Thread 'churn' already finished" in again.output


def _wait_for_next_node(
    path: Path, thread_id: str, node: str, process: subprocess.Popen[str]
) -> None:
    """Poll the checkpoint file until `node` is the thread's next node."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        if path.exists():
            with sqlite_checkpointer(path) as saver:
                if thread_status(build_graph(saver), thread_id).next_nodes == (node,):
                    return
        time.sleep(0.1)
    pytest.fail(f"the run did not reach {node} within 120 s")


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
