"""Time a checkpointed run: uninterrupted, and stopped after training then resumed.

Prints one table row per phase: wall seconds, whether CTGAN trained in that phase, and the
rows delivered. The resumed phase opens a new SQLite connection and a new graph, as a new
process would. The first row also pays for importing torch and CTGAN.

    python benchmarks/resume.py [--rows 500] [--epochs N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from agentgan import build_graph
from agentgan.checkpoint import sqlite_checkpointer

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)


def timed_stream(
    graph: Any, payload: Any, config: dict[str, Any], context: dict[str, Any], **options: Any
) -> tuple[float, bool, dict[str, Any]]:
    started = time.perf_counter()
    trained = False
    result: dict[str, Any] = {}
    for mode, chunk in graph.stream(
        payload, config, context=context, stream_mode=["custom", "values"], **options
    ):
        if mode == "custom" and chunk["event"] == "training_started":
            trained = True
        elif mode == "values":
            result = chunk
    return time.perf_counter() - started, trained, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=None)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "runs.sqlite"
        context = {"output_dir": folder, "epochs": arguments.epochs, "random_seed": 7}
        request = {"prompt": REQUEST, "rows": arguments.rows}
        rows = []
        with sqlite_checkpointer(path) as saver:
            graph = build_graph(saver)
            rows.append(
                (
                    "uninterrupted",
                    *timed_stream(graph, request, {"configurable": {"thread_id": "full"}}, context),
                )
            )
            rows.append(
                (
                    "until training done",
                    *timed_stream(
                        graph,
                        request,
                        {"configurable": {"thread_id": "split"}},
                        context,
                        interrupt_after=["synthesizer"],
                    ),
                )
            )
        with sqlite_checkpointer(path) as saver:
            graph = build_graph(saver)
            rows.append(
                (
                    "resumed",
                    *timed_stream(graph, None, {"configurable": {"thread_id": "split"}}, context),
                )
            )

    print("| phase | seconds | trained CTGAN | rows delivered |")
    print("|---|---|---|---|")
    for phase, seconds, trained, result in rows:
        delivered = result.get("dataset", {}).get("rows", "-")
        print(f"| {phase} | {seconds:.1f} | {'yes' if trained else 'no'} | {delivered} |")


if __name__ == "__main__":
    main()
