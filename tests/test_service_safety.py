"""Safe to point at production: connection roles (403 before any work), read-only sources,
secrets that never show (a corpus of malformed URLs through the CLI and the service),
bounded requests (401/413 before the body is read, short 422s) and job status at each
stage of a cancel."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from conftest import run_sql
from test_service import (ROOT, TOKEN, LiveService, duck, finished, free_port, wait_for,
                          writable, write_config)

SECRET = "S3cr3tPw-77"
CORPUS = [
    f"postgresql:/user:{SECRET}@127.0.0.1/db",
    f"user:{SECRET}@127.0.0.1/db",
    f"postgresql:user:{SECRET}@127.0.0.1/db",
    f"host=127.0.0.1 password={SECRET} dbname=y",
    f"host=127.0.0.1 password='{SECRET} quoted' dbname=y",
    f"postgresql://u@127.0.0.1:1/db?password={SECRET}",
    f"postgresql://u:{SECRET}@127.0.0.1:notaport/db",
    f"postgresql://u:{SECRET}@127.0.0.1:1/db",
    f"mysql://u:{SECRET}@127.0.0.1:1/db",  # a supported engine now: unreachable, masked
    f"oracle://u:{SECRET}@127.0.0.1/db",  # an unsupported scheme: refused at start-up
    f"postgresql://u:{SECRET}@@127.0.0.1:1/db",
]


def test_mask_secrets_on_the_corpus():
    from dbsynth.connectors.registry import mask_secrets, mask_url, url_secrets
    from dbsynth.service.config import ServiceConfig

    for url in CORPUS:
        assert SECRET not in mask_url(url), url
        assert SECRET not in mask_secrets(f"error: cannot use {url!r}: bad"), url
        assert any(SECRET in s for s in url_secrets(url)), url
    config = ServiceConfig({}, None, f"sqlite:///x.db?password={SECRET}", Path("."), 1, None)
    assert SECRET not in config.scrub(f"driver said {SECRET} and {CORPUS[0]}")
    for odd in ("pa(ss", "pa,ss", "pa ss", "pa<s>s", "p@ss"):  # characters that split words
        for shape in ("postgresql:/user:{}99@h/db", "user:{}99@h/db", "postgres//user:{}99@h/db",
                      "postgresql://u:{}99@h:1/db"):
            url = shape.format(odd)
            assert f"{odd}99" not in mask_secrets(f"error: not a database URL: {url!r}"), url
    for dsn in ("host=h password=ab;cd99 dbname=x", "host=h password=ab'cd99"):
        assert "cd99" not in mask_secrets(dsn), dsn
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert mask_url("duckdb:///a/b.duckdb") == "duckdb:///a/b.duckdb"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], cwd=cwd,
                          capture_output=True, timeout=120)


def test_no_password_in_any_output_or_file(tmp_path, demo_source):
    """Every malformed URL through inspect, synth, --json and serve (connection URLs,
    catalog_url, DBSYNTH_CONNECTION_X), then HTTP with a ?token= query: grep everything."""
    outputs: list[bytes] = []
    for url in CORPUS:
        for args in (["inspect", url, "--json"], ["synth", duck(demo_source), url]):
            done = run_cli(*args, cwd=tmp_path)
            assert done.returncode != 0, args
            assert b"Traceback" not in done.stderr
            outputs += [done.stdout, done.stderr]
    for url in [u for u in CORPUS if "127.0.0.1:1/" not in u]:  # these fail at start-up
        config = write_config(tmp_path / "bad", {"x": url})
        outputs.append(run_cli("serve", "--config", str(config), "--port", str(free_port()), cwd=tmp_path).stderr)
        config = write_config(tmp_path / "badcat", {"x": duck(demo_source)}, catalog_url=url)
        outputs.append(run_cli("serve", "--config", str(config), "--port", str(free_port()), cwd=tmp_path).stderr)
        env = {"DBSYNTH_CONNECTION_X": url, "DBSYNTH_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-m", "dbsynth.cli", "serve", "--port", str(free_port())],
                              cwd=tmp_path, capture_output=True, timeout=60, env=env)
        assert done.returncode != 0
        outputs.append(done.stderr)
    # A running service with secrets in its config: responses and its log.
    folder = tmp_path / "live"
    config = write_config(folder, {"demo": duck(demo_source) + f"?password={SECRET}",
                                   "t": writable(duck(folder / "t.duckdb"))})
    service = LiveService(config, folder / "service.log").start()
    try:
        with service.client() as api:
            outputs.append(httpx.get(service.base + f"/v1/jobs?token={TOKEN}&password={SECRET}").content)
            outputs.append(api.get("/v1/connections/nosuch/inspect").content)
            outputs.append(api.get("/v1/connections/demo/inspect").content)
            job = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "t",
                                              "scale": 0.1}).json()
            outputs.append(str(wait_for(api, job["id"], finished)).encode())
            outputs.append(api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "t",
                                                      "url": f"postgresql://u:{SECRET}@h/d"}).content)
    finally:
        service.stop()
    log = (folder / "service.log").read_bytes()
    assert b"GET /v1/jobs HTTP" in log and TOKEN.encode() not in log  # the query string is dropped
    assert SECRET.encode() not in log
    for blob in outputs:
        assert SECRET.encode() not in blob, blob[:500]
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix not in (".yaml",):  # the config files hold it, of course
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory) -> Path:
    from dbsynth.demo import build_demo_source

    path = tmp_path_factory.mktemp("demo") / "hospital.duckdb"
    build_demo_source(path)
    return path


def test_roles_refuse_writes_before_any_work(tmp_path, demo_source, chinook_pg_url):
    """403 with one line, and no job: writing into a source-role connection, replacing
    without allow_replace, refreshing without it, writing into the source under another name
    (localhost and 127.0.0.1 are one server)."""
    other_host = chinook_pg_url.replace("127.0.0.1", "localhost") if "127.0.0.1" in chinook_pg_url \
        else chinook_pg_url.replace("localhost", "127.0.0.1")
    config = write_config(tmp_path, {"demo": duck(demo_source), "pg": chinook_pg_url,
                                     "pg_again": writable(other_host, allow_replace=True),
                                     "t": writable(duck(tmp_path / "t.duckdb")),
                                     "demo_again": writable(duck(demo_source))})
    service = LiveService(config, tmp_path / "service.log").start()
    try:
        with service.client() as api:
            for body, says in [
                ({"kind": "synth", "source": "pg", "target": "demo"}, "role source"),
                ({"kind": "synth", "source": "demo", "target": "t", "replace": True}, "allow_replace"),
                ({"kind": "refresh", "source": "demo", "target": "t"}, "allow_replace"),
                ({"kind": "synth", "source": "demo", "target": "demo_again"}, "same database"),
                ({"kind": "synth", "source": "pg", "target": "pg_again"}, "same database"),
            ]:
                response = api.post("/v1/jobs", json=body)
                assert response.status_code == 403, (body, response.text)
                assert says in response.json()["detail"] and "\n" not in response.json()["detail"]
            assert api.get("/v1/jobs").json() == []  # nothing was queued
            dry = api.post("/v1/jobs", json={"kind": "refresh", "source": "demo", "target": "t", "dry_run": True})
            assert dry.status_code == 202
    finally:
        service.stop()
    assert run_sql(duck(demo_source), "SELECT count(*) FROM patients")[0][0] > 0


def test_postgres_sources_are_read_in_read_only_transactions(chinook_pg_url):
    from dbsynth.connectors.registry import connect
    from dbsynth.errors import SchemaError

    source = connect(chinook_pg_url, role="source")
    try:
        with pytest.raises(SchemaError, match="read-only transaction"):
            source.query("CREATE TABLE should_not_exist (id integer)")
        with pytest.raises(SchemaError, match="read-only transaction"):
            source.query("DELETE FROM invoice_line")
    finally:
        source.close()
    assert run_sql(chinook_pg_url, "SELECT count(*) FROM invoice_line")[0][0] > 0


@pytest.fixture(scope="module")
def small_service(demo_source, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bounded")
    config = write_config(folder, {"demo": duck(demo_source),
                                   "t": writable(duck(folder / "t.duckdb"), allow_replace=True),
                                   "q": writable(duck(folder / "q.duckdb"))}, concurrency=1)
    service = LiveService(config, folder / "service.log").start()
    try:
        yield service, folder
    finally:
        service.stop()


def raw_post(port: int, headers: str, declared: int, send: bytes) -> tuple[bytes, float]:
    """Declare a ``declared``-byte body, send only ``send`` of it, and read the answer."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {declared}\r\n{headers}\r\n".encode() + send)
        answer = sock.recv(4096)
    return answer, time.monotonic() - started


