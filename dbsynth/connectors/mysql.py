"""MySQL and MariaDB through PyMySQL (imported lazily; URLs parsed by SQLAlchemy 2):
introspection from ``information_schema``, reads in one consistent snapshot, loads by
multi-row INSERT batches.

Every connection sets ``ANSI_QUOTES`` so the double-quoted identifiers dbsynth writes for
every engine mean identifiers here too. A MySQL "schema" is a database: the URL's."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import URL

from dbsynth.connectors.objects import mysql_objects
from dbsynth.connectors.base import (Dependent, first_line, probe_by_query, qualified,
                                     quote_ident, short_sql)
from dbsynth.dialects.mysql import (
    DIALECT, JSON_VALID, SAME_ACTION, enum_labels, native_quotes, parse_type,
)
from dbsynth.errors import ConnectionError_, LoadError, SchemaError
from dbsynth.schema.model import (
    OUTSIDE_REFERENCES, CheckConstraint, Column, EnumType, ForeignKey, PrimaryKey, Schema,
    SqlType, Table, UniqueConstraint, outside_note,
)

log = logging.getLogger(__name__)

#: rows per multi-row INSERT batch (PyMySQL folds ``executemany`` into one statement)
_INSERT_BATCH_ROWS = 2_000
_SESSION_SQL = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'), time_zone = '+00:00'"
_LOADING_SQL = ("SET SESSION foreign_key_checks = 0, "
                "sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
_LOADED_SQL = ("SET SESSION foreign_key_checks = 1, "
               "sql_mode = REPLACE(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO', '')")


class MySQLConnector:
    dialect = "mysql"
    capabilities = DIALECT

    def __init__(self, url: URL, schema: str = "", role: str = "source") -> None:
        self.url = url
        self.schema_name = schema or (url.database or "")
        if not self.schema_name:
            raise SchemaError("a MySQL URL needs a database: mysql://user@host/database")
        self.role = role
        self._reader: Any = None
        conn = self._connect(database=None)
        try:  # a missing target database is made by the write, once it is judged and done
            with conn.cursor() as cur:
                cur.execute("SELECT @@hostname, @@port, count(*) FROM information_schema.schemata "
                            "WHERE schema_name = %s", (self.schema_name,))
                host, port, exists = cur.fetchone()
        finally:
            conn.close()
        self._identity = f"{host}:{port}"
        if not exists and role == "source":
            raise SchemaError(f"database {self.schema_name!r} does not exist in {self.display_url}")

    # -- identity -------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        from dbsynth.connectors.registry import mask_url

        return mask_url(self.url.render_as_string(hide_password=False))

    @property
    def location(self) -> str:
        return f"mysql://{self._identity}/{self.schema_name}#{self.schema_name}"

    def _connect(self, database: str | None = "") -> Any:
        import pymysql  # lazy: only MySQL runs pay for it

        try:
            return pymysql.connect(
                host=self.url.host or "127.0.0.1", port=self.url.port or 3306,
                user=self.url.username or "root", password=self.url.password or "",
                database=self.schema_name if database == "" else database, charset="utf8mb4",
                connect_timeout=10, init_command=_SESSION_SQL, autocommit=True)
        except pymysql.Error as exc:
            from dbsynth.connectors.registry import mask_secrets

            raise ConnectionError_(f"cannot connect to {self.display_url}: "
                                   f"{mask_secrets(first_line(exc))}") from None

    def _reading(self) -> Any:
        """One connection; a source's reads share one ``CONSISTENT SNAPSHOT, READ ONLY``
        transaction held until :meth:`close` (rows committed meanwhile never appear)."""
        if self._reader is None:  # every name is qualified; a target may not exist yet
            self._reader = self._connect(None if self.role == "target" else "")
            if self.role == "source":
                with self._reader.cursor() as cur:
                    cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        return self._reader

    def query(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        import pymysql

        try:
            with self._reading().cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall()) if cur.description else []
        except pymysql.Error as exc:
            raise SchemaError(f"query failed on {self.display_url}: {first_line(exc)}") from None

    def engine_version(self) -> str:
        version = str(self.query("SELECT VERSION()")[0][0])
        engine = "MariaDB" if "mariadb" in version.lower() else "MySQL"
        return f"{engine} {version.split('-')[0]}"

    # -- introspection --------------------------------------------------------------------
    def introspect(self) -> Schema:
        db = (self.schema_name,)
        names = [r[0] for r in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "AND table_type = 'BASE TABLE' ORDER BY table_name", db)]
        columns: dict[str, list[Column]] = {n: [] for n in names}
        enums: list[EnumType] = []
        check_rows = self.query(
            "SELECT table_name, constraint_name, check_clause FROM "
            "information_schema.check_constraints WHERE constraint_schema = %s", db)
        # MariaDB's JSON is LONGTEXT with a json_valid(column) CHECK: a JSON column
        json_columns = {(str(t), found.group(1)) for t, _n, clause in check_rows
                        if (found := JSON_VALID.fullmatch(str(clause).strip())) is not None}
        for (table, col, data_type, column_type, nullable, default, extra,
             expression) in self.query(
                "SELECT table_name, column_name, data_type, column_type, is_nullable, "
                "column_default, extra, generation_expression FROM information_schema.columns "
                "WHERE table_schema = %s ORDER BY table_name, ordinal_position", db):
            if table not in columns:
                continue
            sql_type = parse_type(data_type, column_type, table, col)
            if (table, col) in json_columns and sql_type.name == "text":
                sql_type = SqlType("json", native="json")  # MariaDB's JSON: longtext + json_valid
            if sql_type.name == "enum":
                enums.append(EnumType(str(sql_type.enum), enum_labels(column_type)))
            extra = (extra or "").lower()
            identity = "by default" if "auto_increment" in extra else None
            # VIRTUAL or STORED, both computed by the engine (not MySQL 8's DEFAULT_GENERATED)
            generated = (native_quotes(str(expression)) if expression
                         and extra.endswith("generated") and "default_generated" not in extra
                         else None)
            columns[table].append(Column(
                name=col, type=sql_type, nullable=nullable == "YES",
                default=None if identity or generated else _default(default, data_type),
                identity=identity, generated=generated))  # type: ignore[arg-type]
        keys: dict[tuple[str, str], list[tuple[str, str | None, str | None]]] = {}
        elsewhere: dict[tuple[str, str], str] = {}  # a foreign key's table in another database
        for table, cname, col, ref_schema, ref_table, ref_col in self.query(
                "SELECT table_name, constraint_name, column_name, referenced_table_schema, "
                "referenced_table_name, referenced_column_name "
                "FROM information_schema.key_column_usage "
                "WHERE table_schema = %s ORDER BY table_name, constraint_name, "
                "ordinal_position", db):
            keys.setdefault((table, cname), []).append((col, ref_table, ref_col))
            if ref_schema is not None and ref_schema != self.schema_name:
                elsewhere[(table, cname)] = f"{ref_schema}.{ref_table}"
        kinds = {(t, c): k for t, c, k in self.query(
            "SELECT table_name, constraint_name, constraint_type FROM "
            "information_schema.table_constraints WHERE constraint_schema = %s", db)}
        actions = {(t, c): (d, u) for t, c, d, u in self.query(
            "SELECT table_name, constraint_name, delete_rule, update_rule FROM "
            "information_schema.referential_constraints WHERE constraint_schema = %s", db)}
        pks: dict[str, PrimaryKey] = {}
        fks: dict[str, list[ForeignKey]] = {n: [] for n in names}
        uniques: dict[str, list[UniqueConstraint]] = {n: [] for n in names}
        outside: dict[str, set[str]] = {}
        for (table, cname), parts in keys.items():
            if table not in columns:
                continue
            cols = tuple(p[0] for p in parts)
            kind = kinds.get((table, cname))
            if kind == "PRIMARY KEY":
                pks[table] = PrimaryKey(cols, None)
            elif kind == "UNIQUE":
                uniques[table].append(UniqueConstraint(cols, cname))
            elif kind == "FOREIGN KEY" and (table, cname) in elsewhere:
                outside.setdefault(table, set()).update(cols)
                log.warning("%s", outside_note(table, cols, elsewhere[(table, cname)],
                                               self.schema_name))
            elif kind == "FOREIGN KEY" and parts[0][1] in columns:
                # MySQL's RESTRICT is its NO ACTION (both checked at once), and its default
                on_delete, on_update = (SAME_ACTION.get(a, a) for a in actions.get(
                    (table, cname), ("NO ACTION", "NO ACTION")))
                fks[table].append(ForeignKey(cols, str(parts[0][1]),
                                             tuple(str(p[2]) for p in parts), cname, "declared",
                                             on_delete, on_update))  # type: ignore[arg-type]
        checks: dict[str, list[CheckConstraint]] = {n: [] for n in names}
        for table, cname, clause in check_rows:
            if table in checks and not str(clause).lower().startswith("json_valid("):
                checks[table].append(CheckConstraint(native_quotes(str(clause)), cname,
                                                     dialect="mysql"))
        counts = {n: int(self.query(f"SELECT count(*) FROM {qualified(self.schema_name, n)}")[0][0])
                  for n in names}
        tables = tuple(Table(
            name=n, columns=tuple(columns[n]), primary_key=pks.get(n),
            foreign_keys=tuple(fks[n]), uniques=tuple(uniques[n]), checks=tuple(checks[n]),
            row_count=counts[n]) for n in names)
        fk_names = frozenset((t.name, str(fk.name)) for t in tables for fk in t.foreign_keys)
        return Schema(dialect="mysql", name=self.schema_name, tables=tables, enums=tuple(enums),
                      objects=mysql_objects(self.query, self.schema_name, fk_names),
                      extra={OUTSIDE_REFERENCES: {t: frozenset(c) for t, c in outside.items()}})

    # -- reading --------------------------------------------------------------------------
    def read_table(self, table: Table, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
        cols = ", ".join(quote_ident(c.name) for c in table.columns)
        sample = ""
        if limit is not None and table.row_count > limit:
            sample = f" ORDER BY RAND({int(seed)}) LIMIT {int(limit)}"
        rows = self.query(f"SELECT {cols} FROM {qualified(self.schema_name, table.name)}{sample}")
        frame = pd.DataFrame(rows, columns=list(table.column_names))
        for column in table.columns:
            if column.type.native and column.type.native.lower().startswith("bit(") and len(frame):
                frame[column.name] = frame[column.name].map(_bit_value(column.type.name))
            elif column.type.name == "unknown" and len(frame):  # POINT…: bytes, held as hex text
                frame[column.name] = frame[column.name].map(
                    lambda v: v.hex() if isinstance(v, (bytes, bytearray)) else v)
            if column.type.name in ("date", "timestamp", "timestamptz") and len(frame):
                zero = frame[column.name].map(lambda v: isinstance(v, str) and v.startswith("0000"))
                if zero.any():
                    log.warning("%s.%s: %d zero date(s) (0000-00-00) read as NULL",
                                table.name, column.name, int(zero.sum()))
                    frame.loc[zero, column.name] = None
        return frame

    def begin_target(self) -> MySQLSession:
        return MySQLSession(self._connect(database=None), self.schema_name)

    def probe(self, sql: str) -> str | None:
        return probe_by_query(self.query, self.display_url, sql)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _bit_value(name: str) -> Any:
    """PyMySQL reads BIT(n) as bytes (b'\\x05'): its number, or for BIT(1) its truth."""
    def convert(value: Any) -> Any:
        if not isinstance(value, (bytes, bytearray)):
            return value
        number = int.from_bytes(value, "big")
        return bool(number) if name == "boolean" else number
    return convert


def _default(default: str | None, data_type: str) -> str | None:
    """information_schema quotes text defaults on MariaDB (``'x'``), not on MySQL."""
    if default is None or default.upper() == "NULL":
        return None
    if data_type in ("char", "varchar", "text", "enum", "set") and not default.startswith("'"):
        return "'" + default.replace("'", "''") + "'"
    return default


def _plain(value: Any) -> Any:
    """A frame value as PyMySQL takes it (numpy scalars to Python, JSON to text)."""
    if value is None or (not isinstance(value, (list, dict, bytes, np.ndarray, str))
                         and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, dict, np.ndarray)):
        return json.dumps(value.tolist() if isinstance(value, np.ndarray) else value, default=str)
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").to_pydatetime().replace(tzinfo=None) if value.tzinfo \
            else value.to_pydatetime()
    return value


def _python_values(series: pd.Series) -> list[Any]:
    """One column as PyMySQL takes it, converted at once where its dtype allows (numbers,
    datetimes: a third of the load's time when done value by value), else value by value."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        values = list(series.dt.to_pydatetime())
    elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        values = series.astype(object).tolist() if series.dtype == object else series.tolist()
    else:
        return [_plain(v) for v in series]
    if missing.any():
        for i in np.flatnonzero(missing):
            values[i] = None
    return values


def _literal_percent(sql: str) -> str:
    """SQL text bound with parameters: PyMySQL formats it with ``%``, so a ``%`` of a name
    (a column ``%_change``) is doubled to stay itself."""
    return sql.replace("%", "%%")


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return list(zip(*(_python_values(frame[c]) for c in frame.columns)))


class MySQLSession:
    """Writes on a MySQL target. DDL commits by itself in MySQL: the writer loads a staging
    database and swaps it in (:mod:`dbsynth.writer.swap`), which names the schema written.

    Foreign keys are not checked while loading (tables load in any order, keys are added
    without a scan; the integrity check proves them by SQL), and a loaded 0 is a key, not
    a request for the next AUTO_INCREMENT value; both settings end with the transaction."""

    capabilities = DIALECT

    def __init__(self, conn: Any, schema_name: str) -> None:
        self.conn = conn
        self.schema_name = schema_name
        with conn.cursor() as cur:
            cur.execute(_LOADING_SQL)
        conn.autocommit(False)

    def _end_loading(self) -> None:
        if self.conn.open:
            with self.conn.cursor() as cur:
                cur.execute(_LOADED_SQL)

    def execute(self, sql: str) -> None:
        import pymysql

        try:
            with self.conn.cursor() as cur:
                cur.execute(sql)
        except pymysql.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import pymysql

        try:
            with self.conn.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall()) if cur.description else []
        except pymysql.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None

    def try_execute(self, sql: str) -> str | None:
        import pymysql

        try:
            with self.conn.cursor() as cur:
                cur.execute(sql)
        except pymysql.Error as exc:
            return first_line(exc)
        return None

    def existing_tables(self) -> dict[str, int]:
        names = [r[0] for r in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            f"{self.conn.escape(self.schema_name)} AND table_type = 'BASE TABLE'")]
        return {n: int(self.query(f"SELECT count(*) FROM {qualified(self.schema_name, n)}")[0][0])
                for n in names}

    def existing_enums(self) -> dict[str, tuple[str, ...]]:
        return {}

    def dependents(self, tables: list[str]) -> list[Dependent]:
        """Foreign keys of other tables onto ``tables``: after the swap they would point at
        the old tables, which are dropped; so they block. Triggers go with the tables."""
        if not tables:
            return []
        names = ", ".join(self.conn.escape(t) for t in tables)
        db = self.conn.escape(self.schema_name)
        out = [Dependent(f"foreign key {c} of table {t}", True) for t, c in self.query(
            "SELECT table_name, constraint_name FROM information_schema.referential_constraints "
            f"WHERE constraint_schema = {db} AND referenced_table_name IN ({names}) "
            f"AND table_name NOT IN ({names}) ORDER BY 1, 2")]
        out += [Dependent(f"trigger {n} on table {t}", False, "trigger", n) for n, t in self.query(
            "SELECT trigger_name, event_object_table FROM information_schema.triggers WHERE "
            f"trigger_schema = {db} AND event_object_table IN ({names}) ORDER BY 1")]
        return out

    def grants_on(self, relations: list[str]) -> list[str]:
        return []

    def load(self, table: Table, frame: pd.DataFrame) -> None:
        """Multi-row INSERT batches of ``_INSERT_BATCH_ROWS`` rows."""
        import pymysql

        if frame.empty:
            return
        cols = ", ".join(quote_ident(c) for c in frame.columns)
        marks = ", ".join(["%s"] * len(frame.columns))
        sql = _literal_percent(f"INSERT INTO {qualified(self.schema_name, table.name)} ({cols}) VALUES ") \
            + f"({marks})"
        rows = _rows(frame)
        try:
            with self.conn.cursor() as cur:
                for start in range(0, len(rows), _INSERT_BATCH_ROWS):
                    cur.executemany(sql, rows[start:start + _INSERT_BATCH_ROWS])
        except pymysql.Error as exc:
            raise LoadError(f"loading {table.name} failed: {first_line(exc)}") from None

    def update_columns(self, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> None:
        sets = [c for c in frame.columns if c not in key]
        sql = (_literal_percent(f"UPDATE {qualified(self.schema_name, table.name)} SET ")
               + ", ".join(f"{_literal_percent(quote_ident(c))} = %s" for c in sets) + " WHERE "
               + " AND ".join(f"{_literal_percent(quote_ident(c))} = %s" for c in key))
        rows = [tuple(_plain(getattr(r, "_asdict")()[c]) for c in (*sets, *key))
                for r in frame.itertuples(index=False)]
        with self.conn.cursor() as cur:
            cur.executemany(sql, rows)

    def commit(self) -> None:
        import pymysql

        try:
            self.conn.commit()
            self._end_loading()
        except pymysql.Error as exc:
            raise LoadError(f"commit failed: {first_line(exc)}") from None

    def rollback(self) -> None:
        if self.conn.open:
            self.conn.rollback()
            self._end_loading()

    def close(self) -> None:
        if self.conn.open:
            self.conn.close()
