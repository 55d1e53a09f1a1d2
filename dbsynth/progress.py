"""The progress callback every long step reports through (the CLI draws it; the library is quiet).

``progress(stage, table, rows)``: ``rows`` is how many rows of ``table`` the stage has done so
far — 0 when it starts, then growing — so a renderer can show rows/s. Stage ``expect``
announces how many rows a table will get before it is generated or loaded.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, str, int], None]


def quiet(stage: str, table: str, rows: int) -> None:
    """Report nothing (the default)."""
