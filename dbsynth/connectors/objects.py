"""Read the schema objects beyond tables (indexes, views, functions, triggers, domains,
comments…) from each engine's catalog, as :class:`SchemaObject` data.

Definitions are the engine's own rendering (``pg_get_*def``, ``duckdb_*().sql``,
``sqlite_master.sql``). PostgreSQL's are read with ``search_path = pg_catalog`` so every name
in them is qualified with its schema, which the writer rewrites to the target's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import exp

from dbsynth.connectors.base import qualified, quote_ident, read_sql
from dbsynth.dialects.mysql import backquoted
from dbsynth.schema.objects import SchemaObject

Query = Callable[..., list[tuple[Any, ...]]]
log = logging.getLogger(__name__)


def postgres_objects(query: Query, schema: str) -> tuple[SchemaObject, ...]:
    """Every object PostgreSQL's catalog holds for ``schema`` (see ``sql/postgres/objects_*``)."""
    params = {"schema": schema}
    query("SET search_path = pg_catalog")  # qualified names in every definition
    try:
        out = [SchemaObject("extension", name, sql, "postgres", after_load=False)
               for name, sql in query(read_sql("postgres", "objects_extensions"), params)]
        tops: dict[str, str] = {}  # each partition's top table (what dbsynth writes rows to)
        for table, partition, _depth, sql in query(read_sql("postgres", "objects_partitions"),
                                                   params):
            out.append(SchemaObject("partition" if partition else "partition key",
                                    partition or table, sql, "postgres", (table,), table,
                                    after_load=False))
            if partition:
                tops[partition] = table
        for row in query(read_sql("postgres", "objects_partition_keys"), params):
            partition, name, sql, ref_table = row[0], row[1], row[2], row[4]
            top = tops.get(partition, partition)  # (its rows are generated for the top table)
            out.append(SchemaObject("foreign key", f"{partition}.{name}", sql, "postgres",
                                    tuple(dict.fromkeys((top, ref_table))), top))
        for row in query(read_sql("postgres", "objects_partition_constraints"), params):
            partition, name, sql = row[0], row[1], row[3]
            top = tops.get(partition, partition)  # (a CHECK or UNIQUE of its own)
            out.append(SchemaObject("constraint", f"{partition}.{name}", sql, "postgres",
                                    (top,), top))
        out += [SchemaObject("inheritance", f"{child} of {parent}", sql, "postgres",
                             (child, parent), child)
                for parent, child, sql in query(read_sql("postgres", "inheritance"), params)
                if child is not None]
        out += [SchemaObject("domain", name, sql, "postgres", after_load=False)
                for name, sql in query(read_sql("postgres", "objects_domains"), params)]
        out += [SchemaObject("type", name, sql, "postgres", tuple(d for d in deps if d != name),
                             after_load=False)
                for name, sql, deps in query(read_sql("postgres", "objects_types"), params)]
        kinds = {"f": "function", "p": "procedure", "a": "aggregate"}
        out += [SchemaObject(kinds[kind], sig, sql.strip(), "postgres",  # type: ignore[arg-type]
                             tuple(d for d in deps if d != sig))
                for sig, kind, sql, deps in query(read_sql("postgres", "objects_functions"), params)]
        for name, materialized, body, options, deps in query(
                read_sql("postgres", "objects_views"), params):
            kind = "materialized view" if materialized else "view"
            with_options = f" WITH ({options})" if options else ""
            head = "CREATE MATERIALIZED VIEW" if materialized else "CREATE OR REPLACE VIEW"
            sql = f"{head} {qualified(schema, name)}{with_options} AS\n{body.strip().rstrip(';')}"
            out.append(SchemaObject(kind, name, sql, "postgres", tuple(sorted(deps))))  # type: ignore[arg-type]
        out += [SchemaObject("index", name, sql, "postgres", (tops.get(table, table),),
                             tops.get(table, table))  # a partition's own: with its top table
                for name, table, sql in query(read_sql("postgres", "objects_indexes"), params)]
        out += [SchemaObject("sequence", name, sql, "postgres", (owner,) if owner else (), owner)
                for name, owner, sql in query(read_sql("postgres", "objects_sequences"), params)]
        out += [SchemaObject("default", f"{table}.{column}", sql, "postgres", (table, sequence),
                             table)
                for table, column, sequence, sql in query(read_sql("postgres", "objects_defaults"),
                                                          params)]
        for name, table, sql, function in query(read_sql("postgres", "objects_triggers"), params):
            deps = (table, function) if function else (table,)
            out.append(SchemaObject("trigger", f"{table}.{name}", sql, "postgres", deps, table))
        out += [SchemaObject("comment", target, sql, "postgres", (relation,), relation)
                for target, relation, sql in query(read_sql("postgres", "objects_comments"), params)]
        for relation, grantee, sql in query(read_sql("postgres", "grants"),
                                            {"schema": schema, "tables": None}):
            out.append(SchemaObject("grant", f"{relation} to {grantee}: {sql.split()[1]}", sql,
                                    "postgres", (relation,), relation))
        for grantee, privilege, sql in query(read_sql("postgres", "objects_schema_grants"),
                                             params):
            out.append(SchemaObject("grant", f"schema {schema} to {grantee}: {privilege}", sql,
                                    "postgres"))
        for name, label, sql in query(read_sql("postgres", "objects_owners"), params):
            table = name if "(" not in name else None  # a relation's, not a function's
            out.append(SchemaObject("grant", label, sql, "postgres", (name,), table))
        for table, policy, sql in query(read_sql("postgres", "objects_policies"), params):
            name = f"{table}.{policy}" if policy else f"{table} (row level security)"
            out.append(SchemaObject("policy", name, sql, "postgres", (table,), table))
    finally:
        query("RESET search_path")
    return tuple(out)


