"""The corpus's SQLite databases hosted in MariaDB or PostgreSQL, so that ``corpus.py
--source-engine mysql|postgres`` measures dbsynth reading those sources: 110 real schemas'
names, types and keys as the server's catalog gives them, not only the few samples the tests
hold.

Each database is rebuilt in a new database of the server: every ``CREATE TABLE`` of the SQLite
file translated by sqlglot, a foreign key's columns typed as the columns they refer to (SQLite
lets an INT refer to a TEXT), on MySQL a TEXT key column as VARCHAR(255) (InnoDB indexes no
TEXT). MariaDB: a table whose foreign keys InnoDB refuses is created without them; rows go in
as they are with ``FOREIGN_KEY_CHECKS = 0`` and a non-strict ``sql_mode`` (real SQLite files
hold orphans and text in integer columns). PostgreSQL: tables are created without foreign
keys, rows loaded (a table whose rows the types refuse stays empty, said so), then each
foreign key added where the rows hold it. Every change is printed. The ground truth is read
from the server's catalog directly, not through dbsynth.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

Fk = tuple[str, tuple[str, ...], str, tuple[str, ...]]
Pk = tuple[str, tuple[str, ...]]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _name(node: Any) -> str:
    return node.name if hasattr(node, "name") else str(node)


def _key_columns(tree: Any) -> set[str]:
    """Columns of the table's own keys (primary, unique, foreign), lower-cased."""
    from sqlglot import exp

    out: set[str] = set()
    for column in tree.find_all(exp.ColumnDef):
        kinds = [c.args.get("kind") for c in column.args.get("constraints") or []]
        if any(isinstance(k, (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint, exp.Reference))
               for k in kinds):
            out.add(column.name.lower())
    for key in (*tree.find_all(exp.PrimaryKey), *tree.find_all(exp.ForeignKey)):
        out |= {_name(e).lower() for e in key.expressions}
    for unique in tree.find_all(exp.UniqueColumnConstraint):
        if isinstance(unique.this, exp.Schema):
            out |= {_name(e).lower() for e in unique.this.expressions}
    return out


def referenced(statements: list[str]) -> set[tuple[str, str]]:
    """(table, column) pairs, lower-cased, that some foreign key of the database refers to."""
    import sqlglot
    from sqlglot import exp

    out: set[tuple[str, str]] = set()
    for sql in statements:
        for ref in sqlglot.parse_one(sql, read="sqlite").find_all(exp.Reference):
            target = ref.this
            if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
                out |= {(target.this.name.lower(), _name(e).lower()) for e in target.expressions}
    return out


def _keyable(tree: Any, referred: set[tuple[str, str]], dialect: str) -> Any:
    """A TEXT column in a key, or referred to by one, becomes VARCHAR(255): InnoDB indexes
    no TEXT."""
    from sqlglot import exp

    if dialect == "postgres":  # INT(11): a display width PostgreSQL does not parse
        for kind in tree.find_all(exp.DataType):
            if kind.is_type(*exp.DataType.INTEGER_TYPES, *exp.DataType.REAL_TYPES - {
                    exp.DataType.Type.DECIMAL}, exp.DataType.Type.TEXT) and kind.expressions:
                # (FLOAT(10, 2) and TEXT(50) too)
                kind.set("expressions", [])
        return tree
    if dialect != "mysql":
        return tree
    table = tree.find(exp.Table).name.lower()
    keyed = _key_columns(tree) | {c for t, c in referred if t == table}
    for column in tree.find_all(exp.ColumnDef):
        kind = column.args.get("kind")
        if column.name.lower() in keyed and (kind is None or kind.this in (
                exp.DataType.Type.TEXT, exp.DataType.Type.BLOB)):
            column.set("kind", exp.DataType.build("VARCHAR(255)"))
        elif kind is not None and kind.this == exp.DataType.Type.VARBINARY and not kind.expressions:
            column.set("kind", exp.DataType.build("LONGBLOB", dialect="mysql"))  # no length: refused
    return tree


def _same_types_as_parents(tree: Any, types: dict[tuple[str, str], Any]) -> None:
    """A foreign key's columns take the types of the columns they refer to (SQLite lets an
    INT refer to a TEXT; InnoDB refuses such a key)."""
    from sqlglot import exp

    columns = {c.name.lower(): c for c in tree.find_all(exp.ColumnDef)}
    for ref in tree.find_all(exp.Reference):
        target = ref.this
        if not (isinstance(target, exp.Schema) and isinstance(target.this, exp.Table)):
            continue
        parent = target.this.name.lower()
        owner = ref.parent
        if isinstance(owner, exp.ForeignKey):
            children = [_name(e).lower() for e in owner.expressions]
        elif isinstance(owner, exp.ColumnConstraint) and isinstance(owner.parent, exp.ColumnDef):
            children = [owner.parent.name.lower()]
        else:
            continue
        for child, ref_col in zip(children, (_name(e).lower() for e in target.expressions)):
            kind = types.get((parent, ref_col))
            if child in columns and kind is not None:
                columns[child].set("kind", kind.copy())


