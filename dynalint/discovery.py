"""Turn command-line paths into the files to check, and find the project around them.

Kept free of click and of any printing so the CLI, the tests and the analysis can all
reuse it; the CLI decides how to report `Discovery.missing` and `Discovery.problems`.

Only regular files are handed on, so nothing downstream opens a FIFO or a device. Links are
judged against the project: a folder link is never followed, and a file link that leads out
of the project is not followed either (named, it is a problem; met in a walk, it is skipped),
so a link into `/usr/lib` cannot turn `/` into the project.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import pathspec

from dynalint.reading import NOT_REGULAR, read_regular, reason
from dynalint.types import FileError

_PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_SKIPPED_NAMES = frozenset({"node_modules", "build", "dist", "__pycache__", "site-packages"})
_TEST_FOLDERS = frozenset({"tests", "test"})
_INSTALLED_METADATA = re.compile(r"\.dist-info$|-\d[^-]*(?:-py[\d.]+)?\.egg-info$")
OUTSIDE = "symlink to a file outside the project; not followed"
EMPTY = "empty path"

# (folder the .gitignore lives in, its patterns); later entries are deeper folders.
_Ignore = tuple[str, pathspec.GitIgnoreSpec]


@dataclass(frozen=True)
class SourceFile:
    """One file to check: where it really is, how the user should see it named, and whether
    the user named it (rather than a folder holding it)."""

    path: Path
    display: str
    named: bool = False


@dataclass(frozen=True)
class Excludes:
    """`[tool.dynalint]` exclude patterns (gitignore-style, relative to `base`).

    `defaults` keeps the built-in skips (hidden folders, node_modules, build, dist, ...);
    `exclude` in the settings replaces them, `extend-exclude` adds to them. Unlike the
    built-in skips, configured patterns apply to files named on the command line too, so a
    pre-commit hook, which names every changed file, respects them.
    """

    base: Path = Path("/")
    patterns: tuple[str, ...] = ()
    defaults: bool = True

    @functools.cached_property
    def _spec(self) -> pathspec.GitIgnoreSpec | None:
        return pathspec.GitIgnoreSpec.from_lines(self.patterns) if self.patterns else None

    def matches(self, path: str, *, is_dir: bool) -> bool:
        if self._spec is None:
            return False
        try:
            relative = PurePath(os.path.relpath(path, self.base)).as_posix()
        except ValueError:
            return False
        if relative.startswith("../"):
            return False
        return self._spec.match_file(relative + ("/" if is_dir else ""))


DEFAULT_EXCLUDES = Excludes()


@dataclass(frozen=True)
class Discovery:
    """Files to check plus the given paths that were not there, so the CLI can warn, and the
    paths that are there but cannot be checked (a FIFO, a symlink loop, a folder that cannot
    be listed), each named as the user sees it."""

    files: tuple[SourceFile, ...]
    missing: tuple[str, ...]
    problems: tuple[FileError, ...] = ()


@dataclass(frozen=True)
class Unreadable:
    """A folder a walk could not list, or a kept name it could not read as a file, with why;
    `relative` is its path relative to the walk's start ("" for the start itself)."""

    path: Path
    relative: str
    reason: str
    folder: bool = False


@dataclass(frozen=True)
class Walked:
    """What one walk found: (path, path relative to the walk's start) of every kept file, and
    what it could not read."""

    files: list[tuple[Path, str]]
    problems: list[Unreadable]


class Walker:
    """The walks of one command: the files to check and the project around them are found by
    the same rules, so a folder walked from the same start is walked only once.

    `also` accepts the names of other files wanted besides `*.py` (templates, for instance).
    """

    def __init__(
        self, excludes: Excludes = DEFAULT_EXCLUDES, also: Callable[[str], bool] | None = None
    ) -> None:
        self.excludes = excludes
        self._also = also
        self._walked: dict[str, Walked] = {}

    def files(self, folder: str, ignores: tuple[_Ignore, ...] = ()) -> list[tuple[Path, str]]:
        """(path, path relative to `folder`) of every kept file under `folder`, sorted."""
        return self.walk(folder, ignores).files

    def walk(self, folder: str, ignores: tuple[_Ignore, ...] = ()) -> Walked:
        """The kept files under `folder` and what could not be read there; the caller decides
        which of those to report, since only it knows what is being checked."""
        if not ignores and folder in self._walked:
            return self._walked[folder]
        walked = Walked([], [])
        for found in _walk(folder, ignores, "", self.excludes, self._accept):
            if isinstance(found, Unreadable):
                walked.problems.append(found)
            else:
                walked.files.append((Path(found[0]), found[1]))
        if not ignores:
            self._walked[folder] = walked
        return walked

    def _accept(self, name: str) -> bool:
        return _is_python(name) or (self._also is not None and self._also(name))


