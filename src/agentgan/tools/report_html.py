"""The report as one self-contained HTML page, with plots embedded as base64 PNG images.

The page needs no network and no other file: styles are inline and every plot is a
`data:image/png;base64,...` image drawn with matplotlib's object API (no pyplot, so no
global figure state and no display is needed). It shows the report's figures as tables,
each learned column of the reference (seed rows or real sample) against the synthetic
rows, and the two association matrices side by side.
"""

from __future__ import annotations

import base64
import html
import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from agentgan.io import atomic_path
from agentgan.schema.columns import Column, columns

logger = logging.getLogger(__name__)

MAX_PLOTTED_COLUMNS = 60
"""Maximum number of columns drawn, one plot each; the page notes when a table has more."""

MAX_BARS = 15
"""Maximum number of categories drawn per bar plot; rarer ones are summed as "(other)"."""

QUANTILE_BINS = 5
"""Bins a number is cut into (at the reference's quantiles) for the association matrix."""

REFERENCE_COLOR = "#4c72b0"
SYNTHETIC_COLOR = "#dd8452"


def write_report_html(
    report: dict[str, Any],
    reference: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: dict[str, Any],
    path: str | Path,
) -> Path:
    """Render the report page and write it atomically to `path`."""
    page = render_report_html(report, reference, synthetic, schema)
    target = Path(path)
    with atomic_path(target) as temporary:
        temporary.write_text(page, "utf-8")
    logger.info("HTML report written to %s", target)
    return target


def render_report_html(
    report: dict[str, Any],
    reference: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: dict[str, Any],
) -> str:
    """Return the report page as one HTML string."""
    learned = [
        c
        for c in columns(schema)
        if c.generator is None and c.name in reference and c.name in synthetic
    ]
    reference_name = "real sample" if report.get("reference") == "sample data" else "seed rows"
    sections = [
        _summary_section(report, reference_name),
        _quality_section(report.get("quality", {})),
        _relationships_section(report.get("relationships", [])),
        _pairs_section(report.get("paired_categories", []), reference_name),
        _constraints_section(report.get("constraints", {})),
        _privacy_section(report.get("privacy", {}), report.get("diversity", {})),
        _tstr_section(report.get("tstr")),
        _sample_section(report.get("sample")),
        _columns_section(learned, reference, synthetic, reference_name),
        _association_section(learned, reference, synthetic, reference_name),
    ]
    title = html.escape(str(schema.get("title", "dataset")))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>agentgan report: {title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>agentgan report: {title}</h1>\n"
        + "\n".join(s for s in sections if s)
        + "\n</body>\n</html>\n"
    )


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px}"
    "th{background:#f2f2f2}.ok{color:#1a7f37}.bad{color:#c62828}"
    ".plots{display:flex;flex-wrap:wrap;gap:8px}.plots img{border:1px solid #eee}img{max-width:100%;height:auto}"
    "h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:1.5em}"
)


def _table(rows: list[tuple[Any, ...]], header: tuple[str, ...] | None = None) -> str:
    parts = ["<table>"]
    if header:
        parts.append(
            "<tr>" + "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header) + "</tr>"
        )
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def _cell(value: Any) -> str:
    if value is None:
        return "&ndash;"
    if isinstance(value, bool):
        return '<span class="ok">yes</span>' if value else '<span class="bad">no</span>'
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _summary_section(report: dict[str, Any], reference_name: str) -> str:
    training = report.get("training", {})
    rows = [
        ("Synthetic rows", report.get("rows")),
        (f"Reference ({reference_name}) rows", report.get("reference_rows")),
        ("Quality score (sdmetrics)", report.get("quality", {}).get("score")),
        ("Training device", training.get("device")),
        ("Training epochs", training.get("epochs")),
    ]
    return "<h2>Summary</h2>" + _table([row for row in rows if row[1] is not None])


def _quality_section(quality: dict[str, Any]) -> str:
    if not quality or quality.get("score") is None:
        return "<h2>Quality</h2><p>No learned column to score.</p>"
    rows = [
        ("Overall score", quality.get("score")),
        ("Column shapes", quality.get("column_shapes")),
        ("Column pair trends", quality.get("column_pair_trends")),
    ]
    per_column = sorted(
        (quality.get("per_column") or {}).items(),
        key=lambda item: item[1] if item[1] is not None else 0,
    )
    return (
        "<h2>Quality (sdmetrics QualityReport)</h2>"
        + _table(rows)
        + "<p>Column shape score per column (1 is identical), worst first:</p>"
        + _table(per_column, ("column", "shape score"))
    )


