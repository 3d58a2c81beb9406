"""Which provider errors are worth retrying.

Only transient faults are retried: refused or dropped connections, timeouts, HTTP 429 and
5xx answers. Everything else (a bad key, a 400, a schema the model got wrong) fails at once
so that the user sees the real cause.
"""

from __future__ import annotations

import httpx


def is_transient(error: BaseException) -> bool:
    """Return True for errors a later attempt may not hit again."""
    if isinstance(error, (httpx.TimeoutException, httpx.NetworkError, ConnectionError, TimeoutError)):
        return True
    status = getattr(error, "status_code", None)
    if status is None:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status == 429 or status >= 500
    name = type(error).__name__
    return name in ("APIConnectionError", "APITimeoutError", "RateLimitError", "InternalServerError")
