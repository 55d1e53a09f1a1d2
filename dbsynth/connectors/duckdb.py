"""DuckDB files through DuckDB's own catalog functions (SQLAlchemy reflection breaks on 2.x)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import glob
import json
import logging
import os
import re
import shutil
import socket
import threading
import uuid
from pathlib import Path
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb

from dbsynth.connectors.objects import duckdb_objects
from dbsynth.connectors.base import (Dependent, first_line, is_null_value, qualified, quote_ident, read_sql,
                                     short_sql)
from dbsynth.connectors.urls import DatabaseUrl
from dbsynth.dialects.base import Dialect
from dbsynth.dialects.duckdb import (DIALECT, KEY_BUILD_MEMORY_LIMIT, WIDE_INTEGERS, WRITE_CHECKPOINT_SHARE,
                                     WRITE_MEMORY_LIMIT)
from dbsynth.dialects.duckdb import parse_type as parse_duckdb_type
from dbsynth.errors import ConnectionError_, LoadError, SchemaError, UsageError
from dbsynth.schema.model import (
    CheckConstraint, Column, EnumType, ForeignKey, PrimaryKey, Schema, SqlType, Table,
    UniqueConstraint,
)

if TYPE_CHECKING:  # pandas and pyarrow load where rows move: reading a schema needs neither
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

CAPABILITIES = DIALECT  # what the engine can do (dbsynth.dialects.duckdb)


SQLITE_MAGIC = b"SQLite format 3\x00"


def _refuse_sqlite(path: Path) -> None:
    """A SQLite file is refused before DuckDB opens it: DuckDB would try to download its
    sqlite extension (over the network) and then write into the file as a DuckDB database."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError:
        return  # missing or unreadable: DuckDB says so in its own words
    if head == SQLITE_MAGIC:
        raise ConnectionError_(f"{path} is a SQLite database file, not DuckDB; "
                               "dbsynth does not read SQLite yet")


_SCRATCH = threading.local()
_SCRATCH_LOCK = threading.Lock()
_SCRATCH_DATABASE: list[duckdb.DuckDBPyConnection] = []


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """This thread's connection to one in-memory DuckDB kept for the process, for probes
    and for evaluating CHECKs on generated rows. Opening a database costs 10-40 ms; a
    cursor on an open one well under 1 ms. Each thread has its own cursor (a DuckDB
    connection is not for two threads at once; what one registers the others do not see)."""
    con = getattr(_SCRATCH, "con", None)
    if con is None:
        with _SCRATCH_LOCK:
            if not _SCRATCH_DATABASE:
                _SCRATCH_DATABASE.append(duckdb.connect(":memory:"))
            con = _SCRATCH.con = _SCRATCH_DATABASE[0].cursor()
    return con


