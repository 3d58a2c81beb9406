"""Knowledge agent with a chat model: request to schema in three steps.

1. Attribute extraction: the model lists the columns and the constraints the request
   states (`prompts/attribute_extraction.py`).
2. Data look-up: for each column, a web search (or the embedded knowledge base) and a
   model call that turns the quoted results into figures, with the number of the result
   they come from (`prompts/data_lookup.py`).
3. Dataset structure: the model states rules, derived columns and dependencies
   (`prompts/dataset_structure.py`).

Every response is parsed into a pydantic model; responses that fail to parse or to check are
sent back with the error a bounded number of times (`tools/llm.py`). The result goes
through `assemble_schema`, so it passes the meta-schema and the safe rule evaluator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from langchain_core.language_models import BaseChatModel

from agentgan.errors import ProviderError, SchemaError
from agentgan.graph.context import Context
from agentgan.prompts import attribute_extraction, data_lookup, dataset_structure
from agentgan.prompts.attribute_extraction import ExtractedAttributes, RequestedAttribute
from agentgan.prompts.data_lookup import AttributeFacts
from agentgan.prompts.dataset_structure import DatasetStructure
from agentgan.schema.assemble import (
    apply_categories,
    apply_range,
    apply_shares,
    assemble_schema,
    default_column,
)
from agentgan.schema.check import check_schema
from agentgan.schema.rules import compile_rule
from agentgan.tools.llm import ask_structured, build_chat_model, resolve_model
from agentgan.tools.provider_fallback import describe_failure, run_with_fallback
from agentgan.tools.retry import PROVIDER_ATTEMPTS, is_transient
from agentgan.tools.search import EmbeddedSearch, SearchProvider, SearchResult, build_search

logger = logging.getLogger(__name__)

MODEL_ESTIMATE = "estimate by the chat model"
"""Source title of figures the model gave without citing a search result."""


@dataclass
class LookupRun:
    """Settings and findings of one data look-up across columns.

    Attributes:
        search: The search provider; replaced by the embedded one after a search failure
            when `on_error` is "fallback".
        on_error: "fallback" or "fail", for search failures.
        attempt: The node's attempt number, or None outside a graph.
        warnings: Warnings for the state.
    """

    search: SearchProvider
    on_error: str = "fallback"
    attempt: int | None = None
    warnings: list[str] = field(default_factory=list)


def schema_from_llm(
    prompt: str,
    chat_model: BaseChatModel,
    search: SearchProvider,
    *,
    on_error: str = "fallback",
    attempt: int | None = None,
) -> dict[str, Any]:
    """Build a checked schema for a request with a chat model and a search provider.

    Raises:
        LLMOutputError: a step got no usable response after its retries.
        ProviderError: search failed and `on_error` is "fail".
        Transient client errors, for the graph's retry policy.
    """
    extracted = ask_structured(
        chat_model,
        attribute_extraction.messages(prompt),
        ExtractedAttributes,
        step="Attribute extraction",
    )
    names = [attribute.name for attribute in extracted.attributes]
    logger.info("Attribute extraction: %d columns (%s)", len(names), ", ".join(names))

    lookup = LookupRun(search=search, on_error=on_error, attempt=attempt)
    columns: dict[str, dict[str, Any]] = {}
    sources: list[dict[str, Any]] = []
    for attribute in extracted.attributes:
        spec = look_up_column(chat_model, attribute, extracted.domain, lookup)
        columns[attribute.name] = spec
        if "x-source" in spec:
            sources.append(spec["x-source"])

    def assemble(structure: DatasetStructure) -> dict[str, Any]:
        return _assemble(extracted, columns, structure, sources, lookup.warnings)

    structure = ask_structured(
        chat_model,
        dataset_structure.messages(prompt, columns),
        DatasetStructure,
        step="Dataset structure",
        check=lambda answer: _check_structure(answer, columns, assemble),
    )
    schema = assemble(structure)
    logger.info(
        "Dataset structure: %d rules, %d dependencies, %d derived columns",
        len(schema.get("x-constraints", [])),
        len(schema.get("x-dependencies", [])),
        sum(1 for spec in schema["properties"].values() if "x-derived" in spec),
    )
    return schema


def look_up_column(
    chat_model: BaseChatModel, attribute: RequestedAttribute, domain: str, lookup: LookupRun
) -> dict[str, Any]:
    """Return the JSON Schema column of one attribute, with its source when cited."""
    if attribute.role == "id":
        spec = default_column(attribute.name)
        if spec.get("x-role") != "id":
            spec = {
                "type": "string",
                "x-generator": {"kind": "id", "prefix": "", "digits": 8},
                "x-unique": True,
                "x-role": "id",
            }
        return spec

    results = [] if attribute.role == "personal" else _search(attribute, domain, lookup)
    built: dict[str, Any] = {}

    def check(facts: AttributeFacts) -> None:
        spec = column_from_facts(attribute, facts, results)
        check_schema({"type": "object", "properties": {attribute.name: spec}})
        built["spec"] = spec

    ask_structured(
        chat_model,
        data_lookup.messages(attribute, domain, results),
        AttributeFacts,
        step=f"Data look-up for {attribute.name!r}",
        check=check,
    )
    return dict(built["spec"])


def _search(attribute: RequestedAttribute, domain: str, lookup: LookupRun) -> list[SearchResult]:
    query = data_lookup.search_query(attribute, domain)
    provider = lookup.search
    try:
        return provider.search(query, attribute.name)
    except Exception as exc:
        transient = is_transient(exc)
        if transient and lookup.attempt is not None and lookup.attempt < PROVIDER_ATTEMPTS:
            raise
        reason = describe_failure(exc)
        if lookup.on_error == "fail" or not (transient or _is_search_error(exc)):
            raise ProviderError(
                f"Search with {provider.name} failed for column {attribute.name!r}: {reason}. "
                "Check the search key and endpoint, or use --search embedded."
            ) from exc
        warning = (
            f"Search with {provider.name} failed ({reason}); the look-up used the embedded "
            "knowledge base instead."
        )
        logger.warning(warning)
        lookup.warnings.append(warning)
        lookup.search = EmbeddedSearch()
        return lookup.search.search(query, attribute.name)


def _is_search_error(error: BaseException) -> bool:
    module = type(error).__module__.split(".")[0]
    return module in ("tavily", "requests", "urllib3", "langchain_community") or isinstance(
        error, ValueError
    )


def column_from_facts(
    attribute: RequestedAttribute, facts: AttributeFacts, results: list[SearchResult]
) -> dict[str, Any]:
    """Turn the model's figures into a JSON Schema column, with the request's constraints.

    Raises:
        ValueError: the figures cannot make a column (a text column with no categories
            and no Faker provider, an unknown Faker provider); the message is for the model.
    """
    kind = facts.type
    spec: dict[str, Any]
    if facts.faker_provider and kind == "string" and not facts.categories:
        spec = {"type": "string", "x-generator": {"kind": "faker", "provider": _faker(facts)}}
    elif kind == "date":
        spec = {"type": "string", "format": "date"}
        distribution = _distribution(facts, {"date_range"})
        spec["x-distribution"] = distribution or {"kind": "date_range"}
    elif kind == "boolean":
        distribution = _distribution(facts, {"bernoulli"})
        spec = {
            "type": "boolean",
            "x-distribution": distribution or {"kind": "bernoulli", "p": 0.5},
        }
    elif kind == "string":
        if not facts.categories:
            raise ValueError(
                f"column {attribute.name!r} is text: give its 'categories' with weights, or a "
                "'faker_provider' for names, e-mails, phones and addresses"
            )
        weights = {category.value: category.weight for category in facts.categories}
        if sum(weights.values()) <= 0:
            weights = dict.fromkeys(weights, 1.0)
        spec = {
            "type": "string",
            "enum": list(weights),
            "x-distribution": {"kind": "categorical", "weights": weights},
        }
    else:
        spec = {"type": kind}
        for key in ("minimum", "maximum"):
            value = getattr(facts, key)
            if value is not None:
                spec[key] = int(round(value)) if kind == "integer" else value
        numeric_kinds = {"normal", "lognormal", "uniform", "triangular", "exponential", "poisson"}
        distribution = _distribution(facts, numeric_kinds)
        spec["x-distribution"] = distribution or {"kind": "uniform"}
        if kind == "number":
            spec["x-decimals"] = 2 if facts.decimals is None else facts.decimals

    if facts.unit:
        spec["x-unit"] = facts.unit
    if facts.null_rate > 0:
        spec["type"] = [spec["type"], "null"]
        spec["x-null-rate"] = facts.null_rate
    if attribute.role in ("target", "personal"):
        spec["x-role"] = attribute.role

    bounds = {
        key: value
        for key, value in (("minimum", attribute.minimum), ("maximum", attribute.maximum))
        if value is not None
    }
    if bounds and spec.get("type") in ("integer", "number"):
        spec = apply_range(spec, bounds)
    if attribute.categories:
        spec = apply_categories(spec, attribute.categories)
    if attribute.shares:
        spec = apply_shares(spec, attribute.shares)

    spec["x-source"] = _source(attribute, facts, results)
    return spec


def _distribution(facts: AttributeFacts, allowed: set[str]) -> dict[str, Any] | None:
    if facts.distribution is None or facts.distribution.kind not in allowed:
        return None
    return facts.distribution.model_dump(exclude_none=True)


def _faker(facts: AttributeFacts) -> str:
    provider = (facts.faker_provider or "").strip()
    if not provider.isidentifier() or provider.startswith("_") or not hasattr(Faker(), provider):
        raise ValueError(
            f"faker_provider {provider!r} is not a Faker provider; use one such as 'name', "
            "'email', 'phone_number', 'address' or 'city'"
        )
    return provider


def _source(
    attribute: RequestedAttribute, facts: AttributeFacts, results: list[SearchResult]
) -> dict[str, Any]:
    fact = facts.fact.strip()[:500]
    if facts.source is not None and 1 <= facts.source <= len(results):
        cited = results[facts.source - 1]
        source = {"title": cited.title[:200], "url": cited.url, "column": attribute.name}
    else:
        source = {"title": MODEL_ESTIMATE, "column": attribute.name}
    if fact:
        source["fact"] = fact
    return source


def _check_structure(
    structure: DatasetStructure, columns: dict[str, dict[str, Any]], assemble: Any
) -> None:
    """Raise ValueError naming the first rule, formula or column the model got wrong."""
    names = list(columns)
    for text in structure.constraints:
        compile_rule(text, names)
    for name, formula in structure.derived.items():
        if name not in columns:
            raise ValueError(f"derived column {name!r} is not one of the columns {names}")
        compile_rule(formula, names)
    for dependency in structure.dependencies:
        for name in (dependency.child, dependency.parent):
            if name not in columns:
                raise ValueError(f"dependency column {name!r} is not one of the columns {names}")
    if structure.target is not None and structure.target not in columns:
        raise ValueError(f"target {structure.target!r} is not one of the columns {names}")
    try:
        assemble(structure)
    except SchemaError as exc:
        raise ValueError(str(exc)) from exc


def _assemble(
    extracted: ExtractedAttributes,
    columns: dict[str, dict[str, Any]],
    structure: DatasetStructure,
    sources: list[dict[str, Any]],
    warnings: list[str],
) -> dict[str, Any]:
    specs = {name: dict(spec) for name, spec in columns.items()}
    for name, formula in structure.derived.items():
        specs[name]["x-derived"] = formula
    if structure.target:
        specs[structure.target]["x-role"] = "target"

    dependencies = []
    for dependency in structure.dependencies:
        entry = dependency.model_dump(exclude_none=True, by_alias=True)
        entry["cases"] = [
            {key: value for key, value in case.items() if key == "when" or value is not None}
            for case in entry["cases"]
        ]
        if not entry.get("description"):
            entry.pop("description", None)
        dependencies.append(entry)

    return assemble_schema(
        extracted.title[:200] or "synthetic_table",
        specs,
        constraints=structure.constraints,
        dependencies=dependencies,
        sources=sources,
        locale=extracted.locale,
        rows=extracted.rows,
        domain=extracted.domain or None,
        warnings=warnings,
    )


def schema_with_provider(
    prompt: str,
    context: Context,
    attempt: int | None,
    offline: Callable[[str], dict[str, Any]],
) -> tuple[dict[str, Any], list[str]]:
    """Build the schema with the configured chat model, or with `offline` when none is.

    Provider failures follow `context.on_provider_error` (see `run_with_fallback`).

    Returns:
        The schema and the warnings for the state.
    """
    name = resolve_model(context.model, context.base_url)
    if name is None:
        return offline(prompt), []

    chat_model = build_chat_model(name, base_url=context.base_url, timeout=context.timeout)
    search = build_search(context.search, timeout=context.timeout)
    logger.info("Knowledge agent: model %s, search %s", name, search.name)
    return run_with_fallback(
        lambda: schema_from_llm(
            prompt, chat_model, search, on_error=context.on_provider_error, attempt=attempt
        ),
        lambda: offline(prompt),
        what="the schema",
        on_error=context.on_provider_error,
        attempt=attempt,
    )
