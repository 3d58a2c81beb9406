"""Parses chat model responses into data, whatever wrapping the model put around it.

Models respond with a tool call, with plain JSON, with JSON inside Markdown fences and
prose, with prose and no JSON at all, with output cut at the token limit, or with the JSON
Schema they were given instead of data. `parse_answer` turns each of these into a Python
object or an `LLMOutputError` whose `kind` names the fault and whose message quotes the
raw text, so that the caller can retry with the error shown to the model.

Model text is data: it is decoded with `json`, never evaluated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import BaseMessage

from agentgan.errors import ProviderError

FaultKind = Literal["empty", "prose", "truncated", "invalid", "schema_echo", "mismatch"]

QUOTE_CHARS = 240
"""Characters of raw model text quoted in an error message."""

_DECODER = json.JSONDecoder()


class LLMOutputError(ProviderError):
    """A chat model response that contains no usable data.

    Attributes:
        kind: The fault: empty, prose, truncated, invalid, schema_echo or mismatch.
        raw: The raw response text.
        rows: Complete rows recovered from a truncated response, if any.
    """

    def __init__(self, kind: FaultKind, message: str, raw: str, rows: list[Any] | None = None):
        super().__init__(message)
        self.kind = kind
        self.raw = raw
        self.rows = rows or []


@dataclass(frozen=True)
class Answer:
    """The payload of one model message and how it ended.

    Attributes:
        data: Tool-call arguments already decoded by the client, or None.
        text: Text to decode when `data` is None: tool-call arguments the client could not
            decode, or the message content.
        finish_reason: The provider's finish reason ("stop", "length", "tool_calls", ...).
        tool_call_id: ID of the tool call the response came from, for the retry message.
    """

    data: Any
    text: str
    finish_reason: str | None
    tool_call_id: str | None


def quote(text: str) -> str:
    """Return the start of a raw answer as a quoted one-line excerpt."""
    flat = " ".join(text.split())
    excerpt = flat if len(flat) <= QUOTE_CHARS else flat[:QUOTE_CHARS] + "..."
    return repr(excerpt)


def message_text(message: BaseMessage) -> str:
    """Return the text of a message whose content is a string or a list of blocks."""
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def read_answer(message: BaseMessage) -> Answer:
    """Split a model message into its payload, preferring a tool call over the content."""
    metadata = getattr(message, "response_metadata", {}) or {}
    finish_reason = metadata.get("finish_reason")
    tool_calls = getattr(message, "tool_calls", None) or []
    if tool_calls:
        call = tool_calls[0]
        return Answer(call.get("args"), "", finish_reason, call.get("id"))

    invalid_calls = getattr(message, "invalid_tool_calls", None) or []
    if invalid_calls:
        call = invalid_calls[0]
        return Answer(None, str(call.get("args") or ""), finish_reason, call.get("id"))
    return Answer(None, message_text(message), finish_reason, None)


def decode_json(text: str) -> Any:
    """Decode the first JSON object or array in a text.

    Fences, prose around the JSON and backticks inside string values are all handled by
    decoding from each opening bracket in turn with a strict JSON decoder.

    Raises:
        LLMOutputError: kind "empty", "prose" (no JSON in the text), "truncated" (the JSON
            runs to the end of the text without closing) or "invalid".
    """
    if not text.strip():
        raise LLMOutputError("empty", "The model returned an empty response.", text)

    first_error: json.JSONDecodeError | None = None
    for start, char in enumerate(text):
        if char not in "{[":
            continue
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            # A value that runs to the end of the text is the answer, cut off. Decoding
            # from a later bracket would return one inner object of it instead.
            if _runs_to_end(text, exc):
                raise LLMOutputError(
                    "truncated",
                    f"The model's JSON is cut off before it ends ({exc.msg}): {quote(text)}.",
                    text,
                    salvage_rows(text),
                ) from exc
            first_error = first_error or exc
            continue
        return value

    if first_error is None:
        raise LLMOutputError(
            "prose", f"The model responded in prose with no JSON: {quote(text)}.", text
        )
    raise LLMOutputError(
        "invalid", f"The model's JSON is invalid ({first_error.msg}): {quote(text)}.", text
    )


def _runs_to_end(text: str, error: json.JSONDecodeError) -> bool:
    """Tell whether a decode error comes from text that stops inside the JSON value."""
    if error.msg.startswith("Unterminated string"):
        return True
    tail = text[error.pos :].strip().strip("`").strip()
    return not tail


def salvage_rows(text: str) -> list[Any]:
    """Return the complete objects at the start of a cut-off `rows` array or bare array.

    For `{"rows": [{...}, {...}, {"a": "cut` this returns the first two objects.
    """
    key = text.find('"rows"')
    start = text.find("[", key if key >= 0 else 0)
    if start < 0:
        return []

    rows: list[Any] = []
    position = start + 1
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] != "{":
            break
        try:
            value, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        rows.append(value)
    return rows


def is_schema_echo(data: Any, fields: set[str]) -> bool:
    """Tell whether the model returned a JSON Schema instead of data with these fields."""
    if not isinstance(data, dict) or "properties" in fields:
        return False
    shaped_like_schema = isinstance(data.get("properties"), dict) and (
        data.get("type") == "object" or "required" in data or "$schema" in data
    )
    wrapped = isinstance(data.get("parameters"), dict) or isinstance(data.get("schema"), dict)
    return shaped_like_schema or (wrapped and not fields & set(data))


def parse_answer(message: BaseMessage, fields: set[str]) -> Any:
    """Return the data of a model message meant to hold an object with these fields.

    Raises:
        LLMOutputError: the answer is empty, prose, cut off at the token limit (kind
            "truncated", with the complete rows it holds), invalid JSON, or a copy of the
            JSON Schema the model was given. JSON that decodes completely is returned even
            when the finish reason is "length".
    """
    answer = read_answer(message)
    raw = answer.text if answer.data is None else json.dumps(answer.data)
    if answer.data is not None:
        data = answer.data
    else:
        try:
            data = decode_json(raw)
        except LLMOutputError as exc:
            # A finish reason of "length" means the text stopped at the token limit, even
            # where the decoder reports the cut as prose or invalid JSON.
            if answer.finish_reason == "length" and exc.kind != "truncated":
                raise LLMOutputError(
                    "truncated",
                    f"The model's response stopped at the token limit: {quote(raw)}.",
                    raw,
                    salvage_rows(raw),
                ) from exc
            raise

    if is_schema_echo(data, fields):
        raise LLMOutputError(
            "schema_echo",
            f"The model returned the JSON Schema it was given instead of data: {quote(raw)}.",
            raw,
        )
    if isinstance(data, list) and "rows" in fields:
        data = {"rows": data}
    return data