class DuckDBConnector:
    dialect = "duckdb"
    capabilities = CAPABILITIES

    def __init__(self, url: DatabaseUrl, schema: str = "main", role: str = "source") -> None:
        if not url.database:
            raise ConnectionError_("a DuckDB URL needs a file path: duckdb:///path/file.duckdb")
        self.path = Path(url.database).expanduser().resolve()
        self.memory_limit = _memory_limit(url)
        self.schema_name = schema
        self.role = role
        if role == "source" and not self.path.is_file():
            raise ConnectionError_(f"DuckDB file not found: {self.path}" if not self.path.exists()
                                   else f"not a DuckDB file: {self.path} is a directory or device")
        _refuse_sqlite(self.path)
        if role == "target":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Sources are opened read-only: dbsynth never writes into a source.
        self._read_only = role == "source"
        self._reader: duckdb.DuckDBPyConnection | None = None
        if role == "source":  # on the connection reads keep: opening a file costs ~20 ms
            found = self.query("SELECT count(*) FROM duckdb_schemas() WHERE database_name ="
                               " current_database() AND schema_name = ?", [schema])
            if not found or not found[0][0]:
                self.close()
                raise SchemaError(f"schema {schema!r} does not exist in {self.display_url}")

    @property
    def display_url(self) -> str:
        return f"duckdb:///{self.path}"

    @property
    def location(self) -> str:
        return f"duckdb://{self.path}#{self.schema_name}"

    def _open(self, path: Path | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
        try:
            conn = duckdb.connect(str(path or self.path), read_only=self._read_only)
            limit = self.memory_limit or memory_limit
            if limit:  # the whole in-process engine's cap (indexes must fit in it)
                conn.execute(f"SET memory_limit = '{limit}'")
            return conn
        except duckdb.Error as exc:
            raise ConnectionError_(f"cannot open {self.display_url}: {first_line(exc)}") from None

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connector's one connection for reads, opened on first use and kept until
        ``close``: opening a file costs milliseconds, and inference and integrity checks run
        hundreds of queries. (A write session opens its own; in one process both share the
        same database instance, so reads after its commit see the new rows.)"""
        if self._reader is None:
            self._reader = self._open()
            if self.role == "source":  # every read of a source sees one snapshot, till close
                self._reader.execute("BEGIN TRANSACTION")
        yield self._reader

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._reading() as conn:
            try:
                return conn.execute(sql, params or []).fetchall()
            except duckdb.Error as exc:
                self._after_failed_read(conn)
                raise SchemaError(f"query failed on {self.display_url}: {first_line(exc)}") from None

    def _after_failed_read(self, conn: duckdb.DuckDBPyConnection) -> None:
        """A read that fails as it runs aborts a source's transaction: begin another (the
        file is locked by the reader, so nothing was written meanwhile: the same snapshot)."""
        if self.role == "source":
            try:
                conn.execute("ROLLBACK")
            except duckdb.Error:
                pass  # no transaction was open
            conn.execute("BEGIN TRANSACTION")

    def engine_version(self) -> str:
        return f"DuckDB {duckdb.__version__}"

    def introspect(self) -> Schema:
        s = self.schema_name
        if not self.path.exists():  # a target not written yet: empty, and not created by looking
            return Schema("duckdb", s, ())
        names = [r[0] for r in self.query(read_sql("duckdb", "tables"), [s])]
        enum_rows = self.query(read_sql("duckdb", "enums"), [s])
        enum_by_labels = {tuple(labels): name for name, labels in enum_rows}
        enums: dict[str, EnumType] = {n: EnumType(n, tuple(lb)) for n, lb in enum_rows}
        columns: dict[str, list[Column]] = {n: [] for n in names}
        for (table, col, dtype, nullable, default, _prec, _scale, _length, is_generated,
             expression) in self.query(read_sql("duckdb", "columns"), [s, s]):
            sql_type = parse_duckdb_type(dtype, enum_by_labels, table, col)
            for t in (sql_type, sql_type.element):
                if t is not None and t.name == "enum" and t.enum and t.enum not in enums:
                    labels = tuple(re.findall(r"'((?:[^']|'')*)'", t.native))
                    enums[t.enum] = EnumType(t.enum, labels)
            identity = "by default" if default and default.startswith("nextval(") else None
            computed = expression if is_generated else None
            columns[table].append(Column(col, sql_type, bool(nullable),
                                         None if identity or computed else default,
                                         identity, generated=computed))  # type: ignore[arg-type]
        pks: dict[str, PrimaryKey] = {}
        fks: dict[str, list[ForeignKey]] = {n: [] for n in names}
        uniques: dict[str, list[UniqueConstraint]] = {n: [] for n in names}
        checks: dict[str, list[CheckConstraint]] = {n: [] for n in names}
        for table, cname, ctype, cols, ref_table, ref_cols, expr in self.query(
                read_sql("duckdb", "constraints"), [s]):
            cols = tuple(cols)
            if ctype == "PRIMARY KEY":
                pks[table] = PrimaryKey(cols, cname)
            elif ctype == "UNIQUE":
                uniques[table].append(UniqueConstraint(cols, cname))
            elif ctype == "FOREIGN KEY" and ref_table:
                fks[table].append(ForeignKey(cols, ref_table, tuple(ref_cols), cname))
            elif ctype == "CHECK" and expr:
                checks[table].append(CheckConstraint(expr, cname, dialect="duckdb"))
        counts = self._row_counts(names)
        tables = tuple(Table(n, tuple(columns[n]), pks.get(n), tuple(fks[n]), tuple(uniques[n]),
                             tuple(checks[n]), counts[n]) for n in names)
        return Schema("duckdb", s, tables, tuple(sorted(enums.values(), key=lambda e: e.name)),
                      duckdb_objects(self.query, s))

    def _row_counts(self, names: list[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for start in range(0, len(names), 200):  # one query per 200 tables
            chunk = names[start:start + 200]
            union = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {qualified(self.schema_name, n)}"
                                       for i, n in enumerate(chunk))
            counts.update({chunk[int(i)]: int(c) for i, c in self.query(union)})
        return counts

    def read_table(self, table: Table, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
        # a UHUGEINT goes to Arrow as decimal128(38, 0), which wraps values above 2**127
        # (340282366920938463463374607431768211000 read as -456): read as text, then ints
        unsigned = [c.name for c in table.columns if c.type.native == "UHUGEINT"]
        cols = ", ".join(f"CAST({quote_ident(c.name)} AS VARCHAR) AS {quote_ident(c.name)}"
                         if c.name in unsigned else quote_ident(c.name) for c in table.columns)
        sample = ""
        if limit is not None and table.row_count > limit:
            sample = f" USING SAMPLE reservoir({int(limit)} ROWS) REPEATABLE ({int(seed)})"
        with self._reading() as conn:
            try:
                arrow = conn.sql(f"SELECT {cols} FROM {qualified(self.schema_name, table.name)}"
                                 f"{sample}").to_arrow_table()
            except duckdb.Error as exc:
                self._after_failed_read(conn)
                raise SchemaError(f"cannot read {table.name}: {first_line(exc)}") from None
        frame = arrow.to_pandas(types_mapper=None)
        for name in unsigned:
            frame[name] = frame[name].map(int, na_action="ignore").astype(object)
        return frame

    def begin_target(self) -> DuckDBSession:
        """A write session. A target file that does not exist yet is built beside its path
        and moved there on commit: then every statement can commit as it goes (DuckDB holds
        an open transaction's rows in the process's memory: about 80 bytes a row even
        without keys, measured), and a failure leaves no file at all. Files a killed
        earlier write left beside the path are removed first (see :func:`stale_builds`)."""
        removed = remove_stale_builds(self.path)
        if removed:
            log.warning("removed what killed dbsynth writes left: %s",
                        ", ".join(str(p) for p in removed))
        if self.path.exists():
            return DuckDBSession(self._open(), self.schema_name)
        stale = self.path.with_name(self.path.name + ".wal")
        if stale.exists():  # DuckDB would replay it into the new file
            raise ConnectionError_(f"{stale} exists without its database file; move it away first")
        building = building_path(self.path)
        # A new file gets a cap even when the URL sets none (WRITE_MEMORY_LIMIT): its loads
        # are checkpointed as the engine fills, which lets go of rows and keys' indexes. An
        # existing file is written in one transaction, whose indexes must stay in memory
        # until the commit: it keeps DuckDB's own limit (80% of RAM) unless the URL sets one.
        limit = self.memory_limit or WRITE_MEMORY_LIMIT
        return DuckDBSession(self._open(building, limit), self.schema_name, new_file=(building, self.path),
                             checkpoint_above=_checkpoint_above(limit),
                             default_cap=self.memory_limit is None)

    def probe(self, sql: str) -> str | None:
        """On the file's own catalog (its macros too); a file not written yet has DuckDB's
        built-ins only, probed in memory so that looking creates no file."""
        if self.path.exists():
            try:
                self.query(sql)
            except SchemaError as exc:
                return exc.message.removeprefix(f"query failed on {self.display_url}: ")
            return None
        try:
            scratch_connection().execute(sql)
        except duckdb.Error as exc:
            return first_line(exc)
        return None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class DuckDBSession:
    """One DuckDB transaction on the target file (DuckDB DDL is transactional too); or, on
    a ``new_file`` (the file being built, the path it takes on commit), statements that
    commit one by one into a file nobody else sees until it is moved into place."""

    capabilities = CAPABILITIES

    def __init__(self, conn: duckdb.DuckDBPyConnection, schema_name: str,
                 new_file: tuple[Path, Path] | None = None,
                 capabilities: Dialect | None = None, checkpoint_above: int | None = None,
                 default_cap: bool = False) -> None:
        #: the dialect the tables were declared in (a folder's stage: no enum types), whose
        #: spelling of each column's type the loads cast to
        self.capabilities = capabilities or CAPABILITIES
        self.conn = conn
        self.schema_name = schema_name
        self._new_file = new_file
        #: bytes the engine may hold after a load before a new file is checkpointed
        self._checkpoint_above = checkpoint_above if new_file is not None else None
        #: the memory cap is dbsynth's default, not the URL's: lifted where a statement
        #: needs more (building a key's index over a big table must fit in memory)
        self._default_cap = default_cap
        #: the DDL run so far, replayed into a scratch database by :meth:`try_execute`
        self._ddl: list[str] = []
        if new_file is None:
            self.conn.execute("BEGIN TRANSACTION")

    def execute(self, sql: str) -> None:
        if sql.lstrip()[:6].upper() in ("CREATE", "ALTER ", "COMMEN"):
            self._ddl.append(sql)
        if self._default_cap and _KEY_BUILD.match(sql):
            self._build_key(sql)
            return
        try:
            self.conn.execute(sql)
        except duckdb.Error as exc:
            if not _out_of_memory(exc):
                raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None
            if not self._default_cap:
                raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)}); "
                                "raise the URL's ?memory_limit=") from None
            self._lift_cap(sql, WRITE_MEMORY_LIMIT)
            self.execute(sql)

    def _build_key(self, sql: str) -> None:
        """A key's index built over loaded rows under dbsynth's default caps (a new file):
        under ``KEY_BUILD_MEMORY_LIMIT``, as it must fit in memory whole; then checkpointed,
        so the index written out can leave memory, and back under the load cap."""
        problem = self._try_build_key(sql)
        if problem is not None:
            raise LoadError(f"{problem} (while running: {short_sql(sql)})")

    def _try_build_key(self, sql: str) -> str | None:
        """:meth:`_build_key`, the engine's refusal returned (``try_execute``), not raised."""
        self.conn.execute(f"SET memory_limit = '{KEY_BUILD_MEMORY_LIMIT}'")
        try:
            self.conn.execute(sql)
        except duckdb.Error as exc:
            if not _out_of_memory(exc):  # (a commit finding no block is out of memory too)
                self.conn.execute(f"SET memory_limit = '{WRITE_MEMORY_LIMIT}'")  # refused: back
                return first_line(exc)
            self._lift_cap(sql, KEY_BUILD_MEMORY_LIMIT)
            self.execute(sql)
            return None
        self.execute("CHECKPOINT")
        try:
            self.conn.execute(f"SET memory_limit = '{WRITE_MEMORY_LIMIT}'")
        except duckdb.Error as exc:  # DuckDB could not free enough to go back: it keeps the key's
            log.debug("the write cap stays %s after %s: %s", KEY_BUILD_MEMORY_LIMIT,
                      short_sql(sql), first_line(exc))
        return None

    def _lift_cap(self, sql: str, cap: str) -> None:
        """dbsynth's default cap was too small for a statement (a primary key built over
        tens of millions of rows): DuckDB's own limit (80% of RAM) from now on, said so."""
        self._default_cap = False
        self.conn.execute("RESET memory_limit")
        log.warning("DuckDB ran out of memory under dbsynth's %s write cap while running %s; "
                    "the cap is lifted to DuckDB's own for the rest of this write (a URL's "
                    "?memory_limit= sets one that stays)", cap, short_sql(sql))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self.conn.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {' '.join(sql.split())[:160]})") from None

    def try_execute(self, sql: str) -> str | None:
        """DuckDB has no savepoints and an error aborts its transaction: inside one, the
        statement is first tried in an in-memory database holding the same (empty) tables;
        a new file commits each statement, so there it is simply run."""
        if self._new_file is None:
            scratch = duckdb.connect()
            try:
                scratch.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema_name)}")
                for ddl in self._ddl:
                    try:
                        scratch.execute(ddl)
                    except duckdb.Error:
                        pass  # a statement of the real target's: judged there
                scratch.execute(sql)
            except duckdb.Error as exc:
                return first_line(exc)
            finally:
                scratch.close()
        elif self._default_cap and _KEY_BUILD.match(sql):  # a new file: as execute builds a key
            problem = self._try_build_key(sql)
            if problem is None:
                self._ddl.append(sql)
            return problem
        try:
            self.conn.execute(sql)
        except duckdb.Error as exc:
            if self._new_file is None:  # the transaction is aborted: its COMMIT writes nothing
                raise LoadError(f"{first_line(exc)} (while running: {' '.join(sql.split())[:160]}; it passed "
                                f"a rehearsal without the target's own objects, and DuckDB "
                                f"cannot go on after a refusal: nothing was written)") from None
            return first_line(exc)
        self._ddl.append(sql)
        return None

    def existing_tables(self) -> dict[str, int]:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema_name)}")
        names = [r[0] for r in self.conn.execute(read_sql("duckdb", "tables"),
                                                  [self.schema_name]).fetchall()]
        return {n: int(self.query(f"SELECT count(*) FROM {qualified(self.schema_name, n)}")[0][0])
                for n in names}

    def existing_enums(self) -> dict[str, tuple[str, ...]]:
        rows = self.conn.execute(read_sql("duckdb", "enums"), [self.schema_name]).fetchall()
        return {name: tuple(labels) for name, labels in rows}

    def grants_on(self, relations: list[str]) -> list[str]:
        return []  # no privileges: a file is the unit of access

    def dependents(self, tables: list[str]) -> list[Dependent]:
        """Other tables' foreign keys on ours block (DuckDB refuses the drop); views reading
        ours are kept (DuckDB binds a view by name, so it reads the new table) but named;
        indexes on ours go with them."""
        ours = set(tables)
        out: list[Dependent] = []
        for child, cols, parent, ref_cols in self.conn.execute(
                read_sql("duckdb", "foreign_keys_into"), [self.schema_name]).fetchall():
            if parent in ours and child not in ours:
                out.append(Dependent(f"foreign key {child}({', '.join(cols)}) -> "
                                     f"{parent}({', '.join(ref_cols)})", blocks=True))
        for view_schema, view, sql in self.conn.execute(read_sql("duckdb", "views")).fetchall():
            if _reads_tables(sql, ours, self.schema_name, view_schema):
                out.append(Dependent(f"view {view_schema}.{view} (kept: it reads the new table, "
                                     f"and fails if a column it uses is gone)", blocks=False))
        for index, table in self.conn.execute(read_sql("duckdb", "indexes"),
                                              [self.schema_name]).fetchall():
            if table in ours:
                out.append(Dependent(f"index {index} on table {table}", blocks=False))
        return out

    def load(self, table: Table, frame: pd.DataFrame) -> None:
        """Insert from Arrow; the relation is scanned by DuckDB without per-row Python work."""
        if frame.empty:
            return
        arrow = _to_arrow(frame, table)
        self.conn.register("_dbsynth_load", arrow)
        try:
            cols = ", ".join(quote_ident(c) for c in frame.columns)
            casts = ", ".join(_cast(table, c, self.capabilities) for c in frame.columns)
            self.execute(f"INSERT INTO {qualified(self.schema_name, table.name)} ({cols}) "
                         f"SELECT {casts} FROM _dbsynth_load")
        finally:
            self._unregister("_dbsynth_load")
        self._checkpoint_if_full()

    def _checkpoint_if_full(self) -> None:
        """Checkpoint a new file once the engine holds over ``checkpoint_above`` bytes: its
        keys' indexes and the rows loaded since the last checkpoint stay in memory until one
        writes them out (the memory cap evicts neither), so without it a streamed table's
        indexes grow with its rows. Inside a transaction (an existing file) nothing can be
        checkpointed."""
        if self._checkpoint_above is None:
            return
        used = self.query("SELECT sum(memory_usage_bytes) FROM duckdb_memory()")[0][0]
        if used is not None and int(used) > self._checkpoint_above:
            self.execute("CHECKPOINT")

    def update_columns(self, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> None:
        self.conn.register("_dbsynth_upd", _to_arrow(frame, table))
        try:
            sets = ", ".join(f"{quote_ident(c)} = {_cast(table, c, self.capabilities, 'u.')}"
                             for c in frame.columns if c not in key)
            match = " AND ".join(f"t.{quote_ident(c)} = u.{quote_ident(c)}" for c in key)
            self.execute(f"UPDATE {qualified(self.schema_name, table.name)} AS t SET {sets} "
                         f"FROM _dbsynth_upd AS u WHERE {match}")
        finally:
            self._unregister("_dbsynth_upd")

    def _unregister(self, name: str) -> None:
        """Drop a registered frame; after a failed statement DuckDB refuses even that, and the
        statement's own error (already raised) is the one the user must see."""
        try:
            self.conn.unregister(name)
        except duckdb.Error:
            pass

    def commit(self) -> None:
        if self._new_file is not None:
            self._move_into_place(*self._new_file)
            return
        try:
            self.conn.execute("COMMIT")
        except duckdb.Error as exc:
            raise LoadError(f"commit failed: {first_line(exc)}") from None

    def _move_into_place(self, building: Path, final: Path) -> None:
        """Checkpoint the new file (no WAL left beside it), then give it the target's path;
        a link, not a rename, so a file that appeared there meanwhile is never overwritten."""
        try:
            self.conn.execute("CHECKPOINT")
            self.conn.close()
            os.link(building, final)
        except FileExistsError:
            self._discard(building)
            raise LoadError(f"{final} was created by someone else while dbsynth wrote it; "
                            f"left as it is, the new copy discarded") from None
        except duckdb.Error as exc:
            self._discard(building)
            raise LoadError(f"commit failed: {first_line(exc)}") from None
        building.unlink()

    def rollback(self) -> None:
        if self._new_file is not None:
            self._discard(self._new_file[0])
            return
        try:
            self.conn.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction left to roll back: DuckDB already aborted it

    def _discard(self, building: Path) -> None:
        self.conn.close()
        for path in (building, building.with_name(building.name + ".wal")):
            path.unlink(missing_ok=True)

    def close(self) -> None:
        self.conn.close()


_BUILDING_MARK = ".dbsynth-new-"
#: the DuckDB file a write to a folder of files stages its tables in (see connectors.files)
STAGE_FILE = "stage.duckdb"


def _host() -> str:
    """This machine (or container: its own process ids) as a file-name part."""
    return re.sub(r"[^A-Za-z0-9.\-]", "_", socket.gethostname()) or "host"


def building_path(final: Path) -> Path:
    """Where a new target file is built: hidden beside ``final``, named with this process's
    id and host, so a later run can tell a killed write's file from one still being written
    (a process id means nothing on another machine, or in a container, sharing the folder)."""
    return final.with_name(f".{final.name}{_BUILDING_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}@{_host()}")


def stale_builds(where: Path, beside: bool = False) -> list[Path]:
    """Files (and WALs) of writes to a new DuckDB file, and staging folders of writes to a
    folder of files (``beside``: the folder ``where``'s own), whose process is gone: beside
    the target ``where``, or of any target in the folder ``where``. A file without a process
    id and host in its name (an earlier dbsynth's), or another host's, has no owner known
    here and is left alone."""
    folder, name = ((where, "*") if where.is_dir() and not beside
                    else (where.parent, glob.escape(where.name)))
    found: list[Path] = []
    for path in sorted(folder.glob(f".{name}{_BUILDING_MARK}*")):
        if not (path.is_file() or (path / STAGE_FILE).is_file()):
            continue  # a folder is only a folder write's stage (which holds its DuckDB file)
        tag, _, host = path.name.rsplit(_BUILDING_MARK, 1)[1].removesuffix(".wal").partition("@")
        pid, sep, _ = tag.partition("-")
        if host != _host():
            continue  # another machine's (or container's) write: its process ids are not ours
        if sep and pid.isdigit() and not _process_alive(int(pid)):
            found.append(path)
    return found


def remove_stale_builds(where: Path, beside: bool = False) -> list[Path]:
    """Remove :func:`stale_builds`; returns what was removed."""
    removed: list[Path] = []
    for path in stale_builds(where, beside):
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue  # another run removed it meanwhile
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    """Whether a process with this id exists (one of another user counts: it may write)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cast(table: Table, column: str, caps: Dialect, prefix: str = "") -> str:
    """The loaded column as its type; a HUGEINT, UHUGEINT or UBIGINT of a DuckDB source as
    itself (the column is declared so), not as its neutral DECIMAL(38,0), which holds no
    value of 39 digits (a HUGEINT near 2**127)."""
    sql_type = table.column(column).type
    wide = sql_type.native if sql_type.native in WIDE_INTEGERS else None
    return f"CAST({prefix}{quote_ident(column)} AS {wide or caps.render_type(sql_type)})"


@cache
def _arrow_types() -> dict[str, pa.DataType]:
    """Arrow types DuckDB scans natively; the rest are inferred (numeric: ints, floats or
    decimals; timestamps; intervals as durations; arrays as lists; bytes as binary).
    Enum, uuid and unknown columns go as text and the INSERT's CAST parses them.
    Built on first load: reading a schema (``dbsynth inspect``) needs no pyarrow."""
    import pyarrow as pa

    return {
        "smallint": pa.int64(), "integer": pa.int64(), "bigint": pa.int64(),
        "real": pa.float64(), "double": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
        "time": pa.time64("us"), "text": pa.string(), "varchar": pa.string(), "char": pa.string(),
        "enum": pa.string(), "uuid": pa.string(), "unknown": pa.string(), "json": pa.string(),
    }


def _to_arrow(frame: pd.DataFrame, table: Table) -> pa.Table:
    """Arrow built column by column with types from the schema (no copy of the frame, no
    object-dtype inference by pandas), so the INSERT's CASTs are mostly no-ops."""
    import pyarrow as pa

    arrays = [_arrow_column(frame[name], table.column(name).type) for name in frame.columns]
    return pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])


