"""One exception tree for everything dbsynth reports to a user.

Every error carries a one-line, password-free message (``str(err)``); the CLI prints it and
exits non-zero, the service turns it into an HTTP error. Driver exceptions are translated once,
at the connector boundary (``raise DbsynthError(...) from exc``).
"""

from __future__ import annotations


class DbsynthError(Exception):
    """Base of every error dbsynth raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(DbsynthError):
    """A flag or argument that makes no sense (scale out of range, unknown URL scheme...)."""

    exit_code = 2


class MetadataError(UsageError):
    """The metadata file is malformed or names what the database does not have."""


class ConnectionError_(DbsynthError):
    """The database cannot be reached or opened (wrong host, missing file, bad login)."""


class SchemaError(DbsynthError):
    """The schema cannot be read or mirrored (missing schema/table, unsupported shape)."""


class UnsafeTargetError(DbsynthError):
    """Writing would lose data: target is the source, or its tables hold rows (no --replace)."""


class DriftError(SchemaError):
    """A refresh must stop before writing: the target's schema differs from the source's and
    the policy says stop, or a table outside the selection depends on one it would recreate."""

    exit_code = 3

    def __init__(self, message: str, plan: object | None = None) -> None:
        super().__init__(message)
        self.plan = plan  # the refresh plan, so callers can still show the drift


class LoadError(DbsynthError):
    """Writing into the target failed; the target was rolled back to its previous state."""


class IntegrityError(DbsynthError):
    """The target violates a key or constraint after the load (orphans, duplicates, nulls)."""

    def __init__(self, message: str, violations: list[dict[str, object]] | None = None,
                 result: object | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []
        self.result = result  # the pipeline's result, so callers can still show the summary


class ModelError(DbsynthError):
    """A model cannot be trained, stored or loaded (corrupt or incompatible model file)."""
