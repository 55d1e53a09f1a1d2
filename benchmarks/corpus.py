"""Every corpus database through dbsynth: a scorecard of where the project stands.

Run:
    python benchmarks/corpus.py [--only NAME ...] [--limit N] [--targets duckdb,postgres,sqlite,mysql]
                                [--scale 1.0] [--no-report] [--pg postgresql://user@host:port]
                                [--source-engine sqlite|mysql|postgres]
                                [--out scorecard.json]

The corpus: the 110 real schemas of ``../shared/data/spider_de`` (SQLite files built from each
``schema.sql``), ``classicmodels`` (its MySQL dump translated to SQLite with sqlglot), Chinook
(PostgreSQL), the demo and the schema zoo (DuckDB), TPC-H SF 0.01 (DuckDB, when ``tpchgen-cli``
is installed). For each database:

1. **declared keys**: ``synth`` into every target (a new DuckDB file, a new PostgreSQL database,
   a new SQLite file; a new MariaDB database with ``--targets …,mysql``) with key inference off; dbsynth's own integrity verdict; then, checked
   here independently by SQL in the target, orphans of every declared FK that holds in the
   source and duplicates of every declared PK; each table's rows against ``scale × source``.
2. **keys stripped**: the same rows in a DuckDB file without any constraint (as when tables
   are loaded from CSV or Parquet); inference → precision and recall of PKs and FKs against
   the declared ones; ``synth`` of that copy into DuckDB, checked against the declared keys.
3. **report**: the report's headline figures for the DuckDB copy (``--no-report`` skips).

The ground truth (declared keys, which FKs hold in the source, row counts) is read here,
straight from each source's catalog, not through dbsynth's introspection.

``--source-engine mysql|postgres`` hosts every SQLite-built database (spider_de, classicmodels)
in a throwaway MariaDB or the PostgreSQL server first (``corpus_hosted.py``) and reads it from
there: dbsynth's MySQL or PostgreSQL source path over the same 110 real schemas.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dbsynth import pipeline
from dbsynth.connectors.registry import connect, parse_url
from dbsynth.errors import DbsynthError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "tests"))  # the test harness's throwaway PostgreSQL and fixtures

Fk = tuple[str, tuple[str, ...], str, tuple[str, ...]]  # child, columns, parent, parent columns
Pk = tuple[str, tuple[str, ...]]


# --------------------------------------------------------------------------------------------
# ground truth
# --------------------------------------------------------------------------------------------

@dataclass
class Truth:
    """What the source declares and holds, read from its own catalog."""

    rows: dict[str, int]
    pks: set[Pk]
    fks: set[Fk]
    holding: set[Fk]  # the declared FKs without orphans in the source


def _lower_pk(pk: Pk) -> tuple[str, tuple[str, ...]]:
    return pk[0].lower(), tuple(sorted(c.lower() for c in pk[1]))


def _lower_fk(fk: Fk) -> tuple[str, tuple[str, ...], str]:
    return fk[0].lower(), tuple(c.lower() for c in fk[1]), fk[2].lower()


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_truth(path: Path) -> Truth:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        by_lower = {t.lower(): t for t in tables}
        rows = {t: con.execute(f"SELECT count(*) FROM {q(t)}").fetchone()[0] for t in tables}
        pks: set[Pk] = set()
        for t in tables:
            info = con.execute(f"PRAGMA table_info({q(t)})").fetchall()
            cols = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            if cols:
                pks.add((t, cols))
        pk_of = dict(pks)
        fks: set[Fk] = set()
        for t in tables:
            groups: dict[int, list[tuple[Any, ...]]] = {}
            for r in con.execute(f"PRAGMA foreign_key_list({q(t)})").fetchall():
                groups.setdefault(r[0], []).append(r)
            for parts in groups.values():
                parts.sort(key=lambda r: r[1])
                parent = by_lower.get(parts[0][2].lower())
                if parent is None:
                    continue  # a reference to a table that does not exist
                cols = tuple(r[3] for r in parts)
                ref = tuple(r[4] for r in parts) if all(r[4] for r in parts) else pk_of.get(parent, ())
                if len(ref) == len(cols):
                    fks.add((t, cols, parent, ref))
        holding = {fk for fk in fks if _orphans(lambda sql: con.execute(sql).fetchall(), fk) == 0}
        return Truth(rows, pks, fks, holding)
    finally:
        con.close()


def dbsynth_truth(url: str) -> Truth:
    """For sources whose engine enforces its keys (DuckDB, PostgreSQL): declared = holding."""
    found = pipeline.inspect(url, keys=pipeline.KeyOptions(infer=False))
    pks = {(t.name, tuple(t.primary_key.columns)) for t in found.schema.tables if t.primary_key}
    fks = {(t.name, tuple(fk.columns), fk.ref_table, tuple(fk.ref_columns))
           for t in found.schema.tables for fk in t.foreign_keys}
    rows = target_rows(url, [t.name for t in found.schema.tables])
    return Truth(rows, pks, fks, set(fks))


# --------------------------------------------------------------------------------------------
# checks by SQL, in any database dbsynth connects to
# --------------------------------------------------------------------------------------------

def _orphans(query: Callable[[str], list[tuple[Any, ...]]], fk: Fk) -> int:
    child, cols, parent, ref = fk
    present = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in cols)
    match = " AND ".join(f"p.{q(r)} = c.{q(c)}" for c, r in zip(cols, ref))
    sql = (f"SELECT count(*) FROM {q(child)} c WHERE {present} AND NOT EXISTS "
           f"(SELECT 1 FROM {q(parent)} p WHERE {match})")
    return int(query(sql)[0][0])


def _duplicates(query: Callable[[str], list[tuple[Any, ...]]], pk: Pk) -> int:
    table, cols = pk
    listed = ", ".join(q(c) for c in cols)
    sql = f"SELECT count(*) FROM (SELECT {listed} FROM {q(table)} GROUP BY {listed} HAVING count(*) > 1) d"
    return int(query(sql)[0][0])


def target_rows(url: str, tables: list[str]) -> dict[str, int]:
    con = connect(url, role="source")
    try:
        return {t: int(con.query(f"SELECT count(*) FROM {q(t)}")[0][0]) for t in tables}
    finally:
        con.close()


def check_copy(url: str, truth: Truth, scale: float) -> dict[str, Any]:
    """Orphans and duplicates against the source's declared keys; rows against scale × source."""
    con = connect(url, role="source")
    try:
        orphans = {f"{fk[0]}({','.join(fk[1])})->{fk[2]}": _orphans(con.query, fk) for fk in sorted(truth.holding)}
        duplicates = {f"{pk[0]}({','.join(pk[1])})": _duplicates(con.query, pk) for pk in sorted(truth.pks)}
        sizes = {}
        for table, source_rows in truth.rows.items():
            got = int(con.query(f"SELECT count(*) FROM {q(table)}")[0][0])
            expected = round(scale * source_rows)
            sizes[table] = {"source": source_rows, "expected": expected, "target": got,
                            "off": abs(got - expected) > 0.1 * expected or (expected == 0) != (got == 0)}
    finally:
        con.close()
    return {"orphans": sum(orphans.values()), "duplicates": sum(duplicates.values()),
            "orphans_by_fk": {k: v for k, v in orphans.items() if v},
            "duplicates_by_pk": {k: v for k, v in duplicates.items() if v},
            "tables_off": sorted(t for t, s in sizes.items() if s["off"]),
            "empty_tables": sorted(t for t, s in sizes.items() if s["target"] == 0 and s["expected"] > 0),
            "sizes": sizes}


