"""Reads a plain-language request without a chat model.

`parse_request` finds the row count, the domain, the attributes the request names (by the
knowledge base's synonyms, and from explicit column lists), and the constraints written in
it: numeric ranges, category lists and shares. What it cannot place it leaves out; the
knowledge agent adds a typed default column with a warning for names it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentgan.tools.knowledge_base import KnowledgeBase, normalize

_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)\s*(k|thousand|million|m)?"
_ROW_WORDS = (
    r"rows|records|samples|entries|examples|observations|lines|customers|patients|users|"
    r"people|employees|transactions|orders|students|accounts|loans|claims|cars|sensors|"
    r"readings|items|persons"
)


@dataclass
class RequestSpec:
    """What a request asks for, as far as rules can read it."""

    text: str
    rows: int | None = None
    domain: str | None = None
    attributes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ranges: dict[str, dict[str, float]] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    locale: str | None = None


def parse_number(text: str, suffix: str | None = None) -> float:
    """Parse '12,000', '1.5' with an optional 'k'/'million' suffix."""
    value = float(text.replace(",", ""))
    multiplier = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get((suffix or "").lower(), 1)
    return value * multiplier


def parse_request(text: str, knowledge: KnowledgeBase) -> RequestSpec:
    """Parse a request into a `RequestSpec`."""
    spec = RequestSpec(text=text)
    lowered = normalize(text)

    row_match = re.search(rf"{_NUMBER}\s+(?:\w+\s+){{0,2}}?(?:{_ROW_WORDS})\b", lowered)
    if row_match:
        spec.rows = int(parse_number(row_match.group(1), row_match.group(2)))

    spec.domain = _find_domain(lowered, knowledge)
    spec.attributes = _find_attributes(lowered, knowledge)
    for name in _column_list(text):
        attribute = knowledge.find(name)
        if attribute is not None:
            if attribute.name not in spec.attributes:
                spec.attributes.append(attribute.name)
        elif name not in spec.unknown:
            spec.unknown.append(name)

    for name in spec.attributes:
        synonyms = [s for s in knowledge.attributes[name].synonyms]
        bounds = _find_range(lowered, synonyms)
        if bounds:
            spec.ranges[name] = bounds
    return spec


def _find_domain(lowered: str, knowledge: KnowledgeBase) -> str | None:
    best, best_score = None, 0
    for name, domain in knowledge.domains.items():
        score = sum(1 for word in domain.get("keywords", []) if re.search(rf"\b{re.escape(word)}", lowered))
        if score > best_score:
            best, best_score = name, score
    return best


def _find_attributes(lowered: str, knowledge: KnowledgeBase) -> list[str]:
    """Match synonyms longest first, so 'monthly charges' wins over 'charges'."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(lowered)
    for synonym, name in knowledge.synonyms():
        for match in re.finditer(rf"\b{re.escape(synonym)}s?\b", lowered):
            if any(taken[match.start() : match.end()]):
                continue
            for index in range(match.start(), match.end()):
                taken[index] = True
            found.append((match.start(), name))
    ordered = [name for _, name in sorted(found)]
    return list(dict.fromkeys(ordered))


def _column_list(text: str) -> list[str]:
    """Names in 'with columns a, b and c' or 'columns: a, b, c'."""
    match = re.search(r"\bcolumns?\s*(?::|named|called)?\s+(.+?)(?:[.;]|$)", text, re.IGNORECASE)
    if not match:
        return []
    parts = re.split(r",|\band\b", match.group(1))
    return [normalize(part).replace(" ", "_") for part in parts if part.strip()]


def _find_range(lowered: str, synonyms: list[str]) -> dict[str, Any]:
    """Ranges written next to an attribute name: 'age between 18 and 65', 'age 18-65'."""
    for synonym in sorted(synonyms, key=len, reverse=True):
        name = re.escape(normalize(synonym))
        patterns = [
            rf"\b{name}s?\b[^.,;]{{0,30}}?(?:between|from)\s+{_NUMBER}\s+(?:and|to)\s+{_NUMBER}",
            rf"\b{name}s?\b\s*(?:of|:)?\s*{_NUMBER}\s*(?:-|–|to)\s*{_NUMBER}",
        ]
        for pattern in patterns:
            match = re.search(pattern, lowered)
            if match:
                low = parse_number(match.group(1), match.group(2))
                high = parse_number(match.group(3), match.group(4))
                return {"minimum": min(low, high), "maximum": max(low, high)}
    return {}