def duckdb_objects(query: Query, schema: str) -> tuple[SchemaObject, ...]:
    """Indexes, views, macros and comments of a DuckDB schema."""
    out = [SchemaObject("function", name, _macro_sql(schema, name, kind, params, body), "duckdb")
           for name, kind, params, body in query(read_sql("duckdb", "objects_macros"), [schema])]
    macros = frozenset(o.name for o in out)
    for name, sql in query(read_sql("duckdb", "objects_views"), [schema]):
        out.append(SchemaObject("view", name, sql.strip().rstrip(";"), "duckdb",
                                _reads(sql, "duckdb", name, schema, macros)))
    out += [SchemaObject("index", name, sql.strip().rstrip(";"), "duckdb", (table,), table)
            for name, table, sql in query(read_sql("duckdb", "objects_indexes"), [schema])]
    for table, column, comment in query(read_sql("duckdb", "objects_comments"),
                                        [schema, schema, schema]):
        out.append(_comment(schema, table, column, comment, "duckdb"))
    return tuple(out)


def sqlite_objects(query: Query, schema: str, virtual: dict[str, str] | None = None
                   ) -> tuple[SchemaObject, ...]:
    """Indexes, views and triggers from ``sqlite_master`` (indexes SQLite makes for keys have
    no SQL and are written with their keys), and the ``virtual`` tables (name → SQL)."""
    rows = query("SELECT type, name, tbl_name, sql FROM sqlite_master "
                 "WHERE type IN ('index', 'view', 'trigger') AND sql IS NOT NULL "
                 "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name")
    out: list[SchemaObject] = []
    for kind, name, table, sql in rows:
        if kind == "view":
            out.append(SchemaObject("view", name, sql, "sqlite", _reads(sql, "sqlite", name, schema)))
        else:
            deps = (table, *(t for t in _reads(sql, "sqlite", name, schema) if t != table))
            out.append(SchemaObject(kind, name, sql, "sqlite", deps, table))
    for name, sql in (virtual or {}).items():
        out += _virtual_table(name, sql)
    return tuple(out)


#: an FTS table's external content: ``content='note'`` (``content=''``: contentless)
_CONTENT = re.compile(r"""(?i)\bcontent\s*=\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|(\w+))""")


