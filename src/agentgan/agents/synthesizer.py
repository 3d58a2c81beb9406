"""CTGAN synthesizer: trains on the seed rows once, then samples candidate rows.

The first visit trains through the `train_ctgan` tool and saves the model in the run
folder; later visits (top-up rounds routed back by the validator, or a run resumed from a
checkpoint) load that model instead of training again. Each visit samples enough
candidates to cover the rows still missing at the acceptance rate seen so far, and drops
candidates that copy a seed row (unless the run allows copies).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import write_table
from agentgan.schema.frames import typed_frame
from agentgan.tools.ctgan_tool import load_model, train_ctgan
from agentgan.tools.progress import emit

logger = logging.getLogger(__name__)

FIRST_ROUND_ACCEPTANCE = 0.85
"""Acceptance rate assumed before any candidate was checked."""

MIN_ACCEPTANCE_ESTIMATE = 0.05
"""Floor of the acceptance estimate, so one round never samples more than 20x the gap."""


def train_and_sample(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Train CTGAN if no model exists yet, then write a file of candidate rows."""
    context = context_of(runtime)
    schema = state["schema"]
    run_dir = Path(state["run_dir"])
    update: dict[str, Any] = {}

    training = state.get("training")
    if not training or not (Path(training["model_dir"]) / "manifest.json").exists():
        if state.get("seed_path"):
            seed_path = Path(state["seed_path"])
        else:
            seed_path = run_dir / "seeds.parquet"
            write_table(typed_frame(state["seed_rows"], schema), seed_path, "parquet")
        training = train_ctgan.invoke(
            {
                "seed_path": str(seed_path),
                "dataset_schema": schema,
                "model_dir": str(run_dir / "model"),
                "epochs": context.epochs,
                "batch_size": context.batch_size,
                "device": context.device,
                "random_seed": context.random_seed,
                "real_sample": bool(state.get("seed_path")),
            }
        )
        update["training"] = training

    model = load_model(training["model_dir"], device=training["device"])
    rounds = state.get("sample_rounds", 0) + 1
    missing = state["rows"] - state.get("valid_rows", 0)
    count = candidates_needed(missing, state.get("acceptance"))

    frame = model.sample(count, seed=context.random_seed + 104_729 * rounds)
    dropped = 0
    if not context.allow_copies:
        keep = model.novel_rows(frame, seed=context.random_seed + rounds)
        if not keep.all():
            dropped = int((~keep).sum())
            logger.info("Dropped %d sampled rows that copy a seed row", dropped)
            frame = frame[keep.to_numpy()].reset_index(drop=True)
    update["copies_dropped"] = dropped
    path = run_dir / f"candidates-{rounds}.parquet"
    write_table(frame, path, "parquet")
    logger.info("Sampled %d candidate rows for %d missing (round %d)", count, missing, rounds)
    emit({"event": "sampled", "round": rounds, "candidates": count, "missing": missing})

    update.update({"candidates_path": str(path), "sample_rounds": rounds, "phase": "synthetic"})
    return update


def candidates_needed(missing: int, acceptance: dict[str, int] | None) -> int:
    """Candidates to sample so that, at the acceptance rate so far, `missing` rows pass."""
    rate = FIRST_ROUND_ACCEPTANCE
    if acceptance and acceptance.get("sampled"):
        rate = acceptance["accepted"] / acceptance["sampled"]
    rate = max(rate, MIN_ACCEPTANCE_ESTIMATE)
    return max(missing, math.ceil(round(missing / rate * 1.1, 6)) + 10)
