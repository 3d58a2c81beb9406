"""Streaming and async runs: node updates, progress events, and training off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

from agentgan import build_graph, load_dataset

REQUEST = "customer churn data with age, gender and location"


def test_stream_reports_nodes_and_progress(fast_context: dict[str, Any]) -> None:
    started: list[str] = []
    finished: list[str] = []
    events: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    for mode, chunk in build_graph().stream(
        {"prompt": REQUEST, "rows": 50},
        context=fast_context,
        stream_mode=["tasks", "updates", "custom", "values"],
    ):
        if mode == "tasks" and "input" in chunk:
            started.append(chunk["name"])
        elif mode == "updates":
            finished.extend(chunk)
        elif mode == "custom":
            events.append(chunk)
        else:
            result = chunk

    assert started == ["knowledge", "seed", "validator", "synthesizer", "validator", "report"]
    assert finished == started
    kinds = [event["event"] for event in events]
    assert kinds[0] == "seeds_checked"
    assert kinds[1] == "training_started"
    assert kinds[-3:] == ["training_finished", "sampled", "candidates_checked"]

    seeds = events[0]
    assert seeds["checked"] == 60
    assert seeds["passed"] == result["validation"]["seed"]["passed"]

    epochs = [event for event in events if event["event"] == "epoch"]
    assert [event["epoch"] for event in epochs] == list(range(1, 21))
    assert all(event["epochs"] == 20 for event in epochs)
    losses = result["training"]["losses"]
    assert epochs[-1]["generator_loss"] == round(losses[-1]["generator"], 4)

    checked = events[-1]
    assert checked["ready"] == 50
    assert checked["wanted"] == 50
    assert checked["passed"] == result["validation"]["synthetic"]["passed"]


def test_astream_keeps_event_loop_free(fast_context: dict[str, Any]) -> None:
    graph = build_graph()

    async def run() -> tuple[dict[str, int], dict[str, Any]]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        ticker = asyncio.create_task(tick())
        marks: dict[str, int] = {}
        result: dict[str, Any] = {}
        async for mode, chunk in graph.astream(
            {"prompt": REQUEST, "rows": 50}, context=fast_context, stream_mode=["custom", "values"]
        ):
            if mode == "custom" and chunk["event"] in ("training_started", "training_finished"):
                marks[chunk["event"]] = ticks
            elif mode == "values":
                result = chunk
        ticker.cancel()
        return marks, result

    marks, result = asyncio.run(run())

    # The ticker only advances while the event loop is free, so ticks between the start
    # and the end of training show that CTGAN trains in a worker thread.
    assert marks["training_finished"] - marks["training_started"] >= 20
    assert result["dataset"]["rows"] == 50


def test_ainvoke_delivers_dataset(fast_context: dict[str, Any]) -> None:
    result = asyncio.run(
        build_graph().ainvoke({"prompt": REQUEST, "rows": 30}, context=fast_context)
    )
    frame = load_dataset(result)
    assert result["dataset"]["rows"] == 30
    assert len(frame) == 30
    assert frame["customer_id"].is_unique
