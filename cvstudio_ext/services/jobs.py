"""Background jobs of dataset operations and exports: what `GET datasets/jobs/{id}` says.

A job lives in its server's memory (the last JOBS_KEPT that ended are remembered); what
it made is rows and files, which outlive it. Its work is a function run on the dataset
thread pool; an `OperationError` fails the job with its sentence, anything else with a
short one (and the traceback in the server's log).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..engine.datasets.operations import OperationError
from ..engine.datasets.walk import no_gc
from ..errors import NotFound

JOBS_KEPT = 200


@dataclass
class Job:
    id: str
    owner: str
    op: str
    status: str = "running"  # running | completed | failed
    progress: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.id,
            "op": self.op,
            "status": self.status,
            "progress": self.progress,
            "report": self.report,
            "result": self.result,
            "error": self.error,
        }


class Jobs:
    def __init__(self, background: ThreadPoolExecutor, log: logging.Logger):
        self.background = background
        self.log = log
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: str, op: str, work: Callable[[Job], None]) -> dict[str, Any]:
        job = Job(uuid.uuid4().hex, owner, op)
        with self._lock:
            self._jobs[job.id] = job
            ended = sorted((j for j in self._jobs.values() if j.status != "running"), key=lambda j: j.started)
            for old in ended[: max(0, len(self._jobs) - JOBS_KEPT)]:
                self._jobs.pop(old.id, None)
        self.background.submit(self._run, job, work)
        return job.as_dict()

    def _run(self, job: Job, work: Callable[[Job], None]) -> None:
        try:
            with no_gc():  # every job loads or writes a version's million boxes
                work(job)
            job.status, job.progress = "completed", 1.0
        except OperationError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # the job's failure is its state, not a crash
            self.log.exception("dataset job %s (%s) failed", job.id, job.op)
            job.status, job.error = "failed", f"The {job.op} failed: {exc}"

    def get(self, owner: str, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound(
                f"There is no dataset job {job_id}; it may belong to a server since restarted.", code="job_not_found"
            )
        return job