def _relationships_section(relationships: list[dict[str, Any]]) -> str:
    if not relationships:
        return "<h2>Declared relationships</h2><p>The schema declares no relationship between columns.</p>"
    rows = [
        (
            f"{item['child']} by {item['parent']}",
            item.get("measure"),
            _levels(item.get("declared")),
            _levels(item.get("reference")),
            _levels(item.get("synthetic")),
            item.get("kept"),
        )
        for item in relationships
    ]
    return "<h2>Declared relationships</h2>" + _table(
        rows, ("relationship", "measure", "declared", "reference", "synthetic", "kept")
    )


def _pairs_section(pairs: list[dict[str, Any]], reference_name: str) -> str:
    if not pairs:
        return ""
    rows = [
        (item["rule"], item.get("reference_share"), item.get("synthetic_share")) for item in pairs
    ]
    return (
        f"<h2>Category pairs</h2><p>Values that always occur together in the {html.escape(reference_name)}, "
        "and the share of rows that keep each pairing.</p>"
        + _table(rows, ("pairing", reference_name, "synthetic"))
    )


def _levels(values: list[Any] | None) -> str:
    if not values:
        return "-"
    return ", ".join("-" if value is None else f"{value:.3g}" for value in values)


def _constraints_section(constraints: dict[str, Any]) -> str:
    rows = [
        ("Candidate rows checked", constraints.get("candidates_checked")),
        ("Candidate rows passing", constraints.get("candidates_passing")),
        ("Acceptance rate", constraints.get("acceptance_rate")),
        ("Delivered rows passing every rule", constraints.get("delivered_rows_passing")),
    ]
    for rule, count in (constraints.get("delivered_failures_per_rule") or {}).items():
        rows.append((f"Delivered rows failing {rule}", count))
    checked = constraints.get("candidates_checked") or 0
    failures = sorted(
        (constraints.get("failures_per_rule") or {}).items(), key=lambda item: -item[1]
    )
    rule_rows = [
        (rule, count, round(1 - count / checked, 4) if checked else None)
        for rule, count in failures
    ]
    body = "<h2>Constraint adherence</h2>" + _table(rows)
    if rule_rows:
        body += "<p>Candidate rows failing each rule (failing rows were dropped):</p>"
        body += _table(rule_rows, ("rule", "failing candidates", "adherence"))
    else:
        body += "<p>Every candidate row passed every rule.</p>"
    return body


def _privacy_section(privacy: dict[str, Any], diversity: dict[str, Any]) -> str:
    rows = [
        ("Median distance to the closest reference row (DCR)", privacy.get("dcr_median")),
        ("Median distance between reference rows", privacy.get("reference_median")),
        ("Ratio (above 1: farther than real rows are from each other)", privacy.get("ratio")),
        ("Exact copies of a reference row", privacy.get("exact_copies")),
        ("Near copies (DCR under 1% of the reference median)", privacy.get("near_copies")),
        ("Privacy guard", privacy.get("guard")),
        ("Candidate rows rejected as copies", privacy.get("copies_rejected")),
        ("Duplicate rate in the output", diversity.get("duplicate_rate")),
        ("Share of distinct rows", diversity.get("distinct_share")),
    ]
    return "<h2>Privacy and diversity</h2>" + _table([row for row in rows if row[1] is not None])


def _tstr_section(tstr: dict[str, Any] | None) -> str:
    if not tstr:
        return ""
    names = {
        "auc": "ROC AUC, trained on synthetic, tested on real",
        "accuracy": "Accuracy, trained on synthetic, tested on real",
        "real_cv_auc": "ROC AUC, trained and tested on real (cross-validation, up to 5 folds)",
        "r2": "R², trained on synthetic, tested on real",
        "real_cv_r2": "R², trained and tested on real (cross-validation, up to 5 folds)",
        "train_rows": "Training rows (synthetic)",
        "test_rows": "Test rows (real, also the training seed)",
        "note": "Note",
    }
    rows = [(label, tstr[key]) for key, label in names.items() if key in tstr]
    return f"<h2>Train synthetic, test real: {html.escape(str(tstr.get('target')))}</h2>" + _table(
        rows
    )


