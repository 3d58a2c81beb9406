"""Data validator: checks every row against the schema and decides the next step.

After the seed generator it checks the seed rows: enough valid seeds go on to CTGAN with
the invalid ones dropped; too few send the graph back to seed regeneration with the
failures as feedback (a real sample cannot be drawn again, so its failure stops the run).
After the synthesizer it checks the candidates, keeps the valid ones, and either finishes
the dataset or asks for top-up sampling. Both loops stop after `max_rounds` with an error
that gives the failure rate of each rule.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd
from langgraph.runtime import Runtime

from agentgan.errors import SeedError, ValidationFailed
from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import records, write_table
from agentgan.schema.columns import columns
from agentgan.schema.frames import typed_frame
from agentgan.schema.validation import CheckResult, check_rows, summarize_failures
from agentgan.schema.values import generate_values
from agentgan.tools.ctgan_model import MIN_SEED_ROWS
from agentgan.tools.metrics import PRIVACY_RULE, copies_of
from agentgan.tools.profiling import SEED_ROWS_IN_STATE
from agentgan.tools.progress import emit

logger = logging.getLogger(__name__)

MIN_VALID_SEED_SHARE = 0.5
"""Share of seed rows that must pass for training to go ahead."""

MIN_ACCEPTANCE = 0.01
"""Acceptance rate below which sampling stops at once instead of looping."""

PREVIEW_ROWS = 5


def validate_rows(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Check the seed rows or the latest candidates, depending on `phase`."""
    context = context_of(runtime)
    if state.get("phase") == "seed":
        return _validate_seeds(state, context)
    return _validate_candidates(state, context)


def _validate_seeds(state: State, context: Context) -> dict[str, Any]:
    schema = state["schema"]
    seed_path = state.get("seed_path")
    rows = pd.read_parquet(seed_path) if seed_path else state.get("seed_rows", [])
    frame = typed_frame(rows, schema)
    result = check_rows(frame, schema)
    total = len(frame)
    needed = max(MIN_SEED_ROWS, math.ceil(total * MIN_VALID_SEED_SHARE))
    report = {"checked": total, "passed": result.passed, "failures": result.failures}
    logger.info("Seed rows: %d of %d pass the schema", result.passed, total)
    emit({"event": "seeds_checked", "checked": total, "passed": result.passed})

    validation = dict(state.get("validation", {}))
    validation["seed"] = report
    if result.passed >= needed:
        validation["verdict"] = "seeds_ok"
        kept = frame[result.valid].reset_index(drop=True)
        if seed_path:
            write_table(kept, seed_path, "parquet")
            return {"seed_rows": records(kept.head(SEED_ROWS_IN_STATE)), "validation": validation}
        return {"seed_rows": records(kept), "validation": validation}

    feedback = _seed_feedback(frame, result.valid, result.failures)
    if state.get("seed_source") == "input":
        raise SeedError(
            f"Only {result.passed} of {total} given seed_rows pass the schema; {needed} are "
            f"needed. Failures: {summarize_failures(result.failures, total)}. "
            f"{' '.join(feedback[:1])} Fix those rows or the schema, or leave seed_rows out "
            "to have seeds made from the schema."
        )
    if seed_path or state.get("seed_rounds", 1) >= context.max_rounds:
        raise SeedError(
            f"Only {result.passed} of {total} seed rows pass the schema after "
            f"{context.max_rounds} round(s); {needed} are needed. Failures: "
            f"{summarize_failures(result.failures, total)}. {' '.join(feedback[:3])}"
        )
    validation["verdict"] = "seeds_retry"
    return {"validation": validation, "seed_feedback": feedback}


def _seed_feedback(frame: pd.DataFrame, valid: pd.Series, failures: dict[str, int]) -> list[str]:
    invalid = [int(index) for index in frame.index[~valid][:10]]
    lines = [f"Rows {invalid} break the schema."] if invalid else []
    lines += [f"{count} row(s) fail {rule}." for rule, count in failures.items()]
    return lines


