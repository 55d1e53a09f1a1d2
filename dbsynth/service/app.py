"""The HTTP API (FastAPI), everything under ``/v1``; OpenAPI at ``/v1/openapi.json``.

Thin like the CLI: validate (pydantic), look up names in the config and the catalog, hand
jobs to the :class:`~dbsynth.service.jobs.JobRunner`, render. A bearer token guards every
endpoint but ``/v1/health``. Unknown names and ids are 404s; a :class:`DbsynthError` is a
4xx (502 when a configured database cannot be reached) with its one-line message.
Connection URLs never leave the process unmasked.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dbsynth import pipeline
from dbsynth.errors import ConnectionError_, DbsynthError
from dbsynth.service.api_models import (ConnectionOut, Health, JobOut, JobRequest, JobStatus,
                                        ModelOut, as_utc)
from dbsynth.service.catalog import Catalog, Job, Model
from dbsynth.service.config import Connection, ServiceConfig, require_token
from dbsynth.service.jobs import JobRunner
from dbsynth.service.worker import jsonable

FINISHED = ("succeeded", "failed", "cancelled")
#: from these steps on the target's commit has been sent: a kill could no longer undo it, so
#: a cancel would report "cancelled" for a written target
COMMITTED_STAGES = ("commit", "check")
bearer = HTTPBearer(auto_error=False)  # module level: annotations are resolved from globals


def create_app(config: ServiceConfig, catalog: Catalog) -> FastAPI:
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
                  openapi_url="/v1/openapi.json", docs_url="/v1/docs", redoc_url=None,
                  description="Synthetic copies of SQL databases, as jobs. Bearer token on every "
                              "endpoint but /v1/health.")
    def authorized(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        given = credentials.credentials.encode() if credentials is not None else b""
        if not given or not secrets.compare_digest(given, token):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(DbsynthError)
    async def dbsynth_error(_: Request, exc: DbsynthError) -> JSONResponse:
        status = 502 if isinstance(exc, ConnectionError_) else 400
        return JSONResponse({"detail": config.scrub(exc.message)}, status_code=status)

    @app.get("/v1/health", tags=["service"])
    def health() -> Health:
        """Liveness, without a token."""
        return Health(status="ok", version=_version())

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(authorized)],
                   responses={401: {"description": "Missing or wrong bearer token"}})

    def connection(name: str) -> Connection:
        found = config.connections.get(name)
        if found is None:
            raise HTTPException(404, f"unknown connection {name!r}")
        return found

    def job_or_404(job_id: str) -> Job:
        job = catalog.get_job(job_id)
        if job is None:
            raise HTTPException(404, f"unknown job {job_id!r}")
        return job

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
             responses={404: {"description": "Unknown connection or model"}})
    def create_job(request: Annotated[JobRequest, Body()]) -> JobOut:
        """Queue a job; it runs in its own process whether or not the client stays."""
        params = request.model_dump()
        for key in ("source", "target"):
            if key in params:
                connection(params[key])
        if request.kind == "generate" and catalog.get_model(params["model"]) is None:
            raise HTTPException(404, f"unknown model {params['model']!r}")
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
             responses={404: {"description": "Unknown job"}, 409: {"description": "Job already finished"}})
    def cancel_job(job_id: str) -> JobOut:
        """Cancel a queued or running job (a running one is killed; its target is left as it was)."""
        job = job_or_404(job_id)
        if job.status in FINISHED:
            raise HTTPException(409, f"job {job_id} already {job.status}")
        if (job.progress or {}).get("stage") in COMMITTED_STAGES:
            raise HTTPException(409, f"job {job_id} is committing its target; too late to cancel")
        after = runner.cancel(job.id)
        return job_out(after or job)

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
        """Forget a model and delete its file."""
        model = catalog.delete_model(model_id)
        if model is None:
            raise HTTPException(404, f"unknown model {model_id!r}")
        Path(model.path).unlink(missing_ok=True)
        return Response(status_code=204)

    app.include_router(v1)
    return app


def job_out(job: Job) -> JobOut:
    return JobOut(id=job.id, kind=job.kind, status=job.status, params=job.params,
                  progress=job.progress or {}, result=job.result, error=job.error,
                  created_at=as_utc(job.created_at), started_at=as_utc(job.started_at),  # type: ignore[arg-type]
                  finished_at=as_utc(job.finished_at))


def model_out(model: Model) -> ModelOut:
    return ModelOut(id=model.id, name=model.name, source=model.source,
                    created_at=as_utc(model.created_at), size=model.size, tables=model.tables)  # type: ignore[arg-type]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dbsynth")
    except PackageNotFoundError:
        return "unknown"
