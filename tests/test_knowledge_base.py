"""The embedded knowledge base: its size, its sources, and the schemas and rows it gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agentgan.agents.knowledge import schema_from_request
from agentgan.errors import SchemaError, UsageError
from agentgan.schema.assemble import (
    apply_dates,
    apply_range,
    apply_shares,
    assemble_schema,
    convert_units,
    default_column,
    rescale_cases,
)
from agentgan.schema.sampler import sample_rows
from agentgan.schema.validation import check_rows
from agentgan.tools.knowledge_base import load_knowledge_base

KNOWLEDGE = load_knowledge_base()
DOMAINS = [name for name in KNOWLEDGE.domains if name != "general"]
STATISTIC_KEYS = ("distribution", "minimum", "maximum", "enum")


def _check_source(source: Any, where: str) -> None:
    assert isinstance(source, dict), f"{where}: source missing"
    title = source.get("title", "")
    assert title, f"{where}: source without a title"
    if title != "estimate":
        assert str(source.get("url", "")).startswith("https://"), f"{where}: cited without a URL"


def test_base_size() -> None:
    assert len(DOMAINS) >= 12
    assert len(KNOWLEDGE.attributes) >= 200


def test_attributes_state_sources() -> None:
    for name, attribute in KNOWLEDGE.attributes.items():
        entry = attribute.entry
        assert entry.get("synonyms"), f"{name}: no synonyms"
        assert entry.get("type") in ("integer", "number", "string", "boolean"), name
        if "values" in entry:
            assert "source" not in entry, f"{name}: the value list carries the source"
        elif any(key in entry for key in STATISTIC_KEYS):
            _check_source(entry.get("source"), name)


def test_value_lists_state_sources() -> None:
    for name, listed in KNOWLEDGE.values.items():
        _check_source(listed.get("source"), name)
        assert all(float(weight) > 0 for weight in listed["values"].values()), name


def test_dependencies_state_sources() -> None:
    for domain_name, domain in KNOWLEDGE.domains.items():
        for dependency in domain.get("dependencies", []):
            where = f"{domain_name}: {dependency['child']} by {dependency['parent']}"
            _check_source(dependency.get("source"), where)
            assert dependency.get("description"), where


def test_domain_columns_exist() -> None:
    for name in DOMAINS:
        domain = KNOWLEDGE.domains[name]
        unknown = [column for column in domain["columns"] if column not in KNOWLEDGE.attributes]
        assert unknown == [], f"{name}: {unknown}"
        if "date_column" in domain:
            assert KNOWLEDGE.attributes[domain["date_column"]].is_date, name


def test_localized_lists_have_default() -> None:
    for name, attribute in KNOWLEDGE.attributes.items():
        if attribute.entry.get("localized"):
            assert f"{attribute.entry['values']}_US" in KNOWLEDGE.values, name
    for code, entry in KNOWLEDGE.locales.items():
        assert entry["currency"] in KNOWLEDGE.units, code


def test_every_attribute_samples_alone() -> None:
    for name, attribute in KNOWLEDGE.attributes.items():
        spec, _ = KNOWLEDGE.column(attribute)
        spec.pop("x-derived", None)
        schema = assemble_schema(name, {name: spec})
        frame = sample_rows(schema, 40, seed=1)
        assert check_rows(frame, schema).passed == 40, name


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_schema_rows_pass(domain: str) -> None:
    keyword = KNOWLEDGE.domains[domain]["keywords"][0]
    schema = schema_from_request(f"a {keyword} dataset")
    frame = sample_rows(schema, 300, seed=4)

    assert schema["x-domain"] == domain
    assert len(frame) == 300
    assert check_rows(frame, schema).passed == 300


def test_churn_higher_at_short_tenure() -> None:
    schema = schema_from_request("customer churn data with age, gender and location")
    frame = sample_rows(schema, 3000, seed=7)

    short = frame.loc[frame["tenure_months"] < 12, "churn"].eq("Yes").mean()
    long = frame.loc[frame["tenure_months"] >= 24, "churn"].eq("Yes").mean()
    assert short > long + 0.2
    by_contract = frame.groupby("contract")["churn"].apply(lambda values: values.eq("Yes").mean())
    assert by_contract["Month-to-month"] > 0.35
    assert by_contract["Two year"] < 0.06
    assert frame["age"].between(18, 85).all()
    assert set(frame["gender"]) <= {"Male", "Female", "Other"}


def test_fraud_rarer_at_small_amounts() -> None:
    schema = schema_from_request("card transactions with amount and fraud")
    frame = sample_rows(schema, 8000, seed=3)

    small = frame.loc[frame["amount"] < 20, "is_fraud"].mean()
    large = frame.loc[frame["amount"] >= 500, "is_fraud"].mean()
    assert large > 4 * small


def test_bmi_follows_weight_and_height() -> None:
    schema = schema_from_request("patients with weight, height and bmi")
    frame = sample_rows(schema, 500, seed=2)

    expected = (frame["weight_kg"] / (frame["height_cm"] / 100) ** 2).round(1)
    inside = expected.between(12, 70)
    assert (frame.loc[inside, "bmi"] - expected[inside]).abs().max() < 0.051
    men = frame.loc[frame["gender"] == "Male", "height_cm"].mean()
    women = frame.loc[frame["gender"] == "Female", "height_cm"].mean()
    assert men > women + 8


def test_income_rises_with_education() -> None:
    schema = schema_from_request("people with income, age and education")
    frame = sample_rows(schema, 5000, seed=9)

    by_level = frame.groupby("education")["income"].median()
    assert by_level["Doctorate"] > 1.8 * by_level["Less than high school"]
    assert by_level["Bachelor's"] > by_level["High school"]


def test_german_request_localizes() -> None:
    schema = schema_from_request("employees in Germany with name, city, salary and currency")

    assert schema["x-locale"] == "de_DE"
    assert "Berlin" in schema["properties"]["city"]["enum"]
    assert schema["properties"]["currency"]["enum"] == ["EUR"]
    assert schema["properties"]["salary"]["x-unit"] == "EUR per year"
    assert schema["properties"]["salary"]["minimum"] == pytest.approx(25000 / 1.08, abs=1)


def test_unit_conversion_moves_bounds() -> None:
    schema = schema_from_request(
        "patients with weight in pounds and body temperature in fahrenheit"
    )
    weight = schema["properties"]["weight_kg"]
    temperature = schema["properties"]["body_temperature"]

    assert weight["x-unit"] == "lb"
    assert weight["minimum"] == pytest.approx(88.2, abs=0.1)
    assert temperature["minimum"] == pytest.approx(95.0, abs=0.01)
    assert temperature["x-distribution"]["mean"] == pytest.approx(98.24, abs=0.01)


def test_unknown_column_gets_typed_default() -> None:
    schema = schema_from_request("a table with columns signup_count, is_vip and favourite_color")

    assert schema["properties"]["signup_count"]["type"] == "integer"
    assert schema["properties"]["is_vip"]["type"] == "boolean"
    assert schema["properties"]["favourite_color"]["type"] == "number"
    assert len(schema["x-warnings"]) == 3
    assert "'favourite_color' is not in the knowledge base" in schema["x-warnings"][2]


def test_listed_column_keeps_written_name() -> None:
    schema = schema_from_request("rows with columns qty, unit price and total")

    assert list(schema["properties"]) == ["qty", "unit_price", "total"]
    assert schema["properties"]["total"]["x-derived"] == "round(qty * unit_price, 2)"


def test_unplaced_bound_warns() -> None:
    schema = schema_from_request("customers with gender, and under 500 of something")

    assert schema["x-warnings"] == [
        "The phrase 'under 500' names no column, so it was not applied; write the column "
        "next to it, for example 'income under 50000'."
    ]


def test_request_without_columns_raises() -> None:
    with pytest.raises(UsageError, match="No column or known subject"):
        schema_from_request("please make something nice")


def test_empty_dates_name_column() -> None:
    with pytest.raises(SchemaError, match="Column 'claim_date': .* from 2019-05-01 to 2019-01-01"):
        schema_from_request("insurance claims between 2019-05-01 and 2019-01-01")


def test_one_sided_bound_on_text_column() -> None:
    spec = apply_range(default_column("noise_level"), {"exclusiveMaximum": 0})

    assert spec["type"] == "integer"
    assert spec["minimum"] == -101
    assert spec["maximum"] == -1


def test_empty_range_raises() -> None:
    with pytest.raises(SchemaError, match="which is empty"):
        apply_range({"type": "integer", "minimum": 0, "maximum": 10}, {"minimum": 9, "maximum": 3})


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("order_id", "string"),
        ("birthday", "string"),
        ("has_pet", "boolean"),
        ("visit_count", "integer"),
        ("return_rate", "number"),
        ("membership_tier", "string"),
        ("wingspan", "number"),
    ],
)
def test_default_column_type(name: str, kind: str) -> None:
    assert default_column(name)["type"] == kind


def test_exclusive_integer_bound_moves_inward() -> None:
    spec = apply_range({"type": "integer", "minimum": 18, "maximum": 85}, {"exclusiveMinimum": 21})

    assert spec["minimum"] == 22
    assert "exclusiveMinimum" not in spec


def test_one_sided_bound_widens_other_side() -> None:
    spec = apply_range({"type": "number", "minimum": 0, "maximum": 500000}, {"minimum": 600000})

    assert spec["minimum"] == 600000
    assert spec["maximum"] == 1200000


def test_bounds_keep_distribution_mostly_inside() -> None:
    lognormal = {"kind": "lognormal", "mu": 3.6, "sigma": 1.3}
    kept = apply_range(
        {"type": "number", "x-distribution": lognormal}, {"minimum": 5, "maximum": 5000}
    )
    moved = apply_range(
        {"type": "number", "x-distribution": lognormal}, {"minimum": 5000, "maximum": 9000}
    )

    assert kept["x-distribution"] == lognormal
    assert moved["x-distribution"] == {"kind": "uniform"}


def test_dates_with_only_start() -> None:
    spec = {
        "type": "string",
        "format": "date",
        "x-distribution": {"kind": "date_range", "start": "2019-01-01", "end": "2020-12-31"},
    }
    limited = apply_dates(spec, {"start": "2022-03-01"})

    assert limited["formatMinimum"] == "2022-03-01"
    assert limited["formatMaximum"] == "2023-03-01"


def test_share_on_boolean_sets_p() -> None:
    spec = apply_shares(
        {"type": "boolean", "x-distribution": {"kind": "bernoulli", "p": 0.01}}, {True: 0.02}
    )

    assert spec["x-distribution"] == {"kind": "bernoulli", "p": 0.02}


def test_rescaled_cases_keep_odds() -> None:
    before = {"type": "boolean", "x-distribution": {"kind": "bernoulli", "p": 0.01}}
    dependency = {
        "child": "f",
        "parent": "a",
        "cases": [{"when": {"max": 20}, "p": 0.002}, {"when": {"min": 20}, "p": 0.02}],
    }
    rescaled = rescale_cases(dependency, before, apply_shares(before, {True: 0.03}))

    assert [case["p"] for case in rescaled["cases"]] == pytest.approx([0.006, 0.06])


def test_temperature_conversion_is_affine() -> None:
    spec = {
        "type": "number",
        "minimum": -10,
        "maximum": 40,
        "x-unit": "celsius",
        "x-distribution": {"kind": "normal", "mean": 20, "std": 5},
    }
    converted = convert_units(spec, 1.8, 32, "fahrenheit")

    assert converted["minimum"] == pytest.approx(14.0)
    assert converted["maximum"] == pytest.approx(104.0)
    assert converted["x-distribution"] == {"kind": "normal", "mean": 68.0, "std": 9.0}
    assert np.isclose(converted["x-distribution"]["std"], 9.0)
