"""Start-up cost (issue 16): what ``dbsynth`` imports before it does any work, and the
SQLAlchemy-free parsing of file URLs that keeps SQLAlchemy out of file-to-file runs, and of
plain PostgreSQL URLs (issue 19: 0.3-0.4 s of a small train + generate)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from dbsynth.connectors.registry import FILE_SCHEMES, PLAIN_SERVER_SCHEMES, parse_url
from dbsynth.connectors.urls import FileUrl, ServerUrl, parse_file_url, parse_server_url

#: each costs 0.05-0.7 s to import and is needed only by some runs (see the lazy imports);
#: pandas, numpy, pyarrow and the model load with :mod:`dbsynth.pipeline`, on first use
HEAVY = ("sklearn", "scipy", "sqlalchemy", "sqlglot", "faker", "dask", "psycopg", "fastapi",
         "pandas", "numpy", "pyarrow", "duckdb", "yaml")
#: what reading a schema may need beyond the CLI itself: its driver (DuckDB's; SQLite's is
#: the standard library). typer's own parameter coercion brings pydantic to any command.
INSPECT_NEEDS = {"duckdb"}


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


#: printed last by a probe: top-level packages and dbsynth's own modules it has imported
_PRINT_MODULES = ("\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules}"
                  " | {m for m in sys.modules if m.startswith('dbsynth')})))\n")


def _imported_modules_after(code: str) -> set[str]:
    """Every module (dotted names) imported after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_cli_imports_no_heavy_module_before_it_runs() -> None:
    loaded = _imported_after("import dbsynth.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_cli_loads_no_model_module_before_it_runs() -> None:
    loaded = _imported_modules_after("import dbsynth.cli")
    assert not {m for m in loaded if m.startswith(("dbsynth.model", "dbsynth.pipeline",
                                                   "dbsynth.writer.load", "dbsynth.report"))}


def test_help_runs_and_lists_the_commands() -> None:
    done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "--help"], capture_output=True,
                          text=True, check=True)
    for command in ("inspect", "synth", "train", "generate", "report", "demo", "clean"):
        assert command in done.stdout, done.stdout
    sub = subprocess.run([sys.executable, "-m", "dbsynth.cli", "synth", "--help"],
                         capture_output=True, text=True, check=True)
    assert "--sample-rows" in sub.stdout and "200000" in sub.stdout, sub.stdout
    assert "--key-threshold" in sub.stdout and "0.6" in sub.stdout, sub.stdout


def _small_database(path: Path) -> str:
    """A parent and a child with an undeclared foreign key (inference reads data), as the
    file's suffix says: DuckDB or SQLite."""
    statements = ["CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)",
                  "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, v DOUBLE)"]
    parents = [(i, f"p{i}") for i in range(1, 21)]
    children = [(i, 1 + i % 20, i / 3) for i in range(1, 201)]
    if path.suffix == ".duckdb":
        import duckdb

        with duckdb.connect(str(path)) as con:
            for sql in statements:
                con.execute(sql)
            con.executemany("INSERT INTO parent VALUES (?, ?)", parents)
            con.executemany("INSERT INTO child VALUES (?, ?, ?)", children)
        return f"duckdb:///{path}"
    import sqlite3

    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)
        conn.executemany("INSERT INTO parent VALUES (?, ?)", parents)
        conn.executemany("INSERT INTO child VALUES (?, ?, ?)", children)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("name", ["small.duckdb", "small.sqlite"])
def test_inspect_of_a_small_database_loads_no_pandas_numpy_or_model(tmp_path: Path, name: str) -> None:
    url = _small_database(tmp_path / name)
    code = ("import sys\n"
            f"sys.argv = ['dbsynth', 'inspect', {url!r}]\n"
            "from dbsynth.cli import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n")
    done = subprocess.run([sys.executable, "-c", code + _PRINT_MODULES], capture_output=True,
                          text=True, check=True)
    lines = done.stdout.splitlines()
    assert "parent_id → parent(id)" in done.stdout and "1 keys used" in done.stdout, done.stdout
    loaded = set(lines[-1].split())
    assert not loaded & (set(HEAVY) - INSPECT_NEEDS), sorted(loaded & set(HEAVY))
    assert not any(m.startswith(("dbsynth.model", "dbsynth.pipeline")) for m in loaded)


