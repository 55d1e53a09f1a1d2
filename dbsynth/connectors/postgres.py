"""PostgreSQL through psycopg 3 (plain URLs parsed by connectors/urls.py, others by SQLAlchemy 2):
catalog queries, reads, COPY.

Catalog SQL lives in ``sql/postgres/``; loads use ``COPY ... FROM STDIN`` inside one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from dbsynth.connectors.objects import postgres_objects
from dbsynth.connectors.pg_values import may_hold_infinities, read_infinities
from dbsynth.connectors.pg_records import Shape, array_literal, column_shape, composite_text
from dbsynth.connectors.base import Dependent, add_index_unique, expression_unique, first_line, is_null_value, qualified, quote_ident, read_sql, short_sql, probe_by_query
from dbsynth.dialects.postgres import DIALECT
from dbsynth.dialects.postgres import is_composite
from dbsynth.dialects.postgres import parse_type as parse_pg_type
from dbsynth.errors import ConnectionError_, LoadError, SchemaError
from dbsynth.schema.model import (
    INHERITED_TABLES, OUTSIDE_REFERENCES, CheckConstraint, Column, EnumType, FkAction, ForeignKey, PrimaryKey,
    Schema, SqlType, Table, UniqueConstraint, outside_note,
)
from dbsynth.schema.objects import SchemaObject
from dbsynth.connectors.urls import ServerUrl

if TYPE_CHECKING:  # SQLAlchemy parses only the URLs connectors/urls.py does not (slow import)
    from sqlalchemy.engine import URL

AnyUrl: TypeAlias = "URL | ServerUrl"

log = logging.getLogger(__name__)

CAPABILITIES = DIALECT  # what the engine can do (dbsynth.dialects.postgres)


class PostgresConnector:
    dialect = "postgres"
    capabilities = CAPABILITIES

    def __init__(self, url: AnyUrl, schema: str = "public", role: str = "source") -> None:
        self.url = url.set(drivername="postgresql+psycopg")
        self.schema_name = schema
        self.role = role
        self._reader: psycopg.Connection[Any] | None = None
        self._inherited: frozenset[str] = frozenset()  # read FROM ONLY (see introspect)
        self._check_reachable()

    # -- identity -------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        from dbsynth.connectors.registry import mask_url  # also hides ?password=…

        return mask_url(self.url.set(drivername="postgresql").render_as_string(hide_password=False))

    @property
    def location(self) -> str:
        """Server identity as the server reports it, so ``localhost`` == ``127.0.0.1``."""
        return f"postgres://{self._identity}#{self.schema_name}"

    def _connect(self) -> psycopg.Connection[Any]:
        """A psycopg connection from the SQLAlchemy URL's parts (COPY needs the raw driver)."""
        args: dict[str, Any] = self.url.translate_connect_args(username="user", database="dbname")
        args.update({k: v for k, v in self.url.query.items() if isinstance(v, str)})
        args.setdefault("connect_timeout", 10)
        try:
            conn = psycopg.connect(**args, autocommit=False)
            if self.role == "source":
                # Every transaction on a source is read only: even a mistaken write fails.
                conn.execute("SET default_transaction_read_only = on")
                conn.commit()
                read_infinities(conn)
            return conn
        except psycopg.Error as exc:
            reason = first_line(exc)
            raise ConnectionError_(
                f"cannot connect to {self.display_url}: {_scrub(reason, self.url)}") from None

    def _check_reachable(self) -> None:
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(read_sql("postgres", "schema_exists"), {"schema": self.schema_name})
                row = cur.fetchone()
                exists = bool(row and row[0])
                try:
                    cur.execute(read_sql("postgres", "server_identity"))
                except psycopg.errors.InsufficientPrivilege:
                    conn.rollback()  # pg_control_system() is for privileged roles only
                    cur.execute(read_sql("postgres", "server_address"))
                database, server = cur.fetchone() or ("", "")
                self._identity = f"{server}/{database}"
        finally:
            conn.close()
        if not exists and self.role == "source":
            raise SchemaError(f"schema {self.schema_name!r} does not exist in {self.display_url}")

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one read on the connector's reading connection (opened once).

        A source's reads all happen in one ``REPEATABLE READ READ ONLY`` transaction, held
        until :meth:`close`: introspection, training samples, child counts and reports see
        one snapshot even while the application writes (rows inserted meanwhile never
        appear, so foreign keys stay consistent). Each read runs in a savepoint, so a failed
        probe does not abort the snapshot. A target's reads are autocommit: they must see
        what the writer just committed."""
        reader = self._reading()
        try:
            with reader.cursor() as cur:
                if self.role == "source":
                    with reader.transaction():  # a savepoint inside the snapshot transaction
                        return _run(cur, sql, params)
                return _run(cur, sql, params)
        except psycopg.Error as exc:
            raise SchemaError(f"query failed on {self.display_url}: {first_line(exc)}") from None

    def _reading(self) -> psycopg.Connection[Any]:
        if self._reader is not None and not self._reader.closed:
            return self._reader
        if self._reader is not None and self.role == "source":  # broken, not closed by us
            raise SchemaError(f"the connection to {self.display_url} was lost, and with it "
                              "the snapshot this run reads; run it again")
        reader = self._connect()
        if self.role == "source":
            reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            reader.read_only = True
            # Reads can be minutes apart (a big table sampled, inference between them): the
            # server's idle (or, from PostgreSQL 17, whole-transaction) timeout would end
            # the snapshot and fail the run late.
            reader.execute("SET idle_in_transaction_session_timeout = 0")
            if reader.info.server_version >= 170000:
                reader.execute("SET transaction_timeout = 0")
            reader.execute("SELECT 1")  # opens the snapshot transaction; reads nest in it
        else:
            reader.autocommit = True
        self._reader = reader
        return reader

    def engine_version(self) -> str:
        return "PostgreSQL " + str(self.query("SHOW server_version")[0][0]).split()[0]

    # -- introspection --------------------------------------------------------------------
    def introspect(self) -> Schema:
        params = {"schema": self.schema_name}
        names = [r[0] for r in self.query(read_sql("postgres", "tables"), params)]
        columns: dict[str, list[Column]] = {n: [] for n in names}
        for row in self.query(read_sql("postgres", "columns"), params):
            (table, col, formatted, kind, typname, domain, domain_base, base_kind, base_name,
             elem_kind, elem_name, nullable, default, identity, generated) = row
            if table not in columns:
                continue
            if domain:
                sql_type = parse_pg_type(domain_base, base_kind, base_name)
            elif elem_kind == "c":  # an array of a composite: a JSON list of its objects
                sql_type = SqlType("json", native=formatted, composite=True)
            elif elem_kind is not None:
                element = parse_pg_type(formatted.removesuffix("[]"), elem_kind, elem_name)
                sql_type = SqlType("array", element=element, native=formatted)
            else:
                sql_type = parse_pg_type(formatted, kind, typname)
            ident = {"a": "always", "d": "by default"}.get(identity or "")
            if ident is None and default and default.startswith("nextval("):
                ident = "by default"  # serial / bigserial
            computed = default if generated == "s" else None
            columns[table].append(Column(
                name=col, type=sql_type, nullable=bool(nullable),
                default=None if ident or computed else default, identity=ident,  # type: ignore[arg-type]
                domain=domain, generated=computed,
            ))
        pks: dict[str, PrimaryKey] = {}
        fks: dict[str, list[ForeignKey]] = {n: [] for n in names}
        uniques: dict[str, list[UniqueConstraint]] = {n: [] for n in names}
        checks: dict[str, list[CheckConstraint]] = {n: [] for n in names}
        outside: dict[str, set[str]] = {}
        for (table, cname, ctype, cols, ref_table, ref_schema, ref_cols, definition, on_delete,
             on_update, timing) in self.query(read_sql("postgres", "constraints"), params):
            if table not in columns:
                continue
            cols = tuple(cols)
            if ctype == "p":
                pks[table] = PrimaryKey(cols, cname)
            elif ctype == "u":
                uniques[table].append(UniqueConstraint(cols, cname))
            elif ctype == "f" and ref_schema == self.schema_name:
                fks[table].append(ForeignKey(cols, ref_table, tuple(ref_cols), cname, "declared",
                                             FK_ACTION_CODES[on_delete],
                                             FK_ACTION_CODES[on_update], timing))
            elif ctype == "f":
                outside.setdefault(table, set()).update(cols)
                log.warning("%s", outside_note(table, cols, f"{ref_schema}.{ref_table}",
                                               self.schema_name))
            elif ctype == "c":
                expr = re.sub(r"\s+NOT VALID$", "", definition.strip())
                expr = expr.removeprefix("CHECK ").strip()
                checks[table].append(CheckConstraint(expr, cname, dialect="postgres"))
        for table, column, name, definition in self.query(read_sql("postgres", "domain_checks"),
                                                           params):
            if table in checks:
                checks[table].append(CheckConstraint(
                    domain_check(definition, column), f"{table}_{column}_{name}"[:63],
                    "postgres", "domain"))
        for table, name, definition in self.query(read_sql("postgres", "exclusions"), params):
            log.warning("exclusion constraint %s on %s is not copied: the rows are not generated "
                        "to hold %s", name, table, definition)
        objects = postgres_objects(self.query, self.schema_name)
        self._inherited = frozenset(r[0] for r in self.query(read_sql("postgres", "inheritance"),
                                                             params))
        for table, fk in _partition_foreign_keys(self.query, params, objects):
            if table in fks and not any((k.columns, k.ref_table) == (fk.columns, fk.ref_table)
                                        for k in fks[table]):
                fks[table].append(fk)
        for table, constraint in _partition_constraints(self.query, params, objects):
            if isinstance(constraint, CheckConstraint):
                checks[table].append(constraint)
            elif table in uniques and constraint.columns not in [u.columns for u in uniques[table]]:
                uniques[table].append(constraint)
        for table, index_name, cols in self.query(read_sql("postgres", "unique_indexes"), params):
            if table in uniques and tuple(cols) not in [u.columns for u in uniques[table]]:
                uniques[table].append(UniqueConstraint(tuple(cols), index_name, index=True))
        for table, index_name, parts, where in self.query(
                read_sql("postgres", "unique_expression_indexes"), params):
            names_of = tuple(c.name for c in columns.get(table, ()))
            unique = (expression_unique(index_name, list(parts), names_of, "postgres", where)
                      if names_of else None)
            if unique is not None:
                uniques[table] = add_index_unique(uniques[table], unique)
        enums = tuple(EnumType(n, tuple(labels)) for n, labels in
                      self.query(read_sql("postgres", "enums"), params))
        counts = self._row_counts(names)
        tables = tuple(Table(
            name=n, columns=tuple(columns[n]), primary_key=pks.get(n),
            foreign_keys=tuple(fks[n]), uniques=tuple(uniques[n]), checks=tuple(checks[n]),
            row_count=counts[n],
        ) for n in names)
        return Schema(dialect="postgres", name=self.schema_name, tables=tables, enums=enums,
                      objects=objects, extra={OUTSIDE_REFERENCES: {
                          t: frozenset(c) for t, c in outside.items()},
                          INHERITED_TABLES: self._inherited})

    def _row_counts(self, names: list[str]) -> dict[str, int]:
        if not names:
            return {}
        union = " UNION ALL ".join(
            f"SELECT {i}, count(*) FROM {self._own_rows(n)}" for i, n in enumerate(names))
        return {names[i]: int(c) for i, c in self.query(union)}

    # -- reading --------------------------------------------------------------------------
    def read_table(self, table: Table, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
        cols = ", ".join(_read_expression(c) for c in table.columns)
        sample = ""
        if limit is not None and table.row_count > limit:
            percent = min(100.0, 100.0 * limit / table.row_count)
            sample = f" TABLESAMPLE BERNOULLI ({percent:.6f}) REPEATABLE ({int(seed)})"
        rows = self.query(f"SELECT {cols} FROM {self._own_rows(table.name)}{sample}")
        frame = pd.DataFrame(rows, columns=list(table.column_names))
        for column in table.columns:
            if may_hold_infinities(column.type.name, frame[column.name]) and self.query(
                    f"SELECT 1 FROM {self._own_rows(table.name)} WHERE NOT "
                    f"isfinite({quote_ident(column.name)}) LIMIT 1"):
                log.warning("%s.%s holds infinity or -infinity: read and modelled as the ends of "
                            "the calendar (9999-12-31, 0001-01-01)", table.name, column.name)
        return frame

    def _own_rows(self, table: str) -> str:
        """The table's own rows: a parent's SELECT returns its children's rows too."""
        name = qualified(self.schema_name, table)
        return CAPABILITIES.own_rows.format(name) if table in self._inherited else name

    def begin_target(self) -> PostgresSession:
        return PostgresSession(self._connect(), self.schema_name, self.url)

    def probe(self, sql: str) -> str | None:
        return probe_by_query(self.query, self.display_url, sql)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _partition_foreign_keys(query: Callable[..., list[tuple[Any, ...]]], params: dict[str, Any],
                            objects: tuple[SchemaObject, ...]) -> list[tuple[str, ForeignKey]]:
    """Foreign keys declared on partitions only (Pagila's payment_p2022_01 → customer, none
    on payment), as keys of the top table the rows are generated for (source "partitions"),
    so its rows hold them: one per column set and referenced table."""
    tops = {o.name: o.table for o in objects if o.kind == "partition" and o.table}
    out: list[tuple[str, ForeignKey]] = []
    for partition, _name, _sql, cols, ref_table, ref_cols, on_delete, on_update in query(
            read_sql("postgres", "objects_partition_keys"), params):
        fk = ForeignKey(tuple(cols), ref_table, tuple(ref_cols), None, "partitions",
                        FK_ACTION_CODES[on_delete], FK_ACTION_CODES[on_update])
        top = tops.get(partition)
        if top and not any(t == top and (k.columns, k.ref_table) == (fk.columns, fk.ref_table)
                           for t, k in out):
            out.append((top, fk))
    return out


