"""The `agentgan` command.

`agentgan generate` runs the graph with a progress display on stderr and writes the table
by the output file's extension. `agentgan schema` writes only the schema, for review.
Errors print one line on stderr: exit status 2 for usage errors, 1 for failures.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from agentgan import __version__
from agentgan.cli_errors import OneLineUsageGroup, errors_reported, usage_error_from_settings
from agentgan.errors import InputNotFoundError, UsageError

app = typer.Typer(
    name="agentgan",
    help="Turn a plain-language request into a realistic, validated synthetic table.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineUsageGroup,
)
console = Console(stderr=True)
logger = logging.getLogger("agentgan")

NODE_LABELS = {
    "knowledge": "Building the schema",
    "review": "Reviewing the schema",
    "seed": "Generating seed rows",
    "validator": "Validating rows",
    "synthesizer": "Training CTGAN and sampling",
    "report": "Writing the report",
}

RequestArgument = Annotated[
    str, typer.Argument(help="What table to make, e.g. 'customer churn data with age and gender'.")
]
RowsOption = Annotated[
    int | None, typer.Option("--rows", "-n", help="Rows to deliver (default: the count in the request, else 500).")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives a byte-identical file.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite output files that exist.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log every step at INFO level.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"agentgan {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Turn a plain-language request into a realistic, validated synthetic table."""


