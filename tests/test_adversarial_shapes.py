"""Database shapes real applications have and the corpus lacked, each of which broke a run:
uuid, date and timestamp keys, CHECKs into MySQL, references into another schema. Every test asserts on
what lands in the target (rows, keys, values), not on the absence of an exception."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import run_sql

import dbsynth

UUID_KEYED_SQL = """
CREATE TABLE account (id bigint PRIMARY KEY, active boolean NOT NULL, prefs jsonb);
INSERT INTO account SELECT g, g % 3 = 0, jsonb_build_object('k', g % 4)
FROM generate_series(1, 60) g;
CREATE TABLE transfer (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    from_account bigint NOT NULL REFERENCES account (id),
    amount       numeric(12,2) NOT NULL
);
INSERT INTO transfer (from_account, amount) SELECT 1 + g % 60, g * 1.25 FROM generate_series(1, 200) g;
CREATE TABLE audit (at timestamptz NOT NULL, note text);
INSERT INTO audit SELECT TIMESTAMPTZ '2024-01-01 00:00+00' + g * INTERVAL '1 minute', 'n' || g % 5
FROM generate_series(1, 50) g;
"""


@pytest.mark.postgres
def test_a_uuid_key_does_not_stop_key_inference(pg_database_factory,
                                               duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A PostgreSQL table keyed by a uuid, beside booleans and jsonb: inference looking for
    references by their values measured min() of every column of a key's type family, and
    a uuid key has none: it asked for min(uuid), which PostgreSQL lacks, and the run died."""
    source = pg_database_factory("uuid_keys")
    run_sql(source, UUID_KEYED_SQL)
    target = f"duckdb:///{duckdb_path_factory('uuid_keys')}"
    result = dbsynth.synth(source, target)
    assert result.integrity.ok
    transfers = run_sql(target, "SELECT count(*), count(DISTINCT id) FROM transfer")[0]
    assert transfers[0] == transfers[1] == 200
    orphans = run_sql(target, "SELECT count(*) FROM transfer t LEFT JOIN account a "
                              "ON a.id = t.from_account WHERE a.id IS NULL")[0][0]
    assert orphans == 0


CALENDAR_SQL = """
CREATE TABLE daily (day date PRIMARY KEY, total numeric(12,2));
INSERT INTO daily SELECT DATE '2024-01-01' + g, g * 1.1 FROM generate_series(0, 99) g;
CREATE TABLE tick (at timestamptz PRIMARY KEY, price numeric(8,2));
INSERT INTO tick SELECT TIMESTAMPTZ '2024-01-01 09:00+00' + g * INTERVAL '1 minute', 100 + g % 7
FROM generate_series(0, 149) g;
"""


@pytest.mark.postgres
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_date_and_timestamp_keys_are_made_whole(scale: float, pg_database_factory,
                                               duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A calendar keyed by its day, prices keyed by their minute: the keys were drawn from
    the source's values, which repeat long before a hundred are made (65 of 100 rows, and
    the size check failed the run); now a run at the source's step from its first value."""
    source = pg_database_factory("calendar")
    run_sql(source, CALENDAR_SQL)
    target = f"duckdb:///{duckdb_path_factory('calendar')}"
    result = dbsynth.synth(source, target, scale=scale)
    assert result.integrity.ok
    days = run_sql(target, "SELECT count(*), count(DISTINCT day), min(day), "
                           "max(day) - min(day) FROM daily")[0]
    assert days[0] == days[1] == round(100 * scale)
    assert str(days[2]) == "2024-01-01" and days[3] == days[0] - 1  # one a day
    ticks = run_sql(target, 'SELECT count(*), count(DISTINCT "at"), min("at") FROM tick')[0]
    assert ticks[0] == ticks[1] == round(150 * scale)
    assert ticks[2].timestamp() == datetime(2024, 1, 1, 9, tzinfo=timezone.utc).timestamp()


CHECKED_SQL = """
CREATE TABLE settings (id int PRIMARY KEY CHECK (id = 1), theme text NOT NULL,
                       visits bigint NOT NULL CHECK (visits >= 0), on_call boolean NOT NULL);
INSERT INTO settings VALUES (1, 'dark', 5, true);
"""


