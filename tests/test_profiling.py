"""Reading messy sample tables and inferring their schema."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from agentgan.errors import InputDataError
from agentgan.schema.columns import columns
from agentgan.tools.profiling import (
    MAX_COLUMNS,
    clean_column,
    infer_schema,
    parse_number,
    prepare_sample,
    read_sample,
    seed_frame,
)


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def head_of(source: Path, target: Path, rows: int) -> Path:
    with source.open(encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(rows + 1)]
    target.write_text("".join(lines), encoding="utf-8")
    return target


def test_c13_mixed_types_coerced(cases_dir: Path) -> None:
    sample = read_sample(cases_dir / "C13_seed_mixed_types.csv")
    charges = sample.frame["monthly_charges"]

    assert sample.kinds["monthly_charges"] == "number"
    assert charges.tolist()[:5] == [29.5, None, 45.0, None, 70.25] or list(
        charges.iloc[[0, 2, 4]]
    ) == [29.5, 45.0, 70.25]
    assert charges.iloc[9] == 60.0
    assert charges.isna().tolist() == [
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        False,
        False,
        True,
    ]
    assert sample.coercions["monthly_charges"] == {"blank": 1, "missing_token": 4, "currency": 1}
    assert sample.frame["churn"].tolist()[:3] == ["No", "Yes", "Yes"]


def test_telco_total_charges_numeric(data_dir: Path) -> None:
    sample = read_sample(data_dir / "telco_customer_churn.csv")
    frame = sample.frame

    assert sample.kinds["TotalCharges"] == "number"
    assert pd.api.types.is_float_dtype(frame["TotalCharges"])
    assert int(frame["TotalCharges"].isna().sum()) == 11
    assert sample.coercions["TotalCharges"] == {"blank": 11}
    assert set(frame.loc[frame["TotalCharges"].isna(), "tenure"]) == {0}
    assert frame["TotalCharges"].max() == pytest.approx(8684.8)
    assert sample.kinds["tenure"] == "integer"


def test_adult_spaces_and_question_marks(data_dir: Path, tmp_path: Path) -> None:
    path = head_of(data_dir / "adult_census_income.csv", tmp_path / "adult.csv", 3000)
    with path.open(encoding="utf-8") as handle:
        raw = list(csv.DictReader(handle))
    expected_missing = sum(row["workclass"] == " ?" for row in raw)

    sample = read_sample(path)
    frame = sample.frame

    assert expected_missing > 0
    assert int(frame["workclass"].isna().sum()) == expected_missing
    assert sample.coercions["workclass"]["missing_token"] == expected_missing
    assert frame["workclass"].iloc[0] == "State-gov"
    assert set(frame["income"]) == {"<=50K", ">50K"}
    assert sample.kinds["age"] == "integer"


def test_bank_semicolon_separator(data_dir: Path) -> None:
    sample = read_sample(data_dir / "bank_marketing.csv")

    assert sample.source["separator"] == ";"
    assert sample.frame.shape == (4521, 17)
    assert set(sample.frame["y"]) == {"yes", "no"}
    assert int((sample.frame["job"] == "unknown").sum()) > 0
    assert sample.kinds["balance"] == "integer"
    assert sample.frame["balance"].min() < 0


def test_cp1252_text_falls_back(tmp_path: Path) -> None:
    lines = ["name_of_city;score"] + [f"Zürich café {i};{i}" for i in range(8)]
    path = write_lines(tmp_path / "cities.csv", lines, encoding="cp1252")

    sample = read_sample(path)

    assert sample.source["encoding"] == "cp1252"
    assert sample.source["separator"] == ";"
    assert sample.frame["name_of_city"].iloc[0] == "Zürich café 0"
    assert any("not valid UTF-8" in warning for warning in sample.warnings)


def test_tab_and_pipe_separators(tmp_path: Path) -> None:
    for separator, name in (("\t", "table.tsv"), ("|", "table.txt")):
        lines = [separator.join(["a", "b", "c"])] + [
            separator.join([str(i), f"x{i % 2}", "1.5"]) for i in range(6)
        ]
        sample = read_sample(write_lines(tmp_path / name, lines))
        assert list(sample.frame.columns) == ["a", "b", "c"]
        assert sample.frame["c"].tolist() == [1.5] * 6


def test_parse_number_forms() -> None:
    assert parse_number("60") == (60.0, None)
    assert parse_number("$60.00") == (60.0, "currency")
    assert parse_number("-$5") == (-5.0, "currency")
    assert parse_number("12.5 €") == (12.5, "currency")
    assert parse_number("1,234.50") == (1234.5, "thousands_separator")
    assert parse_number("12,34") == (None, None)
    assert parse_number("forty") == (None, None)


def test_mostly_numeric_column_drops_stray_text() -> None:
    raw = pd.Series([str(i) for i in range(40)] + ["see notes"])

    values, kind, counts = clean_column(raw)

    assert kind == "integer"
    assert counts == {"text_to_missing": 1}
    assert values.isna().sum() == 1
    assert values.iloc[39] == 39


def test_mostly_text_column_stays_text() -> None:
    raw = pd.Series(["red", "blue", "3", "red", "green", "blue"])

    values, kind, counts = clean_column(raw)

    assert kind == "text"
    assert values.tolist() == ["red", "blue", "3", "red", "green", "blue"]
    assert counts == {}


def test_true_false_column_boolean() -> None:
    values, kind, _ = clean_column(pd.Series(["True", "false", "TRUE", ""]))

    assert kind == "boolean"
    assert values.tolist()[:3] == [True, False, True]
    assert pd.isna(values.iloc[3])


def personal_table(tmp_path: Path, rows: int = 30) -> Path:
    first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"]
    last = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Ritchie"]
    lines = ["customer_id,full_name,email,phone,signup_date,plan,monthly_fee"]
    for i in range(rows):
        lines.append(
            f"CUST{i:04d},{first[i % 6]} {last[i % 7]},person{i}@example.org,+1 (555) 010-{i:04d},"
            f"2023-{1 + i % 12:02d}-{1 + i % 28:02d},{'basic' if i % 3 else 'pro'},{10 + i * 0.5:.2f}"
        )
    return write_lines(tmp_path / "people.csv", lines)


def test_personal_and_id_columns_marked(tmp_path: Path) -> None:
    schema = infer_schema(read_sample(personal_table(tmp_path)))
    properties = schema["properties"]

    assert properties["customer_id"]["x-role"] == "id"
    assert properties["customer_id"]["x-generator"] == {"kind": "id", "prefix": "CUST", "digits": 4}
    assert properties["full_name"]["x-generator"] == {"kind": "faker", "provider": "name"}
    assert properties["email"]["x-generator"] == {"kind": "faker", "provider": "email"}
    assert properties["phone"]["x-generator"] == {"kind": "faker", "provider": "phone_number"}
    for name in ("full_name", "email", "phone"):
        assert properties[name]["x-role"] == "personal"
    assert properties["signup_date"]["format"] == "date"
    assert properties["signup_date"]["formatMinimum"] == "2023-01-01"
    assert properties["signup_date"]["formatMaximum"] == "2023-12-24"
    assert properties["plan"]["enum"] == ["basic", "pro"]
    assert properties["plan"]["x-distribution"]["weights"] == {
        "basic": pytest.approx(2 / 3, abs=1e-4),
        "pro": pytest.approx(1 / 3, abs=1e-4),
    }


def test_seed_frame_replaces_personal_values(tmp_path: Path) -> None:
    sample = read_sample(personal_table(tmp_path))
    schema = infer_schema(sample)

    seeds = seed_frame(sample, schema, seed=1)

    assert not set(seeds["email"]) & set(sample.frame["email"])
    assert not set(seeds["full_name"]) & set(sample.frame["full_name"])
    assert not set(seeds["phone"]) & set(sample.frame["phone"])
    assert seeds["plan"].tolist() == sample.frame["plan"].tolist()
    assert seeds["monthly_fee"].tolist() == sample.frame["monthly_fee"].tolist()


def test_telco_schema_inferred(data_dir: Path, tmp_path: Path) -> None:
    path = head_of(data_dir / "telco_customer_churn.csv", tmp_path / "telco.csv", 400)
    sample = read_sample(path)
    schema = infer_schema(sample, target="Churn")
    properties = schema["properties"]

    assert list(properties) == list(sample.frame.columns)
    assert properties["customerID"]["x-role"] == "id"
    assert properties["customerID"]["pattern"] == r"^[0-9]{4}\-[A-Z]{5}$"
    assert properties["customerID"]["x-generator"]["positions"][4] == {"literal": "-"}
    assert properties["Churn"]["x-role"] == "target"
    assert properties["Churn"]["enum"] == ["No", "Yes"]
    assert sum(properties["Contract"]["x-distribution"]["weights"].values()) == pytest.approx(1.0)
    assert properties["tenure"]["type"] == "integer"
    assert properties["tenure"]["minimum"] == int(sample.frame["tenure"].min())
    assert properties["tenure"]["maximum"] == int(sample.frame["tenure"].max())
    assert properties["SeniorCitizen"]["minimum"] == 0
    assert properties["SeniorCitizen"]["maximum"] == 1
    monthly = sample.frame["MonthlyCharges"]
    assert properties["MonthlyCharges"]["minimum"] < monthly.min()
    assert properties["MonthlyCharges"]["maximum"] > monthly.max()
    assert properties["MonthlyCharges"]["x-decimals"] == 2
    assert "x-generator" not in properties["PhoneService"]
    assert {column.name for column in columns(schema) if column.nullable} == (
        {"TotalCharges"} if sample.frame["TotalCharges"].isna().any() else set()
    )


def test_null_rate_recorded(cases_dir: Path) -> None:
    schema = infer_schema(read_sample(cases_dir / "C13_seed_mixed_types.csv"))
    charges = schema["properties"]["monthly_charges"]

    assert charges["type"] == ["number", "null"]
    assert charges["x-null-rate"] == pytest.approx(5 / 12, abs=1e-4)
    assert charges["minimum"] >= 0


def test_unknown_target_rejected(cases_dir: Path) -> None:
    sample = read_sample(cases_dir / "C13_seed_mixed_types.csv")
    with pytest.raises(InputDataError, match="Target column 'label' is not in the sample"):
        infer_schema(sample, target="label")


def test_parquet_reads_like_csv(cases_dir: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(cases_dir / "C13_seed_mixed_types.csv", dtype=str, keep_default_na=False)
    raw.to_parquet(tmp_path / "c13.parquet", index=False)

    from_parquet = read_sample(tmp_path / "c13.parquet")
    from_csv = read_sample(cases_dir / "C13_seed_mixed_types.csv")

    pd.testing.assert_frame_equal(from_parquet.frame, from_csv.frame)
    assert from_parquet.coercions == from_csv.coercions


def test_prepare_sample_writes_seed_table(cases_dir: Path, tmp_path: Path) -> None:
    schema, seed_path, profile = prepare_sample(cases_dir / "C13_seed_mixed_types.csv", tmp_path)
    seeds = pd.read_parquet(seed_path)

    assert seed_path == tmp_path / "sample.parquet"
    assert len(seeds) == 12
    assert seeds["monthly_charges"].iloc[9] == 60.0
    assert (
        not set(seeds["customer_id"]) & {"C0001", "C0002"}
        or schema["properties"]["customer_id"]["x-generator"]["kind"] == "id"
    )
    assert profile["coercions"]["monthly_charges"]["currency"] == 1
    assert profile["rows"] == 12


BAD_INPUTS = [
    ("missing", None, "not found"),
    ("empty.csv", b"", "is empty"),
    ("header.csv", b"a,b,c\n", "header but no data rows"),
    ("binary.csv", bytes(range(256)) * 4, "binary data"),
    ("binary_no_nul.csv", bytes(range(1, 256)) * 40, "binary data"),
    ("one_row.csv", b"a,b\n1,x\n", "1 data row"),
    (
        "blank_column.csv",
        b"a,b\n" + b"".join(f"{i},\n".encode() for i in range(8)),
        "'b'.*no value in any row",
    ),
    ("constant.csv", b"a,b\n" + b"1,x\n" * 8, "single value"),
    ("duplicate.csv", b"a,b,a\n" + b"1,2,3\n" * 8, "repeats the column name"),
    ("table.xlsx", b"PK\x03\x04", "give a .csv or .parquet file"),
    ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n" + b"1,2\n" * 6, "cannot be parsed as CSV"),
]


@pytest.mark.parametrize(
    ("name", "content", "message"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS]
)
def test_bad_input_clear_error(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputDataError, match=message):
        read_sample(path)


def test_too_wide_table_rejected(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(MAX_COLUMNS + 1)]
    lines = [",".join(names)] + [",".join(str(i + j) for j in range(len(names))) for i in range(6)]
    with pytest.raises(InputDataError, match=f"{MAX_COLUMNS + 1} columns; at most {MAX_COLUMNS}"):
        read_sample(write_lines(tmp_path / "wide.csv", lines))


def test_telco_paired_categories_found(data_dir: Path, tmp_path: Path) -> None:
    from agentgan.schema.rules import compile_rule, holds
    from agentgan.tools.profiling import infer_rules

    path = head_of(data_dir / "telco_customer_churn.csv", tmp_path / "telco.csv", 400)
    sample = read_sample(path)
    addons = [
        "OnlineSecurity",
        "OnlineBackup",
        "DeviceProtection",
        "TechSupport",
        "StreamingTV",
        "StreamingMovies",
    ]

    rules = infer_rules(sample.frame, sample.kinds)

    assert rules == [
        "(PhoneService == 'No') == (MultipleLines == 'No phone service')",
        *[f"(InternetService == 'No') == ({name} == 'No internet service')" for name in addons],
    ]
    broken = sample.frame.head(10).copy()
    broken.loc[broken.index[:3], "PhoneService"] = "Yes"
    broken.loc[broken.index[:3], "MultipleLines"] = "No phone service"
    assert holds(compile_rule(rules[0]), sample.frame).all()
    assert holds(compile_rule(rules[0]), broken).tolist() == [False] * 3 + [True] * 7
    assert infer_schema(sample)["x-constraints"] == rules


def test_unknown_column_message_names_close_match() -> None:
    from agentgan.tools.profiling import unknown_column_message

    known = [f"col{index}" for index in range(25)] + ["Churn"]
    message = unknown_column_message("Target column", "churn", known)
    assert "Did you mean 'Churn'?" in message
    assert "Its columns (first 20 of 26):" in message
    assert "Did you mean" not in unknown_column_message("Target column", "zzz", known)


def test_target_never_in_inferred_rules(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "plan": ["a"] * 30 + ["b"] * 10,
            "churn": ["No"] * 30 + ["Yes"] * 10,
            "region": ["x", "y"] * 20,
        }
    )
    path = tmp_path / "plans.csv"
    frame.to_csv(path, index=False)
    sample = read_sample(path)

    assert infer_schema(sample)["x-constraints"] == ["(plan == 'b') == (churn == 'Yes')"]
    assert "x-constraints" not in infer_schema(sample, target="churn")


def test_common_values_not_paired() -> None:
    frame = pd.DataFrame(
        {
            "plan": ["a"] * 30 + ["b"] * 10,
            "churn": ["No"] * 30 + ["Yes"] * 10,
            "region": ["x", "y"] * 20,
        }
    )
    kinds = {name: "text" for name in frame.columns}

    from agentgan.tools.profiling import infer_rules

    assert infer_rules(frame, kinds) == ["(plan == 'b') == (churn == 'Yes')"]


def test_repeated_key_codes_regenerated() -> None:
    keys = pd.Series([f"ORD-{i // 2:05d}" for i in range(120)])
    notes = pd.Series([f"call back on day {i}" for i in range(120)])

    from agentgan.tools.profiling import infer_column

    key_spec = infer_column("order_ref", keys, "text")
    note_spec = infer_column("notes", notes, "text")

    assert key_spec["x-generator"] == {"kind": "id", "prefix": "ORD-", "digits": 8}
    assert key_spec["x-role"] == "id"
    assert "x-unique" not in key_spec
    assert note_spec["x-generator"] == {"kind": "faker", "provider": "sentence"}


def test_decimal_comma_column(tmp_path: Path) -> None:
    lines = ["item;price;count"] + [f"item{i};{i},5;{i}" for i in range(6)] + ["big;1.234,75;7"]
    sample = read_sample(write_lines(tmp_path / "prices.csv", lines))

    assert sample.kinds["price"] == "number"
    assert sample.frame["price"].tolist() == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 1234.75]
    assert sample.coercions["price"] == {"decimal_comma": 7}
    assert sample.kinds["count"] == "integer"


def test_thousands_commas_not_decimal() -> None:
    values, kind, counts = clean_column(pd.Series(["1,234", "12,500", "3,000", "999"]))

    assert kind == "integer"
    assert values.tolist() == [1234, 12500, 3000, 999]
    assert counts == {"thousands_separator": 3}
