"""The whole graph, offline, from a request to a validated table."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pandas as pd
import pytest

from agentgan import build_graph, load_dataset

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)


@pytest.fixture(scope="module")
def churn_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    context = {"output_dir": str(tmp_path_factory.mktemp("runs")), "epochs": 40,
               "seed_rows": 100, "random_seed": 11}
    result: dict[str, Any] = build_graph().invoke({"prompt": REQUEST, "rows": 200}, context=context)
    return result


def test_graph_output_is_json(churn_run: dict[str, Any]) -> None:
    text = json.dumps(churn_run)
    for key in ("schema", "seed_rows", "dataset", "validation", "report"):
        assert key in json.loads(text)


def test_graph_delivers_exact_valid_rows(churn_run: dict[str, Any]) -> None:
    frame = load_dataset(churn_run)
    assert len(frame) == 200
    assert churn_run["dataset"]["rows"] == 200
    validator = jsonschema.Draft202012Validator(churn_run["schema"])
    rows = json.loads(frame.to_json(orient="records"))
    invalid = [row for row in rows if not validator.is_valid(row)]
    assert invalid == []


def test_graph_records_rounds_and_counts(churn_run: dict[str, Any]) -> None:
    validation = churn_run["validation"]
    assert validation["verdict"] == "complete"
    assert validation["rounds"]["seed"] == 1
    assert 1 <= validation["rounds"]["sample"] <= 3
    assert validation["synthetic"]["passed"] >= 200
    assert validation["seed"]["passed"] == 100


def test_graph_keeps_churn_columns(churn_run: dict[str, Any]) -> None:
    frame = load_dataset(churn_run)
    assert pd.api.types.is_integer_dtype(frame["age"])
    assert frame["age"].between(18, 85).all()
    assert set(frame["gender"]) <= {"Male", "Female", "Other"}
    assert set(frame["churn"]) == {"Yes", "No"}
    assert frame["customer_id"].is_unique


def test_graph_drawing_has_loops() -> None:
    drawing = build_graph().get_graph()
    edges = {(edge.source, edge.target) for edge in drawing.edges}
    assert ("validator", "seed") in edges
    assert ("validator", "synthesizer") in edges
    assert ("synthesizer", "validator") in edges
    assert ("validator", "report") in edges
