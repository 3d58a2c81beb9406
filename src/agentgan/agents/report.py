"""Report: how good the delivered table is, as JSON in the state and in the run folder.

It compares the delivered rows with the seed rows (or the user's real sample): sdmetrics'
quality score (column shapes, column pair trends), the relationships the schema declares,
constraint adherence per rule, duplicate rate and diversity, privacy as the distance to
the closest seed row with the counts of exact and near copies, and, with a target column,
the train-synthetic-test-real (TSTR) score. `agentgan.tools.report_html` renders it as
one HTML page with plots.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from langgraph.runtime import Runtime

from agentgan.errors import UsageError
from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import read_table, write_json
from agentgan.schema.frames import typed_frame
from agentgan.schema.validation import check_rows
from agentgan.tools.metrics import (
    PRIVACY_RULE,
    diversity_scores,
    paired_category_checks,
    privacy_scores,
    quality_scores,
    relationship_checks,
    tstr_scores,
)
from agentgan.tools.profiling import unknown_column_message

logger = logging.getLogger(__name__)


def write_report(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Measure the delivered dataset against the seed rows or real sample; write report.json."""
    context = context_of(runtime)
    schema = state["schema"]
    synthetic, reference = report_tables(state)

    validation = state.get("validation", {})
    synthetic_checks = validation.get("synthetic", {})
    delivered = check_rows(synthetic, schema)
    privacy = privacy_scores(reference, synthetic, schema, seed=context.random_seed)
    privacy["guard"] = "off (copies allowed)" if context.allow_copies or not state.get("seed_path") else "on"
    privacy["copies_rejected"] = synthetic_checks.get("failures", {}).get(PRIVACY_RULE, 0)
    report: dict[str, Any] = {
        "rows": len(synthetic),
        "reference": "sample data" if state.get("sample_data") else "seed rows",
        "reference_rows": len(reference),
        "quality": quality_scores(reference, synthetic, schema),
        "relationships": relationship_checks(reference, synthetic, schema),
        "paired_categories": paired_category_checks(reference, synthetic, schema),
        "constraints": {
            "delivered_rows_passing": delivered.passed,
            "delivered_failures_per_rule": delivered.failures,
            "candidates_checked": synthetic_checks.get("checked", 0),
            "candidates_passing": synthetic_checks.get("passed", 0),
            "acceptance_rate": synthetic_checks.get("acceptance_rate"),
            "failures_per_rule": synthetic_checks.get("failures", {}),
        },
        "diversity": diversity_scores(synthetic, schema),
        "privacy": privacy,
        "training": {key: value for key, value in state.get("training", {}).items() if key != "losses"},
    }
    if state.get("sample_profile"):
        report["sample"] = state["sample_profile"]
    if state.get("seed_path"):
        report["reference_path"] = state["seed_path"]
    if context.target:
        report["tstr"] = _tstr(synthetic, reference, context.target, schema, context.random_seed)

    path = Path(state["run_dir"]) / "report.json"
    write_json(report, path)
    report["path"] = str(path.resolve())
    logger.info("Report written to %s (quality score %s)", path, report["quality"].get("score"))
    return {"report": report}


def report_tables(state: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the delivered table and the reference it is measured against, typed.

    The reference is the whole real sample when the run learned from one (`seed_path`,
    which the report also keeps for callers that see only the output state), else the
    seed rows.
    """
    schema = state["schema"]
    synthetic = typed_frame(read_table(state["dataset"]["path"]), schema)
    seed_path = state.get("seed_path") or state.get("report", {}).get("reference_path")
    if seed_path and Path(seed_path).is_file():
        reference = typed_frame(pd.read_parquet(seed_path), schema)
    else:
        reference = typed_frame(state.get("seed_rows", []), schema)
    return synthetic, reference


def _tstr(
    synthetic: pd.DataFrame, reference: pd.DataFrame, target: str, schema: dict[str, Any], seed: int
) -> dict[str, Any]:
    if target not in schema["properties"]:
        known = list(schema["properties"])
        raise UsageError(unknown_column_message("Target column", target, known, place="schema"))
    scores = tstr_scores(synthetic, reference, target, schema, seed=seed)
    caveat = (
        "The test rows are the rows the model learned from, so this score is optimistic. "
        "For an unbiased score, keep some real rows out of the sample and test on them."
    )
    scores["note"] = f"{scores['note']} {caveat}" if scores.get("note") else caveat
    return scores
