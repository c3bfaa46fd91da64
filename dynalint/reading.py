"""Reading a path that should be a regular file, without trusting that it is one.

A FIFO named `x.py` blocks `open()` until something writes to it, and `/dev/zero` never ends;
run as root, a linter that opens whatever a walk or the command line names could hang or read a
device. So a path is stat-ed before it is opened, opened without blocking, and checked again
once open (it may have been swapped in between). What is not a regular file is refused with an
`OSError`, which every caller already reports as a file that cannot be read.
"""

from __future__ import annotations

import errno
import os
import stat

NOT_REGULAR = "not a regular file"
SYMLINK_LOOP = "symlink loop"

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularFile(OSError):
    """A FIFO, socket or device where a file was expected. Its `strerror` reads well in the
    `cannot read: ...` messages of callers that do not know this class."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(errno.EINVAL, NOT_REGULAR, os.fspath(path))


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed); OSError for anything else:
    IsADirectoryError for a folder, NotRegularFile for a FIFO, socket or device."""
    stat_regular(path)
    with open(os.open(path, _FLAGS), "rb") as handle:
        _refuse_irregular(os.fstat(handle.fileno()).st_mode, path)
        return handle.read()


def stat_regular(path: str | os.PathLike[str]) -> os.stat_result:
    """`os.stat(path)`, refusing what `read_regular` refuses."""
    status = os.stat(path)
    _refuse_irregular(status.st_mode, path)
    return status


def reason(error: OSError) -> str:
    """How a path that could not be read is reported after its name: short, and one line."""
    if isinstance(error, NotRegularFile):
        return NOT_REGULAR
    if error.errno == errno.ELOOP:
        return SYMLINK_LOOP
    return f"cannot read: {error.strerror or error}"


def _refuse_irregular(mode: int, path: str | os.PathLike[str]) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path)
