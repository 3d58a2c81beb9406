"""Sampled rows chosen so that their category shares and pair cells follow the seed's.

CTGAN trains its generator on category conditions drawn by log frequency, so a briefly
trained model on a small seed over-produces rare categories or loses them, and it learns
little of how columns move together: on 100 Telco rows after 600 optimizer steps its
churn rate was the same for every contract type. So the synthesizer draws a pool larger
than the request and keeps the subset whose shares match the seed's, on three levels:

- every pair of modelled columns (numbers cut into quintile bins), the pair's share per
  cell smoothed towards the product of its two marginals, since 100 rows leave many
  cells empty by chance (`fit_pair_targets`);
- every declared dependency cell, parent case by child value (`fit_dependency_targets`);
- every discrete column's share per value (`fit_targets`).

Each pool row gets an inclusion probability, at most 1, raked by iterative proportional
fitting until the expected counts meet those shares (single columns last, so that they
come closest). Rows that break one of the schema's rules get 0, so the shares are met
among rows the validator accepts. A systematic sample with those probabilities keeps
exactly the requested count. The GAN makes every row that is kept, and no row is copied
or altered.

Numeric columns enter CTGAN as normal scores of their seed ranks (see `table_transform`).
A briefly trained generator shifts or squeezes those scores, which would pile values up
at one end of the range; `calibrate` replaces each numeric column of a sampled block by
the normal scores of its own ranks, so the block's marginals follow the seed's quantiles
while the order of values across columns is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from agentgan.schema.sampler import case_mask

RAKING_ROUNDS = 30

NUMERIC_BINS = 5
"""Equal-share bins a numeric column is cut into for its pair cells."""

PAIR_SMOOTHING = 5.0
"""Pseudo-rows spread over a pair's cells by the product of its marginals."""

PAIR_MAX_VALUES = 30
"""Columns with more distinct seed values than this take part in no pair."""

DEPENDENCY_PREFIX = "dependency:"

_BIN_EDGES = ndtri(np.arange(1, NUMERIC_BINS) / NUMERIC_BINS)


def cell_frame(raw: pd.DataFrame, continuous: list[str]) -> pd.DataFrame:
    """Return the table in CTGAN's space as text labels, numbers replaced by their bin."""
    cells = raw.astype(str)
    for name in continuous:
        if name in raw:
            scores = pd.to_numeric(raw[name], errors="coerce").to_numpy(dtype=float)
            cells[name] = np.char.add("bin", np.digitize(scores, _BIN_EDGES).astype(str))
    return cells


def fit_targets(prepared: pd.DataFrame, discrete: list[str]) -> dict[str, dict[str, float]]:
    """Return each discrete column's share per value in the seed's transformed table."""
    targets = {}
    for name in discrete:
        if name in prepared:
            shares = prepared[name].astype(str).value_counts(normalize=True)
            targets[name] = {str(key): float(value) for key, value in shares.items()}
    return targets


def fit_pair_targets(prepared: pd.DataFrame, continuous: list[str]) -> list[dict[str, Any]]:
    """Return the seed's smoothed share of every cell of every pair of modelled columns.

    Each entry is {"columns": [a, b], "cells": [[value of a, value of b, share], ...]},
    with numbers as bin labels (see `cell_frame`). Shares of a pair sum to 1 and keep
    both columns' own shares.
    """
    cells = cell_frame(prepared, continuous)
    names = [name for name in cells if cells[name].nunique() <= PAIR_MAX_VALUES]
    rows = len(cells)
    pairs = []
    for first, second in combinations(names, 2):
        counts = cells.groupby([first, second]).size()
        first_shares = cells[first].value_counts(normalize=True)
        second_shares = cells[second].value_counts(normalize=True)
        entries = []
        for a, share_a in first_shares.items():
            for b, share_b in second_shares.items():
                seen = float(counts.get((a, b), 0))
                share = (seen + PAIR_SMOOTHING * share_a * share_b) / (rows + PAIR_SMOOTHING)
                entries.append([str(a), str(b), share])
        pairs.append({"columns": [first, second], "cells": entries})
    return pairs


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
    """Return the share of each dependency cell, keyed as in `dependency_labels`.

    A case's share comes from the seed. Within a case the child's shares are the weights
    the schema declares when the child has no other dependency, because 100 seed rows
    estimate a rare cell (churn on a two-year contract, 2.8%) as 0 or twice its size.
    Otherwise, and for rows in no case, they are the seed's own shares.
    """
    dependencies = schema.get("x-dependencies", [])
    parents_per_child = Counter(dependency["child"] for dependency in dependencies)
    labels = dependency_labels(seeds, schema)
    targets = {}
    for dependency in dependencies:
        name = f"{DEPENDENCY_PREFIX}{dependency['child']}|{dependency['parent']}"
        if name not in labels:
            continue
        cells = pd.Series(labels[name])
        shares = {str(key): float(value) for key, value in cells.value_counts(normalize=True).items()}
        if parents_per_child[dependency["child"]] == 1:
            shares = _declared_shares(dependency, cells, shares)
        targets[name] = shares
    return targets


