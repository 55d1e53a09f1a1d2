"""SQLite files through Python's sqlite3: ``sqlite_master`` and PRAGMAs, reads, inserts.

Sources are opened read-only (``file:…?mode=ro``). A target session is one transaction
(SQLite DDL is transactional) with ``PRAGMA foreign_keys`` on and the checks deferred to
COMMIT, so cycles load with the cut foreign key NULL and are filled by UPDATE before the check.

Declared types are affinities, and real files hold values that break them (text in an
INTEGER column, dates in three spellings): introspection counts, per column, the values that
do not fit the declared type; a column mostly made of them is read as text, a few of them are
read as NULL; either way a warning names the column.
"""

from __future__ import annotations

from dataclasses import replace

import datetime as dt
import decimal
import json
import logging
import math
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dbsynth.connectors.base import (
    Dependent, add_index_unique, expression_unique, first_line, is_null_value, qualified, quote_ident,
    short_sql,
)
from dbsynth.connectors.urls import DatabaseUrl
from dbsynth.connectors.objects import sqlite_objects
from dbsynth.dialects.sqlite import DIALECT
from dbsynth.dialects.sqlite import parse_type as parse_sqlite_type
from dbsynth.errors import ConnectionError_, LoadError, SchemaError, UsageError
from dbsynth.schema.model import (
    FK_ACTIONS, CheckConstraint, Column, FkAction, ForeignKey, PrimaryKey, Schema, SqlType, Table,
    UniqueConstraint,
)

if TYPE_CHECKING:
    import pandas as pd  # pandas and numpy load where rows move: reading a schema needs neither
    from sqlglot import exp

log = logging.getLogger(__name__)

CAPABILITIES = DIALECT  # what the engine can do (dbsynth.dialects.sqlite)
#: where a CREATE TABLE may declare a CHECK (SQL writes one ``CHECK (…)``; a column called
#: ``checkNumber`` is none, a quoted ``"check" (`` is parsed to be sure)
_CHECK = re.compile(r"(?i)check\s*\(")
#: a column declared ANY (STRICT tables): ``(…, version ANY, …``
_ANY_TYPE = re.compile(r'(?i)((?:^|[(,])\s*(?:"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|\w+)\s+)ANY\b')
_VIRTUAL = re.compile(r"(?is)\s*create\s+virtual\s+table\b")
#: the shadow tables of FTS3/4/5 and R*Tree, where PRAGMA table_list cannot tell (SQLite < 3.37)
_SHADOW_SUFFIXES = frozenset({"content", "data", "idx", "docsize", "config", "segments",
                              "segdir", "stat", "node", "parent", "rowid"})

_NUMBER_TYPES = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double",
                           "boolean"})
_TEMPORAL_TYPES = frozenset({"date", "time", "timestamp", "timestamptz"})
#: SQLite's storage classes of values (``typeof``), NULL aside
_STORAGE_CLASSES = ("integer", "real", "text", "blob")
#: the type of a column declared without one, by the storage classes its values have: the
#: first whose classes hold them all (integers wider than 32 bits are found as elsewhere)
_TYPE_BY_VALUES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"integer"}), "bigint"), (frozenset({"integer", "real"}), "double"),
    (frozenset({"blob"}), "bytes"),
)