def discover(
    paths: Sequence[str],
    *,
    include_tests: bool = False,
    excludes: Excludes = DEFAULT_EXCLUDES,
    walker: Walker | None = None,
) -> Discovery:
    """Expand the user's paths; a path named explicitly is trusted over any skip rule."""
    walker = walker or Walker(excludes)
    missing: list[str] = []
    problems: list[FileError] = []
    existing: dict[str, int] = {}
    for given in paths:
        looked = _look(given)
        if looked is None:
            missing.append(given)
        elif isinstance(looked, str):
            problems.append(FileError(_shown(given), looked))
        else:
            existing.setdefault(given, looked)
    root = find_project_root([Path(given) for given in existing])
    seen: dict[Path, SourceFile] = {}
    for given, mode in existing.items():
        for found in _sources_for(given, mode, root, include_tests, walker):
            if isinstance(found, FileError):
                problems.append(found)
            else:
                seen.setdefault(found.path, found)
    files = tuple(sorted(seen.values(), key=lambda source: (source.display, str(source.path))))
    unique = tuple(dict.fromkeys(problems))
    return Discovery(files=files, missing=tuple(missing), problems=unique)


def _look(given: str) -> int | str | None:
    """The mode of what `given` names (symlinks followed), None when nothing is there, or why
    it cannot be looked at: a symlink loop, a folder on the way that cannot be searched."""
    if not given:
        return EMPTY
    try:
        return os.stat(given).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        return reason(error)
    except ValueError:  # a NUL byte, which no file name can hold
        return None


def _shown(given: str) -> str:
    """How a named path is shown: as given, with forward slashes; an empty one quoted."""
    return PurePath(given).as_posix() if given else "''"


def find_project_root(paths: Sequence[Path]) -> Path:
    """Root .gitignore files and test folders are judged from here, as the user's tools do."""
    common = common_folder(paths)
    for folder in (common, *common.parents):
        if any((folder / marker).exists() for marker in _PROJECT_MARKERS):
            return folder
    return common


@dataclass(frozen=True)
class ProjectTree:
    """The project's checkable Python files, and the other files its walker wanted."""

    python: list[Path]
    other: list[Path]


def project_tree(root: Path, walker: Walker, *, include_tests: bool = False) -> ProjectTree:
    """Every checkable file, so reachability can be judged beyond the files being reported."""
    python: set[Path] = set()
    other: list[Path] = []
    start = os.path.realpath(root)
    inside = _inside(start)
    for path, relative in walker.files(start):
        if not inside(path):
            continue
        if not _is_python(relative):
            other.append(path)
        elif include_tests or not _is_test_path(relative):
            python.add(path)
    return ProjectTree(sorted(python, key=str), other)


def project_files(
    root: Path, *, include_tests: bool = False, excludes: Excludes = DEFAULT_EXCLUDES
) -> list[Path]:
    """The project's checkable Python files, walked on their own."""
    return project_tree(root, Walker(excludes), include_tests=include_tests).python


def files_named(
    root: Path, accept: Callable[[str], bool], excludes: Excludes = DEFAULT_EXCLUDES
) -> list[Path]:
    """Other files of the project (SAM templates, serverless.yml), walked by the same rules."""
    if not root.is_dir():
        return []
    start = os.path.realpath(root)
    walked = _walk(start, (), "", excludes, accept)
    kept = (found[0] for found in walked if not isinstance(found, Unreadable))
    return sorted(Path(path) for path in kept if _inside(start)(path))


def is_test_file(path: Path, root: Path) -> bool:
    """Tests build clients per call on purpose; judged relative to root so a tmp or CI
    folder called `test` above the project does not turn every file into a test."""
    name = path.name
    if name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    ):
        return True
    try:
        folders = path.relative_to(root).parts[:-1]
    except ValueError:
        return False
    return any(folder in _TEST_FOLDERS for folder in folders)


