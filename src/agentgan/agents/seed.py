"""Seed generator: a small set of high-quality rows that follow the schema.

Offline, the rows are sampled from the schema itself: its distributions, declared
dependencies, derived formulas and cross-column rules. Rows given in the input
(`seed_rows`) are used as they are; the validator checks them like generated ones, and
when too few pass, the run stops instead of replacing them. With a
real sample (`seed_path`, written by the knowledge agent) the sample's rows are the seeds.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from langgraph.runtime import Runtime

from agentgan.agents.seed_llm import seed_rows_with_provider
from agentgan.errors import SeedError
from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import records
from agentgan.schema.sampler import sample_rows
from agentgan.tools.profiling import SEED_ROWS_IN_STATE
from agentgan.tools.provider_fallback import node_attempt

logger = logging.getLogger(__name__)


def generate_seed_rows(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Produce `seed_rows` for CTGAN and hand them to the validator.

    On a second round (the validator rejected too many seeds) the rows are drawn again with
    another random seed.
    """
    context = context_of(runtime)
    rounds = state.get("seed_rounds", 0) + 1

    if state.get("seed_path"):
        return _sample_seed_rows(state, rounds)

    if state.get("seed_rows") and rounds == 1:
        rows = list(state["seed_rows"])
        logger.info("Using %d seed rows from the input", len(rows))
        return {"seed_rows": rows, "seed_rounds": rounds, "seed_source": "input", "phase": "seed"}

    schema = state["schema"]
    seed = context.random_seed + 7919 * (rounds - 1)

    def offline() -> list[dict[str, Any]]:
        frame = sample_rows(schema, context.seed_rows, seed=seed)
        logger.info("Sampled %d seed rows from the schema (round %d)", len(frame), rounds)
        return records(frame)

    # With a chat model configured the model writes the rows, told the validator's
    # feedback from the last round; offline, or after a provider failure with
    # on_provider_error="fallback", they are sampled from the schema.
    feedback = list(state.get("seed_feedback", [])) if rounds > 1 else []
    rows, warnings = seed_rows_with_provider(
        schema, context, node_attempt(runtime), seed=seed, feedback=feedback, offline=offline
    )
    return {
        "seed_rows": rows,
        "seed_rounds": rounds,
        "seed_source": "generated",
        "phase": "seed",
        "warnings": warnings,
    }


def _sample_seed_rows(state: State, rounds: int) -> dict[str, Any]:
    """Use the user's real sample, already cleaned into `seed_path`, as the seed rows.

    The state keeps all rows when the sample is small and its first `SEED_ROWS_IN_STATE`
    rows otherwise; the validator and the synthesizer read the whole table from the file.
    """
    if rounds > 1:
        raise SeedError(
            "Too few rows of the sample pass the schema, and a real sample cannot be drawn "
            "again; fix the schema's bounds and categories, or let agentgan infer the schema "
            "from the sample."
        )
    frame = pd.read_parquet(state["seed_path"])
    logger.info("Using %d rows of the sample as seed rows", len(frame))
    return {
        "seed_rows": records(frame.head(SEED_ROWS_IN_STATE)),
        "seed_rounds": rounds,
        "seed_source": "sample",
        "phase": "seed",
    }
