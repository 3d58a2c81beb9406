"""Report measures: copies of sample rows and the train-synthetic-test-real score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from agentgan.tools.metrics import copies_of, privacy_scores, tstr_scores

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "x-generator": {"kind": "id"}},
        "plan": {"type": "string", "enum": ["basic", "pro"]},
        "seats": {"type": ["integer", "null"]},
        "fee": {"type": "number"},
        "churn": {"type": "string", "enum": ["No", "Yes"]},
    },
}


def test_copies_ignore_ids_and_dtypes() -> None:
    sample = pd.DataFrame(
        {
            "id": [1, 2],
            "plan": ["basic", "pro"],
            "seats": pd.array([3, None], dtype="Int64"),
            "fee": [10.5, 20.0],
            "churn": ["No", "Yes"],
        }
    )
    output = pd.DataFrame(
        {
            "id": [7, 8, 9, 10],
            "plan": ["basic", "pro", "pro", "basic"],
            "seats": [3.0, np.nan, 2.0, 3.0],
            "fee": [10.5, 20.0, 20.0, 10.5000001],
            "churn": ["No", "Yes", "Yes", "Yes"],
        }
    )

    marks = copies_of(sample, output, SCHEMA)

    assert marks.tolist() == [True, True, False, False]


def test_privacy_counts_exact_copies() -> None:
    rng = np.random.default_rng(0)
    sample = pd.DataFrame(
        {
            "id": range(50),
            "plan": rng.choice(["basic", "pro"], 50),
            "seats": rng.integers(1, 9, 50),
            "fee": rng.normal(50, 10, 50).round(2),
            "churn": rng.choice(["No", "Yes"], 50),
        }
    )
    output = pd.concat(
        [sample.head(5), sample.tail(45).assign(fee=lambda f: f["fee"] + 7.0)], ignore_index=True
    )

    scores = privacy_scores(sample, output, SCHEMA)

    assert scores["exact_copies"] == 5
    assert scores["near_copies"] >= 5
    assert scores["reference_median"] > 0


def churn_table(rows: int, seed: int, flip: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    fee = rng.uniform(10, 100, rows)
    plan = rng.choice(["basic", "pro"], rows)
    risk = (fee - 55) / 15 + np.where(plan == "pro", -1.0, 1.0)
    churn = np.where(rng.random(rows) < 1 / (1 + np.exp(-risk)), "Yes", "No")
    flipped = rng.random(rows) < flip
    churn = np.where(flipped, rng.choice(["No", "Yes"], rows), churn)
    return pd.DataFrame(
        {
            "id": range(rows),
            "plan": plan,
            "seats": rng.integers(1, 9, rows),
            "fee": fee,
            "churn": churn,
        }
    )


def test_tstr_auc_high_for_faithful_rows() -> None:
    scores = tstr_scores(churn_table(600, 1), churn_table(300, 2), "churn", SCHEMA)

    assert scores["task"] == "classification"
    assert scores["auc"] > 0.8
    assert scores["real_cv_auc"] > 0.8
    assert scores["test_rows"] == 300


def test_tstr_auc_low_for_reversed_rows() -> None:
    reversed_rows = churn_table(600, 3).assign(
        churn=lambda frame: frame["churn"].map({"No": "Yes", "Yes": "No"})
    )

    scores = tstr_scores(reversed_rows, churn_table(300, 5), "churn", SCHEMA)

    assert scores["auc"] < 0.3


def test_tstr_numeric_target_r2() -> None:
    real, synthetic = churn_table(300, 6), churn_table(600, 7)
    for frame in (real, synthetic):
        frame["seats"] = (frame["fee"] / 10).round().astype(int) + (frame["plan"] == "pro") * 3

    scores = tstr_scores(synthetic, real, "seats", SCHEMA)

    assert scores["task"] == "regression"
    assert scores["r2"] > 0.9


def test_tstr_single_class_reported() -> None:
    synthetic = churn_table(100, 8).assign(churn="No")

    scores = tstr_scores(synthetic, churn_table(100, 9), "churn", SCHEMA)

    assert scores["auc"] is None
    assert "single class" in scores["note"]