def test_token_and_size_are_checked_before_the_body_is_read(small_service):
    service, _ = small_service
    hundred_mb = 100 * 1024 * 1024
    answer, seconds = raw_post(service.port, "", hundred_mb, b"{" * 1000)
    assert answer.startswith(b"HTTP/1.1 401") and seconds < 5
    answer, seconds = raw_post(service.port, f"Authorization: Bearer {TOKEN}\r\n", hundred_mb, b"{" * 1000)
    assert answer.startswith(b"HTTP/1.1 413") and seconds < 5
    with service.client() as api:
        big = b'{"kind": "synth", "source": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        assert api.post("/v1/jobs", content=big, headers={"Content-Type": "application/json"}).status_code == 413

        def chunks():  # no Content-Length: counted while it arrives
            for _ in range(40):
                yield b" " * 65536
        assert api.post("/v1/jobs", content=chunks(), headers={"Content-Type": "application/json"}).status_code == 413


@pytest.mark.parametrize("body", [
    b'{"kind": "synth", "source": "demo", "target": "t", "scale": 1e309}',
    b'{"kind": "synth", "source": "demo", "target": "t", "scale": NaN}',
    b'{"kind": "synth", "source": "demo", "target": "t", "seed": -Infinity}',
    b'{"kind": "synth", "source": "demo", "target": "t", "sample_rows": 1e400}',
    b'{"kind": "refresh", "source": "demo", "target": "t", "include": [NaN, 1e999]}',
    b'{"kind": "synth", "source": "' + b"y" * 500_000 + b'", "target": "t"}',
    b'{"kind": "synth", "source": "demo", "target": "t", "' + b"k" * 300_000 + b'": 1}',
    b'[' * 100_000 + b']' * 100_000,
    b'{"kind": "synth", "seed": ' + b"9" * 5000 + b'}',
])
def test_every_bad_body_is_a_short_4xx(small_service, body):
    service, _ = small_service
    with service.client() as api:
        response = api.post("/v1/jobs", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text[:300]
    assert len(response.content) < 4000


def test_cancel_at_each_stage(small_service):
    """queued → cancelled; running (load) → cancelled, nothing written; report (the target
    committed) → 409 "already written" and the job ends succeeded with its rows."""
    service, folder = small_service
    with service.client() as api:
        first = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "t", "scale": 10,
                                           "replace": True}).json()
        queued = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "q"}).json()
        assert api.get(f"/v1/jobs/{queued['id']}").json()["status"] == "queued"
        cancelled = api.post(f"/v1/jobs/{queued['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert api.post(f"/v1/jobs/{queued['id']}/cancel").status_code == 409

        loading = wait_for(api, first["id"], lambda j: finished(j) or j["progress"].get("stage") == "load")
        assert loading["status"] == "running", loading
        response = api.post(f"/v1/jobs/{first['id']}/cancel")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert wait_for(api, first["id"], finished)["status"] == "cancelled"
        assert not (folder / "t.duckdb").exists() or run_sql(
            duck(folder / "t.duckdb"), "SELECT count(*) FROM information_schema.tables") == [(0,)]

        reported = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "t",
                                              "report": True, "replace": True, "scale": 0.2,
                                              "sample_rows": 2000}).json()
        in_report = wait_for(api, reported["id"], lambda j: finished(j) or j["progress"].get("stage") == "report")
        assert in_report["status"] == "running" and in_report["committed_at"], in_report
        refused = api.post(f"/v1/jobs/{reported['id']}/cancel")
        assert refused.status_code == 409 and "already written" in refused.json()["detail"]
        done = wait_for(api, reported["id"], finished, timeout=300)  # the report runs on
        assert done["status"] == "succeeded", done
        rows = run_sql(duck(folder / "t.duckdb"), "SELECT count(*) FROM patients")[0][0]
        assert rows == done["result"]["rows"]["patients"] > 0


