"""Reads a plain-language request without a chat model.

`parse_request` finds the row count, the domain and the country, which sets the Faker
locale. It finds the attributes the request names, by the knowledge base's synonyms and
from explicit column lists. It reads the constraints written in the request: numeric
ranges ("older than 21", "$20k-$80k"), date ranges ("placed in 2024"), category lists
("auto, home or health"), shares ("about 2% fraud") and units ("weight in pounds").
Each constraint is tied to the attribute written next to it. The parser leaves out what
it cannot place. The knowledge agent adds a typed default column with a warning for
names the base does not know.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from agentgan.tools.knowledge_base import KnowledgeBase, normalize

logger = logging.getLogger(__name__)

_NUMBER = r"[$€£¥]?\s?(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s?(k|thousand|million|m|bn|billion)?(?![a-z0-9])%?"
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_ROW_WORDS = (
    r"rows|records|samples|entries|examples|observations|lines|customers|patients|users|"
    r"people|employees|transactions|orders|students|accounts|loans|claims|cars|sensors|"
    r"readings|items|persons|applications|applicants|bookings|sessions|visits|products|"
    r"properties|listings|vehicles|policies|reviews|flights|trips|devices|households|"
    r"respondents|members|invoices|payments|events|clients|subscribers|houses|homes|"
    r"policyholders|measurements|visitors|borrowers|shoppers|passengers|guests"
)
_YEAR = r"(?:19|20)\d{2}"
_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_PERIOD = "|".join([*sorted(_MONTHS, key=len, reverse=True), "q[1-4]"])
_DATE = rf"(\d{{4}}-\d{{2}}-\d{{2}}|(?:(?:{_PERIOD})\.?\s+)?{_YEAR})"

# Words that open a one-sided bound, by the JSON Schema keyword the bound sets.
_LOWER_EXCLUSIVE = (
    r"older than|more than|greater than|higher than|larger than|over|above|exceeding|>"
)
_LOWER_INCLUSIVE = r"at least|no less than|minimum of|minimum|min\.?|starting at|>=|≥"
_UPPER_EXCLUSIVE = r"younger than|less than|lower than|fewer than|under|below|<"
_UPPER_INCLUSIVE = r"at most|up to|no more than|not more than|maximum of|maximum|max\.?|<=|≤"
_AGE_WORDS = ("older", "younger", "aged")
# Nouns for people: a bound written right after one ('patients under 65') is an age.
_PEOPLE = (
    r"patients|customers|people|persons|employees|students|users|clients|adults|members|"
    r"applicants|borrowers|policyholders|respondents|drivers|travelers|travellers|"
    r"subscribers|participants|individuals|workers|staff|men|women"
)
_LIST_INTRO = r"\s*(?:types?|categories|kinds?|values|options|levels|classes)?\s*(?::|such as|like|one of|either|among|in|being|=)\s+"
_SHARE_FILLER = r"(?:of\s+(?:the\s+|all\s+|them\s+)?(?:\w+\s+)?(?:are|is|being|were|should be)\s+|are\s+|is\s+)?"
_POSITIVE_VALUES = ("Yes", "yes", "True", "true", "1")
# End of the name inside an item of a column list: 'age between 18 and 65' -> 'age'.
_LABEL_END = (
    r"\s(?:between|from|over|under|older|younger|above|below|in|at|less|more|up|as|with|"
    r"where|ranging|range|of|is|are|which|that|must|should|per|for)\b|\d|%|:|=|<|>|~|\$|€|£"
)


@dataclass
class Mention:
    """An attribute named in the request, at character positions of the lowered text."""

    start: int
    end: int
    name: str
    kind: str
    """'integer', 'number', 'string', 'boolean', 'date' or 'unknown'."""


@dataclass
class RequestSpec:
    """The columns and constraints of a request, as far as rules can read them.

    `ranges` maps each attribute to JSON Schema bound keywords (minimum, maximum,
    exclusiveMinimum, exclusiveMaximum). `dates` maps each date attribute to ISO `start`
    and `end` days. `shares` maps category values (True for a yes/no attribute) to
    fractions. `units` maps attributes to the unit name (from units.yaml) to use.
    """

    text: str
    rows: int | None = None
    domain: str | None = None
    attributes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)
    """Column names as an explicit list wrote them, mapped to the attribute they name
    ('score' -> 'test_score'), so that the schema can keep the user's names."""
    ranges: dict[str, dict[str, float]] = field(default_factory=dict)
    dates: dict[str, dict[str, str]] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)
    shares: dict[str, dict[Any, float]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    country: str | None = None
    locale: str | None = None
    currency: str | None = None
    unplaced: list[str] = field(default_factory=list)
    """Range and date phrases tied to no column, as written in the request."""


@dataclass
class _Expression:
    """A range or date phrase found in the text, before it is tied to an attribute."""

    start: int
    end: int
    bounds: dict[str, float] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    hint: str | None = None


def parse_number(text: str, suffix: str | None = None) -> float:
    """Parse '12,000', '1.5' with an optional 'k'/'million' suffix."""
    value = float(text.replace(",", ""))
    return value * _MULTIPLIERS.get((suffix or "").lower(), 1)


def parse_request(text: str, knowledge: KnowledgeBase) -> RequestSpec:
    """Parse a request into a `RequestSpec`."""
    original = re.sub(r"\s+", " ", text.replace("–", "-").replace("—", " - ")).strip()
    lowered = original.lower()
    if len(lowered) != len(original):
        original = lowered

    spec = RequestSpec(text=text)
    spec.rows = find_rows(lowered)
    spec.domain = find_domain(lowered, knowledge)
    _find_country(lowered, knowledge, spec)

    prefer = knowledge.domains.get(spec.domain or "", {}).get("columns", [])
    listed, listed_categories = explicit_columns(original)
    single = [name for name in single_columns(original) if name not in listed]
    mentions = find_mentions(lowered, knowledge, [*listed, *single], prefer)
    for mention in mentions:
        if mention.kind == "unknown":
            if mention.name not in spec.unknown:
                spec.unknown.append(mention.name)
        elif mention.name not in spec.attributes:
            spec.attributes.append(mention.name)
    for name in listed:
        known = knowledge.find(name, prefer)
        spec.listed.append(known.name if known else name)
        if known is not None and known.name != name:
            spec.written[name] = known.name
        if known is None and name not in spec.unknown:
            spec.unknown.append(name)

    _tie_expressions(lowered, mentions, spec, knowledge)
    _find_categories(original, mentions, spec, knowledge)
    for name, values in listed_categories.items():
        target = knowledge.find(name, prefer)
        spec.categories[target.name if target else name] = _known_spelling(
            values, knowledge, target.name if target else None
        )
    _find_shares(lowered, mentions, spec, knowledge)
    _find_units(lowered, mentions, spec, knowledge)
    for name in [*spec.ranges, *spec.dates, *spec.categories, *spec.shares]:
        if name in knowledge.attributes and name not in spec.attributes:
            spec.attributes.append(name)
    return spec


def find_rows(lowered: str) -> int | None:
    """Return the row count in '1k rows', '2,000 customers' or 'n=500', or None."""
    explicit = re.search(r"\bn\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)", lowered)
    if explicit:
        return int(parse_number(explicit.group(1)))
    pattern = rf"(?<![\w.$€£-]){_NUMBER}\s*(?:-\s*)?(?:[a-z-]+\s+){{0,2}}?(?:{_ROW_WORDS})\b"
    for match in re.finditer(pattern, lowered):
        if match.group(0).rstrip().endswith("%") or "%" in match.group(0):
            continue
        before = lowered[: match.start()]
        if re.search(r"(?:\band|\bto|than|under|over|between|most|least|max|min|-)\s*$", before):
            continue
        return int(parse_number(match.group(1), match.group(2)))
    return None


def find_domain(lowered: str, knowledge: KnowledgeBase) -> str | None:
    """Return the domain whose keywords the request uses most, or None."""
    best, best_score = None, 0
    for name, domain in knowledge.domains.items():
        score = sum(
            1 for word in domain.get("keywords", []) if re.search(rf"\b{re.escape(word)}", lowered)
        )
        if score > best_score:
            best, best_score = name, score
    return best


def find_mentions(
    lowered: str,
    knowledge: KnowledgeBase,
    listed: list[str] | None = None,
    prefer: Collection[str] = (),
) -> list[Mention]:
    """Find the attributes the text names, matching the longest synonyms first.

    So 'monthly charges' wins over 'charges'. Names from an explicit column list that the
    base does not know are found too, as mentions of kind 'unknown'.
    """
    taken = [False] * len(lowered)
    found: list[Mention] = []

    def claim(phrase: str, name: str, kind: str) -> None:
        for match in _phrase_pattern(phrase).finditer(lowered):
            if any(taken[match.start() : match.end()]):
                continue
            for index in range(match.start(), match.end()):
                taken[index] = True
            found.append(Mention(match.start(), match.end(), name, kind))

    unknown = [name for name in listed or [] if knowledge.find(name) is None]
    phrases = [
        (synonym, name, _kind(knowledge, name)) for synonym, name in knowledge.synonyms(prefer)
    ]
    phrases += [(name, name, "unknown") for name in unknown]
    for phrase, name, kind in sorted(phrases, key=lambda item: -len(item[0])):
        claim(phrase, name, kind)
    return sorted(found, key=lambda mention: mention.start)


@cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Compile the pattern of a name once: words joined by spaces, '_' or '-', plural too."""
    words = [re.escape(word) for word in normalize(phrase).split(" ")]
    body = r"[\s_-]+".join(words)
    return re.compile(rf"(?<![\w]){body}(?:s|es)?(?![\w])")


def explicit_columns(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """Return the names in 'with columns a, b and c' or 'fields: a, b, c'.

    Also returns the categories written in brackets after a name, as in 'pet type
    (cat/dog/fish)', by name.
    """
    match = re.search(
        r"\b(?:columns?|fields?)\s*(?::|named|called)?\s+(.+?)(?:[.;]\s|[.;]?$)"
        r"|\b(?:variables?|attributes?|features?)\s*:\s*(.+?)(?:[.;]\s|[.;]?$)",
        text,
        re.IGNORECASE,
    )
    if not match:
        return [], {}

    names: list[str] = []
    categories: dict[str, list[str]] = {}
    for part in _split_outside_brackets(match.group(1) or match.group(2)):
        bracket = re.search(r"\(([^)]*)\)", part)
        label = re.sub(r"\(.*?\)", " ", part)
        label = re.sub(r"^\s*(?:an?|the)\s+", "", label.strip(), flags=re.IGNORECASE)
        label = re.split(_LABEL_END, label, maxsplit=1, flags=re.IGNORECASE)[0]
        name = normalize(label).replace(" ", "_")
        if not name or len(name.split("_")) > 4:
            continue
        names.append(name)
        if bracket:
            items = _split_items(bracket.group(1))
            if len(items) >= 2:
                categories[name] = items
    return names, categories


def single_columns(text: str) -> list[str]:
    """Return the names in 'a loyalty_tier column' or 'the region field'."""
    names = []
    for match in re.finditer(
        r"\b(?:an?|the)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:column|field)\b",
        text,
        re.IGNORECASE,
    ):
        names.append(normalize(match.group(1)).replace(" ", "_"))
    return names


def _split_outside_brackets(text: str) -> list[str]:
    """Split a column list on commas and 'and', but not inside brackets."""
    parts, depth, current = [], 0, ""
    tokens = re.split(r"(\(|\)|,|\band\b|\bor\b)", text)
    for token in tokens:
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        if depth == 0 and token.strip().lower() in (",", "and", "or"):
            parts.append(current)
            current = ""
        else:
            current += token
    parts.append(current)
    return [part for part in parts if part.strip()]


def _kind(knowledge: KnowledgeBase, name: str) -> str:
    attribute = knowledge.attributes[name]
    return "date" if attribute.is_date else attribute.type


def _find_country(lowered: str, knowledge: KnowledgeBase, spec: RequestSpec) -> None:
    """Set the country, Faker locale and currency of the first country the text names."""
    best: tuple[int, str] | None = None
    for code, entry in knowledge.locales.items():
        for word in entry.get("keywords", []):
            match = re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", lowered)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), code)
    if best is None:
        return
    entry = knowledge.locales[best[1]]
    spec.country = best[1]
    spec.locale = entry["locale"]
    spec.currency = entry.get("currency")


# -- ranges and dates -------------------------------------------------------------------


def _find_expressions(lowered: str) -> list[_Expression]:
    """Find every range and date phrase; earlier patterns win where two overlap."""
    taken = [False] * len(lowered)
    found: list[_Expression] = []

    def add(match: re.Match[str], expression: _Expression) -> None:
        if any(taken[match.start() : match.end()]):
            return
        for index in range(match.start(), match.end()):
            taken[index] = True
        found.append(expression)

    for match in re.finditer(
        rf"\b(?:between|from)\s+{_DATE}\s+(?:and|to|until|through)\s+{_DATE}(?![\d-])|{_DATE}\s*(?:-|to|until)\s*{_DATE}(?![\d-])",
        lowered,
    ):
        first = match.group(1) or match.group(3)
        second = match.group(2) or match.group(4)
        low, high = _date_bounds(first), _date_bounds(second)
        expression = _Expression(
            match.start(), match.end(), dates={"start": low[0], "end": high[1]}
        )
        if _is_year(first) and _is_year(second):
            expression.bounds = {"minimum": float(first), "maximum": float(second)}
        add(match, expression)

    for match in re.finditer(
        rf"\b(?:in|during|for|of|throughout|within|placed in|made in|from)\s+(?:the\s+year\s+)?{_DATE}(?![\d-])",
        lowered,
    ):
        start, end = _date_bounds(match.group(1))
        add(match, _Expression(match.start(), match.end(), dates={"start": start, "end": end}))

    for match in re.finditer(
        rf"\b(since|after|from|before|until|through|by)\s+{_DATE}(?![\d-])", lowered
    ):
        start, end = _date_bounds(match.group(2))
        word = match.group(1)
        if word in ("since", "from"):
            dates = {"start": start}
        elif word == "after":
            dates = {"start": _next_day(end)}
        elif word == "before":
            dates = {"end": _previous_day(start)}
        else:
            dates = {"end": end}
        add(match, _Expression(match.start(), match.end(), dates=dates))

    for match in re.finditer(r"\b\d{4}-\d{2}-\d{2}\b", lowered):
        # A lone ISO date is masked so that '2024-01' is not read as a number range.
        for index in range(match.start(), match.end()):
            taken[index] = True

    for match in re.finditer(
        rf"\bbetween\s+the\s+ages?\s+of\s+{_NUMBER}\s*(?:and|to|-)\s*{_NUMBER}", lowered
    ):
        add(match, _numeric_pair(match, hint="age"))
    for match in re.finditer(
        rf"\b(?:between|from)\s+{_NUMBER}\s*(?:and|to|through|-)\s*{_NUMBER}", lowered
    ):
        add(match, _numeric_pair(match))
    for match in re.finditer(rf"(?<![\w.]){_NUMBER}\s*(?:-|to)\s*{_NUMBER}", lowered):
        add(match, _numeric_pair(match))

    one_sided = [
        (_LOWER_EXCLUSIVE, "exclusiveMinimum"),
        (_LOWER_INCLUSIVE, "minimum"),
        (_UPPER_EXCLUSIVE, "exclusiveMaximum"),
        (_UPPER_INCLUSIVE, "maximum"),
    ]
    for words, keyword in one_sided:
        pattern = rf"(?<![\w])({words})\s*(?:the\s+age\s+of\s+|an?\s+|a\s+total\s+of\s+)?{_NUMBER}"
        for match in re.finditer(pattern, lowered):
            value = parse_number(match.group(2), match.group(3))
            hint = "age" if match.group(1).split()[0] in _AGE_WORDS else None
            add(match, _Expression(match.start(), match.end(), {keyword: value}, hint=hint))

    for match in re.finditer(
        rf"(?<![\w.]){_NUMBER}\s*(\+|or (?:older|more|above|over|higher)|or (?:younger|less|below|under|fewer))",
        lowered,
    ):
        value = parse_number(match.group(1), match.group(2))
        keyword = (
            "minimum"
            if match.group(3) == "+"
            or match.group(3).split()[1] in ("older", "more", "above", "over", "higher")
            else "maximum"
        )
        hint = "age" if match.group(3).endswith(("older", "younger")) else None
        add(match, _Expression(match.start(), match.end(), {keyword: value}, hint=hint))

    for match in re.finditer(rf"\baged\s+{_NUMBER}\s*(?:-|to|and)\s*{_NUMBER}", lowered):
        add(match, _numeric_pair(match, hint="age"))
    return sorted(found, key=lambda expression: expression.start)


def _numeric_pair(match: re.Match[str], hint: str | None = None) -> _Expression:
    low = parse_number(match.group(1), match.group(2))
    high = parse_number(match.group(3), match.group(4))
    bounds = {"minimum": min(low, high), "maximum": max(low, high)}
    return _Expression(match.start(), match.end(), bounds, hint=hint)


def _is_year(text: str) -> bool:
    return re.fullmatch(_YEAR, text) is not None


def _date_bounds(text: str) -> tuple[str, str]:
    """Return the first and last day of '2024', 'march 2024', 'q2 2024' or '2024-03-05'."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text, text
    parts = text.replace(".", "").split()
    year = int(parts[-1])
    if len(parts) == 1:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"

    if parts[0].startswith("q"):
        first = 3 * int(parts[0][1]) - 2
        last = first + 2
    else:
        first = last = _MONTHS[parts[0]]
    final_day = calendar.monthrange(year, last)[1]
    return f"{year:04d}-{first:02d}-01", f"{year:04d}-{last:02d}-{final_day:02d}"


def _next_day(day: str) -> str:
    import datetime

    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


def _previous_day(day: str) -> str:
    import datetime

    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()


def _tie_expressions(
    lowered: str, mentions: list[Mention], spec: RequestSpec, knowledge: KnowledgeBase
) -> None:
    """Tie each range or date phrase to the attribute it constrains.

    The first match wins. It is the attribute that a word such as 'older' implies (age),
    else one named right after the phrase ('1 to 5 stars'). Next comes age after a noun
    for people ('patients under 65'), then the nearest attribute of a fitting type named
    before the phrase in the same clause. A date with no attribute goes to the domain's
    main date column.
    """
    for expression in _find_expressions(lowered):
        target = _target_of(expression, lowered, mentions, knowledge)
        if target is None and expression.dates:
            target = _main_date_column(spec, knowledge)
        if target is None:
            phrase = lowered[expression.start : expression.end].strip()
            logger.info("No column found for %r", phrase)
            spec.unplaced.append(phrase)
            continue

        kind = (
            _kind(knowledge, target)
            if target in knowledge.attributes
            else _unknown_kind(mentions, target)
        )
        if kind == "date" and expression.dates:
            spec.dates.setdefault(target, {}).update(expression.dates)
        elif expression.bounds and kind != "date":
            spec.ranges.setdefault(target, {}).update(expression.bounds)


def _unknown_kind(mentions: list[Mention], name: str) -> str:
    return next((mention.kind for mention in mentions if mention.name == name), "unknown")


def _fits(mention: Mention, expression: _Expression) -> bool:
    if mention.kind == "date":
        return bool(expression.dates)
    if mention.kind in ("integer", "number", "unknown"):
        return bool(expression.bounds)
    return False


def _target_of(
    expression: _Expression, lowered: str, mentions: list[Mention], knowledge: KnowledgeBase
) -> str | None:
    if expression.hint and expression.hint in knowledge.attributes:
        return expression.hint

    after = [m for m in mentions if m.start >= expression.end]
    if after and re.fullmatch(r"\s*(?:of\s+)?", lowered[expression.end : after[0].start]):
        if _fits(after[0], expression):
            return after[0].name

    people = rf"\b(?:{_PEOPLE})\s+(?:aged\s+|who\s+are\s+|that\s+are\s+)?$"
    ages = expression.bounds and all(0 <= value <= 120 for value in expression.bounds.values())
    if ages and re.search(people, lowered[: expression.start]):
        return "age"

    before = [m for m in mentions if m.end <= expression.start]
    if before:
        nearest = before[-1]
        between = lowered[nearest.end : expression.start]
        if not re.search(r"[.;!?]", between) and len(between) <= 60 and _fits(nearest, expression):
            return nearest.name
    return None


def _main_date_column(spec: RequestSpec, knowledge: KnowledgeBase) -> str | None:
    for name in spec.attributes:
        if knowledge.attributes[name].is_date:
            return name
    domain = knowledge.domains.get(spec.domain or "", {})
    return domain.get("date_column")


# -- categories, shares, units ----------------------------------------------------------


def _find_categories(
    original: str, mentions: list[Mention], spec: RequestSpec, knowledge: KnowledgeBase
) -> None:
    """Read the categories written after an attribute's name.

    The forms are 'gender (male/female/other)', 'policy type: auto, home or health' and
    'policy type auto, home or health'.
    """
    lowered = original.lower()
    for index, mention in enumerate(mentions):
        if mention.kind not in ("string", "unknown"):
            continue
        stop = mentions[index + 1].start if index + 1 < len(mentions) else len(lowered)
        tail = original[mention.end : stop]
        clause = re.split(r"[.;]", tail, maxsplit=1)[0]

        bracket = re.match(r"\s*\(([^)]*)\)", clause)
        intro = re.match(_LIST_INTRO, clause.lower())
        if bracket:
            listed = bracket.group(1)
        elif intro:
            listed = clause[intro.end() :]
        elif re.search(r"\bor\b|/", clause.lower()):
            listed = clause
        else:
            continue

        listed = re.split(
            r"\b(?:with|where|and a|and an|for|in which)\b|\(", listed, flags=re.IGNORECASE
        )[0]
        # The list ends at the first item that cannot be a category (a number, a phrase).
        items: list[str] = []
        for item in _split_items(listed):
            if re.search(r"\d", item) or len(item.split()) > 3:
                break
            items.append(item)
        if len(items) < 2:
            continue
        spec.categories[mention.name] = _known_spelling(
            items, knowledge, mention.name if mention.kind != "unknown" else None
        )


def _split_items(text: str) -> list[str]:
    items = re.split(r",|/|\||\bor\b|\band\b|\bnor\b", text, flags=re.IGNORECASE)
    cleaned = [
        re.sub(
            r"\s+only\s*$",
            "",
            re.sub(r"^\s*(?:either|only|an?|the)\s+", "", item, flags=re.I),
            flags=re.I,
        ).strip(" '\"")
        for item in items
    ]
    return [item for item in cleaned if item and item.lower() not in ("etc", "etc.")]


def _known_spelling(items: list[str], knowledge: KnowledgeBase, name: str | None) -> list[str]:
    """Return the base's spelling of each category that the base lists ('male' -> 'Male')."""
    by_key = {
        word: str(value) for word, value in (knowledge.category_words(name).items() if name else [])
    }
    spelled = [by_key.get(normalize(item), item) for item in items]
    return list(dict.fromkeys(spelled))


def _find_shares(
    lowered: str, mentions: list[Mention], spec: RequestSpec, knowledge: KnowledgeBase
) -> None:
    """Read shares: '70% female', 'about 2% fraud', '2% of transactions are fraudulent'.

    A share written after a yes/no attribute ('churn rate of 20%') is its share of yes.
    """
    share = r"(?:about|around|roughly|approximately|approx\.?|~|nearly|almost|only)?\s*(\d+(?:\.\d+)?)\s*%"
    for match in re.finditer(rf"{share}\s*{_SHARE_FILLER}([a-z][a-z\s-]*)", lowered):
        fraction = float(match.group(1)) / 100
        words = match.group(2).split()[:3]
        for size in (3, 2, 1):
            phrase = " ".join(words[:size])
            resolved = _resolve_value(phrase, spec, knowledge)
            if resolved is not None:
                name, value = resolved
                spec.shares.setdefault(name, {})[value] = fraction
                break

    for mention in mentions:
        after = re.match(
            r"\s*(?:rate|share|ratio|percentage|prevalence)?\s*(?:of|about|around|at|is|in|for|among|=|:|~|near|roughly|approximately|\s)*\s*(\d+(?:\.\d+)?)\s*%",
            lowered[mention.end :],
        )
        if after and mention.name in knowledge.attributes:
            positive = _positive_value(knowledge, mention.name)
            if positive is not None:
                spec.shares.setdefault(mention.name, {})[positive] = float(after.group(1)) / 100


def _resolve_value(
    phrase: str, spec: RequestSpec, knowledge: KnowledgeBase
) -> tuple[str, Any] | None:
    """Find the attribute whose category (or whose yes/no flag) a phrase names."""
    if not phrase:
        return None
    domain = knowledge.domains.get(spec.domain or "", {})
    order = list(
        dict.fromkeys([*spec.attributes, *domain.get("columns", []), *knowledge.attributes])
    )
    candidates = {phrase, phrase.rstrip("s"), re.sub(r"(?:ulent|ed|ers?)$", "", phrase)}
    if phrase.lower() in ("yes", "no", "true", "false", "other", "none", "unknown"):
        return None

    wanted = [normalize(candidate) for candidate in candidates]
    for name in order:
        if knowledge.attributes[name].type == "boolean":
            continue
        words = knowledge.category_words(name, spec.country)
        for candidate in wanted:
            if candidate in words and len(candidate) > 1:
                return name, words[candidate]

    for candidate in candidates:
        attribute = knowledge.find(candidate)
        if attribute is not None:
            positive = _positive_value(knowledge, attribute.name)
            if positive is not None:
                return attribute.name, positive
    return None


def _positive_value(knowledge: KnowledgeBase, name: str) -> Any:
    """Return True for a boolean attribute, 'Yes' for a Yes/No one, else None."""
    values = knowledge.enum_values(name)
    if knowledge.attributes[name].type == "boolean":
        return True
    return next((value for value in _POSITIVE_VALUES if value in values), None)


def _find_units(
    lowered: str, mentions: list[Mention], spec: RequestSpec, knowledge: KnowledgeBase
) -> None:
    """Read 'weight in pounds', 'temperature (°F)', 'salary in EUR' and 'amounts in euros'."""
    for match in re.finditer(r"\b(?:in|using)\s+([a-z€$£¥]+)", lowered):
        currency = knowledge.unit(match.group(1))
        if currency is not None and currency[1].get("dimension") == "money":
            spec.currency = currency[0]
            break
    for mention in mentions:
        if mention.kind not in ("integer", "number"):
            continue
        written = re.match(
            r"\s*(?:in|\(|measured in|expressed in)\s*°?([a-z€$£¥]+)", lowered[mention.end :]
        )
        unit = knowledge.unit(written.group(1)) if written else None
        if unit is not None:
            spec.units[mention.name] = unit[0]
