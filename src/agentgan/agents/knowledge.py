"""Knowledge agent: turns the request into a checked dataset schema.

It works in three steps. The attribute extractor reads which columns, types and explicit
constraints the request names. The data look-up finds realistic ranges, distributions and
category weights for each attribute, with the source of each fact. The dataset structure
step assembles one JSON Schema and checks it against the meta-schema. Offline, the first
step is rule-based and the look-up reads the embedded knowledge base.
"""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agentgan.agents.knowledge_llm import schema_with_provider
from agentgan.errors import UsageError
from agentgan.graph.context import Context, context_of
from agentgan.graph.state import State
from agentgan.io import new_run_dir
from agentgan.schema.assemble import (
    apply_categories,
    apply_range,
    apply_shares,
    assemble_schema,
    default_column,
)
from agentgan.schema.check import check_schema
from agentgan.tools.knowledge_base import KnowledgeBase, load_knowledge_base
from agentgan.tools.provider_fallback import node_attempt
from agentgan.tools.profiling import prepare_sample
from agentgan.tools.request_parser import RequestSpec, parse_request

logger = logging.getLogger(__name__)


def build_schema(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Produce `schema`, `sources` and `rows` for the run.

    With `sample_data`, the sample is read and cleaned, its schema inferred (unless a
    schema is given) and its rows written as the seed table (`seed_path`). Otherwise a
    schema in the input is checked and used as it is, or the request is read offline
    against the embedded knowledge base.

    Raises:
        UsageError: the request is blank or names nothing the agent can build a table from.
        SchemaError: a given schema is invalid.
        InputDataError: the sample cannot be read or does not fit the given schema.
    """
    context = context_of(runtime)
    prompt = (state.get("prompt") or "").strip()
    warnings: list[str] = []
    run_dir = state.get("run_dir") or str(new_run_dir(context.output_dir))
    update: dict[str, Any] = {}

    if state.get("sample_data"):
        given = check_schema(state["schema"]) if state.get("schema") else None
        schema, seed_path, profile = prepare_sample(
            state["sample_data"], run_dir, schema=given, target=context.target, seed=context.random_seed
        )
        warnings.extend(schema.get("x-warnings", []) if given is None else [])
        update = {"seed_path": str(seed_path), "sample_profile": profile}
        logger.info("Schema from the sample %s: %d columns", state["sample_data"], len(schema["properties"]))
    elif state.get("schema"):
        schema = check_schema(state["schema"])
        logger.info("Using the given schema with %d columns", len(schema["properties"]))
    else:
        if not prompt:
            raise UsageError(
                "The request is empty; describe the table, for example "
                "'customer churn data with age, gender and location'."
            )
        # With a chat model configured this runs the three LLM steps; offline, or after a
        # provider failure with on_provider_error="fallback", it is schema_from_request.
        schema, provider_warnings = schema_with_provider(
            prompt, context, node_attempt(runtime), offline=schema_from_request
        )
        warnings.extend(provider_warnings)
        warnings.extend(schema.get("x-warnings", []))

    if context.target and context.target not in schema["properties"]:
        raise UsageError(
            f"Target column {context.target!r} is not in the schema; pick one of "
            f"{', '.join(map(repr, list(schema['properties'])[:20]))}."
        )
    rows = state.get("rows") or schema.get("x-rows") or context.rows
    logger.info(
        "Schema ready: %d columns, %d rows requested", len(schema["properties"]), rows
    )
    return {
        **update,
        "run_dir": run_dir,
        "schema": schema,
        "sources": list(schema.get("x-sources", [])),
        "rows": int(rows),
        "warnings": warnings,
    }


def schema_from_request(prompt: str, knowledge: KnowledgeBase | None = None) -> dict[str, Any]:
    """Build a schema from a request with the embedded knowledge base only."""
    knowledge = knowledge or load_knowledge_base()
    request = parse_request(prompt, knowledge)
    domain = knowledge.domains.get(request.domain or "", {})

    names = list(request.attributes)
    for name in domain.get("columns", []):
        if name not in names:
            names.append(name)
    if not names and not request.unknown:
        raise UsageError(
            f"No column or known subject found in the request {prompt[:80]!r}; name the "
            "columns, for example 'with columns age, income and city'."
        )

    columns, sources = look_up_columns(names, request, knowledge)
    warnings = []
    for name in request.unknown:
        columns[name] = default_column(name)
        warnings.append(
            f"Column {name!r} is not in the knowledge base; it gets a typed default "
            f"({columns[name]['type']}). Edit the schema to refine it."
        )
        logger.warning(warnings[-1])

    for name, formula in domain.get("derived", {}).items():
        if name in columns:
            columns[name]["x-derived"] = formula

    return assemble_schema(
        domain.get("title") or "synthetic_table",
        columns,
        constraints=domain.get("constraints"),
        dependencies=domain.get("dependencies"),
        sources=sources + [dependency["source"] for dependency in domain.get("dependencies", []) if "source" in dependency],
        locale=request.locale,
        rows=request.rows,
        domain=request.domain,
        warnings=warnings,
    )


def look_up_columns(
    names: list[str], request: RequestSpec, knowledge: KnowledgeBase
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Return the column spec of each known attribute with the request's constraints applied."""
    columns: dict[str, dict[str, Any]] = {}
    sources: list[dict[str, Any]] = []
    for name in names:
        attribute = knowledge.attributes[name]
        spec, source = knowledge.column(attribute)
        if name in request.ranges:
            spec = apply_range(spec, request.ranges[name])
        if name in request.categories:
            spec = apply_categories(spec, request.categories[name])
        if name in request.shares:
            spec = apply_shares(spec, request.shares[name])
        columns[name] = spec
        if source is not None:
            sources.append(source)
    return columns, sources