def _partition_constraints(query: Callable[..., list[tuple[Any, ...]]], params: dict[str, Any],
                           objects: tuple[SchemaObject, ...]
                           ) -> list[tuple[str, CheckConstraint | UniqueConstraint]]:
    """CHECKs and UNIQUEs declared on partitions only, as constraints of the top table the
    rows are generated for (source "partitions"), so its rows hold them: a CHECK as
    ``NOT (bounds) OR (check)`` (it binds the rows the partition holds), a UNIQUE over all
    rows (stronger than per partition, so it holds on each)."""
    tops = {o.name: o.table for o in objects if o.kind == "partition" and o.table}
    out: list[tuple[str, CheckConstraint | UniqueConstraint]] = []
    for partition, _name, kind, _sql, cols, condition, bounds in query(
            read_sql("postgres", "objects_partition_constraints"), params):
        top = tops.get(partition)
        if top is None:
            continue
        if kind == "u":
            out.append((top, UniqueConstraint(tuple(cols), None, source="partitions")))
            continue
        expr = re.sub(r"\s+NOT VALID$", "", condition.strip()).removeprefix("CHECK ").strip()
        if bounds:
            expr = f"NOT ({bounds}) OR {expr}"
        out.append((top, CheckConstraint(expr, None, "postgres", "partitions")))
    return out


