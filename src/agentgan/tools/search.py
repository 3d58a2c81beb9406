"""Web and embedded search for the knowledge agent's data look-up.

`build_search` picks the provider from the `search` setting:

- `tavily`: the Tavily API through `tavily-python` (needs TAVILY_API_KEY);
  AGENTGAN_TAVILY_BASE_URL overrides its endpoint, for a proxy or a test server.
- `searx`: a SearxNG instance through langchain-community's `SearxSearchWrapper`, at
  SEARX_HOST.
- `embedded`: the embedded knowledge base, offline.
- `auto`: Tavily when TAVILY_API_KEY is set, else embedded.

Every provider returns `SearchResult`s. Their text is data from outside: the prompts quote
it between markers and tell the model not to follow instructions in it, and only the URLs
of these results can become a column's source.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Protocol

import requests
import yaml
from urllib3.util.retry import Retry

from agentgan.errors import ProviderError, UsageError
from agentgan.tools.knowledge_base import EMBEDDED_URL, KnowledgeBase, load_knowledge_base

logger = logging.getLogger(__name__)

MAX_RESULTS = 3
"""Search results quoted into one look-up prompt."""

MAX_RESULT_CHARS = 1500
"""Characters of one result's text quoted into a prompt."""

HTTP_RETRIES = 1
"""Retries of one search request on 429 and 5xx answers, inside the HTTP session."""

MAX_RETRY_AFTER = 30.0
"""Longest Retry-After wait, in seconds, that a search request honours."""


@dataclass(frozen=True)
class SearchResult:
    """One search hit: where it is from and what it says."""

    title: str
    url: str
    content: str


class SearchProvider(Protocol):
    """A search service the data look-up can query."""

    name: str

    def search(self, query: str, attribute: str) -> list[SearchResult]:
        """Return up to `MAX_RESULTS` results for a query about one attribute."""
        ...


class _CappedRetry(Retry):
    """urllib3 retry that honours Retry-After only up to `MAX_RETRY_AFTER` seconds."""

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER)


def retrying_session() -> requests.Session:
    """Return a requests session that retries 429 and 5xx answers once with backoff.

    The last failed answer is returned, not raised, so that the client raises its own
    error with the status code, which the graph's retry policy reads.
    """
    retry = _CappedRetry(
        total=HTTP_RETRIES,
        connect=HTTP_RETRIES,
        read=0,
        status=HTTP_RETRIES,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class TavilySearch:
    """Tavily web search through `tavily-python`."""

    name = "tavily"

    def __init__(self, api_key: str, base_url: str | None = None, timeout: float = 60.0):
        from tavily import TavilyClient

        self._timeout = timeout
        self._client = TavilyClient(
            api_key=api_key, api_base_url=base_url or None, session=retrying_session()
        )

    def search(self, query: str, attribute: str) -> list[SearchResult]:
        """Search the web; raise the client's errors for the retry policy to judge."""
        answer = self._client.search(query, max_results=MAX_RESULTS, timeout=self._timeout)
        return [
            SearchResult(
                title=str(hit.get("title") or hit.get("url") or "untitled"),
                url=str(hit.get("url") or ""),
                content=str(hit.get("content") or "")[:MAX_RESULT_CHARS],
            )
            for hit in answer.get("results", [])[:MAX_RESULTS]
            if isinstance(hit, dict)
        ]


class SearxSearch:
    """SearxNG search through langchain-community's `SearxSearchWrapper`."""

    name = "searx"

    def __init__(self, host: str):
        from langchain_community.utilities import SearxSearchWrapper

        self._wrapper = SearxSearchWrapper(searx_host=host)

    def search(self, query: str, attribute: str) -> list[SearchResult]:
        """Search a SearxNG instance; hits without a link are skipped."""
        hits = self._wrapper.results(query, num_results=MAX_RESULTS)
        return [
            SearchResult(
                title=str(hit.get("title") or hit["link"]),
                url=str(hit["link"]),
                content=str(hit.get("snippet") or "")[:MAX_RESULT_CHARS],
            )
            for hit in hits
            if isinstance(hit, dict) and hit.get("link")
        ]


class EmbeddedSearch:
    """Look-up in the embedded knowledge base: the entry of the attribute, if any."""

    name = "embedded"

    def __init__(self, knowledge: KnowledgeBase | None = None):
        self._knowledge = knowledge or load_knowledge_base()

    def search(self, query: str, attribute: str) -> list[SearchResult]:
        """Return the knowledge base entry of the attribute as one result, or none."""
        found = self._knowledge.find(attribute) or self._knowledge.find(attribute.replace("_", " "))
        if found is None:
            return []
        spec, source = self._knowledge.column(found)
        spec.pop("x-source", None)
        title = (source or {}).get("title") or f"agentgan knowledge base: {found.name}"
        url = (source or {}).get("url") or EMBEDDED_URL
        text = yaml.safe_dump({found.name: spec}, sort_keys=False)
        return [SearchResult(title=str(title), url=str(url), content=text[:MAX_RESULT_CHARS])]


def build_search(setting: str, *, timeout: float = 60.0) -> SearchProvider:
    """Build the search provider a `search` setting names.

    Raises:
        UsageError: the setting is unknown or its key or host is not configured.
    """
    choice = setting.strip().lower()
    tavily_key = os.environ.get("TAVILY_API_KEY") or ""
    if choice == "auto":
        choice = "tavily" if tavily_key else "embedded"
        logger.info("Search 'auto': using %s", choice)

    if choice == "embedded":
        return EmbeddedSearch()
    if choice == "tavily":
        if not tavily_key:
            raise UsageError(
                "Search 'tavily' needs TAVILY_API_KEY; set it, or use --search embedded."
            )
        base_url = os.environ.get("AGENTGAN_TAVILY_BASE_URL") or None
        logger.info("Search: Tavily%s", f" at {base_url}" if base_url else "")
        return TavilySearch(tavily_key, base_url, timeout)
    if choice == "searx":
        host = os.environ.get("SEARX_HOST") or ""
        if not host:
            raise UsageError(
                "Search 'searx' needs SEARX_HOST, the URL of a SearxNG instance with the "
                "JSON format enabled; set it, or use --search embedded."
            )
        return SearxSearch(host)
    raise UsageError(
        f"Search provider {setting!r} is unknown; use auto, embedded, tavily or searx."
    )


def search_failure(error: Exception, provider: str) -> ProviderError:
    """Return a one-line ProviderError for a search call that failed."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    detail = f"HTTP {status}" if status else type(error).__name__
    return ProviderError(f"Search with {provider} failed ({detail}): {error}")
