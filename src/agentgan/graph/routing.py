"""Routers: pure functions that pick the next node.

After the knowledge agent, the run context decides whether a person reviews the schema.
After the validator, the router reads the verdict the validator wrote into `validation`.
The loops are bounded by the validator, which raises instead of asking for a round past
`max_rounds`; a verdict the router does not know is a bug and raises.
"""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime

from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State


def route_after_knowledge(state: State, runtime: Runtime[Context]) -> Literal["review", "seed"]:
    """Send the schema to human review when the run context sets `review`, else to the seeds."""
    return "review" if context_of(runtime).review else "seed"


def route_after_validation(state: State) -> Literal["seed", "synthesizer", "report"]:
    """Pick the node after the validator from its verdict.

    Valid seeds go to CTGAN, failed seeds back to the seed generator, too few valid rows
    back to the synthesizer for top-up sampling, and a complete dataset to the report.

    Raises:
        ValueError: the state contains no known verdict.
    """
    verdict = state.get("validation", {}).get("verdict")
    if verdict == "seeds_ok":
        return "synthesizer"
    if verdict == "seeds_retry":
        return "seed"
    if verdict == "need_more":
        return "synthesizer"
    if verdict == "complete":
        return "report"
    raise ValueError(f"Validator verdict {verdict!r} is unknown; expected seeds_ok, "
                     "seeds_retry, need_more or complete.")

