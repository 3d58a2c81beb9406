"""Error reporting of the `agentgan` command: one line on stderr and an exit status.

Exit statuses:
    0: success.
    1: a failure (an `AgentganError` other than `UsageError`, or an unexpected error).
    2: a usage error: an invalid request, option or value, including the option parsing
       errors of click, such as an unknown option or a non-numeric `--rows`.
    130: interrupted by Ctrl-C (SIGINT).
    143: stopped by SIGTERM.

No traceback is printed unless `--verbose` is given, and then only for unexpected errors.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from types import FrameType, TracebackType
from typing import Any, Literal

import typer
from rich.console import Console
from typer.core import TyperGroup

from agentgan.errors import AgentganError, UsageError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

logger = logging.getLogger("agentgan")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that cleanup runs as it does for Ctrl-C."""


def print_error(console: Console, message: str) -> None:
    """Print `error: message` on one line, without rich markup or wrapping."""
    flat = " ".join(line.strip() for line in message.splitlines())
    console.print(f"error: {flat}", markup=False, highlight=False, soft_wrap=True)


class OneLineUsageGroup(TyperGroup):
    """A typer group whose usage errors print one `error:` line instead of a panel.

    For an unknown option or an invalid value, click and typer print the usage, a hint and
    a framed message. Here scripts that read stderr get one line, with the hint folded in.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode, print click errors as one line and exit."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)

        console = Console(stderr=True)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            print_error(console, "aborted.")
            sys.exit(EXIT_FAILURE)
        except Exception as caught:
            # typer vendors its own copy of click, so its exceptions are matched by shape:
            # every click exception has format_message() and exit_code.
            if not (hasattr(caught, "format_message") and hasattr(caught, "exit_code")):
                raise
            exc: Any = caught
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
            else:
                print_error(console, _usage_message(exc))
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: Any) -> str:
    message = str(exc.format_message()).rstrip(".")
    context = getattr(exc, "ctx", None)
    if context is not None and exc.exit_code == EXIT_USAGE:
        return f"{message}; see '{context.command_path} --help'."
    return f"{message}."


class errors_reported:  # noqa: N801 - used as a lowercase `with` statement
    """Turn errors and signals inside a command into one line on stderr and an exit status.

    While the block runs, SIGTERM raises `Terminated` in the main thread, so that a write
    in progress removes its temporary file as it does for Ctrl-C.
    """

    def __init__(self, console: Console, *, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, _raise_terminated)
            self._installed = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous or signal.SIG_DFL)
            self._installed = False

        if error is None or isinstance(error, (typer.Exit, typer.Abort, SystemExit)):
            return False
        if isinstance(error, KeyboardInterrupt):
            cause = "stopped by SIGTERM" if isinstance(error, Terminated) else "interrupted"
            print_error(
                self.console,
                f"{cause}; no partial output file was left, and outputs not yet written are "
                "unchanged.",
            )
            code = EXIT_TERMINATED if isinstance(error, Terminated) else EXIT_INTERRUPTED
            raise typer.Exit(code)
        if isinstance(error, AgentganError):
            print_error(self.console, str(error))
            raise typer.Exit(EXIT_USAGE if isinstance(error, UsageError) else EXIT_FAILURE)
        if isinstance(error, Exception):
            if self.verbose:
                logger.error("Unexpected error", exc_info=error)
            print_error(
                self.console,
                f"unexpected {type(error).__name__}: {error}. This is a bug in agentgan; "
                "rerun with --verbose to see where it happened, and report it.",
            )
            raise typer.Exit(EXIT_FAILURE)
        return False


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def usage_error_from_settings(error: Any, options: Mapping[str, str]) -> UsageError:
    """Phrase the first error of a pydantic `ValidationError` by the option that set it.

    Args:
        error: The `pydantic.ValidationError` raised by the run settings.
        options: Settings field name to command-line option, for example
            `{"random_seed": "--seed"}`; other fields are named as they are.
    """
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    option = options.get(field, field)
    reason = str(first["msg"])
    reason = reason[:1].lower() + reason[1:]
    return UsageError(f"Invalid value {first.get('input')!r} for {option}: {reason}.")
