"""Step 2 of the knowledge agent: realistic figures for one column, with their source.

The model reads the search results for one column and states its range, distribution or
category weights. It cites a result by its number; the code, not the model, turns that
number into the source URL, so a model cannot put a URL in the schema that no search
returned.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agentgan.prompts.attribute_extraction import ColumnType, RequestedAttribute
from agentgan.prompts.quoting import DATA_RULE, compact_json, quote_data
from agentgan.tools.search import SearchResult

DistributionKind = Literal[
    "normal",
    "lognormal",
    "uniform",
    "triangular",
    "exponential",
    "poisson",
    "categorical",
    "bernoulli",
    "date_range",
]


class Category(BaseModel):
    """One category and its share of rows."""

    value: str
    weight: float = Field(ge=0, description="Share of rows, 0 to 1.")


class Distribution(BaseModel):
    """How values spread; give only the parameters of the chosen kind."""

    kind: DistributionKind
    mean: float | None = Field(default=None, description="normal: mean.")
    std: float | None = Field(default=None, ge=0, description="normal: standard deviation.")
    mu: float | None = Field(default=None, description="lognormal: mean of the log.")
    sigma: float | None = Field(default=None, ge=0, description="lognormal: std of the log.")
    low: float | None = Field(default=None, description="uniform, triangular: lower end.")
    high: float | None = Field(default=None, description="uniform, triangular: upper end.")
    mode: float | None = Field(default=None, description="triangular: most common value.")
    scale: float | None = Field(default=None, gt=0, description="exponential: mean.")
    lam: float | None = Field(default=None, ge=0, description="poisson: mean count.")
    p: float | None = Field(default=None, ge=0, le=1, description="bernoulli: share of true.")
    start: str | None = Field(default=None, description="date_range: first date, YYYY-MM-DD.")
    end: str | None = Field(default=None, description="date_range: last date, YYYY-MM-DD.")


class AttributeFacts(BaseModel):
    """Realistic figures for one column and where they come from."""

    type: ColumnType
    minimum: float | None = Field(default=None, description="Smallest realistic value.")
    maximum: float | None = Field(default=None, description="Largest realistic value.")
    unit: str | None = Field(default=None, description="Unit, e.g. 'USD', 'years'.")
    decimals: int | None = Field(default=None, ge=0, le=12, description="Decimal places.")
    categories: list[Category] = Field(
        default_factory=list, description="For text columns with a fixed set of values."
    )
    distribution: Distribution | None = Field(
        default=None, description="For numbers, dates and booleans; omit for categories."
    )
    null_rate: float = Field(default=0.0, ge=0, le=0.9, description="Share of missing values.")
    faker_provider: str | None = Field(
        default=None,
        description="For personal columns: the Faker provider that makes values, e.g. "
        "'name', 'email', 'phone_number', 'address', 'city'.",
    )
    fact: str = Field(default="", description="One sentence stating the figures used.")
    source: int | None = Field(
        default=None,
        description="Number of the search result the figures come from; null for an estimate.",
    )


SYSTEM = f"""You find realistic statistics for one column of a synthetic dataset. Read \
the numbered search results and state the column's realistic range and distribution, or \
its categories with their shares. Prefer figures the results state; cite the result by \
its number in 'source'. When the results say nothing useful, give a careful estimate and \
set 'source' to null. Keep the constraints the user stated. {DATA_RULE}"""


def messages(
    attribute: RequestedAttribute, domain: str, results: list[SearchResult]
) -> list[BaseMessage]:
    """Return the prompt that asks for the figures of one column."""
    stated = attribute.model_dump(exclude_defaults=True)
    numbered = "\n\n".join(
        f"[{number}] {result.title}\nURL: {result.url}\n{result.content}"
        for number, result in enumerate(results, start=1)
    )
    quoted = quote_data(numbered, "search results") if results else "(no search results)"
    return [
        SystemMessage(content=SYSTEM),
        HumanMessage(
            content=(
                f"Dataset subject: {domain or 'general'}\n"
                f"Column: {compact_json(stated)}\n\n"
                f"Search results:\n{quoted}\n\n"
                f"Call AttributeFacts with the figures for column '{attribute.name}'."
            )
        ),
    ]


def search_query(attribute: RequestedAttribute, domain: str) -> str:
    """Return the web search query for one column."""
    subject = attribute.description or attribute.name.replace("_", " ")
    return f"{subject} distribution statistics {domain}".strip()
