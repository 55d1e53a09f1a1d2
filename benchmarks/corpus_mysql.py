"""The corpus's SQLite databases hosted in MariaDB, so that ``corpus.py --source-engine mysql``
measures dbsynth reading MySQL sources: 110 real schemas' names, types and keys as MySQL's
catalog gives them, not only the few samples the tests hold.

Each database is rebuilt in a new MariaDB database: every ``CREATE TABLE`` of the SQLite file
translated by sqlglot (a table whose foreign keys InnoDB refuses, a reference to a column with
no index, is created without them, so the truth read back below has them not either), then its
rows inserted as they are, with ``FOREIGN_KEY_CHECKS = 0`` and a non-strict ``sql_mode`` (real
SQLite files hold orphans and text in integer columns, as real MySQL databases do). The ground
truth is read from MariaDB's ``information_schema`` directly, not through dbsynth.
"""

from __future__ import annotations

import logging
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


def _keyable(tree: Any, referred: set[tuple[str, str]]) -> Any:
    """A TEXT column in a key, or referred to by one, becomes VARCHAR(255): InnoDB indexes
    no TEXT."""
    from sqlglot import exp

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


def translated_all(statements: list[str]) -> list[tuple[str, str | None]]:
    """Each CREATE TABLE in MySQL (ANSI quotes), and the same without its foreign keys."""
    import sqlglot
    from sqlglot import exp

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    referred = referenced(statements)
    trees = [_keyable(sqlglot.parse_one(sql, read="sqlite"), referred) for sql in statements]
    types = {(tree.find(exp.Table).name.lower(), c.name.lower()): c.args.get("kind")
             for tree in trees for c in tree.find_all(exp.ColumnDef)}
    for tree in trees:
        _same_types_as_parents(tree, types)
    return [_with_and_without_keys(tree) for tree in trees]


def _with_and_without_keys(tree: Any) -> tuple[str, str | None]:
    from sqlglot import exp

    full = tree.sql(dialect="mysql").replace("`", '"')
    bare = tree.copy()
    dropped = False
    for fk in list(bare.find_all(exp.ForeignKey)):
        fk.pop()
        dropped = True
    for ref in list(bare.find_all(exp.Reference)):  # inline REFERENCES on a column
        parent = ref.parent
        (parent if isinstance(parent, exp.ColumnConstraint) else ref).pop()
        dropped = True
    return full, bare.sql(dialect="mysql").replace("`", '"') if dropped else None


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def rehost(sqlite_path: Path, maria: Any, name: str) -> tuple[str, list[str]]:
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
        for (table, _), (full, bare) in zip(tables, translated_all([sql for _, sql in tables])):
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
