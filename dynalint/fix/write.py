"""Writing fixed files so that nothing is ever lost.

Each file is written to a temporary file in its own folder and renamed over the original, so a
crash leaves the old file or the new one, never half of either. The original's mode is kept, and a
file that changed on disk since it was read is not overwritten.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable

from dynalint.fix.fixer import FileChange
from dynalint.types import FileError

_NEW_FILE_MODE = 0o644


def write_changes(changes: Iterable[FileChange]) -> list[FileError]:
    errors = []
    for change in changes:
        error = _write(change)
        if error is not None:
            errors.append(FileError(change.display, error))
    return errors


def _write(change: FileChange) -> str | None:
    path = change.path
    try:
        current = path.read_bytes() if path.exists() else None
    except OSError as error:
        return f"cannot read before writing: {error.strerror or error}"
    if current != change.before:
        return "changed on disk since it was read; not overwritten"
    mode = stat.S_IMODE(path.stat().st_mode) if current is not None else _NEW_FILE_MODE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(change.after)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        os.unlink(temporary)
        return f"cannot write: {error.strerror or error}"
    return None
