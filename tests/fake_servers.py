"""HTTP servers on 127.0.0.1 that speak the OpenAI, Tavily and SearxNG protocols.

Each server runs in a thread on a free port and answers from a script: a function from
the request body to a `Reply`, or a list of replies given in order (the last one repeats).
The servers record every request, so tests can check what the clients sent. They exist
so that tests drive the real `langchain-openai`, `tavily-python` and langchain-community
clients over real HTTP.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Reply:
    """One scripted answer.

    Attributes:
        content: Message text (chat) for a text answer.
        tool_args: Tool-call arguments: a dict, or a string sent as it is (for cut-off JSON).
        finish_reason: The chat finish reason, e.g. "length" for a truncated answer.
        status: HTTP status; anything but 200 sends `error` as the body.
        headers: Extra response headers, e.g. {"Retry-After": "1"}.
        delay: Seconds to wait before answering, to make the client time out.
        results: Search results (Tavily and SearxNG servers).
        error: Error body for a non-200 status.
    """

    content: str | None = None
    tool_args: dict[str, Any] | str | None = None
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    results: list[dict[str, Any]] | None = None
    error: dict[str, Any] | None = None


Script = Callable[[dict[str, Any]], Reply] | list[Reply]


def scripted(replies: list[Reply]) -> Callable[[dict[str, Any]], Reply]:
    """Return a script that gives the replies in order and then repeats the last one."""
    remaining = list(replies)
    lock = threading.Lock()

    def answer(_: dict[str, Any]) -> Reply:
        with lock:
            return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return answer


def free_port() -> int:
    """Return a loopback port that nothing listens on at the moment of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@dataclass
class FakeServer:
    """A running loopback server and what it received.

    Attributes:
        port: The port it listens on.
        requests: Request bodies (JSON), or query parameters for GET requests.
        headers: Request headers, names in lower case.
        paths: Request paths.
        times: `time.monotonic()` at each request's arrival.
    """

    port: int
    requests: list[dict[str, Any]]
    headers: list[dict[str, str]]
    paths: list[str]
    times: list[float] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        """Base URL for an OpenAI client (with the /v1 prefix)."""
        return f"{self.base}/v1"


def _chat_body(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    finish = reply.finish_reason
    if reply.tool_args is not None:
        tools = request.get("tools") or [{}]
        name = tools[0].get("function", {}).get("name", "answer")
        arguments = (
            reply.tool_args if isinstance(reply.tool_args, str) else json.dumps(reply.tool_args)
        )
        message["tool_calls"] = [
            {
                "id": f"call_{len(arguments)}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        ]
        finish = finish if finish != "stop" else "tool_calls"
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "test-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _handler(kind: str, script: Callable[[dict[str, Any]], Reply], server: FakeServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            request = {key: values[0] for key, values in parse_qs(parsed.query).items()}
            self._answer(parsed.path, request)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            self._answer(urlparse(self.path).path, json.loads(raw or b"{}"))

        def _answer(self, path: str, request: dict[str, Any]) -> None:
            server.times.append(time.monotonic())
            server.requests.append(request)
            server.headers.append({name.lower(): value for name, value in self.headers.items()})
            server.paths.append(path)
            reply = script(request)
            if reply.delay:
                time.sleep(reply.delay)

            if reply.status != 200:
                body: dict[str, Any] = reply.error or {
                    "error": {"message": f"scripted status {reply.status}", "type": "server_error"}
                }
            elif kind == "openai":
                body = _chat_body(request, reply)
            elif kind == "tavily":
                body = {
                    "query": request.get("query", ""),
                    "answer": None,
                    "images": [],
                    "results": reply.results or [],
                    "response_time": 0.01,
                }
            else:
                body = {
                    "query": request.get("q", ""),
                    "number_of_results": len(reply.results or []),
                    "results": reply.results or [],
                    "answers": [],
                    "infoboxes": [],
                    "suggestions": [],
                    "corrections": [],
                    "unresponsive_engines": [],
                }

            encoded = json.dumps(body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(encoded)
            except (BrokenPipeError, ConnectionResetError):
                pass  # The client gave up waiting (a timeout test).

    return Handler


@contextmanager
def serve(kind: str, script: Script) -> Iterator[FakeServer]:
    """Run a fake `openai`, `tavily` or `searx` server on a free loopback port."""
    answer = scripted(script) if isinstance(script, list) else script
    server = FakeServer(port=0, requests=[], headers=[], paths=[])
    httpd = _Server(("127.0.0.1", 0), _handler(kind, answer, server))
    server.port = int(httpd.server_address[1])
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def tool_name(request: dict[str, Any]) -> str:
    """Return the name of the first tool a chat request offers, or ''."""
    tools = request.get("tools") or [{}]
    return str(tools[0].get("function", {}).get("name", ""))


def last_user_text(request: dict[str, Any]) -> str:
    """Return the text of the last user or tool message in a chat request."""
    for message in reversed(request.get("messages", [])):
        if message.get("role") in ("user", "tool"):
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""
