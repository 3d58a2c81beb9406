"""Search providers: Tavily and SearxNG through their real clients on loopback, embedded base."""

from __future__ import annotations

import pytest

from agentgan.errors import UsageError
from agentgan.tools.knowledge_base import EMBEDDED_URL
from agentgan.tools.retry import is_transient
from agentgan.tools.search import MAX_RESULT_CHARS, MAX_RESULTS, EmbeddedSearch, build_search
from fake_servers import Reply, serve

TAVILY_KEY = "tvly-test-search-0123456789"

HITS = [
    {
        "title": f"Source {index}",
        "url": f"https://example.org/{index}",
        "content": f"Fact {index}.",
        "score": 0.5,
    }
    for index in range(5)
]


def test_tavily_results_and_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAVILY_API_KEY", TAVILY_KEY)
    long_hit = dict(HITS[0], content="x" * (MAX_RESULT_CHARS + 50))
    with serve("tavily", [Reply(results=[long_hit, *HITS[1:]])]) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        search = build_search("auto")
        results = search.search("customer age distribution", "age")

    assert search.name == "tavily"
    assert [result.url for result in results] == [hit["url"] for hit in HITS[:MAX_RESULTS]]
    assert len(results[0].content) == MAX_RESULT_CHARS
    assert results[1].title == "Source 1"
    assert web.paths == ["/search"]
    assert web.requests[0]["query"] == "customer age distribution"
    assert web.requests[0]["max_results"] == MAX_RESULTS
    assert web.headers[0]["authorization"] == f"Bearer {TAVILY_KEY}"


def test_tavily_retries_429_after_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAVILY_API_KEY", TAVILY_KEY)
    replies = [Reply(status=429, headers={"Retry-After": "1"}), Reply(results=HITS[:1])]
    with serve("tavily", replies) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        results = build_search("tavily").search("q", "age")

    assert [result.url for result in results] == ["https://example.org/0"]
    assert web.times[1] - web.times[0] >= 0.95


def test_tavily_503_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAVILY_API_KEY", TAVILY_KEY)
    with serve("tavily", [Reply(status=503)]) as web:
        monkeypatch.setenv("AGENTGAN_TAVILY_BASE_URL", web.base)
        with pytest.raises(Exception) as caught:
            build_search("tavily").search("q", "age")

    assert is_transient(caught.value)
    assert len(web.requests) == 2


def test_tavily_needs_key() -> None:
    with pytest.raises(UsageError, match="TAVILY_API_KEY"):
        build_search("tavily")


def test_auto_without_key_is_embedded() -> None:
    assert build_search("auto").name == "embedded"


def test_searx_results_through_community_wrapper(monkeypatch: pytest.MonkeyPatch) -> None:
    hits = [
        {
            "title": "Ages",
            "url": "https://example.org/ages",
            "content": "Mean age 44.",
            "engines": ["test"],
            "category": "general",
        }
    ]
    with serve("searx", [Reply(results=hits)]) as searx:
        monkeypatch.setenv("SEARX_HOST", searx.base)
        results = build_search("searx").search("customer age", "age")

    assert [(r.title, r.url, r.content) for r in results] == [
        ("Ages", "https://example.org/ages", "Mean age 44.")
    ]
    assert searx.requests[0]["q"] == "customer age"
    assert searx.requests[0]["format"] == "json"


def test_searx_needs_host() -> None:
    with pytest.raises(UsageError, match="SEARX_HOST"):
        build_search("searx")


def test_unknown_provider_rejected() -> None:
    with pytest.raises(UsageError, match="'bing' is unknown"):
        build_search("bing")


def test_embedded_returns_knowledge_entry() -> None:
    results = EmbeddedSearch().search("customer tenure", "tenure_months")

    assert len(results) == 1
    assert "tenure_months" in results[0].content
    assert "maximum: 72" in results[0].content
    assert results[0].url.startswith("https://") or results[0].url == EMBEDDED_URL


def test_embedded_unknown_attribute_empty() -> None:
    assert EmbeddedSearch().search("q", "flux_capacitor_rating") == []