# --------------------------------------------------------------------------------------------
# the corpus
# --------------------------------------------------------------------------------------------

@dataclass
class Source:
    name: str
    group: str
    url: str
    truth: Truth
    frames: Callable[[], dict[str, pd.DataFrame]]  # the rows, for the key-stripped copy


def sqlite_source(name: str, group: str, path: Path) -> Source:
    def frames() -> dict[str, pd.DataFrame]:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            return {t: pd.read_sql_query(f"SELECT * FROM {q(t)}", con) for t in names}
        finally:
            con.close()

    return Source(name, group, f"sqlite:///{path}", sqlite_truth(path), frames)


def dbsynth_source(name: str, group: str, url: str) -> Source:
    truth = dbsynth_truth(url)

    def frames() -> dict[str, pd.DataFrame]:
        found = pipeline.inspect(url, keys=pipeline.KeyOptions(infer=False))
        con = connect(url, role="source")
        try:
            return {t.name: con.read_table(t) for t in found.schema.tables}
        finally:
            con.close()

    return Source(name, group, url, truth, frames)


def build_spider(folder: Path, only: set[str] | None) -> Iterator[Source]:
    for schema_sql in sorted((DATA / "spider_de").glob("*/schema.sql")):
        name = schema_sql.parent.name
        if only and name not in only:
            continue
        if not schema_sql.read_text(encoding="utf-8").strip():
            print(f"skipped {name}: its schema.sql is empty", file=sys.stderr)
            continue
        path = folder / f"{name}.sqlite"
        con = sqlite3.connect(path)
        con.executescript(schema_sql.read_text(encoding="utf-8"))
        if con.in_transaction:  # a script that opens BEGIN TRANSACTION and never commits
            con.commit()
        con.close()
        yield sqlite_source(name, "spider_de", path)


