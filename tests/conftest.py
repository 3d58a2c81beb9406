"""Shared fixtures: paths of the hard cases and real tables, and a fast run context."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AGENTGAN_SHARED", ROOT.parent / "shared"))
CASES = SHARED / "cases"
DATA = SHARED / "data"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests offline and away from the user's keys and config folder."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "TAVILY_API_KEY",
        "AGENTGAN_MODEL",
        "AGENTGAN_SEARCH",
        "AGENTGAN_TAVILY_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def cases_dir() -> Path:
    """Folder of the hard cases; skips the test where the shared folder is absent."""
    if not CASES.is_dir():
        pytest.skip(f"hard cases not found at {CASES} (set AGENTGAN_SHARED)")
    return CASES


@pytest.fixture
def data_dir() -> Path:
    """Folder of the real public tables; skips the test where it is absent."""
    if not DATA.is_dir():
        pytest.skip(f"real data tables not found at {DATA} (set AGENTGAN_SHARED)")
    return DATA


@pytest.fixture
def fast_context(tmp_path: Path) -> dict[str, object]:
    """Run settings that train CTGAN briefly, for tests that run the whole graph."""
    return {"output_dir": str(tmp_path / "runs"), "epochs": 20, "seed_rows": 60, "random_seed": 3}
