"""Report: how good the delivered table is, as JSON in the state and in the run folder.

It compares the delivered rows with the seed rows (or the user's real sample): sdmetrics'
quality score (column shapes, column pair trends), the relationships the schema declares,
constraint adherence per rule, duplicate rate and diversity, and privacy as the distance
to the closest seed row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import read_table, write_json
from agentgan.schema.frames import typed_frame
from agentgan.tools.metrics import diversity_scores, privacy_scores, quality_scores, relationship_checks

logger = logging.getLogger(__name__)


def write_report(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Measure the delivered dataset against the seed rows and write report.json."""
    context = context_of(runtime)
    schema = state["schema"]
    dataset = state["dataset"]
    synthetic = typed_frame(read_table(dataset["path"]), schema)
    reference = typed_frame(state["seed_rows"], schema)

    validation = state.get("validation", {})
    synthetic_checks = validation.get("synthetic", {})
    report: dict[str, Any] = {
        "rows": len(synthetic),
        "reference": "sample data" if state.get("sample_data") else "seed rows",
        "reference_rows": len(reference),
        "quality": quality_scores(reference, synthetic, schema),
        "relationships": relationship_checks(reference, synthetic, schema),
        "constraints": {
            "delivered_rows_passing": len(synthetic),
            "candidates_checked": synthetic_checks.get("checked", 0),
            "candidates_passing": synthetic_checks.get("passed", 0),
            "acceptance_rate": synthetic_checks.get("acceptance_rate"),
            "failures_per_rule": synthetic_checks.get("failures", {}),
        },
        "diversity": diversity_scores(synthetic, schema),
        "privacy": privacy_scores(reference, synthetic, schema, seed=context.random_seed),
        "training": {key: value for key, value in state.get("training", {}).items() if key != "losses"},
    }

    path = Path(state["run_dir"]) / "report.json"
    write_json(report, path)
    report["path"] = str(path.resolve())
    logger.info("Report written to %s (quality score %s)", path, report["quality"].get("score"))
    return {"report": report}
