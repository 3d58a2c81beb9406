"""The embedded knowledge base: attributes, domains, weighted value lists, locales and units.

The data lives in YAML files under `knowledge_data/` inside the package, so that it ships
with the wheel and can be reviewed without reading code:

- `attributes_*.yaml`: attributes, one file per subject, merged by name;
- `domains.yaml`: domains with their usual columns and relationships;
- `values.yaml`: weighted value lists that attributes name with `values: NAME`;
- `locales.yaml`: countries with their Faker locale, currency and value lists;
- `units.yaml`: units of measure and currencies with their conversion factors.

`KnowledgeBase` indexes the attributes by synonym and turns an entry into a JSON Schema
column with its source.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from agentgan.errors import SchemaError

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
    "formatMinimum",
    "formatMaximum",
)
EMBEDDED_URL = "agentgan://knowledge-base"
"""URL recorded as the source of facts that the knowledge base marks as estimates."""

DEFAULT_COUNTRY = "US"


@dataclass(frozen=True)
class Attribute:
    """One attribute of the knowledge base, as stored in an attributes file."""

    name: str
    entry: dict[str, Any]

    @property
    def synonyms(self) -> list[str]:
        """Lower-case words and phrases that name this attribute in a request."""
        names = [self.name.replace("_", " "), self.name]
        return list(dict.fromkeys([*names, *self.entry.get("synonyms", [])]))

    @property
    def type(self) -> str:
        """The JSON Schema type of the attribute's column."""
        return str(self.entry.get("type", "string"))

    @property
    def is_date(self) -> bool:
        """True for date and date-time attributes."""
        return self.entry.get("format") in ("date", "date-time")


class KnowledgeBase:
    """Read-only index over the embedded knowledge files."""

    def __init__(
        self,
        attributes: dict[str, Any],
        domains: dict[str, Any],
        values: dict[str, Any],
        locales: dict[str, Any] | None = None,
        units: dict[str, Any] | None = None,
    ):
        self.attributes = {name: Attribute(name, entry) for name, entry in attributes.items()}
        self.domains = domains
        self.values = values
        self.locales = locales or {}
        self.units = units or {}
        self._by_synonym: dict[str, list[str]] = {}
        for attribute in self.attributes.values():
            for synonym in attribute.synonyms:
                names = self._by_synonym.setdefault(normalize(synonym), [])
                if attribute.name not in names:
                    names.append(attribute.name)

    def find(self, phrase: str, prefer: Collection[str] = ()) -> Attribute | None:
        """Return the attribute a phrase names, or None.

        Where several attributes share the phrase ('price' of a product, a car, a house),
        the first one in `prefer` (usually the domain's columns) wins, else the first
        defined.
        """
        names = self._by_synonym.get(normalize(phrase))
        if not names:
            return None
        return self.attributes[_pick(normalize(phrase), names, prefer)]

    def synonyms(self, prefer: Collection[str] = ()) -> list[tuple[str, str]]:
        """Return `(synonym, attribute name)` pairs, longest synonym first."""
        pairs = [
            (synonym, _pick(synonym, names, prefer)) for synonym, names in self._by_synonym.items()
        ]
        return sorted(pairs, key=lambda item: -len(item[0]))

    def enum_values(self, name: str, country: str | None = None) -> list[Any]:
        """Return the categories of an attribute: its enum, value list, or True/False."""
        attribute = self.attributes[name]
        if attribute.type == "boolean":
            return [True, False]
        if "values" in attribute.entry:
            return list(self._value_list(attribute, country)["values"])
        return list(attribute.entry.get("enum", []))

    def category_words(self, name: str, country: str | None = None) -> dict[str, Any]:
        """Map normalized words to the attribute's categories they name.

        The words are each value itself and its `value_synonyms` ('women' -> 'Female').
        """
        words = {normalize(str(value)): value for value in self.enum_values(name, country)}
        for value, synonyms in self.attributes[name].entry.get("value_synonyms", {}).items():
            for synonym in synonyms:
                words.setdefault(normalize(synonym), value)
        return words

    def unit(self, phrase: str) -> tuple[str, dict[str, Any]] | None:
        """Return `(unit name, entry)` for a unit named by a word such as 'pounds' or 'EUR'."""
        wanted = normalize(phrase)
        for name, entry in self.units.items():
            if wanted in (normalize(name), *(normalize(s) for s in entry.get("synonyms", []))):
                return name, entry
        return None

    def column(
        self, attribute: Attribute, country: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Return the JSON Schema column of an attribute and the source of its figures.

        Args:
            attribute: The attribute.
            country: Country code (as in locales.yaml) whose value lists replace the
                default ones for attributes marked `localized`.

        Returns:
            The column spec, and a source dict (title, url, column) or None where the
            entry states no statistic (identifiers and Faker fields).
        """
        entry = copy.deepcopy(attribute.entry)
        spec: dict[str, Any] = {key: entry[key] for key in _SCHEMA_KEYWORDS if key in entry}
        for key, annotation in _ANNOTATIONS.items():
            if key in entry:
                spec[annotation] = entry[key]

        source = entry.get("source")
        if "values" in entry:
            listed = self._value_list(attribute, country)
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

    def _value_list(self, attribute: Attribute, country: str | None) -> dict[str, Any]:
        name = str(attribute.entry["values"])
        if attribute.entry.get("localized"):
            localized = f"{name}_{country or DEFAULT_COUNTRY}"
            if localized in self.values:
                return dict(self.values[localized])
            return dict(self.values[f"{name}_{DEFAULT_COUNTRY}"])
        return dict(self.values[name])


def _pick(phrase: str, names: list[str], prefer: Collection[str]) -> str:
    """Pick one of the attributes that share a phrase.

    The first one in `prefer` wins, else the one the phrase names ('price' -> price), else
    the first defined.
    """
    preferred = [name for name in names if name in prefer]
    if preferred:
        return preferred[0]
    named = [name for name in names if normalize(name) == phrase]
    return named[0] if named else names[0]


def normalize(phrase: str) -> str:
    """Lower-case a phrase and collapse underscores, hyphens and spaces."""
    return re.sub(r"[\s_\-]+", " ", phrase.strip().lower())


@cache
def load_knowledge_base() -> KnowledgeBase:
    """Load the embedded knowledge base once per process.

    Raises:
        SchemaError: two attribute files define the same attribute.
    """
    folder = resources.files(_DATA_PACKAGE).joinpath(_DATA_FOLDER)

    def read(name: str) -> dict[str, Any]:
        # The C loader (when PyYAML was built with libyaml) reads the files several times faster.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loaded = yaml.load(folder.joinpath(name).read_text("utf-8"), Loader=loader)  # noqa: S506
        return loaded or {}

    attributes: dict[str, Any] = {}
    files = sorted(
        item.name
        for item in folder.iterdir()
        if item.name.startswith("attributes") and item.name.endswith(".yaml")
    )
    for file_name in files:
        for name, entry in read(file_name).items():
            if name in attributes:
                raise SchemaError(
                    f"Attribute {name!r} is defined twice in the knowledge base; the second "
                    f"definition is in {file_name}. Keep one."
                )
            attributes[name] = entry

    return KnowledgeBase(
        attributes,
        read("domains.yaml"),
        read("values.yaml"),
        read("locales.yaml"),
        read("units.yaml"),
    )
