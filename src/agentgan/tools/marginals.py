"""Sampled rows corrected towards the seed's marginals; the GAN keeps the dependence.

CTGAN trains its generator on category conditions drawn by log frequency, so a briefly
trained model on a small seed often over-produces rare categories (a 2% plan at 10%) or
loses them. Instead of trusting its conditional sampling, the synthesizer draws a larger
pool, weights the pool's rows by raking (iterative proportional fitting) until every
discrete column's weighted shares match the seed's, and keeps a weighted sample of the
pool without replacement.

Numeric columns enter CTGAN as normal scores of their seed ranks (see `table_transform`).
A briefly trained generator shifts or squeezes those scores, which would pile values up
at one end of the range; `calibrate` replaces each numeric column of a sampled block by
the normal scores of its own ranks, so the block's marginals follow the seed's quantiles
while the order of values across columns, which carries the pair trends the GAN learned,
is kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from agentgan.schema.sampler import case_mask

RAKING_ROUNDS = 8
WEIGHT_LIMIT = 50.0
"""Largest ratio between two rows' weights, so that one row never dominates."""


def fit_targets(prepared: pd.DataFrame, discrete: list[str]) -> dict[str, dict[str, float]]:
    """Return each discrete column's share per value in the seed's transformed table."""
    targets = {}
    for name in discrete:
        if name in prepared:
            shares = prepared[name].astype(str).value_counts(normalize=True)
            targets[name] = {str(key): float(value) for key, value in shares.items()}
    return targets


DEPENDENCY_PREFIX = "dependency:"


def dependency_labels(frame: pd.DataFrame, schema: dict[str, Any]) -> dict[str, pd.Series]:
    """Label each row with its cell of every declared dependency that has a categorical child.

    The label is "<case index>|<child value>", with "-" for rows in no case, under the key
    "dependency:<child>|<parent>". Dependencies over missing columns are skipped.
    """
    labels: dict[str, pd.Series] = {}
    for dependency in schema.get("x-dependencies", []):
        child, parent = dependency["child"], dependency["parent"]
        child_spec = schema["properties"].get(child, {})
        categorical = "enum" in child_spec or child_spec.get("type") == "boolean"
        if not categorical or child not in frame or parent not in frame:
            continue
        case = pd.Series("-", index=frame.index, dtype=object)
        for index, entry in reversed(list(enumerate(dependency["cases"]))):
            case = case.mask(case_mask(frame[parent], entry["when"]), str(index))
        name = f"{DEPENDENCY_PREFIX}{child}|{parent}"
        labels[name] = (case + "|" + frame[child].astype(str)).to_numpy()
    return labels


def fit_dependency_targets(seeds: pd.DataFrame, schema: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Return the seed's share of each dependency cell, keyed as in `dependency_labels`."""
    targets = {}
    for name, values in dependency_labels(seeds, schema).items():
        shares = pd.Series(values).value_counts(normalize=True)
        targets[name] = {str(key): float(value) for key, value in shares.items()}
    return targets


def select_rows(
    pool: pd.DataFrame, targets: dict[str, dict[str, float]], count: int, rng: np.random.Generator
) -> np.ndarray:
    """Return the sorted positions of `count` pool rows whose shares follow `targets`."""
    if count >= len(pool) or not targets:
        return np.arange(min(count, len(pool)))

    weights = np.ones(len(pool))
    codes: list[tuple[np.ndarray, np.ndarray]] = []
    for name, shares in targets.items():
        if name not in pool:
            continue
        labels, uniques = pd.factorize(pool[name].astype(str))
        wanted = np.array([shares.get(str(value), 0.0) for value in uniques])
        codes.append((labels, wanted))

    for _ in range(RAKING_ROUNDS):
        for labels, wanted in codes:
            current = np.bincount(labels, weights=weights, minlength=len(wanted))
            current = current / max(current.sum(), 1e-12)
            factor = np.divide(wanted, current, out=np.ones_like(wanted), where=current > 0)
            weights = weights * factor[labels]
        floor = weights.max() / WEIGHT_LIMIT
        weights = np.maximum(weights, floor)

    keys = np.log(rng.random(len(pool))) / weights
    chosen = np.argpartition(-keys, count - 1)[:count]
    return np.sort(chosen)


def calibrate(raw: pd.DataFrame, names: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Replace each named column by the normal scores of its ranks (ties broken at random)."""
    count = len(raw)
    if count == 0:
        return raw
    calibrated = raw.copy()
    scores = ndtri((np.arange(count) + 0.5) / count)
    for name in names:
        values = pd.to_numeric(raw[name], errors="coerce").to_numpy(dtype=float)
        order = np.lexsort((rng.random(count), np.nan_to_num(values, nan=0.0)))
        ranked = np.empty(count)
        ranked[order] = scores
        calibrated[name] = ranked
    return calibrated


def shares_of(frame: pd.DataFrame, name: str) -> dict[Any, float]:
    """Share per value of one column, for reports and tests."""
    return {key: float(value) for key, value in frame[name].value_counts(normalize=True).items()}
