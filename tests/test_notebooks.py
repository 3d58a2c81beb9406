"""The notebooks under notebooks/ run from top to bottom with small settings.

Each notebook has one cell tagged "parameters". The test appends small values to it (few
epochs and rows, a temporary output folder) and executes the notebook with nbclient in a
temporary folder. Plots render with matplotlib's inline backend.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CELL_TIMEOUT = 150

pytestmark = pytest.mark.slow


def _execute(name: str, overrides: dict[str, Any], folder: Path) -> Any:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name} needs exactly one cell tagged 'parameters'"
    lines = [f"{key} = {value!r}" for key, value in overrides.items()]
    tagged[0].source += "\n\n# Test settings\n" + "\n".join(lines)

    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return notebook


def _outputs(notebook: Any, kind: str) -> list[Any]:
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == kind
    ]


@pytest.fixture(autouse=True)
def _kernel_uses_this_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel spec runs `python`, so put this interpreter's folder first on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def test_quickstart_notebook_runs(tmp_path: Path) -> None:
    output_dir = tmp_path / "runs"
    notebook = _execute(
        "quickstart.ipynb",
        {"ROWS": 120, "SEED_ROWS": 60, "EPOCHS": 15, "OUTPUT_DIR": str(output_dir)},
        tmp_path,
    )

    printed = "".join(output.text for output in _outputs(notebook, "stream"))
    assert "120 rows written to" in printed
    assert "Quality score against the seed rows" in printed
    images = [output for output in _outputs(notebook, "display_data") if "image/png" in output.data]
    assert len(images) == 2
    assert len(list(output_dir.glob("run-*/dataset.parquet"))) == 1


def test_bring_your_own_data_notebook_runs(tmp_path: Path) -> None:
    output_dir = tmp_path / "runs"
    notebook = _execute(
        "bring_your_own_data.ipynb",
        {"ROWS": 150, "EPOCHS": 10, "OUTPUT_DIR": str(output_dir)},
        tmp_path,
    )

    printed = "".join(output.text for output in _outputs(notebook, "stream"))
    assert "customer_id;age;plan;tenure_months;monthly_fee;churned" in printed
    assert "150 rows written to" in printed
    assert "'customer_id': 'id'" in printed
    assert "Exact copies of sample rows: 0" in printed
    assert "Train synthetic, test real (churned): AUC" in printed
    assert (output_dir / "report.html").is_file()
    images = [output for output in _outputs(notebook, "display_data") if "image/png" in output.data]
    assert len(images) == 2
