"""Faults inside a run: diverging CTGAN, a validator that rejects nearly all, bad seeds."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agentgan.errors import SeedError, TrainingError, ValidationFailed
from agentgan.graph.builder import build_graph
from agentgan.tools.ctgan_model import SeedModel, choose_settings

SMALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "x": {"type": "number", "minimum": 0, "maximum": 10},
        "kind": {"type": "string", "enum": ["a", "b"]},
    },
}


def seed_table(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.uniform(0, 10, rows).round(2), "kind": rng.choice(["a", "b"], rows)}
    )


def test_diverging_training_retries_then_fails(caplog: pytest.LogCaptureFixture) -> None:
    """A learning rate of 1e30 drives the weights to NaN on every seed."""
    settings = dataclasses.replace(
        choose_settings(40, epochs=3, device="cpu", random_seed=1), learning_rate=1e30
    )
    with (
        caplog.at_level(logging.WARNING, logger="agentgan.tools.ctgan_model"),
        pytest.raises(
            TrainingError, match="CTGAN losses turned NaN on 2 attempts; check the seed rows"
        ),
    ):
        SeedModel.train(seed_table(), SMALL_SCHEMA, settings)

    diverged = [r.getMessage() for r in caplog.records if "diverged" in r.getMessage()]
    assert [re.search(r"with seed (\d+)", message).group(1) for message in diverged] == [  # type: ignore[union-attr]
        "1",
        "1010",
    ]
    retried = [r for r in caplog.records if "retrying with another seed" in r.getMessage()]
    assert len(retried) == 2


def test_usual_learning_rate_trains() -> None:
    settings = choose_settings(40, epochs=3, device="cpu", random_seed=1)
    model = SeedModel.train(seed_table(), SMALL_SCHEMA, settings)
    assert model.summary.attempts == 1
    assert all(np.isfinite(row["generator"]) for row in model.summary.losses)


def run_graph(state: dict[str, Any], context: dict[str, Any]) -> list[tuple[str, Any]]:
    """Stream the graph and return its custom events until it finishes or raises."""
    events: list[tuple[str, Any]] = []
    for mode, chunk in build_graph().stream(state, context=context, stream_mode=["custom"]):
        events.append((mode, chunk))
    return events


def test_validator_stops_when_nearly_all_fail(
    fast_context: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Seeds are drawn to meet `x + y == 30`; CTGAN learns the columns, not the sum."""
    schema = {
        "type": "object",
        "properties": {
            "x": {"type": "integer", "minimum": 0, "maximum": 30},
            "y": {"type": "integer", "minimum": 0, "maximum": 30},
        },
        "x-constraints": ["x + y == 30"],
    }
    context = {**fast_context, "max_rounds": 2}
    with (
        caplog.at_level(logging.INFO, logger="agentgan.agents.synthesizer"),
        pytest.raises(ValidationFailed) as raised,
    ):
        run_graph({"prompt": "", "schema": schema, "rows": 300}, context)

    message = str(raised.value)
    match = re.search(r"rule: x \+ y == 30 \((\d+) of (\d+), (\d+)%\)", message)
    assert match, message
    failed, checked, percent = (int(group) for group in match.groups())
    assert failed <= checked
    # The synthesizer keeps pool rows that meet the rule first, so not every row fails.
    assert percent >= 25
    assert "Loosen those rules or columns in the schema, or raise max_rounds" in message
    rounds = [r for r in caplog.records if r.getMessage().startswith("Sampled ")]
    assert 1 <= len(rounds) <= 2


def test_bad_seed_rows_named(fast_context: dict[str, Any]) -> None:
    schema = {
        "type": "object",
        "properties": {
            "age": {"type": "integer", "minimum": 18, "maximum": 90},
            "plan": {"type": "string", "enum": ["basic", "plus"]},
        },
    }
    seeds = [{"age": 20 + index, "plan": "basic"} for index in range(4)]
    seeds += [{"age": 150, "plan": "basic"}, {"age": 30, "plan": "gold"}, {"age": 5, "plan": "x"}]
    seeds += [{"age": 200 + index, "plan": "plus"} for index in range(5)]
    context = {**fast_context, "max_rounds": 1}
    with pytest.raises(SeedError) as raised:
        run_graph({"prompt": "", "schema": schema, "seed_rows": seeds, "rows": 50}, context)

    message = str(raised.value)
    assert "Only 4 of 12 given seed_rows pass the schema; 6 are needed." in message
    assert "age: maximum (6 of 12, 50%)" in message
    assert "plan: enum (2 of 12, 17%)" in message
    assert "age: minimum (1 of 12, 8%)" in message
    assert "Rows [4, 5, 6, 7, 8, 9, 10, 11] break the schema." in message


def test_seed_error_from_cli_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from failure_checks import assert_failure_leaves_files

    monkeypatch.chdir(tmp_path)
    schema = tmp_path / "schema.json"
    schema.write_text(
        '{"type": "object", "properties": {"x": {"type": "integer", "minimum": 0, '
        '"maximum": 1000}, "y": {"type": "integer", "minimum": 0, "maximum": 1000}}, '
        '"x-constraints": ["x == y", "x + y > 1990"]}'
    )
    args = [
        "generate",
        "--schema",
        "schema.json",
        "--out",
        "o.csv",
        "--max-rounds",
        "1",
        "--seed-rows",
        "20",
        "--epochs",
        "5",
    ]
    assert_failure_leaves_files(tmp_path, args, 1, r"seed rows pass the schema after 1 round")
