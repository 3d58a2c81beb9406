"""The compiled graph's drawing matches the committed Mermaid snapshot.

After a deliberate change to the graph's nodes or edges, regenerate the snapshot with
`AGENTGAN_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_platform_graph.py` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

from agentgan import build_graph

SNAPSHOT = Path(__file__).with_name("snapshots") / "graph.mmd"


def test_graph_drawing_matches_snapshot() -> None:
    drawing = build_graph().get_graph().draw_mermaid()
    if os.environ.get("AGENTGAN_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(drawing, "utf-8")
    assert drawing == SNAPSHOT.read_text("utf-8")


def test_graph_drawing_shows_review_branch() -> None:
    edges = {
        (edge.source, edge.target, edge.conditional) for edge in build_graph().get_graph().edges
    }
    assert ("knowledge", "review", True) in edges
    assert ("knowledge", "seed", True) in edges
    assert ("review", "seed", False) in edges