@pytest.mark.postgres
@pytest.mark.mysql
def test_checks_reach_a_mysql_target_whatever_the_table_s_column_types(
        pg_database_factory, maria_database_factory) -> None:  # type: ignore[no-untyped-def]
    """A CHECK is probed on NULLs cast to its table's column types: MySQL's CAST takes no
    LONGTEXT, BIGINT or TINYINT(1), so every CHECK of a table with a text, bigint or boolean
    column was left out of a MySQL target (with a syntax error as the reason)."""
    from conftest import MariaCluster

    source = pg_database_factory("checked")
    run_sql(source, CHECKED_SQL)
    target = maria_database_factory("checked")
    result = dbsynth.synth(source, target)
    assert result.integrity.ok
    assert not [n for n in result.notes if "CHECK" in n]
    port = int(target.rsplit(":", 1)[1].split("/", 1)[0])
    checks = MariaCluster(port).run(target, (
        "SELECT check_clause FROM information_schema.check_constraints "
        f"WHERE constraint_schema = '{target.rsplit('/', 1)[1]}' ORDER BY 1"))
    assert len(checks) == 2


OTHER_SCHEMA_SQL = """
CREATE SCHEMA app;
CREATE TABLE public.customer (id int PRIMARY KEY, name text);
INSERT INTO public.customer SELECT g, 'shared ' || g FROM generate_series(1, 10) g;
CREATE TABLE app.customer (id int PRIMARY KEY, name text);
INSERT INTO app.customer SELECT g, 'app ' || g FROM generate_series(1, 40) g;
CREATE TABLE app."order" (id int PRIMARY KEY,
                          customer_id int NOT NULL REFERENCES app.customer (id),
                          shared_customer int REFERENCES public.customer (id));
INSERT INTO app."order" SELECT g, 1 + g % 40, 1 + g % 10 FROM generate_series(1, 150) g;
"""


def _outside_reference_kept_as_data(target: str, result: dbsynth.SynthResult) -> None:
    """The reference into the other schema is no key of the copy, and its values stay the
    other table's (1…10), not this schema's same-named table's (1…40)."""
    assert result.integrity.ok
    low, high, distinct = run_sql(target, 'SELECT min(shared_customer), max(shared_customer), '
                                          'count(DISTINCT shared_customer) FROM "order"')[0]
    assert 1 <= low <= high <= 10 and distinct > 1
    keys = run_sql(target, "SELECT constraint_column_names, referenced_table FROM "
                           "duckdb_constraints() WHERE table_name = 'order' "
                           "AND constraint_type = 'FOREIGN KEY'")
    assert keys == [(["customer_id"], "customer")]


@pytest.mark.postgres
def test_a_reference_into_another_schema_is_not_taken_for_a_same_named_table(
        pg_database_factory, duckdb_path_factory, caplog) -> None:  # type: ignore[no-untyped-def]
    """app.order.shared_customer references public.customer; copying schema app, the
    declared key was dropped (right: its table is not copied), and key inference then found
    the column named like app.customer and made it a reference to that table: a key the
    source does not have, with values drawn from the wrong table, and no word said."""
    source = pg_database_factory("other_schema")
    run_sql(source, OTHER_SCHEMA_SQL)
    target = f"duckdb:///{duckdb_path_factory('other_schema')}"
    result = dbsynth.synth(source, target, source_schema="app")
    _outside_reference_kept_as_data(target, result)
    assert "foreign key order(shared_customer) -> public.customer is not mirrored" in caplog.text


OTHER_DATABASE_SQL = """
CREATE TABLE {shared}.customer (id int PRIMARY KEY, name text);
INSERT INTO {shared}.customer VALUES (1, 's1'), (2, 's2'), (3, 's3'), (4, 's4'), (5, 's5'),
    (6, 's6'), (7, 's7'), (8, 's8'), (9, 's9'), (10, 's10');
CREATE TABLE {app}.customer (id int PRIMARY KEY, name text);
INSERT INTO {app}.customer SELECT seq, concat('a', seq) FROM seq_1_to_40;
CREATE TABLE {app}.`order` (id int PRIMARY KEY, customer_id int NOT NULL,
    shared_customer int,
    FOREIGN KEY (customer_id) REFERENCES {app}.customer (id),
    FOREIGN KEY (shared_customer) REFERENCES {shared}.customer (id));
INSERT INTO {app}.`order` SELECT seq, 1 + seq % 40, 1 + seq % 10 FROM seq_1_to_150;
"""


