"""Schema objects on a PostgreSQL → PostgreSQL copy: per kind in the source and the target,
and the time creating them adds to the write.

Run:
    python benchmarks/objects_copy.py [--pg URL] [--scale 1 10]
    python benchmarks/objects_copy.py --schema-sql /tmp/pagila/pagila-schema.sql \\
        --fill-sql benchmarks/pagila_fill.sql --app-sql benchmarks/pagila_app.sql \\
        --replace-too --scale 1 10

The source is the objects zoo of the test suite (``tests/contract/schema/objects_postgres.sql``:
an extension, a domain with its CHECK, sequences, indexes of each kind, views on views calling
a SQL function, a materialized view, a trigger function and trigger, an aggregate, row-level
security policies, comments), or a schema file of a real application (``--schema-sql``, such
as Pagila's ``pagila-schema.sql``, not kept here: a third party's file) filled with rows by
``--fill-sql`` (``pagila_fill.sql`` fills Pagila). For each scale it runs ``dbsynth.synth``
into a new database of a throwaway server, lists each kind of object in both catalogs (by
name or definition, so what differs is printed), and times the object statements (views,
functions, triggers, indexes… run after the load) against the whole write. ``--app-sql``
runs the application's statements on the copy and on the source; ``--replace-too`` copies
again with ``replace`` and compares the catalogs again. A copy that fails is recorded as
such (with the per-kind counts of the empty target).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (the throwaway PostgreSQL)

ZOO = ROOT / "tests" / "contract" / "schema" / "objects_postgres.sql"

NOT_EXTENSIONS = (" AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid "
                  "AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e')")

#: objects per kind, as the catalog lists them (schema public): one identifying text each, so
#: source and target are compared name by name, not only counted
PUBLIC = "'public'::regnamespace"
NAMES = {
    "extension": "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'",
    "enum": f"SELECT typname FROM pg_type WHERE typtype = 'e' AND typnamespace = {PUBLIC}",
    "domain": "SELECT t.typname || ' ' || format_type(t.typbasetype, t.typtypmod) || coalesce(' '"
              " || (SELECT string_agg(pg_get_constraintdef(k.oid), ' ') FROM pg_constraint k "
              f"WHERE k.contypid = t.oid), '') FROM pg_type t WHERE t.typtype = 'd' "
              f"AND t.typnamespace = {PUBLIC}",
    "sequence": "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'",
    "table": f"SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = {PUBLIC}"
             " AND NOT relispartition",
    "partition": "SELECT relname || ' ' || pg_get_expr(relpartbound, oid) FROM pg_class "
                 f"WHERE relispartition AND relnamespace = {PUBLIC}",
    "column type": "SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, "
                   "a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END "
                   "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                   f"WHERE c.relnamespace = {PUBLIC} AND c.relkind IN ('r', 'p') "
                   "AND a.attnum > 0 AND NOT a.attisdropped",
    "column default": "SELECT c.relname || '.' || a.attname || ' ' || pg_get_expr(d.adbin, "
                      "d.adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid "
                      "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
                      f"WHERE c.relnamespace = {PUBLIC}",
    "constraint": "SELECT conrelid::regclass::text || ' ' || conname || ' ' || "
                  "pg_get_constraintdef(oid) FROM pg_constraint "
                  f"WHERE connamespace = {PUBLIC} AND contype IN ('p', 'u', 'f', 'c', 'x')",
    "index (of a constraint)": "SELECT indexname FROM pg_indexes i WHERE schemaname = 'public' "
                               "AND EXISTS (SELECT 1 FROM pg_constraint k "
                               "WHERE k.conindid = (quote_ident(i.indexname))::regclass)",
    "index (ordinary)": "SELECT indexname || ' ' || regexp_replace(indexdef, '^.* USING ', '') "
                        "FROM pg_indexes i WHERE schemaname = 'public' "
                        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                        "WHERE k.conindid = (quote_ident(i.indexname))::regclass)",
    "view": "SELECT viewname FROM pg_views WHERE schemaname = 'public'",
    "materialized view": "SELECT matviewname || CASE WHEN ispopulated THEN '' "
                         "ELSE ' (not populated)' END FROM pg_matviews WHERE schemaname = 'public'",
    "function": "SELECT p.oid::regprocedure::text FROM pg_proc p "
                f"WHERE pronamespace = {PUBLIC} AND prokind IN ('f', 'p')" + NOT_EXTENSIONS,
    "aggregate": "SELECT p.oid::regprocedure::text FROM pg_proc p "
                 f"WHERE pronamespace = {PUBLIC} AND prokind = 'a'" + NOT_EXTENSIONS,
    "trigger": "SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger "
               "WHERE NOT tgisinternal",
    "policy": "SELECT tablename || '.' || policyname FROM pg_policies WHERE schemaname = 'public'",
    "comment": "SELECT c.relname || '.' || d.objsubid FROM pg_description d "
               "JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass "
               f"WHERE c.relnamespace = {PUBLIC}",
}


def catalog(url: str) -> dict[str, set[str]]:
    """Each kind's objects in the database at ``url``."""
    from conftest import run_sql

    return {kind: {str(row[0]) for row in run_sql(url, sql)} for kind, sql in NAMES.items()}


