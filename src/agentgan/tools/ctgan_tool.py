"""CTGAN training as a LangChain tool.

`train_ctgan` is a `StructuredTool` so that the synthesizer node, another agent, or a
person in LangGraph Studio can call it with JSON arguments: a seed table file, the schema,
and the training settings. It resolves the device (CUDA when torch sees a GPU and the
setting is "auto"), trains, saves a signed model folder, and returns a JSON summary.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from langchain_core.tools import tool
from pydantic import BaseModel, ConfigDict, Field

from agentgan.schema.frames import typed_frame
from agentgan.tools.ctgan_model import SeedModel, choose_settings, resolve_device
from agentgan.tools.progress import emit

logger = logging.getLogger(__name__)


class TrainCTGANInput(BaseModel):
    """Arguments of the `train_ctgan` tool."""

    model_config = ConfigDict(extra="forbid")

    seed_path: str = Field(description="Parquet file of the seed rows to train on.")
    dataset_schema: dict[str, Any] = Field(description="The dataset schema (JSON Schema).")
    model_dir: str = Field(description="Folder the trained model is saved to.")
    epochs: int | None = Field(default=None, ge=1, le=10_000, description="Training epochs.")
    batch_size: int | None = Field(default=None, ge=2, le=10_000, description="Batch size.")
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", description="Device.")
    random_seed: int = Field(default=0, ge=0, description="Random seed of the training.")
    real_sample: bool = Field(
        default=False,
        description="The seeds are a user's real table, so train longer unless epochs are set.",
    )


@tool("train_ctgan", args_schema=TrainCTGANInput)
def train_ctgan(
    seed_path: str,
    dataset_schema: dict[str, Any],
    model_dir: str,
    epochs: int | None = None,
    batch_size: int | None = None,
    device: str = "auto",
    random_seed: int = 0,
    real_sample: bool = False,
) -> dict[str, Any]:
    """Train CTGAN on seed rows and save the model; returns the training summary."""
    schema = dataset_schema
    seeds = typed_frame(pd.read_parquet(seed_path), schema)
    used_device = resolve_device(device)
    settings = choose_settings(
        len(seeds),
        epochs=epochs,
        batch_size=batch_size,
        device=used_device,
        random_seed=random_seed,
        real_sample=real_sample,
    )
    logger.info(
        "Training CTGAN on %d seed rows: %d epochs, batch size %d, pac %d, device %s",
        len(seeds), settings.epochs, settings.batch_size, settings.pac, used_device,
    )
    emit({"event": "training_started", "seed_rows": len(seeds), "epochs": settings.epochs,
          "device": used_device})

    model = SeedModel.train(seeds, schema, settings, progress=emit)
    folder = model.save(model_dir)
    summary = dict(model.summary.__dict__)
    summary["model_dir"] = str(folder)
    logger.info("CTGAN trained in %.1f s on %s", model.summary.seconds, used_device)
    emit({"event": "training_finished", "seconds": model.summary.seconds})
    return summary


def load_model(model_dir: str, device: str = "cpu") -> SeedModel:
    """Load a trained model folder, reusing the copy already in memory if unchanged."""
    manifest = Path(model_dir) / "manifest.json"
    stamp = manifest.stat().st_mtime_ns if manifest.exists() else 0
    return _cached_model(str(Path(model_dir).resolve()), device, stamp)


@lru_cache(maxsize=4)
def _cached_model(model_dir: str, device: str, stamp: int) -> SeedModel:
    return SeedModel.load(model_dir, device=device)