@pytest.mark.mysql
def test_a_reference_into_another_mysql_database_is_not_mirrored_onto_a_same_named_table(
        maria_cluster, duckdb_path_factory, caplog) -> None:  # type: ignore[no-untyped-def]
    """MySQL reads a foreign key's table by name only: app.order.shared_customer, declared
    onto shared.customer, became a foreign key onto app.customer in the copy."""
    shared, app = maria_cluster.create_database("shared"), maria_cluster.create_database("app")
    names = {"shared": shared.rsplit("/", 1)[1], "app": app.rsplit("/", 1)[1]}
    conn = maria_cluster._conn(names["app"])
    try:
        for statement in OTHER_DATABASE_SQL.format(**names).split(";"):
            if statement.strip():
                conn.cursor().execute(statement)
    finally:
        conn.close()
    target = f"duckdb:///{duckdb_path_factory('other_database')}"
    result = dbsynth.synth(app, target)
    assert "order(shared_customer) -> " in caplog.text
    _outside_reference_kept_as_data(target, result)


@pytest.mark.postgres
@pytest.mark.parametrize("source_kind", ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def test_a_boolean_defaulting_to_0_or_1_reaches_postgresql(source_kind: str, request, tmp_path,
                                                           pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    """MySQL's TINYINT(1) NOT NULL DEFAULT 0 and SQLite's BOOLEAN DEFAULT 1 (what Rails and
    Django write) are booleans defaulting to a number: PostgreSQL refused the CREATE TABLE
    ('column "active" is of type boolean but default expression is of type integer')."""
    ddl = ("CREATE TABLE member (id INTEGER PRIMARY KEY, active {bool} NOT NULL DEFAULT 1, "
           "archived {bool} DEFAULT 0)")
    rows = [(i, i % 2) for i in range(1, 31)]
    if source_kind == "sqlite":
        import sqlite3

        path = tmp_path / "bool.db"
        con = sqlite3.connect(path)
        con.execute(ddl.format(bool="BOOLEAN"))
        con.executemany("INSERT INTO member (id, archived) VALUES (?, ?)", rows)
        con.commit()
        con.close()
        source = f"sqlite:///{path}"
    else:
        cluster = request.getfixturevalue("maria_cluster")
        source = cluster.create_database("bool")
        cluster.run(source, ddl.format(bool="TINYINT(1)") + "; INSERT INTO member (id, archived) "
                    "VALUES " + ", ".join(f"({i}, {a})" for i, a in rows))
    target = pg_database_factory("bool_copy")
    result = dbsynth.synth(source, target)
    assert result.integrity.ok
    assert run_sql(target, "SELECT count(*), count(DISTINCT archived) FROM member")[0] == (30, 2)
    run_sql(target, "INSERT INTO member (id) VALUES (1000)")
    assert run_sql(target, "SELECT active, archived FROM member WHERE id = 1000") == [(True, False)]


def test_sqlite_columns_declared_without_a_type_are_typed_by_their_values(
        tmp_path, duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """``CREATE TABLE setting (name, value, hits, ratio, raw, unused)``: SQLite lets a column
    go without a type, and such columns were 'unknown' to dbsynth, written NULL in every row
    (exit 4). Now typed by the values they hold: integers, numbers, bytes, else text."""
    import sqlite3

    path = tmp_path / "untyped.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE setting (id INTEGER PRIMARY KEY, name, value, hits, ratio, raw, unused)")
    con.executemany("INSERT INTO setting VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    [(i, f"key{i}", [1, "on", 2.5][i % 3], i * 10, i / 4, bytes([i]))
                     for i in range(1, 61)])
    con.commit()
    con.close()
    target = f"duckdb:///{duckdb_path_factory('untyped')}"
    result = dbsynth.synth(f"sqlite:///{path}", target)
    assert result.integrity.ok and not result.gaps
    types = dict(run_sql(target, "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'setting'"))
    assert (types["name"], types["value"], types["hits"], types["ratio"], types["raw"]) == (
        "VARCHAR", "VARCHAR", "BIGINT", "DOUBLE", "BLOB")
    filled = run_sql(target, "SELECT count(name), count(value), count(hits), count(ratio), "
                             "count(raw), count(unused) FROM setting")[0]
    assert filled == (60, 60, 60, 60, 60, 0)
    assert run_sql(target, "SELECT count(*) FROM setting WHERE value IN ('1', 'on', '2.5')")[0][0] == 60


SELF_LOOP_SQL = """
CREATE TABLE org (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES org (id), name text);
INSERT INTO org VALUES (1, 1, 'root');
INSERT INTO org SELECT g, 1 + (g - 2) / 3, 'unit ' || g FROM generate_series(2, 40) g;
CREATE TABLE member (id int PRIMARY KEY, org_id int NOT NULL REFERENCES org (id));
INSERT INTO member SELECT g, 1 + g % 40 FROM generate_series(1, 100) g;
"""


@pytest.mark.postgres
def test_a_not_null_self_reference_reaches_duckdb(pg_database_factory, duckdb_path_factory,
                                                 caplog) -> None:  # type: ignore[no-untyped-def]
    """A tree whose root is its own parent (parent_id NOT NULL): DuckDB checks a foreign key
    per statement, and a row referencing itself (or rows referencing each other) is refused
    in any order ('key "id: 1" does not exist'): the run failed. Such a key is left out of
    DuckDB's DDL, like a key closing a cycle, and checked by SQL after the load."""
    source = pg_database_factory("self_loop")
    run_sql(source, SELF_LOOP_SQL)
    target = f"duckdb:///{duckdb_path_factory('self_loop')}"
    result = dbsynth.synth(source, target)
    assert result.integrity.ok
    assert run_sql(target, "SELECT count(*), count(parent_id) FROM org")[0] == (40, 40)
    orphans = run_sql(target, "SELECT count(*) FROM org c LEFT JOIN org p ON p.id = c.parent_id "
                              "WHERE p.id IS NULL")[0][0]
    assert orphans == 0
    assert "org(parent_id) -> org(id) is left out of the target's DDL" in caplog.text
    declared = run_sql(target, "SELECT table_name FROM duckdb_constraints() "
                               "WHERE constraint_type = 'FOREIGN KEY' ORDER BY 1")
    assert declared == [("member",)]


PG_DECLARED_SQL = """
CREATE TABLE reading (id int PRIMARY KEY, at_local time with time zone NOT NULL, doc json NOT NULL,
                      fee money NOT NULL, code varchar(12), big bigint NOT NULL, huge numeric(38,0));
INSERT INTO reading SELECT g, TIME WITH TIME ZONE '08:00+02' + g * INTERVAL '1 minute',
       json_build_object('b', g, 'a', g % 3), (g * 1.25)::money, 'c' || g % 4,
       9223372036854775000 + g, 10::numeric ^ 30 + g
FROM generate_series(1, 120) g;
"""
PG_TYPES = ("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'reading'::regclass AND attnum > 0 AND NOT attisdropped")


@pytest.mark.postgres
def test_same_engine_columns_keep_their_declared_types_and_big_integers_stay_exact(
        pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL to PostgreSQL: json was written jsonb, time with time zone time, money
    numeric (the application's queries and ORM read the declared types). And integers
    beyond a float's exact range (2**53) collapsed: 120 distinct bigints near 2**63 became
    one value, as did 120 distinct numeric(38,0) values near 10**30."""
    source = pg_database_factory("declared_src")
    run_sql(source, PG_DECLARED_SQL)
    target = pg_database_factory("declared_out")
    assert dbsynth.synth(source, target).integrity.ok
    assert dict(run_sql(target, PG_TYPES)) == dict(run_sql(source, PG_TYPES))
    big, huge, low, high = run_sql(target, "SELECT count(DISTINCT big), count(DISTINCT huge), "
                                           "min(big), max(big) FROM reading")[0]
    assert big > 60 and huge > 60
    assert 9223372036854775000 < low <= high <= 9223372036854775120


MARIA_DECLARED_SQL = """
CREATE TABLE gadget (id INT PRIMARY KEY, serial BIGINT UNSIGNED NOT NULL, qty MEDIUMINT NOT NULL,
  made YEAR NOT NULL, opts SET('a', 'b', 'c') NOT NULL, mask BIT(4) NOT NULL, note TEXT,
  seen TIMESTAMP NULL, hits INT UNSIGNED NOT NULL);
INSERT INTO gadget SELECT seq, 18446744073709551615 - seq, seq * 7, 1990 + seq % 30,
  IF(seq % 2, 'a,c', 'b'), seq % 16, CONCAT('n', seq % 5), TIMESTAMP '2021-01-01 10:00:00' + INTERVAL seq HOUR,
  4000000000 + seq FROM seq_1_to_100;
"""
MARIA_TYPES = ("SELECT column_name, column_type FROM information_schema.columns "
               "WHERE table_schema = DATABASE() AND table_name = 'gadget'")


@pytest.mark.mysql
def test_same_engine_mariadb_columns_keep_their_declared_types(
        maria_database_factory, maria_cluster) -> None:  # type: ignore[no-untyped-def]
    """MariaDB to MariaDB: INT UNSIGNED was written BIGINT, MEDIUMINT INT, YEAR SMALLINT,
    SET LONGTEXT, BIT(4) BIGINT, TEXT LONGTEXT, TIMESTAMP DATETIME; and BIGINT UNSIGNED values
    near the top, modelled as floats, were drawn above the type's maximum."""
    source = maria_database_factory("declared_src")
    maria_cluster.run(source, MARIA_DECLARED_SQL)
    target = maria_database_factory("declared_out")
    assert dbsynth.synth(source, target).integrity.ok
    made = dict(maria_cluster.run(target, MARIA_TYPES))
    assert made == dict(maria_cluster.run(source, MARIA_TYPES))
    distinct, low, high = maria_cluster.run(target, "SELECT count(DISTINCT serial), min(serial), "
                                                    "max(serial) FROM gadget")[0]
    assert distinct > 50 and 18446744073709551515 <= low <= high <= 18446744073709551614


def test_sqlite_integers_spanning_the_whole_64_bit_range_stay_in_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SQLite (any engine's BIGINT): integers from near -2**63 to near 2**63 are modelled
    as distances from the least value, and a distance beyond 2**63 overflowed int64 on the
    way back (numpy's cast gave garbage, 'Python int too large to convert to SQLite
    INTEGER'); a distance a float rounds up (2**63 - 1 from 0) came back one past the top."""
    import sqlite3

    source = sqlite_file(tmp_path / "wide.db",
                         "CREATE TABLE reading (id INTEGER PRIMARY KEY, wide INT8 NOT NULL, top BIGINT NOT NULL)",
                         [(i, -2**63 + i if i % 2 else 2**63 - 1 - i, 0 if i == 1 else 2**63 + 1 - i)
                          for i in range(1, 201)])
    target = tmp_path / "wide_out.db"
    assert dbsynth.synth(f"sqlite:///{source}", f"sqlite:///{target}").integrity.ok
    with sqlite3.connect(target) as out:
        low, high, top_low, top_high, distinct = out.execute(
            "SELECT min(wide), max(wide), min(top), max(top), count(DISTINCT wide) FROM reading").fetchone()
    assert -2**63 < low < 0 < high < 2**63 - 1 and distinct > 50
    assert 0 <= top_low <= top_high <= 2**63 - 1


def test_a_sqlite_time_column_is_copied(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SQLite: a column declared TIME (times stored as text, '08:15:00') stopped training
    with an internal error ('str' object has no attribute 'hour'): the connector read
    dates and timestamps as such, times as text. The copy keeps the declared types."""
    import sqlite3

    source = sqlite_file(tmp_path / "shift.db",
                         "CREATE TABLE shift (id INTEGER PRIMARY KEY, starts TIME NOT NULL, ends time, "
                         "who NVARCHAR(40), at DATETIME, pay NUMERIC(10,2))",
                         [(i, f"{6 + i % 4:02d}:{i % 60:02d}:00", f"{14 + i % 4:02d}:{i % 60:02d}",
                           "ab"[i % 2], f"2024-01-{1 + i % 28:02d} 10:00:00", i * 1.25)
                          for i in range(1, 201)])
    target = tmp_path / "shift_out.db"
    assert dbsynth.synth(f"sqlite:///{source}", f"sqlite:///{target}").integrity.ok
    with sqlite3.connect(target) as out:
        starts = [r[0] for r in out.execute("SELECT starts FROM shift")]
        ends = [r[0] for r in out.execute("SELECT ends FROM shift WHERE ends IS NOT NULL")]
        declared = out.execute("SELECT sql FROM sqlite_master WHERE name = 'shift'").fetchone()[0]
    assert len(starts) == 200 and len(ends) > 150
    assert all("06:00:00" <= s <= "09:59:59" for s in starts), starts[:5]
    assert all("14:00:00" <= e <= "17:59:59" for e in ends), ends[:5]
    for text in ("NVARCHAR(40)", "DATETIME", "NUMERIC(10,2)", "TIME"):
        assert text in declared, declared


def test_duckdb_hugeints_beyond_38_digits_reach_duckdb(duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """DuckDB to DuckDB: a HUGEINT (or UHUGEINT) near its top has 39 digits; the column is
    declared HUGEINT in the copy, but the load cast its values to the neutral DECIMAL(38,0)
    first and failed ('Could not convert string ... to DECIMAL(38,0)')."""
    source, target = duckdb_path_factory("huge_src"), duckdb_path_factory("huge_out")
    duckdb_file(source, "CREATE TABLE ledger (id INTEGER PRIMARY KEY, h HUGEINT NOT NULL, u UHUGEINT)",
                "INSERT INTO ledger SELECT i, 170141183460469231731687303715884105000::HUGEINT + i, "
                "'340282366920938463463374607431768211000'::UHUGEINT + i::UHUGEINT FROM range(1, 201) r(i)")
    assert dbsynth.synth(f"duckdb:///{source}", f"duckdb:///{target}").integrity.ok
    low, high, distinct, u_low, u_high = run_sql(
        f"duckdb:///{target}", "SELECT min(h), max(h), count(DISTINCT h), min(u), max(u) FROM ledger")[0]
    assert 170141183460469231731687303715884105000 < low <= high <= 170141183460469231731687303715884105200
    assert distinct > 50
    assert 340282366920938463463374607431768211000 < u_low <= u_high <= 340282366920938463463374607431768211200


def test_a_model_of_integers_beyond_64_bits_saves_and_loads(duckdb_path_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Model files (and so --workers, which ships the model to its workers): integers beyond
    a float's range are modelled from an offset, the source's least value, and a UBIGINT
    near its top, a HUGEINT or a NUMERIC(38, 0) has one above 2**63, which loading refused
    ('tables.acct.columns.big.offset: expected a 64-bit integer')."""
    from dbsynth import pipeline

    source, target = duckdb_path_factory("wide_src"), duckdb_path_factory("wide_out")
    duckdb_file(source, "CREATE TABLE acct (id INTEGER PRIMARY KEY, big UBIGINT NOT NULL, huge HUGEINT)",
                "INSERT INTO acct SELECT i, 18446744073709000000 + i * 7, "
                "170141183460469231731687303715800000000::HUGEINT + i FROM range(1, 201) r(i)")
    path = tmp_path / "wide.dbsynth"
    pipeline.save(pipeline.train(f"duckdb:///{source}"), path)
    assert pipeline.generate(pipeline.load(path), f"duckdb:///{target}").integrity.ok
    low, high = run_sql(f"duckdb:///{target}", "SELECT min(big), max(big) FROM acct")[0]
    assert 18446744073709000000 < low <= high <= 18446744073709001400


def sqlite_file(path: Path, ddl: str, rows: list[tuple[Any, ...]]) -> Path:
    """A SQLite file holding one table made by ``ddl`` and filled with ``rows``."""
    import sqlite3

    con = sqlite3.connect(path)
    con.execute(ddl)
    con.executemany(f"INSERT INTO {ddl.split()[2]} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    con.commit()
    con.close()
    return path


def duckdb_file(path: Path, *statements: str) -> Path:
    """A DuckDB file made by ``statements``."""
    import duckdb

    con = duckdb.connect(str(path))
    for statement in statements:
        con.execute(statement)
    con.close()
    return path


@pytest.mark.parametrize("parent_nullable", [True, False])
def test_siblings_under_one_parent_keep_their_names_apart(parent_nullable: bool, tmp_path,
                                                          duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A category tree with ``UNIQUE (parent_id, name)``: no two 'books' under one parent.
    The self reference was filled after the duplicate keys were redrawn, and each row
    picked its parent at random: siblings repeated names, and adding the unique key
    failed the load. (Root of the NOT NULL tree: its own parent.)"""
    words = ["books", "music", "films", "games", "toys", "tools"]
    rows = [(1, None if parent_nullable else 1, "root")] + [
        (i, 1 + (i - 2) // 4, words[((i - 2) % 4 + (i - 2) // 4) % 6]) for i in range(2, 241)]
    parent = "INTEGER REFERENCES category (id)" + ("" if parent_nullable else " NOT NULL")
    source = sqlite_file(tmp_path / "tree.db", f"CREATE TABLE category (id INTEGER PRIMARY KEY, "
                         f"parent_id {parent}, name TEXT NOT NULL, UNIQUE (parent_id, name))", rows)
    for scale in (1.0, 3.0):
        target = f"duckdb:///{duckdb_path_factory(f'tree_{scale}')}"
        assert dbsynth.synth(f"sqlite:///{source}", target, scale=scale).integrity.ok
        count, pairs = run_sql(target, "SELECT count(*), count(DISTINCT (parent_id, name)) "
                                       "FROM category WHERE parent_id IS NOT NULL")[0]
        assert count == pairs and count >= 200 * scale


ONE_A_DAY_SQL = """
CREATE TABLE person (id int PRIMARY KEY, name text);
INSERT INTO person SELECT g, 'p' || g FROM generate_series(1, 30) g;
CREATE TABLE checkin (id int PRIMARY KEY, person_id int NOT NULL REFERENCES person (id),
                      seen_at timestamp NOT NULL);
CREATE UNIQUE INDEX one_a_day ON checkin (person_id, (seen_at::date));
INSERT INTO checkin SELECT g, 1 + g % 30,
       TIMESTAMP '2024-01-01' + (g % 89) * INTERVAL '1 day' + (g % 7) * INTERVAL '1 hour'
FROM generate_series(1, 300) g;
"""


@pytest.mark.postgres
@pytest.mark.parametrize("target_kind", ["postgres", "duckdb"])
def test_a_unique_index_on_a_day_of_a_timestamp_holds(target_kind: str, pg_database_factory,
                                                      duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    """``UNIQUE (person_id, (seen_at::date))``: one check-in a day. The generator made the
    columns unique, and two check-ins of one person at 9:00 and 14:00 of one day are two
    rows there but one key of the index: PG→PG failed to load (UniqueViolation), PG→DuckDB
    left the index out. Rows are now compared by what the index reads."""
    source = pg_database_factory("one_a_day")
    run_sql(source, ONE_A_DAY_SQL)
    target = (pg_database_factory("one_a_day_t") if target_kind == "postgres"
              else f"duckdb:///{duckdb_path_factory('one_a_day')}")
    result = dbsynth.synth(source, target)
    assert result.integrity.ok
    assert run_sql(target, "SELECT count(*), count(DISTINCT (person_id, CAST(seen_at AS DATE))) "
                           "FROM checkin")[0] == (300, 300)
    assert not any("one_a_day" in note for note in result.notes)