def test_commit_claim_and_cancel_decide_one_winner(tmp_path):
    """The committing stage, without timing luck: whichever of the worker's claim and the
    cancel comes first wins, the other is refused."""
    from dbsynth.service.catalog import Catalog

    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        catalog.upgrade()
        claimed = catalog.add_job("synth", {})
        catalog.transition(claimed.id, ["queued"], "running")
        assert catalog.claim_commit(claimed.id, {"stage": "commit"})
        assert not catalog.cancel(claimed.id)
        assert catalog.get_job(claimed.id).status == "running"
        assert catalog.get_job(claimed.id).committed_at is not None

        cancelled = catalog.add_job("synth", {})
        catalog.transition(cancelled.id, ["queued"], "running")
        assert catalog.cancel(cancelled.id)
        assert not catalog.claim_commit(cancelled.id, {"stage": "commit"})
        assert catalog.get_job(cancelled.id).status == "cancelled"
    finally:
        catalog.close()


def test_config_roles_and_settings_are_validated(tmp_path):
    from dbsynth.errors import UsageError
    from dbsynth.service.config import load_config

    env = {"DBSYNTH_CONNECTION_T": "duckdb:///t.duckdb", "DBSYNTH_CONNECTION_T_ROLE": "target",
           "DBSYNTH_CONNECTION_T_ALLOW_REPLACE": "true", "DBSYNTH_CONNECTION_S": "duckdb:///s.duckdb"}
    config = load_config(None, env)
    assert (config.connections["t"].role, config.connections["t"].allow_replace) == ("target", True)
    assert (config.connections["s"].role, config.connections["s"].allow_replace) == ("source", False)
    assert config.max_body_bytes == 1024 * 1024 and config.openapi_requires_token is True
    for entry, message in [({"url": "duckdb:///x", "role": "writer"}, "role must be source or target"),
                           ({"url": "duckdb:///x", "allow_replace": True}, "allow_replace needs role: target"),
                           ({"url": "duckdb:///x", "rol": "target"}, "unknown key 'rol'")]:
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump({"connections": {"x": entry}, "token": "t"}))
        with pytest.raises(UsageError, match=message):
            load_config(path, {})
    with pytest.raises(UsageError, match="max_body_bytes"):
        path.write_text(yaml.safe_dump({"max_body_bytes": 1e309}))
        load_config(path, {})
