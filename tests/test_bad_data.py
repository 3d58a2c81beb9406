"""Bad sample tables given with --from: one clear line, or a usable schema."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest

from failure_checks import assert_failure_leaves_files, invoke


def write_rows(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    lines = [",".join(header)] + [",".join(str(value) for value in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def people(count: int, seed: int = 0) -> list[list[object]]:
    rng = random.Random(seed)
    return [[rng.randint(18, 80), rng.choice(["Leeds", "York", "Hull"])] for _ in range(count)]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def make_bad_file(folder: Path, case: str) -> str:
    """Write the sample file for a case and return its name."""
    if case == "missing":
        return "missing.csv"
    path = folder / f"{case}.csv"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "header only":
        path.write_text("age,city\n")
    elif case == "binary garbage":
        rng = random.Random(1)
        # Random bytes without NUL, as in a compressed or encrypted file.
        path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))
    elif case == "one row":
        write_rows(path, ["age", "city"], people(1))
    elif case == "blank column":
        write_rows(path, ["age", "city", "income"], [[*row, ""] for row in people(40)])
    elif case == "duplicate names":
        write_rows(path, ["age", "age", "city"], [[row[0], row[0], row[1]] for row in people(40)])
    elif case == "too wide":
        write_rows(path, [f"c{index}" for index in range(2100)], [[1] * 2100 for _ in range(6)])
    return path.name


BAD_FILES = [
    ("missing", "Sample file 'missing.csv' not found; check the path"),
    ("empty", "Sample file 'empty.csv' is empty; export the table with a header row"),
    ("header only", "has a header but no data rows; export the rows too"),
    ("binary garbage", "contains binary data, not CSV text; export the table as CSV"),
    ("one row", r"has 1 data row\(s\); at least 5 are needed to learn from"),
    ("blank column", r"Column\(s\) 'income' of 'blank column.csv' have no value in any row"),
    ("duplicate names", r"repeats the column name\(s\) 'age'; rename the columns"),
    ("too wide", "has 2100 columns; at most 2000 are supported"),
]


@pytest.mark.parametrize("case,pattern", BAD_FILES, ids=[case for case, _ in BAD_FILES])
def test_generate_from_bad_file(workdir: Path, case: str, pattern: str) -> None:
    name = make_bad_file(workdir, case)
    args = ["generate", "--from", name, "--rows", "20", "--out", "out.csv", "--epochs", "2"]
    status = 2 if case == "missing" else 1  # a path that names no file is a usage error
    assert_failure_leaves_files(workdir, args, status, pattern)


@pytest.mark.parametrize("case", ["binary garbage", "header only"])
def test_schema_from_bad_file(workdir: Path, case: str) -> None:
    name = make_bad_file(workdir, case)
    pattern = dict(BAD_FILES)[case]
    assert_failure_leaves_files(workdir, ["schema", "--from", name, "--out", "s.json"], 1, pattern)


def test_single_category_column_kept(workdir: Path) -> None:
    rows = [[age, "UK"] for age, _ in people(40)]
    write_rows(workdir / "single.csv", ["age", "country"], rows)
    result = invoke(["schema", "--from", "single.csv", "--out", "schema.json"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads((workdir / "schema.json").read_text())
    country = schema["properties"]["country"]
    assert country.get("enum", [country.get("const")]) == ["UK"]
    assert schema["properties"]["age"]["type"] == "integer"


def test_wide_table_schema(workdir: Path) -> None:
    rng = random.Random(2)
    header = [f"sensor_{index}" for index in range(150)]
    rows = [[round(rng.uniform(0, 50), 2) for _ in header] for _ in range(12)]
    write_rows(workdir / "wide.csv", header, rows)
    result = invoke(["schema", "--from", "wide.csv", "--out", "schema.json"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads((workdir / "schema.json").read_text())
    assert list(schema["properties"]) == header
    assert all(spec["type"] == "number" for spec in schema["properties"].values())


def test_single_category_generates(workdir: Path) -> None:
    """A constant column and a low-cardinality one: copies of sample rows are dropped and
    counted, and the run still delivers its rows."""
    rng = random.Random(3)
    rows = [[rng.randint(18, 80), "UK", round(rng.uniform(10, 99), 2)] for _ in range(40)]
    write_rows(workdir / "single.csv", ["age", "country", "spend"], rows)
    args = [
        "generate",
        "--from",
        "single.csv",
        "--rows",
        "30",
        "--out",
        "out.csv",
        "--epochs",
        "5",
        "--seed",
        "4",
    ]
    result = invoke(args)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(workdir / "out.csv")
    assert len(frame) == 30
    assert set(frame["country"]) == {"UK"}
    assert frame["age"].between(18, 80).all()
