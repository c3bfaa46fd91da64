"""The per-file cache: what a run learnt about each file, so the next one redoes only what changed.

It lives in `.dynalint_cache/` at the project root (or where `--cache-dir` or `cache-dir` say),
with a `.gitignore` of `*` inside, as ruff's does. Under a folder named after everything that
shapes a model besides the file (dynalint's version and code, libcst's version, Python's):

- `index-<project>`: for each file, its size, mtime, inode and ctime, the digest of its bytes
  and the facts that selection reads off them. A file whose stat matches is not read again; one
  modified within two seconds of being indexed is always re-read, as git does for racy entries.
- `models/<ab>/<key>`: a model, or the reason a file has none (a syntax error), keyed by the
  digest of the bytes, the module's name, whether it is a package, the settings that shape a
  model and the helper module its fixes import.
- `outcomes/<command>`: the findings and errors of the last run of a command (the files it
  checked, the settings, the working folder), keyed by everything they were computed from: the
  path and digest of every file of the project, its packages, its templates and packaging
  files, and the helper modules its fixes name. A run whose key matches gives them back.

Entries are written whole to a temporary file and renamed into place, so two runs can share a
cache. Each starts with a header naming its key; one that is corrupt, truncated, from another
version, or holds anything but dynalint's own values is ignored and rebuilt, never trusted:
loading refuses every class outside dynalint's models.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import pickle
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dynalint.analysis.facts import Facts
from dynalint.analysis.model import FileModel
from dynalint.version import __version__

CACHE_DIR = ".dynalint_cache"
_MAGIC = b"dynalint-cache 1\n"
_GITIGNORE = "# Automatically created by dynalint.\n*\n"
_RACY_NS = 2_000_000_000
_SAFE_MODULES = ("dynalint.",)
_SAFE_GLOBALS = frozenset(
    {
        ("builtins", "frozenset"),
        ("builtins", "set"),
        ("pathlib", "PosixPath"),
        ("pathlib", "WindowsPath"),
    }
)

Stat = tuple[int, int, int, int]
Built = FileModel | str


@dataclass(frozen=True)
class Known:
    """What the index says about a file's bytes."""

    digest: str
    facts: Facts


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def stat_key(result: os.stat_result) -> Stat:
    return (result.st_size, result.st_mtime_ns, result.st_ino, result.st_ctime_ns)


class Cache:
    """One project's entries in a cache folder."""

    def __init__(self, folder: Path, project: Path | None) -> None:
        self.folder = folder
        self._store = folder / _fingerprint()
        self._index_path = self._store / f"index-{digest(str(project).encode())[:16]}"
        self._index: dict[str, tuple[Stat | None, Known]] = {}
        loaded = _load(self._index_path, b"index")
        if isinstance(loaded, dict):
            self._index = loaded
        self._dirty = False
        self._prepared: bool | None = None

    # -- the index ---------------------------------------------------------------------------

    def known(self, path: Path, stat: Stat) -> Known | None:
        entry = self._index.get(str(path))
        if entry is None or entry[0] is None or entry[0] != stat:
            return None
        return entry[1]

    def remember(self, path: Path, stat: Stat | None, known: Known) -> None:
        """`stat` is None for bytes that are not the file's (an editor's buffer)."""
        if stat is not None and time.time_ns() - stat[1] < _RACY_NS:
            stat = None
        if self._index.get(str(path)) != (stat, known):
            self._index[str(path)] = (stat, known)
            self._dirty = True

    # -- models ------------------------------------------------------------------------------

    def model(self, key: str) -> Built | None:
        found = _load(self._model_path(key), key.encode())
        return found if isinstance(found, FileModel | str) else None

    def keep(self, key: str, built: Built) -> None:
        if self._ready():
            _store(self._model_path(key), key.encode(), built)

    # -- whole outcomes ----------------------------------------------------------------------

    def outcome(self, slot: str, key: str) -> object:
        """What the last run of the command `slot` left, if it ran on inputs `key`."""
        return _load(self._store / "outcomes" / slot, key.encode())

    def keep_outcome(self, slot: str, key: str, value: object) -> None:
        """One entry per command, replaced by its next run, so they cannot pile up."""
        if self._ready():
            _store(self._store / "outcomes" / slot, key.encode(), value)

    def save(self) -> None:
        """Write the index if it changed; a cache that cannot be written is only slower."""
        if self._dirty and self._ready():
            _store(self._index_path, b"index", self._index)
            self._dirty = False

    def _ready(self) -> bool:
        """Make the folder, marked as a cache; a folder that already holds other files is
        used as it is, never marked (its `.gitignore` would hide them from git)."""
        if self._prepared is None:
            marker = self.folder / ".gitignore"
            try:
                if not marker.exists():
                    self.folder.mkdir(parents=True, exist_ok=True)
                    if not any(self.folder.iterdir()):
                        marker.write_text(_GITIGNORE)
                self._prepared = True
            except OSError:
                self._prepared = False
        return self._prepared

    def _model_path(self, key: str) -> Path:
        return self._store / "models" / key[:2] / key


def model_key(digest_of_bytes: str, *shape: object) -> str:
    """The key of a model: the digest of the file's bytes and the rest of what shapes it."""
    return digest(repr((digest_of_bytes, *shape)).encode())


def clean(folder: Path) -> bool:
    """Remove a cache folder; False when there was none. A folder that dynalint did not make
    (no `.gitignore` of its own inside) is refused with ValueError, never removed."""
    if not folder.exists():
        return False
    try:
        ours = (folder / ".gitignore").read_text().startswith(_GITIGNORE)
    except (OSError, UnicodeDecodeError):
        ours = False
    if not ours:
        raise ValueError(f"{folder} is not a dynalint cache; not removed")
    shutil.rmtree(folder)
    return True


def _fingerprint() -> str:
    """Everything besides a file and the settings that decides its model: a model built by
    other code is never reused, even from an editable install whose version did not change."""
    package = Path(__file__).parent
    stamp = hashlib.blake2b(digest_size=8)
    for source in sorted(package.rglob("*.py")):
        info = source.stat()
        stamp.update(f"{source.relative_to(package)}:{info.st_size}:{info.st_mtime_ns};".encode())
    python = "".join(map(str, sys.version_info[:3]))
    return f"v{__version__}-libcst{_libcst_stamp()}-py{python}-{stamp.hexdigest()}"


def _libcst_stamp() -> str:
    """The digest of libcst's version file, found without importing libcst (or the slow
    `importlib.metadata`), which a run that parses nothing never does."""
    spec = importlib.util.find_spec("libcst")
    if spec is None or spec.origin is None:
        return "-none"
    try:
        return digest(Path(spec.origin).with_name("_version.py").read_bytes())[:8]
    except OSError:
        return "-" + digest(Path(spec.origin).read_bytes())[:8]


# -- reading and writing entries ---------------------------------------------------------------


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.startswith(_SAFE_MODULES) or (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cached value")


def _load(path: Path, key: bytes) -> object:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = _MAGIC + key + b"\n"
    if not data.startswith(header):
        return None
    try:
        return _Unpickler(io.BytesIO(data[len(header) :])).load()
    except Exception:  # noqa: BLE001 - any damage means "not cached"
        return None


def _store(path: Path, key: bytes, value: object) -> None:
    data = _MAGIC + key + b"\n" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return
