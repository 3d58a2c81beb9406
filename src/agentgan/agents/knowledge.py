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
from agentgan.errors import SchemaError, UsageError
from agentgan.graph.context import MAX_ROWS, Context, context_of
from agentgan.graph.state import State
from agentgan.io import new_run_dir
from agentgan.request_checks import check_offline_language, check_row_count
from agentgan.schema.assemble import (
    apply_categories,
    apply_dates,
    apply_range,
    apply_shares,
    assemble_schema,
    convert_dependency,
    convert_units,
    default_column,
    rename_columns,
    rescale_cases,
)
from agentgan.schema.check import check_schema
from agentgan.tools.knowledge_base import KnowledgeBase, load_knowledge_base
from agentgan.tools.profiling import prepare_sample, unknown_column_message
from agentgan.tools.provider_fallback import node_attempt
from agentgan.tools.request_parser import RequestSpec, parse_request

logger = logging.getLogger(__name__)

DEFAULT_LOCALE = "en_US"
"""Faker locale of schemas whose request names no country."""


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

    if prompt and (state.get("sample_data") or state.get("schema")):
        source = "the sample (--from)" if state.get("sample_data") else "the given schema"
        warnings.append(f"The request text was not used: the columns come from {source}.")

    if context.target and context.target not in schema["properties"]:
        known = list(schema["properties"])
        raise UsageError(unknown_column_message("Target column", context.target, known, place="schema"))
    rows = state.get("rows") or schema.get("x-rows") or context.rows
    rows = check_row_count(int(rows), "the request or schema", MAX_ROWS)
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
    """Build a schema from a request with the embedded knowledge base only.

    The columns are those the request lists ('with columns a, b and c'), or else the
    attributes it names plus the usual columns of its domain. Names the base does not
    know get a typed default column and a warning in the schema's `x-warnings`.

    Raises:
        UsageError: the request names no column and no known subject, or is not in
            English.
        SchemaError: the request's constraints leave a column empty ('between 9 and 3').
    """
    check_offline_language(prompt)
    knowledge = knowledge or load_knowledge_base()
    request = parse_request(prompt, knowledge)
    domain = knowledge.domains.get(request.domain or "", {})
    general = knowledge.domains.get("general", {})

    if request.listed:
        constrained = [*request.ranges, *request.dates, *request.categories, *request.shares]
        names = [*request.listed, *(name for name in constrained if name in request.attributes)]
    else:
        names = [*request.attributes, *domain.get("columns", []), *request.unknown]
    names = list(dict.fromkeys(names))
    if not names:
        raise UsageError(
            f"No column or known subject found in the request {prompt[:80]!r}; name the "
            "columns, for example 'with columns age, income and city'."
        )

    known = [name for name in names if name in knowledge.attributes]
    looked_up, sources = look_up_columns(known, request, knowledge)
    warnings = []
    for name in names:
        if name in looked_up:
            continue
        looked_up[name] = _constrained(default_column(name), name, request)
        warnings.append(
            f"Column {name!r} is not in the knowledge base; it gets a typed default "
            f"({looked_up[name]['type']}). Edit the schema (agentgan schema) to refine it."
        )
        logger.info(warnings[-1])
    columns = {name: looked_up[name] for name in names}
    for phrase in request.unplaced:
        warnings.append(
            f"The phrase {phrase!r} names no column, so it was not applied; write the column "
            "next to it, for example 'income under 50000'."
        )

    for name, formula in domain.get("derived", {}).items():
        if name in columns:
            columns[name]["x-derived"] = formula

    dependencies = [
        _adjusted_dependency(dependency, request, knowledge)
        for dependency in [*domain.get("dependencies", []), *general.get("dependencies", [])]
    ]
    constraints = [*domain.get("constraints", []), *general.get("constraints", [])]
    dependencies = [d for d in dependencies if d["child"] in columns and d["parent"] in columns]
    sources = sources + [{**d["source"], "column": d["child"]} for d in dependencies if "source" in d]
    renames = {
        known: written
        for written, known in request.written.items()
        if known in columns and written not in columns
    }
    if renames:
        columns, constraints, dependencies, sources = rename_columns(
            renames, columns, constraints, dependencies, sources
        )
    return assemble_schema(
        domain.get("title") or "synthetic_table",
        columns,
        constraints=constraints,
        dependencies=dependencies,
        sources=sources,
        locale=request.locale or DEFAULT_LOCALE,
        rows=request.rows,
        domain=request.domain,
        warnings=warnings,
    )


