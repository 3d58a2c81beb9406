"""Typed state shared by the agentgan nodes.

The state stays JSON-serializable so that checkpointers, `langgraph dev` and the LangGraph
server can store it: tables larger than a preview live in files whose paths the state
carries. Nodes return partial updates; list keys that several nodes extend have a reducer.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any

from typing_extensions import NotRequired, TypedDict


class InputState(TypedDict):
    """Input a caller passes to `invoke`: a request and optional overrides."""

    prompt: str
    rows: NotRequired[int]
    schema: NotRequired[dict[str, Any]]
    sample_data: NotRequired[str]
    seed_rows: NotRequired[list[dict[str, Any]]]


class DatasetInfo(TypedDict):
    """The delivered table: its file, size, columns and the first rows."""

    path: str
    format: str
    rows: int
    columns: list[str]
    preview: list[dict[str, Any]]


class OutputState(TypedDict, total=False):
    """Keys a caller can rely on after a run."""

    schema: dict[str, Any]
    sources: list[dict[str, Any]]
    seed_rows: list[dict[str, Any]]
    dataset: DatasetInfo
    validation: dict[str, Any]
    training: dict[str, Any]
    report: dict[str, Any]
    warnings: list[str]
    errors: list[str]


class State(InputState, total=False):
    """Full state of one run.

    `phase` selects what the validator checks: "seed" after the seed generator, "synthetic"
    after the synthesizer. The round counters bound the two loops.
    """

    sources: list[dict[str, Any]]
    seed_feedback: list[str]
    phase: str
    seed_rounds: int
    seed_source: str
    """Origin of the seed rows: "input" (given `seed_rows`), "sample" (a real table) or
    "generated" (the schema or a chat model). Only generated seeds are drawn again."""
    sample_rounds: int
    training: dict[str, Any]
    candidates_path: str
    valid_path: str
    valid_rows: int
    copies_dropped: int
    """Rows of the latest sampling round dropped before validation because they copy a
    seed row; the validator counts them as failures."""
    acceptance: dict[str, int]
    dataset: DatasetInfo
    validation: dict[str, Any]
    report: dict[str, Any]
    run_dir: str
    seed_path: str
    """Parquet file of the seed table when the seeds are a real sample (`sample_data`);
    `seed_rows` then contains only its first rows when the sample is large."""
    sample_profile: dict[str, Any]
    """Profile of the sample reading: file, encoding, separator and coercions per column."""
    warnings: Annotated[list[str], operator.add]
    errors: Annotated[list[str], operator.add]
