"""Which provider errors are worth retrying, and how often the graph retries them.

Only transient faults are retried: refused or dropped connections, timeouts, HTTP 429 and
5xx answers. Everything else (a bad key, a 400, a schema the model got wrong) fails at once
so that the user sees the real cause.

The chat model and search clients send each request up to twice (see `tools/llm.py` and
`tools/search.py`); the graph's `RetryPolicy` on the knowledge and seed nodes then runs the
node up to `PROVIDER_ATTEMPTS` times. On the last attempt the node falls back to the
embedded knowledge base or raises, as the run's `on_provider_error` says.
"""

from __future__ import annotations

import httpx
import requests

PROVIDER_ATTEMPTS = 3
"""Runs of a provider node, the first included, while its errors are transient."""

PROVIDER_RETRY_INTERVAL = 0.5
"""Seconds before the first node retry; each later wait doubles, plus up to 1 s of jitter."""

_TRANSIENT_NAMES = (
    "APIConnectionError",
    "APITimeoutError",
    "RateLimitError",
    "InternalServerError",
    "UsageLimitExceededError",
)
"""Client error classes that mean a transient fault: openai's, and tavily-python's 429."""


def is_transient(error: BaseException) -> bool:
    """Return True for errors a later attempt may not hit again."""
    if isinstance(
        error, (httpx.TimeoutException, httpx.NetworkError, ConnectionError, TimeoutError)
    ):
        return True
    if isinstance(error, (requests.ConnectionError, requests.Timeout)):
        return True

    status = getattr(error, "status_code", None)
    if status is None:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status == 429 or status >= 500

    # tavily-python raises its own TimeoutError class, which is not the built-in one.
    name = type(error).__name__
    if name == "TimeoutError" and type(error).__module__.startswith("tavily"):
        return True
    return name in _TRANSIENT_NAMES or any(
        base.__name__ in ("APIConnectionError", "APITimeoutError") for base in type(error).__mro__
    )