def _run(cur: psycopg.Cursor[Any], sql: str, params: dict[str, Any] | None) -> list[tuple[Any, ...]]:
    if params:
        cur.execute(sql, params)
    else:
        cur.execute(sql)  # no placeholders to parse (a literal % stays literal)
    return list(cur.fetchall()) if cur.description else []


def domain_check(definition: str, column: str) -> str:
    """A domain's ``CHECK (VALUE …)`` as the expression of a CHECK on ``column``."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(definition.strip().removeprefix("CHECK").strip(), read="postgres")
    return tree.transform(lambda node: exp.column(column, quoted=True)
                          if isinstance(node, exp.Column) and not node.table
                          and node.name.upper() == "VALUE" and not node.this.quoted
                          else node).sql("postgres")


def _read_expression(column: Column) -> str:
    """How a column is selected: ``money`` as numeric (the driver gives money as text in the
    server's locale, such as '$1,234.50'); a composite as a JSON object of its attributes
    (``to_json`` keeps their order); everything else as it is."""
    name = quote_ident(column.name)
    if column.type.native == "money":
        return f"{name}::numeric AS {name}"
    if is_composite(column.type):
        return f"to_json({name}) AS {name}"
    return name


#: ``pg_constraint.confdeltype`` / ``confupdtype`` codes -> referential actions
FK_ACTION_CODES: dict[str, FkAction] = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE",
                                        "n": "SET NULL", "d": "SET DEFAULT"}


class PostgresSession:
    """One transaction on a PostgreSQL target; DDL included (PostgreSQL DDL is transactional)."""

    capabilities = CAPABILITIES

    def __init__(self, conn: psycopg.Connection[Any], schema_name: str, url: AnyUrl) -> None:
        self.conn = conn
        self.schema_name = schema_name
        self.url = url

    def execute(self, sql: str) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql.encode())
        except psycopg.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql.encode())
                return list(cur.fetchall())
        except psycopg.Error as exc:
            raise LoadError(f"{first_line(exc)} (while running: {short_sql(sql)})") from None

    def try_execute(self, sql: str) -> str | None:
        """Inside a savepoint: a refusal rolls back to it, not the whole transaction."""
        with self.conn.cursor() as cur:
            cur.execute(b"SAVEPOINT dbsynth_try")
            try:
                cur.execute(sql.encode())
            except psycopg.Error as exc:
                cur.execute(b"ROLLBACK TO SAVEPOINT dbsynth_try")
                return first_line(exc)
            cur.execute(b"RELEASE SAVEPOINT dbsynth_try")
        return None

    def existing_tables(self) -> dict[str, int]:
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema_name)}")
        with self.conn.cursor() as cur:
            cur.execute(read_sql("postgres", "tables"), {"schema": self.schema_name})
            names = [r[0] for r in cur.fetchall()]
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = int(self.query(
                f"SELECT count(*) FROM {qualified(self.schema_name, name)}")[0][0])
        return counts

    def existing_enums(self) -> dict[str, tuple[str, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(read_sql("postgres", "enums"), {"schema": self.schema_name})
            return {name: tuple(labels) for name, labels in cur.fetchall()}

    def dependents(self, tables: list[str]) -> list[Dependent]:
        with self.conn.cursor() as cur:
            cur.execute(read_sql("postgres", "dependents"),
                        {"schema": self.schema_name, "tables": list(tables)})
            return [Dependent(str(what), bool(blocks), kind, name)
                    for what, blocks, kind, name in cur.fetchall()]

    def grants_on(self, relations: list[str]) -> list[str]:
        with self.conn.cursor() as cur:
            cur.execute(read_sql("postgres", "grants"),
                        {"schema": self.schema_name, "tables": list(relations)})
            return [str(row[2]) for row in cur.fetchall()]

    def load(self, table: Table, frame: pd.DataFrame) -> None:
        """COPY in PostgreSQL's csv format, rendered by Arrow's C++ CSV writer (no per-row
        Python work except for the few types PostgreSQL spells its own way)."""
        if frame.empty:
            return
        cols = ", ".join(quote_ident(c) for c in frame.columns)
        sql = f"COPY {qualified(self.schema_name, table.name)} ({cols}) FROM STDIN WITH (FORMAT csv)"
        try:
            shapes = self._composite_shapes(table, frame)
            with self.conn.cursor() as cur, cur.copy(sql.encode()) as copy:
                for text in _copy_batches(frame, table, shapes):
                    copy.write(text)
        except psycopg.Error as exc:
            raise LoadError(f"loading {table.name} failed: {first_line(exc)}") from None

    def _composite_shapes(self, table: Table, frame: pd.DataFrame) -> dict[str, Shape]:
        """The shape of each composite column being loaded, from the target's catalog (its
        types are made before the load): which attributes are JSON, which records."""
        relation = qualified(self.schema_name, table.name)

        def query(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
            with self.conn.cursor() as cur:
                return list(cur.execute(sql, params).fetchall())

        shapes = {name: column_shape(query, relation, name) for name in frame.columns
                  if is_composite(table.column(name).type)}
        return {name: shape for name, shape in shapes.items() if shape is not None}

    def update_columns(self, table: Table, key: tuple[str, ...], frame: pd.DataFrame) -> None:
        temp = quote_ident(f"_dbsynth_upd_{table.name}")
        col_defs = ", ".join(
            f"{quote_ident(c)} {_pg_type_of(table, c)}" for c in frame.columns)
        self.execute(f"CREATE TEMP TABLE {temp} ({col_defs}) ON COMMIT DROP")
        cols = ", ".join(quote_ident(c) for c in frame.columns)
        try:
            shapes = self._composite_shapes(table, frame)
            with self.conn.cursor() as cur, cur.copy(
                    f"COPY {temp} ({cols}) FROM STDIN WITH (FORMAT csv)".encode()) as cp:
                for text in _copy_batches(frame, table, shapes):
                    cp.write(text)
        except psycopg.Error as exc:
            raise LoadError(f"updating {table.name} failed: {first_line(exc)}") from None
        sets = ", ".join(f"{quote_ident(c)} = u.{quote_ident(c)}"
                         for c in frame.columns if c not in key)
        match = " AND ".join(f"t.{quote_ident(c)} = u.{quote_ident(c)}" for c in key)
        self.execute(f"UPDATE {qualified(self.schema_name, table.name)} AS t SET {sets} "
                     f"FROM {temp} AS u WHERE {match}")

    def commit(self) -> None:
        try:
            self.conn.commit()
        except psycopg.Error as exc:
            raise LoadError(f"commit failed: {first_line(exc)}") from None

    def rollback(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


def _pg_type_of(table: Table, column: str) -> str:
    return DIALECT.render_type(table.column(column).type)


#: Arrow types of the columns COPY reads as they are; the rest are inferred (numeric: ints,
#: floats or decimals; timestamps with or without time zone) or rendered by ``_TEXT_RENDERERS``.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "smallint": pa.int64(), "integer": pa.int64(), "bigint": pa.int64(),
    "real": pa.float64(), "double": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
    "time": pa.time64("us"), "text": pa.string(), "varchar": pa.string(), "char": pa.string(),
    "enum": pa.string(), "uuid": pa.string(), "unknown": pa.string(),
}


def _bytea_text(value: Any) -> str | None:
    return None if is_null_value(value) else "\\x" + bytes(value).hex()


#: Rows rendered per piece of a COPY.
_COPY_BATCH_ROWS = 50_000


def _copy_batches(frame: pd.DataFrame, table: Table,
                  shapes: dict[str, Shape] | None = None) -> Iterator[bytes]:
    """The frame's COPY text in pieces of ``_COPY_BATCH_ROWS`` rows: only one piece of text
    is held at a time (a big table's whole CSV would be several times its frame), and the
    server can parse one piece while the next is rendered."""
    for start in range(0, len(frame), _COPY_BATCH_ROWS):
        yield _to_copy_text(frame.iloc[start:start + _COPY_BATCH_ROWS], table, shapes or {})


def _to_copy_text(frame: pd.DataFrame, table: Table, shapes: dict[str, Shape]) -> bytes:
    """The frame as COPY's csv format (NULL: an unquoted empty field; text is always quoted).

    Columns become typed Arrow arrays and Arrow's CSV writer renders them: this is where the
    load spent its time when pandas rendered every value in Python."""
    arrays = [_copy_column(frame[name], _as_declared(table.column(name).type, str(name) in shapes),
                           shapes.get(str(name)))
              for name in frame.columns]
    arrow = pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])
    buffer = io.BytesIO()
    pa_csv.write_csv(arrow, buffer, pa_csv.WriteOptions(include_header=False,
                                                        quoting_style="needed"))
    return buffer.getvalue()


def _as_declared(sql_type: SqlType, target_is_composite: bool) -> SqlType:
    """A composite column the target declares as json (no shape read) is written as JSON."""
    if is_composite(sql_type) and not target_is_composite:
        return dataclasses.replace(sql_type, composite=False)
    return sql_type


def _copy_column(values: pd.Series, sql_type: SqlType, shape: Shape | None = None) -> pa.Array:
    """One column as Arrow whose CSV text PostgreSQL parses as ``sql_type``; values Arrow
    cannot take as that type go as their text (``str``), which COPY parses or rejects (a
    composite's by its ``shape``)."""
    render = ((lambda v: composite_text(v, shape)) if is_composite(sql_type)
              else _TEXT_RENDERERS.get(sql_type.name))
    if render is not None:
        return _text_array(values, render)
    wanted = _ARROW_TYPES.get(sql_type.name)
    try:
        array = pa.array(values, type=wanted, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return _text_array(values, str)
    if wanted is None and not _copy_renders_as_sql(array.type):
        return _text_array(values, str)
    return array


def _copy_renders_as_sql(arrow_type: pa.DataType) -> bool:
    """Inferred types whose CSV text PostgreSQL reads back as the same value (not decimals:
    Arrow pads them to one scale, ``1`` → ``1.000``, which an unconstrained numeric keeps)."""
    return (pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)
            or pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type)
            or pa.types.is_string(arrow_type) or pa.types.is_null(arrow_type))


def _text_array(values: pd.Series, render: Callable[[Any], str | None]) -> pa.Array:
    """Per-value Python rendering: only for types with no Arrow spelling PostgreSQL reads."""
    return pa.array([None if is_null_value(v) else render(v) for v in values], type=pa.string())


def _json_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _interval_text(value: Any) -> str | None:
    """timedelta or pandas DateOffset (what DuckDB intervals arrive as) → PostgreSQL text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.DateOffset):
        kw = value.kwds
        seconds = kw.get("seconds", 0) + kw.get("microseconds", 0) / 1e6 + kw.get("nanoseconds", 0) / 1e9
        return (f"{kw.get('months', 0)} months {kw.get('days', 0)} days "
                f"{seconds + 60 * kw.get('minutes', 0) + 3600 * kw.get('hours', 0)} seconds")
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds()} seconds"
    return str(value)


_TEXT_RENDERERS: dict[str, Callable[[Any], str | None]] = {
    "array": array_literal, "bytes": _bytea_text, "json": _json_text,
    "interval": _interval_text,
}




def _scrub(text: str, url: AnyUrl) -> str:
    """Remove the password from a driver message, should a driver ever echo it."""
    from dbsynth.connectors.registry import mask_secrets

    text = text.replace(str(url.password), "***") if url.password else text
    return mask_secrets(text)
