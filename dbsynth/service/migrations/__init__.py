"""Alembic migrations of the service's job catalog (run by ``dbsynth db upgrade``)."""
