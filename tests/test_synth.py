"""End to end on real databases: inspect, synthesize, and check the target by SQL.

Sources come from the schema zoo and Chinook on both engines; targets are fresh PostgreSQL
databases or DuckDB files, so every direction (PG→PG, PG→DuckDB, DuckDB→PG, DuckDB→DuckDB)
is exercised.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import CHINOOK_TABLES, ZOO_TABLES, run_sql

import dbsynth
from dbsynth import pipeline
from dbsynth.errors import LoadError, UnsafeTargetError


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "duckdb"])
def target_factory(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """make(name) -> URL of a fresh, empty target database of the parametrized kind."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_database_factory")
    paths = request.getfixturevalue("duckdb_path_factory")
    return lambda name="target": f"duckdb:///{paths(name)}"


def q(name: str) -> str:
    return '"' + name + '"'


def columns_of(url: str, table: str) -> list[str]:
    if url.startswith("duckdb"):
        rows = run_sql(url, f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{table}'"
                            " ORDER BY column_index")
    else:
        rows = run_sql(url, "SELECT column_name FROM information_schema.columns WHERE "
                            f"table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position")
    return [r[0] for r in rows]


def count(url: str, table: str) -> int:
    return int(run_sql(url, f"SELECT count(*) FROM {q(table)}")[0][0])


def orphan_count(url: str, child: str, cols: list[str], parent: str, ref: list[str]) -> int:
    """Independent of dbsynth's own checks: the test's own SQL."""
    not_null = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in cols)
    join = " AND ".join(f"p.{q(r)} = c.{q(c)}" for c, r in zip(cols, ref))
    sql = (f"SELECT count(*) FROM {q(child)} c WHERE {not_null} AND NOT EXISTS "
           f"(SELECT 1 FROM {q(parent)} p WHERE {join})")
    return int(run_sql(url, sql)[0][0])


# --- inspect ---------------------------------------------------------------------------------

def test_inspect_reads_every_shape_of_the_zoo(zoo_url: str) -> None:
    found = dbsynth.inspect(zoo_url)
    schema = found.schema
    assert set(schema.table_names) == set(ZOO_TABLES)
    assert schema.table("order_line").primary_key.columns == ("order_id", "line_no")
    assert schema.table("person_skill").primary_key.columns == ("person_id", "skill_id")
    assert [e.label for e in found.plan.self_references] == [
        "employee(manager_id) -> employee(employee_id)"]
    sku_fk = next(fk for fk in schema.table("order_line").foreign_keys if fk.ref_table == "product")
    assert sku_fk.ref_columns == ("sku",)
    assert ("sku",) in [u.columns for u in schema.table("product").uniques]
    mood = schema.table("person").column("mood").type
    assert mood.name == "enum" and "happy" in schema.enum(mood.enum).values
    ratings = schema.table("product").column("ratings").type
    assert ratings.name == "array" and ratings.element.name == "integer"
    assert schema.table("User").column_names[:3] == ("user_id", "Name", "select")
    assert schema.table("audit_log").row_count == 0
    assert schema.table("product").column("price").type.scale == 2
    assert schema.table("product").checks, "CHECK (price > 0) was not read"
    identity = schema.table("product").column("product_id")
    assert identity.identity is not None
    # parents before children in the load order
    order = found.plan.order
    assert order.index("order") < order.index("order_line")
    assert order.index("product") < order.index("order_line")
    if schema.dialect == "postgres":  # DuckDB cannot declare a cycle (no ALTER ... ADD FK)
        assert [e.label for e in found.plan.cut] == [
            "department(head_person_id) -> person(person_id)"]


# --- synth -----------------------------------------------------------------------------------

