"""Scale-out: generate a synthetic database as independent partitions on a Dask cluster.

Each partition (see :mod:`dbsynth.model.partition`) is one Dask task: it rebuilds the model
from the model file's bytes (no pickle of our objects), samples its slice of every table and

* on a target with concurrent writers (PostgreSQL) writes it straight into the target
  database, into a staging schema that one final transaction publishes
  (:mod:`dbsynth.writer.staged`);
* on a single-writer target (a DuckDB file) sends its rows back, and the client writes all
  partitions in the usual single transaction as they arrive.

Dask is an optional extra (``pip install 'dbsynth[dask]'``), imported only here.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from dbsynth.connectors.base import Connector
from dbsynth.errors import ConnectionError_, UsageError
from dbsynth.model.partition import Partition
from dbsynth.model.relational import RelationalModel, Sizing
from dbsynth.model.store import model_from_bytes, model_to_bytes
from dbsynth.model.stream import TableStream
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import Schema
from dbsynth.writer.load import write_database
from dbsynth.writer.objects import NotCreated
from dbsynth.writer.staged import create_stage, drop_stage, load_into_stage, publish_stage
from dbsynth.progress import Progress

if TYPE_CHECKING:
    from distributed import Client



@dataclass(frozen=True)
class ScaleOut:
    """Where partitions run: a Dask scheduler (``dask://host:port``) or a local cluster of
    ``workers`` processes; ``partitions`` defaults to the cluster's worker threads."""

    executor: str | None = None
    workers: int | None = None
    partitions: int | None = None

    def __post_init__(self) -> None:
        if self.executor is None and self.workers is None:
            raise UsageError("scale-out needs --executor dask://host:port or --workers N")
        if self.executor is not None and self.workers is not None:
            raise UsageError("give either --executor dask://host:port or --workers N, not both")
        if self.executor is not None and not self.executor.startswith("dask://"):
            raise UsageError(f"--executor must look like dask://host:port, got {self.executor!r}")
        if self.workers is not None and self.workers < 1:
            raise UsageError(f"--workers must be at least 1, got {self.workers}")
        if self.partitions is not None and self.partitions < 1:
            raise UsageError(f"--partitions must be at least 1, got {self.partitions}")


def check_reachable(scale_out: ScaleOut) -> None:
    """Fail fast, before any data is read, when the named scheduler does not answer."""
    if scale_out.executor is None:
        return
    host, _, port = scale_out.executor.removeprefix("dask://").rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--executor must look like dask://host:port, got {scale_out.executor!r}")
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as exc:
        raise ConnectionError_(f"cannot reach the Dask scheduler at {scale_out.executor}: "
                               f"{exc.strerror or type(exc).__name__}") from None


@contextmanager
def dask_client(scale_out: ScaleOut) -> Iterator[Client]:
    """A client on the named scheduler, or on a local cluster started (and stopped) here."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("scale-out needs Dask: pip install 'dbsynth[dask]'") from None
    logging.getLogger("distributed").setLevel(logging.ERROR)  # its shutdown chatter is not ours
    if scale_out.executor is not None:
        address = "tcp://" + scale_out.executor.removeprefix("dask://")
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ConnectionError_(f"cannot reach the Dask scheduler at {scale_out.executor}: "
                                   f"{type(exc).__name__}") from None
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=scale_out.workers or 2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def generate_partitioned(model: RelationalModel, target: Connector, target_url: str,
                         scale_out: ScaleOut, *, scale: float | Sizing, seed: int,
                         replace: bool, stream_rows: int, progress: Progress,
                         written: Schema | None = None,
                         not_created: list[NotCreated] | None = None) -> dict[str, int]:
    """Generate and write the database in partitions on Dask; returns rows per table.
    ``written`` is the schema as the target declares it (default: the model's); objects
    the target refuses are added to ``not_created``."""
    refused = not_created if not_created is not None else []
    schema = written or model.schema
    plan = build_plan(schema)
    content = model_to_bytes(model)
    with dask_client(scale_out) as client:
        count = scale_out.partitions or max(1, sum(client.nthreads().values()))
        parts = [Partition(i, count) for i in range(count)]
        caps = target.capabilities  # partitions publish their stage by transactional DDL
        if caps.concurrent_writers and caps.transactional_ddl:
            return _into_stage(client, content, schema, target, target_url, plan, parts, scale,
                               seed, replace, stream_rows, progress, refused)
        return _through_client(client, content, schema, target, plan, parts, scale, seed,
                               replace, progress, refused)


def _into_stage(client: Client, content: bytes, schema: Schema, target: Connector,
                target_url: str, plan: LoadPlan, parts: list[Partition],
                scale: float | Sizing, seed: int, replace: bool, stream_rows: int,
                progress: Progress, refused: list[NotCreated]) -> dict[str, int]:
    from distributed import as_completed

    stage = create_stage(target, schema, plan, refused)
    rows: dict[str, int] = {}
    try:
        futures = [client.submit(_write_partition, content, target_url, stage, part, scale, seed,
                                 stream_rows, pure=False) for part in parts]
        try:
            for future in as_completed(futures):
                for name, n in future.result().items():
                    rows[name] = rows.get(name, 0) + n
                    progress("load", name, rows[name])
        except BaseException:
            client.cancel(futures)  # the others' open transactions would hold the stage
            raise
        progress("commit", "", sum(rows.values()))
        publish_stage(target, schema, plan, stage, replace, refused)
    except BaseException:
        drop_stage(target, stage)
        raise
    return {name: rows.get(name, 0) for name in plan.order}


def _through_client(client: Client, content: bytes, schema: Schema, target: Connector,
                    plan: LoadPlan, parts: list[Partition], scale: float | Sizing,
                    seed: int, replace: bool, progress: Progress, refused: list[NotCreated]
                    ) -> dict[str, int]:
    from distributed import as_completed

    futures = [client.submit(_sample_partition, content, part, scale, seed, pure=False)
               for part in parts]
    pieces: dict[str, list[pd.DataFrame]] = {name: [] for name in plan.order}
    for future in as_completed(futures):
        for name, frame in future.result().items():
            pieces[name].append(frame)
            progress("generate", name, sum(len(f) for f in pieces[name]))
    frames = {name: pd.concat(pieces[name], ignore_index=True) for name in plan.order}
    write_database(target, schema, plan, frames, replace=replace, progress=progress,
                   not_created=refused)
    return {name: len(frames[name]) for name in plan.order}


# ---------------------------------------------------------------------- on the workers
def _write_partition(content: bytes, target_url: str, stage: str, part: Partition,
                     scale: float | Sizing, seed: int, stream_rows: int) -> dict[str, int]:
    """Task: sample one partition and write it into the staging schema."""
    model = model_from_bytes(content)
    plan = build_plan(model.schema)
    frames = model.sample_all_at_once(plan, scale=scale, seed=seed, stream_rows=stream_rows,
                                      partition=part)
    return load_into_stage(target_url, stage, part.index, model.schema, plan, frames,
                           skip=_written_elsewhere(model, part, scale))


def _sample_partition(content: bytes, part: Partition, scale: float | Sizing,
                      seed: int) -> dict[str, pd.DataFrame]:
    """Task: sample one partition and hand its rows back (its tables whole)."""
    model = model_from_bytes(content)
    plan = build_plan(model.schema)
    frames = model.sample_all_at_once(plan, scale=scale, seed=seed, partition=part)
    skip = _written_elsewhere(model, part, scale)
    return {name: _whole(frame) for name, frame in frames.items() if name not in skip}


def _written_elsewhere(model: RelationalModel, part: Partition,
                       scale: float | Sizing) -> frozenset[str]:
    """Shared tables (copy-mode, small roots) are alike in every partition: partition 0
    alone writes them."""
    return frozenset() if part.index == 0 else model.shared_tables(scale, part)


def _whole(data: pd.DataFrame | TableStream) -> pd.DataFrame:
    if isinstance(data, TableStream):
        return pd.concat(list(data), ignore_index=True)
    return data

