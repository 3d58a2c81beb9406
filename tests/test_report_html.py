"""The report page: self-contained HTML whose embedded plots decode as images."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from agentgan.tools.report_html import association_matrix, render_report_html, write_report_html

SCHEMA = {
    "title": "plans <b>",
    "type": "object",
    "properties": {
        "id": {"type": "integer", "x-generator": {"kind": "id"}, "x-role": "id"},
        "plan": {"type": "string", "enum": ["basic", "pro"]},
        "fee": {"type": "number", "minimum": 0, "maximum": 200},
        "joined": {"type": "string", "format": "date"},
        "seats": {"type": "integer", "minimum": 1, "maximum": 5},
    },
}

REPORT = {
    "rows": 200,
    "reference": "sample data",
    "reference_rows": 120,
    "quality": {
        "score": 0.9,
        "column_shapes": 0.92,
        "column_pair_trends": 0.88,
        "per_column": {"plan": 0.95, "fee": 0.85},
    },
    "relationships": [
        {
            "child": "fee",
            "parent": "plan",
            "measure": "mean",
            "declared": [1.0, 2.0],
            "reference": [40.0, 90.0],
            "synthetic": [42.0, 88.0],
            "kept": True,
        }
    ],
    "paired_categories": [
        {"rule": "(plan == 'pro') == (seats == 5)", "reference_share": 1.0, "synthetic_share": 0.93}
    ],
    "constraints": {
        "candidates_checked": 250,
        "candidates_passing": 200,
        "acceptance_rate": 0.8,
        "delivered_rows_passing": 200,
        "failures_per_rule": {"fee: maximum": 30, "privacy: copies a sample row": 20},
    },
    "diversity": {"duplicate_rate": 0.01, "distinct_share": 0.99},
    "privacy": {
        "dcr_median": 0.3,
        "reference_median": 0.25,
        "ratio": 1.2,
        "exact_copies": 0,
        "near_copies": 1,
        "guard": "on",
        "copies_rejected": 20,
    },
    "tstr": {
        "target": "plan",
        "task": "classification",
        "auc": 0.81,
        "accuracy": 0.7,
        "real_cv_auc": 0.85,
    },
    "sample": {
        "file": "plans.csv",
        "format": "csv",
        "encoding": "cp1252",
        "separator": ";",
        "rows": 120,
        "columns": 5,
        "coercions": {"fee": {"currency": 7, "blank": 2}},
    },
}


def frames(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def table(rows: int) -> pd.DataFrame:
        plan = rng.choice(["basic", "pro"], rows)
        return pd.DataFrame(
            {
                "id": np.arange(rows),
                "plan": plan,
                "fee": np.where(plan == "pro", 90.0, 40.0) + rng.normal(0, 5, rows),
                "joined": pd.to_datetime("2023-01-01")
                + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"),
                "seats": rng.integers(1, 6, rows),
            }
        ).assign(joined=lambda frame: frame["joined"].dt.strftime("%Y-%m-%d"))

    return table(120), table(200)


class PageParser(HTMLParser):
    """Collects image sources, headings and every external reference of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.headings: list[str] = []
        self.external: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag in ("script", "link", "iframe") or (
            tag == "img" and not (values.get("src") or "").startswith("data:")
        ):
            self.external.append(tag)
        self._in_heading = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    return parser


def test_page_images_decode_as_png() -> None:
    reference, synthetic = frames(0)
    parser = parse(render_report_html(REPORT, reference, synthetic, SCHEMA))

    assert len(parser.images) == 5  # four learned columns and the association matrices
    for source in parser.images:
        assert source.startswith("data:image/png;base64,")
        data = base64.b64decode(source.split(",", 1)[1], validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = imread(io.BytesIO(data), format="png")
        assert pixels.shape[0] > 100
        assert pixels.shape[1] > 100


def test_page_self_contained_sections() -> None:
    reference, synthetic = frames(1)
    page = render_report_html(REPORT, reference, synthetic, SCHEMA)
    parser = parse(page)

    assert parser.external == []
    assert parser.headings[:3] == [
        "Summary",
        "Quality (sdmetrics QualityReport)",
        "Declared relationships",
    ]
    for heading in (
        "Category pairs",
        "Constraint adherence",
        "Privacy and diversity",
        "Train synthetic, test real: plan",
        "Sample as read",
        "Columns: real sample against synthetic",
        "Association matrices",
    ):
        assert heading in parser.headings
    assert "plans &lt;b&gt;" in page
    assert "<b>" not in page
    assert "privacy: copies a sample row" in page
    assert "currency: 7, blank: 2" in page
    assert "(plan == &#x27;pro&#x27;) == (seats == 5)" in page


def test_page_without_optional_parts() -> None:
    reference, synthetic = frames(2)
    report = {
        key: value
        for key, value in REPORT.items()
        if key not in ("tstr", "sample", "relationships")
    }
    report["reference"] = "seed rows"
    parser = parse(render_report_html(report, reference, synthetic, SCHEMA))

    assert "Train synthetic, test real: plan" not in parser.headings
    assert "Sample as read" not in parser.headings
    assert "Columns: seed rows against synthetic" in parser.headings


def test_write_report_html_file(tmp_path: Path) -> None:
    reference, synthetic = frames(3)
    path = write_report_html(REPORT, reference, synthetic, SCHEMA, tmp_path / "report.html")

    text = path.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")
    assert list(tmp_path.iterdir()) == [path]


def test_association_matrix_values() -> None:
    rng = np.random.default_rng(5)
    first = rng.integers(0, 3, 2000)
    codes = pd.DataFrame({"a": first, "same": first, "noise": rng.integers(0, 3, 2000)})

    matrix = association_matrix(codes)

    assert matrix[0, 1] == pytest.approx(1.0)
    assert matrix[0, 2] < 0.08
    assert np.allclose(matrix, matrix.T)
    assert np.allclose(np.diag(matrix), 1.0)