def test_zoo_round_trip_in_every_direction(zoo_url: str, target_factory) -> None:  # type: ignore[no-untyped-def]
    target = target_factory("zoo_target")
    result = dbsynth.synth(zoo_url, target, seed=1)
    assert result.integrity.ok, result.integrity.violations
    for table in ZOO_TABLES:
        assert columns_of(target, table) == columns_of_source(zoo_url, table), table
    assert count(target, "audit_log") == 0
    assert count(target, "product") == count(zoo_url, "product")  # root: size × scale
    assert count(target, "person") > 0 and count(target, "order_line") > 0  # children: per parent
    # the test's own orphan checks, including the cycle and the FK to a UNIQUE column
    assert orphan_count(target, "order_line", ["product_sku"], "product", ["sku"]) == 0
    assert orphan_count(target, "department", ["head_person_id"], "person", ["person_id"]) == 0
    assert orphan_count(target, "employee", ["manager_id"], "employee", ["employee_id"]) == 0
    assert orphan_count(target, "person_skill", ["person_id"], "person", ["person_id"]) == 0
    # the cut FK was filled in by UPDATE (the source has department heads)
    heads = run_sql(target, "SELECT count(head_person_id) FROM department")[0][0]
    assert heads > 0
    # composite key unique
    dup = run_sql(target, "SELECT count(*) FROM (SELECT order_id, line_no FROM order_line "
                          "GROUP BY 1, 2 HAVING count(*) > 1) d")[0][0]
    assert dup == 0
    # CHECKs held (and were mirrored: the insert below must fail)
    assert run_sql(target, "SELECT count(*) FROM product WHERE price <= 0")[0][0] == 0
    # keys added after the load are enforced like declared ones: a duplicate row is refused
    with pytest.raises(Exception):
        run_sql(target, "INSERT INTO order_line SELECT * FROM order_line LIMIT 1")
    with pytest.raises(Exception):
        run_sql(target, "INSERT INTO person_skill SELECT * FROM person_skill LIMIT 1")
    # identities advanced past the loaded keys: an insert without a key gets a fresh one
    max_id = run_sql(target, "SELECT max(product_id) FROM product")[0][0]
    run_sql(target, "INSERT INTO product (sku, name, price, discontinued) "
                    "VALUES ('NEW-1', 'new', 1.00, false)")
    new_id = run_sql(target, "SELECT product_id FROM product WHERE sku = 'NEW-1'")[0][0]
    assert new_id > max_id
    with pytest.raises(Exception):
        run_sql(target, "INSERT INTO product (sku, name, price, discontinued) "
                        "VALUES ('NEW-2', 'bad', -1.00, false)")


def columns_of_source(url: str, table: str) -> list[str]:
    return columns_of(url, table)


