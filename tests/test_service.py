"""The HTTP service, end to end: the real `dbsynth serve` (uvicorn) in a subprocess, driven
with httpx; jobs run in real worker processes against real PostgreSQL and DuckDB.

Also the catalog (Alembic migrations on SQLite and PostgreSQL): created on first start,
refused when behind (until `dbsynth db upgrade`) or ahead, and the config's environment overrides.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conftest import run_sql

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token-4f1c"
PASSWORD = "hunter2-secret"  # in a connection URL; must never show up in responses or logs
RESTART_MESSAGE = "interrupted by a service restart"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_password(url: str) -> str:
    """The fixture server trusts every login, so a password in the URL is accepted and ignored."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{PASSWORD}@{host}"


def duck(path: Path) -> str:
    return "duckdb:///" + str(path.resolve())


def writable(url: str, allow_replace: bool = False) -> dict[str, Any]:
    """A connection jobs may write into (a bare URL is a read-only source)."""
    return {"url": url, "role": "target", "allow_replace": allow_replace}


def write_config(folder: Path, connections: dict[str, str | dict[str, Any]], **extra: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {"connections": {n: u if isinstance(u, dict) else {"url": u} for n, u in connections.items()},
              "token": TOKEN,
              "data_dir": str(folder / "data"), **extra}
    path = folder / "service.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


class LiveService:
    """`python -m dbsynth.cli serve` on a free loopback port, its output in a log file."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> LiveService:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dbsynth.cli", "serve", "--config", str(self.config),
                 "--port", str(self.port)],  # a new catalog is created on first start
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"service exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.base + "/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"service did not answer in {timeout}s:\n{self.log.read_text()}")

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill_hard(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


def wait_for(client: httpx.Client, job_id: str, until: Any, timeout: float = 120) -> dict[str, Any]:
    """Poll the job until ``until(job)`` holds; fail with the job's state on timeout."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job did not reach the expected state in {timeout}s: {job}")


def finished(job: dict[str, Any]) -> bool:
    return job["status"] in ("succeeded", "failed", "cancelled")


def wait_until(condition: Any, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory) -> Path:
    from dbsynth.demo import build_demo_source

    path = tmp_path_factory.mktemp("demo") / "hospital.duckdb"
    build_demo_source(path)
    return path


@pytest.fixture(scope="module")
def served(chinook_pg_url, demo_source, tmp_path_factory):
    """One service for the module: connections to Chinook (PostgreSQL, with a password in its
    URL), the demo (DuckDB) and DuckDB targets."""
    folder = tmp_path_factory.mktemp("service")
    cancel_target = folder / "cancel_target.duckdb"
    run_sql(duck(cancel_target), "CREATE TABLE keep_me (id INTEGER, note VARCHAR); "
                                 "INSERT INTO keep_me VALUES (1, 'mine')")
    targets = {name: folder / f"{name}.duckdb" for name in ("staging", "generated")}
    config = write_config(folder, {"chinook": with_password(chinook_pg_url), "demo": duck(demo_source),
                                   "cancel_target": writable(duck(cancel_target)),
                                   **{n: writable(duck(p)) for n, p in targets.items()}})
    service = LiveService(config, folder / "service.log").start()
    try:
        yield service, folder, targets | {"cancel_target": cancel_target}
    finally:
        service.stop()


@pytest.fixture(scope="module")
def api(served) -> httpx.Client:
    with served[0].client() as client:
        yield client


# --------------------------------------------------------------------------------------------
# auth, 404, 422
# --------------------------------------------------------------------------------------------

def test_health_needs_no_token_everything_else_does(served):
    service = served[0]
    assert httpx.get(service.base + "/v1/health").json()["status"] == "ok"
    for token in (None, "wrong-token", TOKEN + "x", TOKEN[:-1]):
        with service.client(token) as client:
            for path in ("/v1/connections", "/v1/jobs", "/v1/models", "/v1/connections/chinook/inspect"):
                response = client.get(path)
                assert response.status_code == 401, (token, path, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
    for header in (f"Basic {TOKEN}".encode(), "Bearer ünïcode".encode("latin-1"), b"Bearer"):
        assert httpx.get(service.base + "/v1/jobs", headers={"Authorization": header}).status_code == 401
    assert httpx.post(service.base + "/v1/jobs", json={"kind": "synth", "source": "demo",
                                                       "target": "staging"}).status_code == 401
    with service.client() as client:
        assert client.get("/v1/jobs").status_code == 200
    assert httpx.get(service.base + "/v1/openapi.json").status_code == 401  # openapi_requires_token
    with service.client() as client:
        assert client.get("/v1/openapi.json").json()["paths"]["/v1/jobs"]
        assert client.get("/v1/docs").status_code == 404  # no page loading scripts from a CDN
    # A token in the query string is not a token.
    assert httpx.get(service.base + "/v1/jobs", params={"token": TOKEN}).status_code == 401


def test_connections_list_names_and_dialects_only(api):
    response = api.get("/v1/connections")
    assert response.status_code == 200
    listed = {c["name"]: c for c in response.json()}
    assert listed["chinook"] == {"name": "chinook", "dialect": "postgres"}
    assert listed["demo"] == {"name": "demo", "dialect": "duckdb"}
    assert "://" not in response.text and PASSWORD not in response.text


def test_inspect_a_connection_with_the_url_masked(api):
    response = api.get("/v1/connections/chinook/inspect")
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["connection"] == "chinook"
    assert {t["name"] for t in found["schema"]["tables"]} >= {"invoice", "invoice_line", "track"}
    assert found["plan"]["order"].index("invoice") < found["plan"]["order"].index("invoice_line")
    assert PASSWORD not in response.text and "***" in found["url"]


def test_unknown_names_and_ids_are_404(api):
    missing = str(uuid.uuid4())
    assert api.get("/v1/connections/nope/inspect").status_code == 404
    for path in (f"/v1/jobs/{missing}", f"/v1/jobs/{missing}/report", "/v1/jobs/not-a-uuid",
                 f"/v1/models/{missing}", "/v1/models/not-a-uuid"):
        assert api.get(path).status_code == 404, path
    assert api.post(f"/v1/jobs/{missing}/cancel").status_code == 404
    assert api.delete(f"/v1/models/{missing}").status_code == 404
    unknown_source = api.post("/v1/jobs", json={"kind": "synth", "source": "nope", "target": "staging"})
    assert unknown_source.status_code == 404 and "nope" in unknown_source.json()["detail"]
    unknown_model = api.post("/v1/jobs", json={"kind": "generate", "model": missing, "target": "staging"})
    assert unknown_model.status_code == 404 and missing in unknown_model.json()["detail"]
    assert api.get("/v1/jobs").json() == []  # none of these made a job


@pytest.mark.parametrize("body, field", [
    ({"kind": "synth", "source": "demo", "target": "staging", "scale": 50}, "scale"),
    ({"kind": "synth", "source": "demo", "target": "staging", "scale": 0.01}, "scale"),
    ({"kind": "synth", "source": "demo", "target": "staging", "seed": -1}, "seed"),
    ({"source": "demo", "target": "staging"}, "kind"),
    ({"kind": "clone", "source": "demo", "target": "staging"}, "kind"),
    ({"kind": "synth", "source": "demo"}, "target"),
    ({"kind": "synth", "source": "demo", "target": "staging", "url": "duckdb:///x"}, "url"),
    ({"kind": "refresh", "source": "demo", "target": "staging", "on_drift": "ignore"}, "on_drift"),
    ({"kind": "train", "source": "demo", "name": ""}, "name"),
])
def test_bad_bodies_are_422_naming_the_field(api, body, field):
    response = api.post("/v1/jobs", json=body)
    assert response.status_code == 422, response.text
    assert any(field in [str(p) for p in error["loc"]] or field in error["msg"]
               for error in response.json()["detail"]), response.text


def test_malformed_json_and_bad_query_are_422(api):
    response = api.post("/v1/jobs", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert api.get("/v1/jobs", params={"status": "sleeping"}).status_code == 422
    assert api.get("/v1/jobs", params={"limit": 0}).status_code == 422


# --------------------------------------------------------------------------------------------
# jobs
# --------------------------------------------------------------------------------------------

def test_synth_job_postgres_to_duckdb(served, api):
    _, _, targets = served
    response = api.post("/v1/jobs", json={"kind": "synth", "source": "chinook", "target": "staging",
                                          "scale": 1.0, "seed": 3})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running") and job["params"]["seed"] == 3
    seen_progress = wait_for(api, job["id"], lambda j: finished(j) or j["progress"].get("tables"))
    done = wait_for(api, job["id"], finished)
    assert done["status"] == "succeeded", done["error"]
    assert seen_progress["progress"]["tables"], "progress per table was reported while running"
    result = done["result"]
    assert result["integrity"]["ok"] is True
    assert PASSWORD not in str(done) and "***" in result["source"]
    assert set(done["progress"]["tables"]) >= {"invoice", "invoice_line", "track"}
    assert done["started_at"] >= done["created_at"] and done["finished_at"] >= done["started_at"]
    for table in ("invoice", "invoice_line", "customer"):
        written = run_sql(duck(targets["staging"]), f"SELECT count(*) FROM {table}")[0][0]
        assert written == result["rows"][table] > 0
    orphans = run_sql(duck(targets["staging"]), "SELECT count(*) FROM invoice_line l LEFT JOIN invoice i "
                                                "ON l.invoice_id = i.invoice_id WHERE i.invoice_id IS NULL")
    assert orphans == [(0,)]
    assert api.get(f"/v1/jobs/{job['id']}/report").status_code == 404  # synth without report
    assert api.post(f"/v1/jobs/{job['id']}/cancel").status_code == 409  # already finished
    listed = api.get("/v1/jobs", params={"status": "succeeded"}).json()
    assert job["id"] in [j["id"] for j in listed]

    # A second synth into the same, now full, target is refused by the pipeline: one line.
    again = api.post("/v1/jobs", json={"kind": "synth", "source": "chinook", "target": "staging"}).json()
    refused = wait_for(api, again["id"], finished)
    assert refused["status"] == "failed"
    assert "--replace" in refused["error"] and "\n" not in refused["error"]
    assert "Traceback" not in refused["error"] and PASSWORD not in refused["error"]

    # A report job judges the copy; its report is served as JSON.
    report_job = api.post("/v1/jobs", json={"kind": "report", "source": "chinook", "target": "staging",
                                            "sample_rows": 2000}).json()
    reported = wait_for(api, report_job["id"], finished)
    assert reported["status"] == "succeeded", reported["error"]
    report = api.get(f"/v1/jobs/{report_job['id']}/report")
    assert report.status_code == 200
    summary = report.json()["summary"]
    assert summary["integrity_ok"] is True and 0 < summary["overall"] <= 1
    assert reported["result"]["report_summary"] == summary


def test_cancel_kills_the_worker_and_leaves_the_target_as_it_was(served, api):
    _, _, targets = served
    job = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "cancel_target",
                                     "scale": 10}).json()
    # lab_results (215k rows at scale 10) takes seconds to load: cancel in the middle of it.
    loading = wait_for(api, job["id"], lambda j: finished(j) or j["progress"].get(
        "tables", {}).get("lab_results", {}).get("stage") == "load")
    assert loading["status"] == "running", loading
    pid = loading_pid(served, job["id"])
    response = api.post(f"/v1/jobs/{job['id']}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    time.sleep(0.5)
    after = api.get(f"/v1/jobs/{job['id']}").json()
    assert after["status"] == "cancelled" and after["result"] is None and after["finished_at"]
    if pid is not None:
        assert not pid_alive(pid)
    tables = run_sql(duck(targets["cancel_target"]),
                     "SELECT table_name FROM information_schema.tables ORDER BY 1")
    assert tables == [("keep_me",)]
    assert run_sql(duck(targets["cancel_target"]), "SELECT * FROM keep_me") == [(1, "mine")]


def loading_pid(served: Any, job_id: str) -> int | None:
    """The worker's pid, from the catalog (the API does not show pids)."""
    from dbsynth.service.catalog import Catalog

    folder = served[1]
    catalog = Catalog(f"sqlite:///{folder / 'data' / 'catalog.db'}")
    try:
        job = catalog.get_job(job_id)
        return job.pid if job else None
    finally:
        catalog.close()


def test_train_generate_list_and_delete_models(served, api):
    _, _, targets = served
    job = api.post("/v1/jobs", json={"kind": "train", "source": "chinook", "name": "chinook-v1",
                                     "seed": 1}).json()
    trained = wait_for(api, job["id"], finished)
    assert trained["status"] == "succeeded", trained["error"]
    model_id = trained["result"]["model"]["id"]
    models = api.get("/v1/models").json()
    assert [m["id"] for m in models] == [model_id]
    model = api.get(f"/v1/models/{model_id}").json()
    assert model["name"] == "chinook-v1" and model["source"] == "chinook"
    assert model["size"] > 0 and "invoice_line" in model["tables"]
    assert "path" not in model
    model_file = served[1] / "data" / "models" / f"{model_id}.dbsynth"
    assert model_file.stat().st_size == model["size"]

    generated = api.post("/v1/jobs", json={"kind": "generate", "model": model_id, "target": "generated",
                                           "scale": 0.5, "seed": 2}).json()
    done = wait_for(api, generated["id"], finished)
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["integrity"]["ok"] is True
    rows = run_sql(duck(targets["generated"]), "SELECT count(*) FROM invoice")[0][0]
    assert rows == done["result"]["rows"]["invoice"] > 0

    assert api.delete(f"/v1/models/{model_id}").status_code == 204
    assert api.get(f"/v1/models/{model_id}").status_code == 404
    assert api.delete(f"/v1/models/{model_id}").status_code == 404
    assert api.get("/v1/models").json() == []
    assert not model_file.exists()


def test_refresh_dry_run_job(tmp_path, demo_source):
    """Refresh (dry run) between two DuckDB copies of the demo: the plan, nothing written."""
    source, target = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    shutil.copy(demo_source, source)
    shutil.copy(demo_source, target)
    before = run_sql(duck(target), "SELECT count(*) FROM patients")
    config = write_config(tmp_path / "svc", {"a": duck(source), "b": writable(duck(target))}, concurrency=1)
    service = LiveService(config, tmp_path / "service.log").start()
    try:
        with service.client() as api:
            job = api.post("/v1/jobs", json={"kind": "refresh", "source": "a", "target": "b",
                                             "dry_run": True, "exclude": ["treatments"]}).json()
            done = wait_for(api, job["id"], finished)
    finally:
        service.stop()
    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["applied"] is False
    plan = done["result"]["plan"]
    assert {t["name"] for t in plan["tables"]} == {"patients", "lab_results"}
    assert run_sql(duck(target), "SELECT count(*) FROM patients") == before


def test_restart_marks_unfinished_jobs_failed(tmp_path, demo_source):
    target = tmp_path / "restart_target.duckdb"
    # One job at a time: the second job stays queued while the first runs.
    config = write_config(tmp_path / "svc", {"demo": duck(demo_source), "restart_target": writable(duck(target))},
                          concurrency=1)
    first = LiveService(config, tmp_path / "first.log").start()
    try:
        with first.client() as api:
            running = api.post("/v1/jobs", json={"kind": "synth", "source": "demo",
                                                 "target": "restart_target", "scale": 10}).json()
            queued = api.post("/v1/jobs", json={"kind": "report", "source": "demo",
                                                "target": "restart_target"}).json()
            wait_for(api, running["id"], lambda j: j["status"] == "running")
            assert api.get(f"/v1/jobs/{queued['id']}").json()["status"] == "queued"
            pid = None
            deadline = time.monotonic() + 10
            while pid is None and time.monotonic() < deadline:
                pid = loading_pid((None, tmp_path / "svc"), running["id"])
                time.sleep(0.05)
            assert pid is not None
        first.kill_hard()
        try:
            os.killpg(pid, signal.SIGKILL)  # the worker runs in its own process group
        except ProcessLookupError:
            pass  # it already noticed its service was gone and exited
        assert wait_until(lambda: not pid_alive(pid))
    finally:
        first.stop()
    second = LiveService(config, tmp_path / "second.log").start()
    try:
        with second.client() as api:
            for job_id in (running["id"], queued["id"]):
                job = api.get(f"/v1/jobs/{job_id}").json()
                assert job["status"] == "failed", job
                assert job["error"] == RESTART_MESSAGE and job["result"] is None
            fresh = api.post("/v1/jobs", json={"kind": "report", "source": "demo", "target": "demo"})
            assert fresh.status_code == 202  # the new service takes jobs again
    finally:
        second.stop()
    if target.exists():  # the killed transaction never committed
        assert run_sql(duck(target), "SELECT count(*) FROM information_schema.tables") == [(0,)]


def test_nothing_leaks_the_password_into_the_log(served, api):
    api.get("/v1/connections/chinook/inspect")
    log = (served[1] / "service.log").read_text(errors="replace")
    assert "Uvicorn running" in log
    assert PASSWORD not in log


# --------------------------------------------------------------------------------------------
# catalog, migrations, config
# --------------------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("pg_database_factory")("catalog")  # postgresql://…


def test_catalog_migrations_and_state_changes(catalog_url):
    from dbsynth.service.catalog import Catalog, CatalogError, Model, utcnow

    catalog = Catalog(catalog_url)
    try:
        assert catalog.revision() is None
        with pytest.raises(CatalogError, match="run `dbsynth db upgrade`"):
            catalog.require_head()
        assert catalog.upgrade() == "0002"
        catalog.require_head()
        assert catalog.upgrade() == "0002"  # idempotent

        job = catalog.add_job("synth", {"source": "a", "target": "b", "scale": 1.0})
        assert catalog.get_job(job.id).status == "queued"
        assert catalog.transition(job.id, ["queued"], "running")
        assert not catalog.transition(job.id, ["queued"], "running")  # only one winner
        catalog.set_progress(job.id, {"stage": "load", "tables": {"t": {"stage": "load", "rows": 5}}})
        assert catalog.get_job(job.id).progress["tables"]["t"]["rows"] == 5
        other = catalog.add_job("report", {})
        assert [j.id for j in catalog.list_jobs()] == [other.id, job.id]
        assert [j.id for j in catalog.list_jobs("running")] == [job.id]
        written = catalog.add_job("synth", {})  # died in its report, after the commit
        assert catalog.transition(written.id, ["queued"], "running")
        assert catalog.claim_commit(written.id, {"stage": "commit", "tables": {}})
        catalog.set_progress(written.id, {"stage": "report", "tables": {}})
        committing = catalog.add_job("synth", {})  # died during the commit itself
        assert catalog.transition(committing.id, ["queued"], "running")
        assert catalog.claim_commit(committing.id, {"stage": "commit", "tables": {}})
        assert catalog.fail_active("interrupted by a service restart") == 4
        assert catalog.get_job(written.id).status == "succeeded"
        assert "after its target was written" in catalog.get_job(written.id).error
        assert catalog.get_job(committing.id).status == "failed"
        assert "may hold the copy" in catalog.get_job(committing.id).error
        assert {catalog.get_job(j).status for j in (job.id, other.id)} == {"failed"}
        assert catalog.get_job(job.id).finished_at is not None

        model = Model(id=str(uuid.uuid4()), name="m", source="a", path="/x", created_at=utcnow(),
                      size=10, tables=["t"])
        catalog.add_model(model)
        assert catalog.get_model(model.id).tables == ["t"]
        assert catalog.delete_model(model.id).name == "m"
        assert catalog.get_model(model.id) is None and catalog.get_model("nope") is None
    finally:
        catalog.close()


def test_catalog_is_created_on_first_start_refused_when_behind_or_ahead(catalog_url):
    from alembic import command
    from sqlalchemy import text

    from dbsynth.service.catalog import Catalog, CatalogError, alembic_config, head_revision

    head = head_revision()
    assert head != "0001", "the behind case below needs a migration after 0001"
    behind = Catalog(catalog_url)
    try:
        with behind.engine.connect() as conn:  # a catalog an older dbsynth made
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.commit()
        with pytest.raises(CatalogError, match=rf"revision 0001, this dbsynth needs {head}: run `dbsynth db upgrade`"):
            behind.open_for_service()
        assert behind.revision() == "0001"  # refused means untouched
        assert behind.open_for_service(upgrade=True) == head
        assert behind.revision() == head
        assert behind.open_for_service() == head  # at head: used as it is

        # A newer dbsynth migrated it: refused, by serve and by db upgrade alike.
        with behind.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        for attempt in (behind.open_for_service, lambda: behind.open_for_service(upgrade=True), behind.upgrade):
            with pytest.raises(CatalogError, match="revision 0099, newer than this dbsynth knows"):
                attempt()
        with behind.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for table in ("jobs", "models"):
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        assert behind.open_for_service() == head  # nothing there: created at head
        assert behind.revision() == head
    finally:
        behind.close()


def test_serve_starts_on_a_new_catalog_and_refuses_one_from_a_newer_dbsynth(tmp_path):
    from sqlalchemy import create_engine, text

    config = write_config(tmp_path, {"x": duck(tmp_path / "x.duckdb")})
    service = LiveService(config, tmp_path / "service.log").start()  # no --upgrade, no db upgrade
    service.stop()
    catalog_file = tmp_path / "data" / "catalog.db"
    assert catalog_file.is_file()

    engine = create_engine(f"sqlite:///{catalog_file}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBSYNTH_")}
    for command in (["serve", "--config", str(config), "--port", str(free_port())],
                    ["db", "upgrade", "--config", str(config)]):
        refused = subprocess.run([sys.executable, "-m", "dbsynth.cli", *command],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr.strip().count("\n") == 0, refused.stderr
        assert "revision 0099, newer than this dbsynth knows" in refused.stderr


def test_config_environment_overrides_and_masking(tmp_path):
    from dbsynth.errors import UsageError
    from dbsynth.service.config import load_config, require_token

    path = write_config(tmp_path, {"prod": "postgresql://app:filepass@db/app"}, concurrency=3)
    env = {"DBSYNTH_TOKEN": "from-env", "DBSYNTH_CONNECTION_STAGING": "duckdb:///s.duckdb",
           "DBSYNTH_CONNECTION_PROD": "postgresql://app:envpass@db2/app",
           "DBSYNTH_CATALOG_URL": "postgresql://cat:catpass@db/catalog"}
    config = load_config(path, env)
    assert sorted(config.connections) == ["prod", "staging"]
    assert config.connections["prod"].url.endswith("@db2/app")
    assert config.connections["staging"].dialect == "duckdb"
    assert config.token == "from-env" and config.concurrency == 3
    assert config.catalog_url.startswith("postgresql://cat:")
    assert "envpass" not in repr(config) and "catpass" not in repr(config)
    assert config.scrub("failed: postgresql://app:envpass@db2/app and catpass") == \
        "failed: postgresql://app:***@db2/app and ***"

    defaults = load_config(None, {"DBSYNTH_CONNECTION_X": "duckdb:///x.duckdb"})
    assert defaults.catalog_url.endswith("dbsynth-data/catalog.db") and defaults.concurrency == 2
    with pytest.raises(UsageError, match="needs a token"):
        require_token(defaults)
    with pytest.raises(UsageError, match="connection 'bad'"):
        load_config(None, {"DBSYNTH_CONNECTION_BAD": "oracle://x@y/z"})
    broken = tmp_path / "broken.yaml"
    broken.write_text("connections: [1, 2]\ntoken: t\n")
    with pytest.raises(UsageError, match="connections must be a mapping"):
        load_config(broken, {})
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("tokne: t\n")
    with pytest.raises(UsageError, match="unknown key 'tokne'"):
        load_config(unknown, {})