@app.command()
def generate(
    request: Annotated[str, typer.Argument(help="What table to make, e.g. 'customer churn data with age and gender'.")] = "",
    rows: RowsOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv, .parquet or .json.")] = Path("dataset.csv"),
    seed: SeedOption = 0,
    schema_out: Annotated[Path | None, typer.Option("--schema-out", help="Also write the schema (JSON) here.")] = None,
    schema_in: Annotated[Path | None, typer.Option("--schema", help="Use this schema file instead of building one.")] = None,
    seed_rows: Annotated[int, typer.Option("--seed-rows", help="Seed rows to generate before CTGAN.")] = 100,
    epochs: Annotated[int | None, typer.Option("--epochs", help="CTGAN epochs (default: chosen from the seed rows).")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="CTGAN batch size (default: chosen).")] = None,
    device: Annotated[str, typer.Option("--device", help="Training device: auto, cpu or cuda.")] = "auto",
    max_rounds: Annotated[int, typer.Option("--max-rounds", help="Most rounds of seed regeneration and of top-up sampling.")] = 3,
    model: Annotated[str | None, typer.Option("--model", help="Chat model: offline, auto, or provider:model such as openai:gpt-4o-mini (default: AGENTGAN_MODEL, else offline).")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Base URL of an OpenAI-compatible server, e.g. http://localhost:11434/v1 (default: OPENAI_BASE_URL).")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Search for the data look-up: auto, embedded, tavily or searx (default: AGENTGAN_SEARCH, else auto).")] = None,
    on_provider_error: Annotated[str, typer.Option("--on-provider-error", help="After a chat model or search failure and its retries: fallback (embedded knowledge base, with a warning) or fail.")] = "fallback",
    sample_data: Annotated[Path | None, typer.Option("--from", help="Real table (.csv or .parquet) to learn from instead of a request.")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Also write the quality and privacy report here as one HTML page.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Target column; the report adds the train-synthetic-test-real score.")] = None,
    allow_copies: Annotated[bool, typer.Option("--allow-copies", help="Allow output rows equal to a row of the --from table.")] = False,
    review: Annotated[
        bool, typer.Option("--review", help="Show the schema; accept or edit it before training.")
    ] = False,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="SQLite file that saves the run after each step; the same command resumes it.",
        ),
    ] = None,
    thread_id: Annotated[
        str | None, typer.Option("--thread-id", help="Name of the run in the --checkpoint file.")
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            help="Folder kept for the run's model and report (default: beside the checkpoint "
            "file, else a temporary folder).",
        ),
    ] = None,
    model_out: Annotated[
        Path | None,
        typer.Option(
            "--model-out",
            help="Also save the trained model and its schema in this folder, for 'agentgan sample'.",
        ),
    ] = None,
    force: ForceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Generate a validated synthetic table from a request or a schema."""
    _configure_logging(verbose)
    started = time.perf_counter()
    with _errors_reported(verbose):
        from agentgan.checkpoint import check_resume_options
        from agentgan.cli_review import require_terminal
        from agentgan.io import check_distinct, check_writable, table_format

        table_format(out)
        check_distinct({"--out": out, "--schema-out": schema_out, "--report": report})
        check_writable(out, force=force)
        if schema_out is not None:
            check_writable(schema_out, force=force)
        if model_out is not None:
            from agentgan.tools.streaming import check_model_target

            check_model_target(model_out, force=force)
        check_resume_options(checkpoint, thread_id)
        if review:
            require_terminal()
        if report is not None:
            check_writable(report, force=force)
        from agentgan.request_checks import check_request

        check_request(
            request, required=schema_in is None and checkpoint is None and sample_data is None
        )

        state: dict[str, Any] = {"prompt": request}
        if rows is not None:
            state["rows"] = rows
        if schema_in is not None:
            state["schema"] = _read_schema(schema_in)
        if sample_data is not None:
            state["sample_data"] = str(sample_data)
        settings = {
            "random_seed": seed,
            "seed_rows": seed_rows,
            "epochs": epochs,
            "batch_size": batch_size,
            "device": device,
            "max_rounds": max_rounds,
            "target": target,
            "allow_copies": allow_copies,
        }
        if rows is not None:
            settings["rows"] = rows
        providers = {"model": model, "base_url": base_url, "search": search,
                     "on_provider_error": on_provider_error}
        settings.update({name: value for name, value in providers.items() if value is not None})

        from agentgan.checkpoint import run_resources

        with run_resources(checkpoint, work_dir, review=review) as (folder, checkpointer):
            context = _context({**settings, "review": review}, folder)
            result = _run_graph(state, context, checkpointer, thread_id)
            written = _write_outputs(result, out, schema_out)
            if model_out is not None:
                written.append(_export_model(result, model_out, force))
            if report is not None:
                written.append(_write_report_page(result, report))

        _print_summary(result, written, time.perf_counter() - started)


@app.command()
def sample(
    model_dir: Annotated[
        Path, typer.Option("--model", help="Model folder saved by 'agentgan generate --model-out'.")
    ],
    rows: Annotated[int, typer.Option("--rows", "-n", help="Valid rows to write.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv, .parquet or .json (an array of row objects).")],
    seed: SeedOption = 0,
    device: Annotated[str, typer.Option("--device", help="Sampling device: auto, cpu or cuda.")] = "cpu",
    force: ForceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Sample, validate and write rows from a saved model, in chunks of bounded memory."""
    _configure_logging(verbose)
    with _errors_reported(verbose):
        from agentgan.io import check_writable
        from agentgan.tools.ctgan_model import SeedModel, resolve_device
        from agentgan.tools.streaming import check_stream_request, sample_to_file

        check_stream_request(rows, out)
        check_writable(out, force=force)
        model = SeedModel.load(model_dir, device=resolve_device(device))

        with Progress(
            TextColumn("Sampling"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("sample", total=rows)
            summary = sample_to_file(
                model,
                rows,
                out,
                seed=seed,
                progress=lambda event: progress.update(task, completed=event["written"]),
            )
        console.print(
            f"Rows: {summary.rows:,}  Sampled: {summary.sampled:,}  "
            f"Seconds: {summary.seconds:.1f}  Rows per second: {summary.rows_per_second:,.0f}"
        )
        console.print(f"Wrote: {out}")


@app.command()
def schema(
    request: Annotated[str, typer.Argument(help="What table to describe; leave it out with --from.")] = "",
    sample_data: Annotated[Path | None, typer.Option("--from", help="Infer the schema from this real table (.csv or .parquet).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Schema file to write (JSON).")] = Path("schema.json"),
    target: Annotated[str | None, typer.Option("--target", help="With --from: the column to mark as the prediction target (x-role target).")] = None,
    force: ForceOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Write the schema for a request, to review or edit before `generate --schema`."""
    _configure_logging(verbose)
    with _errors_reported(verbose):
        from agentgan.agents.knowledge import schema_from_request
        from agentgan.io import check_writable, write_json
        from agentgan.request_checks import check_request

        check_writable(out, force=force)
        if sample_data is not None:
            from agentgan.tools.profiling import infer_schema, read_sample

            built = infer_schema(read_sample(sample_data), target=target)
            if request.strip():
                console.print(
                    "[yellow]warning:[/yellow] The request text was not used: the columns "
                    "come from the sample (--from)."
                )
        elif target is not None:
            raise UsageError(
                "--target works only with --from; to change a request's target, set "
                '"x-role": "target" on its column in the written schema.'
            )
        elif check_request(request, required=False):
            built = schema_from_request(request)
        else:
            raise UsageError(
                "Give a request or a table, e.g. agentgan schema \"churn data with age\" or "
                "agentgan schema --from data.csv."
            )
        for warning in built.get("x-warnings", []):
            console.print(f"[yellow]warning:[/yellow] {warning}")
        write_json(built, out)
        console.print(f"Wrote {out} ({len(built['properties'])} columns).")


SETTING_OPTIONS = {
    "rows": "--rows",
    "random_seed": "--seed",
    "seed_rows": "--seed-rows",
    "epochs": "--epochs",
    "batch_size": "--batch-size",
    "device": "--device",
    "max_rounds": "--max-rounds",
    "target": "--target",
    "model": "--model",
    "output_format": "--format",
}
"""Run setting to the command-line option that sets it, for error messages."""


def _context(settings: dict[str, Any], work_dir: str) -> Any:
    from pydantic import ValidationError

    from agentgan.graph.context import Context

    try:
        return Context(output_dir=work_dir, **settings)
    except ValidationError as exc:
        raise usage_error_from_settings(exc, SETTING_OPTIONS) from exc


def _write_report_page(result: dict[str, Any], path: Path) -> str:
    """Render the run's report as an HTML page at `path`; return the path written."""
    from agentgan.agents.report import report_tables
    from agentgan.tools.report_html import write_report_html

    synthetic, reference = report_tables(result)
    write_report_html(result["report"], reference, synthetic, result["schema"], path)
    return str(path)


def _read_schema(path: Path) -> dict[str, Any]:
    from agentgan.errors import SchemaError

    if not path.is_file():
        raise InputNotFoundError(f"Schema file {str(path)!r} not found; check the path.")
    try:
        loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SchemaError(f"Schema file {str(path)!r} is not valid JSON: {exc}.") from exc
    return loaded


def _run_graph(
    state: dict[str, Any], context: Any, checkpointer: Any = None, thread_id: str | None = None
) -> dict[str, Any]:
    """Run or resume the graph with a progress display; return the final state.

    With a checkpointer the run is saved after every node under `thread_id` (default
    "cli"), and a review pause asks the person in the terminal for the schema.
    """
    from langgraph.types import Command

    from agentgan.checkpoint import thread_status
    from agentgan.cli_review import review_in_terminal
    from agentgan.graph.builder import build_graph

    graph = build_graph(checkpointer)
    config = None if checkpointer is None else {"configurable": {"thread_id": thread_id or "cli"}}
    payload: Any = state
    if thread_id is not None:
        payload = _start_or_resume(thread_status(graph, thread_id), state, thread_id)

    try:
        while True:
            result, interrupts = _stream_with_progress(graph, payload, context, config)
            if not interrupts:
                return result
            payload = Command(resume=review_in_terminal(interrupts[0].value, console))
    except KeyboardInterrupt:
        if thread_id is not None:
            console.print(
                f"The run is saved as thread {thread_id!r}; run the same command to resume it."
            )
        raise


def _start_or_resume(status: Any, state: dict[str, Any], thread_id: str) -> Any:
    """Return the graph input for a checkpointed thread: the new request, or a resume."""
    from langgraph.types import Command

    from agentgan.cli_review import review_in_terminal

    if status.kind == "new":
        if not state["prompt"].strip() and "schema" not in state:
            raise UsageError(
                f"Thread {thread_id!r} is new, so it needs a request or --schema FILE."
            )
        return state
    if status.kind == "finished":
        raise UsageError(
            f"Thread {thread_id!r} already finished in this checkpoint file; pass another "
            "--thread-id to start a new run."
        )

    stored = (status.values or {}).get("prompt", "")
    if state["prompt"].strip() and state["prompt"] != stored:
        raise UsageError(
            f"Thread {thread_id!r} was started with the request {stored!r}; resume it with the "
            "same request (or none), or pass another --thread-id."
        )
    where = f" at {', '.join(status.next_nodes)}" if status.next_nodes else ""
    console.print(f"Resuming thread {thread_id!r}{where}.")
    if status.interrupts:
        from agentgan.cli_review import require_terminal

        require_terminal()
        return Command(resume=review_in_terminal(status.interrupts[0].value, console))
    return None


def _stream_with_progress(
    graph: Any, payload: Any, context: Any, config: Any
) -> tuple[dict[str, Any], list[Any]]:
    """Stream one pass of the graph; return the last state and any review interrupts."""
    result: dict[str, Any] = {}
    interrupts: list[Any] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("Starting", total=None, detail="")
        stream = graph.stream(
            payload,
            config,
            context=context,
            stream_mode=["tasks", "updates", "custom", "values"],
            durability="sync" if config is not None else None,
        )
        for mode, chunk in stream:
            if mode == "values":
                result = chunk
            elif mode == "tasks" and "input" in chunk:
                label = NODE_LABELS.get(chunk["name"], chunk["name"])
                progress.update(task, description=label, total=None, detail="")
            elif mode == "updates":
                interrupts.extend(chunk.get("__interrupt__", ()))
            elif mode == "custom":
                _show_event(progress, task, chunk)
    return result, interrupts


def _show_event(progress: Progress, task: Any, event: dict[str, Any]) -> None:
    kind = event.get("event")
    if kind == "training_started":
        progress.update(task, description=f"Training CTGAN on {event['seed_rows']} rows ({event['device']})",
                        total=event["epochs"], completed=0, detail="")
    elif kind == "epoch":
        progress.update(task, completed=event["epoch"],
                        detail=f"loss G {event['generator_loss']:.3f} D {event['discriminator_loss']:.3f}")
    elif kind == "seeds_checked":
        progress.update(task, detail=f"{event['passed']}/{event['checked']} seed rows valid")
    elif kind == "sampled":
        progress.update(task, description=f"Sampling round {event['round']}", total=None,
                        detail=f"{event['candidates']} candidates")
    elif kind == "candidates_checked":
        progress.update(task, description="Validating rows", detail=f"{event['ready']}/{event['wanted']} valid")


def _export_model(result: dict[str, Any], target: Path, force: bool) -> str:
    from agentgan.errors import OutputError
    from agentgan.tools.streaming import export_model

    training = result.get("training") or {}
    if not training.get("model_dir"):
        raise OutputError("This run trained no model, so --model-out has nothing to save.")
    return str(export_model(training["model_dir"], target, force=force))


def _write_outputs(result: dict[str, Any], out: Path, schema_out: Path | None) -> list[str]:
    from agentgan import load_dataset
    from agentgan.io import write_json, write_table

    written = []
    frame = load_dataset(result)
    write_table(frame, out)
    written.append(str(out))
    if schema_out is not None:
        write_json(result["schema"], schema_out)
        written.append(str(schema_out))
    return written


def _print_summary(result: dict[str, Any], written: list[str], seconds: float) -> None:
    dataset = result["dataset"]
    synthetic = result.get("validation", {}).get("synthetic", {})
    training = result.get("training", {})
    rate = synthetic.get("acceptance_rate")
    for warning in result.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(
        f"Rows: {dataset['rows']}  Columns: {len(dataset['columns'])}  "
        f"Acceptance rate: {rate:.1%}  Device: {training.get('device', '-')}  "
        f"Seconds: {seconds:.1f}"
        if rate is not None
        else f"Rows: {dataset['rows']}  Columns: {len(dataset['columns'])}  Seconds: {seconds:.1f}"
    )
    quality = result.get("report", {}).get("quality", {}).get("score")
    if quality is not None:
        reference = "the sample" if result.get("report", {}).get("reference") == "sample data" else "the seed rows"
        console.print(f"Quality score against {reference}: {quality:.2f}")
    console.print("Wrote: " + ", ".join(written))


def _errors_reported(verbose: bool = False) -> errors_reported:
    """Turn errors, Ctrl-C and SIGTERM into one line on stderr and an exit status."""
    return errors_reported(console, verbose=verbose)


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("rdt", "sdmetrics", "sdv", "httpx", "faker"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="ctgan")


def main() -> None:
    """Entry point of the `agentgan` console script."""
    app()




if __name__ == "__main__":
    main()