@pytest.mark.postgres
@pytest.mark.parametrize("target_kind", ["duckdb", "postgres"])
def test_chinook_round_trip(chinook_pg_url: str, target_kind: str, pg_database_factory,
                            duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    target = (pg_database_factory("chinook_copy") if target_kind == "postgres"
              else f"duckdb:///{duckdb_path_factory('chinook_copy')}")
    result = dbsynth.synth(chinook_pg_url, target, seed=7)
    assert result.integrity.ok
    source_schema = dbsynth.inspect(chinook_pg_url).schema
    for table in CHINOOK_TABLES:
        assert columns_of(target, table) == list(source_schema.table(table).column_names)
        real_rows = count(chinook_pg_url, table)
        assert abs(count(target, table) - real_rows) <= 0.3 * real_rows + 3, table
        for fk in source_schema.table(table).foreign_keys:
            assert orphan_count(target, table, list(fk.columns), fk.ref_table,
                                list(fk.ref_columns)) == 0, fk
    # personal data is not copied
    real = {r[0] for r in run_sql(chinook_pg_url, "SELECT email FROM customer")}
    fake = {r[0] for r in run_sql(target, "SELECT email FROM customer")}
    assert not real & fake
    real_phones = {r[0] for r in run_sql(chinook_pg_url, "SELECT phone FROM customer")} - {None}
    fake_phones = {r[0] for r in run_sql(target, "SELECT phone FROM customer")} - {None}
    assert not real_phones & fake_phones


def test_chinook_from_duckdb(chinook_duckdb_url: str, target_factory) -> None:  # type: ignore[no-untyped-def]
    target = target_factory("chinook_from_duck")
    result = dbsynth.synth(chinook_duckdb_url, target, seed=3, scale=0.5)
    assert result.integrity.ok
    assert abs(count(target, "artist") - 275 * 0.5) <= 1  # a root table
    assert 0.3 * 3503 < count(target, "track") < 0.7 * 3503  # children follow their parents
    assert orphan_count(target, "invoice_line", ["track_id"], "track", ["track_id"]) == 0
    assert orphan_count(target, "employee", ["reports_to"], "employee", ["employee_id"]) == 0


def test_same_seed_same_rows(chinook_duckdb_url: str, duckdb_path_factory) -> None:  # type: ignore[no-untyped-def]
    a = dbsynth.synth(chinook_duckdb_url, f"duckdb:///{duckdb_path_factory('a')}", seed=5)
    b = dbsynth.synth(chinook_duckdb_url, f"duckdb:///{duckdb_path_factory('b')}", seed=5)
    c = dbsynth.synth(chinook_duckdb_url, f"duckdb:///{duckdb_path_factory('c')}", seed=6)
    for table in ("invoice", "customer", "track", "playlist_track"):
        assert a.synthetic_frames[table].equals(b.synthetic_frames[table]), table
    assert not a.synthetic_frames["invoice"].equals(c.synthetic_frames["invoice"])


def test_scale_changes_row_counts(zoo_url: str, target_factory) -> None:  # type: ignore[no-untyped-def]
    target = target_factory("scaled")
    result = dbsynth.synth(zoo_url, target, scale=3.0, seed=2)
    assert result.integrity.ok
    assert count(target, "product") == 3 * count(zoo_url, "product")
    assert count(target, "person") > 2 * count(zoo_url, "person")  # children follow their parents
    with pytest.raises(dbsynth.UsageError, match="scale"):
        dbsynth.synth(zoo_url, target, scale=50)


def test_marginals_roughly_kept_on_the_demo(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dbsynth.demo import build_demo_source

    source = tmp_path / "hospital.duckdb"
    build_demo_source(source)
    result = dbsynth.synth(f"duckdb:///{source}", f"duckdb:///{tmp_path / 'copy.duckdb'}", seed=1)
    real, fake = result.source_frames["patients"], result.synthetic_frames["patients"]
    assert abs(real["age"].mean() - fake["age"].astype(float).mean()) < 2.0
    assert abs((real["sex"] == "F").mean() - (fake["sex"] == "F").mean()) < 0.03
    assert abs(real["discharge_date"].isna().mean() - fake["discharge_date"].isna().mean()) < 0.02
    # names are fake, not the source's
    assert not set(real["email"]) & set(fake["email"])


# --- safety ----------------------------------------------------------------------------------

def test_refuses_a_target_holding_data_and_leaves_it_untouched(zoo_url: str, target_factory) -> None:  # type: ignore[no-untyped-def]
    target = target_factory("busy")
    dbsynth.synth(zoo_url, target, seed=1)
    before = run_sql(target, "SELECT count(*), sum(product_id) FROM product")[0]
    with pytest.raises(UnsafeTargetError, match="--replace"):
        dbsynth.synth(zoo_url, target, seed=2)
    assert run_sql(target, "SELECT count(*), sum(product_id) FROM product")[0] == before
    result = dbsynth.synth(zoo_url, target, seed=2, replace=True)
    assert result.integrity.ok
    assert count(target, "product") == count(zoo_url, "product")


def test_refuses_to_write_into_the_source(zoo_url: str) -> None:
    with pytest.raises(UnsafeTargetError, match="is the source"):
        dbsynth.synth(zoo_url, zoo_url, replace=True)


def crash_at_fourth_load() -> tuple[Callable[[str, str, int], None], list[str]]:
    """A progress callback that fails the run at its fourth load step, and the steps seen."""
    loaded: list[str] = []

    def crash_mid_load(stage: str, table: str, rows: int) -> None:
        if stage == "load":
            loaded.append(table)
            if len(loaded) == 4:
                raise LoadError("simulated crash in the middle of the load")

    return crash_mid_load, loaded


def test_failed_load_leaves_target_as_before(zoo_url: str, target_factory) -> None:  # type: ignore[no-untyped-def]
    target = target_factory("atomic")
    run_sql(target, "CREATE TABLE keep_me (x INTEGER); INSERT INTO keep_me VALUES (1), (2)")
    dbsynth.synth(zoo_url, target, seed=1)  # a first copy, to be replaced
    before = {t: count(target, t) for t in ("person", "order_line", "keep_me")}
    crash_mid_load, loaded = crash_at_fourth_load()

    with pytest.raises(LoadError, match="simulated"):
        pipeline.synth(zoo_url, target, seed=9, scale=2.0, replace=True, progress=crash_mid_load)
    assert {t: count(target, t) for t in before} == before
    assert run_sql(target, "SELECT sum(x) FROM keep_me")[0][0] == 3


def test_a_new_duckdb_file_appears_whole_or_not_at_all(zoo_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """DuckDB-only by nature (a file, not a server): a target file that does not exist yet
    is built beside its path, committed as it goes, and moved into place at the end. A
    failure leaves no file and no leftovers; a success leaves only the file."""
    path = tmp_path / "new" / "fresh.duckdb"
    crash_mid_load, loaded = crash_at_fourth_load()

    with pytest.raises(LoadError, match="simulated"):
        pipeline.synth(zoo_url, f"duckdb:///{path}", seed=9, progress=crash_mid_load)
    assert len(loaded) == 4
    assert list(path.parent.iterdir()) == []  # nothing at the path, nothing beside it
    result = pipeline.synth(zoo_url, f"duckdb:///{path}", seed=9)
    assert result.integrity.ok
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert count(f"duckdb:///{path}", "order_line") == result.rows["order_line"] > 0
