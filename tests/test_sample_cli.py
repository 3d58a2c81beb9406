"""Train once, sample many: saved model folders, `agentgan sample` and chunked writing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from agentgan.cli import app
from agentgan.errors import ModelFileError, OutputError
from agentgan.schema.validation import check_rows
from agentgan.tools.ctgan_model import SeedModel, choose_settings
from agentgan.tools.streaming import export_model, sample_to_file

SCHEMA = {
    "type": "object",
    "properties": {
        "account": {"type": "string", "pattern": "^\\d{4}-[A-Z]{5}$", "x-unique": True},
        "plan": {"type": "string", "enum": ["basic", "plus", "pro"]},
        "age": {"type": "integer", "minimum": 18, "maximum": 90},
        "spend": {"type": "number", "minimum": 0},
        "doubled": {"type": "number", "x-derived": "spend * 2"},
    },
    "required": ["account", "plan", "age", "spend"],
    "x-constraints": ["age >= 18"],
}


TEST_KEY = "key of the test user"


@pytest.fixture(autouse=True)
def _model_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign and check model folders with one key for the whole module."""
    monkeypatch.setenv("AGENTGAN_MODEL_KEY", TEST_KEY)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained briefly on 60 rows with IDs like 7590-VHVEG, saved and signed."""
    rng = np.random.default_rng(0)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    seeds = pd.DataFrame(
        {
            "account": [
                f"{rng.integers(1000, 9999)}-{''.join(rng.choice(letters, 5))}" for _ in range(60)
            ],
            "plan": rng.choice(["basic", "plus", "pro"], 60, p=[0.6, 0.3, 0.1]),
            "age": rng.integers(18, 80, 60),
            "spend": np.round(rng.lognormal(3, 1, 60), 2),
        }
    )
    seeds["doubled"] = seeds["spend"] * 2
    folder = tmp_path_factory.mktemp("model") / "churn-model"
    model = SeedModel.train(seeds, SCHEMA, choose_settings(len(seeds), epochs=10, random_seed=2))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENTGAN_MODEL_KEY", TEST_KEY)
        model.save(folder)
    (folder.parent / "seed_accounts.txt").write_text("\n".join(seeds["account"]))
    return folder


def test_sample_writes_exactly_the_rows_asked_across_chunks(
    model_dir: Path, tmp_path: Path
) -> None:
    model = SeedModel.load(model_dir)
    out = tmp_path / "rows.parquet"
    events: list[dict[str, object]] = []

    summary = sample_to_file(model, 2_345, out, seed=4, chunk_rows=500, progress=events.append)
    frame = pd.read_parquet(out)

    assert len(frame) == summary.rows == 2_345
    assert summary.chunks >= 5
    assert events[-1]["written"] == 2_345
    assert check_rows(frame, SCHEMA).passed == 2_345
    assert frame["account"].is_unique
    assert frame["account"].str.fullmatch(r"\d{4}-[A-Z]{5}").all()
    seed_accounts = (model_dir.parent / "seed_accounts.txt").read_text().split("\n")
    assert not frame["account"].isin(seed_accounts).any()
    assert np.allclose(frame["doubled"], frame["spend"] * 2)
    assert list(tmp_path.iterdir()) == [out]


def test_sample_command_writes_csv_identically_per_seed(model_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for target in (first, second):
        result = runner.invoke(
            app,
            [
                "sample",
                "--model",
                str(model_dir),
                "--rows",
                "1500",
                "--out",
                str(target),
                "--seed",
                "9",
            ],
        )
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    frame = pd.read_csv(first)
    assert len(frame) == 1500
    assert check_rows(frame, SCHEMA).passed == 1500

    again = runner.invoke(
        app, ["sample", "--model", str(model_dir), "--rows", "10", "--out", str(first)]
    )
    assert again.exit_code == 1
    assert "--force" in again.output


def test_sample_json_array_across_chunks(model_dir: Path, tmp_path: Path) -> None:
    model = SeedModel.load(model_dir)
    out = tmp_path / "rows.json"

    summary = sample_to_file(model, 1_234, out, seed=5, chunk_rows=400)
    rows = json.loads(out.read_text("utf-8"))
    frame = pd.DataFrame(rows)

    assert summary.chunks >= 3
    assert len(rows) == 1_234
    assert list(frame.columns) == list(SCHEMA["properties"])
    assert check_rows(frame, SCHEMA).passed == 1_234
    assert frame["account"].is_unique
    assert list(tmp_path.iterdir()) == [out]


def test_sample_command_refuses_bad_requests(model_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    zero = runner.invoke(
        app, ["sample", "--model", str(model_dir), "--rows", "0", "--out", str(tmp_path / "x.csv")]
    )
    assert zero.exit_code == 2
    assert "--rows must be at least 1, not 0" in zero.output
    text_out = runner.invoke(
        app, ["sample", "--model", str(model_dir), "--rows", "5", "--out", str(tmp_path / "x.txt")]
    )
    assert text_out.exit_code == 2
    assert "writes .csv, .parquet or .json" in text_out.output
    missing = runner.invoke(
        app, ["sample", "--model", str(tmp_path), "--rows", "5", "--out", str(tmp_path / "x.csv")]
    )
    assert missing.exit_code == 1
    assert "not an agentgan model folder" in missing.output
    assert not (tmp_path / "x.csv").exists()


def test_tampered_model_folder_rejected(model_dir: Path, tmp_path: Path) -> None:
    copy = export_model(model_dir, tmp_path / "copy")
    SeedModel.load(copy)

    transform = copy / "transform.json"
    transform.write_text(transform.read_text().replace('"plan"', '"plan" ', 1))
    with pytest.raises(ModelFileError, match=r"transform\.json does not match its signature"):
        SeedModel.load(copy)

    result = CliRunner().invoke(
        app, ["sample", "--model", str(copy), "--rows", "5", "--out", str(tmp_path / "y.csv")]
    )
    assert result.exit_code == 1
    assert "only model folders written by agentgan are loaded" in result.output
    assert "Traceback" not in result.output


def test_foreign_key_model_folder_rejected(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = export_model(model_dir, tmp_path / "elsewhere")
    monkeypatch.setenv("AGENTGAN_MODEL_KEY", "another user's key")
    with pytest.raises(ModelFileError, match="does not match its signature"):
        SeedModel.load(copy)


def test_export_model_replaces_only_model_folders(model_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "kept"
    export_model(model_dir, target)
    with pytest.raises(OutputError, match="already exists; pass --force"):
        export_model(model_dir, target)
    export_model(model_dir, target, force=True)
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in model_dir.iterdir())

    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(OutputError, match="not an agentgan model; choose an empty or new folder"):
        export_model(model_dir, other, force=True)
    assert (other / "cat.jpg").exists()


def test_generate_saves_a_model_that_sample_loads(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "saved"
    result = runner.invoke(
        app,
        [
            "generate",
            "customer churn data with age and monthly charges",
            "--rows",
            "40",
            "--out",
            str(tmp_path / "small.csv"),
            "--epochs",
            "5",
            "--seed-rows",
            "40",
            "--model-out",
            str(folder),
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (folder / "schema.json").is_file()
    assert (folder / "manifest.json").is_file()

    out = tmp_path / "more.csv"
    sampled = runner.invoke(
        app, ["sample", "--model", str(folder), "--rows", "300", "--out", str(out)]
    )
    assert sampled.exit_code == 0, sampled.output
    frame = pd.read_csv(out)
    assert len(frame) == 300
    assert list(frame.columns) == list(pd.read_csv(tmp_path / "small.csv").columns)
