"""Room for syntax trees as deep as Python accepts.

CPython compiles expressions nested a few thousand levels deep (`X = 1+1+...+1`); libcst's
trees and dynalint's passes over them recurse once or more per level, which overflows Python's
default recursion limit long before that. Such work runs in a thread with a large stack and a
recursion limit to match, so it finishes instead of raising RecursionError.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

_STACK_BYTES = 256 * 1024 * 1024
_RECURSION_LIMIT = 200_000

T = TypeVar("T")


def run_deep(work: Callable[[], T]) -> T:
    """`work()`, run where deep recursion fits; its exception, if any, is raised here."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the calling thread, which decides
            failure.append(error)

    previous_limit = sys.getrecursionlimit()
    previous_stack = threading.stack_size(_STACK_BYTES)
    try:
        sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
        thread = threading.Thread(target=target, name="dynalint-deep", daemon=True)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous_stack)
        sys.setrecursionlimit(previous_limit)
    if failure:
        raise failure[0]
    return outcome[0]
