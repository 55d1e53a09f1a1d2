"""Jobs: queued in the catalog, run by a dispatcher thread, each in its own worker process.

- ``submit`` adds a queued job; the dispatcher starts queued jobs (oldest first) while fewer
  than ``concurrency`` workers run. Jobs belong to the service, not to a request.
- ``cancel`` marks a queued or running job cancelled unless its worker already claimed the
  commit of its target (then the job will end as the commit does: 409 "already written"),
  and SIGKILLs a running worker's process group (the target's transaction never commits).
- ``recover`` (at service start): jobs a previous service left queued or running failed with
  "interrupted by a service restart"; they never read succeeded.
- A worker that exits without finishing its job (killed from outside, crashed) fails the job.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from dbsynth.service.catalog import RESTART_MESSAGE, SHUTDOWN_MESSAGE, Catalog, Job, utcnow
from dbsynth.service.config import ServiceConfig

log = logging.getLogger("dbsynth.service")
POLL_SECONDS = 0.25


class JobRunner:
    """Owns the worker processes of one service process."""

    def __init__(self, config: ServiceConfig, catalog: Catalog) -> None:
        self.config, self.catalog = config, catalog
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.lock = threading.Lock()  # one state change at a time: dispatch, cancel, reap
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def recover(self) -> int:
        """Fail what a previous service process left unfinished; returns how many."""
        count = self.catalog.fail_active(RESTART_MESSAGE)
        if count:
            log.warning("%d job(s) %s", count, RESTART_MESSAGE)
        return count

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="dbsynth-dispatcher", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop dispatching and kill running workers (their targets roll back)."""
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        with self.lock:
            for job_id, process in list(self.workers.items()):
                _kill(process)
                self.catalog.transition(job_id, ["running"], "failed", error=SHUTDOWN_MESSAGE)
            self.workers.clear()

    def submit(self, kind: str, params: dict[str, Any]) -> Job:
        job = self.catalog.add_job(kind, params)
        self.wake.set()
        return job

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job unless its worker began committing its target;
        returns it as it is afterwards (None if unknown). The catalog decides first (a
        compare-and-set the worker's commit claim also goes through), then a running
        worker is killed: it can no longer commit, and its transaction rolls back."""
        with self.lock:
            cancelled = self.catalog.cancel(job_id)
            process = self.workers.pop(job_id, None) if cancelled else None
            if process is not None:
                _kill(process)
        self.wake.set()
        return self.catalog.get_job(job_id)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self._tick()
            except Exception:  # noqa: BLE001 - the dispatcher must outlive a catalog hiccup
                log.exception("dispatcher step failed; retrying")
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()

    def _tick(self) -> None:
        with self.lock:
            self._reap()
            free = self.config.concurrency - len(self.workers)
            if free <= 0 or self.stopping.is_set():
                return
            for job in self.catalog.queued_jobs(free):
                self._launch(job)

    def _reap(self) -> None:
        for job_id, process in list(self.workers.items()):
            code = process.poll()
            if code is None:
                continue
            del self.workers[job_id]
            if self.catalog.transition(job_id, ["running"], "failed",
                                       error=f"the job's worker process ended unexpectedly (exit code {code})"):
                log.warning("job %s: worker exited with %s before finishing", job_id, code)

    def _launch(self, job: Job) -> None:
        if not self.catalog.transition(job.id, ["queued"], "running", started_at=utcnow()):
            return  # cancelled meanwhile
        command = [sys.executable, "-m", "dbsynth.service.worker", job.id]
        if self.config.path is not None:
            command += ["--config", str(self.config.path)]
        # Its own process group: a cancel kills the worker and anything it started.
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True,
                                       env=worker_environment(self.config.concurrency))
        except OSError as exc:  # never leave a job "running" without a process
            self.catalog.transition(job.id, ["running"], "failed",
                                    error=f"could not start the job's worker: {exc.strerror or exc}")
            return
        self.workers[job.id] = process
        self.catalog.transition(job.id, ["running"], "running", pid=process.pid)
        log.info("job %s (%s) started in process %d", job.id, job.kind, process.pid)


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_environment(concurrency: int) -> dict[str, str]:
    """The worker's environment: the cores shared between the jobs that may run at once.
    OpenMP/BLAS pools sized for the whole machine in each of several workers oversubscribe
    the cores and spin (a report's classifiers measured 15x slower that way); a variable the
    operator set is kept."""
    env = dict(os.environ)
    threads = str(max(1, (os.cpu_count() or 1) // concurrency))
    for name in THREAD_VARIABLES:
        env.setdefault(name, threads)
    return env


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already gone
    process.wait()