def _validate_candidates(state: State, context: Context) -> dict[str, Any]:
    schema = state["schema"]
    run_dir = Path(state["run_dir"])
    wanted = state["rows"]
    candidates = pd.read_parquet(state["candidates_path"])
    valid_path = run_dir / "valid.parquet"
    previous = pd.read_parquet(valid_path) if state.get("valid_rows") else None

    result = check_rows(candidates, schema, previous=previous)
    if state.get("seed_path") and not context.allow_copies:
        _reject_sample_copies(result, candidates, pd.read_parquet(state["seed_path"]), schema)
    accepted = candidates[result.valid]
    combined = accepted if previous is None else pd.concat([previous, accepted], ignore_index=True)
    combined = combined.head(wanted).reset_index(drop=True)
    write_table(combined, valid_path, "parquet")

    # Rows the synthesizer dropped as seed copies count as sampled and failed, so that the
    # acceptance rate, the next round's size and the error message include them.
    dropped = state.get("copies_dropped", 0)
    acceptance = dict(state.get("acceptance") or {"sampled": 0, "accepted": 0})
    acceptance["sampled"] += len(candidates) + dropped
    acceptance["accepted"] += result.passed
    rate = acceptance["accepted"] / max(acceptance["sampled"], 1)
    logger.info("Candidates: %d of %d pass (%.1f%%); %d of %d rows ready",
                result.passed, len(candidates), 100 * rate, len(combined), wanted)
    emit({"event": "candidates_checked", "checked": len(candidates), "passed": result.passed,
          "ready": len(combined), "wanted": wanted})

    validation = dict(state.get("validation", {}))
    failures = dict(validation.get("synthetic", {}).get("failures", {}))
    for rule, count in result.failures.items():
        failures[rule] = failures.get(rule, 0) + count
    if dropped:
        failures[PRIVACY_RULE] = failures.get(PRIVACY_RULE, 0) + dropped
    validation["synthetic"] = {
        "checked": acceptance["sampled"],
        "passed": acceptance["accepted"],
        "failures": failures,
        "acceptance_rate": round(rate, 4),
    }
    validation["rounds"] = {"seed": state.get("seed_rounds", 0), "sample": state["sample_rounds"]}
    update: dict[str, Any] = {"validation": validation, "acceptance": acceptance,
                              "valid_rows": len(combined)}

    if len(combined) >= wanted:
        validation["verdict"] = "complete"
        update["dataset"] = _finish_dataset(combined, schema, run_dir, context)
        return update

    if rate < MIN_ACCEPTANCE or state["sample_rounds"] >= context.max_rounds:
        raise ValidationFailed(
            f"Only {len(combined)} of {wanted} rows pass the schema after "
            f"{state['sample_rounds']} sampling round(s) (acceptance {rate:.1%}). Most frequent "
            f"failures: {summarize_failures(failures, acceptance['sampled'])}. Loosen those "
            "rules or columns in the schema, or raise max_rounds."
            + (" Rows that copy a sample row are rejected; allow them with --allow-copies "
               "(allow_copies) if that is acceptable." if failures.get(PRIVACY_RULE) else "")
        )
    validation["verdict"] = "need_more"
    return update


def _reject_sample_copies(
    result: CheckResult, candidates: pd.DataFrame, sample: pd.DataFrame, schema: dict[str, Any]
) -> None:
    """Privacy guard: mark candidates equal to a real sample row on every learned column.

    ID, Faker and derived columns are left out of the comparison because they are made
    fresh for every row.
    """
    copies = copies_of(sample, candidates, schema)
    count = int(copies.sum())
    if count:
        result.failures[PRIVACY_RULE] = count
        result.valid &= ~copies
        logger.info("Privacy guard: %d candidate row(s) copy a sample row", count)


def _finish_dataset(
    frame: pd.DataFrame, schema: dict[str, Any], run_dir: Path, context: Context
) -> dict[str, Any]:
    """Number the ID columns 1..N and write the dataset file in the configured format."""
    frame = frame.copy()
    for column in columns(schema):
        if column.generator and column.generator.get("kind") == "id":
            frame[column.name] = generate_values(column, len(frame), rng=None).to_numpy()

    path = run_dir / f"dataset.{context.output_format}"
    write_table(frame, path, context.output_format)
    return {
        "path": str(path.resolve()),
        "format": context.output_format,
        "rows": len(frame),
        "columns": list(frame.columns),
        "preview": records(frame.head(PREVIEW_ROWS)),
    }