def build_classicmodels(folder: Path) -> Source:
    """The MySQL dump, translated statement by statement to SQLite (sqlglot)."""
    import sqlglot

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    text = (DATA / "classicmodels" / "mysqlsampledatabase.sql").read_text(encoding="utf-8")
    text = re.sub(r"/\*!\d+.*?\*/;?", "", text, flags=re.S)  # MySQL-only directives
    text = re.sub(r"(?m)^\s*KEY `[^`]*` \([^)]*\),?\n", "", text)  # inline secondary indexes
    text = re.sub(r",(\s*\)\s*ENGINE)", r"\1", text)
    path = folder / "classicmodels.sqlite"
    con = sqlite3.connect(path)
    for statement in sqlglot.parse(text, read="mysql"):
        if statement is not None and statement.key in ("create", "insert"):
            con.execute(statement.sql(dialect="sqlite"))
    con.commit()
    con.close()
    return sqlite_source("classicmodels", "mysql-sample", path)


def build_chinook(cluster: Any) -> Source:
    import psycopg

    from conftest import chinook_pg_script, pg_conninfo

    _, url = cluster.create_database("corpus_chinook")
    with psycopg.connect(pg_conninfo(url)) as conn:
        conn.execute(chinook_pg_script())
    return dbsynth_source("chinook", "sample", url)


def build_demo(folder: Path) -> Source:
    from dbsynth.demo import build_demo_source

    path = folder / "demo.duckdb"
    build_demo_source(path)
    return dbsynth_source("demo", "sample", f"duckdb:///{path}")


def build_zoo(folder: Path) -> Source:
    path = folder / "zoo.duckdb"
    con = duckdb.connect(str(path))
    con.execute((ROOT / "tests" / "zoo" / "duckdb.sql").read_text(encoding="utf-8"))
    con.close()
    return dbsynth_source("zoo", "sample", f"duckdb:///{path}")


def build_tpch(folder: Path) -> Source | None:
    import shutil

    tpchgen = shutil.which("tpchgen-cli")
    if tpchgen is None:
        return None
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from tpch import build

    path = build(0.01, folder, tpchgen)
    return dbsynth_source("tpch_sf0.01", "sample", f"duckdb:///{path}")


# --------------------------------------------------------------------------------------------
# the runs
# --------------------------------------------------------------------------------------------

