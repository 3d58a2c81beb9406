"""Resumable runs: a SQLite checkpoint file, a thread id and a persistent work folder.

With a checkpointer, LangGraph saves the state after every node under the run's thread id.
A run stopped after training (Ctrl-C, a crash, a killed job) resumes from its last saved
node. The synthesizer then finds the trained model in the run folder and samples from it
without training again, so that folder must outlive the process: checkpointed runs use
a work folder beside the checkpoint file unless the caller names one.

NOTE: the run context is not stored in the checkpoint. A resumed run uses the settings it
is resumed with, so a different `--seed` on resume changes the rows sampled after it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver

from agentgan.errors import UsageError


@dataclass
class ThreadStatus:
    """State of a thread in a checkpoint file: new, paused (with nodes to run) or finished."""

    kind: Literal["new", "paused", "finished"]
    next_nodes: tuple[str, ...] = ()
    interrupts: tuple[Any, ...] = ()
    values: dict[str, Any] | None = None


def default_work_dir(checkpoint: str | Path) -> Path:
    """Return the work folder of a checkpoint file: `runs.sqlite` uses `runs-work/`."""
    path = Path(checkpoint)
    return path.with_name(f"{path.stem}-work")


@contextmanager
def sqlite_checkpointer(path: str | Path) -> Iterator[SqliteSaver]:
    """Open (or create) a SQLite checkpoint file and close it when the block ends.

    Raises:
        UsageError: the folder does not exist, or the file is not a SQLite database.
    """
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise UsageError(
            f"Checkpoint folder {str(target.parent)!r} does not exist; create it first."
        )
    try:
        connection = sqlite3.connect(str(target), check_same_thread=False)
        saver = SqliteSaver(connection)
        saver.setup()
    except sqlite3.DatabaseError as exc:
        raise UsageError(
            f"Checkpoint file {str(target)!r} is not a SQLite database ({exc}); give a new "
            "file name or the file of an earlier run."
        ) from exc
    try:
        yield saver
    finally:
        connection.close()


def thread_status(graph: Any, thread_id: str) -> ThreadStatus:
    """Tell whether a thread is new, paused (with the nodes still to run) or finished.

    A run stopped while a node was running can leave that node's result saved as pending
    writes: the thread then has tasks but no next node, and it is paused, not finished.
    """
    snapshot = graph.get_state({"configurable": {"thread_id": thread_id}})
    if not snapshot.values and not snapshot.next and not snapshot.tasks:
        return ThreadStatus("new")
    if snapshot.next or snapshot.tasks:
        return ThreadStatus(
            "paused", tuple(snapshot.next), tuple(snapshot.interrupts), snapshot.values
        )
    return ThreadStatus("finished", values=snapshot.values)


def check_resume_options(checkpoint: Path | None, thread_id: str | None) -> None:
    """Check that `--checkpoint` and `--thread-id` come together.

    Raises:
        UsageError: one is given without the other, or the thread id is blank.
    """
    if checkpoint is not None and not (thread_id or "").strip():
        raise UsageError(
            f"--checkpoint {checkpoint} needs --thread-id ID, the name of the run to start "
            "or resume in that file."
        )
    if thread_id is not None and checkpoint is None:
        raise UsageError(
            f"--thread-id {thread_id} needs --checkpoint FILE.sqlite, the file the run is saved in."
        )


@contextmanager
def run_resources(
    checkpoint: Path | None, work_dir: Path | None, *, review: bool = False
) -> Iterator[tuple[str, Any]]:
    """Yield the work folder and the checkpointer of one command-line run.

    A checkpointed run keeps its files in `work_dir`, or beside the checkpoint file, so
    that a resumed run finds its trained model. A run without a checkpoint uses `work_dir`
    or a temporary folder removed at the end, and an in-memory checkpointer when it pauses
    for review.
    """
    if checkpoint is not None:
        folder = Path(work_dir) if work_dir is not None else default_work_dir(checkpoint)
        folder.mkdir(parents=True, exist_ok=True)
        with sqlite_checkpointer(checkpoint) as saver:
            yield str(folder), saver
        return

    memory = InMemorySaver() if review else None
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        yield str(work_dir), memory
        return
    with tempfile.TemporaryDirectory(prefix="agentgan-") as temporary:
        yield temporary, memory
