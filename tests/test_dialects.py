"""Dialects as data (no database): the registry, SQLite's affinity rules, type rendering."""

from __future__ import annotations

import pytest

from dbsynth.dialects import DIALECTS, dialect_for_url, get_dialect
from dbsynth.dialects.sqlite import parse_type
from dbsynth.errors import UsageError
from dbsynth.schema.model import SqlType


@pytest.mark.parametrize(("declared", "name", "extra"), [
    ("INTEGER", "integer", {}), ("int(11)", "integer", {}), ("BIGINT", "bigint", {}),
    ("VARCHAR(20)", "varchar", {"length": 20}), ("nvarchar(40)", "varchar", {"length": 40}),
    ("CHAR(2)", "char", {"length": 2}), ("TEXT", "text", {}), ("CLOB", "text", {}),
    ("DECIMAL(10,2)", "numeric", {"precision": 10, "scale": 2}), ("NUMERIC", "numeric", {}),
    ("BLOB", "bytes", {}), ("", "unknown", {}), ("REAL", "double", {}),
    ("FLOAT", "double", {}), ("DOUBLE PRECISION", "double", {}), ("DATE", "date", {}),
    ("DATETIME", "timestamp", {}), ("BOOLEAN", "boolean", {}), ("YEAR", "numeric", {}),
])
def test_sqlite_affinity(declared: str, name: str, extra: dict) -> None:
    parsed = parse_type(declared)
    assert parsed.name == name
    for key, value in extra.items():
        assert getattr(parsed, key) == value


def test_registry_names_and_urls() -> None:
    assert set(DIALECTS) == {"postgres", "duckdb", "sqlite", "mysql", "csv", "parquet"}
    for url in ("mysql://u@h/db", "mysql+pymysql://u@h/db", "mariadb://u@h/db"):
        assert dialect_for_url(url).name == "mysql"
    assert get_dialect("mariadb").transactional_ddl is False
    assert dialect_for_url("csv:///exports").name == "csv"
    assert dialect_for_url("parquet:////abs/folder").sqlglot == "duckdb"
    assert get_dialect("postgresql").name == "postgres"
    assert dialect_for_url("sqlite:////abs/x.db").name == "sqlite"
    assert dialect_for_url("sqlite+pysqlite:///x.db").name == "sqlite"
    assert dialect_for_url("postgresql+psycopg://u@h/db").name == "postgres"
    with pytest.raises(UsageError, match="did you mean 'sqlite'"):
        get_dialect("sqlit")
    with pytest.raises(UsageError, match="did you mean 'duckdb'"):
        dialect_for_url("duckbd:///x")


@pytest.mark.parametrize(("dialect", "sql_type", "text"), [
    ("postgres", SqlType("numeric", precision=50, scale=2), "numeric(50,2)"),
    ("duckdb", SqlType("numeric", precision=50, scale=2), "DECIMAL(38,2)"),
    ("sqlite", SqlType("numeric", precision=50, scale=2), "NUMERIC(50,2)"),
    ("postgres", SqlType("varchar"), "text"), ("duckdb", SqlType("char", length=3), "VARCHAR(3)"),
    ("sqlite", SqlType("enum", enum="mood"), "TEXT"),
    ("sqlite", SqlType("array", element=SqlType("integer")), "TEXT"),
    ("duckdb", SqlType("array", element=SqlType("integer")), "INTEGER[]"),
    ("sqlite", SqlType("timestamp"), "DATETIME"), ("postgres", SqlType("json"), "jsonb"),
])
def test_render_type(dialect: str, sql_type: SqlType, text: str) -> None:
    assert get_dialect(dialect).render_type(sql_type) == text