class SQLiteConnector:
    dialect = "sqlite"
    capabilities = CAPABILITIES

    def __init__(self, url: DatabaseUrl, schema: str = "main", role: str = "source") -> None:
        if not url.database or url.database == ":memory:":
            raise ConnectionError_("a SQLite URL needs a file path: sqlite:///path/file.db")
        unknown = sorted(url.query)
        if unknown:
            raise UsageError(f"unknown SQLite URL parameter {unknown[0]!r}")
        if schema != "main":
            raise UsageError(f"a SQLite file has one schema, 'main'; got {schema!r}")
        self.path = Path(url.database).expanduser().resolve()
        self.schema_name = schema
        self.role = role
        self._reader: sqlite3.Connection | None = None
        if role == "source":
            if not self.path.is_file():
                raise ConnectionError_(f"SQLite file not found: {self.path}")
            try:
                self.query("SELECT count(*) FROM sqlite_master")  # a SQLite file at all?
            except SchemaError as exc:
                raise ConnectionError_(str(exc)) from None
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def display_url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def location(self) -> str:
        return f"sqlite://{self.path}#{self.schema_name}"

    # -- reading --------------------------------------------------------------------------
    def _open_read_only(self) -> sqlite3.Connection:
        """Read-only, whatever the role: dbsynth never writes into a source, and reading a
        target (integrity, report) has no reason to write either."""
        try:
            conn = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True,
                                   check_same_thread=False)
            conn.text_factory = _text
            return conn
        except sqlite3.Error as exc:
            raise ConnectionError_(f"cannot open {self.display_url}: {first_line(exc)}") from None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        if self._reader is None:
            self._reader = self._open_read_only()
            if self.role == "source" and self._wal(self._reader):
                # One read transaction until close: every read of a source sees the snapshot
                # its first read took, and in WAL mode writers go on meanwhile. Without WAL
                # it would hold the shared lock, and every writer of the application would
                # fail ("database is locked") for the whole run: each read stands alone.
                self._reader.isolation_level = None
                self._reader.execute("BEGIN")
        yield self._reader

    @staticmethod
    def _wal(conn: sqlite3.Connection) -> bool:
        try:
            return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
        except sqlite3.Error:
            return False  # not readable yet: the read that follows says why

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            raise SchemaError(f"query failed on {self.display_url}: the file does not exist")
        with self._reading() as conn:
            try:
                return conn.execute(sql, params or []).fetchall()
            except sqlite3.DatabaseError as exc:
                raise SchemaError(f"query failed on {self.display_url}: {first_line(exc)}") from None

    def engine_version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def introspect(self) -> Schema:
        if not self.path.exists():  # a target not written yet: empty, and not created by looking
            return Schema("sqlite", self.schema_name, ())
        rows = self.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                          "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        virtual, shadow = self._virtual_tables(rows)
        rows = [(name, sql) for name, sql in rows if name not in virtual and name not in shadow]
        names = [name for name, _ in rows]
        by_folded = {n.casefold(): n for n in names}
        raw = {name: self._raw_table(name, sql or "") for name, sql in rows}
        tables = []
        for name in names:
            columns, pk, uniques, checks, fk_rows, _names = raw[name]
            fks = self._foreign_keys(name, fk_rows, by_folded, raw)
            tables.append((name, columns, pk, fks, uniques, checks))
        counts = {n: int(self.query(f"SELECT count(*) FROM {qualified(self.schema_name, n)}")[0][0])
                  for n in names}
        fitted = {name: self._fit_types(name, columns, counts[name])
                  for name, columns, *_ in tables}
        out = []
        for name, _columns, pk, fks, uniques, checks in tables:
            columns = _types_of_keys(name, fitted[name], fks, fitted)
            out.append(Table(name, tuple(columns), pk, tuple(fks), tuple(uniques), tuple(checks),
                             counts[name]))
        return Schema("sqlite", self.schema_name, tuple(out),
                      objects=sqlite_objects(self.query, self.schema_name, virtual))

    def _virtual_tables(self, rows: list[tuple[Any, ...]]) -> tuple[dict[str, str], set[str]]:
        """The virtual tables (FTS5, R*Tree…: name → CREATE VIRTUAL TABLE) and the shadow
        tables their module keeps its index in: neither holds rows of its own to model
        (a shadow table's are the module's encoding), so they are objects, not tables."""
        virtual = {str(n): str(sql) for n, sql in rows if _VIRTUAL.match(sql or "")}
        if not virtual:
            return virtual, set()
        try:  # SQLite 3.37+: the module says which tables are its shadows
            kinds = {str(r[1]): str(r[2]) for r in self.query("PRAGMA table_list")
                     if r[0] == self.schema_name}
        except sqlite3.Error:
            kinds = {}
        shadow = {n for n, kind in kinds.items() if kind == "shadow"}
        shadow |= {str(n) for n, _sql in rows for v in virtual
                   if str(n).startswith(v + "_") and str(n)[len(v) + 1:] in _SHADOW_SUFFIXES}
        return virtual, shadow

    def _raw_table(self, name: str, create_sql: str) -> tuple[
            list[Column], PrimaryKey | None, list[UniqueConstraint], list[CheckConstraint],
            list[tuple[Any, ...]], dict[tuple[str, tuple[str, ...]], str]]:
        ident = quote_ident(name)
        info = self.query(f"PRAGMA table_xinfo({ident})")
        # sqlglot reads the DDL only for what PRAGMAs do not tell: CHECKs, generated
        # columns' expressions and constraint names; most tables have none, and runs then
        # never import it
        has_generated = any(r[6] in (2, 3) for r in info)
        parsed = (_parse_create(create_sql) if has_generated or _CHECK.search(create_sql)
                  or _NAMED_CONSTRAINT.search(create_sql) or _DEFERRABLE.search(create_sql)
                  else None)
        generated = _generated_expressions(parsed)
        pk_cols = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        columns = []
        for _cid, col, declared, notnull, default, pk, hidden in info:
            if hidden == 1:  # a virtual table's hidden column
                continue
            sql_type = parse_sqlite_type(declared or "")
            rowid = (len(pk_cols) == 1 and pk and (declared or "").strip().upper() == "INTEGER"
                     and not _without_rowid(create_sql))
            computed = generated.get(col.casefold()) if hidden in (2, 3) else None
            if hidden in (2, 3) and computed is None:
                computed = "NULL"  # an expression sqlglot could not read: never loaded
            # SQLite lets a (non-rowid) primary key column hold NULL; every other engine, and
            # a key, does not: a key column is NOT NULL in the schema.
            columns.append(Column(col, sql_type, nullable=not notnull and not rowid and col not in pk_cols,
                                  default=None if rowid or computed else default,
                                  identity="by default" if rowid else None,
                                  generated=computed))
        names = _constraint_names(parsed)
        pk = PrimaryKey(tuple(pk_cols), _named(names, "primary", pk_cols)) if pk_cols else None
        uniques: list[UniqueConstraint] = []
        for _seq, index, unique, origin, partial in self.query(f"PRAGMA index_list({ident})"):
            if not unique or origin == "pk":
                continue
            cols = [r[2] for r in self.query(f"PRAGMA index_info({quote_ident(index)})")]
            if partial or not cols or any(c is None for c in cols):  # on expressions, or WHERE
                found = self._index_unique(index, tuple(c.name for c in columns))
                uniques = add_index_unique(uniques, found) if found else uniques
                continue
            key = tuple(cols)
            if key != tuple(pk_cols) and key not in [u.columns for u in uniques]:
                uniques.append(UniqueConstraint(key, _named(names, "unique", key)
                                                if index.startswith("sqlite_autoindex") else index))
        checks = _checks(parsed)
        fk_rows = self.query(f"PRAGMA foreign_key_list({ident})")
        return columns, pk, uniques, checks, fk_rows, names

    def _index_unique(self, index: str, columns: tuple[str, ...]) -> UniqueConstraint | None:
        """A unique index on expressions or over some rows, as the columns its rows must
        keep apart (see :func:`expression_unique`), read from its CREATE INDEX."""
        from sqlglot import exp

        rows = self.query("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [index])
        parsed = _parse_create(rows[0][0]) if rows and rows[0][0] else None
        params = parsed.this.args.get("params") if parsed is not None and isinstance(parsed.this, exp.Index) else None
        if params is None:
            return None
        parts = [(p.this if isinstance(p, exp.Ordered) else p).sql("sqlite")
                 for p in params.args.get("columns") or []]
        where = params.args.get("where")
        return (expression_unique(index, parts, columns, "sqlite",
                                  where.this.sql("sqlite") if where is not None else None)
                if parts else None)

    def _foreign_keys(self, name: str, fk_rows: list[tuple[Any, ...]], by_folded: dict[str, str],
                      raw: dict[str, Any]) -> list[ForeignKey]:
        """``PRAGMA foreign_key_list`` grouped per key; names resolved as SQLite resolves them
        (case-insensitively), a missing target column meaning the parent's primary key."""
        groups: dict[int, list[tuple[Any, ...]]] = {}
        for row in fk_rows:
            groups.setdefault(row[0], []).append(row)
        out = []
        for _id, rows in sorted(groups.items()):
            rows.sort(key=lambda r: r[1])
            parent = by_folded.get(str(rows[0][2]).casefold())
            if parent is None:
                log.warning("%s: foreign key onto %r, which does not exist; ignored", name, rows[0][2])
                continue
            parent_columns, parent_pk = raw[parent][0], raw[parent][1]
            folded = {c.name.casefold(): c.name for c in parent_columns}
            own = {c.name.casefold(): c.name for c in raw[name][0]}
            if any(r[4] is None for r in rows):
                refs = list(parent_pk.columns) if parent_pk else []
            else:
                refs = [folded.get(str(r[4]).casefold()) for r in rows]
            cols = [own.get(str(r[3]).casefold()) for r in rows]
            if len(refs) != len(cols) or None in refs or None in cols:
                log.warning("%s: foreign key (%s) -> %s names columns that do not exist; ignored",
                            name, ", ".join(str(r[3]) for r in rows), parent)
                continue
            key = ForeignKey(tuple(cols), parent, tuple(refs),  # type: ignore[arg-type]
                             _named(raw[name][5], "foreign", cols), "declared",
                             _action(rows[0][6]), _action(rows[0][5]),
                             _named(raw[name][5], "timing", cols) or "NOT DEFERRABLE")  # type: ignore[arg-type]
            if key not in out:
                out.append(key)
        return out

    def _fit_types(self, table: str, columns: list[Column], rows: int) -> list[Column]:
        """Columns whose values mostly break their declared type become text; the others keep
        it, and their few misfits are read as NULL (a warning says which)."""
        columns = self._fit_lengths(table, columns, rows)
        columns = self._type_untyped(table, columns)
        checked = [c for c in columns if c.generated is None
                   and (c.type.name in _NUMBER_TYPES or c.type.name in _TEMPORAL_TYPES)]
        if not checked or not rows:
            return columns
        parts = []
        for c in checked:
            q = quote_ident(c.name)
            bad = (f"typeof({q}) IN ('text', 'blob')" if c.type.name in _NUMBER_TYPES else
                   f"typeof({q}) = 'blob' OR (typeof({q}) = 'text' AND julianday({q}) IS NULL)")
            wide = (f"max(CASE WHEN typeof({q}) = 'integer' AND abs({q}) > 2147483647 THEN 1 "
                    f"ELSE 0 END)" if c.type.name == "integer" else "0")
            parts.append(f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END), count({q}), {wide}")
        found = self.query(f"SELECT {', '.join(parts)} FROM {qualified(self.schema_name, table)}")[0]
        fitted = {c.name: c for c in columns}
        for i, c in enumerate(checked):
            bad, present, wide = (int(v or 0) for v in found[3 * i:3 * i + 3])
            if wide:  # SQLite integers are 64-bit: INTEGER holding them is a bigint
                fitted[c.name] = c = Column(c.name, SqlType("bigint", native=c.type.native),
                                            c.nullable, c.default, c.identity, c.domain,
                                            c.generated, c.kind)
            if not bad:
                continue
            declared = c.type.native or c.type.name
            if 2 * bad > present or declared.strip().upper() == "ANY":  # (STRICT's any value)
                log.warning("%s.%s is declared %s but %d of its %d values are not; read as text",
                            table, c.name, declared, bad, present)
                fitted[c.name] = Column(c.name, SqlType("text", native=c.type.native), c.nullable,
                                        c.default, None, c.domain, c.generated, c.kind)
            else:
                log.warning("%s.%s is declared %s but %d of its %d values are not; read as NULL",
                            table, c.name, declared, bad, present)
        return [fitted[c.name] for c in columns]

    def _type_untyped(self, table: str, columns: list[Column]) -> list[Column]:
        """Columns declared without a type (``CREATE TABLE kv (k, v)``) hold any value: typed
        by the values they hold (integers, numbers, bytes, else text), not left unknown and
        written NULL. All NULL: text."""
        untyped = [c for c in columns if c.generated is None and c.type.name == "unknown"
                   and not c.type.native.strip()]
        if not untyped:
            return columns
        parts = [f"sum(typeof({quote_ident(c.name)}) = '{kind}')" for c in untyped
                 for kind in _STORAGE_CLASSES]
        found = self.query(f"SELECT {', '.join(parts)} FROM {qualified(self.schema_name, table)}")[0]
        fitted = {c.name: c for c in columns}
        for i, c in enumerate(untyped):
            held = {k for k, n in zip(_STORAGE_CLASSES, found[4 * i:4 * i + 4]) if n}
            name = next((t for kinds, t in _TYPE_BY_VALUES if held and held <= kinds), "text")
            fitted[c.name] = replace(c, type=SqlType(name, native=c.type.native))  # type: ignore[arg-type]
        return [fitted[c.name] for c in columns]

    def _fit_lengths(self, table: str, columns: list[Column], rows: int) -> list[Column]:
        """SQLite never checks a declared length: ``VARCHAR(10)`` holding longer text is typed
        with the longest length found (a warning says so), else the copy could not load it."""
        sized = [c for c in columns if c.generated is None and c.type.is_string and c.type.length]
        if not sized or not rows:
            return columns
        longest = self.query("SELECT " + ", ".join(f"max(length({quote_ident(c.name)}))" for c in sized)
                             + f" FROM {qualified(self.schema_name, table)}")[0]
        fitted = {c.name: c for c in columns}
        for c, found in zip(sized, longest):
            if found is not None and int(found) > int(c.type.length or 0):
                log.warning("%s.%s is declared %s but holds values of up to %d characters; "
                            "typed with that length", table, c.name, c.type.native or c.type.name, int(found))
                fitted[c.name] = replace(c, type=replace(c.type, length=int(found)))
        return [fitted[c.name] for c in columns]

    def read_table(self, table: Table, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
        cols = ", ".join(quote_ident(c.name) for c in table.columns)
        source = f"SELECT {cols} FROM {qualified(self.schema_name, table.name)}"
        import numpy as np
        import pandas as pd

        sampled = limit is not None and table.row_count > limit
        try:
            rows = self.query(source + (f" ORDER BY ((rowid + {int(seed)}) * 2654435761) % 4294967296"
                                        f" LIMIT {int(limit)}" if sampled else ""))  # type: ignore[arg-type]
        except SchemaError:
            if not sampled:
                raise
            rows = self.query(source)  # WITHOUT ROWID: sample in memory (repeatable)
            rng = np.random.default_rng(seed)
            rows = [rows[i] for i in sorted(rng.choice(len(rows), size=limit, replace=False))]
        frame = pd.DataFrame(rows, columns=list(table.column_names))
        for column in table.columns:
            frame[column.name] = _coerce(frame[column.name], column.type)
        return frame

    def begin_target(self) -> SQLiteSession:
        created = not self.path.exists()
        try:
            conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            conn.text_factory = _text
            conn.execute("PRAGMA foreign_keys = ON")  # only outside a transaction
            conn.execute("BEGIN")
            conn.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT (cycles, order)
        except sqlite3.Error as exc:
            raise ConnectionError_(f"cannot open {self.display_url}: {first_line(exc)}") from None
        return SQLiteSession(conn, self.schema_name, self.path if created else None)

    def probe(self, sql: str) -> str | None:
        """Evaluated in memory (a CHECK may only call SQLite's own functions: a file holds no
        user functions), so that looking neither locks nor creates the file."""
        conn = sqlite3.connect(":memory:")
        try:
            conn.execute(sql)
        except sqlite3.Error as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        finally:
            conn.close()
        return None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class SQLiteSession:
    """One SQLite transaction on the target file; a file the session created is removed
    again on rollback, so a failure leaves nothing behind."""

    capabilities = CAPABILITIES

    def __init__(self, conn: sqlite3.Connection, schema_name: str, created: Path | None) -> None:
        self.conn = conn
        self.schema_name = schema_name
        self._created = created

    def execute(self, sql: str) -> None:
        try:
            self.conn.execute(sql)
        except sqlite3.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self.conn.execute(sql).fetchall()
        except sqlite3.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None

    def try_execute(self, sql: str) -> str | None:
        """Inside a savepoint: a refusal rolls back to it, not the whole transaction."""
        self.conn.execute("SAVEPOINT dbsynth_try")
        try:
            self.conn.execute(sql)
        except sqlite3.Error as exc:
            self.conn.execute("ROLLBACK TO SAVEPOINT dbsynth_try")
            self.conn.execute("RELEASE SAVEPOINT dbsynth_try")
            return first_line(exc)
        self.conn.execute("RELEASE SAVEPOINT dbsynth_try")
        return None

    def existing_tables(self) -> dict[str, int]:
        names = [r[0] for r in self.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]
        return {n: int(self.query(f"SELECT count(*) FROM {qualified(self.schema_name, n)}")[0][0])
                for n in names}

    def grants_on(self, relations: list[str]) -> list[str]:
        return []  # no privileges: a file is the unit of access

    def dependents(self, tables: list[str]) -> list[Dependent]:
        """Other tables' foreign keys on ours block the drop; views reading ours and the
        triggers and indexes on them are named (SQLite drops indexes and triggers with
        their table; a view stays and reads the new table by name)."""
        ours = {t.lower() for t in tables}
        out: list[Dependent] = []
        rows = self.conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        for kind, name, owner, sql in rows:
            if kind == "table" and owner.lower() not in ours:
                for fk in self.conn.execute(f"PRAGMA foreign_key_list({quote_ident(name)})").fetchall():
                    if str(fk[2]).lower() in ours:
                        out.append(Dependent(f"foreign key {name}({fk[3]}) -> {fk[2]}", blocks=True))
            elif kind in ("index", "trigger") and owner.lower() in ours and sql:
                out.append(Dependent(f"{kind} {name} on table {owner}", blocks=False))
            elif kind == "view" and sql and any(t in sql.lower() for t in ours):
                out.append(Dependent(f"view {name} (kept: it reads the new table by name)", blocks=False))
        return out

    def existing_enums(self) -> dict[str, tuple[str, ...]]:
        return {}

    def load(self, table: Table, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        cols = ", ".join(quote_ident(c) for c in frame.columns)
        marks = ", ".join("?" for _ in frame.columns)
        sql = f"INSERT INTO {qualified(self.schema_name, table.name)} ({cols}) VALUES ({marks})"
        try:
            self.conn.executemany(sql, _rows(frame, table))
        except (sqlite3.Error, OverflowError) as exc:
            raise LoadError(f"loading {table.name} failed: {first_line(exc)}") from None

    def update_columns(self, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> None:
        values = [c for c in frame.columns if c not in key]
        sets = ", ".join(f"{quote_ident(c)} = ?" for c in values)
        match = " AND ".join(f"{quote_ident(c)} = ?" for c in key)
        sql = f"UPDATE {qualified(self.schema_name, table.name)} SET {sets} WHERE {match}"
        try:
            self.conn.executemany(sql, _rows(frame[values + list(key)], table))
        except (sqlite3.Error, OverflowError) as exc:
            raise LoadError(f"updating {table.name} failed: {first_line(exc)}") from None

    def commit(self) -> None:
        try:
            self.conn.execute("COMMIT")  # the deferred foreign keys are checked here
        except sqlite3.Error as exc:
            raise LoadError(f"commit failed: {first_line(exc)}") from None
        self._created = None

    def rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # nothing left to roll back
        if self._created is not None:
            self.conn.close()
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(str(self._created) + suffix).unlink(missing_ok=True)
            self._created = None

    def close(self) -> None:
        self.conn.close()


def _types_of_keys(name: str, columns: list[Column], fks: list[ForeignKey],
                   tables: dict[str, list[Column]]) -> list[Column]:
    """A foreign key column whose type is of another family than its key's (an INT column
    onto a TEXT key: SQLite compares them by affinity, typed engines refuse the key) is read
    as the key's type, so both sides hold comparable values."""
    out = {c.name: c for c in columns}
    for fk in fks:
        parent = {c.name: c for c in tables[fk.ref_table]}
        for col, ref in zip(fk.columns, fk.ref_columns):
            mine, theirs = out[col].type, parent[ref].type
            if (mine.is_numeric, mine.is_string) == (theirs.is_numeric, theirs.is_string):
                continue
            log.warning("%s.%s is %s but refers to %s.%s (%s); read as %s", name, col,
                        mine.native or mine.name, fk.ref_table, ref, theirs.native or theirs.name,
                        theirs.name)
            c = out[col]
            out[col] = Column(c.name, theirs, c.nullable, c.default, None, c.domain, c.generated,
                              c.kind)
    return [out[c.name] for c in columns]


# -- DDL text ------------------------------------------------------------------------------
def _parse_create(sql: str) -> exp.Expression | None:
    if not sql:
        return None
    import sqlglot  # lazy: ~0.1 s to import, needed only to read a source's DDL

    try:  # (the type ANY of a STRICT table is a keyword to sqlglot; types come from PRAGMAs)
        return sqlglot.parse_one(_ANY_TYPE.sub(r"\1BLOB", sql), read="sqlite")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        log.warning("cannot parse %s; its CHECKs and generated columns are not read", short_sql(sql))
        return None


def _action(text: Any) -> FkAction:
    """``PRAGMA foreign_key_list``'s on_delete / on_update (SQLite spells them as SQL does)."""
    action = str(text or "NO ACTION").upper()
    return action if action in FK_ACTIONS else "NO ACTION"  # type: ignore[return-value]


#: a CREATE TABLE that names a constraint (only then are names read from its text)
_NAMED_CONSTRAINT = re.compile(r"\bCONSTRAINT\b", re.IGNORECASE)
#: … or declares a foreign key DEFERRABLE (PRAGMA foreign_key_list does not say)
_DEFERRABLE = re.compile(r"\bDEFERRABLE\b", re.IGNORECASE)


def _key_nodes() -> dict[type, str]:
    """Constraint kinds of a CREATE TABLE, table-level and column-level sqlglot nodes."""
    from sqlglot import exp  # lazy: see _parse_create

    return {exp.PrimaryKey: "primary", exp.PrimaryKeyColumnConstraint: "primary",
            exp.UniqueColumnConstraint: "unique", exp.ForeignKey: "foreign",
            exp.Reference: "foreign"}


def _constraint_names(parsed: exp.Expression | None) -> dict[tuple[str, tuple[str, ...]], str]:
    """Names the CREATE TABLE gives its keys (SQLite keeps them nowhere else): (kind,
    columns casefolded) -> name, for ``CONSTRAINT name PRIMARY KEY | UNIQUE | FOREIGN KEY``
    on the table or on one column; and ("timing", columns) -> ``DEFERRABLE INITIALLY …``
    for a foreign key declared deferrable (Django's are: checked at COMMIT)."""
    out: dict[tuple[str, tuple[str, ...]], str] = {}
    if parsed is None:
        return out
    from sqlglot import exp  # lazy: see _parse_create

    key_nodes = _key_nodes()
    for constraint in parsed.find_all(exp.Constraint):
        for node in constraint.expressions:
            kind = key_nodes.get(type(node))
            if kind is None:
                continue
            cols = node.this.expressions if kind == "unique" and node.this else node.expressions
            out[(kind, tuple(c.name.casefold() for c in cols))] = constraint.name
    for column in parsed.find_all(exp.ColumnDef):
        for item in column.args.get("constraints") or []:
            kind = key_nodes.get(type(item.args.get("kind")))
            if kind is not None and item.this is not None and item.this.name:
                out[(kind, (column.name.casefold(),))] = item.this.name
    for reference in parsed.find_all(exp.Reference):
        options = [str(o).upper() for o in reference.args.get("options") or []]
        if "DEFERRABLE" not in options:
            continue
        owner = reference.parent
        cols = (tuple(c.name.casefold() for c in owner.expressions) if isinstance(owner, exp.ForeignKey)
                else (owner.parent.name.casefold(),) if isinstance(owner, exp.ColumnConstraint)
                and isinstance(owner.parent, exp.ColumnDef) else ())
        if cols:
            out[("timing", cols)] = ("DEFERRABLE INITIALLY DEFERRED" if "INITIALLY DEFERRED" in options
                                     else "DEFERRABLE INITIALLY IMMEDIATE")
    return out


def _named(names: dict[tuple[str, tuple[str, ...]], str], kind: str,
           columns: Any) -> str | None:
    return names.get((kind, tuple(str(c).casefold() for c in columns)))


def _checks(parsed: exp.Expression | None) -> list[CheckConstraint]:
    if parsed is None:
        return []
    from sqlglot import exp  # lazy: see _parse_create

    out = []
    for check in parsed.find_all(exp.CheckColumnConstraint):
        parent = check.parent
        name = parent.name if isinstance(parent, exp.Constraint) else (
            parent.this.name if isinstance(parent, exp.ColumnConstraint) and parent.this else None)
        out.append(CheckConstraint(check.this.sql("sqlite"), name or None, dialect="sqlite"))
    return out


def _generated_expressions(parsed: exp.Expression | None) -> dict[str, str]:
    if parsed is None:
        return {}
    from sqlglot import exp  # lazy: see _parse_create

    out = {}
    for computed in parsed.find_all(exp.ComputedColumnConstraint):
        column = computed.find_ancestor(exp.ColumnDef)
        if column is not None:
            out[column.name.casefold()] = computed.this.sql("sqlite")
    return out


def _without_rowid(sql: str) -> bool:
    return "WITHOUT ROWID" in " ".join(sql.upper().split()).rstrip("; ")[-20:]


# -- values --------------------------------------------------------------------------------
def _text(raw: bytes) -> str:
    """TEXT as UTF-8; a file with other bytes in it still reads (undecodable ones replaced)."""
    return raw.decode("utf-8", errors="replace")


def _coerce(values: pd.Series, sql_type: SqlType) -> pd.Series:
    """A column as the neutral type says; misfits (already counted) become NULL."""
    import pandas as pd

    name = sql_type.name
    if name in ("smallint", "integer", "bigint", "numeric", "real", "double"):
        numbers = pd.to_numeric(values.where(values.map(_is_number)), errors="coerce")
        if name in ("smallint", "integer", "bigint") and numbers.notna().all():
            whole = numbers.dropna()
            if (whole == whole.round()).all():
                return numbers.astype("int64")
        return numbers
    if name == "boolean":
        flags = values.where(values.map(_is_number))
        return flags.map(lambda v: None if v is None or pd.isna(v) else bool(v)).astype(object)
    if name in ("timestamp", "timestamptz", "date", "time"):
        text = values.where(values.map(lambda v: isinstance(v, str)))
        if name == "time":  # as times (the model reads hours and minutes), not text
            return text.map(_as_time, na_action="ignore").astype(object)
        try:
            stamps = pd.to_datetime(text, errors="coerce", format="mixed")
        except (ValueError, TypeError):  # offsets mixed with naive times: all as UTC
            stamps = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
        if name == "date":
            return stamps.map(lambda v: None if pd.isna(v) else v.date()).astype(object)
        return stamps
    if sql_type.is_string:
        return values.map(_as_text)
    return values


def _as_time(text: str) -> dt.time | None:
    """``12:30``, ``12:30:05.25`` as a time; a text that is none (or has a date before it:
    the time of day is taken) as a time too where it can be, else NULL, as for timestamps."""
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        import pandas as pd

        stamp = pd.to_datetime(text, errors="coerce")
        return None if pd.isna(stamp) else stamp.time()


def _as_text(value: Any) -> Any:
    """Numbers in a text column as SQLite's TEXT affinity would spell them (``4``, ``2.5``)."""
    if value is None or isinstance(value, (str, bytes)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))  # bool is an int


def _rows(frame: pd.DataFrame, table: Table) -> Iterator[tuple[Any, ...]]:
    converters = [_converter(table.column(c).type) for c in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        yield tuple(convert(v) for convert, v in zip(converters, row))


def _converter(sql_type: SqlType) -> Callable[[Any], Any]:
    import numpy as np
    import pandas as pd

    integer = sql_type.is_integer

    def convert(value: Any) -> Any:
        if is_null_value(value):
            return None
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return int(value) if integer and float(value).is_integer() else float(value)
        if isinstance(value, decimal.Decimal):
            return int(value) if integer and value == value.to_integral_value() else float(value)
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, (dict, list, tuple, np.ndarray)):
            items = value.tolist() if isinstance(value, np.ndarray) else value
            return json.dumps(items, default=str)
        if isinstance(value, (str, int)):
            return value
        if isinstance(value, (uuid.UUID, dt.timedelta, pd.DateOffset)):
            return str(value)
        return str(value)

    return convert