def translated_all(statements: list[str], dialect: str = "mysql") -> list[tuple[str, str | None, list[str]]]:
    """Each CREATE TABLE in ``dialect`` (double-quoted names), the same without its foreign
    keys, and those foreign keys as ``ALTER TABLE … ADD`` statements."""
    import sqlglot
    from sqlglot import exp

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    referred = referenced(statements)
    trees = [_keyable(sqlglot.parse_one(sql, read="sqlite"), referred, dialect) for sql in statements]
    types = {(tree.find(exp.Table).name.lower(), c.name.lower()): c.args.get("kind")
             for tree in trees for c in tree.find_all(exp.ColumnDef)}
    for tree in trees:
        _same_types_as_parents(tree, types)
    return [_with_and_without_keys(tree, dialect) for tree in trees]


def _with_and_without_keys(tree: Any, dialect: str) -> tuple[str, str | None, list[str]]:
    from sqlglot import exp

    def text(node: Any) -> str:
        return node.sql(dialect=dialect).replace("`", '"')

    full = text(tree)
    table = text(tree.find(exp.Table))
    bare = tree.copy()
    added: list[str] = []
    for fk in list(bare.find_all(exp.ForeignKey)):
        added.append(f"ALTER TABLE {table} ADD {text(fk)}")
        (fk.parent if isinstance(fk.parent, exp.Constraint) else fk).pop()
    for ref in list(bare.find_all(exp.Reference)):  # inline REFERENCES on a column
        owner = ref.parent
        column = owner.parent if isinstance(owner, exp.ColumnConstraint) else None
        if isinstance(column, exp.ColumnDef):
            added.append(f"ALTER TABLE {table} ADD FOREIGN KEY ({text(column.this)}) {text(ref)}")
        (owner if isinstance(owner, exp.ColumnConstraint) else ref).pop()
    return full, text(bare) if added else None, added


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def rehost_mysql(sqlite_path: Path, maria: Any, name: str) -> tuple[str, list[str]]:
    """A new MariaDB database holding the SQLite file's tables and rows; its URL, and one
    note per table created without its foreign keys or whose rows MariaDB changed."""
    url = maria.create_database(f"src_{name}")
    database = url.rsplit("/", 1)[1]
    notes: list[str] = []
    lite = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    conn = maria._conn(database)
    try:
        cur = conn.cursor()
        cur.execute("SET SESSION sql_mode = 'ANSI_QUOTES', FOREIGN_KEY_CHECKS = 0")
        cur.execute(f"ALTER DATABASE \"{database}\" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        tables = lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
        for (table, _), (full, bare, _) in zip(tables, translated_all([sql for _, sql in tables])):
            try:
                cur.execute(full)
            except Exception as exc:  # noqa: BLE001 - InnoDB refusing a key: built without it
                if bare is None:
                    raise
                cur.execute(bare)
                notes.append(f"{table}: created without its foreign keys ({str(exc)[:80]})")
        for table, _ in tables:
            frame = pd.read_sql_query(f"SELECT * FROM {_q(table)}", lite)
            if frame.empty:
                continue
            cols = ", ".join(_q(c).replace("%", "%%") for c in frame.columns)
            marks = ", ".join(["%s"] * len(frame.columns))
            rows = [tuple(_plain(v) for v in r) for r in frame.itertuples(index=False)]
            cur.executemany(f"INSERT IGNORE INTO {_q(table).replace('%', '%%')} ({cols}) VALUES ({marks})", rows)
            cur.execute(f"SELECT count(*) FROM {_q(table)}")
            kept = cur.fetchone()[0]
            if kept != len(frame):
                notes.append(f"{table}: {len(frame) - kept} of {len(frame)} rows refused")
        conn.commit()
    finally:
        conn.close()
        lite.close()
    return url, notes


def mysql_truth(maria: Any, url: str) -> tuple[dict[str, int], set[Pk], set[Fk]]:
    """Row counts, primary keys and foreign keys as ``information_schema`` declares them."""
    database = url.rsplit("/", 1)[1].replace("'", "''")
    run = maria.run
    tables = [r[0] for r in run(url, "SELECT table_name FROM information_schema.tables "
                                     f"WHERE table_schema = '{database}' AND table_type = 'BASE TABLE'")]
    rows = {t: int(run(url, f"SELECT count(*) FROM {_q(t)}")[0][0]) for t in tables}
    usage = run(url, "SELECT k.table_name, k.constraint_name, k.column_name, k.referenced_table_name, "
                     "k.referenced_column_name, c.constraint_type FROM information_schema.key_column_usage k "
                     "JOIN information_schema.table_constraints c ON c.constraint_schema = k.constraint_schema "
                     "AND c.table_name = k.table_name AND c.constraint_name = k.constraint_name "
                     f"WHERE k.table_schema = '{database}' ORDER BY k.table_name, k.constraint_name, "
                     "k.ordinal_position")
    pk_cols: dict[str, list[str]] = {}
    fk_parts: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for table, constraint, column, ref_table, ref_column, kind in usage:
        if kind == "PRIMARY KEY":
            pk_cols.setdefault(table, []).append(column)
        elif kind == "FOREIGN KEY":
            fk_parts.setdefault((table, constraint), []).append((column, ref_table, ref_column))
    pks = {(t, tuple(cols)) for t, cols in pk_cols.items()}
    fks = {(t, tuple(p[0] for p in parts), parts[0][1], tuple(p[2] for p in parts))
           for (t, _), parts in fk_parts.items()}
    return rows, pks, fks


def _as_text(value: Any) -> Any:
    """A value as text PostgreSQL parses into the column's type (psycopg sends ``str`` as
    'unknown'), a whole float without its '.0' (pandas reads an INTEGER column with NULLs
    as floats); bytes as they are."""
    value = _plain(value)
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _widened(conn: Any, table: str, columns: Any, rows: list[tuple[Any, ...]]) -> list[str]:
    """Columns of ``table`` holding a value their declared type refuses (text in an INTEGER,
    20 characters in a CHAR(15): SQLite kept them), altered to text; their names."""
    import psycopg

    types = dict(conn.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                              "WHERE a.attrelid = %s::regclass AND a.attnum > 0", (_q(table),)).fetchall())
    out = []
    for i, column in enumerate(columns):
        values = [r[i] for r in rows if r[i] is not None and not isinstance(r[i], bytes)]
        declared = types.get(column, "text")
        if not values or declared == "text":
            continue
        sized = re.fullmatch(r"(character varying|character)\((\d+)\)", declared)
        try:
            if sized and max(len(str(v)) for v in values) > int(sized.group(2)):
                raise ValueError("too long")  # (a cast to CHAR(n) cuts them silently)
            with conn.transaction():
                conn.execute(f"SELECT %s::text[]::{declared}[]", (values,))
        except (psycopg.Error, ValueError):
            conn.execute(f"ALTER TABLE {_q(table)} ALTER {_q(column)} TYPE text")
            out.append(str(column))
    return out


