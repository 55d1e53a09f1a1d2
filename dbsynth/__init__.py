"""dbsynth: synthetic copies of SQL databases, keys and constraints proved in the target.

The public API is small and cheap to import; heavy modules load on first use.
"""

from __future__ import annotations

from dbsynth.errors import (
    ConnectionError_, DbsynthError, DriftError, IntegrityError, LoadError, ModelError,
    SchemaError, UnsafeTargetError, UsageError,
)

__version__ = "0.1.0"

__all__ = [
    "ConnectionError_", "DbsynthError", "DriftError", "IntegrityError", "LoadError", "ModelError",
    "SchemaError", "UnsafeTargetError", "UsageError", "__version__", "inspect", "synth",
]


def inspect(url: str, schema: str | None = None):  # type: ignore[no-untyped-def]
    """Read a database's schema and load plan (see :func:`dbsynth.inspection.inspect`;
    it loads no pandas and no model)."""
    from dbsynth.inspection import inspect as _inspect

    return _inspect(url, schema=schema)


def synth(source_url: str, target_url: str, **options):  # type: ignore[no-untyped-def]
    """Synthesize ``source_url`` into ``target_url`` (see :func:`dbsynth.pipeline.synth`)."""
    from dbsynth.pipeline import synth as _synth

    return _synth(source_url, target_url, **options)
