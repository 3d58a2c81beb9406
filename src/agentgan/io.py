"""Reading and writing tables, always through a temporary file and a rename.

An interrupted write (Ctrl-C, kill, a full disk) leaves either the old file or no file,
never a partial one: rows go to a hidden temporary file in the target folder, which is
flushed, synced and renamed over the target only when complete.

The temporary file is named `.<target name>.<random>.part` (a folder for `atomic_dir`). It
is removed when the write fails or is interrupted by an exception, which includes Ctrl-C
(SIGINT) and, in the command-line interface, SIGTERM. Only SIGKILL or a power loss can
leave one behind, and it never has the target's name.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agentgan.errors import OutputError, OutputFormatError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json"}

PART_SUFFIX = ".part"
"""Suffix of the temporary file or folder that becomes an output when complete."""


def table_format(path: str | Path) -> str:
    """Return "csv", "parquet" or "json" from a file name's extension.

    Raises:
        OutputFormatError: the extension is not .csv, .parquet, .pq or .json.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OutputFormatError(
            f"Cannot tell the format of {str(path)!r} from its extension; use .csv, .parquet "
            "or .json."
        )
    return FORMATS[suffix]


def check_writable(path: str | Path, *, force: bool = False) -> Path:
    """Check before any work that `path` can be written.

    Raises:
        OutputError: the folder is missing or not writable, the path is a folder, or the
            file exists and `force` is false.
    """
    target = Path(path).expanduser()
    if target.is_dir():
        raise OutputError(f"Output path {str(target)!r} is a folder; give a file name.")
    _check_folder(target)
    if target.exists() and not force:
        raise OutputError(
            f"Output file {str(target)!r} already exists; pass --force to overwrite it."
        )
    return target


def check_writable_dir(path: str | Path, *, force: bool = False) -> Path:
    """Check before any work that an output folder (a saved model) can be written.

    Raises:
        OutputError: the path is a file, its parent folder is missing or not writable, or
            the folder exists with files in it and `force` is false.
    """
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise OutputError(f"Output folder {str(target)!r} is a file; give a folder name.")
    _check_folder(target)
    if target.is_dir() and any(target.iterdir()) and not force:
        raise OutputError(
            f"Output folder {str(target)!r} already exists and is not empty; pass --force to "
            "replace it, or give a new folder name."
        )
    return target


def check_distinct(paths: dict[str, str | Path | None]) -> None:
    """Check that no two output options name the same file.

    Args:
        paths: Option name to path; None entries are skipped.

    Raises:
        OutputError: two options resolve to the same path.
    """
    seen: dict[Path, str] = {}
    for option, path in paths.items():
        if path is None:
            continue
        resolved = Path(path).expanduser().resolve()
        if resolved in seen:
            raise OutputError(
                f"{seen[resolved]} and {option} both name {str(path)!r}; give each output "
                "its own file."
            )
        seen[resolved] = option


def _check_folder(target: Path) -> None:
    """Check that the folder of `target` exists and a file can be created in it.

    Creating and removing a probe file catches what permission bits miss: read-only file
    systems, and folders that even root cannot write to.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Output folder {str(folder)!r} does not exist; create it first.")
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".agentgan-probe.", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"Output folder {str(folder)!r} is not writable ({exc.strerror}); choose another "
            "folder or fix its permissions."
        ) from exc
    os.close(descriptor)
    os.unlink(probe)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` when the block succeeds.

    Raises:
        OutputError: the temporary file cannot be created, written, synced or renamed
            (a missing folder, no permission, a full disk).
    """
    target = Path(path)
    # The name is chosen before the file is created, so that an exception raised by a
    # signal handler right after the creation still knows which file to remove.
    temporary = _part_name(target)
    try:
        descriptor = _create_part(temporary)
        os.close(descriptor)
        yield temporary
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary, _new_mode(target, 0o666))
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"Cannot write {str(target)!r}: {exc}.") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _part_name(target: Path) -> Path:
    """A hidden name beside `target` with 48 random bits, so that concurrent writers differ."""
    folder = target.parent if str(target.parent) else Path(".")
    return folder / f".{target.name}.{secrets.token_hex(6)}{PART_SUFFIX}"


def _create_part(temporary: Path) -> int:
    """Create the temporary file, readable by the owner only until it is complete."""
    return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; move it to `path` when the block succeeds.

    An existing folder at `path` is replaced only after the new one is complete, so an
    interrupt leaves the old folder or none. For the moment between the two renames the old
    folder sits in a hidden `.<name>.<random>.old` folder beside it.

    Raises:
        OutputError: the folder cannot be created, written or moved into place.
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    temporary = _part_name(target)
    try:
        os.mkdir(temporary, 0o700)
        yield temporary
        os.chmod(temporary, _new_mode(target, 0o777))
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / target.name)
            os.replace(temporary, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, target)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise OutputError(f"Cannot write {str(target)!r}: {exc}.") from exc
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _new_mode(target: Path, default: int) -> int:
    """Return the permission bits of the file `target` replaces, else `default` less the umask.

    `mkstemp` and `mkdtemp` create outputs readable by the owner only, which is not what a
    user expects of a dataset file.
    """
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return default & ~mask


def new_run_dir(output_dir: str | Path) -> Path:
    """Create and return a fresh folder for one run's files under `output_dir`."""
    base = Path(output_dir).expanduser()
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime("run-%Y%m%d-%H%M%S-"), dir=base))


def write_table(frame: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write a DataFrame atomically as CSV, Parquet or JSON (an array of row objects)."""
    target = Path(path)
    fmt = fmt or table_format(target)
    with atomic_path(target) as temporary:
        if fmt == "csv":
            frame.to_csv(temporary, index=False)
        elif fmt == "parquet":
            frame.to_parquet(temporary, index=False)
        else:
            temporary.write_text(json.dumps(records(frame), ensure_ascii=False), "utf-8")
    return target


def write_json(data: Any, path: str | Path) -> Path:
    """Write JSON atomically with two-space indentation."""
    target = Path(path)
    with atomic_path(target) as temporary:
        temporary.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8"
        )
    return target


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by `write_table`."""
    fmt = table_format(path)
    if fmt == "parquet":
        return pd.read_parquet(path)
    if fmt == "csv":
        return pd.read_csv(path)
    return pd.DataFrame(json.loads(Path(path).read_text("utf-8")))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return rows as JSON-safe dicts: NaN and NA become None, numpy scalars plain values."""
    rows = []
    for row in frame.astype(object).itertuples(index=False, name=None):
        rows.append({name: plain(value) for name, value in zip(frame.columns, row, strict=True)})
    return rows


def plain(value: Any) -> Any:
    """Convert one cell to a JSON-safe Python value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        converted = value.item()
        if isinstance(converted, float) and np.isnan(converted):
            return None
        return converted
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
