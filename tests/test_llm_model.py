"""Model setting resolution, chat model building and the transient-error rule."""

from __future__ import annotations

import logging

import httpx
import pytest
import requests

from agentgan.errors import UsageError
from agentgan.tools.llm import AUTO_MODEL, build_chat_model, resolve_model
from agentgan.tools.provider_fallback import describe_failure, redact
from agentgan.tools.retry import is_transient


def test_offline_resolves_to_none() -> None:
    assert resolve_model("offline") is None
    assert resolve_model("") is None


def test_named_model_kept() -> None:
    assert resolve_model("ollama:llama3.1") == "ollama:llama3.1"


def test_auto_without_key_is_offline(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert resolve_model("auto") is None

    assert "offline, because no OPENAI_API_KEY or base URL is set" in caplog.text


def test_auto_with_key_picks_model(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-auto-0123456789")
    with caplog.at_level(logging.INFO):
        assert resolve_model("auto") == AUTO_MODEL

    assert "because OPENAI_API_KEY is set" in caplog.text
    assert "sk-test-auto" not in caplog.text


def test_auto_with_base_url_picks_model() -> None:
    assert resolve_model("auto", "http://127.0.0.1:9/v1") == AUTO_MODEL


def test_base_url_without_key_builds() -> None:
    model = build_chat_model("openai:gpt-4o-mini", base_url="http://127.0.0.1:9/v1", timeout=3)

    assert str(model.openai_api_base) == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    assert model.max_retries == 1  # type: ignore[attr-defined]


def test_missing_key_is_usage_error() -> None:
    with pytest.raises(UsageError, match="needs an API key: set OPENAI_API_KEY"):
        build_chat_model("openai:gpt-4o-mini")


def test_unknown_provider_is_usage_error() -> None:
    with pytest.raises(UsageError, match="'nosuch:model' is not a valid init_chat_model string"):
        build_chat_model("nosuch:model")


def test_transient_errors_recognised() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:9")
    assert is_transient(httpx.ConnectError("refused", request=request))
    assert is_transient(requests.ConnectionError("refused"))
    assert is_transient(requests.Timeout("slow"))
    response = requests.Response()
    response.status_code = 503
    assert is_transient(requests.HTTPError(response=response))
    response.status_code = 401
    assert not is_transient(requests.HTTPError(response=response))
    assert not is_transient(ValueError("bad"))


def test_redact_hides_key_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-test-redact-0123456789")

    assert redact("key tvly-test-redact-0123456789 rejected") == "key *** rejected"
    assert "tvly-test" not in describe_failure(ValueError("bad key tvly-test-redact-0123456789"))
