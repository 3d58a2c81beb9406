"""`agentgan generate --review --checkpoint` in a terminal: edit the schema in $EDITOR, then
stop the command during training and resume it with the same command."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from agentgan import build_graph
from agentgan.checkpoint import default_work_dir, sqlite_checkpointer, thread_status
from agentgan.cli import app

pexpect = pytest.importorskip("pexpect")

REQUEST = "customer churn data with age, gender and location"

# Stands in for the person's editor. The first edit swaps the age bounds (an invalid
# schema); the second narrows age to 30-40.
EDITOR_SCRIPT = """
import json, pathlib, sys
path = pathlib.Path(sys.argv[1])
marker = pathlib.Path(sys.argv[0]).with_suffix(".edited")
schema = json.loads(path.read_text())
age = schema["properties"]["age"]
if marker.exists():
    age["minimum"], age["maximum"] = 30, 40
else:
    age["minimum"], age["maximum"] = 50, 40
    marker.write_text("1")
path.write_text(json.dumps(schema, indent=2))
"""


@pytest.mark.slow
def test_review_then_resume_after_kill(tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR_SCRIPT, "utf-8")
    out = tmp_path / "churn.csv"
    checkpoint = tmp_path / "runs.sqlite"
    arguments = [
        "generate",
        REQUEST,
        "--rows",
        "40",
        "--seed-rows",
        "60",
        "--epochs",
        "60",
        "--out",
        str(out),
        "--checkpoint",
        str(checkpoint),
        "--thread-id",
        "churn",
    ]
    env = {
        "EDITOR": f"{sys.executable} {editor}",
        "VISUAL": "",
        "TERM": "dumb",
        "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
    }
    child = pexpect.spawn(
        sys.executable,
        ["-c", "from agentgan.cli import main; main()", *arguments, "--review"],
        env={**_base_env(), **env},
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 200),
    )
    try:
        child.expect("Accept the schema")
        child.sendline("e")
        child.expect("'age' has minimum 50")
        child.expect("Accept the schema")
        child.sendline("e")
        child.expect("The edited schema is valid")
        child.expect("Accept the schema")
        child.sendline("a")

        # Stop the command once CTGAN training has started, as a killed job would.
        _wait_for_next_node(checkpoint, "churn", "synthesizer")
        child.kill(signal.SIGTERM)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)

    # The node already running finishes and LangGraph saves its result, so the model is
    # on disk although the command stopped.
    assert child.exitstatus == 143, child.before
    assert not out.exists()
    manifests = list(default_work_dir(checkpoint).glob("run-*/model/manifest.json"))
    assert len(manifests) == 1
    stamp = manifests[0].stat().st_mtime_ns

    runner = CliRunner()
    resumed = runner.invoke(app, arguments)
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming thread 'churn'" in resumed.output
    assert manifests[0].stat().st_mtime_ns == stamp
    frame = pd.read_csv(out)
    assert len(frame) == 40
    assert frame["age"].min() >= 30
    assert frame["age"].max() <= 40

    again = runner.invoke(app, [*arguments, "--force"])
    assert again.exit_code == 2
    assert "Thread 'churn' already finished" in again.output


def _wait_for_next_node(path: Path, thread_id: str, node: str) -> None:
    """Poll the checkpoint file until `node` is the thread's next node."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if path.exists():
            with sqlite_checkpointer(path) as saver:
                if thread_status(build_graph(saver), thread_id).next_nodes == (node,):
                    return
        time.sleep(0.1)
    pytest.fail(f"the run did not reach {node} within 120 s")


def test_review_needs_terminal(tmp_path: Path) -> None:
    out = tmp_path / "churn.csv"
    result = CliRunner().invoke(app, ["generate", REQUEST, "--review", "--out", str(out)])
    assert result.exit_code == 2
    assert "--review needs an interactive terminal" in result.output
    assert not out.exists()


def _base_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("EDITOR", "VISUAL")}
