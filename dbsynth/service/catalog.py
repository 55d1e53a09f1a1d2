"""The job catalog: which jobs exist, where they are, what they produced; and the trained models.

SQLAlchemy 2 ORM on SQLite (default) or PostgreSQL. The schema is owned by the Alembic
migrations in ``dbsynth/service/migrations``. On start the service creates a catalog that does
not exist yet at the head revision (a new user's first ``dbsynth serve`` just works); a catalog
that is behind is upgraded only when asked (``dbsynth db upgrade`` or ``serve --upgrade``),
and one that is ahead of this code is refused. Timestamps are naive UTC.
The server process and every worker process open their own :class:`Catalog`; state changes
are conditional UPDATEs (``WHERE status IN …``) so a cancel and a finishing worker cannot
both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, Text, create_engine, event, select, update
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from dbsynth.connectors.registry import mask_secrets, mask_url
from dbsynth.errors import ConnectionError_, DbsynthError, UsageError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE = ("queued", "running")
RESTART_MESSAGE = "interrupted by a service restart"
COMMIT_STAGE = "commit"  # the worker's last progress step before the target's commit
SHUTDOWN_MESSAGE = "interrupted by a service shutdown"


class CatalogError(DbsynthError):
    """The catalog is unreachable, or its schema is not the one this dbsynth expects."""


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: when the worker began committing the target: no cancel from then on
    committed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Model(Base):
    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    size: Mapped[int] = mapped_column(BigInteger)
    tables: Mapped[list[str]] = mapped_column(JSON)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


def is_id(value: str) -> bool:
    """Ids are UUIDs; anything else is unknown without asking the database."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def engine_url(url: str) -> URL:
    """SQLAlchemy's URL for the catalog: ``postgresql://`` goes through psycopg 3."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UsageError(f"catalog_url is not a database URL: {mask_url(url)!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "postgresql+psycopg"):
        raise UsageError(f"catalog_url must be sqlite:///… or postgresql://…, got {mask_url(url)!r}")
    return parsed


class Catalog:
    """One process's handle on the catalog database."""

    def __init__(self, url: str) -> None:
        self.url = engine_url(url)
        self.display_url = mask_url(self.url.render_as_string(hide_password=False))
        if self.url.drivername == "sqlite" and self.url.database not in (None, "", ":memory:"):
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = _create_engine(self.url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise UsageError(mask_secrets(f"catalog_url {self.display_url}: {exc}")) from None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session

    # schema version ------------------------------------------------------------------------

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def require_head(self) -> None:
        head = head_revision()
        current = self.revision()
        if current != head:
            raise CatalogError(self._behind_or_ahead(current, head))

    def open_for_service(self, upgrade: bool = False) -> str:
        """Bring the catalog to where the service can use it; returns the revision it is at.

        No catalog yet: created at head. Behind: upgraded if ``upgrade``, else refused with the
        command that upgrades it. Ahead of this code (a newer dbsynth migrated it): refused.
        """
        head = head_revision()
        current = self.revision()
        if current == head:
            return head
        if current is None:
            if not self._has_catalog_tables():
                return self.upgrade()
            raise CatalogError(f"the catalog {self.display_url} holds dbsynth's tables but no "
                               "migration revision (not made by `dbsynth db upgrade`): use "
                               "another catalog_url, or move those tables away")
        if upgrade and current in known_revisions():
            return self.upgrade()
        raise CatalogError(self._behind_or_ahead(current, head))

    def upgrade(self) -> str:
        """Upgrade the catalog to the head revision (creating it if empty); returns the head."""
        from alembic import command

        current = self.revision()
        if current is not None and current not in known_revisions():
            raise CatalogError(self._behind_or_ahead(current, head_revision()))
        with self._connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        return head_revision()

    def _behind_or_ahead(self, current: str | None, head: str) -> str:
        if current is not None and current not in known_revisions():
            return (f"the catalog {self.display_url} is at revision {current}, newer than this "
                    f"dbsynth knows (its head is {head}): upgrade dbsynth or use another catalog_url")
        return (f"the catalog {self.display_url} is at revision {current or 'none'}, this dbsynth "
                f"needs {head}: run `dbsynth db upgrade` (or `dbsynth serve --upgrade`)")

    def _has_catalog_tables(self) -> bool:
        """A database holding our tables without a revision was not made by our migrations."""
        from sqlalchemy import inspect as inspect_database

        with self._connect() as conn:
            names = set(inspect_database(conn).get_table_names())
        return bool(names & {table.name for table in Base.metadata.sorted_tables})

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            first = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else ""
            raise ConnectionError_(f"cannot open the catalog {self.display_url}: {first}") from None

    # jobs ------------------------------------------------------------------------------------

    def add_job(self, kind: str, params: dict[str, Any]) -> Job:
        job = Job(id=new_id(), kind=kind, status="queued", params=params, progress={},
                  created_at=utcnow())
        with self.session() as session:
            session.add(job)
        return job

    def get_job(self, job_id: str) -> Job | None:
        if not is_id(job_id):
            return None
        with self.session() as session:
            return session.get(Job, job_id)

    def list_jobs(self, status: str | None = None, limit: int = 100) -> list[Job]:
        query = select(Job).order_by(Job.created_at.desc()).limit(limit)
        if status is not None:
            query = query.where(Job.status == status)
        with self.session() as session:
            return list(session.scalars(query))

    def queued_jobs(self, limit: int) -> list[Job]:
        query = select(Job).where(Job.status == "queued").order_by(Job.created_at).limit(limit)
        with self.session() as session:
            return list(session.scalars(query))

    def transition(self, job_id: str, from_statuses: Iterable[str], to: str, **values: Any) -> bool:
        """Move a job to ``to`` only if it is in one of ``from_statuses``; True if it moved."""
        values["status"] = to
        if to in ("succeeded", "failed", "cancelled"):
            values.setdefault("finished_at", utcnow())
        with self.session() as session:
            moved = session.execute(update(Job).where(Job.id == job_id, Job.status.in_(tuple(from_statuses)))
                                    .values(**values))
            return bool(moved.rowcount)  # type: ignore[attr-defined]

    def claim_commit(self, job_id: str, progress: dict[str, Any]) -> bool:
        """The worker's last word before it commits its target: True if the job still runs
        (from now on it cannot be cancelled), False if it was cancelled (do not commit)."""
        with self.session() as session:
            moved = session.execute(update(Job).where(Job.id == job_id, Job.status == "running",
                                                      Job.committed_at.is_(None))
                                    .values(committed_at=utcnow(), progress=progress))
            return bool(moved.rowcount)  # type: ignore[attr-defined]

    def cancel(self, job_id: str) -> bool:
        """Mark a queued or running job cancelled unless its worker claimed the commit; the
        one compare-and-set that decides, against :meth:`claim_commit`, who wins a race."""
        with self.session() as session:
            moved = session.execute(update(Job).where(Job.id == job_id,
                                                      Job.status.in_(("queued", "running")),
                                                      Job.committed_at.is_(None))
                                    .values(status="cancelled", finished_at=utcnow()))
            return bool(moved.rowcount)  # type: ignore[attr-defined]

    def set_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        with self.session() as session:
            session.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                            .values(progress=progress))

    def fail_active(self, message: str) -> int:
        """End every queued or running job (their process is gone); returns how many.

        A job past its commit (it claimed it and reported a later step: check, report) has
        written its target: it is ``succeeded``, and its error says what did not finish. One
        that died while committing cannot be told apart: ``failed``, saying the target may
        hold the copy. The rest are ``failed``."""
        ended = 0
        with self.session() as session:
            for job in session.scalars(select(Job).where(Job.status.in_(ACTIVE))).all():
                stage = (job.progress or {}).get("stage")
                if job.committed_at is not None and stage not in (None, "", COMMIT_STAGE):
                    job.status, job.error = "succeeded", f"{message} after its target was written (its {stage} step did not finish)"
                elif job.committed_at is not None:
                    job.status, job.error = "failed", f"{message} while committing its target: the target may hold the copy"
                else:
                    job.status, job.error = "failed", message
                job.finished_at = utcnow()
                ended += 1
        return ended

    # models ----------------------------------------------------------------------------------

    def add_model(self, model: Model) -> None:
        with self.session() as session:
            session.add(model)

    def get_model(self, model_id: str) -> Model | None:
        if not is_id(model_id):
            return None
        with self.session() as session:
            return session.get(Model, model_id)

    def list_models(self) -> list[Model]:
        with self.session() as session:
            return list(session.scalars(select(Model).order_by(Model.created_at.desc())))

    def delete_model(self, model_id: str) -> Model | None:
        if not is_id(model_id):
            return None
        with self.session() as session:
            model = session.get(Model, model_id)
            if model is not None:
                session.delete(model)
            return model


def alembic_config() -> Any:
    """Alembic's configuration in code: no alembic.ini, scripts from the installed package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships its migrations"
    return head


def known_revisions() -> set[str]:
    """Every revision this package ships (a catalog at one of them can be upgraded)."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _create_engine(url: URL) -> Engine:
    if url.drivername != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL: the server reads while workers write progress; busy_timeout instead of errors.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine
