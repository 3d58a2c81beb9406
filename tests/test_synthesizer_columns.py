"""Column handling around CTGAN that needs no training: identifiers, quantiles, raking."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from agentgan.tools.identifiers import learn_pattern, make_identifiers, positions_regex
from agentgan.tools.marginals import (
    calibrate,
    cell_frame,
    child_shares,
    fit_dependency_targets,
    fit_pair_targets,
    fit_targets,
    select_rows,
)
from agentgan.tools.table_transform import TableTransform, coerce_numbers


def test_positional_ids_follow_the_seed_pattern_and_never_reuse_a_seed_id() -> None:
    seeds = pd.Series(
        ["7590-VHVEG", "5575-GNVDE", "3668-QPYBK", "7795-CFOCW", "9237-HQITU", "9305-CDSKC"]
    )
    pattern = learn_pattern(seeds)
    assert pattern["kind"] == "positional"
    assert pattern["positions"][4] == {"literal": "-"}

    made = make_identifiers(pattern, 50_000, np.random.default_rng(1))
    assert made.str.fullmatch(r"\d{4}-[A-Z]{5}").all()
    assert made.is_unique
    assert not made.isin(seeds).any()


def test_positions_regex_escapes_class_characters() -> None:
    values = pd.Series(["x]1", "y^2", "z-3", "w\\4"])
    regex = positions_regex(learn_pattern(values)["positions"])
    assert regex == r"^[a-z][\-\\\]\^][0-9]$"
    for value in values:
        assert re.fullmatch(regex, value)
    assert not re.fullmatch(regex, "xa1")


def test_sequence_ids_continue_after_the_seed_and_across_chunks() -> None:
    pattern = learn_pattern(pd.Series(["C0001", "C0002", "C0017", "C0009", "C0004"]))
    first = make_identifiers(pattern, 3, np.random.default_rng(0))
    second = make_identifiers(pattern, 2, np.random.default_rng(0), start=3)
    assert list(first) + list(second) == ["C0018", "C0019", "C0020", "C0021", "C0022"]

    numbers = learn_pattern(pd.Series([101, 205, 150, 320, 99]), integer=True)
    assert list(make_identifiers(numbers, 3, None)) == [321, 322, 323]  # type: ignore[arg-type]


def test_money_text_and_missing_tokens_are_read() -> None:
    values = pd.Series(["$60.00", "1,200", " 15 ", "N/A", "unknown", None, 7.5], dtype=object)
    read = coerce_numbers(values)
    assert read.tolist()[:3] == [60.0, 1200.0, 15.0]
    assert read.iloc[3:6].isna().all()
    assert read.iloc[6] == 7.5


def test_numbers_come_back_inside_bounds_with_the_seed_share_at_a_bound() -> None:
    rng = np.random.default_rng(0)
    fees = np.where(rng.random(200) < 0.6, 0.0, np.round(rng.lognormal(2, 1, 200), 2))
    seeds = pd.DataFrame({"late_fees": fees, "billing_day": rng.integers(1, 32, 200)})
    schema = {
        "type": "object",
        "properties": {
            "late_fees": {"type": "number", "minimum": 0},
            "billing_day": {"type": "integer", "minimum": 1, "maximum": 31},
        },
    }
    transform = TableTransform.fit(seeds, schema)
    forward = transform.forward(seeds)
    # Scores from a badly trained generator: shifted and far too wide.
    raw = pd.DataFrame({name: rng.normal(3.0, 4.0, 5000) for name in forward})
    out = transform.inverse(calibrate(raw, transform.continuous_columns, rng), rng)

    assert out["late_fees"].min() >= 0
    assert out["billing_day"].between(1, 31).all()
    assert abs((out["late_fees"] == 0).mean() - (fees == 0).mean()) < 0.03
    assert (out["billing_day"] == 31).mean() < 0.08
    assert (out["billing_day"] == 1).mean() < 0.08


def test_product_column_modelled_as_ratio() -> None:
    rng = np.random.default_rng(3)
    months = rng.integers(1, 72, 200)
    monthly = rng.uniform(20, 110, 200).round(2)
    seeds = pd.DataFrame(
        {
            "months": months,
            "monthly": monthly,
            "total": (months * monthly * rng.uniform(0.95, 1.05, 200)).round(2),
            "age": rng.integers(18, 80, 200),
        }
    )
    schema = {
        "type": "object",
        "properties": {
            "months": {"type": "integer", "minimum": 0},
            "monthly": {"type": "number", "minimum": 0},
            "total": {"type": "number", "minimum": 0},
            "age": {"type": "integer", "minimum": 18},
        },
    }
    transform = TableTransform.fit(seeds, schema)
    kinds = {t.name: (t.kind, t.factors) for t in transform.transforms}
    assert kinds["total"] == ("ratio", ["months", "monthly"])
    assert kinds["age"][0] == "quantile"
    assert "total" in transform.continuous_columns

    back = transform.inverse(transform.forward(seeds), rng)
    assert np.allclose(back["total"], seeds["total"], atol=0.01)

    # Any sampled scores keep the total near the product of the sampled factors.
    raw = pd.DataFrame({name: rng.normal(0, 1, 3000) for name in transform.forward(seeds)})
    out = transform.inverse(calibrate(raw, transform.continuous_columns, rng), rng)
    ratio = out["total"] / (out["months"] * out["monthly"])
    assert ratio.between(0.9, 1.1).mean() > 0.95


def test_raking_brings_an_over_produced_rare_class_back_to_its_share() -> None:
    rng = np.random.default_rng(0)
    pool = pd.DataFrame({"plan": rng.choice(["Basic", "Enterprise"], 6000, p=[0.8, 0.2])})
    chosen = select_rows(pool, {"plan": {"Basic": 0.97, "Enterprise": 0.03}}, 4000, rng)
    share = (pool.iloc[chosen]["plan"] == "Enterprise").mean()
    assert len(chosen) == 4000
    assert len(set(chosen)) == 4000
    assert 0.02 <= share <= 0.06  # from 20% in the pool; a third of the pool is left out


def test_pair_cells_restore_lost_relation() -> None:
    # Seed: churn depends on contract and on tenure. Pool: churn independent of both, as
    # from a briefly trained generator.
    rng = np.random.default_rng(1)
    contract = np.repeat(["Month-to-month", "One year", "Two year"], [60, 20, 20])
    churn = np.array(["Yes"] * 30 + ["No"] * 30 + ["Yes"] * 2 + ["No"] * 38)
    tenure = np.where(churn == "Yes", rng.normal(-1.0, 0.5, 100), rng.normal(0.5, 0.8, 100))
    seed = pd.DataFrame({"contract": contract, "churn": churn, "tenure": tenure})
    pairs = fit_pair_targets(seed, ["tenure"])
    assert [pair["columns"] for pair in pairs] == [
        ["contract", "churn"], ["contract", "tenure"], ["churn", "tenure"]
    ]

    pool = pd.DataFrame(
        {
            "contract": rng.choice(["Month-to-month", "One year", "Two year"], 20_000),
            "churn": rng.choice(["Yes", "No"], 20_000, p=[0.2, 0.8]),
            "tenure": rng.normal(0.0, 1.0, 20_000),
        }
    )
    targets = fit_targets(seed, ["contract", "churn"])
    chosen = select_rows(cell_frame(pool, ["tenure"]), targets, 2000, rng, pairs=pairs)
    selected = pool.iloc[chosen]

    assert len(chosen) == 2000
    assert len(set(chosen)) == 2000
    rate = selected.groupby("contract")["churn"].apply(lambda values: (values == "Yes").mean())
    assert rate["Month-to-month"] > 0.4  # 0.2 for every contract in the pool
    assert rate["Two year"] < 0.1
    churner_tenure = selected.loc[selected["churn"] == "Yes", "tenure"].mean()
    assert churner_tenure < selected["tenure"].mean() - 0.3
    assert abs((selected["churn"] == "Yes").mean() - 0.32) < 0.02
    assert abs((selected["contract"] == "Month-to-month").mean() - 0.6) < 0.03


def test_dependency_targets_use_declared_weights() -> None:
    schema = {
        "type": "object",
        "properties": {
            "contract": {"type": "string", "enum": ["monthly", "yearly"]},
            "churn": {"type": "string", "enum": ["Yes", "No"]},
        },
        "x-dependencies": [
            {
                "child": "churn",
                "parent": "contract",
                "cases": [
                    {"when": {"in": ["monthly"]}, "weights": {"Yes": 0.4, "No": 0.6}},
                    {"when": {"in": ["yearly"]}, "weights": {"Yes": 0.03, "No": 0.97}},
                ],
            }
        ],
    }
    # 20 yearly seed rows without a churner: from the seed alone that cell would be 0%.
    seeds = pd.DataFrame(
        {
            "contract": ["monthly"] * 80 + ["yearly"] * 20,
            "churn": ["Yes"] * 40 + ["No"] * 40 + ["No"] * 20,
        }
    )
    targets = fit_dependency_targets(seeds, schema)
    cells = targets["dependency:churn|contract"]
    assert cells["1|Yes"] == pytest.approx(0.2 * 0.03)
    assert cells["0|Yes"] == pytest.approx(0.8 * 0.4)
    assert sum(cells.values()) == pytest.approx(1.0)
    assert child_shares(targets, "churn") == pytest.approx({"Yes": 0.326, "No": 0.674})


def test_pair_targets_smoothed_keep_marginals() -> None:
    seed = pd.DataFrame({"plan": ["a"] * 8 + ["b"] * 2, "paid": ["y"] * 8 + ["n"] * 2})
    (pair,) = fit_pair_targets(seed, [])
    cells = {(a, b): share for a, b, share in pair["cells"]}
    assert cells[("b", "y")] > 0  # never seen together, still possible
    assert cells[("a", "y")] > cells[("b", "y")]
    assert abs(sum(cells.values()) - 1.0) < 1e-9
    assert abs(cells[("a", "y")] + cells[("a", "n")] - 0.8) < 1e-9


def test_device_setting_resolves_or_names_the_fix() -> None:
    import torch

    from agentgan.errors import TrainingError
    from agentgan.tools.ctgan_model import resolve_device

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(TrainingError, match="torch sees no GPU; use --device auto or cpu"):
            resolve_device("cuda")
    with pytest.raises(TrainingError, match="Unknown device 'tpu'; use auto, cpu or cuda"):
        resolve_device("tpu")
