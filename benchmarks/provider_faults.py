"""Time from a provider fault to the fallback or the error, per kind of fault.

Runs the knowledge node under the graph's retry policy against loopback servers from
`tests/fake_servers.py` (HTTP 429 with Retry-After, 500, 503, a hanging server, a refused
connection, prose answers) and prints, for each fault, the requests sent and the seconds
until the node fell back (`on_provider_error=fallback`) or raised (`fail`).

Usage: python benchmarks/provider_faults.py [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from langgraph.graph import END, START, StateGraph  # noqa: E402

from agentgan.agents.knowledge import build_schema  # noqa: E402
from agentgan.errors import AgentganError  # noqa: E402
from agentgan.graph.builder import PROVIDER_RETRY  # noqa: E402
from agentgan.graph.context import Context  # noqa: E402
from agentgan.graph.state import State  # noqa: E402
from fake_servers import Reply, free_port, serve  # noqa: E402

REQUEST = "customer churn data with age, contract and monthly charges"

FAULTS: dict[str, Reply | None] = {
    "429, Retry-After 1": Reply(status=429, headers={"Retry-After": "1"}),
    "500": Reply(status=500),
    "503": Reply(status=503),
    "no response (hangs)": Reply(delay=30.0),
    "refused connection": None,
    "prose, no JSON": Reply(content="Sure! Here are some customers: a young one, an old one."),
}


def knowledge_graph() -> Any:
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("knowledge", build_schema, retry_policy=PROVIDER_RETRY)
    builder.add_edge(START, "knowledge")
    builder.add_edge("knowledge", END)
    return builder.compile()


def run_once(url: str, policy: str, timeout: float) -> tuple[float, str]:
    context = {
        "model": "openai:gpt-4o-mini",
        "base_url": url,
        "search": "embedded",
        "on_provider_error": policy,
        "timeout": timeout,
        "output_dir": tempfile.mkdtemp(),
    }
    started = time.monotonic()
    try:
        result = knowledge_graph().invoke({"prompt": REQUEST}, context=context)
        outcome = "fallback" if result.get("warnings") else "schema from the model"
    except AgentganError as exc:
        outcome = f"error: {type(exc).__name__}"
    return time.monotonic() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=2.0, help="Request timeout, seconds.")
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark-placeholder")

    run_once(f"http://127.0.0.1:{free_port()}/v1", "fallback", args.timeout)  # warm imports
    print(f"| fault | policy | requests | seconds | outcome |  (timeout {args.timeout} s)")
    print("|---|---|---|---|---|")
    for name, reply in FAULTS.items():
        for policy in ("fallback", "fail"):
            if reply is None:
                seconds, outcome = run_once(
                    f"http://127.0.0.1:{free_port()}/v1", policy, args.timeout
                )
                sent = "-"
            else:
                with serve("openai", [reply]) as server:
                    seconds, outcome = run_once(server.openai_url, policy, args.timeout)
                    sent = str(len(server.requests))
            print(f"| {name} | {policy} | {sent} | {seconds:.1f} | {outcome} |")


if __name__ == "__main__":
    main()