def load_sql_file(url: str, text: str) -> None:
    """Run a schema file such as pg_dump writes it, through psycopg (no psql needed): psql's
    meta-commands (lines starting with a backslash: ``\\connect``, ``\\restrict``…) are
    dropped, and so are ``ALTER … OWNER TO`` lines (as ``pg_restore --no-owner``: the roles
    that owned the dump's objects need not exist here). ``SET`` and ``set_config`` lines run as
    they are (they last for this one session)."""
    from conftest import run_sql

    kept = [line for line in text.splitlines()
            if not line.startswith("\\") and not OWNER_TO.match(line)]
    run_sql(url, "\n".join(kept))


OWNER_TO = re.compile(r"^ALTER \w+( \w+)? .+ OWNER TO .+;$")


def timed_object_creation() -> list[float]:
    """Wrap the writer's per-object step so its time is summed (the benchmark's own hook):
    ``[all objects, those created after the load]`` (before it: extensions, domains, types)."""
    from dbsynth.writer import load

    spent: list[float] = [0.0, 0.0]
    original = load.create_object

    def create_object(session: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(session, statement, *args, **kwargs)
        finally:
            took = time.perf_counter() - started
            spent[0] += took
            if statement.obj.after_load:
                spent[1] += took

    load.create_object = create_object  # type: ignore[assignment]
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server to use (default: a throwaway one)")
    parser.add_argument("--scale", type=float, nargs="*", default=[1.0, 10.0])
    parser.add_argument("--schema-sql", type=Path,
                        help="a schema file (pg_dump's plain output) to copy instead of the zoo")
    parser.add_argument("--fill-sql", type=Path, help="rows for --schema-sql's tables")
    parser.add_argument("--app-sql", type=Path,
                        help="the application's statements, run on each copy (first row shown)")
    parser.add_argument("--replace-too", action="store_true",
                        help="copy again into each target with replace, and compare again")
    parser.add_argument("--json", type=Path, help="write the results there too")
    args = parser.parse_args()
    for path in (args.schema_sql, args.fill_sql, args.app_sql):
        if path is not None and not path.is_file():
            parser.error(f"no such file: {path}")
    if args.fill_sql and not args.schema_sql:
        parser.error("--fill-sql needs --schema-sql")

    import dbsynth
    from conftest import run_sql
    from dbsynth.errors import DbsynthError
    from dbsynth.pipeline import KeyOptions

    cluster, stop = corpus.start_postgres(args.pg)
    results: list[dict[str, Any]] = []
    try:
        source = build_source(cluster, "objects_source", args.schema_sql, args.fill_sql)
        before = catalog(source)
        # the application on the source too (built again: the statements write)
        on_source = application(build_source(cluster, "objects_app", args.schema_sql,
                                             args.fill_sql), args.app_sql) if args.app_sql else []
        spent = timed_object_creation()
        for scale in args.scale:
            _, target = cluster.create_database(f"objects_copy_{int(scale * 100)}")
            spent[0] = spent[1] = 0.0
            started = time.perf_counter()
            try:
                result = dbsynth.synth(source, target, scale=scale, seed=1,
                                       keys=KeyOptions(infer=False))
                failed = None
            except DbsynthError as exc:  # the copy failing is a finding too
                result, failed = None, f"{type(exc).__name__}: {exc}"
            total = time.perf_counter() - started
            after = catalog(target)
            results.append({
                "scale": scale, "failed": failed,
                "rows": sum(result.rows.values()) if result else 0,
                "integrity_ok": result.integrity.ok if result else False,
                "objects": {k: {"source": len(before[k]), "target": len(after[k]),
                                "missing": sorted(before[k] - after[k]),
                                "extra": sorted(after[k] - before[k])} for k in NAMES},
                "objects_not_created": result.objects.get("not_created", []) if result else [],
                "seconds_total": round(total, 3),
                "seconds_generate_load": round(
                    result.seconds.get("generate+load", 0.0) if result else 0.0, 3),
                "seconds_objects": round(spent[0], 3),
                "seconds_objects_after_load": round(spent[1], 3),
                "application": application(target, args.app_sql) if args.app_sql else [],
                "application_source": on_source,
            })
            if args.replace_too and result is not None:
                try:
                    again_ok, again_failed = dbsynth.synth(
                        source, target, scale=scale, seed=2, replace=True,
                        keys=KeyOptions(infer=False)).integrity.ok, None
                except DbsynthError as exc:
                    again_ok, again_failed = False, f"{type(exc).__name__}: {exc}"
                replaced = catalog(target)
                results[-1]["replace"] = {
                    "integrity_ok": again_ok, "failed": again_failed,
                    "differing_kinds": {k: {"missing": sorted(before[k] - replaced[k]),
                                            "extra": sorted(replaced[k] - before[k])}
                                        for k in NAMES if before[k] != replaced[k]}}
            report(results[-1])
    finally:
        stop()
    text = json.dumps(results, indent=2)
    if args.json:
        args.json.write_text(text)
    print(text)


def build_source(cluster: Any, name: str, schema_sql: Path | None, fill_sql: Path | None) -> str:
    """A new database holding the zoo, or ``schema_sql`` filled by ``fill_sql``."""
    from conftest import run_sql

    _, url = cluster.create_database(name)
    if schema_sql is None:
        run_sql(url, ZOO.read_text())
        return url
    load_sql_file(url, schema_sql.read_text())
    if fill_sql is not None:
        run_sql(url, fill_sql.read_text())
    return url


def application(url: str, path: Path) -> list[dict[str, str]]:
    """Each statement of ``path`` (ending with ``;`` at a line's end) run on ``url``: its
    first row, or the engine's error (one line)."""
    from conftest import run_sql

    text = "\n".join(line for line in path.read_text().splitlines()
                     if not line.lstrip().startswith("--"))
    out = []
    for statement in (s.strip() for s in re.split(r";\s*\n", text)):
        if not statement:
            continue
        try:
            rows = run_sql(url, statement)
            outcome = repr(rows[0]) if rows else "(no rows)"
        except Exception as exc:  # the engine's refusal is the finding
            outcome = "ERROR " + str(exc).splitlines()[0]
        out.append({"sql": " ".join(statement.split())[:90], "outcome": outcome})
    return out


def report(row: dict[str, Any]) -> None:
    """Per kind: source and target counts, and what differs (to stderr)."""
    if row["failed"]:
        print(f"scale {row['scale']:g}: the copy FAILED: {row['failed']}", file=sys.stderr)
    print(f"scale {row['scale']:g}: {row['rows']} rows, integrity "
          f"{'ok' if row['integrity_ok'] else 'FAILED'}, total {row['seconds_total']} s, "
          f"objects {row['seconds_objects']} s (after the load "
          f"{row['seconds_objects_after_load']} s) of generate+load "
          f"{row['seconds_generate_load']} s", file=sys.stderr)
    for kind, pair in row["objects"].items():
        print(f"  {kind:24} source {pair['source']:3}  target {pair['target']:3}",
              file=sys.stderr)
        for side in ("missing", "extra"):
            for name in pair[side][:8]:
                print(f"      {side}: {name[:150]}", file=sys.stderr)
            if len(pair[side]) > 8:
                print(f"      … {len(pair[side]) - 8} more {side}", file=sys.stderr)
    for item in row["objects_not_created"]:
        print(f"  not created: {item}", file=sys.stderr)
    if "replace" in row:
        replaced = row["replace"]
        if replaced["failed"]:
            print(f"  the replace FAILED: {replaced['failed'][:300]}", file=sys.stderr)
        else:
            print(f"  after a replace: integrity {replaced['integrity_ok']}, kinds differing: "
                  f"{replaced['differing_kinds'] or 'none'}", file=sys.stderr)
    for item, source in zip(row["application"], row["application_source"]):
        print(f"  app: {item['sql']}\n       -> {item['outcome'][:150]}"
              + ("" if item["outcome"] == source["outcome"] else
                 f"\n       (source: {source['outcome'][:150]})"), file=sys.stderr)


if __name__ == "__main__":
    main()
