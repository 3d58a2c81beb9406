"""Quality, privacy and diversity measures of a synthetic table against reference rows.

The reference is the seed table (or the user's real sample). Column shapes and pair trends
come from sdmetrics' `QualityReport`; the declared relationships are checked case by case;
privacy is the distance from each synthetic row to its closest reference row (DCR), set
against the same distance between reference rows.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from agentgan.schema.columns import Column, columns
from agentgan.schema.sampler import case_mask

logger = logging.getLogger(__name__)

PRIVACY_RULE = "privacy: copies a sample row"
"""Failure name the validator gives candidate rows equal to a row of the user's real sample."""

DCR_SAMPLE_ROWS = 2000
"""Rows of each table used for distance measures; larger tables are subsampled."""


def sdmetrics_metadata(schema: dict[str, Any], frame: pd.DataFrame) -> dict[str, Any]:
    """Describe the columns in sdmetrics' single-table metadata format."""
    described: dict[str, Any] = {}
    for column in columns(schema):
        if column.name not in frame or column.generator is not None:
            continue
        if column.is_date:
            described[column.name] = {"sdtype": "datetime", "datetime_format": "%Y-%m-%d" if column.format == "date" else "%Y-%m-%dT%H:%M:%S"}
        elif column.type == "boolean":
            described[column.name] = {"sdtype": "boolean"}
        elif column.is_numeric and column.enum is None:
            described[column.name] = {"sdtype": "numerical"}
        else:
            described[column.name] = {"sdtype": "categorical"}
    return {"columns": described}


