"""CTGAN fitted on seed rows, with the schema transforms around it.

`SeedModel.train` checks the seed table, picks a batch size and `pac` that CTGAN accepts
for the row count, trains with a fixed random seed, and stops with `TrainingError` when
the losses turn NaN after a retry with another seed. `SeedModel.sample` returns rows in
the schema's own types, with ID, Faker and derived columns made outside the GAN.

Saved models are folders that agentgan wrote: `ctgan.pt` (the pickled synthesizer),
`transform.json`, `schema.json` and `manifest.json`, which holds an HMAC-SHA256 of each file
under a key kept in the user's config folder. `SeedModel.load` checks the HMAC before it
unpickles anything, so a folder from elsewhere is rejected instead of run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agentgan.errors import ModelFileError, TrainingError
from agentgan.schema.check import derived_order
from agentgan.schema.columns import columns
from agentgan.schema.rules import compile_rule, evaluate
from agentgan.schema.sampler import finish_values
from agentgan.schema.validation import rules_hold
from agentgan.schema.values import generate_values
from agentgan.tools.copy_guard import fit_copy_guard, keep_novel
from agentgan.tools.identifiers import make_identifiers
from agentgan.tools.marginals import (
    calibrate,
    cell_frame,
    child_shares,
    dependency_labels,
    fit_dependency_targets,
    fit_pair_targets,
    fit_targets,
    select_rows,
)
from agentgan.tools.table_transform import TableTransform

logger = logging.getLogger(__name__)

MIN_SEED_ROWS = 5
"""Fewest seed rows CTGAN is trained on; fewer gives no usable batch."""

TARGET_STEPS = 600
"""Optimizer steps aimed for when the caller does not set epochs and the seeds were
sampled from the schema, which already declares their relationships."""

REAL_SAMPLE_STEPS = 2000
"""Optimizer steps aimed for when the seeds are a user's real table, whose relationships
only the GAN can learn."""

SMALL_TABLE_ROWS = 1000
"""Below this many seed rows CTGAN gets 128-wide layers and one CPU thread, which trains
about 1.5x faster than 256-wide layers on two threads for about 100 rows (measured on a
2-core x86_64 machine; see benchmarks/README.md)."""

MAX_AUTO_EPOCHS = 1500
SAMPLE_BATCH = 20_000
"""Rows per generator call when sampling."""

POOL_FACTOR = 10.0
"""Rows drawn per row returned, so that the kept subset can match the seed's shares per
column pair, per category and per declared dependency cell. On three 100-row Telco
samples (2,000 steps, 2,000 rows), a pool of ten times the request gave a mean quality
score of 0.900 against 0.884 for three times (benchmarks/README.md)."""
MODEL_FILES = ("ctgan.pt", "transform.json", "schema.json")
FORMAT_VERSION = 1

ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass
class TrainingSettings:
    """CTGAN settings chosen for a seed table."""

    epochs: int
    batch_size: int
    pac: int
    device: str
    random_seed: int
    steps_per_epoch: int = 1
    layer_width: int = 256
    learning_rate: float = 2e-4
    """Adam learning rate of the generator and the discriminator (CTGAN's default)."""

    @property
    def steps(self) -> int:
        """Optimizer steps of the generator over the whole training."""
        return self.epochs * self.steps_per_epoch


@dataclass
class TrainingSummary:
    """Record of one training run (device, settings, time, losses), kept in the state."""

    device: str
    epochs: int
    batch_size: int
    pac: int
    steps: int
    seconds: float
    seed_rows: int
    losses: list[dict[str, float]] = field(default_factory=list)
    attempts: int = 1
    coercions: dict[str, dict[str, int]] = field(default_factory=dict)
    identifier_columns: list[str] = field(default_factory=list)
    copy_share_allowed: float = 0.0


def choose_settings(
    rows: int,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    device: str = "cpu",
    random_seed: int = 0,
    real_sample: bool = False,
) -> TrainingSettings:
    """Pick a batch size and `pac` that CTGAN accepts, and enough epochs.

    CTGAN needs an even batch size that is a multiple of `pac`, and takes
    `max(rows // batch_size, 1)` steps per epoch. Small tables get a small `pac` and a batch
    no larger than the table, so that every epoch takes a real step.

    Raises:
        TrainingError: fewer than `MIN_SEED_ROWS` rows, or a batch size that cannot work.
    """
    if rows < MIN_SEED_ROWS:
        raise TrainingError(
            f"Too few seed rows to train CTGAN: {rows}; at least {MIN_SEED_ROWS} are needed. "
            "Give more sample rows or raise --seed-rows."
        )

    pac = _pac_for(rows)
    if batch_size is None:
        unit = 2 * pac if pac % 2 else pac
        unit = max(unit, 2)
        target = min(500, max(unit, rows // 2))
        batch_size = max(unit, (target // unit) * unit)
    if batch_size % 2 or batch_size % pac:
        raise TrainingError(
            f"Batch size {batch_size} does not work with pac {pac}: it must be even and a "
            f"multiple of {pac}. Use --batch-size {max(2, (batch_size // (2 * pac) + 1) * 2 * pac)}."
        )

    steps_per_epoch = max(rows // batch_size, 1)
    if epochs is None:
        steps = REAL_SAMPLE_STEPS if real_sample else TARGET_STEPS
        epochs = min(MAX_AUTO_EPOCHS, max(100, math.ceil(steps / steps_per_epoch)))
    return TrainingSettings(
        layer_width=128 if rows < SMALL_TABLE_ROWS else 256,
        epochs=epochs,
        batch_size=batch_size,
        pac=pac,
        device=device,
        random_seed=random_seed,
        steps_per_epoch=steps_per_epoch,
    )


def condition_column(
    schema: dict[str, Any], transform: TableTransform, wanted: str | None
) -> str | None:
    """The discrete column to condition sampling on, or None.

    Only a column the caller names is used. The schema's target is not picked by default,
    because after the default 600 optimizer steps on about 100 seed rows the generator
    barely follows a condition. Conditioned on churn "Yes" only, it gave 39% "Yes", against
    32% when conditioned on "No". In the churn example, conditioning on the target lost both
    the churn share and its relation to tenure.
    """
    discrete = set(transform.discrete_columns)
    if wanted:
        return wanted if wanted in discrete else None
    return None


def _pac_for(rows: int) -> int:
    """Return CTGAN's `pac` for a seed table: smaller packs for smaller tables."""
    if rows >= 200:
        return 10
    if rows >= 40:
        return 5
    if rows >= 8:
        return 2
    return 1


def resolve_device(device: str) -> str:
    """Return "cuda" or "cpu" for a device setting of "auto", "cpu" or "cuda".

    Raises:
        TrainingError: "cuda" was requested but torch finds no GPU.
    """
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            "Device 'cuda' was requested but torch sees no GPU; use --device auto or cpu."
        )
    if device not in ("cpu", "cuda"):
        raise TrainingError(f"Unknown device {device!r}; use auto, cpu or cuda.")
    return device


class SeedModel:
    """A CTGAN synthesizer trained on seed rows, with its schema transform."""

    def __init__(self, synthesizer: Any, transform: TableTransform, summary: TrainingSummary):
        self.synthesizer = synthesizer
        self.transform = transform
        self.summary = summary

    @property
    def schema(self) -> dict[str, Any]:
        """The schema the model was trained for."""
        return self.transform.schema

    @classmethod
    def train(
        cls,
        seeds: pd.DataFrame,
        schema: dict[str, Any],
        settings: TrainingSettings,
        progress: ProgressCallback | None = None,
        retries: int = 1,
        condition: str | None = None,
    ) -> SeedModel:
        """Fit the transform and CTGAN on the seed rows.

        Args:
            seeds: The seed rows.
            schema: Their schema.
            settings: From `choose_settings`.
            progress: Called with epoch events.
            retries: Trainings with another random seed after NaN losses.
            condition: Discrete column every sampled row is conditioned on; defaults to
                the column the schema marks `x-role: target`, if it is discrete.

        Raises:
            TrainingError: CTGAN fails, or its losses are NaN on every attempt.
        """
        transform = TableTransform.fit(seeds, schema)
        transform.condition = condition_column(schema, transform, condition)
        transform.copy_guard = fit_copy_guard(seeds, transform)
        prepared = transform.forward(seeds)
        transform.targets = fit_targets(prepared, transform.discrete_columns)
        transform.targets.update(fit_dependency_targets(seeds, schema))
        for dependency in schema.get("x-dependencies", []):
            # A child's overall shares follow its dependency cells, so the two agree.
            child = dependency["child"]
            implied = child_shares(transform.targets, child)
            if implied and child in transform.targets and seeds[child].notna().all():
                transform.targets[child] = implied
        transform.pairs = fit_pair_targets(prepared, transform.continuous_columns)
        if prepared.empty or prepared.shape[1] == 0:
            logger.info("No column needs the GAN; sampling uses the transforms alone")
        started = time.perf_counter()

        for attempt in range(1 + retries):
            seed = settings.random_seed + attempt * 1009
            synthesizer, losses = _fit_ctgan(
                prepared, transform.discrete_columns, settings, seed, progress
            )
            if losses and all(math.isfinite(v) for row in losses for v in row.values()):
                summary = TrainingSummary(
                    device=settings.device,
                    epochs=settings.epochs,
                    batch_size=settings.batch_size,
                    pac=settings.pac,
                    steps=settings.steps,
                    seconds=round(time.perf_counter() - started, 2),
                    seed_rows=len(seeds),
                    losses=losses,
                    attempts=attempt + 1,
                    coercions=transform.coercions,
                    identifier_columns=transform.identifier_columns,
                    copy_share_allowed=transform.copy_guard.get("allowed_share", 0.0),
                )
                return cls(synthesizer, transform, summary)
            logger.warning("CTGAN losses turned NaN with seed %d; retrying with another seed", seed)

        raise TrainingError(
            f"CTGAN losses turned NaN on {1 + retries} attempts; check the seed rows for "
            "extreme values or lower --batch-size."
        )

    def sample(
        self, count: int, seed: int, start: int = 0, pool_factor: float = POOL_FACTOR
    ) -> pd.DataFrame:
        """Sample `count` rows in the schema's column order and types.

        Args:
            count: Rows to return.
            seed: Random seed of this batch; the same seed gives the same rows.
            start: Index of the first row, so that generated IDs continue across batches.
            pool_factor: Rows drawn per row returned, for matching the seed's category shares.
        """
        rng = np.random.default_rng(seed)
        if self.transform.modelled:
            matching = self.transform.targets or self.transform.pairs
            pool = math.ceil(count * pool_factor) if matching else count
            raw = calibrate(self._generate(pool, seed), self.transform.continuous_columns, rng)
            frame = self.transform.inverse(raw, rng, start=start)
            if pool > count:
                # Keep the subset of the pool whose shares follow the seed's per column pair,
                # per declared dependency cell and per discrete column (see `marginals`).
                labelled = cell_frame(raw, self.transform.continuous_columns).assign(
                    **dependency_labels(frame, self.schema)
                )
                chosen = select_rows(
                    labelled,
                    self.transform.targets,
                    count,
                    rng,
                    pairs=self.transform.pairs,
                    # Rules over columns filled in later (derived, Faker) are left to the
                    # validator; rules_hold skips them here.
                    allowed=rules_hold(frame, self.schema).to_numpy(),
                )
                frame = frame.iloc[chosen].reset_index(drop=True)
                for transform in self.transform.transforms:
                    if transform.kind == "identifier":
                        # Numbered again so that a sequence has no gaps left by the pool.
                        frame[transform.name] = make_identifiers(
                            transform.pattern, count, rng, start=start
                        ).to_numpy()
        else:
            frame = self.transform.inverse(pd.DataFrame(index=range(count)), rng, start=start)

        schema = self.schema
        parsed = columns(schema)
        locale = schema.get("x-locale", "en_US")
        learned_ids = set(self.transform.identifier_columns)
        for column in parsed:
            if column.generator is not None and column.name not in learned_ids:
                frame[column.name] = generate_values(
                    column, count, rng, start=start, locale=locale
                ).to_numpy()

        formulas = {c.name: compile_rule(c.derived) for c in parsed if c.derived}
        by_name = {column.name: column for column in parsed}
        for name in derived_order(formulas):
            frame[name] = finish_values(by_name[name], evaluate(formulas[name], frame), rng)
        return frame[[column.name for column in parsed]]

    def _generate(self, count: int, seed: int) -> pd.DataFrame:
        """Run CTGAN's generator in batches of up to `SAMPLE_BATCH` rows.

        CTGAN samples in batches of its training batch size, which for a small seed is a
        few dozen rows: a million rows would take tens of thousands of generator calls. The
        generator holds no batch-size-dependent weights, so a larger batch gives rows from
        the same model far faster.

        With a condition column (the schema's target), every row is generated under a
        condition on that column, its value drawn at the seed's shares, so that the other
        columns follow their learned relation to the target. CTGAN's own
        `condition_column` sampling sets one value for a whole batch and indexes the
        condition vector wrongly for any discrete column after a continuous one, so the
        vector is built here.
        """
        import torch

        synthesizer = self.synthesizer
        condition = self._condition_vectors(count, np.random.default_rng(seed))
        if condition is None:
            trained = synthesizer._batch_size
            synthesizer._batch_size = max(trained, min(count, SAMPLE_BATCH))
            try:
                synthesizer.set_random_state(seed)
                return synthesizer.sample(count)
            finally:
                synthesizer._batch_size = trained

        device = synthesizer._device
        parts = []
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(seed)
            for first in range(0, count, SAMPLE_BATCH):
                size = max(min(SAMPLE_BATCH, count - first), 2)
                noise = torch.randn(size, synthesizer._embedding_dim)
                cond = torch.from_numpy(condition[first : first + size]).to(device)
                if len(cond) < size:
                    cond = torch.cat([cond, cond[: size - len(cond)]], dim=0)
                fake = synthesizer._generator(torch.cat([noise.to(device), cond], dim=1))
                parts.append(synthesizer._apply_activate(fake).cpu().numpy())
        data = np.concatenate(parts, axis=0)[:count]
        return synthesizer._transformer.inverse_transform(data)

    def _condition_vectors(self, count: int, rng: np.random.Generator) -> np.ndarray | None:
        """One-hot condition vectors on the condition column, or None without one."""
        name = self.transform.condition
        sampler = getattr(self.synthesizer, "_data_sampler", None)
        if not name or sampler is None or name not in self.transform.targets:
            return None
        discrete = 0
        for info in self.synthesizer._transformer._column_transform_info_list:
            if info.column_name == name:
                break
            if info.column_type == "discrete":
                discrete += 1
        else:
            return None
        categories = [str(value) for value in info.transform.dummies]
        shares = self.transform.targets[name]
        weights = np.array([shares.get(value, 0.0) for value in categories], dtype=float)
        if weights.sum() <= 0:
            return None
        chosen = rng.choice(len(categories), size=count, p=weights / weights.sum())
        vectors = np.zeros((count, sampler.dim_cond_vec()), dtype="float32")
        vectors[np.arange(count), sampler._discrete_column_cond_st[discrete] + chosen] = 1.0
        return vectors

    def novel_rows(self, frame: pd.DataFrame, seed: int) -> pd.Series:
        """Mark the rows to keep: rows that copy a seed row beyond the allowed share are dropped.

        The allowed share is 0 unless the seed's columns allow so few combinations of values
        that copies cannot be avoided (see `fit_copy_guard`).
        """
        return keep_novel(frame, self.transform.copy_guard, np.random.default_rng(seed))

    def save(self, folder: str | Path) -> Path:
        """Write the model folder and its signed manifest; returns the folder."""
        import torch

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        torch.save(self.synthesizer, target / "ctgan.pt")
        _write_json(target / "transform.json", self.transform.to_dict())
        _write_json(target / "schema.json", self.schema)
        manifest = {
            "format": FORMAT_VERSION,
            "summary": self.summary.__dict__,
            "files": {name: _sign(target / name) for name in MODEL_FILES},
        }
        _write_json(target / "manifest.json", manifest)
        return target

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> SeedModel:
        """Load a model folder written by `save` on this machine.

        Raises:
            ModelFileError: a file is missing, or its HMAC does not match, so the folder was
                not written by agentgan with this user's key (or was changed since).
        """
        import torch

        source = Path(folder)
        manifest_path = source / "manifest.json"
        if not manifest_path.is_file():
            raise ModelFileError(
                f"{source} is not an agentgan model folder (no manifest.json); train one with "
                "'agentgan generate ... --model-out DIR'."
            )
        manifest = json.loads(manifest_path.read_text("utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise ModelFileError(
                f"{source} has model format {manifest.get('format')!r}; expected {FORMAT_VERSION}."
            )
        for name in MODEL_FILES:
            path = source / name
            if not path.is_file():
                raise ModelFileError(f"Model folder {source} lacks {name}; train the model again.")
            if not hmac.compare_digest(_sign(path), str(manifest["files"].get(name, ""))):
                raise ModelFileError(
                    f"{path} does not match its signature, so agentgan did not write it (or it "
                    "was changed); only model folders written by agentgan are loaded."
                )

        synthesizer = torch.load(source / "ctgan.pt", weights_only=False, map_location=device)
        synthesizer.set_device(torch.device(device))
        transform = TableTransform.from_dict(
            json.loads((source / "transform.json").read_text("utf-8"))
        )
        summary = TrainingSummary(**manifest["summary"])
        return cls(synthesizer, transform, summary)


def _fit_ctgan(
    prepared: pd.DataFrame,
    discrete: list[str],
    settings: TrainingSettings,
    seed: int,
    progress: ProgressCallback | None,
) -> tuple[Any, list[dict[str, float]]]:
    """Train CTGAN in a worker thread while this thread reports epochs and losses."""
    import torch
    from ctgan import CTGAN

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)

    synthesizer = CTGAN(
        batch_size=settings.batch_size,
        pac=settings.pac,
        epochs=settings.epochs,
        enable_gpu=settings.device == "cuda",
        generator_dim=(settings.layer_width, settings.layer_width),
        discriminator_dim=(settings.layer_width, settings.layer_width),
        generator_lr=settings.learning_rate,
        discriminator_lr=settings.learning_rate,
        verbose=False,
    )
    synthesizer.set_device(torch.device(settings.device))
    if prepared.shape[1] == 0:
        return synthesizer, [{"epoch": 0.0, "generator": 0.0, "discriminator": 0.0}]

    failure: list[BaseException] = []

    def run() -> None:
        try:
            synthesizer.fit(prepared, discrete_columns=discrete)
        except Exception as exc:  # re-raised in the calling thread below
            failure.append(exc)

    threads = torch.get_num_threads()
    if settings.device == "cpu" and settings.layer_width < 256:
        # Small layers train faster on one thread than on several: thread start-up costs
        # more than the matrix products it splits.
        torch.set_num_threads(1)
    worker = threading.Thread(target=run, name="ctgan-fit", daemon=True)
    worker.start()
    reported = 0
    interval = max(1, settings.epochs // 20)
    while worker.is_alive():
        worker.join(timeout=0.25)
        reported = _report(synthesizer, reported, interval, settings, progress)
    _report(synthesizer, reported, interval, settings, progress)
    torch.set_num_threads(threads)

    if failure:
        if isinstance(failure[0], ValueError) and "NaN" in str(failure[0]):
            # CTGAN stops with "gumbel_softmax returning NaN." once its weights turn NaN;
            # NaN losses returned here make the caller retry with another seed.
            logger.warning("CTGAN training diverged with seed %d: %s", seed, failure[0])
            return synthesizer, [{"epoch": 0.0, "generator": math.nan, "discriminator": math.nan}]
        raise TrainingError(f"CTGAN training failed: {failure[0]}") from failure[0]
    return synthesizer, _losses(synthesizer)


def _report(
    synthesizer: Any,
    reported: int,
    interval: int,
    settings: TrainingSettings,
    progress: ProgressCallback | None,
) -> int:
    losses = synthesizer.loss_values
    done = 0 if losses is None else len(losses)
    for epoch in range(reported, done):
        if (epoch + 1) % interval and epoch + 1 != settings.epochs:
            continue
        row = losses.iloc[epoch]
        event = {
            "event": "epoch",
            "epoch": epoch + 1,
            "epochs": settings.epochs,
            "generator_loss": round(float(row["Generator Loss"]), 4),
            "discriminator_loss": round(float(row["Discriminator Loss"]), 4),
        }
        logger.info(
            "CTGAN epoch %d/%d: generator loss %.4f, discriminator loss %.4f",
            event["epoch"],
            settings.epochs,
            event["generator_loss"],
            event["discriminator_loss"],
        )
        if progress is not None:
            progress(event)
    return done


def _losses(synthesizer: Any, keep: int = 200) -> list[dict[str, float]]:
    """Loss history, thinned to at most `keep` epochs for the state."""
    losses = synthesizer.loss_values
    if losses is None or losses.empty:
        return []
    step = max(1, len(losses) // keep)
    rows = losses.iloc[::step]
    return [
        {
            "epoch": int(row["Epoch"]) + 1,
            "generator": float(row["Generator Loss"]),
            "discriminator": float(row["Discriminator Loss"]),
        }
        for _, row in rows.iterrows()
    ]


def _key() -> bytes:
    """Return the user's model-signing key, creating it on first use (mode 0600)."""
    configured = os.environ.get("AGENTGAN_MODEL_KEY")
    if configured:
        return configured.encode("utf-8")
    home = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "agentgan"
    path = home / "model-key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text("utf-8").strip().encode("utf-8")


def _sign(path: Path) -> str:
    digest = hmac.new(_key(), digestmod=hashlib.sha256)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str), "utf-8")
    temporary.replace(path)
