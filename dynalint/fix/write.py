"""Writing fixed files so that nothing is ever lost.

Each file is written to a temporary file in its own folder (`.NAME.XXXXXXXX.tmp`) and renamed
over the original, so a crash leaves the old file or the new one, never half of either, and the
temporary file goes whatever stops the write (an error, Ctrl-C). SIGINT and SIGTERM are held
back while one file is written and take effect between files.

Nothing is written over bytes other than those the fix was computed from (`FileChange.before`),
nor anything that does not compile and parse. The original's mode, owner and group are kept;
a new file is created as any other program creates one, so the umask applies. Refused, and
reported: read-only files and folders (even to root), files with several hard links (a rename
would split them), files whose owner or group could not be kept, and paths that now lead
elsewhere through a symbolic link. A module is not written when the helper module it imports
could not be.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dynalint.fix.fixer import FileChange, compile_problem
from dynalint.types import FileError

CHANGED = "changed on disk since it was read; not overwritten"
_NEW_FILE_MODE = 0o666  # less the umask, as for any file a program creates
_PRIVATE_MODE = 0o600  # until the original's mode and owner are set
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)
)


@dataclass
class Progress:
    """What a write run has done so far, kept up to date file by file so that a run stopped
    by a signal still tells exactly which files it wrote."""

    total: int = 0
    written: list[FileChange] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)

    @property
    def reasons(self) -> dict[str, str]:
        """Why each file that was not written was not, by display path."""
        return {error.path: error.message for error in self.errors}


def write_changes(
    changes: Iterable[FileChange], progress: Progress | None = None
) -> list[FileError]:
    """Write every change, helper modules first; the errors, one per file not written."""
    progress = Progress() if progress is None else progress
    ordered = sorted(changes, key=lambda change: not change.is_helper)
    progress.total += len(ordered)
    for change in ordered:
        with _signals_held():
            if change.is_helper and not _wanted(change, ordered):
                progress.total -= 1  # not needed after all: no module that imports it can be
                progress.failed[change.path] = change.display
                continue
            error = _write_after_helper(change, progress.failed)
            if error is None:
                progress.written.append(change)
            else:
                progress.errors.append(FileError(change.display, error))
                progress.failed[change.path] = change.display
    return progress.errors


def _wanted(helper: FileChange, changes: Iterable[FileChange]) -> bool:
    """A helper is written only if a module that imports it can be: none is left behind
    when every one of them changed on disk or is refused."""
    users = [change for change in changes if change.needs == helper.path]
    return not users or any(_own_refusal(user) is None for user in users)


def _write_after_helper(change: FileChange, failed: dict[Path, str]) -> str | None:
    if change.needs is not None and change.needs in failed:
        own = _own_refusal(change)
        helper = failed[change.needs]
        return own or f"not written: {helper}, which it imports, could not be written"
    return _write(change)


def _own_refusal(change: FileChange) -> str | None:
    try:
        return _refusal(change, _read(change.path))
    except OSError as error:
        return f"cannot read before writing: {error.strerror or error}"


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done, so a file is never left half done by
    them and the run's record of what it wrote is true. Where signals cannot be blocked
    (Windows, another thread) the cleanup in `_write` still removes the temporary file."""
    can_block = hasattr(signal, "pthread_sigmask") and _SIGNALS
    if not can_block or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass(frozen=True)
class _Original:
    status: os.stat_result
    data: bytes


def _write(change: FileChange) -> str | None:
    """Write one file, or say why not (the message follows its name)."""
    problem = compile_problem(change.after, change.before) or _libcst_problem(change.after)
    if problem is not None:
        return f"the fixed code does not parse ({problem}); not written"
    path = change.path
    real = os.path.realpath(path)
    if real != os.path.abspath(path):
        return f"now leads elsewhere (to {real}, through a symbolic link); not written"
    try:
        original = _read(path)
    except OSError as error:
        return f"cannot read before writing: {error.strerror or error}"
    refusal = _refusal(change, original)
    if refusal is not None:
        return refusal
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.stat(path.parent).st_mode
        if not folder & 0o222:
            return f"its folder is read-only (mode {stat.S_IMODE(folder):04o}); not written"
        return _replace(path, change.after, original)
    except OSError as error:
        return f"cannot write: {error.strerror or error}"


