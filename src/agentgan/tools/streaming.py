"""Train once, sample many: chunked sampling from a saved model into one file.

`sample_to_file` draws rows from a `SeedModel` in chunks, drops rows that copy a seed
row, checks each chunk with `check_rows` (uniqueness included across chunks, through 64-bit
hashes of the values seen so far), and appends the valid rows to a Parquet file (one row
group per chunk through `pyarrow.parquet.ParquetWriter`), a CSV file or a JSON file (one
array of row objects, as `generate` writes, built chunk by chunk). Memory stays
bounded by the chunk size, whatever the row count. The file is written under a temporary
name and renamed only when exactly the requested number of valid rows is in it.

`export_model` copies a run's signed model folder to a folder the user names.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agentgan.errors import OutputError, UsageError, ValidationFailed
from agentgan.io import FORMATS, atomic_path, records, table_format
from agentgan.schema.columns import columns
from agentgan.schema.validation import check_rows, summarize_failures
from agentgan.tools.ctgan_model import ProgressCallback, SeedModel

logger = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
"""Rows sampled per chunk; memory grows with this, not with the requested row count."""

MIN_ACCEPTANCE = 0.02
"""Below this share of valid rows the sampling stops: the model cannot meet the schema."""

STREAM_POOL_FACTOR = 1.2
"""Rows drawn per row kept when streaming: less matching of category shares, less time."""

@dataclass
class StreamSummary:
    """Counts and timing of one `sample_to_file` run."""

    path: str
    rows: int
    sampled: int
    copies_dropped: int
    seconds: float
    chunks: int
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        """Delivered rows per second of wall time."""
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def sample_to_file(
    model: SeedModel,
    rows: int,
    out: str | Path,
    *,
    seed: int = 0,
    chunk_rows: int = CHUNK_ROWS,
    progress: ProgressCallback | None = None,
    allow_copies: bool = False,
) -> StreamSummary:
    """Write exactly `rows` valid rows sampled from `model` to `out` (.csv, .parquet or .json).

    Args:
        model: A trained or loaded model.
        rows: Rows to deliver; at least 1.
        out: Output file; its extension picks the format.
        seed: Random seed; the same seed gives the same file.
        chunk_rows: Rows sampled per chunk.
        progress: Called after each chunk with a dict of counts.
        allow_copies: Keep rows equal to a seed row.

    Raises:
        UsageError: `rows` is below 1 or the format is not CSV, Parquet or JSON.
        ValidationFailed: fewer than `MIN_ACCEPTANCE` of the sampled rows are valid.
    """
    fmt = check_stream_request(rows, out)

    schema = model.schema
    unique = [c.name for c in columns(schema) if c.unique] + [
        name
        for name in model.transform.identifier_columns
        if not schema["properties"][name].get("x-unique")
    ]
    seen: dict[str, np.ndarray] = {name: np.empty(0, dtype=np.uint64) for name in unique}
    started = time.perf_counter()
    written = sampled = copies = chunks = 0
    failures: dict[str, int] = {}
    rate = 0.9

    with atomic_path(out) as temporary, _TableWriter(temporary, fmt) as writer:
        while written < rows:
            missing = rows - written
            count = min(
                chunk_rows, max(64, math.ceil(missing / max(rate, MIN_ACCEPTANCE) * 1.05) + 16)
            )
            frame = model.sample(
                count, seed=seed + 7919 * chunks, start=sampled, pool_factor=STREAM_POOL_FACTOR
            )
            sampled += count
            chunks += 1

            keep = pd.Series(True, index=frame.index)
            if not allow_copies:
                keep = model.novel_rows(frame, seed=seed + chunks)
                copies += int((~keep).sum())
            result = check_rows(frame, schema)
            for name, failed in result.failures.items():
                failures[name] = failures.get(name, 0) + failed
            keep &= result.valid
            keep &= _new_values(frame, seen, keep, failures)

            accepted = frame[keep.to_numpy()].head(missing)
            writer.write(accepted)
            written += len(accepted)
            rate = 0.5 * rate + 0.5 * (keep.sum() / count)
            if progress is not None:
                progress({"event": "chunk", "written": written, "rows": rows, "sampled": sampled})
            if chunks >= 3 and written < rows and sampled * MIN_ACCEPTANCE > written:
                raise ValidationFailed(
                    f"Only {written} of {sampled} sampled rows pass the schema; most common "
                    f"failures: {summarize_failures(failures, sampled)}. Retrain the model or "
                    "loosen the schema."
                )

    seconds = time.perf_counter() - started
    logger.info(
        "Wrote %d rows to %s in %.1f s (%d sampled, %d chunks)",
        written,
        out,
        seconds,
        sampled,
        chunks,
    )
    return StreamSummary(str(out), written, sampled, copies, round(seconds, 3), chunks, failures)


def check_stream_request(rows: int, out: str | Path) -> str:
    """Return the output format after checking the row count and the file extension.

    Raises:
        UsageError: `rows` is below 1, or the file is not .csv, .parquet or .json.
    """
    if rows < 1:
        raise UsageError(f"--rows must be at least 1, not {rows}.")
    if Path(out).suffix.lower() not in FORMATS:
        raise UsageError(
            f"agentgan sample writes .csv, .parquet or .json files, not {str(out)!r}."
        )
    return table_format(out)


def _new_values(
    frame: pd.DataFrame, seen: dict[str, np.ndarray], keep: pd.Series, failures: dict[str, int]
) -> pd.Series:
    """Mark rows whose unique-column values were not delivered before; remember the kept ones."""
    fresh = pd.Series(True, index=frame.index)
    for name, previous in seen.items():
        hashes = pd.util.hash_array(frame[name].astype(str).to_numpy(dtype=object))
        repeated = np.isin(hashes, previous)
        if repeated.any():
            failures[f"{name}: unique"] = failures.get(f"{name}: unique", 0) + int(repeated.sum())
        fresh &= ~repeated
    for name in seen:
        hashes = pd.util.hash_array(frame[name].astype(str).to_numpy(dtype=object))
        seen[name] = np.union1d(seen[name], hashes[(keep & fresh).to_numpy()])
    return fresh


class _TableWriter:
    """Appends DataFrames to one CSV, Parquet or JSON file."""

    def __init__(self, path: Path, fmt: str):
        self.path = path
        self.fmt = fmt
        self._parquet: Any = None
        self._arrow_schema: Any = None
        self._header = True
        self._json: Any = None

    def __enter__(self) -> _TableWriter:
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        if self.fmt == "csv":
            frame.to_csv(
                self.path, mode="w" if self._header else "a", header=self._header, index=False
            )
            self._header = False
            return

        if self.fmt == "json":
            self._write_json(frame)
            return

        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self._arrow_schema = table.schema.remove_metadata()
            self._parquet = pq.ParquetWriter(self.path, self._arrow_schema)
        table = pa.Table.from_pandas(frame, schema=self._arrow_schema, preserve_index=False)
        self._parquet.write_table(table)

    def _write_json(self, frame: pd.DataFrame) -> None:
        """Append rows to one JSON array: "[" before the first row, commas between rows."""
        if self._json is None:
            self._json = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
            self._json.write("[")
            separator = ""
        else:
            separator = ", "
        for row in records(frame):
            self._json.write(separator + json.dumps(row, ensure_ascii=False))
            separator = ", "

    def __exit__(self, *exc: Any) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._json is not None:
            self._json.write("]")
            self._json.close()


def export_model(model_dir: str | Path, target: str | Path, *, force: bool = False) -> Path:
    """Copy a signed model folder to `target` (a folder); returns the target.

    Raises:
        OutputError: `target` exists and `force` is false, or it is a file or a folder
            that contains something other than an agentgan model.
    """
    source, destination = Path(model_dir), Path(target).expanduser()
    check_model_target(destination, force=force)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for item in source.iterdir():
            if item.is_file():
                shutil.copy2(item, staging / item.name)
        if destination.exists():
            shutil.rmtree(destination)
        staging.replace(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return destination


def check_model_target(target: Path, *, force: bool = False) -> None:
    """Check before any work that a model folder can be written at `target`.

    Raises:
        OutputError: as `export_model` describes.
    """
    if target.is_file():
        raise OutputError(f"--model-out {str(target)!r} is a file; give a folder name.")
    if not target.exists():
        if not target.parent.is_dir() and str(target.parent) not in ("", "."):
            raise OutputError(f"Folder {str(target.parent)!r} does not exist; create it first.")
        return
    contents = list(target.iterdir())
    if not contents:
        return
    if not (target / "manifest.json").is_file():
        raise OutputError(
            f"--model-out {str(target)!r} contains files that are not an agentgan model; "
            "choose an empty or new folder."
        )
    if not force:
        raise OutputError(
            f"Model folder {str(target)!r} already exists; pass --force to replace it."
        )