def _virtual_table(name: str, sql: str) -> list[SchemaObject]:
    """A virtual table, created after the load; an FTS index of another table's text
    (``content='note'``) is rebuilt from the synthetic rows then. One holding rows of its
    own is created empty, with a warning: they are not synthesised."""
    found = _CONTENT.search(sql)
    content = next((g for g in found.groups() if g is not None), "") if found else None
    table = content.replace("''", "'").replace('""', '"') if content else None
    out = [SchemaObject("virtual table", name, sql, "sqlite", (table,) if table else (), table)]
    if table:
        ident = quote_ident(name)
        out.append(SchemaObject("rebuild", name, f"INSERT INTO {ident} ({ident}) VALUES ('rebuild')",
                                "sqlite", (table, name), table))
    else:
        log.warning("virtual table %s holds rows of its own: it is created empty in a SQLite "
                    "target (its rows are not synthesised)", name)
    return out


def mysql_objects(query: Query, schema: str, foreign_keys: frozenset[tuple[str, str]]
                  ) -> tuple[SchemaObject, ...]:
    """Non-unique indexes of a MySQL database from ``information_schema.statistics``
    (unique ones are written with their keys; an index InnoDB made for a foreign key, named
    as it, comes back with the key: ``foreign_keys`` holds those (table, name) pairs).
    Written in MySQL's own quoting (backquotes), which sqlglot reads for other engines."""
    parts: dict[tuple[str, str], list[str]] = {}
    kinds: dict[tuple[str, str], str] = {}
    for table, name, column, sub_part, kind in query(
            "SELECT table_name, index_name, column_name, sub_part, index_type "
            "FROM information_schema.statistics WHERE table_schema = %s AND non_unique = 1 "
            "ORDER BY table_name, index_name, seq_in_index", (schema,)):
        if (table, name) in foreign_keys or column is None:
            continue  # (an expression index of MySQL 8: not read)
        prefix = f"({int(sub_part)})" if sub_part else ""
        parts.setdefault((table, name), []).append(backquoted(column) + prefix)
        kinds[(table, name)] = str(kind).upper()
    out = []
    for (table, name), columns in parts.items():
        head = {"FULLTEXT": "CREATE FULLTEXT INDEX", "SPATIAL": "CREATE SPATIAL INDEX"}.get(
            kinds[(table, name)], "CREATE INDEX")
        sql = (f"{head} {backquoted(name)} ON {backquoted(schema)}.{backquoted(table)} "
               f"({', '.join(columns)})")
        out.append(SchemaObject("index", f"{table}.{name}", sql, "mysql", (table,), table))
    return tuple(out)


def _macro_sql(schema: str, name: str, kind: str, params: Sequence[str], body: str) -> str:
    args = ", ".join(params)
    table = "TABLE " if kind == "table_macro" else ""
    return f"CREATE OR REPLACE MACRO {qualified(schema, name)}({args}) AS {table}{body}"


def _comment(schema: str, table: str, column: str | None, text: str,
             dialect: str) -> SchemaObject:
    literal = "'" + text.replace("'", "''") + "'"
    if column is None:
        sql = f"COMMENT ON TABLE {qualified(schema, table)} IS {literal}"
        return SchemaObject("comment", table, sql, dialect, (table,), table)
    sql = f"COMMENT ON COLUMN {qualified(schema, table)}.{quote_ident(column)} IS {literal}"
    return SchemaObject("comment", f"{table}.{column}", sql, dialect, (table,), table)


def _reads(sql: str, dialect: str, own: str, schema: str,
           functions: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The tables/views (and known functions) a statement names, another schema's as
    ``schema.name`` (which no selection holds); unreadable SQL names none (then only its own
    table is known, and the engine judges it when it is created)."""
    import sqlglot  # lazy: only a source with views, triggers or functions needs it
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return ()
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    names = {t.name if t.db in ("", schema) else f"{t.db}.{t.name}"
             for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}
    names |= {f.name for f in tree.find_all(exp.Anonymous) if f.name in functions}
    names.discard(own)
    return tuple(sorted(names))
