"""Offline request reading: rows, columns, ranges, shares, categories, dates, locale, units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentgan.tools.knowledge_base import load_knowledge_base
from agentgan.tools.request_parser import RequestSpec, explicit_columns, find_rows, parse_request


def parse(text: str) -> RequestSpec:
    return parse_request(text, load_knowledge_base())


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("1k rows of orders", 1000),
        ("2,000 customers with age", 2000),
        ("a table of 300 patients", 300),
        ("n=500 sessions", 500),
        ("generate 100 e-commerce orders", 100),
        ("1.5 million transactions", 1_500_000),
        ("income between 30000 and 120000", None),
        ("orders with at most 3 items per order", None),
        ("70% female", None),
    ],
)
def test_row_count(text: str, rows: int | None) -> None:
    assert find_rows(text) == rows


def test_older_than_sets_exclusive_age() -> None:
    request = parse("customers older than 21")

    assert request.ranges["age"] == {"exclusiveMinimum": 21.0}
    assert "age" in request.attributes


def test_people_under_value_is_age() -> None:
    request = parse("patients under 65 with height and weight")

    assert request.ranges == {"age": {"exclusiveMaximum": 65.0}}


def test_between_range_ties_to_named_column() -> None:
    request = parse("customers with income between 30000 and 120000 and age")

    assert request.ranges == {"income": {"minimum": 30000.0, "maximum": 120000.0}}


def test_money_range_with_suffixes() -> None:
    request = parse("loans with loan amount $20k-$80k")

    assert request.ranges["loan_amount"] == {"minimum": 20000.0, "maximum": 80000.0}


def test_range_before_unit_word() -> None:
    request = parse("product reviews from 1 to 5 stars")

    assert request.ranges["review_rating"] == {"minimum": 1.0, "maximum": 5.0}


@pytest.mark.parametrize(
    ("text", "column", "bounds"),
    [
        ("credit score at least 600", "credit_score", {"minimum": 600.0}),
        ("battery level below 20", "battery_level", {"exclusiveMaximum": 20.0}),
        ("stock quantity up to 500", "stock_quantity", {"maximum": 500.0}),
        ("customers 65+ with churn", "age", {"minimum": 65.0}),
        ("customers aged 25-40", "age", {"minimum": 25.0, "maximum": 40.0}),
        ("people between the ages of 25 and 45", "age", {"minimum": 25.0, "maximum": 45.0}),
        ("orders with at most 3 items per order", "quantity", {"maximum": 3.0}),
        ("temperature between -10 and 35", "temperature_c", {"minimum": -10.0, "maximum": 35.0}),
    ],
)
def test_one_sided_and_signed_bounds(text: str, column: str, bounds: dict[str, float]) -> None:
    assert parse(text).ranges[column] == bounds


def test_bound_without_column_is_unplaced() -> None:
    request = parse("customers with gender, and under 500 of something")

    assert request.ranges == {}
    assert request.unplaced == ["under 500"]


def test_comma_after_number_ends_range() -> None:
    request = parse("products with price under 50, stock quantity up to 500")

    assert request.ranges["price"] == {"exclusiveMaximum": 50.0}
    assert request.ranges["stock_quantity"] == {"maximum": 500.0}


def test_share_of_yes_no_attribute() -> None:
    request = parse("card transactions with about 2% fraud")

    assert request.shares == {"is_fraud": {True: 0.02}}


def test_share_of_category_value() -> None:
    request = parse("patients, 70% female")

    assert request.shares == {"gender": {"Female": 0.7}}


def test_share_with_value_synonyms() -> None:
    request = parse("employees with 30% women and 70% men")

    assert request.shares == {"gender": {"Female": 0.3, "Male": 0.7}}


def test_rate_written_after_attribute() -> None:
    request = parse("a churn dataset with a churn rate of 20%")

    assert request.shares == {"churn": {"Yes": 0.2}}


def test_share_phrased_as_sentence() -> None:
    request = parse("transactions where 3% of transactions are fraudulent")

    assert request.shares == {"is_fraud": {True: 0.03}}


@pytest.mark.parametrize(
    ("text", "column", "values"),
    [
        ("claims with policy type auto, home or health", "policy_type", ["Auto", "Home", "Health"]),
        ("students with gender (male/female/other)", "gender", ["Male", "Female", "Other"]),
        ("staff with department: Sales, Finance or IT", "department", ["Sales", "Finance", "IT"]),
        ("students with major such as Business or Nursing", "major", ["Business", "Nursing"]),
        (
            "students, grade level freshman or sophomore only, 2021-2023",
            "grade_level",
            ["Freshman", "Sophomore"],
        ),
        (
            "used cars with fuel type petrol, diesel or electric",
            "fuel_type",
            ["Gasoline", "Diesel", "Electric"],
        ),
    ],
)
def test_category_lists(text: str, column: str, values: list[str]) -> None:
    assert parse(text).categories[column] == values


def test_attribute_list_is_not_categories() -> None:
    request = parse("customer churn data with age, gender and location")

    assert request.categories == {}
    assert request.attributes == ["churn", "age", "gender", "location"]


@pytest.mark.parametrize(
    ("text", "column", "dates"),
    [
        ("orders placed in 2024", "order_date", {"start": "2024-01-01", "end": "2024-12-31"}),
        (
            "loans issued between 2020 and 2023",
            "application_date",
            {"start": "2020-01-01", "end": "2023-12-31"},
        ),
        ("orders from March 2024", "order_date", {"start": "2024-03-01", "end": "2024-03-31"}),
        (
            "orders from Jan 2022 to Jun 2023",
            "order_date",
            {"start": "2022-01-01", "end": "2023-06-30"},
        ),
        (
            "card transactions in Q2 2024",
            "transaction_time",
            {"start": "2024-04-01", "end": "2024-06-30"},
        ),
        ("customers with signup date since 2021", "signup_date", {"start": "2021-01-01"}),
        ("claims before 2023", "claim_date", {"end": "2022-12-31"}),
        (
            "transactions between 2023-01-01 and 2023-06-30",
            "transaction_time",
            {"start": "2023-01-01", "end": "2023-06-30"},
        ),
    ],
)
def test_dates_tie_to_date_column(text: str, column: str, dates: dict[str, str]) -> None:
    request = parse(text)

    assert request.dates == {column: dates}
    assert column in request.attributes


def test_year_range_on_numeric_year_column() -> None:
    request = parse("used cars built between 2010 and 2020")

    assert request.ranges == {"model_year": {"minimum": 2010.0, "maximum": 2020.0}}
    assert request.dates == {}


@pytest.mark.parametrize(
    ("text", "locale", "currency"),
    [
        ("employees in Germany with salary", "de_DE", "EUR"),
        ("British customers with email", "en_GB", "GBP"),
        ("Japanese online shoppers", "ja_JP", "JPY"),
        ("customers with email", None, None),
    ],
)
def test_country_sets_locale_and_currency(
    text: str, locale: str | None, currency: str | None
) -> None:
    request = parse(text)

    assert request.locale == locale
    assert request.currency == currency


def test_currency_named_alone() -> None:
    assert parse("employees with salary in EUR").currency == "EUR"


def test_unit_after_attribute() -> None:
    request = parse("patients with weight in pounds and temperature in fahrenheit")

    assert request.units == {"weight_kg": "lb", "temperature_c": "fahrenheit"}


def test_explicit_columns_with_brackets() -> None:
    names, categories = explicit_columns(
        "Make a table with columns age, pet type (cat/dog, fish) and score between 1 and 10"
    )

    assert names == ["age", "pet_type", "score"]
    assert categories == {"pet_type": ["cat", "dog", "fish"]}


def test_listed_names_keep_written_form() -> None:
    request = parse("rows with columns: customer_id, score and favourite_color")

    assert request.listed == ["customer_id", "test_score", "favourite_color"]
    assert request.written == {"score": "test_score"}
    assert request.unknown == ["favourite_color"]


def test_single_named_column_is_unknown() -> None:
    request = parse("customers in France with city and a loyalty_tier column")

    assert request.unknown == ["loyalty_tier"]
    assert "city" in request.attributes


def test_domain_prefers_its_own_synonym() -> None:
    assert "car_price" in parse("used cars with price and mileage").attributes
    assert "price" in parse("retail products with price").attributes


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_any_text_parses(text: str) -> None:
    request = parse(text)

    assert isinstance(request.attributes, list)
