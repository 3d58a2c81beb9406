"""Bad requests and options: one line on stderr, exit status 2 or 1, no files touched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console

from agentgan.cli_errors import EXIT_FAILURE, errors_reported
from agentgan.graph.context import MAX_ROWS
from agentgan.request_checks import MAX_REQUEST_CHARS, looks_english
from failure_checks import assert_failure_leaves_files, snapshot

CHURN = "customer churn data with age and gender"

USAGE_CASES = [
    ("no request", ["generate"], "The request is empty; describe the table"),
    ("empty request", ["generate", ""], "The request is empty"),
    ("blank request", ["generate", "  \t \n "], "The request is empty"),
    (
        "request too long",
        ["generate", "customer churn data with age " * 200],
        f"The request is 5799 characters long; the maximum is {MAX_REQUEST_CHARS}",
    ),
    (
        "French request",
        ["generate", "données de clients avec âge, sexe et ville, 500 lignes"],
        "does not look like English, and the offline knowledge base reads English only.*"
        "Write the request in English, name the columns.*configure a chat model",
    ),
    (
        "Spanish request",
        ["generate", "datos de clientes con edad y genero"],
        "does not look like English",
    ),
    (
        "German request",
        ["generate", "Kundendaten mit Alter, Geschlecht und Wohnort, 500 Zeilen"],
        "does not look like English",
    ),
    (
        "Japanese request",
        ["generate", "顧客の解約データ、年齢と性別"],
        "does not look like English",
    ),
    ("schema in French", ["schema", "données de clients avec âge et ville"], "does not look like"),
    ("schema blank", ["schema", "   "], "Give a request or a table"),
    ("zero rows", ["generate", CHURN, "--rows", "0"], "Invalid value 0 for --rows: input should"),
    ("negative rows", ["generate", CHURN, "--rows", "-5"], "Invalid value -5 for --rows"),
    (
        "non-numeric rows",
        ["generate", CHURN, "--rows", "many"],
        r"Invalid value for '--rows'.*valid integer.*see 'agentgan generate --help'",
    ),
    (
        "absurd rows",
        ["generate", CHURN, "--rows", str(10**11)],
        f"Invalid value 100000000000 for --rows: input should be less than or equal to {MAX_ROWS}",
    ),
    (
        "absurd rows in the request",
        ["generate", "customer churn data with age and gender, 50 billion rows"],
        "row count 50,000,000,000 from the request or schema is out of range; ask for "
        "between 1 and 10,000,000 rows",
    ),
    (
        "too few seed rows",
        ["generate", CHURN, "--seed-rows", "3"],
        "Invalid value 3 for --seed-rows",
    ),
    ("zero epochs", ["generate", CHURN, "--epochs", "0"], "Invalid value 0 for --epochs"),
    (
        "odd batch size",
        ["generate", CHURN, "--batch-size", "1"],
        "Invalid value 1 for --batch-size",
    ),
    ("zero rounds", ["generate", CHURN, "--max-rounds", "0"], "Invalid value 0 for --max-rounds"),
    ("negative seed", ["generate", CHURN, "--seed", "-1"], "Invalid value -1 for --seed"),
    ("unknown device", ["generate", CHURN, "--device", "gpu"], "'gpu' for --device: input should"),
    ("unknown option", ["generate", CHURN, "--colour", "red"], "No such option: --colour"),
    ("unknown command", ["make", CHURN], "No such command 'make'; see 'agentgan --help'"),
    ("extra argument", ["generate", CHURN, "surplus"], "unexpected extra argument"),
]


@pytest.mark.parametrize(
    "args,pattern", [case[1:] for case in USAGE_CASES], ids=[case[0] for case in USAGE_CASES]
)
def test_usage_error_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], pattern: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.csv").write_text("keep,me\n1,2\n")
    assert_failure_leaves_files(tmp_path, args, 2, pattern)


def test_unknown_output_format_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["generate", CHURN, "--out", "table.xlsx"]
    assert_failure_leaves_files(
        tmp_path, args, 2, r"Cannot tell the format of 'table.xlsx'.*use .csv, .parquet or .json"
    )


def test_unexpected_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    console = Console(stderr=True)
    with pytest.raises(typer.Exit) as raised, errors_reported(console):
        {}["missing"]  # noqa: B018 - a genuine KeyError inside the block
    assert raised.value.exit_code == EXIT_FAILURE
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unexpected KeyError: 'missing'. This is a bug")
    assert "Traceback" not in lines[0]


def test_english_requests_pass_language_check() -> None:
    for request in [
        CHURN,
        "hospital patients in Los Angeles and Las Vegas with age and diagnosis",
        "employees with EIN, e-mail and OS version, 300 rows",
        "500 rows",
        "churn",
    ]:
        assert looks_english(request), request


def run_agentgan(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "agentgan.cli", *args]
    environment = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, env=environment
    )


@pytest.mark.parametrize(
    "args,status,pattern",
    [
        (["generate", CHURN, "--bogus"], 2, "^error: No such option: --bogus"),
    ],
    ids=["unknown option"],
)
def test_subprocess_error_is_one_line(
    tmp_path: Path, args: list[str], status: int, pattern: str
) -> None:
    before = snapshot(tmp_path)
    completed = run_agentgan(args, tmp_path)
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert completed.returncode == status, completed.stderr
    assert len(lines) == 1, completed.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in completed.stderr + completed.stdout
    assert completed.stdout == ""
    assert snapshot(tmp_path) == before