def look_up_columns(
    names: list[str], request: RequestSpec, knowledge: KnowledgeBase
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Return the column spec of each known attribute with the request's constraints applied.

    The request's country picks localized value lists (cities of Germany), and its
    currency converts money columns. Then stated units, ranges, dates, categories and
    shares are applied in that order, so that a range is read in the stated unit.
    """
    overrides = knowledge.domains.get(request.domain or "", {}).get("overrides", {})
    columns: dict[str, dict[str, Any]] = {}
    sources: list[dict[str, Any]] = []
    for name in names:
        attribute = knowledge.attributes[name]
        spec, source = knowledge.column(attribute, request.country)
        spec.update(overrides.get(name, {}))
        spec = _localized(spec, attribute.entry.get("locale_value"), request, knowledge)
        conversion = _unit_conversion(spec, name, request, knowledge)
        if conversion is not None:
            spec = convert_units(spec, *conversion)
        columns[name] = _constrained(spec, name, request)
        if source is not None:
            sources.append(source)
    return columns, sources


def _constrained(spec: dict[str, Any], name: str, request: RequestSpec) -> dict[str, Any]:
    """Apply the request's range, dates, categories and shares for one column.

    Raises:
        SchemaError: the range or dates leave the column no value.
    """
    try:
        if name in request.ranges:
            spec = apply_range(spec, request.ranges[name])
        if name in request.dates and spec.get("format") in ("date", "date-time"):
            spec = apply_dates(spec, request.dates[name])
    except SchemaError as exc:
        raise SchemaError(f"Column {name!r}: {exc}") from exc
    if name in request.categories:
        spec = apply_categories(spec, request.categories[name])
    if name in request.shares:
        spec = apply_shares(spec, request.shares[name])
    return spec


def _localized(
    spec: dict[str, Any], value: str | None, request: RequestSpec, knowledge: KnowledgeBase
) -> dict[str, Any]:
    """Fix the currency or country column to the request's country, where it names one."""
    if value == "currency" and request.currency:
        return apply_categories(spec, [request.currency])
    if value == "country" and request.country:
        return apply_categories(spec, [knowledge.locales[request.country]["name"]])
    return spec


def _unit_conversion(
    spec: dict[str, Any], name: str, request: RequestSpec, knowledge: KnowledgeBase
) -> tuple[float, float, str] | None:
    """Return `(factor, offset, unit label)` to express a column in the requested unit.

    A stated unit ('weight in pounds') wins; otherwise money columns follow the request's
    currency. None when the column keeps its unit.
    """
    label = str(spec.get("x-unit", ""))
    if not label or spec.get("type") not in ("integer", "number"):
        return None
    current = knowledge.unit(label.split()[0])
    wanted_name = request.units.get(name)
    if wanted_name is None and current is not None and current[1].get("dimension") == "money":
        wanted_name = request.currency
    if current is None or wanted_name is None or wanted_name == current[0]:
        return None
    wanted = knowledge.units[wanted_name]
    if wanted.get("dimension") != current[1].get("dimension"):
        return None

    # Both units convert to a base unit as value * factor + offset.
    factor = float(current[1].get("factor", 1.0)) / float(wanted.get("factor", 1.0))
    offset = (float(current[1].get("offset", 0.0)) - float(wanted.get("offset", 0.0))) / float(
        wanted.get("factor", 1.0)
    )
    rest = label.split(" ", 1)[1] if " " in label else ""
    return factor, offset, f"{wanted_name} {rest}".strip()


def _adjusted_dependency(
    dependency: dict[str, Any], request: RequestSpec, knowledge: KnowledgeBase
) -> dict[str, Any]:
    """Move a dependency to the request's units and to the shares it states."""
    adjusted = dependency
    for name in (dependency["child"], dependency["parent"]):
        if name not in knowledge.attributes:
            continue
        spec, _ = knowledge.column(knowledge.attributes[name], request.country)
        conversion = _unit_conversion(spec, name, request, knowledge)
        if conversion is not None:
            adjusted = convert_dependency(adjusted, name, conversion[0], conversion[1])

    child = dependency["child"]
    if child in request.shares and child in knowledge.attributes:
        before, _ = knowledge.column(knowledge.attributes[child], request.country)
        if child in request.categories:
            before = apply_categories(before, request.categories[child])
        adjusted = rescale_cases(adjusted, before, apply_shares(before, request.shares[child]))
    return adjusted
