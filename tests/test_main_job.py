"""The README's main job through the installed `agentgan` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from agentgan.cli import app

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)


def _command() -> list[str]:
    found = shutil.which("agentgan", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "agentgan.cli"]


@pytest.mark.slow
def test_main_job_meets_acceptance(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    completed = subprocess.run(
        [*_command(), "generate", REQUEST, "--rows", "500", "--out", "churn.csv",
         "--schema-out", "schema.json", "--seed", "7"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=environment, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "Rows: 500" in completed.stderr

    frame = pd.read_csv(tmp_path / "churn.csv")
    schema = json.loads((tmp_path / "schema.json").read_text())
    assert len(frame) == 500
    for column in ("age", "gender", "location", "churn", "tenure_months", "contract", "monthly_charges"):
        assert column in frame.columns
    assert pd.api.types.is_integer_dtype(frame["age"])
    assert frame["age"].between(18, 85).all()
    assert set(frame["gender"]) <= {"Male", "Female", "Other"}

    validator = jsonschema.Draft202012Validator(schema)
    rows = json.loads(frame.to_json(orient="records"))
    assert [row for row in rows if not validator.is_valid(row)] == []

    short = frame.loc[frame["tenure_months"] < 12, "churn"].eq("Yes").mean()
    long = frame.loc[frame["tenure_months"] >= 24, "churn"].eq("Yes").mean()
    assert short > long


def test_same_seed_gives_identical_file(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name in ("first.csv", "second.csv"):
        result = runner.invoke(
            app, ["generate", REQUEST, "--rows", "60", "--out", str(tmp_path / name), "--seed", "3",
                  "--epochs", "10", "--seed-rows", "50"],
        )
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_generate_writes_parquet_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("table.parquet", "table.json"):
        result = runner.invoke(
            app, ["generate", "churn data with age and gender", "--rows", "30", "--out",
                  str(tmp_path / name), "--epochs", "5", "--seed-rows", "40"],
        )
        assert result.exit_code == 0, result.output
    parquet = pd.read_parquet(tmp_path / "table.parquet")
    records = json.loads((tmp_path / "table.json").read_text())
    assert len(parquet) == 30
    assert len(records) == 30
    assert set(records[0]) == set(parquet.columns)