def _sample_section(sample: dict[str, Any] | None) -> str:
    if not sample:
        return ""
    rows = [
        (key, sample.get(key))
        for key in ("file", "format", "encoding", "separator", "rows", "columns")
        if key in sample
    ]
    coercions = [
        (name, ", ".join(f"{kind}: {count}" for kind, count in counts.items()))
        for name, counts in (sample.get("coercions") or {}).items()
    ]
    body = "<h2>Sample as read</h2>" + _table(rows)
    if coercions:
        body += "<p>Values changed while reading, per column:</p>" + _table(
            coercions, ("column", "coercions")
        )
    return body


def _columns_section(
    learned: list[Column], reference: pd.DataFrame, synthetic: pd.DataFrame, reference_name: str
) -> str:
    shown = learned[:MAX_PLOTTED_COLUMNS]
    images = [
        _image(
            _column_figure(column, reference[column.name], synthetic[column.name], reference_name),
            column.name,
        )
        for column in shown
    ]
    note = ""
    if len(learned) > len(shown):
        note = f"<p>The first {len(shown)} of {len(learned)} learned columns are drawn.</p>"
    return (
        f'<h2>Columns: {html.escape(reference_name)} against synthetic</h2>{note}<div class="plots">'
        + "".join(images)
        + "</div>"
    )


def _image(figure: Figure, label: str) -> str:
    buffer = io.BytesIO()
    # Fixed margins instead of bbox_inches="tight", which draws every figure twice.
    figure.savefig(buffer, format="png", dpi=72)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(label)}" src="data:image/png;base64,{encoded}">'


def _column_figure(
    column: Column, reference: pd.Series, synthetic: pd.Series, reference_name: str
) -> Figure:
    figure = Figure(figsize=(4.2, 3.0))
    figure.subplots_adjust(left=0.16, right=0.97, bottom=0.26, top=0.9)
    axes = figure.add_subplot()
    if _is_continuous(column, reference):
        ref_values, syn_values = _as_numbers(column, reference), _as_numbers(column, synthetic)
        both = pd.concat([ref_values, syn_values]).dropna()
        if both.empty:
            axes.text(0.5, 0.5, "no values", ha="center")
        else:
            bins = [float(edge) for edge in np.histogram_bin_edges(both, bins=20)]
            axes.hist(
                ref_values.dropna(),
                bins=bins,
                density=True,
                alpha=0.55,
                color=REFERENCE_COLOR,
                label=reference_name,
                histtype="stepfilled",
            )
            axes.hist(
                syn_values.dropna(),
                bins=bins,
                density=True,
                alpha=0.55,
                color=SYNTHETIC_COLOR,
                label="synthetic",
                histtype="stepfilled",
            )
        if column.is_date:
            axes.set_xlabel("days since 1970-01-01")
    else:
        ref_share = _shares(reference)
        syn_share = _shares(synthetic)
        labels = list(ref_share.index[:MAX_BARS])
        ref_heights = [float(ref_share.get(label, 0.0)) for label in labels]
        syn_heights = [float(syn_share.get(label, 0.0)) for label in labels]
        rest_ref, rest_syn = 1 - sum(ref_heights), 1 - sum(syn_heights)
        if rest_ref > 1e-9 or rest_syn > 1e-9:
            labels.append("(other)")
            ref_heights.append(max(rest_ref, 0.0))
            syn_heights.append(max(rest_syn, 0.0))
        positions = np.arange(len(labels))
        axes.bar(
            positions - 0.2, ref_heights, width=0.4, color=REFERENCE_COLOR, label=reference_name
        )
        axes.bar(positions + 0.2, syn_heights, width=0.4, color=SYNTHETIC_COLOR, label="synthetic")
        axes.set_xticks(positions)
        axes.set_xticklabels(
            [_short(label) for label in labels], rotation=45, ha="right", fontsize=7
        )
        axes.set_ylabel("share of rows")
    axes.set_title(column.name, fontsize=10)
    axes.legend(fontsize=7, loc="upper right")  # a fixed place: loc="best" is slow to compute
    return figure


def _is_continuous(column: Column, values: pd.Series) -> bool:
    if column.is_date:
        return True
    return column.is_numeric and column.enum is None and values.nunique() > 12


def _as_numbers(column: Column, values: pd.Series) -> pd.Series:
    if column.is_date:
        stamps = pd.to_datetime(values, errors="coerce")
        return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
    return pd.to_numeric(values, errors="coerce").astype(float)


def _shares(values: pd.Series) -> pd.Series:
    text = values.astype(object).map(lambda value: "(missing)" if pd.isna(value) else str(value))
    return text.value_counts(normalize=True)