def _arrow_column(values: pd.Series, sql_type: SqlType) -> pa.Array:
    """One column as Arrow; values Arrow cannot take as the schema's type (JSON objects,
    DateOffset intervals, UUID objects…) go as text, which the INSERT's CAST parses."""
    import pyarrow as pa

    wanted = _arrow_types().get(sql_type.name)
    try:
        return pa.array(values, type=wanted, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        render = _json_text if sql_type.name == "json" else str
        return pa.array([None if is_null_value(v) else render(v) for v in values], type=pa.string())


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _out_of_memory(exc: duckdb.Error) -> bool:
    """DuckDB ran out of memory under its cap: said so as such, or as a statement's commit
    that could not allocate a block (a failed commit rolls the statement back whole)."""
    return isinstance(exc, duckdb.OutOfMemoryException) or "could not allocate block" in str(exc)


#: a statement building a key's index over a table's rows (see ``KEY_BUILD_MEMORY_LIMIT``)
_KEY_BUILD = re.compile(r"\s*(ALTER\s+TABLE\s.*\sADD\s.*(PRIMARY\s+KEY|UNIQUE)\s*\(|CREATE\s+UNIQUE\s+INDEX\s)",
                        re.IGNORECASE | re.DOTALL)
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
_UNIT_BYTES = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _memory_limit(url: DatabaseUrl) -> str | None:
    """``?memory_limit=1GB`` on a DuckDB URL caps the in-process engine (DuckDB's default is
    80% of RAM, most of it block cache when loading); other query parameters are refused."""
    unknown = sorted(set(url.query) - {"memory_limit"})
    if unknown:
        raise UsageError(f"unknown DuckDB URL parameter {unknown[0]!r} (known: memory_limit)")
    value = url.query.get("memory_limit")
    if value is None:
        return None
    text = value if isinstance(value, str) else value[-1]
    if not _SIZE.match(text.strip()):
        raise UsageError(f"memory_limit must be a size such as 512MB or 2GB, got {text!r}")
    return text.strip()


def _checkpoint_above(memory_limit: str) -> int:
    """The engine's memory (bytes) past which a new file is checkpointed after a load: a
    share of its cap (a size ``_memory_limit`` accepted, see ``WRITE_CHECKPOINT_SHARE``)."""
    match = _SIZE.match(memory_limit.strip())
    assert match is not None, memory_limit
    return int(float(match[1]) * _UNIT_BYTES[match[2].lower()] * WRITE_CHECKPOINT_SHARE)


def _reads_tables(view_sql: str, tables: set[str], schema: str, view_schema: str) -> bool:
    """Whether a view's SQL reads one of ``tables`` of ``schema`` (names resolved as DuckDB
    does: unqualified ones in the view's own schema)."""
    import sqlglot  # lazy: ~0.1 s to import, and only views need it here

    try:
        parsed = sqlglot.parse_one(view_sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return any(t in view_sql for t in tables)  # unreadable: say so rather than miss it
    return any(t.name in tables and (t.db or view_schema) == schema
               for t in parsed.find_all(sqlglot.exp.Table))

