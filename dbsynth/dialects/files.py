"""Folders of files (``csv:///folder``, ``parquet:///folder``): every file is a table.

They are read and written through an in-process DuckDB, so their dialect is DuckDB's (types,
expressions, key placement) under its own name and scheme; what a folder cannot do (keys,
types in CSV) is in :mod:`dbsynth.connectors.files`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from dbsynth.dialects import duckdb
from dbsynth.dialects.base import Dialect


@dataclass(frozen=True)
class FileFormat:
    """How one format's files are found, read and written by DuckDB."""

    name: str
    #: file name endings that are tables of this format (the first is the one written)
    suffixes: tuple[str, ...]
    #: DuckDB table function reading one file (``{path}`` is a quoted literal; it ends with
    #: its closing parenthesis, so options such as CSV ``types`` can be added before it)
    reader: str
    #: DuckDB ``COPY … TO`` options writing one file
    writer: str
    #: the format stores column types (CSV: DuckDB sniffs them back)
    typed: bool


# DuckDB writes NULL as an empty field and '' as "": read "" back as '' (DuckDB's reader
# takes a quoted empty field for NULL by default, which would turn every '' into NULL).
CSV = FileFormat("csv", (".csv", ".csv.gz", ".tsv"),
                 "read_csv({path}, header = true, allow_quoted_nulls = false)",
                 "(FORMAT csv, HEADER)", typed=False)
PARQUET = FileFormat("parquet", (".parquet",), "read_parquet({path})", "(FORMAT parquet)",
                     typed=True)
FORMATS = {f.name: f for f in (CSV, PARQUET)}
#: how a folder's location begins, for every format (see ``FolderConnector.location``)
FOLDER_LOCATION = "folder://"

#: what a folder is not, whatever its format: no enum types, no auto-numbered keys (a
#: sequence in the stage would not be exported), no key the files enforce, no views
_FOLDER: dict[str, Any] = {"enums": False, "identity_kind": "none", "enforces_keys": False, "views": False}
CSV_DIALECT: Dialect = replace(duckdb.DIALECT, name="csv", schemes=("csv",), **_FOLDER)
PARQUET_DIALECT: Dialect = replace(duckdb.DIALECT, name="parquet", schemes=("parquet",),
                                   **_FOLDER)
