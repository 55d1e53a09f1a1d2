"""Alembic environment: runs on the connection the caller hands over (``Catalog.upgrade``),
so no alembic.ini and no URL (with its password) ever goes through Alembic's config."""

from __future__ import annotations

from alembic import context

from dbsynth.service.catalog import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("dbsynth's catalog migrations run through `dbsynth db upgrade` only")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
