"""Schema objects on a PostgreSQL → PostgreSQL copy: per kind in the source and the target,
and the time creating them adds to the write.

Run:
    python benchmarks/objects_copy.py [--pg URL] [--scale 1 10]

The source is the objects zoo of the test suite (``tests/contract/schema/objects_postgres.sql``:
an extension, a domain with its CHECK, sequences, indexes of each kind, views on views calling
a SQL function, a materialized view, a trigger function and trigger, an aggregate, row-level
security policies, comments), since no public sample database with views, functions and
triggers (Pagila, dvdrental) can be fetched offline here. For each scale it runs
``dbsynth.synth`` into a new database of a throwaway server, counts each kind of object in
both catalogs, and times the object statements (views, functions, triggers, indexes… run
after the load) against the whole write.
"""

from __future__ import annotations

import argparse
import json
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

#: objects per kind, as the catalog lists them (schema public; PRIMARY KEY indexes aside)
COUNTS = {
    "extension": "SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql'",
    "domain": "SELECT count(*) FROM pg_type WHERE typtype = 'd' "
              "AND typnamespace = 'public'::regnamespace",
    "sequence": "SELECT count(*) FROM pg_sequences WHERE schemaname = 'public'",
    "index": "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' "
             "AND indexname NOT LIKE '%_pkey'",
    "view": "SELECT count(*) FROM pg_views WHERE schemaname = 'public'",
    "materialized view": "SELECT count(*) FROM pg_matviews WHERE schemaname = 'public'",
    "function": "SELECT count(*) FROM pg_proc p WHERE pronamespace = 'public'::regnamespace "
                "AND prokind = 'f'" + NOT_EXTENSIONS,
    "aggregate": "SELECT count(*) FROM pg_proc p WHERE pronamespace = 'public'::regnamespace "
                 "AND prokind = 'a'" + NOT_EXTENSIONS,
    "trigger": "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal",
    "policy": "SELECT count(*) FROM pg_policies WHERE schemaname = 'public'",
    "comment": "SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
               "AND d.classoid = 'pg_class'::regclass "
               "WHERE c.relnamespace = 'public'::regnamespace",
    "constraint": "SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
}


def counts(url: str) -> dict[str, int]:
    from conftest import run_sql

    return {kind: int(run_sql(url, sql)[0][0]) for kind, sql in COUNTS.items()}


def timed_object_creation() -> list[float]:
    """Wrap the writer's per-object step so its time is summed (the benchmark's own hook)."""
    from dbsynth.writer import load

    spent: list[float] = [0.0]
    original = load.create_object

    def create_object(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    load.create_object = create_object  # type: ignore[assignment]
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL server to use (default: a throwaway one)")
    parser.add_argument("--scale", type=float, nargs="*", default=[1.0, 10.0])
    args = parser.parse_args()

    import dbsynth
    from conftest import run_sql
    from dbsynth.pipeline import KeyOptions

    cluster, stop = corpus.start_postgres(args.pg)
    results: list[dict[str, Any]] = []
    try:
        _, source = cluster.create_database("objects_zoo")
        run_sql(source, ZOO.read_text())
        before = counts(source)
        spent = timed_object_creation()
        for scale in args.scale:
            _, target = cluster.create_database(f"objects_copy_{int(scale * 100)}")
            spent[0] = 0.0
            started = time.perf_counter()
            result = dbsynth.synth(source, target, scale=scale, seed=1,
                                   keys=KeyOptions(infer=False))
            total = time.perf_counter() - started
            after = counts(target)
            results.append({
                "scale": scale, "rows": sum(result.rows.values()),
                "integrity_ok": result.integrity.ok,
                "objects": {k: {"source": before[k], "target": after[k]} for k in COUNTS},
                "objects_not_created": result.objects.get("not_created", []),
                "seconds_total": round(total, 3),
                "seconds_generate_load": round(result.seconds.get("generate+load", 0.0), 3),
                "seconds_objects": round(spent[0], 3),
            })
            row = results[-1]
            print(f"scale {scale:g}: {row['rows']} rows, total {row['seconds_total']} s, "
                  f"objects {row['seconds_objects']} s of generate+load "
                  f"{row['seconds_generate_load']} s", file=sys.stderr)
            for kind, pair in row["objects"].items():
                print(f"  {kind:18} source {pair['source']:3}  target {pair['target']:3}",
                      file=sys.stderr)
    finally:
        stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
