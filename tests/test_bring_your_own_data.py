"""`agentgan generate --from`: a real sample in, a synthetic table and its report out."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from langgraph.runtime import Runtime
from typer.testing import CliRunner

from agentgan import generate, load_dataset
from agentgan.agents.report import report_tables
from agentgan.agents.validator import validate_rows
from agentgan.cli import app
from agentgan.errors import ValidationFailed
from agentgan.graph.context import Context
from agentgan.tools.metrics import PRIVACY_RULE, copies_of
from agentgan.tools.profiling import SEED_ROWS_IN_STATE, infer_schema, read_sample
from agentgan.tools.report_html import write_report_html


@pytest.fixture
def telco_300(data_dir: Path, tmp_path: Path) -> Path:
    """300 Telco rows, as the raw text of the file (blanks in TotalCharges kept)."""
    raw = pd.read_csv(data_dir / "telco_customer_churn.csv", dtype=str, keep_default_na=False)
    blanks = raw[raw["TotalCharges"].str.strip() == ""].head(2)
    rows = pd.concat([blanks, raw.drop(blanks.index).sample(298, random_state=11)])
    path = tmp_path / "telco_300.csv"
    rows.to_csv(path, index=False)
    return path


def page_images(text: str) -> list[bytes]:
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    return [base64.b64decode(image, validate=True) for image in images]


def test_telco_sample_to_1000_rows(
    telco_300: Path, tmp_path: Path, fast_context: dict[str, object]
) -> None:
    result = generate(
        sample_data=str(telco_300), rows=1000, target="Churn", **{**fast_context, "epochs": 10}
    )
    synthetic = load_dataset(result)
    sample = read_sample(telco_300).frame
    report = result["report"]

    assert len(synthetic) == 1000
    assert list(synthetic.columns) == list(sample.columns)
    assert synthetic["customerID"].is_unique
    assert not set(synthetic["customerID"]) & set(sample["customerID"])
    assert synthetic["customerID"].str.fullmatch(r"\d{4}-[A-Z]{5}").all()  # as 7590-VHVEG
    assert set(synthetic["Contract"]) <= set(sample["Contract"])
    assert pd.api.types.is_float_dtype(synthetic["TotalCharges"])
    assert (
        synthetic["MonthlyCharges"]
        .between(sample["MonthlyCharges"].min() - 3, sample["MonthlyCharges"].max() + 3)
        .all()
    )
    assert int(copies_of(sample, synthetic, result["schema"]).sum()) == 0

    assert report["reference"] == "sample data"
    assert report["reference_rows"] == 300
    assert report["privacy"]["guard"] == "on"
    assert report["privacy"]["exact_copies"] == 0
    assert report["privacy"]["ratio"] > 0
    assert report["constraints"]["delivered_rows_passing"] == 1000
    assert report["constraints"]["delivered_failures_per_rule"] == {}
    pairs = {item["rule"]: item for item in report["paired_categories"]}
    internet = "(InternetService == 'No') == (OnlineSecurity == 'No internet service')"
    assert pairs[internet]["reference_share"] == 1.0
    assert 0 <= pairs[internet]["synthetic_share"] <= 1
    assert 0 < report["quality"]["score"] <= 1
    assert report["tstr"]["target"] == "Churn"
    assert report["tstr"]["test_rows"] == 300
    assert 0 <= report["tstr"]["auc"] <= 1
    assert "optimistic" in report["tstr"]["note"]
    assert report["sample"]["coercions"]["TotalCharges"] == {"blank": 2}
    assert result["schema"]["properties"]["Churn"]["x-role"] == "target"
    assert result["schema"]["properties"]["customerID"]["x-role"] == "id"
    assert len(result["seed_rows"]) == 300

    synthetic_typed, reference = report_tables(result)
    page = write_report_html(
        report, reference, synthetic_typed, result["schema"], tmp_path / "report.html"
    )
    text = page.read_text("utf-8")
    images = page_images(text)
    assert len(images) == 21  # 20 learned columns and the association matrices
    for image in images:
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Train synthetic, test real: Churn" in text
    assert "blank: 2" in text


def few_combinations(tmp_path: Path) -> Path:
    """80 rows over 3 x 3 x 4 = 36 possible rows: a faithful model repeats sample rows."""
    rows = []
    for index in range(80):
        rows.append(
            {
                "colour": ["red", "green", "blue"][index % 3],
                "size": ["S", "M", "L"][(index // 3) % 3],
                "grade": ["a", "b", "c", "d"][(index * 7) % 4],
            }
        )
    path = tmp_path / "few.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_copies_allowed_when_asked(tmp_path: Path) -> None:
    sample_path = few_combinations(tmp_path)
    out, page = tmp_path / "out.csv", tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--from",
            str(sample_path),
            "--rows",
            "100",
            "--out",
            str(out),
            "--report",
            str(page),
            "--allow-copies",
            "--epochs",
            "10",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output

    frame = pd.read_csv(out)
    schema = infer_schema(read_sample(sample_path))
    assert len(frame) == 100
    assert int(copies_of(pd.read_csv(sample_path), frame, schema).sum()) > 0
    text = page.read_text("utf-8")
    assert "off (copies allowed)" in text
    assert len(page_images(text)) == 4  # three columns and the association matrices


def test_copies_rejected_by_guard(tmp_path: Path, fast_context: dict[str, object]) -> None:
    sample_path = few_combinations(tmp_path)
    with pytest.raises(ValidationFailed, match="privacy: copies a sample row.*--allow-copies"):
        generate(
            sample_data=str(sample_path),
            rows=100,
            **{**fast_context, "epochs": 10, "max_rounds": 2},
        )


def test_guard_keeps_only_new_rows(
    data_dir: Path, tmp_path: Path, fast_context: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small limit stands in for SEED_ROWS_IN_STATE, so that a short sample shows that the
    # state keeps only the first rows while training and the report use the whole file.
    for module in ("agentgan.agents.seed", "agentgan.agents.validator"):
        monkeypatch.setattr(f"{module}.SEED_ROWS_IN_STATE", 40)
    raw = pd.read_csv(data_dir / "bank_marketing.csv", sep=";").head(150)
    path = tmp_path / "bank.parquet"
    raw[["marital", "education", "default", "housing", "loan", "y"]].to_parquet(path, index=False)

    result = generate(sample_data=str(path), rows=60, **{**fast_context, "epochs": 10})
    frame = load_dataset(result)

    assert len(frame) == 60
    assert int(copies_of(read_sample(path).frame, frame, result["schema"]).sum()) == 0
    rejected = result["validation"]["synthetic"]["failures"].get(PRIVACY_RULE, 0)
    assert result["report"]["privacy"]["copies_rejected"] == rejected
    assert SEED_ROWS_IN_STATE == 1000
    assert len(result["seed_rows"]) == 40
    assert [row["education"] for row in result["seed_rows"][:3]] == raw["education"].head(
        3
    ).tolist()
    assert result["report"]["reference_rows"] == 150
    assert result["training"]["seed_rows"] == 150


def guard_state(tmp_path: Path) -> dict[str, object]:
    sample = pd.DataFrame(
        {"id": ["A1", "A2", "A3"], "plan": ["basic", "pro", "pro"], "seats": [1, 2, 3]}
    )
    candidates = pd.DataFrame(
        {
            "id": ["B1", "B2", "B3", "B4"],
            "plan": ["basic", "pro", "basic", "pro"],
            "seats": [1, 2, 2, 3],
        }
    )
    sample.to_parquet(tmp_path / "sample.parquet", index=False)
    candidates.to_parquet(tmp_path / "candidates-1.parquet", index=False)
    schema = {
        "type": "object",
        "properties": {
            "id": {
                "type": "string",
                "x-generator": {"kind": "id", "prefix": "C", "digits": 3},
                "x-role": "id",
            },
            "plan": {"type": "string", "enum": ["basic", "pro"]},
            "seats": {"type": "integer", "minimum": 1, "maximum": 5},
        },
    }
    return {
        "phase": "synthetic",
        "schema": schema,
        "run_dir": str(tmp_path),
        "rows": 4,
        "sample_rounds": 1,
        "candidates_path": str(tmp_path / "candidates-1.parquet"),
        "seed_path": str(tmp_path / "sample.parquet"),
    }


def test_validator_rejects_sample_copies(tmp_path: Path) -> None:
    update = validate_rows(
        guard_state(tmp_path), Runtime(context=Context(output_dir=str(tmp_path), max_rounds=3))
    )

    assert update["valid_rows"] == 1
    assert update["validation"]["synthetic"]["failures"] == {PRIVACY_RULE: 3}
    assert update["validation"]["verdict"] == "need_more"
    kept = pd.read_parquet(tmp_path / "valid.parquet")
    assert kept[["plan", "seats"]].to_dict("records") == [{"plan": "basic", "seats": 2}]


def test_validator_keeps_copies_when_allowed(tmp_path: Path) -> None:
    context = Context(output_dir=str(tmp_path), allow_copies=True, output_format="csv")
    update = validate_rows(guard_state(tmp_path), Runtime(context=context))

    assert update["valid_rows"] == 4
    assert update["validation"]["synthetic"]["failures"] == {}
    assert update["dataset"]["rows"] == 4


def test_schema_command_from_file(cases_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(
        app, ["schema", "--from", str(cases_dir / "C13_seed_mixed_types.csv"), "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text("utf-8"))
    assert schema["properties"]["monthly_charges"]["type"] == ["number", "null"]
    assert schema["properties"]["customer_id"]["x-role"] == "id"
    assert schema["properties"]["churn"]["enum"] == ["Yes", "No"]


def test_schema_command_marks_target(cases_dir: Path, tmp_path: Path) -> None:
    sample = str(cases_dir / "C13_seed_mixed_types.csv")
    out = tmp_path / "schema.json"
    marked = CliRunner().invoke(
        app, ["schema", "--from", sample, "--target", "churn", "--out", str(out)]
    )
    assert marked.exit_code == 0, marked.output
    assert json.loads(out.read_text("utf-8"))["properties"]["churn"]["x-role"] == "target"

    unknown = CliRunner().invoke(
        app, ["schema", "--from", sample, "--target", "Churn", "--out", str(tmp_path / "b.json")]
    )
    assert unknown.exit_code == 1
    assert "Target column 'Churn' is not in the sample. Did you mean 'churn'?" in unknown.output
    assert not (tmp_path / "b.json").exists()

    ignored = CliRunner().invoke(
        app, ["schema", "loan data", "--from", sample, "--out", str(tmp_path / "c.json")]
    )
    assert ignored.exit_code == 0, ignored.output
    assert "request text was not used" in ignored.output

    request = CliRunner().invoke(app, ["schema", "churn data", "--target", "churn"])
    assert request.exit_code == 2
    assert "--target works only with --from" in request.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found; check the path"),
        (b"", "is empty"),
        (b"a,b\n", "header but no data rows"),
        (b"\x00\x01\x02garbage" * 50, "binary data"),
    ],
    ids=["missing", "empty", "header_only", "binary"],
)
def test_bad_file_one_line_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(
        app, ["generate", "--from", str(path), "--out", str(tmp_path / "out.csv")]
    )

    assert result.exit_code == (2 if content is None else 1)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert not (tmp_path / "out.csv").exists()


def test_unknown_target_rejected(cases_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--from",
            str(cases_dir / "C13_seed_mixed_types.csv"),
            "--target",
            "label",
            "--out",
            str(tmp_path / "out.csv"),
        ],
    )

    assert result.exit_code == 1
    assert "Target column 'label' is not in the sample" in result.output