def test_a_file_url_is_parsed_without_sqlalchemy() -> None:
    loaded = _imported_after("from dbsynth.connectors.registry import connect, parse_url\n"
                             "parse_url('duckdb:///a/b.duckdb?memory_limit=1GB')\n"
                             "parse_url('sqlite:////abs/c.db')")
    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize("url", [
    "duckdb:///a/b.duckdb", "duckdb:////abs/b.duckdb", "duckdb:///", "DuckDB:///x.duckdb",
    "duckdb:///a/b.duckdb?memory_limit=1GB", "duckdb:///a%20b/c.duckdb?memory_limit=1GB&x=",
    "sqlite:///rel.db", "sqlite:////abs/dir/f.sqlite", "sqlite:///:memory:",
    "sqlite+pysqlite:///f.db", "duckdb:///~/f.duckdb?",
])
def test_plain_file_urls_parse_as_sqlalchemy_parses_them(url: str) -> None:
    ours = parse_file_url(url, FILE_SCHEMES)
    theirs = make_url(url)
    assert isinstance(ours, FileUrl)
    assert (ours.drivername, ours.database, dict(ours.query)) == \
        (theirs.drivername, theirs.database, dict(theirs.query))


@pytest.mark.parametrize("url", [
    "postgresql://u:pw@h/db", "duckdb://host/x.duckdb", "duckdb://u:pw@/x.duckdb",
    "duckdb:///x.duckdb?memory_limit=1GB&memory_limit=2GB", "sqlite:///a@b.db", "mysql:///x",
])
def test_other_urls_are_left_to_sqlalchemy(url: str) -> None:
    assert parse_file_url(url, FILE_SCHEMES) is None
    if not url.startswith("mysql"):
        assert parse_url(url).database == make_url(url).database


@pytest.mark.parametrize("expr", ["NULL", "null", "0", "-1", "1.50", "007", "'abc'", "'a b-c%'", "''",
                                  "'üß'", "CURRENT_TIMESTAMP", "'it''s'", "1 + 2", "TRUE"])
def test_literal_defaults_translate_as_sqlglot_translates_them(expr: str) -> None:
    import sqlglot

    from dbsynth.dialects import translate_expression

    for source in ("sqlite", "postgres", "duckdb"):
        for target in ("sqlite", "postgres", "duckdb"):
            if source != target:
                expected = sqlglot.transpile(expr, read=source, write=target)[0]
                assert translate_expression(expr, source, target) == expected, (source, target)


def test_a_sqlite_source_without_checks_or_generated_columns_is_read_without_sqlglot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x')")
        conn.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))")
    code = ("from dbsynth.connectors.registry import connect\n"
            f"schema = connect('sqlite:///{path}').introspect()\n"
            "assert [t.name for t in schema.tables] == ['child', 'parent'], schema.tables\n"
            "assert schema.table('child').foreign_keys[0].ref_table == 'parent'")
    assert "sqlglot" not in _imported_after(code)


def test_a_small_database_is_synthesised_without_scikit_learn(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "small.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, size REAL)")
        conn.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, "
                     "parent_id INTEGER NOT NULL REFERENCES parent(id), amount REAL)")
        conn.executemany("INSERT INTO parent VALUES (?, ?, ?)",
                         [(i, "abc"[i % 3], i * 1.5) for i in range(1, 61)])
        conn.executemany("INSERT INTO child VALUES (?, ?, ?)",
                         [(i, 1 + i % 60, (i % 7) * 2.0) for i in range(1, 301)])
    target = tmp_path / "out.duckdb"
    code = ("from dbsynth import pipeline\n"
            f"result = pipeline.synth('sqlite:///{path}', 'duckdb:///{target}')\n"
            "assert result.integrity.ok, result.integrity.to_dict()\n"
            "import duckdb\n"
            f"con = duckdb.connect('{target}', read_only=True)\n"
            "assert con.execute('SELECT count(*) FROM child').fetchall()[0][0] == 300\n"
            "assert con.execute('SELECT count(*) FROM child c LEFT JOIN parent p ON p.id = c.parent_id"
            " WHERE p.id IS NULL').fetchall()[0][0] == 0")
    loaded = _imported_after(code)
    assert "sklearn" not in loaded and "scipy" not in loaded


