"""Checks shared by the tests of failing commands: one line, an exit status, no files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agentgan.cli import app


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones included) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def invoke(args: list[str]) -> Any:
    """Run the `agentgan` command in this process and return click's result."""
    return CliRunner().invoke(app, args)


def assert_clean_failure(result: Any, status: int, pattern: str) -> str:
    """Check a failed command: its status, one `error:` line matching `pattern`, no traceback.

    Returns:
        The error line.
    """
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == status, (result.exit_code, result.stderr, result.exception)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return lines[0]


def assert_failure_leaves_files(folder: Path, args: list[str], status: int, pattern: str) -> str:
    """Run a command that must fail and check that no file under `folder` changed."""
    before = snapshot(folder)
    result = invoke(args)
    line = assert_clean_failure(result, status, pattern)
    assert snapshot(folder) == before
    return line
