"""Parsing spread over processes: libcst's parser holds the GIL, so threads would not help.

Jobs and models are small frozen values, so they are what crosses the process boundary; syntax
trees never do. A handful of files is parsed in this process, since starting workers would cost
more than it saves.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence
from multiprocessing.pool import Pool

from dynalint.analysis.model import FileModel, Job
from dynalint.analysis.parse import model_of

_MIN_JOBS = 8


class Builder:
    """Builds models with up to `jobs` processes; the pool starts on first need, once."""

    def __init__(self, jobs: int) -> None:
        self._jobs = max(1, jobs)
        self._pool: Pool | None = None

    def models(self, jobs: Sequence[Job]) -> list[FileModel | str]:
        if self._jobs == 1 or len(jobs) < _MIN_JOBS:
            return [model_of(job) for job in jobs]
        if self._pool is None:
            # fork shares the parsed-in imports (libcst) with the workers; elsewhere, spawn.
            method = "fork" if sys.platform == "linux" else "spawn"
            self._pool = multiprocessing.get_context(method).Pool(self._jobs)
        chunk = max(1, len(jobs) // (self._jobs * 8))
        return self._pool.map(model_of, jobs, chunksize=chunk)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