def _declared_shares(
    dependency: dict[str, Any], cells: pd.Series, seen: dict[str, float]
) -> dict[str, float]:
    """Replace the seed's child shares by the declared weights in each case that has them."""
    case_share = cells.str.split("|", n=1).str[0].value_counts(normalize=True)
    shares = dict(seen)
    for index, entry in enumerate(dependency["cases"]):
        weights = entry.get("weights")
        if "p" in entry:
            weights = {"True": float(entry["p"]), "False": 1.0 - float(entry["p"])}
        total = sum(float(weight) for weight in (weights or {}).values())
        if not weights or total <= 0 or str(index) not in case_share:
            continue
        shares = {key: share for key, share in shares.items() if not key.startswith(f"{index}|")}
        for value, weight in weights.items():
            shares[f"{index}|{value}"] = float(case_share[str(index)]) * float(weight) / total
    return shares


def child_shares(targets: dict[str, dict[str, float]], child: str) -> dict[str, float] | None:
    """Return the child's overall shares implied by its dependency cells, or None."""
    for name, cells in targets.items():
        if name.startswith(f"{DEPENDENCY_PREFIX}{child}|"):
            totals: dict[str, float] = {}
            for key, share in cells.items():
                value = key.split("|", 1)[1]
                totals[value] = totals.get(value, 0.0) + share
            return totals
    return None


def select_rows(
    pool: pd.DataFrame,
    targets: dict[str, dict[str, float]],
    count: int,
    rng: np.random.Generator,
    pairs: list[dict[str, Any]] | None = None,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Return the sorted positions of `count` pool rows whose shares follow the targets.

    Args:
        pool: Labels per row (see `cell_frame`), one column per target name.
        targets: Share per value of single columns and dependency cells.
        count: Rows to keep.
        rng: Random generator of the systematic sample.
        pairs: Pair cells from `fit_pair_targets`.
        allowed: Rows that may be kept (those meeting the schema's rules); rows outside
            it are kept only when fewer than `count` are allowed.
    """
    if count >= len(pool):
        return np.arange(len(pool))
    allowed = np.ones(len(pool), dtype=bool) if allowed is None else np.asarray(allowed, bool)
    codes: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def code(name: str) -> tuple[np.ndarray, pd.Index]:
        if name not in codes:
            codes[name] = pd.factorize(pool[name].astype(str))
        return codes[name]

    constraints = _pair_constraints(pool, pairs or [], code)
    ordered = sorted(targets, key=lambda name: not name.startswith(DEPENDENCY_PREFIX))
    for name in ordered:
        if name in pool:
            labels, uniques = code(name)
            shares = np.array([targets[name].get(str(value), 0.0) for value in uniques])
            constraints.append((labels, shares))
    if not constraints:
        constraints = [(np.zeros(len(pool), dtype=np.int64), np.ones(1))]

    chances = _rake(allowed, constraints, count)
    return _systematic_sample(chances, count, rng)


def _pair_constraints(
    pool: pd.DataFrame,
    pairs: list[dict[str, Any]],
    code: Callable[[str], tuple[np.ndarray, pd.Index]],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Turn pair targets into (cell code per pool row, target share per code)."""
    constraints = []
    for pair in pairs:
        first, second = pair["columns"]
        if first not in pool or second not in pool:
            continue
        first_codes, first_values = code(first)
        second_codes, second_values = code(second)
        cells = {(a, b): share for a, b, share in pair["cells"]}
        shares = np.array(
            [cells.get((str(a), str(b)), 0.0) for a in first_values for b in second_values]
        )
        constraints.append((first_codes * len(second_values) + second_codes, shares))
    return constraints


def _rake(
    allowed: np.ndarray, constraints: list[tuple[np.ndarray, np.ndarray]], count: int
) -> np.ndarray:
    """Rake inclusion probabilities (each at most 1, summing to `count`) to the shares.

    Rows outside `allowed` get 0.
    """
    chances = np.where(allowed, count / max(int(allowed.sum()), 1), 0.0)
    target_counts = []
    for labels, shares in constraints:
        # Cells no allowed row is in (such as a pair that breaks a rule) cannot be filled,
        # so their share goes to the others instead of pulling every share off target.
        reachable = np.bincount(labels, weights=allowed, minlength=len(shares)) > 0
        shares = np.where(reachable, shares, 0.0)
        if shares.sum() > 0:
            target_counts.append((labels, shares / shares.sum() * count))
    for _ in range(RAKING_ROUNDS):
        for labels, expected in target_counts:
            current = np.bincount(labels, weights=chances, minlength=len(expected))
            factor = np.divide(expected, current, out=np.zeros_like(expected), where=current > 0)
            chances = np.minimum(chances * factor[labels], 1.0)

    # Allowed rows below the cap fill any shortfall that the cap at 1 left.
    for _ in range(20):
        full = chances >= 1.0
        room = chances[~full].sum()
        needed = count - full.sum()
        if room <= 0 or abs(chances.sum() - count) < 1e-6:
            break
        chances[~full] = np.minimum(chances[~full] * needed / room, 1.0)
    return chances


def _systematic_sample(chances: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Pick `count` rows, each with about its inclusion probability, in random order."""
    order = rng.permutation(len(chances))
    reach = np.floor(np.cumsum(chances[order]) + rng.random())
    chosen = order[np.diff(reach, prepend=0.0) > 0]
    if len(chosen) > count:
        chosen = rng.choice(chosen, count, replace=False)
    elif len(chosen) < count:
        left = np.setdiff1d(np.arange(len(chances)), chosen)
        best = left[np.lexsort((rng.random(len(left)), -chances[left]))[: count - len(chosen)]]
        chosen = np.concatenate([chosen, best])
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
