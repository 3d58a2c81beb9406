"""Runs a step that calls a chat model or search service, with the run's failure policy.

A transient error before the last node attempt is raised again, so that the graph's
`RetryPolicy` reruns the node. On the last attempt, and for any other provider failure
(an unusable answer, a bad key, a 4xx), `on_provider_error` decides: "fallback" runs the
offline step and returns a warning, "fail" raises a one-line `ProviderError`.

Messages pass through `redact`, which replaces the values of API key variables, so that
no key reaches a log line, warning or error even when a server echoes it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

from agentgan.errors import AgentganError, ProviderError, UsageError
from agentgan.tools.retry import PROVIDER_ATTEMPTS, is_transient

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

_SECRET_NAME = re.compile(r"(API_KEY|_TOKEN|_SECRET)$")


def redact(text: str) -> str:
    """Replace every API key, token or secret held in the environment with `***`."""
    for name, value in os.environ.items():
        if value and len(value) >= 8 and _SECRET_NAME.search(name):
            text = text.replace(value, "***")
    return text


def describe_failure(error: BaseException) -> str:
    """Return one line naming what failed: an HTTP status, a timeout or a connection."""
    status = getattr(error, "status_code", None)
    if status is None:
        status = getattr(getattr(error, "response", None), "status_code", None)
    name = type(error).__name__
    text = " ".join(str(error).split())[:300]
    if isinstance(status, int):
        detail = f"HTTP {status} ({name})"
    elif "Timeout" in name or "timed out" in text.lower():
        detail = f"timed out ({name})"
    elif "Connection" in name:
        detail = f"connection failed ({name})"
    else:
        detail = name
    text = text.rstrip(".")
    if isinstance(error, AgentganError):
        return redact(text)
    return redact(f"{detail}: {text}" if text else detail)


def run_with_fallback(
    step: Callable[[], Result],
    fallback: Callable[[], Result],
    *,
    what: str,
    on_error: str,
    attempt: int | None,
) -> tuple[Result, list[str]]:
    """Run `step`; on a provider failure retry, fall back or raise.

    Args:
        step: The provider step.
        fallback: The offline step that replaces it.
        what: What the step makes, for messages ("the schema", "seed rows").
        on_error: "fallback" or "fail".
        attempt: This node run's attempt number (1 first), or None outside a graph.

    Returns:
        The step's result, or the fallback's, and the warnings to add to the state.

    Raises:
        The transient error itself before the last attempt; `ProviderError` when
        `on_error` is "fail"; `UsageError` from the step unchanged.
    """
    try:
        return step(), []
    except UsageError:
        raise
    except Exception as exc:
        if not (isinstance(exc, ProviderError) or is_transient(exc) or _is_client_error(exc)):
            raise
        reason = describe_failure(exc)
        if is_transient(exc) and attempt is not None and attempt < PROVIDER_ATTEMPTS:
            logger.warning(
                "Provider call for %s failed (attempt %d of %d), retrying: %s",
                what,
                attempt,
                PROVIDER_ATTEMPTS,
                reason,
            )
            raise
        failure = exc

    if on_error == "fail":
        raise ProviderError(
            f"Could not make {what} with the configured provider: {reason}. Check the model, "
            "base URL and keys, or rerun with --on-provider-error fallback."
        ) from failure

    warning = (
        f"The provider failed while making {what} ({reason}); used the embedded knowledge "
        "base instead."
    )
    logger.warning(warning)
    return fallback(), [warning]


_CLIENT_PACKAGES = (
    "openai",
    "langchain_openai",
    "httpx",
    "httpx2",
    "requests",
    "urllib3",
    "tavily",
)


def _is_client_error(error: BaseException) -> bool:
    """Tell whether an error comes from a chat model or HTTP client package."""
    return any(kind.__module__.split(".")[0] in _CLIENT_PACKAGES for kind in type(error).__mro__)


def node_attempt(runtime: Any) -> int | None:
    """Return the attempt number LangGraph gives the running node, or None outside a graph."""
    info = getattr(runtime, "execution_info", None)
    attempt = getattr(info, "node_attempt", None)
    return attempt if isinstance(attempt, int) else None
