"""The embedded knowledge base: attributes, domains and weighted value lists.

The data lives in YAML files under `knowledge_data/` inside the package, so that it ships
with the wheel and can be reviewed without reading code. `KnowledgeBase` indexes the
attributes by synonym and turns an entry into a JSON Schema column with its source.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

_DATA_PACKAGE = "agentgan.tools"
_DATA_FOLDER = "knowledge_data"

# Keys of an attribute entry that are not JSON Schema keywords, mapped to annotations.
_ANNOTATIONS = {
    "unit": "x-unit",
    "decimals": "x-decimals",
    "distribution": "x-distribution",
    "generator": "x-generator",
    "unique": "x-unique",
    "null_rate": "x-null-rate",
    "role": "x-role",
    "derived": "x-derived",
}
_SCHEMA_KEYWORDS = (
    "type",
    "description",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
    "format",
    "pattern",
    "minLength",
    "maxLength",
)
EMBEDDED_URL = "agentgan://knowledge-base"
"""URL recorded as the source of facts that the knowledge base marks as estimates."""


@dataclass(frozen=True)
class Attribute:
    """One attribute of the knowledge base, as stored in attributes.yaml."""

    name: str
    entry: dict[str, Any]

    @property
    def synonyms(self) -> list[str]:
        """Lower-case words and phrases that name this attribute in a request."""
        names = [self.name.replace("_", " "), self.name]
        return list(dict.fromkeys([*names, *self.entry.get("synonyms", [])]))


class KnowledgeBase:
    """Read-only index over the embedded knowledge files."""

    def __init__(self, attributes: dict[str, Any], domains: dict[str, Any], values: dict[str, Any]):
        self.attributes = {name: Attribute(name, entry) for name, entry in attributes.items()}
        self.domains = domains
        self.values = values
        self._by_synonym: dict[str, str] = {}
        for attribute in self.attributes.values():
            for synonym in attribute.synonyms:
                self._by_synonym.setdefault(normalize(synonym), attribute.name)

    def find(self, phrase: str) -> Attribute | None:
        """Return the attribute a phrase names, or None."""
        name = self._by_synonym.get(normalize(phrase))
        return self.attributes[name] if name else None

    def synonyms(self) -> list[tuple[str, str]]:
        """Return `(synonym, attribute name)` pairs, longest synonym first."""
        pairs = sorted(self._by_synonym.items(), key=lambda item: -len(item[0]))
        return pairs

    def column(self, attribute: Attribute) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Return the JSON Schema column of an attribute and the source of its figures.

        Returns:
            The column spec, and a source dict (title, url, fact) or None where the entry
            states no statistic (identifiers and Faker fields).
        """
        entry = copy.deepcopy(attribute.entry)
        spec: dict[str, Any] = {key: entry[key] for key in _SCHEMA_KEYWORDS if key in entry}
        for key, annotation in _ANNOTATIONS.items():
            if key in entry:
                spec[annotation] = entry[key]

        source = entry.get("source")
        if "values" in entry:
            listed = self.values[entry["values"]]
            weights = {str(value): float(weight) for value, weight in listed["values"].items()}
            spec["enum"] = list(weights)
            spec["x-distribution"] = {"kind": "categorical", "weights": weights}
            source = listed.get("source")

        if source is not None:
            source = dict(source)
            source.setdefault("url", EMBEDDED_URL)
            source["column"] = attribute.name
            spec["x-source"] = source
        return spec, source


def normalize(phrase: str) -> str:
    """Lower-case a phrase and collapse underscores, hyphens and spaces."""
    return re.sub(r"[\s_\-]+", " ", phrase.strip().lower())


@cache
def load_knowledge_base() -> KnowledgeBase:
    """Load the embedded knowledge base once per process."""
    folder = resources.files(_DATA_PACKAGE).joinpath(_DATA_FOLDER)

    def read(name: str) -> dict[str, Any]:
        loaded = yaml.safe_load(folder.joinpath(name).read_text("utf-8"))
        return loaded or {}

    return KnowledgeBase(read("attributes.yaml"), read("domains.yaml"), read("values.yaml"))