@dataclass
class Step:
    ok: bool
    seconds: float
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def step(work: Callable[[], dict[str, Any]]) -> Step:
    started = time.perf_counter()
    try:
        detail = work()
        return Step(detail.pop("ok", True), round(time.perf_counter() - started, 2), None, detail)
    except DbsynthError as exc:
        return Step(False, round(time.perf_counter() - started, 2), exc.message.splitlines()[0][:300])
    except Exception as exc:  # the scorecard records crashes as what they are  # noqa: BLE001
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Step(False, round(time.perf_counter() - started, 2),
                    f"CRASH {type(exc).__name__}: {str(exc)[:200]} ({Path(where.filename).name}:{where.lineno})")


def synth_and_check(source_url: str, target_url: str, truth: Truth, scale: float, infer: bool) -> dict[str, Any]:
    result = pipeline.synth(source_url, target_url, scale=scale, seed=0, replace=True,
                            keys=pipeline.KeyOptions(infer=infer), keep_frames=False)
    checked = check_copy(target_url, truth, scale)
    ok = result.integrity.ok and checked["orphans"] == 0 and checked["duplicates"] == 0
    return {"ok": ok, "integrity": result.integrity.ok, **checked}


def strip_keys(source: Source, path: Path) -> str:
    """The same rows in a DuckDB file with no constraint at all, every column nullable."""
    con = duckdb.connect(str(path))
    try:
        for table, frame in source.frames().items():
            try:
                con.register("rows", frame)
                con.execute(f"CREATE TABLE {q(table)} AS SELECT * FROM rows")
            except duckdb.Error:  # a column mixing types (real SQLite files do): keep it as text
                text = frame.apply(lambda c: c.map(lambda v: None if pd.isna(v) else str(v))
                                   if c.dtype == object else c)
                con.register("rows", text)
                con.execute(f"CREATE OR REPLACE TABLE {q(table)} AS SELECT * FROM rows")
            con.unregister("rows")
        _restore_types(con, source)
    finally:
        con.close()
    return f"duckdb:///{path}"


