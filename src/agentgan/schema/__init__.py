"""The dataset schema: its checks, sampler, safe rule evaluator and row validator."""

from agentgan.schema.check import check_schema
from agentgan.schema.sampler import sample_rows
from agentgan.schema.validation import check_rows

__all__ = ["check_rows", "check_schema", "sample_rows"]
