"""Step 1 of the knowledge agent: which columns the request asks for.

The model reads the request and names each column with its type, role and any constraint
the request states outright (a range, a list of categories, a share). It does not guess
figures here; the data look-up finds them.
"""

from __future__ import annotations

import re
from typing import Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, field_validator

from agentgan.prompts.quoting import DATA_RULE, quote_data

COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

ColumnType = Literal["integer", "number", "string", "boolean", "date"]


class RequestedAttribute(BaseModel):
    """One column the request asks for, with the constraints the request states."""

    name: str = Field(description="Column name in snake_case, e.g. 'monthly_charges'.")
    description: str = Field(default="", description="What the column holds, in a few words.")
    type: ColumnType = Field(description="Value type; 'date' for calendar dates.")
    role: Literal["id", "target", "personal", "feature"] = Field(
        default="feature",
        description="'id' for identifiers, 'target' for the label to predict, 'personal' for "
        "names, e-mails, phones and addresses, else 'feature'.",
    )
    minimum: float | None = Field(default=None, description="Lower bound the request states.")
    maximum: float | None = Field(default=None, description="Upper bound the request states.")
    categories: list[str] = Field(
        default_factory=list, description="Categories the request lists, if any."
    )
    shares: dict[str, float] = Field(
        default_factory=dict,
        description="Shares the request states, as fractions: {'Female': 0.7} for '70% female'.",
    )

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        name = re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")
        if not COLUMN_NAME.match(name):
            raise ValueError(
                f"column name {value!r} must be snake_case letters and digits, starting with a letter"
            )
        return name


class ExtractedAttributes(BaseModel):
    """The columns of the requested table and what the request says about the table."""

    title: str = Field(description="Short snake_case name of the table, e.g. 'customer_churn'.")
    domain: str = Field(default="", description="Subject area, e.g. 'telecom churn'.")
    rows: int | None = Field(default=None, ge=1, description="Row count the request states.")
    locale: str | None = Field(
        default=None, description="Locale such as 'en_US' or 'de_DE' when the request implies one."
    )
    attributes: list[RequestedAttribute] = Field(
        min_length=1, max_length=60, description="The columns, identifiers first."
    )

    @field_validator("attributes")
    @classmethod
    def _unique_names(cls, value: list[RequestedAttribute]) -> list[RequestedAttribute]:
        names = [attribute.name for attribute in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"column names must be unique; repeated: {', '.join(repeated)}")
        return value

    @field_validator("locale")
    @classmethod
    def _locale_form(cls, value: str | None) -> str | None:
        if value and not re.match(r"^[a-z]{2}(_[A-Z]{2})?$", value):
            return None
        return value


SYSTEM = f"""You design tabular datasets. From a user's request for a dataset, list the \
columns the table needs: every column the request names, plus the few columns a realistic \
table of that kind must have (an identifier, and the target label when the request is \
about prediction). For each column give a snake_case name, its type and role, and only \
the constraints the request states outright. Do not invent figures. {DATA_RULE}"""


def messages(request: str) -> list[BaseMessage]:
    """Return the prompt that asks for the columns of a request."""
    return [
        SystemMessage(content=SYSTEM),
        HumanMessage(
            content="The user's request:\n"
            + quote_data(request, "user request")
            + "\n\nCall ExtractedAttributes with the columns."
        ),
    ]
