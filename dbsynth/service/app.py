"""The HTTP API (FastAPI), everything under ``/v1``; OpenAPI at ``/v1/openapi.json``.

Thin like the CLI: validate (pydantic), look up names in the config and the catalog, hand
jobs to the :class:`~dbsynth.service.jobs.JobRunner`, render. A bearer token guards every
endpoint but ``/v1/health``. Unknown names and ids are 404s; a :class:`DbsynthError` is a
4xx (502 when a configured database cannot be reached) with its one-line message.
Connection URLs never leave the process unmasked.

Before a route runs, :class:`Gate` checks the bearer token and the body's size without
reading the body of a request it refuses (401, 413). Every validation problem is a 422 with
at most a short excerpt of the input; no input reaches a 500. Jobs that would write into a
connection not declared ``role: target`` (or replace tables without ``allow_replace``) are
refused with 403 before anything runs. There is no docs page: it would load its script
from a public CDN (the OpenAPI document works in any local viewer).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dbsynth import pipeline
from dbsynth.connectors.registry import location_of, mask_secrets
from dbsynth.errors import ConnectionError_, DbsynthError
from dbsynth.service.api_models import (ConnectionOut, Health, JobOut, JobRequest, JobStatus,
                                        ModelOut, as_utc)
from dbsynth.service.catalog import Catalog, Job, Model
from dbsynth.service.config import Connection, ServiceConfig, require_token
from dbsynth.service.jobs import JobRunner
from dbsynth.service.worker import control_path, jsonable

FINISHED = ("succeeded", "failed", "cancelled")
WRITING_KINDS = ("synth", "generate", "refresh")
EXCERPT = 80  # characters of a client's input ever echoed in an error
MAX_PROBLEMS = 20  # validation problems listed in one 422
OPEN_PATHS = {"/v1/health"}
OPENAPI_PATH = "/v1/openapi.json"
log = logging.getLogger("dbsynth.service")
bearer = HTTPBearer(auto_error=False)  # module level: annotations are resolved from globals


def create_app(config: ServiceConfig, catalog: Catalog) -> Gate:
    """The app for ``config`` on an upgraded ``catalog``; jobs run while the app is served."""
    token = require_token(config).encode()
    runner = JobRunner(config, catalog)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runner.recover()
        runner.start()
        try:
            yield
        finally:
            runner.stop()

    app = FastAPI(title="dbsynth", version=_version(), lifespan=lifespan,
                  openapi_url=None, docs_url=None, redoc_url=None,
                  description="Synthetic copies of SQL databases, as jobs. Bearer token on every "
                              "endpoint but /v1/health.")
    def authorized(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        """Documents the scheme in OpenAPI; :class:`Gate` has already checked the token."""
        given = credentials.credentials.encode() if credentials is not None else b""
        if not given or not secrets.compare_digest(given, token):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(DbsynthError)
    async def dbsynth_error(_: Request, exc: DbsynthError) -> JSONResponse:
        status = 502 if isinstance(exc, ConnectionError_) else 400
        return JSONResponse({"detail": config.scrub(exc.message)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's own 422 echoes the whole input (and fails on NaN/inf in it): list the
        problems with a short, masked excerpt instead."""
        problems = [_problem(error) for error in list(exc.errors())[:MAX_PROBLEMS]]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        """Last line of defence: one masked log line, no traceback to the client."""
        log.error("internal error: %s", config.scrub(f"{type(exc).__name__}: {_first_line(exc)}"))
        return JSONResponse({"detail": "internal error"}, status_code=500)

    openapi_dependencies = [Depends(authorized)] if config.openapi_requires_token else []

    @app.get(OPENAPI_PATH, include_in_schema=False, dependencies=openapi_dependencies)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/v1/health", tags=["service"])
    def health() -> Health:
        """Liveness, without a token."""
        return Health(status="ok", version=_version())

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(authorized)],
                   responses={401: {"description": "Missing or wrong bearer token"}})

    def connection(name: str) -> Connection:
        found = config.connections.get(name)
        if found is None:
            raise HTTPException(404, f"unknown connection {_excerpt(name)!r}")
        return found

    def job_or_404(job_id: str) -> Job:
        job = catalog.get_job(job_id)
        if job is None:
            raise HTTPException(404, f"unknown job {_excerpt(job_id)!r}")
        return job

    def refuse_unsafe_job(kind: str, params: dict[str, Any]) -> None:
        """403, before anything runs, for a job that would write where it may not."""
        if kind not in WRITING_KINDS:
            return
        target = connection(params["target"])
        if target.role != "target":
            raise HTTPException(403, f"connection {target.name!r} has role {target.role}: jobs only "
                                     "read it (declare role: target to let jobs write into it)")
        replaces = bool(params.get("replace")) or (kind == "refresh" and not params.get("dry_run"))
        if replaces and not target.allow_replace:
            what = "refresh" if kind == "refresh" else "replace"
            raise HTTPException(403, f"connection {target.name!r} does not allow {what} (its tables "
                                     "would be dropped): declare allow_replace: true")
        if "source" in params:
            source = connection(params["source"])
            if source.name == target.name or same_database(source, target):
                raise HTTPException(403, f"target {target.name!r} is the same database as source "
                                         f"{source.name!r}; dbsynth never writes into a source")

    @v1.get("/connections", tags=["connections"])
    def list_connections() -> list[ConnectionOut]:
        """The configured connections: names and dialects, never URLs."""
        return [ConnectionOut(name=c.name, dialect=c.dialect) for c in config.connections.values()]

    @v1.get("/connections/{name}/inspect", tags=["connections"],
            responses={404: {"description": "Unknown connection"}, 502: {"description": "Database unreachable"}})
    def inspect_connection(name: str) -> dict[str, Any]:
        """Tables, keys (declared and inferred) and the load plan, as `dbsynth inspect --json`."""
        found = connection(name)
        report = jsonable(pipeline.inspect(found.url).to_dict())
        report["url"] = found.display_url
        report["connection"] = found.name
        return report

    @v1.post("/jobs", status_code=202, tags=["jobs"],
             responses={403: {"description": "The job would write where its connection forbids it"},
                        404: {"description": "Unknown connection or model"}})
    def create_job(request: Annotated[JobRequest, Body()]) -> JobOut:
        """Queue a job; it runs in its own process whether or not the client stays."""
        params = request.model_dump()
        for key in ("source", "target"):
            if key in params:
                connection(params[key])
        if request.kind == "generate" and catalog.get_model(params["model"]) is None:
            raise HTTPException(404, f"unknown model {params['model']!r}")
        refuse_unsafe_job(request.kind, params)
        return job_out(runner.submit(request.kind, params))

    @v1.get("/jobs", tags=["jobs"])
    def list_jobs(status: JobStatus | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[JobOut]:
        """Newest first, optionally only those with ``status``."""
        return [job_out(j) for j in catalog.list_jobs(status, limit)]

    @v1.get("/jobs/{job_id}", tags=["jobs"], responses={404: {"description": "Unknown job"}})
    def get_job(job_id: str) -> JobOut:
        """Status, progress per table, result or one-line error."""
        return job_out(job_or_404(job_id))

    @v1.get("/jobs/{job_id}/report", tags=["jobs"],
            responses={404: {"description": "Unknown job, or the job has no report"}})
    def get_report(job_id: str) -> dict[str, Any]:
        """The quality report of a report job, or of a synth job run with ``report: true``."""
        job = job_or_404(job_id)
        path = config.reports_dir / f"{job.id}.json"
        if job.status != "succeeded" or not path.is_file():
            raise HTTPException(404, f"job {job_id} has no report")
        return json.loads(path.read_text(encoding="utf-8"))

    @v1.post("/jobs/{job_id}/cancel", tags=["jobs"],
             responses={404: {"description": "Unknown job"},
                        409: {"description": "Job already finished, or its target already written"}})
    def cancel_job(job_id: str) -> JobOut:
        """Cancel a queued or running job (a running one is killed; its target is left as it
        was). Once the job has begun committing its target it is written: 409."""
        job = job_or_404(job_id)
        after = runner.cancel(job.id) or job
        if after.status == "cancelled" and job.status != "cancelled":
            return job_out(after)
        if after.committed_at is not None:
            raise HTTPException(409, f"job {job_id} already written: its target was committed "
                                     f"(status {after.status})")
        raise HTTPException(409, f"job {job_id} already {after.status}")

    @v1.get("/models", tags=["models"])
    def list_models() -> list[ModelOut]:
        """Models stored by train jobs, newest first."""
        return [model_out(m) for m in catalog.list_models()]

    @v1.get("/models/{model_id}", tags=["models"], responses={404: {"description": "Unknown model"}})
    def get_model(model_id: str) -> ModelOut:
        model = catalog.get_model(model_id)
        if model is None:
            raise HTTPException(404, f"unknown model {model_id!r}")
        return model_out(model)

    @v1.delete("/models/{model_id}", status_code=204, tags=["models"],
               responses={404: {"description": "Unknown model"}})
    def delete_model(model_id: str) -> Response:
        """Forget a model and delete its file (and its held-out keys, if trained with a holdout)."""
        model = catalog.delete_model(model_id)
        if model is None:
            raise HTTPException(404, f"unknown model {model_id!r}")
        Path(model.path).unlink(missing_ok=True)
        control_path(Path(model.path)).unlink(missing_ok=True)
        return Response(status_code=204)

    app.include_router(v1)
    open_paths = OPEN_PATHS | (set() if config.openapi_requires_token else {OPENAPI_PATH})
    return Gate(app, token, config.max_body_bytes, open_paths)


class Gate:
    """ASGI middleware in front of the app: the bearer token is checked, and the body's size
    bounded, before a byte of the body is read, so an unauthenticated or oversized upload
    costs nothing (401, 413). A body within the limit is read here and handed on."""

    def __init__(self, app: FastAPI, token: bytes, max_body: int, open_paths: set[str]) -> None:
        self.app, self.token, self.max_body, self.open_paths = app, token, max_body, open_paths

    def __getattr__(self, name: str) -> Any:  # app.state, app.routes… for whoever asks
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if scope["path"] not in self.open_paths and not self._authorized(headers):
            await _reply(send, 401, "missing or wrong bearer token", [(b"www-authenticate", b"Bearer")])
            return
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _reply(send, 400, "bad Content-Length")
                return
            if int(declared) > self.max_body:
                await _reply(send, 413, f"request body over {self.max_body} bytes")
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > self.max_body:
                await _reply(send, 413, f"request body over {self.max_body} bytes")
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _authorized(self, headers: dict[bytes, bytes]) -> bool:
        """``Authorization: Bearer <token>`` only: a token in the query string never counts."""
        scheme, _, given = headers.get(b"authorization", b"").strip().partition(b" ")
        given = given.strip()
        return scheme.lower() == b"bearer" and bool(given) and secrets.compare_digest(given, self.token)


async def _reply(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def same_database(source: Connection, target: Connection) -> bool:
    """Whether two connections reach one database (server identity and database, as the
    pipeline compares them; not URL text). Unknown (unreachable) is not a match here: the
    job's pipeline checks again, against the databases it opens."""
    if source.dialect != target.dialect:
        return False
    try:
        return location_of(source.url) == location_of(target.url)
    except DbsynthError:
        return False


def _problem(error: Any) -> dict[str, Any]:
    """One validation problem, JSON-safe (NaN and inf included), its input cut short."""
    problem: dict[str, Any] = {
        "loc": [p if isinstance(p, int) else _excerpt(str(p)) for p in error.get("loc", ())],
        "msg": _excerpt(str(error.get("msg", "")), 200),
        "type": _excerpt(str(error.get("type", ""))),
    }
    if "input" in error:
        problem["input"] = _excerpt(_text(error["input"]))
    return problem


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)[:EXCERPT * 4]
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    """At most ``limit`` characters of a client's input, secrets masked."""
    text = mask_secrets(text[:limit * 4])
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def job_out(job: Job) -> JobOut:
    return JobOut(id=job.id, kind=job.kind, status=job.status, params=job.params,
                  progress=job.progress or {}, result=job.result, error=job.error,
                  created_at=as_utc(job.created_at), started_at=as_utc(job.started_at),  # type: ignore[arg-type]
                  finished_at=as_utc(job.finished_at), committed_at=as_utc(job.committed_at))


def model_out(model: Model) -> ModelOut:
    return ModelOut(id=model.id, name=model.name, source=model.source,
                    created_at=as_utc(model.created_at), size=model.size, tables=model.tables)  # type: ignore[arg-type]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dbsynth")
    except PackageNotFoundError:
        return "unknown"