def _restore_types(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Give back the declared type of the columns pandas could not type: an empty or all-NULL
    column comes out typed ``NULL``, an integer column with NULLs ``DOUBLE``. A table loaded
    from CSV or Parquet keeps such types (Parquet stores them, DuckDB's CSV reader sniffs
    integers with blanks as BIGINT), so inference must be measured with them."""
    from dbsynth.writer.ddl import render_type

    declared = pipeline.inspect(source.url, keys=pipeline.KeyOptions(infer=False)).schema
    for table in declared.tables:
        have = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = ?", [table.name]).fetchall())
        for column in table.columns:
            lost = have.get(column.name) == '"NULL"' or (
                have.get(column.name) == "DOUBLE" and column.type.is_integer)
            if lost:
                try:
                    con.execute(f"ALTER TABLE {q(table.name)} ALTER {q(column.name)} TYPE "
                                f"{render_type(column.type, 'duckdb')}")
                except duckdb.Error:  # a value the declared type cannot hold (SQLite allows it)
                    con.execute(f"ALTER TABLE {q(table.name)} ALTER {q(column.name)} TYPE VARCHAR")


def score_inference(url: str, truth: Truth) -> dict[str, Any]:
    found = pipeline.inspect(url, keys=pipeline.KeyOptions(infer=True))
    got_pks = {_lower_pk((t.name, tuple(t.primary_key.columns))) for t in found.schema.tables if t.primary_key}
    got_fks = {_lower_fk((t.name, tuple(fk.columns), fk.ref_table, ())) for t in found.schema.tables
               for fk in t.foreign_keys}
    true_pks = {_lower_pk(p) for p in truth.pks}
    # A key found on a table that declares none cannot be judged (a junction table's pair):
    # counted apart, not as a hit or a mistake.
    declared_tables = {t for t, _ in true_pks}
    undeclared = {p for p in got_pks if p[0] not in declared_tables}
    got_pks -= undeclared
    true_fks = {_lower_fk(f) for f in truth.fks}
    return {"pk_true": len(true_pks), "pk_found": len(got_pks), "pk_hit": len(got_pks & true_pks),
            "pk_on_undeclared": len(undeclared),
            "fk_true": len(true_fks), "fk_found": len(got_fks), "fk_hit": len(got_fks & true_fks),
            "pk_missed": sorted("{}({})".format(t, ",".join(k)) for t, k in true_pks - got_pks),
            "pk_wrong": sorted("{}({})".format(t, ",".join(k)) for t, k in got_pks - true_pks),
            "fk_missed": sorted("{}({})->{}".format(c, ",".join(k), p) for c, k, p in true_fks - got_fks),
            "fk_wrong": sorted("{}({})->{}".format(c, ",".join(k), p) for c, k, p in got_fks - true_fks)}


def supports(url: str) -> bool:
    try:
        parse_url(url)
        return True
    except DbsynthError:
        return False


def run_one(source: Source, folder: Path, targets: list[str], cluster: "Servers", scale: float,
            report: bool, stripped_synth: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"name": source.name, "group": source.group, "tables": len(source.truth.rows),
                           "rows": sum(source.truth.rows.values()), "declared_pks": len(source.truth.pks),
                           "declared_fks": len(source.truth.fks), "holding_fks": len(source.truth.holding)}
    source_ok = supports(source.url)
    for target in targets:
        if not source_ok:
            out[f"declared_{target}"] = asdict(Step(False, 0.0, f"no {source.url.split(':')[0]} engine"))
            continue
        url = target_url(target, folder, source.name, cluster)
        if url is None:
            out[f"declared_{target}"] = asdict(Step(False, 0.0, f"no {target} engine"))
            continue
        out[f"declared_{target}"] = asdict(step(lambda: synth_and_check(source.url, url, source.truth, scale, False)))
        if target == "duckdb" and report and out["declared_duckdb"]["ok"]:
            out["report"] = asdict(step(lambda: {"summary": pipeline.report(source.url, url, sample_rows=5_000)["summary"]}))
    stripped = strip_keys(source, folder / f"{source.name}.stripped.duckdb")
    out["inference"] = asdict(step(lambda: score_inference(stripped, source.truth)))
    if stripped_synth:
        copy = f"duckdb:///{folder / (source.name + '.stripped-copy.duckdb')}"
        out["stripped_duckdb"] = asdict(step(lambda: synth_and_check(stripped, copy, source.truth, scale, True)))
    return out


def target_url(target: str, folder: Path, name: str, cluster: "Servers") -> str | None:
    if target == "duckdb":
        return f"duckdb:///{folder / (name + '.copy.duckdb')}"
    if target == "sqlite":
        url = f"sqlite:///{folder / (name + '.copy.sqlite')}"
        return url if supports(url) else None
    if target == "mysql":
        return None if cluster.maria is None else cluster.maria.create_database(f"corpus_{name}")
    _, url = cluster.pg.create_database(f"corpus_{name}")
    return url


# --------------------------------------------------------------------------------------------
# scorecard
# --------------------------------------------------------------------------------------------

def line(result: dict[str, Any], targets: list[str]) -> str:
    def mark(key: str) -> str:
        s = result.get(key)
        return "-" if s is None else "ok" if s["ok"] else "FAIL"

    inf = result["inference"]["detail"]
    orphans = result.get("stripped_duckdb", {}).get("detail", {}).get("orphans", "-")
    off = sum(len(result.get(f"declared_{t}", {}).get("detail", {}).get("tables_off", [])) for t in targets)
    seconds = sum(v["seconds"] for v in result.values() if isinstance(v, dict) and "seconds" in v)
    decl = " ".join(f"{t[:2]}:{mark('declared_' + t):4}" for t in targets)
    return (f"{result['name'][:28]:28} {result['tables']:3}t {result['rows']:7}r | {decl} | "
            f"pk {inf.get('pk_hit', 0):2}/{inf.get('pk_true', 0):2} fk {inf.get('fk_hit', 0):2}/{inf.get('fk_true', 0):2}"
            f" (+{inf.get('fk_found', 0) - inf.get('fk_hit', 0)}) | stripped:{mark('stripped_duckdb'):4} "
            f"orphans {orphans} | off {off} | {seconds:6.1f}s")


def totals(results: list[dict[str, Any]], targets: list[str]) -> dict[str, Any]:
    def count(key: str) -> int:
        return sum(1 for r in results if r.get(key, {}).get("ok"))

    def summed(key: str, field_name: str) -> int:
        return sum(r.get(key, {}).get("detail", {}).get(field_name, 0) or 0 for r in results)

    def listed(key: str, field_name: str) -> int:
        return sum(len(r.get(key, {}).get("detail", {}).get(field_name, [])) for r in results)

    inf = {k: sum(r["inference"]["detail"].get(k, 0) for r in results)
           for k in ("pk_true", "pk_found", "pk_hit", "fk_true", "fk_found", "fk_hit")}
    out: dict[str, Any] = {"databases": len(results)}
    for t in targets:
        out[f"declared_{t}_ok"] = count(f"declared_{t}")
        out[f"declared_{t}_orphans"] = summed(f"declared_{t}", "orphans")
        out[f"declared_{t}_duplicates"] = summed(f"declared_{t}", "duplicates")
        out[f"declared_{t}_tables_off"] = listed(f"declared_{t}", "tables_off")
        out[f"declared_{t}_empty_tables"] = listed(f"declared_{t}", "empty_tables")
    out["stripped_duckdb_ok"] = count("stripped_duckdb")
    out["stripped_orphans"] = summed("stripped_duckdb", "orphans")
    out["stripped_duplicates"] = summed("stripped_duckdb", "duplicates")
    out["stripped_tables_off"] = listed("stripped_duckdb", "tables_off")
    out["pk_precision"] = round(inf["pk_hit"] / max(1, inf["pk_found"]), 3)
    out["pk_recall"] = round(inf["pk_hit"] / max(1, inf["pk_true"]), 3)
    out["fk_precision"] = round(inf["fk_hit"] / max(1, inf["fk_found"]), 3)
    out["fk_recall"] = round(inf["fk_hit"] / max(1, inf["fk_true"]), 3)
    out["seconds"] = round(sum(v["seconds"] for r in results for v in r.values()
                               if isinstance(v, dict) and "seconds" in v), 1)
    return out


def hosted(source: Source, engine: str, cluster: "Servers") -> Source | None:
    """The SQLite-built ``source`` rebuilt in MariaDB or PostgreSQL (None, with a line, where
    it cannot be); the truth read from that server's catalog."""
    import corpus_hosted

    try:
        path = Path(source.url[len("sqlite:///"):])
        if engine == "mysql":
            url, notes = corpus_hosted.rehost_mysql(path, cluster.maria, source.name)
        else:
            url, notes = corpus_hosted.rehost_postgres(path, cluster.pg, source.name)
    except Exception as exc:  # noqa: BLE001 - a schema the server refuses: reported, not run
        print(f"skipped {source.name} as a {engine} source: {str(exc)[:160]}", file=sys.stderr)
        return None
    for note in notes:
        print(f"  {source.name} in {engine}: {note}", file=sys.stderr)
    if engine == "mysql":
        run = cluster.maria.run
        rows, pks, fks = corpus_hosted.mysql_truth(cluster.maria, url)
    else:
        from conftest import run_sql as run
        rows, pks, fks = corpus_hosted.postgres_truth(run, url)
    holding = {fk for fk in fks if _orphans(lambda sql: run(url, sql), fk) == 0}
    return Source(source.name, f"{source.group}/{engine}", url, Truth(rows, pks, fks, holding), source.frames)


def sources(folder: Path, only: set[str] | None, cluster: "Servers", limit: int | None,
            source_engine: str = "sqlite") -> Iterator[Source]:
    for found in _sources(folder, only, cluster, limit):
        if source_engine != "sqlite" and found.url.startswith("sqlite:///"):
            moved = hosted(found, source_engine, cluster)
            if moved is None:
                continue
            found = moved
        yield found


def _sources(folder: Path, only: set[str] | None, cluster: "Servers", limit: int | None) -> Iterator[Source]:
    extra: list[Callable[[], Source | None]] = [
        lambda: build_classicmodels(folder), lambda: build_chinook(cluster.pg),
        lambda: build_demo(folder), lambda: build_zoo(folder), lambda: build_tpch(folder)]
    names = ["classicmodels", "chinook", "demo", "zoo", "tpch_sf0.01"]
    made = 0
    for name, build in zip(names, extra):
        if (only is None or name in only) and (limit is None or made < limit):
            found = build()
            if found is None:
                print(f"skipped {name}: its generator is not installed", file=sys.stderr)
                continue
            made += 1
            yield found
    for found in build_spider(folder, only):
        if limit is not None and made >= limit:
            return
        made += 1
        yield found


def start_postgres(url: str | None) -> tuple[Any, Callable[[], None]]:
    from conftest import PG_SUPERUSER, PgCluster, _LocalPostgres

    if url:
        return PgCluster(url.rstrip("/"), url.rstrip("/") + "/postgres"), lambda: None
    server = _LocalPostgres()
    server.initdb()
    server.start()
    base = f"postgresql://{PG_SUPERUSER}@127.0.0.1:{server.port}"
    return PgCluster(base, base + "/postgres"), server.stop


class Servers:
    """The PostgreSQL cluster (sources and targets) and, for a mysql target, a MariaDB server."""

    def __init__(self, pg: Any, maria: Any | None) -> None:
        self.pg, self.maria = pg, maria


def start_mariadb() -> tuple[Any | None, Callable[[], None]]:
    from conftest import LocalMariaDB

    server = LocalMariaDB()
    if not server.installed:
        print("no MariaDB server installed: the mysql target is skipped", file=sys.stderr)
        return None, lambda: None
    return server.start(), server.stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="corpus database names")
    parser.add_argument("--limit", type=int, help="at most this many databases")
    parser.add_argument("--targets", default="duckdb,postgres,sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--inference-only", action="store_true",
                        help="only key inference on the key-stripped copies (fast)")
    parser.add_argument("--pg", help="a PostgreSQL server to use (default: a throwaway one)")
    parser.add_argument("--source-engine", choices=("sqlite", "mysql", "postgres"), default="sqlite",
                        help="where the SQLite-built databases are read from (a throwaway MariaDB or the PostgreSQL server)")
    parser.add_argument("--out", type=Path, default=Path("corpus-scorecard.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    targets = [] if args.inference_only else [t for t in args.targets.split(",") if t]
    folder = Path(tempfile.mkdtemp(prefix="dbsynth-corpus-"))
    pg, stop_pg = start_postgres(args.pg)
    wants_maria = "mysql" in targets or args.source_engine == "mysql"
    maria, stop_maria = start_mariadb() if wants_maria else (None, lambda: None)
    if args.source_engine == "mysql" and maria is None:
        parser.error("--source-engine mysql needs a MariaDB server installed")
    cluster = Servers(pg, maria)
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        for source in sources(folder, set(args.only) if args.only else None, cluster, args.limit,
                              args.source_engine):
            result = run_one(source, folder, targets, cluster, args.scale, not args.no_report,
                             stripped_synth=not args.inference_only)
            results.append(result)
            print(line(result, targets), flush=True)
    finally:
        stop_maria()
        stop_pg()
    summary = totals(results, targets)
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary, indent=2))
    args.out.write_text(json.dumps({"totals": summary, "databases": results}, indent=2, default=str))
    print(f"scorecard: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
