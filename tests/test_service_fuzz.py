"""Schemathesis against the live service's OpenAPI document: whatever it sends (valid, invalid,
odd bodies, ids, query strings), no endpoint answers with a server error.

The connections point at a tiny PostgreSQL database and an empty one, and one job runs at a
time, so the jobs the fuzzer manages to create stay small (they may fail: that is a job
status, not a server error).
"""

from __future__ import annotations

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from conftest import pg_conninfo
from test_service import TOKEN, LiveService, writable, write_config

TINY_SQL = """
CREATE TABLE item (id integer PRIMARY KEY, name text NOT NULL, price numeric(8, 2));
CREATE TABLE sale (id integer PRIMARY KEY, item_id integer NOT NULL REFERENCES item (id),
                   qty integer CHECK (qty > 0));
INSERT INTO item SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 30) g;
INSERT INTO sale SELECT g, 1 + g % 30, 1 + g % 4 FROM generate_series(1, 120) g;
"""


@pytest.fixture(scope="module")
def fuzzed_service(pg_cluster, tmp_path_factory):
    names = []
    try:
        tiny_name, tiny = pg_cluster.create_database("fuzz_tiny")
        names.append(tiny_name)
        with psycopg.connect(pg_conninfo(tiny)) as conn:
            conn.execute(TINY_SQL)
        scratch_name, scratch = pg_cluster.create_database("fuzz_scratch")
        names.append(scratch_name)
        folder = tmp_path_factory.mktemp("fuzz")
        config = write_config(folder, {"tiny": tiny, "scratch": writable(scratch, allow_replace=True)}, concurrency=1)
        service = LiveService(config, folder / "service.log").start()
        try:
            yield service
        finally:
            service.stop()
    finally:
        for name in names:
            pg_cluster.drop_database(name)


def test_no_endpoint_answers_with_a_server_error(fuzzed_service):
    """Each operation of the live OpenAPI document gets its own Hypothesis run.

    Driven through schemathesis's strategies rather than its pytest plugin: the plugin renames
    pytest's test nodes through private attributes, which pytest 9.2 removed.
    """
    api = schemathesis.openapi.from_url(fuzzed_service.base + "/v1/openapi.json",
                                        headers={"Authorization": f"Bearer {TOKEN}"})
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def no_server_error(case) -> None:
            send(case)

        try:
            no_server_error()
        except Exception as exc:  # the failing example, as Hypothesis reports it  # noqa: BLE001
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations >= 10, f"only {operations} operations in the OpenAPI document"
    assert not failures, "\n\n".join(failures)


def send(case) -> None:
    body = case.body
    if case.operation.path == "/v1/jobs" and isinstance(body, dict) and len(body) % 2 == 0:
        # Half of the job bodies name the real connections, so jobs are really created
        # (and run, one at a time, while the fuzzing goes on); the rest get their 404/422.
        for key, name in (("source", "tiny"), ("target", "scratch")):
            if key in body:
                body[key] = name
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])