def quality_scores(real: pd.DataFrame, synthetic: pd.DataFrame, schema: dict[str, Any]) -> dict[str, Any]:
    """Return sdmetrics' overall quality score with its column-shape and pair-trend parts."""
    from sdmetrics.reports.single_table import QualityReport

    metadata = sdmetrics_metadata(schema, real)
    names = list(metadata["columns"])
    if not names:
        return {"score": None, "column_shapes": None, "column_pair_trends": None}

    report = QualityReport()
    report.generate(real[names], synthetic[names], metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    shapes = report.get_details("Column Shapes")
    return {
        "score": _round(report.get_score()),
        "column_shapes": _round(properties.get("Column Shapes")),
        "column_pair_trends": _round(properties.get("Column Pair Trends")),
        "per_column": {row["Column"]: _round(row["Score"]) for _, row in shapes.iterrows()},
    }


def relationship_checks(
    reference: pd.DataFrame, synthetic: pd.DataFrame, schema: dict[str, Any]
) -> list[dict[str, Any]]:
    """Check each declared dependency in the reference rows and in the output.

    For a categorical child, the share of the child's first listed value is computed per
    parent case; the relationship is kept when the output orders the cases as the schema
    declares them. For a numeric child, the mean per case is compared the same way.
    """
    by_name = {column.name: column for column in columns(schema)}
    checks = []
    for dependency in schema.get("x-dependencies", []):
        child, parent = dependency["child"], dependency["parent"]
        if child not in synthetic or parent not in synthetic:
            continue
        column = by_name[child]
        declared, measure = _declared_levels(column, dependency)
        if declared is None:
            continue
        seen = [_case_level(synthetic, parent, child, case["when"], measure) for case in dependency["cases"]]
        reference_levels = [_case_level(reference, parent, child, case["when"], measure) for case in dependency["cases"]]
        checks.append({
            "child": child,
            "parent": parent,
            "measure": measure,
            "cases": [case["when"] for case in dependency["cases"]],
            "declared": [_round(value) for value in declared],
            "reference": [_round(value) for value in reference_levels],
            "synthetic": [_round(value) for value in seen],
            "kept": _same_order(declared, seen),
            "description": dependency.get("description", ""),
        })
    return checks


def _declared_levels(column: Column, dependency: dict[str, Any]) -> tuple[list[float] | None, str]:
    cases = dependency["cases"]
    if all("weights" in case for case in cases):
        first = next(iter(cases[0]["weights"]))
        levels = []
        for case in cases:
            weights = case["weights"]
            levels.append(float(weights.get(first, 0.0)) / max(sum(weights.values()), 1e-12))
        return levels, f"share of {first!r}"
    if all("p" in case for case in cases):
        return [float(case["p"]) for case in cases], "share of True"
    if column.is_numeric and all("scale" in case or "shift" in case for case in cases):
        return [float(case.get("scale", 1.0)) * 100 + float(case.get("shift", 0.0)) for case in cases], "mean"
    return None, ""


def _case_level(frame: pd.DataFrame, parent: str, child: str, when: dict[str, Any], measure: str) -> float | None:
    rows = frame[case_mask(frame[parent], when)]
    if rows.empty:
        return None
    if measure == "mean":
        return float(pd.to_numeric(rows[child], errors="coerce").mean())
    if measure == "share of True":
        return float(rows[child].astype(bool).mean())
    value = measure.split("'")[1]
    return float((rows[child].astype(str) == value).mean())


def _same_order(declared: list[float], seen: list[float | None]) -> bool:
    pairs = [(d, s) for d, s in zip(declared, seen, strict=True) if s is not None]
    for (d1, s1), (d2, s2) in zip(pairs, pairs[1:], strict=False):
        if d1 > d2 and not s1 > s2:
            return False
        if d1 < d2 and not s1 < s2:
            return False
    return len(pairs) >= 2


def encode_for_distance(frames: list[pd.DataFrame], schema: dict[str, Any]) -> list[np.ndarray]:
    """Encode tables as numeric matrices for distances (range-scaled numbers, one-hot categories)."""
    modelled = [c for c in columns(schema) if c.generator is None and c.derived is None and c.name in frames[0]]
    encoded = [[] for _ in frames]  # type: list[list[np.ndarray]]
    for column in modelled:
        pieces = [frame[column.name] for frame in frames]
        if column.is_numeric and column.enum is None:
            numeric = [pd.to_numeric(piece, errors="coerce").astype(float) for piece in pieces]
            low = min(float(n.min()) for n in numeric)
            high = max(float(n.max()) for n in numeric)
            span = high - low if high > low else 1.0
            for target, values in zip(encoded, numeric, strict=True):
                target.append(((values.fillna(low) - low) / span).to_numpy()[:, None])
        else:
            if column.is_date:
                pieces = [pd.to_datetime(piece, errors="coerce").astype("int64") / 8.64e13 for piece in pieces]
                low = min(float(p.min()) for p in pieces)
                high = max(float(p.max()) for p in pieces)
                span = high - low if high > low else 1.0
                for target, values in zip(encoded, pieces, strict=True):
                    target.append(((values - low) / span).to_numpy()[:, None])
                continue
            categories = pd.Index(pd.concat(pieces).astype(str).unique())
            for target, values in zip(encoded, pieces, strict=True):
                codes = categories.get_indexer(values.astype(str))
                onehot = np.zeros((len(values), len(categories)))
                onehot[np.arange(len(values)), codes] = 1.0 / np.sqrt(2)
                target.append(onehot)
    return [np.hstack(parts) if parts else np.zeros((len(frame), 0)) for parts, frame in zip(encoded, frames, strict=True)]


def _nearest(a: np.ndarray, b: np.ndarray, exclude_self: bool = False) -> np.ndarray:
    distances = np.empty(len(a))
    for start in range(0, len(a), 512):
        block = a[start : start + 512]
        d = np.sqrt(np.maximum(((block[:, None, :] - b[None, :, :]) ** 2).sum(axis=2), 0.0))
        if exclude_self:
            for offset in range(len(block)):
                d[offset, start + offset] = np.inf
        distances[start : start + len(block)] = d.min(axis=1)
    return distances


def privacy_scores(reference: pd.DataFrame, synthetic: pd.DataFrame, schema: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """Distance to the closest reference row, against the distance between reference rows.

    Returns the median DCR of synthetic rows, the median nearest-neighbour distance inside
    the reference, their ratio, and the counts of exact copies and near copies (distance
    below 1% of the reference's median).
    """
    rng = np.random.default_rng(seed)
    ref = reference.sample(min(len(reference), DCR_SAMPLE_ROWS), random_state=int(rng.integers(1 << 31)))
    syn = synthetic.sample(min(len(synthetic), DCR_SAMPLE_ROWS), random_state=int(rng.integers(1 << 31)))
    ref_matrix, syn_matrix = encode_for_distance([ref, syn], schema)
    if ref_matrix.shape[1] == 0 or len(ref) < 2:
        return {"dcr_median": None, "reference_median": None, "ratio": None, "exact_copies": 0, "near_copies": 0}

    synthetic_dcr = _nearest(syn_matrix, ref_matrix)
    reference_nn = _nearest(ref_matrix, ref_matrix, exclude_self=True)
    reference_median = float(np.median(reference_nn))
    synthetic_median = float(np.median(synthetic_dcr))
    threshold = 0.01 * reference_median if reference_median > 0 else 1e-9
    return {
        "dcr_median": _round(synthetic_median),
        "reference_median": _round(reference_median),
        "ratio": _round(synthetic_median / reference_median) if reference_median > 0 else None,
        "exact_copies": int(copies_of(reference, synthetic, schema).sum()),
        "near_copies": int((synthetic_dcr <= threshold).sum()),
        "rows_compared": len(syn),
    }


def copies_of(reference: pd.DataFrame, synthetic: pd.DataFrame, schema: dict[str, Any]) -> pd.Series:
    """Mark synthetic rows equal to some reference row on every learned column.

    ID, Faker and derived columns are left out because they are made fresh for each row.
    Values are compared after normalizing: missing values match each other, numbers match
    to six decimals whatever their dtype, and other values match by their text.
    """
    names = [
        c.name for c in columns(schema)
        if c.generator is None and c.derived is None and c.name in synthetic and c.name in reference
    ]
    if not names or synthetic.empty or reference.empty:
        return pd.Series(False, index=synthetic.index)
    keys = set(_row_keys(reference, names))
    marks = [key in keys for key in _row_keys(synthetic, names)]
    return pd.Series(marks, index=synthetic.index)


def _row_keys(frame: pd.DataFrame, names: list[str]) -> list[tuple[Any, ...]]:
    # A list, not Series.map: map would turn the None of a missing number back into NaN,
    # and NaN never equals NaN inside a tuple key.
    normalized = [[_normalized_cell(value) for value in frame[name].astype(object)] for name in names]
    return list(zip(*normalized, strict=True))


def _normalized_cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        number = float(value)
        return None if np.isnan(number) else round(number, 6)
    return str(value)


def diversity_scores(synthetic: pd.DataFrame, schema: dict[str, Any]) -> dict[str, Any]:
    """Duplicate rate over non-generated columns and the share of distinct rows."""
    names = [c.name for c in columns(schema) if c.generator is None and c.name in synthetic]
    if not names or synthetic.empty:
        return {"duplicate_rate": 0.0, "distinct_share": 1.0}
    duplicated = synthetic[names].astype(str).duplicated()
    return {"duplicate_rate": _round(float(duplicated.mean())), "distinct_share": _round(1 - float(duplicated.mean()))}


def _round(value: Any, digits: int = 4) -> Any:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return None if np.isnan(number) else round(number, digits)


def tstr_scores(
    synthetic: pd.DataFrame,
    real: pd.DataFrame,
    target: str,
    schema: dict[str, Any],
    seed: int = 0,
) -> dict[str, Any]:
    """Train on synthetic rows, test on real rows (TSTR), for one target column.

    A logistic regression (categorical target) or ridge regression (numeric target) is
    fitted on the synthetic rows, with one-hot categories and scaled numbers, and scored
    on the real rows: ROC AUC (one-vs-rest, macro-averaged above two classes) and
    accuracy, or R². The same model trained on the real rows and scored by cross-validation
    (up to 5 folds) gives the baseline to compare with.

    Raises:
        ValueError: `target` is not a learned column of both tables.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    by_name = {c.name: c for c in columns(schema)}
    if target not in by_name or target not in synthetic or target not in real:
        raise ValueError(f"Target column {target!r} is not in both tables.")
    features = [
        c for c in columns(schema)
        if c.name != target and c.generator is None and c.name in synthetic and c.name in real
    ]
    numeric = [c.name for c in features if (c.is_numeric and c.enum is None)]
    categorical = [c.name for c in features if c.name not in numeric]
    encoder = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categories", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"),
                                     OneHotEncoder(handle_unknown="ignore")), categorical),
    ])

    def features_of(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[numeric + categorical].copy()
        for name in numeric:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype(float)
        for name in categorical:
            out[name] = out[name].astype(object).where(out[name].notna(), None).map(
                lambda value: None if value is None else str(value))
        return out

    column = by_name[target]
    train = synthetic[synthetic[target].notna()]
    test = real[real[target].notna()]
    if column.is_numeric and column.enum is None and pd.Series(test[target]).nunique() > 10:
        model = make_pipeline(encoder, Ridge(alpha=1.0))
        y_train = pd.to_numeric(train[target], errors="coerce").astype(float)
        y_test = pd.to_numeric(test[target], errors="coerce").astype(float)
        model.fit(features_of(train), y_train)
        baseline = cross_val_predict(model, features_of(test), y_test, cv=min(5, len(test)))
        return {
            "target": target,
            "task": "regression",
            "r2": _round(r2_score(y_test, model.predict(features_of(test)))),
            "real_cv_r2": _round(r2_score(y_test, baseline)),
            "train_rows": len(train),
            "test_rows": len(test),
        }

    y_train = train[target].astype(str)
    y_test = test[target].astype(str)
    if y_train.nunique() < 2:
        return {"target": target, "task": "classification", "auc": None, "accuracy": None,
                "note": "the synthetic rows hold a single class of the target"}
    model = make_pipeline(encoder, LogisticRegression(max_iter=2000, random_state=seed))
    model.fit(features_of(train), y_train)
    result = {
        "target": target,
        "task": "classification",
        "auc": _auc(model, model.predict_proba(features_of(test)), y_test, roc_auc_score),
        "accuracy": _round(accuracy_score(y_test, model.predict(features_of(test)))),
        "train_rows": len(train),
        "test_rows": len(test),
    }
    folds = int(min(5, y_test.value_counts().min()))
    if folds >= 2:
        probabilities = cross_val_predict(model, features_of(test), y_test, cv=folds, method="predict_proba")
        labels = sorted(y_test.unique())
        result["real_cv_auc"] = _auc_from(labels, probabilities, y_test, roc_auc_score)
    return result


def _auc(model: Any, probabilities: np.ndarray, truth: pd.Series, roc_auc_score: Any) -> float | None:
    return _auc_from(list(model.classes_), probabilities, truth, roc_auc_score)


def _auc_from(labels: list[str], probabilities: np.ndarray, truth: pd.Series, roc_auc_score: Any) -> float | None:
    present = sorted(set(truth))
    if len(present) < 2:
        return None
    if len(labels) == 2:
        return _round(roc_auc_score((truth == labels[1]).astype(int), probabilities[:, 1]))
    scores = []
    for position, label in enumerate(labels):
        if label in present:
            scores.append(roc_auc_score((truth == label).astype(int), probabilities[:, position]))
    return _round(float(np.mean(scores)))


def paired_category_checks(
    reference: pd.DataFrame, synthetic: pd.DataFrame, schema: dict[str, Any]
) -> list[dict[str, Any]]:
    """Find the category pairs the reference always keeps and measure them in the output.

    Returns one entry per rule from `infer_rules`, with the share of reference rows and of
    synthetic rows for which it holds.
    """
    from agentgan.schema.rules import compile_rule, holds
    from agentgan.tools.profiling import infer_rules

    kinds = {c.name: "text" for c in columns(schema)
             if c.type == "string" and c.enum is not None and c.generator is None and c.name in synthetic}
    checks = []
    for text in infer_rules(reference, kinds):
        rule = compile_rule(text)
        checks.append({
            "rule": text,
            "reference_share": _round(float(holds(rule, reference).mean())),
            "synthetic_share": _round(float(holds(rule, synthetic).mean())) if len(synthetic) else None,
        })
    return checks
