"""CTGAN training on a GPU, when torch sees one; says so and exits 0 when none is present.

Trains the CTGAN node on 1,000 rows of the main job's schema on the CPU and on CUDA with
the same settings, samples 100,000 rows on each, and prints the seconds of both.

Usage:
    python benchmarks/bench_gpu.py [--rows 1000] [--epochs 50]
"""

from __future__ import annotations

import argparse
import sys
import time

from agentgan.agents.knowledge import schema_from_request
from agentgan.schema.sampler import sample_rows
from agentgan.tools.ctgan_model import SeedModel, choose_settings, resolve_device

REQUEST = (
    "Generate a customer churn prediction dataset with customer demographics including age, "
    "gender and location"
)


def main() -> int:
    """Print training and sampling seconds per device."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()

    import torch

    if not torch.cuda.is_available():
        print(
            "No GPU: torch.cuda.is_available() is False, so the GPU check was skipped. "
            f"torch {torch.__version__}; `--device auto` trains on the CPU here."
        )
        return 0
    print(f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")

    schema = schema_from_request(REQUEST)
    seeds = sample_rows(schema, args.rows, seed=1)
    print("| device | train seconds | sample 100,000 rows seconds | generator loss at end |")
    print("|---|---|---|---|")
    for device in ("cpu", resolve_device("cuda")):
        settings = choose_settings(len(seeds), epochs=args.epochs, device=device, random_seed=1)
        started = time.perf_counter()
        model = SeedModel.train(seeds, schema, settings)
        trained = time.perf_counter() - started
        started = time.perf_counter()
        model.sample(100_000, seed=2)
        sampled = time.perf_counter() - started
        loss = model.summary.losses[-1]["generator"] if model.summary.losses else float("nan")
        print(f"| {device} | {trained:.1f} | {sampled:.1f} | {loss:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
