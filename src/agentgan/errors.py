"""Exceptions raised by agentgan.

Every error a user can cause is an `AgentganError` whose message names the value that
failed and what to do about it. The command-line interface prints that message on one
line and exits with status 1 (2 for `UsageError`).
"""


class AgentganError(Exception):
    """Base class of every error that agentgan raises on purpose."""


class UsageError(AgentganError):
    """A request, option or setting is invalid before any work starts."""


class SchemaError(AgentganError):
    """A dataset schema is invalid: bad JSON, an unknown type, contradictory bounds."""


class RuleError(SchemaError):
    """A cross-column rule or derived-column formula is invalid or not allowed."""


class InputDataError(AgentganError):
    """A sample table given with `--from` or `sample_data` cannot be used."""


class SeedError(AgentganError):
    """Too few seed rows pass the schema after the allowed rounds."""


class TrainingError(AgentganError):
    """CTGAN training failed, for example because its losses turned NaN."""


class ValidationFailed(AgentganError):
    """Too few generated rows pass the schema after the allowed rounds."""


class ProviderError(AgentganError):
    """A chat model or search service failed or returned unusable output."""


class ModelFileError(AgentganError):
    """A saved model folder is missing, incomplete or was not written by agentgan."""


class OutputError(AgentganError):
    """An output path cannot be written, or exists and `force` was not given."""


class InputNotFoundError(InputDataError, UsageError):
    """A sample or schema file named as an input does not exist (a usage error, status 2)."""


class OutputFormatError(OutputError, UsageError):
    """An output file name has no extension agentgan writes (a usage error, status 2)."""
