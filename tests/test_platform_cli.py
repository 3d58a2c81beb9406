"""`agentgan generate --review` in a terminal: the person edits the schema in $EDITOR."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

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
def test_review_edits_schema_in_editor(tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR_SCRIPT, "utf-8")
    out = tmp_path / "churn.csv"
    command = [
        "-c",
        "from agentgan.cli import main; main()",
        "generate",
        REQUEST,
        "--rows",
        "40",
        "--seed-rows",
        "60",
        "--epochs",
        "10",
        "--review",
        "--out",
        str(out),
        "--work-dir",
        str(tmp_path / "work"),
    ]
    env = {
        "EDITOR": f"{sys.executable} {editor}",
        "VISUAL": "",
        "TERM": "dumb",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    child = pexpect.spawn(
        sys.executable,
        command,
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
        child.expect(pexpect.EOF)
    finally:
        child.close()

    assert child.exitstatus == 0, child.before
    frame = pd.read_csv(out)
    assert len(frame) == 40
    assert frame["age"].min() >= 30
    assert frame["age"].max() <= 40


def test_review_needs_terminal(tmp_path: Path) -> None:
    out = tmp_path / "churn.csv"
    result = CliRunner().invoke(app, ["generate", REQUEST, "--review", "--out", str(out)])
    assert result.exit_code == 2
    assert "--review needs an interactive terminal" in result.output
    assert not out.exists()


def _base_env() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if key not in ("EDITOR", "VISUAL")}