def test_a_sqlite_check_is_still_read_and_a_column_named_like_one_is_no_check(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from dbsynth.connectors.registry import connect

    path = tmp_path / "checks.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute('CREATE TABLE pay ("checkNumber" TEXT, amount REAL CHECK(amount > 0))')
        conn.execute('CREATE TABLE plain ("checkNumber" TEXT)')
    schema = connect(f"sqlite:///{path}").introspect()
    assert [c.expression for c in schema.table("pay").checks] == ["amount > 0"]
    assert schema.table("plain").checks == ()


def test_a_plain_postgres_url_is_parsed_without_sqlalchemy() -> None:
    loaded = _imported_after("from dbsynth.connectors.registry import mask_url, parse_url\n"
                             "import dbsynth.connectors.postgres\n"
                             "parse_url('postgresql://u:pw@127.0.0.1:5432/db?sslmode=disable')\n"
                             "mask_url('postgresql://u:pw@127.0.0.1:5432/db?sslmode=disable')")
    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql://u:pw@h:5432/db?sslmode=disable", "postgresql://u:***@h:5432/db?sslmode=disable"),
    ("postgresql://u@h/db?password=pw&b=1", "postgresql://u@h/db?b=1&password=***"),
    ("postgres://h/db", "postgres://h/db"),
    ("postgresql://u:p%40w@h/db", "postgresql://u:***@h/db"),  # SQLAlchemy's path
])
def test_a_masked_postgres_url_shows_no_password(url: str, masked: str) -> None:
    from dbsynth.connectors.registry import mask_url

    assert mask_url(url) == masked


@pytest.mark.parametrize("url", [
    "postgresql://u@127.0.0.1:44945/dbsynth_x_1", "postgres://h/db", "postgresql+psycopg://u:p.w@h/d",
    "postgresql://u:pw@db.example.com:5432/app?sslmode=require&application_name=x",
    "POSTGRESQL://u@h/d?b=1&a=2", "postgresql://u@h:1/d?connect_timeout=3",
    "postgresql://u:pw@h:0/d", "postgresql://u:pw@h:00/d",  # port 0: SQLAlchemy passes no port
])
def test_plain_postgres_urls_parse_as_sqlalchemy_parses_them(url: str) -> None:
    ours = parse_server_url(url, PLAIN_SERVER_SCHEMES)
    theirs = make_url(url)
    assert isinstance(ours, ServerUrl)
    fields = ("drivername", "username", "password", "host", "port", "database")
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
    assert dict(ours.query) == dict(theirs.query)
    assert ours.translate_connect_args(username="user", database="dbname") == \
        theirs.translate_connect_args(username="user", database="dbname")
    for hide in (True, False):
        assert ours.set(drivername="postgresql").render_as_string(hide_password=hide) == \
            theirs.set(drivername="postgresql").render_as_string(hide_password=hide)


def test_a_parsed_postgres_url_prints_no_password() -> None:
    """As SQLAlchemy's URL: str() and repr() (a log line, an error, a debugger) mask it."""
    url = "postgresql://u:s3cret@h:5432/db"
    ours = parse_server_url(url, PLAIN_SERVER_SCHEMES)
    assert ours is not None
    for text in (str(ours), repr(ours), f"{ours}", str([ours])):
        assert "s3cret" not in text
    assert str(ours) == str(make_url(url)) == "postgresql://u:***@h:5432/db"


@pytest.mark.parametrize("url", [
    "postgresql://u:p%40w@h/db", "postgresql://u:p@w@h/db", "postgresql://h", "postgresql:///db",
    "postgresql://u@[::1]:5432/db", "postgresql://u@h1,h2/db", "postgresql://u@h/db?a=1&a=2",
    "mysql://u:pw@h/db", "postgresql://u@h/db?sslmode=", "postgresql://u@h/d b",
])
def test_other_postgres_urls_are_left_to_sqlalchemy(url: str) -> None:
    assert parse_server_url(url, PLAIN_SERVER_SCHEMES) is None
