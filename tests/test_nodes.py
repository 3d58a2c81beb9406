"""Each node of the graph, called as a plain function with a run context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from langgraph.runtime import Runtime

from agentgan.agents.knowledge import build_schema
from agentgan.agents.report import write_report
from agentgan.agents.seed import generate_seed_rows
from agentgan.agents.synthesizer import candidates_needed, train_and_sample
from agentgan.agents.validator import validate_rows
from agentgan.errors import SeedError, UsageError, ValidationFailed
from agentgan.graph.context import Context
from agentgan.io import write_table

CHURN_REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)

SMALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "customer_id": {"type": "string", "x-generator": {"kind": "id", "prefix": "K", "digits": 4}, "x-unique": True},
        "age": {"type": "integer", "minimum": 18, "maximum": 70, "x-distribution": {"kind": "normal", "mean": 40, "std": 10}},
        "plan": {"type": "string", "enum": ["basic", "pro"], "x-distribution": {"kind": "categorical", "weights": {"basic": 0.7, "pro": 0.3}}},
        "spend": {"type": "number", "minimum": 0, "maximum": 500, "x-distribution": {"kind": "lognormal", "mu": 4, "sigma": 0.5}},
    },
    "required": ["customer_id", "age", "plan", "spend"],
    "x-constraints": ["spend <= age * 10"],
}


def runtime(tmp_path: Path, **settings: Any) -> Runtime[Context]:
    settings.setdefault("output_dir", str(tmp_path / "runs"))
    return Runtime(context=Context(**settings))


def test_knowledge_builds_churn_schema(tmp_path: Path) -> None:
    update = build_schema({"prompt": CHURN_REQUEST}, runtime(tmp_path))

    properties = update["schema"]["properties"]
    for column in ("age", "gender", "location", "tenure_months", "contract", "monthly_charges", "churn"):
        assert column in properties
    assert properties["age"]["type"] == "integer"
    assert properties["age"]["minimum"] == 18
    assert properties["age"]["maximum"] == 85
    assert properties["gender"]["enum"] == ["Male", "Female", "Other"]
    assert update["rows"] == 500
    assert Path(update["run_dir"]).is_dir()
    assert any(source["column"] == "churn" for source in update["sources"])


def test_knowledge_row_count_precedence(tmp_path: Path) -> None:
    from_request = build_schema({"prompt": "300 rows of churn data with age"}, runtime(tmp_path))
    from_state = build_schema({"prompt": "300 rows of churn data with age", "rows": 42}, runtime(tmp_path))
    from_context = build_schema({"prompt": "churn data with age"}, runtime(tmp_path, rows=77))

    assert from_request["rows"] == 300
    assert from_state["rows"] == 42
    assert from_context["rows"] == 77


def test_knowledge_rejects_blank_request(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="request is empty"):
        build_schema({"prompt": "   "}, runtime(tmp_path))


def test_knowledge_uses_given_schema(tmp_path: Path) -> None:
    update = build_schema({"prompt": "", "schema": SMALL_SCHEMA, "rows": 10}, runtime(tmp_path))
    assert update["schema"] == SMALL_SCHEMA
    assert update["rows"] == 10
    assert update["warnings"] == []


def test_knowledge_warns_unused_request(tmp_path: Path) -> None:
    state = {"prompt": "loan data with income", "schema": SMALL_SCHEMA, "rows": 10}
    update = build_schema(state, runtime(tmp_path))
    assert update["schema"] == SMALL_SCHEMA
    assert update["warnings"] == [
        "The request text was not used: the columns come from the given schema."
    ]


def test_seed_samples_from_schema(tmp_path: Path) -> None:
    context = runtime(tmp_path, seed_rows=40, random_seed=5)
    first = generate_seed_rows({"prompt": "", "schema": SMALL_SCHEMA}, context)
    second = generate_seed_rows({"prompt": "", "schema": SMALL_SCHEMA, "seed_rounds": 1}, context)

    assert len(first["seed_rows"]) == 40
    assert first["seed_rounds"] == 1
    assert second["seed_rounds"] == 2
    assert first["seed_rows"] != second["seed_rows"]
    ages = [row["age"] for row in first["seed_rows"]]
    assert all(isinstance(age, int) and 18 <= age <= 70 for age in ages)
    assert all(row["spend"] <= row["age"] * 10 for row in first["seed_rows"])


def test_seed_keeps_given_rows(tmp_path: Path) -> None:
    rows = [{"customer_id": "K0001", "age": 30, "plan": "pro", "spend": 12.5}]
    update = generate_seed_rows({"prompt": "", "schema": SMALL_SCHEMA, "seed_rows": rows}, runtime(tmp_path))
    assert update["seed_rows"] == rows
    assert update["seed_source"] == "input"


def test_given_seed_rows_never_replaced(tmp_path: Path) -> None:
    state = {**_seed_state(_rows(20, 15)), "seed_source": "input"}
    with pytest.raises(SeedError, match=r"Only 5 of 20 given seed_rows pass.*leave seed_rows out"):
        validate_rows(state, runtime(tmp_path, max_rounds=3))


def test_graph_stops_on_failing_given_seeds(tmp_path: Path) -> None:
    from agentgan.graph.builder import build_graph

    state = {"prompt": "", "schema": SMALL_SCHEMA, "rows": 50, "seed_rows": _rows(20, 15)}
    with pytest.raises(SeedError, match="given seed_rows"):
        build_graph().invoke(state, context=Context(output_dir=str(tmp_path), max_rounds=3))


def _seed_state(rows: list[dict[str, Any]], rounds: int = 1) -> dict[str, Any]:
    return {"prompt": "", "schema": SMALL_SCHEMA, "seed_rows": rows, "seed_rounds": rounds, "phase": "seed"}


def _rows(count: int, bad: int) -> list[dict[str, Any]]:
    rows = [{"customer_id": f"K{i:04d}", "age": 30, "plan": "basic", "spend": 50.0} for i in range(count)]
    for row in rows[:bad]:
        row["age"] = 200
    return rows


def test_validator_accepts_good_seeds_and_drops_bad(tmp_path: Path) -> None:
    update = validate_rows(_seed_state(_rows(20, 3)), runtime(tmp_path))

    assert update["validation"]["verdict"] == "seeds_ok"
    assert update["validation"]["seed"]["failures"] == {"age: maximum": 3}
    assert len(update["seed_rows"]) == 17
    assert all(row["age"] == 30 for row in update["seed_rows"])


def test_validator_retries_failed_seeds(tmp_path: Path) -> None:
    update = validate_rows(_seed_state(_rows(20, 15)), runtime(tmp_path, max_rounds=2))

    assert update["validation"]["verdict"] == "seeds_retry"
    assert "15 row(s) fail age: maximum." in update["seed_feedback"]
    assert "seed_rows" not in update


def test_validator_stops_after_max_seed_rounds(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"Only 5 of 20 seed rows pass.*age: maximum \(15 of 20"):
        validate_rows(_seed_state(_rows(20, 15), rounds=2), runtime(tmp_path, max_rounds=2))


def _candidate_state(tmp_path: Path, frame: pd.DataFrame, rounds: int, **extra: Any) -> dict[str, Any]:
    run_dir = tmp_path / "run"
    run_dir.mkdir(exist_ok=True)
    path = run_dir / f"candidates-{rounds}.parquet"
    write_table(frame, path, "parquet")
    state = {"prompt": "", "schema": SMALL_SCHEMA, "rows": 10, "run_dir": str(run_dir),
             "candidates_path": str(path), "sample_rounds": rounds, "phase": "synthetic"}
    state.update(extra)
    return state


def test_validator_tops_up_then_completes(tmp_path: Path) -> None:
    first = pd.DataFrame(_rows(8, 2))
    update = validate_rows(_candidate_state(tmp_path, first, 1), runtime(tmp_path))
    assert update["validation"]["verdict"] == "need_more"
    assert update["valid_rows"] == 6
    assert update["acceptance"] == {"sampled": 8, "accepted": 6}

    second = pd.DataFrame(_rows(8, 0))
    second["customer_id"] = [f"N{i}" for i in range(8)]
    state = _candidate_state(tmp_path, second, 2, valid_rows=6, acceptance=update["acceptance"],
                             validation=update["validation"])
    done = validate_rows(state, runtime(tmp_path, output_format="csv"))

    assert done["validation"]["verdict"] == "complete"
    dataset = done["dataset"]
    assert dataset["rows"] == 10
    assert dataset["format"] == "csv"
    written = pd.read_csv(dataset["path"])
    assert list(written["customer_id"]) == [f"K{i:04d}" for i in range(1, 11)]
    assert (written["age"] == 30).all()
    assert done["validation"]["synthetic"]["failures"] == {"age: maximum": 2}


def test_validator_stops_when_rounds_run_out(tmp_path: Path) -> None:
    frame = pd.DataFrame(_rows(8, 6))
    with pytest.raises(ValidationFailed, match=r"Only 2 of 10 rows pass.*age: maximum \(6 of 8, 75%\)"):
        validate_rows(_candidate_state(tmp_path, frame, 3), runtime(tmp_path, max_rounds=3))


def test_candidates_needed_follows_acceptance() -> None:
    assert candidates_needed(100, None) == 140
    assert candidates_needed(100, {"sampled": 200, "accepted": 100}) == 230
    assert candidates_needed(100, {"sampled": 1000, "accepted": 0}) == 2210


@pytest.mark.slow
def test_synthesizer_trains_once_and_report_measures(tmp_path: Path) -> None:
    context = runtime(tmp_path, epochs=15, seed_rows=60, random_seed=2)
    state: dict[str, Any] = {"prompt": "", "schema": SMALL_SCHEMA, "rows": 50}
    state.update(build_schema(state, context))
    state.update(generate_seed_rows(state, context))

    first = train_and_sample(state, context)
    training = first["training"]
    assert training["epochs"] == 15
    assert training["device"] == "cpu"
    assert len(training["losses"]) == 15
    candidates = pd.read_parquet(first["candidates_path"])
    assert len(candidates) == candidates_needed(50, None)
    assert set(candidates["plan"]) <= {"basic", "pro"}

    state.update(first)
    manifest = Path(training["model_dir"]) / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    second = train_and_sample(state, context)
    assert "training" not in second
    assert second["sample_rounds"] == 2
    assert manifest.stat().st_mtime_ns == stamp

    state.update(second)
    state.update(validate_rows(state, context))
    report = write_report(state, context)["report"]
    assert 0 < report["quality"]["score"] <= 1
    assert report["constraints"]["delivered_rows_passing"] == 50
    assert report["privacy"]["exact_copies"] >= 0
    assert json.loads(Path(report["path"]).read_text())["rows"] == 50
