"""The synthesizer's hard cases C01-C04, C06, C09, C10, C12 and C13 from ../shared/cases.

Each test trains real CTGAN briefly on the case's seed file and asserts on the values it
samples, so that it covers the whole kind of fault the case stands for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agentgan.errors import TrainingError
from agentgan.schema.frames import typed_frame
from agentgan.schema.validation import check_rows
from agentgan.tools.copy_guard import copy_share
from agentgan.tools.ctgan_model import SeedModel, choose_settings
from agentgan.tools.table_transform import TableTransform


def schema_of(frame: pd.DataFrame, **columns: dict[str, Any]) -> dict[str, Any]:
    """A plain schema for a case file: types from the values, enums for short text lists."""
    properties: dict[str, Any] = {}
    for name in frame:
        present = frame[name].dropna()
        if pd.api.types.is_bool_dtype(present):
            spec: dict[str, Any] = {"type": "boolean"}
        elif pd.api.types.is_integer_dtype(present) or (
            pd.api.types.is_float_dtype(present) and bool((present == present.round()).all())
        ):
            spec = {"type": "integer"}
        elif pd.api.types.is_float_dtype(present):
            spec = {"type": "number"}
        else:
            spec = {"type": "string"}
            if present.nunique() <= 10 and present.nunique() < len(present):
                spec["enum"] = sorted(present.unique().tolist())
        if frame[name].isna().any():
            spec["type"] = [spec["type"], "null"]
        spec.update(columns.get(name, {}))
        properties[name] = spec
    return {"type": "object", "properties": properties, "required": list(properties)}


def train(
    seeds: pd.DataFrame, schema: dict[str, Any], epochs: int | None, seed: int = 1
) -> SeedModel:
    typed = typed_frame(seeds, schema)
    return SeedModel.train(
        typed, schema, choose_settings(len(typed), epochs=epochs, random_seed=seed)
    )


def read_case(cases_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(cases_dir / name)


def test_c01_seven_rows_train_with_valid_batch_and_pac(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C01_seed_7_rows.csv")
    schema = schema_of(seeds, monthly_charges={"minimum": 0}, total_charges={"minimum": 0})

    model = train(seeds, schema, epochs=60)
    summary = model.summary
    assert summary.batch_size % 2 == 0
    assert summary.batch_size % summary.pac == 0
    assert summary.batch_size <= len(seeds)
    assert summary.steps == 60 * (len(seeds) // summary.batch_size)

    out = model.sample(300, seed=2)
    assert set(out["contract"]) <= set(seeds["contract"])
    assert out["tenure_months"].dtype == np.int64
    assert (out["monthly_charges"] >= 0).all()
    assert (out["total_charges"] >= 0).all()
    assert check_rows(out, schema).passed == len(out)


def test_c01_too_few_rows_rejected() -> None:
    with pytest.raises(TrainingError, match=r"Too few seed rows to train CTGAN: 4; at least 5"):
        choose_settings(4)


def test_c02_thirty_rows_take_optimizer_steps(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C02_seed_30_rows.csv")
    schema = schema_of(seeds)

    model = train(seeds, schema, epochs=40)
    losses = model.summary.losses
    assert losses, "the loss history is empty: no optimizer step ran"
    assert len({round(row["generator"], 6) for row in losses}) > 1
    assert len({round(row["discriminator"], 6) for row in losses}) > 1
    assert model.summary.steps >= 40

    out = model.sample(400, seed=3)
    assert set(out["contract"]) <= set(seeds["contract"])
    assert set(out["churn"]) <= set(seeds["churn"])
    assert set(out["contract"]) == set(seeds["contract"])


def test_c02_same_random_seed_gives_identical_rows(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C02_seed_30_rows.csv")
    schema = schema_of(seeds)

    first = train(seeds, schema, epochs=10, seed=11).sample(200, seed=4)
    second = train(seeds, schema, epochs=10, seed=11).sample(200, seed=4)
    pd.testing.assert_frame_equal(first, second)


def test_c03_copies_of_seed_rows_stay_under_the_share_the_combinations_allow(
    cases_dir: Path,
) -> None:
    seeds = read_case(cases_dir, "C03_seed_12_rows.csv")
    schema = schema_of(seeds, plan_price={"minimum": 0})
    model = train(seeds, schema, epochs=60)

    guard = model.transform.copy_guard
    combinations = (
        seeds["signup_year"].nunique() * seeds["plan_price"].nunique() * seeds["plan"].nunique()
    )
    seed_combinations = len(seeds.drop_duplicates())
    assert guard["combinations"] == combinations == 18
    assert guard["allowed_share"] == pytest.approx(seed_combinations / combinations)

    out = model.sample(1000, seed=5)
    kept = out[model.novel_rows(out, seed=5)]
    copies = round(copy_share(kept, guard) * len(kept))
    assert copies <= guard["allowed_share"] * len(out)
    assert len(kept) >= 300
    distinct = len(kept.drop_duplicates())
    assert distinct > seed_combinations, "the output only replays the seed's combinations"


def test_c04_bounds_hold_without_piling_up_at_them(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C04_seed_bounded.csv")
    schema = json.loads((cases_dir / "C04_schema.json").read_text())
    model = train(seeds, schema, epochs=80)

    out = model.sample(2000, seed=6)
    result = check_rows(out, schema)
    assert result.passed == len(out), result.failures
    for name, spec in schema["properties"].items():
        for bound in (spec.get("minimum"), spec.get("maximum")):
            if bound is None:
                continue
            seed_share = float((seeds[name] == bound).mean())
            out_share = float((out[name] == bound).mean())
            assert out_share <= seed_share + 0.12, f"{name} piles up at {bound}: {out_share:.2f}"
    assert out["age"].dtype == np.int64
    assert out["billing_day"].dtype == np.int64
    assert out["billing_day"].nunique() >= 15


def test_c06_blanks_come_back_only_where_the_seed_has_them(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C06_seed_with_blanks.csv")
    schema = schema_of(seeds, tenure_months={"minimum": 0}, monthly_charges={"minimum": 0})
    model = train(seeds, schema, epochs=60)

    out = model.sample(2000, seed=7)
    blank = out["total_charges"].isna()
    assert blank.eq(out["tenure_months"] == 0).all()
    assert blank.any()
    assert not blank.all()
    assert check_rows(out, schema).passed == len(out)

    ids = out["customer_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"C\d{4}").all()
    assert not ids.isin(seeds["customer_id"]).any()


def test_c09_dates_stay_in_range_and_in_order(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C09_seed_dates.csv")
    schema = json.loads((cases_dir / "C09_schema.json").read_text())
    model = train(seeds, schema, epochs=60)

    out = model.sample(2000, seed=8)
    assert check_rows(out, schema).passed == len(out)
    for name in ("signup_date", "last_active_date"):
        assert out[name].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
        parsed = pd.to_datetime(out[name], format="%Y-%m-%d")
        seed_dates = pd.to_datetime(seeds[name])
        assert parsed.min() >= seed_dates.min()
        assert parsed.max() <= seed_dates.max()
        assert parsed.nunique() >= 20
    assert (out["last_active_date"] >= out["signup_date"]).all()


def test_c10_both_boolean_values_appear_at_the_seed_rate(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C10_seed_booleans.csv")
    schema = schema_of(seeds)
    model = train(seeds, schema, epochs=60)

    out = model.sample(2000, seed=9)
    for name in ("is_senior", "paperless_billing"):
        assert out[name].dtype == bool
        assert set(out[name].unique()) == {True, False}
        assert abs(out[name].mean() - seeds[name].mean()) <= 0.10, name


def test_c10_seed_tokens_come_back_as_the_same_tokens() -> None:
    seeds = pd.DataFrame(
        {
            "subscribed": ["Y", "N", "N", "Y", "N", "N", "N", "N", "Y", "N"] * 3,
            "visits": list(range(30)),
        }
    )
    schema = schema_of(seeds)
    out = train(seeds, schema, epochs=20).sample(500, seed=1)
    assert set(out["subscribed"]) == {"Y", "N"}


def test_c12_rare_classes_survive_at_their_rate(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C12_seed_imbalanced.csv")
    schema = schema_of(seeds, tenure_months={"minimum": 0})
    model = train(seeds, schema, epochs=60)

    out = model.sample(5000, seed=10)
    for name, rare in (("plan", "Enterprise"), ("churn", "Yes")):
        seed_rate = float((seeds[name] == rare).mean())
        out_rate = float((out[name] == rare).mean())
        assert seed_rate / 3 <= out_rate <= seed_rate * 3, (
            f"{name}={rare}: {out_rate:.3f} vs {seed_rate:.3f}"
        )


def test_c13_text_in_a_numeric_column_is_read_and_counted(cases_dir: Path) -> None:
    seeds = read_case(cases_dir, "C13_seed_mixed_types.csv")
    schema = json.loads((cases_dir / "C13_schema.json").read_text())
    model = train(seeds, schema, epochs=40)

    # pandas already reads "N/A" and "n/a" as blanks; "no" and "unknown" stay text.
    assert model.summary.coercions["monthly_charges"] == {
        "read_as_number": 1,
        "read_as_missing": 2,
        "blank": 3,
    }
    out = model.sample(1000, seed=11)
    assert check_rows(out, schema).passed == len(out)
    assert out["monthly_charges"].notna().all()
    assert out["monthly_charges"].between(0, 99.9 * 1.1 + 1e-9).all()


def test_c13_raw_text_tokens_are_each_counted(cases_dir: Path) -> None:
    seeds = pd.read_csv(cases_dir / "C13_seed_mixed_types.csv", dtype=str, keep_default_na=False)
    schema = json.loads((cases_dir / "C13_schema.json").read_text())
    transform = TableTransform.fit(seeds, schema)

    assert transform.coercions == {
        "monthly_charges": {"read_as_number": 1, "read_as_missing": 4, "blank": 1}
    }
    prepared = transform.forward(seeds)
    assert np.isfinite(prepared["monthly_charges"]).all()
