"""Seed generator: a small set of high-quality rows that follow the schema.

Offline, the rows are sampled from the schema itself: its distributions, declared
dependencies, derived formulas and cross-column rules. Rows given in the input
(`seed_rows`) are used as they are; the validator checks them like generated ones.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import records
from agentgan.schema.sampler import sample_rows

logger = logging.getLogger(__name__)


def generate_seed_rows(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Produce `seed_rows` for CTGAN and hand them to the validator.

    On a second round (the validator rejected too many seeds) the rows are drawn again with
    another random seed.
    """
    context = context_of(runtime)
    rounds = state.get("seed_rounds", 0) + 1

    if state.get("seed_rows") and rounds == 1:
        rows = list(state["seed_rows"])
        logger.info("Using %d seed rows from the input", len(rows))
        return {"seed_rows": rows, "seed_rounds": rounds, "phase": "seed"}

    schema = state["schema"]
    frame = sample_rows(schema, context.seed_rows, seed=context.random_seed + 7919 * (rounds - 1))
    logger.info("Sampled %d seed rows from the schema (round %d)", len(frame), rounds)
    return {"seed_rows": records(frame), "seed_rounds": rounds, "phase": "seed"}