def _libcst_problem(data: bytes) -> str | None:
    import libcst as cst

    try:
        cst.parse_module(data)
    except cst.ParserSyntaxError as error:
        return f"{error.message} at line {error.raw_line}"
    except RecursionError:
        return "too deeply nested to parse"
    return None


def _read(path: Path) -> _Original | None:
    """What is at `path` now, through no symbolic link; None when nothing is."""
    try:
        handle = os.open(path, _READ_FLAGS | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    with open(handle, "rb") as stream:
        status = os.fstat(stream.fileno())
        data = stream.read() if stat.S_ISREG(status.st_mode) else b""
    return _Original(status, data)


def _refusal(change: FileChange, original: _Original | None) -> str | None:
    if original is None:
        return None if change.before is None else "was deleted since it was read; not written"
    status = original.status
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file; not written"
    if change.before is None or original.data != change.before:
        return CHANGED
    mode = stat.S_IMODE(status.st_mode)
    if not mode & 0o222:
        return f"is read-only (mode {mode:04o}); not written"
    if status.st_nlink > 1:
        return f"has {status.st_nlink} hard links; a rewrite would split them; not written"
    return None


def _replace(path: Path, data: bytes, original: _Original | None) -> str | None:
    """Write `data` beside `path` and rename it over `path`; the temporary file never stays."""
    mode = _PRIVATE_MODE if original is not None else _NEW_FILE_MODE
    handle, temporary = _temporary(path, mode)
    moved = False
    try:
        with open(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            refused = None
            if original is not None:
                refused = _keep_owner_and_mode(stream.fileno(), temporary, original.status)
            if refused is None:
                os.fsync(stream.fileno())
        if refused is not None:
            return refused
        if not _still(path, original):
            return CHANGED
        os.replace(temporary, path)
        moved = True
    finally:
        if not moved:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    _sync_folder(path.parent)
    return None


def _temporary(path: Path, mode: int) -> tuple[int, Path]:
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        with contextlib.suppress(FileExistsError):
            return os.open(candidate, _OPEN_FLAGS | getattr(os, "O_BINARY", 0), mode), candidate


def _keep_owner_and_mode(handle: int, temporary: Path, status: os.stat_result) -> str | None:
    """The original's owner and group first (a change of owner clears set-id bits), then its
    mode. An owner or group this user may not give is a refusal: the file is not written."""
    if hasattr(os, "fchown"):
        mine = os.fstat(handle)
        if (mine.st_uid, mine.st_gid) != (status.st_uid, status.st_gid):
            try:
                os.fchown(handle, status.st_uid, status.st_gid)
            except PermissionError:
                return (
                    f"is owned by user {status.st_uid} and group {status.st_gid}, which a "
                    "rewritten file could not keep; not written"
                )
    if os.chmod in os.supports_fd:
        os.chmod(handle, stat.S_IMODE(status.st_mode))
    else:
        os.chmod(temporary, stat.S_IMODE(status.st_mode))
    return None


def _still(path: Path, original: _Original | None) -> bool:
    """Nothing changed at `path` since it was read: the last look before the rename."""
    try:
        now = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return original is None
    if original is None:
        return False
    then = original.status
    return (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
        then.st_dev,
        then.st_ino,
        then.st_size,
        then.st_mtime_ns,
    )


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the system allows it."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised the way Ctrl-C raises KeyboardInterrupt, so that a write run stops the
    same way for both: between two files, its temporary file gone."""


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` instead of killing the process at once."""
    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
