"""Parsing spread over processes: libcst's parser holds the GIL, so threads would not help.

Jobs and models are small frozen values, so they are what crosses the process boundary; syntax
trees never do. A handful of files is parsed in this process, since starting workers would cost
more than it saves.

A worker that dies (a native parser's crash) costs only the files it was given: they are
parsed again one process each, so the file that kills its process is named and the rest are
checked. The same holds for files this interpreter may be too old to judge, which libcst
reads in a process of its own.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

from dynalint.analysis.model import FileModel, Job
from dynalint.analysis.parse import Unsure, model_of, newer_syntax_model

_MIN_JOBS = 8
CRASHED = "the parser crashed on this file (its process died); it was not checked"


class Builder:
    """Builds models with up to `jobs` processes; the pool starts on first need, once."""

    def __init__(self, jobs: int) -> None:
        self._jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None

    def models(self, jobs: Sequence[Job]) -> list[FileModel | str]:
        if self._jobs == 1 or len(jobs) < _MIN_JOBS:
            built = [model_of(job) for job in jobs]
        else:
            built = self._in_pool(jobs)
        return [
            isolated(job, result) if isinstance(result, Unsure) else result
            for job, result in zip(jobs, built, strict=True)
        ]

    def _in_pool(self, jobs: Sequence[Job]) -> list[FileModel | str]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._jobs, mp_context=process_context(), initializer=_ignore_interrupts
            )
        chunk = max(1, len(jobs) // (self._jobs * 8))
        try:
            return list(self._pool.map(model_of, jobs, chunksize=chunk))
        except BrokenProcessPool:
            self.close()
            return [isolated(job) for job in jobs]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def isolated(job: Job, python_says: str | None = None) -> FileModel | str:
    """The job's model built in a process of its own, which may die without taking the run
    with it. With `python_says`, libcst judges a file the interpreter refused."""
    with ProcessPoolExecutor(1, mp_context=process_context()) as pool:
        try:
            if python_says is None:
                return pool.submit(model_of, job).result()
            return pool.submit(newer_syntax_model, job, str(python_says)).result()
        except BrokenProcessPool:
            return CRASHED


def process_context() -> BaseContext:
    """fork shares the already imported libcst with the workers; elsewhere, spawn."""
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _ignore_interrupts() -> None:
    """Ctrl-C is the command's to handle: workers never die of it halfway through a job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
