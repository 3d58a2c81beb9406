"""Builds the run's chat model and requests structured responses from it.

`resolve_model` turns the model setting into an `init_chat_model` string or None for
offline: 'offline' is None; 'auto' is `AUTO_MODEL` when OPENAI_API_KEY or a base URL
is set, else None, and the choice is logged; any other value is used as it is
(`openai:gpt-4o-mini`, `ollama:llama3.1`). `build_chat_model` builds that model, pointing
OpenAI clients at `base_url` (or OPENAI_BASE_URL) for compatible servers.

Retries happen in two layers. The openai client retries each request `HTTP_RETRIES` times
on 408, 409, 429 and 5xx responses and on connection errors; it waits what a Retry-After
header asks (up to 120 s in openai 3.x), else 0.5 s, 1 s, ... (openai's backoff). The
graph's `RetryPolicy` then reruns the whole node on what is still transient.
`ask_structured` retries responses that are unusable (prose, invalid JSON, a copied schema,
missing keys) with the error shown to the model, `OUTPUT_ATTEMPTS` times in all.

NOTE: a server that accepts connections but never responds holds a node for up to
`PROVIDER_ATTEMPTS * (HTTP_RETRIES + 1)` times the run's `timeout` (6 minutes at the 60 s
default) before the fallback; lower `timeout` where a faster fallback matters.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, ValidationError

from agentgan.errors import SchemaError, UsageError
from agentgan.tools.llm_output import LLMOutputError, parse_answer, quote, read_answer
from agentgan.tools.provider_fallback import describe_failure

logger = logging.getLogger(__name__)

AUTO_MODEL = "openai:gpt-4o-mini"
"""Model that 'auto' picks when an OpenAI key or base URL is configured."""

HTTP_RETRIES = 1
"""Retries of one HTTP request inside the openai client, before the node-level retry."""

OUTPUT_ATTEMPTS = 3
"""Model calls per structured response, the first included, while responses are unusable."""

PLACEHOLDER_KEY = "not-needed"
"""Key sent to an OpenAI-compatible server at a base URL when no OPENAI_API_KEY is set;
local servers such as Ollama or llama.cpp accept any value."""

_OPENAI_PROVIDERS = ("openai", "azure_openai")

Model = TypeVar("Model", bound=BaseModel)


def resolve_model(model: str, base_url: str | None = None) -> str | None:
    """Return the `init_chat_model` string for a model setting, or None for offline."""
    setting = model.strip()
    if setting in ("", "offline"):
        return None
    if setting != "auto":
        return setting

    if os.environ.get("OPENAI_API_KEY"):
        logger.info("Model 'auto': using %s because OPENAI_API_KEY is set", AUTO_MODEL)
        return AUTO_MODEL
    if base_url or os.environ.get("OPENAI_BASE_URL"):
        logger.info("Model 'auto': using %s at the configured base URL", AUTO_MODEL)
        return AUTO_MODEL
    logger.info("Model 'auto': offline, because no OPENAI_API_KEY or base URL is set")
    return None


def build_chat_model(
    name: str, *, base_url: str | None = None, timeout: float = 60.0
) -> BaseChatModel:
    """Build the chat model an `init_chat_model` string names.

    Args:
        name: Provider and model, for example `openai:gpt-4o-mini`.
        base_url: Base URL of an OpenAI-compatible server; defaults to OPENAI_BASE_URL.
        timeout: Seconds to wait for one response.

    Raises:
        UsageError: the provider is unknown, its package is missing, or it has no key.
    """
    init_chat_model = _init_chat_model()
    provider = name.split(":", 1)[0] if ":" in name else None
    options: dict[str, Any] = {}
    if provider in _OPENAI_PROVIDERS or (
        provider is None and name.startswith(("gpt-", "o1", "o3", "o4"))
    ):
        url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        options.update(timeout=timeout, max_retries=HTTP_RETRIES)
        if url:
            options["base_url"] = url
            if not os.environ.get("OPENAI_API_KEY"):
                options["api_key"] = PLACEHOLDER_KEY

    try:
        with warnings.catch_warnings():
            # langchain-classic's copy warns that it moved to the `langchain` package; it is
            # the same function, used here when `langchain` is not installed.
            warnings.simplefilter("ignore", DeprecationWarning)
            chat_model = init_chat_model(name, **options)
    except ImportError as exc:
        raise UsageError(
            f"Model {name!r} needs a LangChain integration package that is not installed "
            f"({exc.name or 'unknown module'}); install it, for example "
            "`pip install langchain-ollama` for 'ollama:...'."
        ) from exc
    except ValueError as exc:
        raise UsageError(
            f"Model {name!r} is not a valid init_chat_model string; write 'provider:model', "
            "for example 'openai:gpt-4o-mini', or use 'offline'."
        ) from exc
    except Exception as exc:
        # Client constructors raise their own classes for a missing key (openai.OpenAIError).
        if "api_key" in str(exc).lower() or "api key" in str(exc).lower():
            raise UsageError(
                f"Model {name!r} needs an API key: set OPENAI_API_KEY (or the provider's key "
                "variable), point --base-url at a server that needs none, or use --model offline."
            ) from exc
        raise
    logger.info(
        "Chat model: %s%s", name, f" at {options['base_url']}" if "base_url" in options else ""
    )
    return chat_model


def _init_chat_model() -> Callable[..., BaseChatModel]:
    try:
        from langchain.chat_models import init_chat_model
    except ImportError:
        from langchain_classic.chat_models import init_chat_model
    return init_chat_model


def invoke_for(
    chat_model: BaseChatModel, history: list[BaseMessage], output: type[BaseModel]
) -> BaseMessage:
    """Send the prompt with `output` as a forced tool, or as text when tools are rejected.

    Some OpenAI-compatible servers reject a request with tools with HTTP 400, and some
    LangChain models have no tool calling. Those get the JSON Schema in the prompt instead,
    and the response text is parsed like any other.
    """
    try:
        runnable = chat_model.bind_tools([output], tool_choice=output.__name__)
        return runnable.invoke(history)
    except Exception as exc:
        if not _rejects_tools(exc):
            raise
        logger.warning(
            "The chat model rejected tool calling (%s); requesting JSON in the message text",
            describe_failure(exc),
        )
    schema = json.dumps(output.model_json_schema(), separators=(",", ":"))
    instruction = (
        f"Respond with only one JSON object (the data, not the schema) that matches this "
        f"JSON Schema, with no text around it: {schema}"
    )
    return chat_model.invoke([*history, HumanMessage(content=instruction)])


def _rejects_tools(error: Exception) -> bool:
    if isinstance(error, NotImplementedError):
        return True
    status = getattr(error, "status_code", None) or getattr(
        getattr(error, "response", None), "status_code", None
    )
    return status == 400 and "tool" in str(error).lower()


def ask_structured(
    chat_model: BaseChatModel,
    messages: list[BaseMessage],
    output: type[Model],
    *,
    step: str,
    check: Callable[[Model], None] | None = None,
    attempts: int = OUTPUT_ATTEMPTS,
) -> Model:
    """Request a response that parses into `output`, retrying unusable responses.

    The model is asked to call a tool whose arguments are `output`'s JSON Schema. Answers in
    text (plain, fenced or wrapped in prose) are parsed too. When a response cannot be parsed,
    fails validation or fails `check`, the error goes back to the model as the next message.

    Args:
        chat_model: The chat model.
        messages: The prompt.
        output: The pydantic model of the response.
        step: Name of the step, for log lines and errors.
        check: Extra check of a parsed response; raises ValueError or SchemaError with a
            message for the model.
        attempts: Model calls in all.

    Raises:
        LLMOutputError: no usable response after `attempts` calls; the message quotes the
            last raw response.
    """
    history = list(messages)
    fields = set(output.model_fields)
    last_error: LLMOutputError | None = None

    for attempt in range(1, attempts + 1):
        reply = invoke_for(chat_model, history, output)
        try:
            data = parse_answer(reply, fields)
            parsed = output.model_validate(data)
            if check is not None:
                check(parsed)
            return parsed
        except LLMOutputError as exc:
            last_error = exc
        except (ValidationError, ValueError, SchemaError) as exc:
            raw = _raw_text(reply)
            last_error = LLMOutputError(
                "mismatch", f"The response does not match the expected fields: {_short(exc)}", raw
            )

        logger.warning(
            "%s: unusable model response (attempt %d of %d, %s): %s",
            step,
            attempt,
            attempts,
            last_error.kind,
            _short(last_error),
        )
        history.extend(correction_messages(reply, last_error, output.__name__))

    assert last_error is not None
    raise LLMOutputError(
        last_error.kind,
        f"{step}: no usable response from the model after {attempts} attempts. {last_error}",
        last_error.raw,
        last_error.rows,
    )


def _raw_text(reply: BaseMessage) -> str:
    answer = read_answer(reply)
    if answer.data is not None:
        return json.dumps(answer.data)
    return answer.text


def _short(error: Exception, limit: int = 600) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + "..."


def correction_messages(
    reply: BaseMessage, error: LLMOutputError, tool_name: str
) -> list[BaseMessage]:
    """Return the messages that show the model its unusable response and the error."""
    instruction = (
        f"Your response could not be used: {_short(error)} Call the tool {tool_name} once, "
        "with arguments that are data matching its parameters (not the schema itself), "
        "and no text outside the call."
    )
    if error.kind == "truncated":
        instruction += " Keep the response shorter so that it fits."

    answer = read_answer(reply)
    if answer.tool_call_id and isinstance(reply, AIMessage) and reply.tool_calls:
        return [reply, ToolMessage(content=instruction, tool_call_id=answer.tool_call_id)]
    text = answer.text if answer.text else "(no text)"
    return [AIMessage(content=text), HumanMessage(content=instruction)]


__all__ = [
    "AUTO_MODEL",
    "HTTP_RETRIES",
    "OUTPUT_ATTEMPTS",
    "ask_structured",
    "build_chat_model",
    "correction_messages",
    "invoke_for",
    "quote",
    "resolve_model",
]