def _is_test_path(relative: str) -> bool:
    """`is_test_file` for a posix path relative to the root, without building paths."""
    folders, _, name = relative.rpartition("/")
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(folder in _TEST_FOLDERS for folder in folders.split("/"))


def import_root(path: Path) -> Path:
    """Module names follow Python's import rules, not the project layout: a SAM function
    folder without __init__.py is its own sys.path entry."""
    return folder_import_root(path.parent)


def module_name(path: Path) -> str:
    """The dotted name other files import this one by, to resolve their imports to it."""
    parts = list(path.relative_to(import_root(path)).with_suffix("").parts)
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.lru_cache(maxsize=4096)
def folder_import_root(folder: Path) -> Path:
    """The sys.path entry of the modules in `folder`; cached per folder because every file of a
    package asks the same question."""
    if (folder / "__init__.py").is_file() and folder.parent != folder:
        return folder_import_root(folder.parent)
    return folder


def common_folder(paths: Sequence[Path]) -> Path:
    """A file stands for its folder; no paths at all means the current folder."""
    if not paths:
        return Path.cwd().resolve()
    return Path(os.path.commonpath([_folder_of(path) for path in set(paths)]))


def _folder_of(path: Path) -> str:
    """A folder, really; for a file, the real folder it is named in rather than the one a
    symlink leads to, so a link out of the project does not widen the project."""
    real = os.path.realpath(path)
    if os.path.isdir(real):
        return real
    return os.path.realpath(os.path.dirname(path) or os.curdir)


def _inside(root: str | Path) -> Callable[[str | Path], bool]:
    """Whether a walked path is in `root`. The walk's paths are real (a link's is where it
    leads), so a prefix test tells, twenty times cheaper than `Path.is_relative_to`."""
    prefix = os.path.join(root, "")

    def inside(path: str | Path) -> bool:
        return str(path).startswith(prefix)

    return inside


def _sources_for(
    given: str, mode: int, root: Path, include_tests: bool, walker: Walker
) -> Iterator[SourceFile | FileError]:
    """A named file is always checked, whatever its name or ignore status, unless the project's
    settings exclude it; a folder is walked."""
    shown = _shown(given)
    resolved = Path(os.path.realpath(given))
    if not stat.S_ISDIR(mode):
        yield from _named_file(given, shown, mode, resolved, root, walker.excludes)
        return
    above = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None

    def is_test(path: Path, relative: str) -> bool:
        if include_tests:
            return False
        if above is None:
            return is_test_file(path, root)
        return _is_test_path(relative if above == "." else f"{above}/{relative}")

    walked = walker.walk(str(resolved), _ancestor_ignores(resolved, root))
    inside = _inside(root)
    for problem in walked.problems:
        # A folder that cannot be listed is judged by a name inside it, as its files would be.
        path, relative = problem.path, problem.relative
        if problem.folder:
            path, relative = path / "_", posixpath.join(relative, "_")
        if (problem.folder or _is_python(relative)) and not is_test(path, relative):
            yield FileError(_display(shown, problem.relative), problem.reason)
    for path, relative in walked.files:
        if _is_python(relative) and inside(path) and not is_test(path, relative):
            yield SourceFile(path=path, display=_display(shown, relative))


def _named_file(
    given: str, shown: str, mode: int, resolved: Path, root: Path, excludes: Excludes
) -> Iterator[SourceFile | FileError]:
    """Only a regular file is read, and only one inside the project."""
    named = Path(_folder_of(Path(given)), os.path.basename(given))
    if any(excludes.matches(str(path), is_dir=False) for path in (resolved, named)):
        return
    if not stat.S_ISREG(mode):
        yield FileError(shown, NOT_REGULAR)
    elif not _inside(root)(resolved):
        yield FileError(shown, OUTSIDE)
    else:
        yield SourceFile(path=resolved, display=shown, named=True)


def _display(shown: str, relative: str) -> str:
    if not relative:
        return shown
    return relative if shown == "." else posixpath.join(shown, relative)


