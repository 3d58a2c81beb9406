"""Bad schemas are rejected before any training, naming the column or rule and the fix."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from agentgan.errors import RuleError, SchemaError
from agentgan.graph.builder import build_graph
from agentgan.schema.check import check_schema
from agentgan.schema.feasibility import check_rules_satisfiable
from failure_checks import assert_failure_leaves_files

GOOD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "age": {"type": "integer", "minimum": 18, "maximum": 90},
        "tenure": {"type": "integer", "minimum": 0, "maximum": 72},
        "plan": {"type": "string", "enum": ["basic", "plus"]},
        "charges": {"type": "number", "minimum": 10, "maximum": 120},
    },
    "required": ["age", "plan"],
    "x-constraints": ["tenure <= (age - 18) * 12"],
}


def changed(**changes: Any) -> dict[str, Any]:
    """GOOD with top-level keys or `properties.<column>` replaced."""
    schema = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if key.startswith("col_"):
            schema["properties"][key[4:]] = value
        else:
            schema[key.replace("_", "-") if key.startswith("x_") else key] = value
    return schema


BAD_SCHEMAS = [
    ("not an object", [1, 2], SchemaError, "must be a JSON object, not list"),
    ("no properties", {"type": "object"}, SchemaError, "'properties' is a required property"),
    ("no columns", {"type": "object", "properties": {}}, SchemaError, "should be non-empty"),
    (
        "unknown type",
        changed(col_age={"type": "decimal"}),
        SchemaError,
        "Column 'age' has the unknown type 'decimal'",
    ),
    (
        "misspelled keyword",
        changed(col_age={"type": "integer", "maximun": 3}),
        SchemaError,
        r"Column 'age': Additional properties .*'maximun' was unexpected.*fix its spelling",
    ),
    (
        "bound of wrong type",
        changed(col_age={"type": "integer", "minimum": "18"}),
        SchemaError,
        "Column 'age' has an invalid minimum: '18' is not of type 'number'",
    ),
    (
        "minimum above maximum",
        changed(col_age={"type": "integer", "minimum": 90, "maximum": 18}),
        SchemaError,
        "Column 'age' has minimum 90 above maximum 18; swap or fix them",
    ),
    (
        "exclusive bounds meet",
        changed(col_charges={"type": "number", "exclusiveMinimum": 5, "maximum": 5}),
        SchemaError,
        "Column 'charges' allows no value between its bounds 5 and 5",
    ),
    (
        "no integer between bounds",
        changed(col_age={"type": "integer", "minimum": 1.2, "maximum": 1.8}),
        SchemaError,
        "Column 'age' allows no integer between its bounds 1.2 and 1.8",
    ),
    (
        "bounds on text",
        changed(col_plan={"type": "string", "minimum": 1}),
        SchemaError,
        "Column 'plan' of type string has minimum or maximum",
    ),
    (
        "empty enum",
        changed(col_plan={"type": "string", "enum": []}),
        SchemaError,
        "Column 'plan' has an invalid enum: \\[\\] should be non-empty",
    ),
    (
        "enum of wrong type",
        changed(col_age={"type": "integer", "enum": [20, "thirty"]}),
        SchemaError,
        r"Column 'age' of type integer has enum value\(s\) \['thirty'\] of another type",
    ),
    (
        "boolean enum of numbers",
        changed(col_plan={"type": "boolean", "enum": [1, 0]}),
        SchemaError,
        "Column 'plan' of type boolean has enum value",
    ),
    (
        "enum outside bounds",
        changed(col_age={"type": "integer", "minimum": 18, "enum": [10, 20]}),
        SchemaError,
        "Column 'age' has enum values below its minimum 18",
    ),
    (
        "lengths swapped",
        changed(col_plan={"type": "string", "minLength": 5, "maxLength": 2}),
        SchemaError,
        "Column 'plan' has minLength 5 above maxLength 2",
    ),
    (
        "bad pattern",
        changed(col_plan={"type": "string", "pattern": "[a-"}),
        SchemaError,
        "Column 'plan' has an invalid pattern '\\[a-'",
    ),
    (
        "pattern with nested repetition",
        changed(col_plan={"type": "string", "pattern": "^([a-z]+)*$"}),
        SchemaError,
        r"Column 'plan' has the pattern .*repeats a group that itself repeats",
    ),
    (
        "pattern too long",
        changed(col_plan={"type": "string", "pattern": "a" * 600}),
        SchemaError,
        "Column 'plan' has a pattern of 600 characters; the maximum is 500",
    ),
    (
        "required column missing",
        changed(required=["age", "income"]),
        SchemaError,
        "Required column 'income' is not in properties; add it or remove it from 'required'",
    ),
    (
        "weights outside enum",
        changed(
            col_plan={
                "type": "string",
                "enum": ["basic"],
                "x-distribution": {"kind": "categorical", "weights": {"gold": 1}},
            }
        ),
        SchemaError,
        r"Column 'plan' has weights for \['gold'\], which are not in its enum",
    ),
    (
        "dependency on missing column",
        changed(
            x_dependencies=[
                {"child": "tenure", "parent": "income", "cases": [{"when": {"min": 0}, "scale": 2}]}
            ]
        ),
        SchemaError,
        "Dependency parent 'income' is not a column",
    ),
    (
        "derived cycle",
        changed(
            col_charges={"type": "number", "x-derived": "tenure * 2"},
            col_tenure={"type": "number", "x-derived": "charges / 2"},
        ),
        SchemaError,
        "depend on each other in a cycle",
    ),
    (
        "rule on unknown column",
        changed(x_constraints=["income > 0"]),
        RuleError,
        r"Rule 'income > 0' names unknown column\(s\) income",
    ),
    (
        "rule with syntax error",
        changed(x_constraints=["age >"]),
        RuleError,
        "Rule 'age >' is not a valid expression",
    ),
    (
        "contradictory rules",
        changed(x_constraints=["age > 50", "age < 30"]),
        RuleError,
        "Rules 'age > 50' and 'age < 30' contradict each other",
    ),
    (
        "rule outside the ranges",
        changed(x_constraints=["charges > 500"]),
        RuleError,
        r"Rule 'charges > 500' is never met: .* of charges meets it",
    ),
    (
        "rule on a value not in the enum",
        changed(x_constraints=["plan == 'gold'"]),
        RuleError,
        "Rule \"plan == 'gold'\" is never met",
    ),
    (
        "three rules never met together",
        changed(x_constraints=["age + tenure > 100", "age < 35", "tenure < 60"]),
        RuleError,
        r"The rules .* are never met together",
    ),
    (
        "rule comparing text with numbers",
        changed(x_constraints=["plan > age"]),
        RuleError,
        "Rule 'plan > age' failed on the data: .*columns of matching types",
    ),
    (
        "rule importing a module",
        changed(x_constraints=["__import__('os').system('touch pwned') == 0"]),
        RuleError,
        r"Rule .*__import__.* uses attribute access",
    ),
    (
        "rule with attribute access",
        changed(x_constraints=["age.__class__ == 1"]),
        RuleError,
        r"uses attribute access \(age.__class__\)",
    ),
    (
        "rule calling a builtin",
        changed(x_constraints=["len(plan) > 1"]),
        RuleError,
        "calls 'len', which is not allowed",
    ),
    ("rule with lambda", changed(x_constraints=["(lambda: 1)() == 1"]), RuleError, "uses a lambda"),
    (
        "rule with comprehension",
        changed(x_constraints=["[x for x in [age]] == [1]"]),
        RuleError,
        "uses a comprehension",
    ),
    (
        "rule with subscript",
        changed(x_constraints=["plan[0] == 'b'"]),
        RuleError,
        "uses a subscript",
    ),
    (
        "rule with dunder name",
        changed(x_constraints=["__builtins__ == 1"]),
        RuleError,
        "names '__builtins__'",
    ),
    (
        "derived formula running code",
        changed(col_charges={"type": "number", "x-derived": "__import__('os').getcwd()"}),
        RuleError,
        "Column 'charges' has an invalid x-derived formula: Rule .*calls|attribute",
    ),
    (
        "unknown Faker provider",
        changed(col_plan={"type": "string", "x-generator": {"kind": "faker", "provider": "nope"}}),
        SchemaError,
        "Column 'plan' names the Faker provider 'nope', which does not exist",
    ),
    (
        "Faker helper instead of provider",
        changed(
            col_plan={
                "type": "string",
                "x-generator": {"kind": "faker", "provider": "seed_instance"},
            }
        ),
        SchemaError,
        "Faker provider 'seed_instance', which does not exist",
    ),
    (
        "Faker provider returning bytes",
        changed(
            col_plan={"type": "string", "x-generator": {"kind": "faker", "provider": "binary"}}
        ),
        SchemaError,
        "Faker provider 'binary' returns bytes values",
    ),
    (
        "unknown locale",
        changed(
            col_plan={"type": "string", "x-generator": {"kind": "faker", "provider": "name"}},
            x_locale="xx_XX",
        ),
        SchemaError,
        "Locale 'xx_XX' is not one Faker knows",
    ),
]


@pytest.mark.parametrize(
    ("schema", "error", "pattern"),
    [case[1:] for case in BAD_SCHEMAS],
    ids=[case[0] for case in BAD_SCHEMAS],
)
def test_check_schema_rejects(schema: Any, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        check_schema(schema)


def test_check_schema_accepts_good_schema() -> None:
    schema = copy.deepcopy(GOOD)
    assert check_schema(schema) == GOOD


def test_rules_met_only_at_bound_pass() -> None:
    schema = changed(x_constraints=["charges >= 120", "age <= 18"])
    check_rules_satisfiable(schema)


def test_rule_on_derived_column_passes() -> None:
    schema = changed(
        col_charges={"type": "number", "x-derived": "tenure * 1.5"},
        x_constraints=["charges == tenure * 1.5"],
    )
    check_schema(schema)


def test_rule_met_only_through_nulls_is_rejected() -> None:
    nullable = {"type": ["integer", "null"], "minimum": 0, "maximum": 5, "x-null-rate": 0.5}
    schema = changed(col_tenure=nullable, x_constraints=["tenure > 10"])
    with pytest.raises(RuleError, match="Rule 'tenure > 10' is never met"):
        check_schema(schema)


def test_isnull_rule_on_nullable_column_passes() -> None:
    nullable = {"type": ["integer", "null"], "minimum": 0, "maximum": 5, "x-null-rate": 0.2}
    check_schema(changed(col_tenure=nullable, x_constraints=["isnull(tenure) or tenure < 3"]))


def write_schema(folder: Path, schema: Any) -> Path:
    path = folder / "schema.json"
    path.write_text(json.dumps(schema), "utf-8")
    return path


SCHEMA_FILE_CASES = [
    ("invalid JSON", b'{"type": "object", "properties": {"a": ', 1, "is not valid JSON"),
    ("binary garbage", bytes(range(256)) * 4, 1, "is not valid JSON"),
    ("empty file", b"", 1, "is not valid JSON"),
    (
        "unknown type",
        json.dumps(changed(col_age={"type": "decimal"})).encode(),
        1,
        "Column 'age' has the unknown type 'decimal'",
    ),
    (
        "contradictory rules",
        json.dumps(changed(x_constraints=["age > 50", "age < 30"])).encode(),
        1,
        "Rules 'age > 50' and 'age < 30' contradict each other",
    ),
    (
        "rule running code",
        json.dumps(changed(x_constraints=["__import__('os').system('touch pwned')"])).encode(),
        1,
        "uses attribute access",
    ),
    (
        "absurd row count",
        json.dumps(changed(**{"x-rows": 10**12})).encode(),
        2,
        "row count 1,000,000,000,000 from the request or schema is out of range",
    ),
]


@pytest.mark.parametrize(
    ("content", "status", "pattern"),
    [case[1:] for case in SCHEMA_FILE_CASES],
    ids=[case[0] for case in SCHEMA_FILE_CASES],
)
def test_generate_rejects_schema_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, status: int, pattern: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.json").write_bytes(content)
    args = ["generate", "--schema", "schema.json", "--out", "out.csv", "--schema-out", "s.json"]
    assert_failure_leaves_files(tmp_path, args, status, pattern)
    assert not (tmp_path / "pwned").exists()


def test_generate_reports_missing_schema_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["generate", "--schema", "missing.json", "--out", "out.csv"]
    assert_failure_leaves_files(tmp_path, args, 2, "Schema file 'missing.json' not found")


def test_schema_state_key_rejected_before_training(tmp_path: Path) -> None:
    bad = changed(x_constraints=["age > 50", "age < 30"])
    graph = build_graph()
    events = []
    with pytest.raises(RuleError, match="contradict each other"):
        for mode, chunk in graph.stream(
            {"prompt": "", "schema": bad},
            context={"output_dir": str(tmp_path / "runs"), "epochs": 5},
            stream_mode=["custom", "updates"],
        ):
            events.append((mode, chunk))
    assert not any(
        mode == "custom" and chunk.get("event") == "training_started" for mode, chunk in events
    )
    assert not list((tmp_path / "runs").rglob("model"))