def rehost_postgres(sqlite_path: Path, pg: Any, name: str) -> tuple[str, list[str]]:
    """A new PostgreSQL database holding the SQLite file's tables and rows (foreign keys
    added after the rows, where they hold); its URL and a note per change."""
    import psycopg

    from conftest import pg_conninfo

    logging.getLogger("psycopg").setLevel(logging.ERROR)  # a refused batch's pipeline noise
    _, url = pg.create_database(f"src_{name}")
    notes: list[str] = []
    lite = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        tables = lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
        made = translated_all([sql for _, sql in tables], "postgres")
        with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
            for (table, _), (full, bare, _) in zip(tables, made):
                conn.execute(bare or full)
            for table, _ in tables:
                frame = pd.read_sql_query(f"SELECT * FROM {_q(table)}", lite)
                if frame.empty:
                    continue
                cols = ", ".join(_q(c).replace("%", "%%") for c in frame.columns)
                rows = [tuple(_as_text(v) for v in r) for r in frame.itertuples(index=False)]
                insert = f"INSERT INTO {_q(table).replace('%', '%%')} ({cols}) VALUES ({', '.join(['%s'] * len(frame.columns))})"
                try:
                    with conn.transaction(), conn.cursor() as cur:
                        cur.executemany(insert, rows)
                    continue
                except psycopg.Error:
                    pass
                for column in _widened(conn, table, frame.columns, rows):
                    notes.append(f"{table}.{column}: values its type refuses, made text")
                try:
                    with conn.transaction(), conn.cursor() as cur:
                        cur.executemany(insert, rows)
                except psycopg.Error as exc:
                    notes.append(f"{table}: its {len(frame)} rows refused, left empty ({str(exc).splitlines()[0][:90]})")
            for _, _, keys in made:
                for statement in keys:
                    try:
                        conn.execute(statement)
                    except psycopg.Error as exc:
                        notes.append(f"not added: {statement[12:90]}… ({str(exc).splitlines()[0][:70]})")
    finally:
        lite.close()
    return url, notes


def postgres_truth(run: Any, url: str) -> tuple[dict[str, int], set[Pk], set[Fk]]:
    """Row counts, primary keys and foreign keys as ``pg_constraint`` declares them."""
    tables = [r[0] for r in run(url, "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') "
                                     "AND relnamespace = 'public'::regnamespace")]
    rows = {t: int(run(url, f"SELECT count(*) FROM {_q(t)}")[0][0]) for t in tables}
    found = run(url, "SELECT c.contype, c.conrelid::regclass::text, c.confrelid::regclass::text, "
                     "ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a "
                     "ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i)::text[], "
                     "ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a "
                     "ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] "
                     "FROM pg_constraint c WHERE c.contype IN ('p', 'f') "
                     "AND c.connamespace = 'public'::regnamespace")

    def bare(name: str) -> str:  # regclass text quotes names that need it
        return name[1:-1].replace('""', '"') if name.startswith('"') else name

    pks = {(bare(t), tuple(cols)) for kind, t, _, cols, _ in found if kind == "p"}
    fks = {(bare(t), tuple(cols), bare(p), tuple(refs)) for kind, t, p, cols, refs in found if kind == "f"}
    return rows, pks, fks