def _ancestor_ignores(folder: Path, root: Path) -> tuple[_Ignore, ...]:
    """Git applies every .gitignore from the root down; a folder the user named although
    git ignores it is walked anyway, with only its own .gitignore files."""
    try:
        between = folder.relative_to(root).parts
    except ValueError:
        return ()
    ancestors = [root.joinpath(*between[:depth]) for depth in range(len(between))]
    ignores = tuple(ignore for ancestor in ancestors for ignore in _load_gitignore(str(ancestor)))
    if between and _is_ignored(ignores, str(folder), is_dir=True):
        return ()
    return ignores


def _is_python(name: str) -> bool:
    return name.endswith(".py")


def _walk(
    folder: str,
    ignores: tuple[_Ignore, ...],
    relative: str,
    excludes: Excludes,
    accept: Callable[[str], bool] = _is_python,
) -> Iterator[tuple[str, str] | Unreadable]:
    """Yield (path, path relative to the walk's start) for every kept *.py, sorted by name, and
    what could not be read on the way: folders that cannot be listed, and kept names that are
    not regular files. One bad folder never stops the walk.

    Folder symlinks are not followed so a link loop cannot hang the run. The walk starts from
    a resolved folder, so only a file that is itself a link has its path resolved. The folder
    the walk starts from is walked whatever it holds: the user named it."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield Unreadable(Path(folder), relative, reason(error), folder=True)
        return
    if relative and _holds_installed_packages([entry.name for entry in entries]):
        return
    ignores = ignores + _load_gitignore(folder)
    for entry in entries:
        inner = posixpath.join(relative, entry.name) if relative else entry.name
        if entry.is_dir(follow_symlinks=False):
            if _is_skipped_folder(entry, excludes) or excludes.matches(entry.path, is_dir=True):
                continue
            if not _is_ignored(ignores, entry.path, is_dir=True):
                yield from _walk(entry.path, ignores, inner, excludes, accept)
        elif (
            accept(entry.name)
            and not _is_ignored(ignores, entry.path, is_dir=False)
            and not excludes.matches(entry.path, is_dir=False)
        ):
            found = _as_file(entry, inner)
            if found is not None:
                yield found


def _as_file(entry: os.DirEntry[str], inner: str) -> tuple[str, str] | Unreadable | None:
    """A regular file, or a link to one (by the path it leads to); Unreadable for a FIFO, a
    device, a link to one of them or a symlink loop; None for what is not followed: a link to
    a folder, and a dangling link, as editors leave for lock files (`.#app.py`)."""
    try:
        if entry.is_file(follow_symlinks=False):
            return entry.path, inner
        mode = entry.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        return Unreadable(Path(entry.path), inner, reason(error))
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return Unreadable(Path(entry.path), inner, NOT_REGULAR)
    return os.path.realpath(entry.path), inner


def _is_skipped_folder(entry: os.DirEntry[str], excludes: Excludes) -> bool:
    """Generated code is not the user's to fix, and walking it is slow."""
    name = entry.name
    return excludes.defaults and (
        name.startswith(".") or name in _SKIPPED_NAMES or name.endswith(".egg-info")
    )


def _holds_installed_packages(names: Sequence[str]) -> bool:
    """Installed code is not the user's to fix: a virtual environment, or a folder of installed
    distributions (a Lambda layer's `python/`, a `package/` folder built for a zip), whose
    metadata (`boto3-1.34.0.dist-info`, `six-1.16.0-py3.12.egg-info`) lies beside the packages.
    A project's own `my_project.egg-info`, which setuptools writes beside its code, has no
    version in its name."""
    return "pyvenv.cfg" in names or any(_INSTALLED_METADATA.search(name) for name in names)


def _load_gitignore(folder: str) -> tuple[_Ignore, ...]:
    """A folder's .gitignore, if any; an unreadable one (or a FIFO) is treated as absent."""
    try:
        data = read_regular(os.path.join(folder, ".gitignore"))
    except OSError:
        return ()
    lines = data.decode("utf-8", errors="replace").splitlines()
    return ((folder, pathspec.GitIgnoreSpec.from_lines(lines)),)


def _is_ignored(ignores: tuple[_Ignore, ...], path: str, *, is_dir: bool) -> bool:
    """Like git, the deepest .gitignore with a matching pattern decides, so a nested `!x`
    can re-include what a parent ignored."""
    for base, spec in reversed(ignores):
        relative = PurePath(os.path.relpath(path, base)).as_posix() + ("/" if is_dir else "")
        verdict = spec.check_file(relative).include
        if verdict is not None:
            return verdict
    return False