def _short(label: Any, width: int = 18) -> str:
    text = str(label)
    return text if len(text) <= width else text[: width - 1] + "…"


def _association_section(
    learned: list[Column], reference: pd.DataFrame, synthetic: pd.DataFrame, reference_name: str
) -> str:
    if len(learned) < 2:
        return ""
    shown = learned[:MAX_PLOTTED_COLUMNS]
    ref_codes, syn_codes = _discretize(shown, reference, synthetic)
    ref_matrix = association_matrix(ref_codes)
    syn_matrix = association_matrix(syn_codes)

    size = min(14.0, 4.0 + 0.35 * len(shown))
    figure = Figure(figsize=(2 * size + 1, size + 1.5))
    figure.subplots_adjust(left=0.1, right=0.92, bottom=0.2, top=0.95, wspace=0.35)
    names = [_short(column.name, 16) for column in shown]
    for position, (matrix, title) in enumerate(
        ((ref_matrix, reference_name), (syn_matrix, "synthetic")), start=1
    ):
        axes = figure.add_subplot(1, 2, position)
        image = axes.imshow(matrix, vmin=0.0, vmax=1.0, cmap="viridis")
        axes.set_title(title)
        axes.set_xticks(range(len(names)))
        axes.set_yticks(range(len(names)))
        axes.set_xticklabels(names, rotation=90, fontsize=7)
        axes.set_yticklabels(names, fontsize=7)
    figure.colorbar(image, ax=figure.axes, shrink=0.6)
    difference = float(np.nanmean(np.abs(ref_matrix - syn_matrix)))
    return (
        "<h2>Association matrices</h2><p>Cramér's V between every pair of learned columns "
        f"(numbers cut into {QUANTILE_BINS} bins at the reference's quantiles), {html.escape(reference_name)} "
        f"on the left, synthetic on the right. Mean absolute difference: {difference:.3f}.</p>"
        + _image(figure, "association matrices")
    )


def _discretize(
    shown: list[Column], reference: pd.DataFrame, synthetic: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Code every column as small integers, with the same bins and categories in both tables."""
    ref_out, syn_out = {}, {}
    for column in shown:
        ref_values, syn_values = reference[column.name], synthetic[column.name]
        if _is_continuous(column, ref_values):
            ref_numbers, syn_numbers = (
                _as_numbers(column, ref_values),
                _as_numbers(column, syn_values),
            )
            edges = (
                np.unique(np.nanquantile(ref_numbers, np.linspace(0, 1, QUANTILE_BINS + 1)))
                if ref_numbers.notna().any()
                else np.array([0.0])
            )
            inner = edges[1:-1]
            ref_out[column.name] = np.where(
                ref_numbers.isna(), -1, np.searchsorted(inner, ref_numbers, side="right")
            )
            syn_out[column.name] = np.where(
                syn_numbers.isna(), -1, np.searchsorted(inner, syn_numbers, side="right")
            )
        else:
            ref_text = ref_values.astype(object).map(
                lambda value: "(missing)" if pd.isna(value) else str(value)
            )
            syn_text = syn_values.astype(object).map(
                lambda value: "(missing)" if pd.isna(value) else str(value)
            )
            categories = pd.Index(pd.concat([ref_text, syn_text]).unique())
            ref_out[column.name] = categories.get_indexer(ref_text)
            syn_out[column.name] = categories.get_indexer(syn_text)
    return pd.DataFrame(ref_out), pd.DataFrame(syn_out)


def association_matrix(codes: pd.DataFrame) -> np.ndarray:
    """Return Cramér's V (bias-uncorrected) between every pair of integer-coded columns."""
    names = list(codes.columns)
    matrix = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            value = _cramers_v(codes[names[i]].to_numpy(), codes[names[j]].to_numpy())
            matrix[i, j] = matrix[j, i] = value
    return matrix


def _cramers_v(first: np.ndarray, second: np.ndarray) -> float:
    _, a = np.unique(first, return_inverse=True)
    _, b = np.unique(second, return_inverse=True)
    rows, cols = a.max() + 1, b.max() + 1
    if rows < 2 or cols < 2:
        return 0.0
    table = np.zeros((rows, cols))
    np.add.at(table, (a, b), 1.0)
    total = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / total
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1.0)).sum())
    return float(np.sqrt(chi2 / (total * (min(rows, cols) - 1))))
