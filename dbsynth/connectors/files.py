"""Folders of CSV or Parquet files as sources and targets, through an in-process DuckDB.

Source: every file of the format in the folder is a table named after the file; DuckDB's
readers infer the types (dates, decimals, nulls) and read big files in streaming scans, so a
training sample never holds a whole file. A folder declares no keys: key inference finds
them, unless the folder carries a ``dbsynth.yaml`` (as dbsynth writes it), whose keys are
then the folder's declared keys.

Target: the tables are built in a private DuckDB staging file (keys, checks and the load
plan work as on DuckDB, so integrity holds before anything is exported), then each table is
written as one file into a hidden folder beside the target, with ``dbsynth.yaml`` describing
the keys the files keep. On commit that folder becomes the target (one rename) or, when the
target folder exists, each file is moved into it (one atomic rename per file; other files
there are never touched). A failure leaves the target as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from collections.abc import Iterator, Mapping
from typing import Any

import duckdb
import pandas as pd

from dbsynth.connectors.base import Dependent, first_line, qualified, quote_ident, probe_by_query
from dbsynth.connectors.duckdb import (
    STAGE_FILE, DuckDBSession, building_path, remove_stale_builds,
)
from dbsynth.connectors.folder_metadata import (
    METADATA_FILE, folder_metadata_text, sql_text, usable_types, with_folder_keys, written_types,
)
from dbsynth.connectors.urls import DatabaseUrl
from dbsynth.dialects import get_dialect
from dbsynth.dialects.duckdb import parse_type as parse_duckdb_type
from dbsynth.dialects.files import FOLDER_LOCATION, FORMATS, FileFormat
from dbsynth.errors import ConnectionError_, LoadError, SchemaError
from dbsynth.schema.model import Column, Schema, Table

log = logging.getLogger(__name__)



def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class FolderConnector:
    """A folder of one format's files as a database with one schema, ``main``."""

    def __init__(self, url: DatabaseUrl, schema: str = "main", role: str = "source") -> None:
        self.capabilities = get_dialect(url.drivername.lower())
        self.dialect = self.capabilities.name
        self.format: FileFormat = FORMATS[self.dialect]
        if not url.database:
            raise ConnectionError_(f"a {self.dialect} URL needs a folder: "
                                   f"{self.dialect}:///path/to/folder")
        self.path = Path(url.database).expanduser().resolve()
        self.schema_name = "main"
        self.role = role
        self._reader: duckdb.DuckDBPyConnection | None = None
        self._viewed: dict[str, Path] = {}
        if self.path.exists() and not self.path.is_dir():
            raise ConnectionError_(f"{self.display_url}: {self.path} is a file, not a folder")
        if role == "source":
            if not self.path.is_dir():
                raise ConnectionError_(f"folder not found: {self.path}")
            if not self.files():
                raise SchemaError(f"{self.display_url} holds no {self.format.name} files "
                                  f"(looked for {', '.join('*' + s for s in self.format.suffixes)})")

    # -- identity -------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        return f"{self.dialect}:///{self.path}"

    @property
    def location(self) -> str:
        """The folder, whatever the format: a CSV source's folder is the source for a
        Parquet target too (the files share it and its ``dbsynth.yaml``)."""
        return f"{FOLDER_LOCATION}{self.path}#{self.schema_name}"

    def files(self) -> dict[str, Path]:
        """Table name -> file, for the folder's files of this format (none if no folder)."""
        if not self.path.is_dir():
            return {}
        found: dict[str, Path] = {}
        for path in sorted(self.path.iterdir()):
            suffix = next((s for s in self.format.suffixes if path.name.lower().endswith(s)), None)
            if suffix is None or not path.is_file() or path.name.startswith("."):
                continue
            name = path.name[:-len(suffix)]
            twin = next((p for n, p in found.items() if n.casefold() == name.casefold()), None)
            if twin is not None:
                raise SchemaError(f"two files in {self.path} are table {name!r}: "
                                  f"{twin.name} and {path.name}")
            found[name] = path
        return found

    # -- reading --------------------------------------------------------------------------
    def _reading(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with one view per file, rebuilt when the folder's files change
        (a target's files appear on commit, and the integrity check reads them)."""
        files = self.files()
        if self._reader is not None and files == self._viewed:
            return self._reader
        if self._reader is not None:
            self._reader.close()
        reader = duckdb.connect(":memory:")
        written = {} if self.format.typed else written_types(self.path / METADATA_FILE)
        for name, path in files.items():
            scan = self.format.reader.format(path=_literal(path))
            types = usable_types(reader, scan, written.get(name, {}))
            if types:  # a CSV file written by dbsynth: its columns' types, not sniffed ones
                scan = scan[:-1] + ", types = {" + ", ".join(
                    f"{sql_text(c)}: {sql_text(t)}" for c, t in types.items()) + "})"
            reader.execute(f"CREATE VIEW {qualified('main', name)} AS SELECT * FROM {scan}")
        self._reader, self._viewed = reader, files
        return reader

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        try:
            return self._reading().execute(sql, params or []).fetchall()
        except duckdb.Error as exc:
            raise SchemaError(f"query failed on {self.display_url}: {first_line(exc)}") from None

    def engine_version(self) -> str:
        return f"{self.format.name} files, read by DuckDB {duckdb.__version__}"

    def introspect(self) -> Schema:
        tables: list[Table] = []
        names = list(self.files())
        counts = self._row_counts(names)
        for name in names:
            rows = self.query(f"DESCRIBE SELECT * FROM {qualified('main', name)}")
            columns = tuple(Column(col, parse_duckdb_type(dtype, {}, name, col), True)
                            for col, dtype, *_ in rows)
            tables.append(Table(name, columns, row_count=counts[name]))
        schema = Schema(self.dialect, self.schema_name, tuple(tables))
        return with_folder_keys(schema, self.path / METADATA_FILE)

    def _row_counts(self, names: list[str]) -> dict[str, int]:
        if not names:
            return {}
        union = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {qualified('main', n)}"
                                   for i, n in enumerate(names))
        return {names[int(i)]: int(c) for i, c in self.query(union)}

    def read_table(self, table: Table, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
        cols = ", ".join(quote_ident(c.name) for c in table.columns)
        sample = ""
        if limit is not None and table.row_count > limit:  # a streaming scan keeps `limit` rows
            sample = f" USING SAMPLE reservoir({int(limit)} ROWS) REPEATABLE ({int(seed)})"
        try:
            arrow = self._reading().sql(
                f"SELECT {cols} FROM {qualified('main', table.name)}{sample}").to_arrow_table()
        except duckdb.Error as exc:
            raise SchemaError(f"cannot read {table.name}: {first_line(exc)}") from None
        return arrow.to_pandas()

    def probe(self, sql: str) -> str | None:
        return probe_by_query(self.query, self.display_url, sql)

    def begin_target(self) -> FolderSession:
        """A write session; what killed earlier writes left beside the folder is removed first."""
        removed = remove_stale_builds(self.path, beside=True)
        if removed:
            log.warning("removed what killed dbsynth writes left: %s",
                        ", ".join(str(p) for p in removed))
        return FolderSession(self)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _check_file_names(tables: list[str], folder: Path) -> None:
    """Every table becomes a file named after it in the folder: a name with a path separator
    would write elsewhere (``../x``), a hidden one (``.x``) would never be read back."""
    for name in tables:
        if not name or "/" in name or "\0" in name or name.startswith("."):
            raise LoadError(f"table {name!r} cannot be written to {folder}: its name is no "
                            "file name there (a '/', or a leading '.'); rename it or leave "
                            "it out (--exclude)")


def _keep(path: Path, copy: Path) -> None:
    """A second name for ``path`` (a hard link; a copy where the file system has none)."""
    try:
        os.link(path, copy)
    except OSError:
        shutil.copy2(path, copy)


class _RowCounts(Mapping[str, int]):
    """Table -> rows of its file, counted on first access."""

    def __init__(self, session: FolderSession, scans: dict[str, str]) -> None:
        self._session = session
        self._scans = scans
        self._counted: dict[str, int] = {}

    def __getitem__(self, name: str) -> int:
        if name not in self._counted:
            scan = self._scans[name]
            self._counted[name] = int(self._session.query(f"SELECT count(*) FROM {scan}")[0][0])
        return self._counted[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._scans)

    def __len__(self) -> int:
        return len(self._scans)


class FolderSession:
    """One write into a folder: staged in a private DuckDB file, exported on commit."""

    def __init__(self, connector: FolderConnector) -> None:
        self.capabilities = connector.capabilities
        self.schema_name = "main"
        self._connector = connector
        # Beside the target (same file system: the export moves into place by renames), named
        # as a new DuckDB file's build is, so a killed write's folder is found and removed.
        self._stage = building_path(connector.path)
        #: folders this write creates above the target (removed again unless it commits)
        self._made = [p for p in self._stage.parents if not p.exists()]
        self._committed = False
        try:
            self._stage.mkdir(parents=True)
        except OSError as exc:
            raise ConnectionError_(f"cannot write {connector.display_url}: {exc}") from None
        stage_file = self._stage / STAGE_FILE
        # Statements commit one by one into a file nobody else sees (as a new DuckDB target).
        self._db = DuckDBSession(duckdb.connect(str(stage_file)), "main",
                                 new_file=(stage_file, stage_file),
                                 capabilities=connector.capabilities)
        self._stand_ins: dict[str, int] = {}  # existing file -> oid of its empty stand-in
        self._out: Path | None = None

    # Work on the staged tables is DuckDB's.
    def execute(self, sql: str) -> None:
        self._db.execute(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self._db.query(sql)

    def load(self, table: Table, frame: pd.DataFrame) -> None:
        self._db.load(table, frame)

    def update_columns(self, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> None:
        self._db.update_columns(table, key, frame)

    def try_execute(self, sql: str) -> str | None:
        """Another engine's views and indexes have no place in a folder of files."""
        return f"a folder of {self._connector.format.name} files holds tables only"

    def grants_on(self, relations: list[str]) -> list[str]:
        return []  # files have no grants

    def existing_tables(self) -> Mapping[str, int]:
        """The folder's files with their rows; each gets an empty stand-in table in the stage,
        so that the writer's ``DROP TABLE`` of a replaced one works as on a database. Rows
        are counted when asked for (a CSV file is parsed whole to count it): only the files
        of tables this write has are."""
        fmt = self._connector.format
        scans: dict[str, str] = {}
        for name, path in self._connector.files().items():
            scans[name] = fmt.reader.format(path=_literal(path))
            if name not in self._stand_ins:  # never read: it is only ever dropped
                self.execute(f"CREATE TABLE {qualified('main', name)} (stand_in INTEGER)")
                self._stand_ins[name] = self._oid(name)
        return _RowCounts(self, scans)

    def existing_enums(self) -> dict[str, tuple[str, ...]]:
        return {}

    def dependents(self, tables: list[str]) -> list[Dependent]:
        return []  # files have no views or foreign keys on them

    def _oid(self, name: str) -> int:
        rows = self.query(f"SELECT table_oid FROM duckdb_tables() WHERE schema_name = 'main' "
                          f"AND table_name = '{name.replace(chr(39), chr(39) * 2)}'")
        return int(rows[0][0])

    def commit(self) -> None:
        """Export every table this write made, with ``dbsynth.yaml``, then move into place."""
        conn = self._db.conn
        tables = [n for n, oid in self.query(
            "SELECT table_name, table_oid FROM duckdb_tables() WHERE schema_name = 'main'")
            if self._stand_ins.get(n) != oid]
        _check_file_names(tables, self._connector.path)
        folder = self._connector.path
        self._out = self._stage / "out"
        fmt = self._connector.format
        try:
            self._out.mkdir()
            for name in tables:
                target = self._out / (name + fmt.suffixes[0])
                conn.execute(f"COPY {qualified('main', name)} TO {_literal(target)} {fmt.writer}")
            conn.execute("CHECKPOINT")
            conn.close()
            self._write_metadata(tables)
            self._move_into_place(folder, tables)
            self._committed = True
        except (duckdb.Error, OSError) as exc:
            self.rollback()
            raise LoadError(f"writing {self._connector.display_url} failed: {first_line(exc)}") from None
        finally:
            shutil.rmtree(self._stage, ignore_errors=True)

    def _write_metadata(self, tables: list[str]) -> None:
        """``dbsynth.yaml``: the written tables' keys (as the stage declares them) and types,
        merged into the folder's own file so that other tables' entries stay."""
        from dbsynth.connectors.duckdb import DuckDBConnector
        from dbsynth.connectors.urls import FileUrl

        # by path, not a URL string: the stage is named after the folder ('%41', '?' …)
        stage = DuckDBConnector(FileUrl("duckdb", str(self._stage / STAGE_FILE)),
                                role="source")
        try:
            schema = stage.introspect()
        finally:
            stage.close()
        schema = Schema(schema.dialect, schema.name,
                        tuple(t for t in schema.tables if t.name in set(tables)), schema.enums)
        text = folder_metadata_text(schema, self._connector.path / METADATA_FILE)
        assert self._out is not None
        (self._out / METADATA_FILE).write_text(text)

    def _move_into_place(self, folder: Path, tables: list[str]) -> None:
        """The new folder renamed into place, or each new file moved over its old one (one
        atomic rename each). The old files are kept (hard links) until every move is done, so
        a failure puts them back; a replaced table's file with another ending or case (``t.tsv``
        or ``T.csv`` for a new ``t.csv``) is removed once the new one is in place."""
        assert self._out is not None
        if not folder.exists():
            os.rename(self._out, folder)
            return
        before = self._connector.files()
        keep = self._out / ".old"
        keep.mkdir()
        kept: list[Path] = []
        placed: list[Path] = []
        try:
            for path in sorted(p for p in self._out.iterdir() if p != keep):
                dest = folder / path.name
                if dest.exists():
                    _keep(dest, keep / dest.name)
                    kept.append(dest)
                os.replace(path, dest)
                placed.append(dest)
        except BaseException:  # an error, or an interrupt (Ctrl-C, a service cancel)
            for dest in placed:
                if dest not in kept:
                    dest.unlink(missing_ok=True)
            for dest in kept:
                os.replace(keep / dest.name, dest)
            raise
        for name in tables:  # the stage's names ignore case, as its DuckDB does
            new_file = folder / (name + self._connector.format.suffixes[0])
            for table, old in before.items():
                if (table.casefold() == name.casefold() and old != new_file and old.exists()
                        and not os.path.samefile(old, new_file)):  # one file where case is ignored
                    old.unlink()
        shutil.rmtree(self._out, ignore_errors=True)

    def rollback(self) -> None:
        try:
            self._db.conn.close()
        except duckdb.Error:
            pass
        if self._out is not None:
            shutil.rmtree(self._out, ignore_errors=True)
        self.close()

    def close(self) -> None:
        try:
            self._db.conn.close()
        except duckdb.Error:
            pass
        shutil.rmtree(self._stage, ignore_errors=True)
        if not self._committed:
            for folder in self._made:  # innermost first; only while empty
                try:
                    folder.rmdir()
                except OSError:
                    break

