"""Run configuration: the settings of one graph run.

The graph reads these through `Runtime[Context]`. LangGraph Studio shows the fields as a
form, `graph.invoke(..., context={...})` sets them, and the command-line interface fills
them from its options. Environment variables fill only the provider fields, and only
where no explicit value is given.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ROWS = 10_000_000
"""Largest row count one run accepts; `agentgan sample` streams larger tables in parts."""


class Context(BaseModel):
    """Settings of one agentgan run; every number is bounded."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    model: str = Field(
        default_factory=lambda: os.environ.get("AGENTGAN_MODEL", "offline"),
        description=(
            "Chat model: 'offline' (embedded knowledge base, no network), 'auto' (an LLM when "
            "a key or base URL is configured, else offline), or an init_chat_model string "
            "such as 'openai:gpt-4o-mini'."
        ),
    )
    base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible server; defaults to OPENAI_BASE_URL.",
    )
    search: Literal["auto", "embedded", "tavily", "searx"] = Field(
        default_factory=lambda: os.environ.get("AGENTGAN_SEARCH", "auto"),  # type: ignore[arg-type]
        description=(
            "Web search for the data look-up: 'tavily' (TAVILY_API_KEY; "
            "AGENTGAN_TAVILY_BASE_URL overrides the endpoint), 'searx' (a SearxNG instance at "
            "SEARX_HOST), 'embedded' (knowledge base only), or 'auto' (Tavily when "
            "TAVILY_API_KEY is set, else embedded)."
        ),
    )
    on_provider_error: Literal["fallback", "fail"] = Field(
        default="fallback",
        description=(
            "What a chat model or search failure does after its retries: 'fallback' uses the "
            "embedded knowledge base with a warning, 'fail' stops with an error."
        ),
    )
    timeout: float = Field(
        default=60.0,
        gt=0,
        le=600,
        description="Seconds to wait for one chat model or search response.",
    )
    rows: int = Field(default=500, ge=1, le=MAX_ROWS, description="Rows to deliver.")
    seed_rows: int = Field(default=100, ge=10, le=5000, description="Seed rows to generate.")
    epochs: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="CTGAN training epochs; empty chooses them from the seed row count.",
    )
    batch_size: int | None = Field(
        default=None,
        ge=2,
        le=10_000,
        description="CTGAN batch size; empty chooses it (and pac) from the seed row count.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto",
        description="Training device: 'auto' uses CUDA when torch sees a GPU, else the CPU.",
    )
    random_seed: int = Field(
        default=0, ge=0, le=2**31 - 1, description="Seed of every random step; fixes output."
    )
    max_rounds: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Most rounds of seed regeneration, and of top-up sampling, per run.",
    )
    output_dir: str = Field(
        default="agentgan-output",
        description="Folder for the dataset file, the trained model and the report.",
    )
    output_format: Literal["parquet", "csv"] = Field(
        default="parquet", description="File format of the dataset the state points to."
    )
    review: bool = Field(
        default=False,
        description="Pause after the knowledge agent so that a person can edit the schema.",
    )
    allow_copies: bool = Field(
        default=False,
        description="Allow output rows equal to a real sample row (privacy guard off).",
    )
    target: str | None = Field(
        default=None,
        description="Target column for the train-synthetic-test-real score in the report.",
    )


def context_of(runtime: object) -> Context:
    """Return the run's `Context`, or the defaults when the caller passed none."""
    context = getattr(runtime, "context", None)
    if context is None:
        return Context()
    if isinstance(context, dict):
        return Context(**context)
    if not isinstance(context, Context):
        raise TypeError(f"The run context must be an agentgan Context, not {type(context).__name__}.")
    return context
