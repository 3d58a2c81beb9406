"""Step 3 of the knowledge agent: how the columns relate to each other.

The model reads the finished columns and states cross-column rules, derived columns and
dependencies (a child column's weights changing with a parent's range). Rules and
formulas are checked by the safe rule evaluator before the schema is used; the model's
errors go back to it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agentgan.prompts.quoting import DATA_RULE, compact_json, quote_data
from agentgan.schema.rules import FUNCTIONS


class Condition(BaseModel):
    """Parent values a dependency case applies to: a numeric range or a list of values."""

    min: float | None = None
    max: float | None = None
    values: list[str] | None = Field(default=None, alias="in")

    model_config = {"populate_by_name": True}


class DependencyCase(BaseModel):
    """The child's distribution while the parent meets `when`."""

    when: Condition
    weights: dict[str, float] | None = Field(
        default=None, description="Categorical child: weight of each category."
    )
    p: float | None = Field(default=None, ge=0, le=1, description="Boolean child: share of true.")
    scale: float | None = Field(default=None, gt=0, description="Numeric child: multiply by.")
    shift: float | None = Field(default=None, description="Numeric child: add.")


class Dependency(BaseModel):
    """A child column whose distribution depends on a parent column."""

    child: str
    parent: str
    description: str = ""
    cases: list[DependencyCase] = Field(min_length=1)


class DatasetStructure(BaseModel):
    """Relationships between the columns."""

    constraints: list[str] = Field(
        default_factory=list,
        description="Rules every row must meet, e.g. 'tenure_months <= (age - 18) * 12'.",
    )
    derived: dict[str, str] = Field(
        default_factory=dict,
        description="Columns computed from others: {'total': 'round(price * quantity, 2)'}.",
    )
    dependencies: list[Dependency] = Field(default_factory=list)
    target: str | None = Field(default=None, description="The label column, if any.")


RULE_SYNTAX = (
    "Rules and formulas use column names, numbers, quoted strings, + - * / // % **, "
    "comparisons, and/or/not, 'in' with a list, 'x if condition else y', and the functions "
    f"{', '.join(FUNCTIONS)}. Nothing else is allowed."
)

SYSTEM = f"""You describe how the columns of a synthetic dataset relate. Give only \
relationships that are real in this domain: rules every row must meet, columns computed \
from others, and dependencies where a child column's categories or values shift with a \
parent column. Use only the listed column names. {RULE_SYNTAX} {DATA_RULE}"""


def messages(request: str, columns: dict[str, dict[str, Any]]) -> list[BaseMessage]:
    """Return the prompt that asks for the relationships between the columns."""
    summary = "\n".join(f"- {name}: {compact_json(_brief(spec))}" for name, spec in columns.items())
    return [
        SystemMessage(content=SYSTEM),
        HumanMessage(
            content=(
                "The user's request:\n"
                + quote_data(request, "user request")
                + f"\n\nColumns:\n{summary}\n\nCall DatasetStructure with the relationships."
            )
        ),
    ]


def _brief(spec: dict[str, Any]) -> dict[str, Any]:
    keys = ("type", "minimum", "maximum", "enum", "format", "x-unit", "x-role")
    return {key: spec[key] for key in keys if key in spec}
