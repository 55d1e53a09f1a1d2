"""The HTTP service (``dbsynth serve``): named connections, a job catalog, jobs in worker processes.

Importing this package is cheap: FastAPI, uvicorn and Alembic (the ``service`` extra) are
imported by the modules that need them, so the core CLI runs without the extra.
"""

SERVICE_EXTRA_HINT = "the service needs: pip install 'dbsynth[service]'"
