"""PostgreSQL values Python has no object for, read as the nearest it has.

``'infinity'`` and ``'-infinity'`` dates and timestamps (an open-ended validity, a "never
expires") stop psycopg ("date too small (before year 1)"), so a source holding one could
not be read at all. They are read as the ends of Python's range (9999-12-31, 0001-01-01:
what every other engine can hold too), and :func:`infinite_columns` names the columns where
that happened, so the run says it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader

_ENDS: dict[str, tuple[Any, Any]] = {
    "date": (dt.date.min, dt.date.max),
    "timestamp": (dt.datetime.min, dt.datetime.max),
    "timestamptz": (dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                    dt.datetime.max.replace(tzinfo=dt.timezone.utc)),
}


def _at_ends(base: type, ends: tuple[Any, Any]) -> type:
    """A text loader of ``base`` reading -infinity and infinity as ``ends``."""

    def load(self: Any, data: Any) -> Any:
        raw = bytes(data)
        if raw == b"infinity":
            return ends[1]
        if raw == b"-infinity":
            return ends[0]
        return base.load(self, data)

    return type(f"Infinite{base.__name__}", (base,), {"load": load})


_LOADERS = {"date": _at_ends(DateLoader, _ENDS["date"]),
            "timestamp": _at_ends(TimestampLoader, _ENDS["timestamp"]),
            "timestamptz": _at_ends(TimestamptzLoader, _ENDS["timestamptz"])}


def read_infinities(conn: psycopg.Connection[Any]) -> None:
    """Let ``conn`` read infinite dates and timestamps (see the module's docstring)."""
    for name, loader in _LOADERS.items():
        conn.adapters.register_loader(name, loader)


def may_hold_infinities(type_name: str, values: Any) -> bool:
    """Whether a column of ``type_name`` read as ``values`` holds the ends infinities read as."""
    ends = _ENDS.get(type_name)
    return ends is not None and bool(values.isin(ends).any())
