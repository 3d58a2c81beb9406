"""Outputs are never overwritten without --force, checked before work, and never partial."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from agentgan.cli import app
from agentgan.errors import OutputError
from agentgan.io import atomic_path, check_writable, check_writable_dir, write_table
from failure_checks import assert_failure_leaves_files, invoke, snapshot

CHURN = "customer churn data with age and gender"

# One integer ID column: nothing to train, so a run spends its time sampling and writing.
ID_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer", "x-generator": {"kind": "id"}}},
}
OLD_CONTENT = "id\nold\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.json").write_text(json.dumps(ID_SCHEMA), "utf-8")
    return tmp_path


EXISTING_CASES = [
    ("generate --out", ["generate", CHURN, "--out", "existing.csv"], "Output file 'existing.csv'"),
    (
        "generate --schema-out",
        ["generate", CHURN, "--out", "new.csv", "--schema-out", "existing.csv"],
        "Output file 'existing.csv' already exists",
    ),
    (
        "generate --report",
        ["generate", CHURN, "--out", "new.csv", "--report", "existing.csv"],
        "Output file 'existing.csv' already exists",
    ),
    ("schema --out", ["schema", CHURN, "--out", "existing.csv"], "Output file 'existing.csv'"),
]


@pytest.mark.parametrize(
    "args,pattern", [case[1:] for case in EXISTING_CASES], ids=[case[0] for case in EXISTING_CASES]
)
def test_existing_output_needs_force(workdir: Path, args: list[str], pattern: str) -> None:
    (workdir / "existing.csv").write_text(OLD_CONTENT)
    line = assert_failure_leaves_files(workdir, args, 1, pattern)
    assert line.endswith("already exists; pass --force to overwrite it.")
    assert not (workdir / "new.csv").exists()


MISSING_FOLDER_CASES = [
    ("generate --out", ["generate", CHURN, "--out", "nowhere/out.csv"]),
    (
        "generate --schema-out",
        ["generate", CHURN, "--out", "o.csv", "--schema-out", "nowhere/s.json"],
    ),
    ("generate --report", ["generate", CHURN, "--out", "o.csv", "--report", "nowhere/r.html"]),
    ("schema --out", ["schema", CHURN, "--out", "nowhere/schema.json"]),
]


@pytest.mark.parametrize(
    "args",
    [case[1] for case in MISSING_FOLDER_CASES],
    ids=[case[0] for case in MISSING_FOLDER_CASES],
)
def test_missing_folder_reported_first(workdir: Path, args: list[str]) -> None:
    assert_failure_leaves_files(
        workdir, args, 1, "Output folder 'nowhere' does not exist; create it first"
    )


def test_output_path_is_folder(workdir: Path) -> None:
    (workdir / "tables.csv").mkdir()
    args = ["generate", CHURN, "--out", "tables.csv"]
    assert_failure_leaves_files(workdir, args, 1, "Output path 'tables.csv' is a folder")


def test_same_path_for_two_outputs(workdir: Path) -> None:
    args = ["generate", CHURN, "--out", "same.json", "--schema-out", "same.json"]
    assert_failure_leaves_files(
        workdir, args, 1, "--out and --schema-out both name 'same.json'; give each output its own"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a folder without write permission")
def test_unwritable_folder_by_permission(workdir: Path) -> None:
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        args = ["generate", CHURN, "--out", "locked/out.csv"]
        assert_failure_leaves_files(workdir, args, 1, "Output folder 'locked' is not writable")
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs the Linux /proc file system")
def test_unwritable_folder_even_for_root(workdir: Path) -> None:
    # No user, root included, can create a file directly under /proc.
    args = ["generate", CHURN, "--out", "/proc/out.csv"]
    assert_failure_leaves_files(workdir, args, 1, "Output folder '/proc' is not writable")


def test_check_writable_dir_rules(tmp_path: Path) -> None:
    model = tmp_path / "model"
    assert check_writable_dir(model) == model
    model.mkdir()
    assert check_writable_dir(model) == model
    (model / "ctgan.pt").write_bytes(b"x")
    with pytest.raises(OutputError, match="already exists and is not empty; pass --force"):
        check_writable_dir(model)
    assert check_writable_dir(model, force=True) == model
    with pytest.raises(OutputError, match="is a file; give a folder name"):
        check_writable_dir(model / "ctgan.pt")
    with pytest.raises(OutputError, match="does not exist"):
        check_writable(tmp_path / "no" / "model")


def test_atomic_path_keeps_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    target.write_text(OLD_CONTENT)
    with pytest.raises(ValueError, match="stop half way"), atomic_path(target) as temporary:
        temporary.write_text("id\n1\n2\n")
        raise ValueError("stop half way")
    assert target.read_text() == OLD_CONTENT
    assert sorted(path.name for path in tmp_path.iterdir()) == ["table.csv"]


def test_written_file_gets_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        written = write_table(pd.DataFrame({"id": [1, 2]}), tmp_path / "t.csv")
    finally:
        os.umask(mask)
    assert written.stat().st_mode & 0o777 == 0o644
    replaced = tmp_path / "t.csv"
    replaced.chmod(0o600)
    write_table(pd.DataFrame({"id": [3]}), replaced)
    assert replaced.stat().st_mode & 0o777 == 0o600
    assert replaced.read_text() == "id\n3\n"


def test_force_replaces_output(workdir: Path) -> None:
    (workdir / "ids.csv").write_text(OLD_CONTENT)
    result = invoke(
        [
            "generate",
            "--schema",
            "schema.json",
            "--rows",
            "50",
            "--out",
            "ids.csv",
            "--force",
            "--seed-rows",
            "20",
            "--epochs",
            "1",
        ]
    )
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(workdir / "ids.csv")
    assert frame["id"].tolist() == list(range(1, 51))


LARGE_WRITE = ["--rows", "200000", "--seed-rows", "20", "--epochs", "1"]
"""Options of a run whose CSV write lasts long enough to be interrupted."""


def prepare_run(folder: Path) -> list[str]:
    """Create folder/out, folder/tmp and the schema; return the generate arguments."""
    for name in ("out", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "schema.json").write_text(json.dumps(ID_SCHEMA), "utf-8")
    return [
        "generate",
        "--schema",
        str(folder / "schema.json"),
        "--out",
        str(folder / "out" / "ids.csv"),
        *LARGE_WRITE,
    ]


def wait_for_part(out: Path, alive: Callable[[], bool]) -> None:
    """Return once a temporary output file exists in `out`; fail if the run ends first."""
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline:
        if list(out.glob(".ids.csv.*.part")):
            return
        if not alive():
            pytest.fail("the run ended before it started writing its output")
        time.sleep(0.002)
    pytest.fail("no temporary output file appeared within 200 s")


def test_kill_during_write_keeps_old_file(tmp_path: Path) -> None:
    args = prepare_run(tmp_path)
    out = tmp_path / "out"
    (out / "ids.csv").write_text(OLD_CONTENT)
    environment = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    process = subprocess.Popen(
        [sys.executable, "-m", "agentgan.cli", *args, "--force"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_part(out, lambda: process.poll() is None)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == -signal.SIGKILL
    assert (out / "ids.csv").read_text() == OLD_CONTENT
    others = [path.name for path in out.iterdir() if path.name != "ids.csv"]
    # SIGKILL cannot be caught, so the documented temporary file may remain beside it.
    assert all(name.startswith(".ids.csv.") and name.endswith(".part") for name in others)


@pytest.fixture
def imported_pipeline() -> None:
    """Import what a run imports, so that a forked child does not spend its time on it."""
    import ctgan  # noqa: F401
    import sdmetrics.reports.single_table  # noqa: F401
    import torch  # noqa: F401

    import agentgan.agents.report  # noqa: F401
    import agentgan.graph.builder  # noqa: F401
    import agentgan.tools.ctgan_tool  # noqa: F401


def run_command_in_child(args: list[str], folder: Path) -> None:
    """Body of a forked child: run the command with stderr to a file, exit with its status."""
    os.chdir(folder)
    tempfile.tempdir = str(folder / "tmp")
    for descriptor, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        handle = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(handle, descriptor)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives until exit
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives until exit
    app(args, prog_name="agentgan")


@pytest.mark.parametrize(
    "signum,status,cause",
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "stopped by SIGTERM")],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_during_write_leaves_nothing(
    tmp_path: Path, imported_pipeline: None, signum: int, status: int, cause: str
) -> None:
    """Check SIGINT and SIGTERM in a forked copy of this process running the command.

    The fork starts without importing torch again. Its signal and exit status are those of
    a real process.
    """
    args = prepare_run(tmp_path)
    child = multiprocessing.get_context("fork").Process(
        target=run_command_in_child, args=(args, tmp_path)
    )
    child.start()
    try:
        wait_for_part(tmp_path / "out", child.is_alive)
        assert child.pid is not None
        os.kill(child.pid, signum)
        child.join(timeout=60)
    finally:
        if child.is_alive():
            child.kill()

    stderr = (tmp_path / "stderr.txt").read_text()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert child.exitcode == status, stderr
    assert lines == [
        f"error: {cause}; no partial output file was left, and outputs not yet written are "
        "unchanged."
    ]
    assert (tmp_path / "stdout.txt").read_text() == ""
    assert list((tmp_path / "out").iterdir()) == []
    assert snapshot(tmp_path / "tmp") == {}


def test_sample_existing_output_needs_force(workdir: Path) -> None:
    (workdir / "existing.csv").write_text(OLD_CONTENT)
    (workdir / "model").mkdir()
    args = ["sample", "--model", "model", "--rows", "10", "--out", "existing.csv"]
    assert_failure_leaves_files(
        workdir, args, 1, "Output file 'existing.csv' already exists; pass --force"
    )


def test_sample_missing_folder(workdir: Path) -> None:
    (workdir / "model").mkdir()
    args = ["sample", "--model", "model", "--rows", "10", "--out", "nowhere/rows.csv"]
    assert_failure_leaves_files(workdir, args, 1, "Output folder 'nowhere' does not exist")


def test_sample_rejects_folder_not_written_by_agentgan(workdir: Path) -> None:
    (workdir / "model").mkdir()
    (workdir / "model" / "ctgan.pt").write_bytes(b"not a model")
    args = ["sample", "--model", "model", "--rows", "10", "--out", "rows.csv"]
    assert_failure_leaves_files(workdir, args, 1, "is not an agentgan model folder")


def test_model_out_existing_needs_force(workdir: Path) -> None:
    model = workdir / "model"
    model.mkdir()
    (model / "manifest.json").write_text("{}")
    args = ["generate", CHURN, "--out", "new.csv", "--model-out", "model"]
    assert_failure_leaves_files(
        workdir, args, 1, "Model folder 'model' already exists; pass --force"
    )


def test_model_out_missing_folder(workdir: Path) -> None:
    args = ["generate", CHURN, "--out", "new.csv", "--model-out", "nowhere/model"]
    assert_failure_leaves_files(workdir, args, 1, "'nowhere' does not exist; create it first")
