"""The router after the validator, as a pure function."""

from __future__ import annotations

import pytest

from agentgan.graph.routing import route_after_validation


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        ("seeds_ok", "synthesizer"),
        ("seeds_retry", "seed"),
        ("need_more", "synthesizer"),
        ("complete", "report"),
    ],
)
def test_route_follows_verdict(verdict: str, expected: str) -> None:
    state = {"prompt": "x", "validation": {"verdict": verdict}}
    assert route_after_validation(state) == expected  # type: ignore[arg-type]


def test_route_rejects_unknown_verdict() -> None:
    with pytest.raises(ValueError, match="verdict 'maybe' is unknown"):
        route_after_validation({"prompt": "x", "validation": {"verdict": "maybe"}})  # type: ignore[typeddict-item]


def test_route_rejects_missing_verdict() -> None:
    with pytest.raises(ValueError, match="verdict None is unknown"):
        route_after_validation({"prompt": "x"})
