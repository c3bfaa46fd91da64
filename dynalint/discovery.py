"""Turn command-line paths into the files to check, and find the project around them.

Kept free of click and of any printing so the CLI, the tests and the analysis can all
reuse it; the CLI decides how to report `Discovery.missing`.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import pathspec

_PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_SKIPPED_NAMES = frozenset({"node_modules", "build", "dist", "__pycache__", "site-packages"})
_TEST_FOLDERS = frozenset({"tests", "test"})
_INSTALLED_METADATA = re.compile(r"\.dist-info$|-\d[^-]*(?:-py[\d.]+)?\.egg-info$")

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
    """Files to check plus the given paths that were not there, so the CLI can warn."""

    files: tuple[SourceFile, ...]
    missing: tuple[str, ...]


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
        self._walked: dict[str, list[tuple[Path, str]]] = {}

    def files(self, folder: str, ignores: tuple[_Ignore, ...] = ()) -> list[tuple[Path, str]]:
        """(path, path relative to `folder`) of every kept file under `folder`, sorted."""
        if not ignores and folder in self._walked:
            return self._walked[folder]
        found = [
            (Path(path), relative)
            for path, relative in _walk(folder, ignores, "", self.excludes, self._accept)
        ]
        if not ignores:
            self._walked[folder] = found
        return found

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
    missing = tuple(given for given in paths if not os.path.exists(given))
    existing = [given for given in paths if given not in missing]
    root = find_project_root([Path(given) for given in existing])
    seen: dict[Path, SourceFile] = {}
    for given in existing:
        for source in _sources_for(given, root, include_tests, walker):
            seen.setdefault(source.path, source)
    files = tuple(sorted(seen.values(), key=lambda source: (source.display, str(source.path))))
    return Discovery(files=files, missing=missing)


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
    for path, relative in walker.files(str(root.resolve())):
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
    return sorted(Path(path) for path, _ in _walk(str(root.resolve()), (), "", excludes, accept))


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
    folders = [
        resolved if resolved.is_dir() else resolved.parent
        for resolved in (p.resolve() for p in set(paths))
    ]
    return Path(os.path.commonpath([str(folder) for folder in folders]))


def _sources_for(
    given: str, root: Path, include_tests: bool, walker: Walker
) -> Iterator[SourceFile]:
    """A named file is always checked, whatever its name or ignore status, unless the project's
    settings exclude it; a folder is walked."""
    shown = PurePath(given).as_posix()
    resolved = Path(given).resolve()
    if not resolved.is_dir():
        if not walker.excludes.matches(str(resolved), is_dir=False):
            yield SourceFile(path=resolved, display=shown, named=True)
        return
    above = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None
    for path, relative in walker.files(str(resolved), _ancestor_ignores(resolved, root)):
        if not _is_python(relative):
            continue
        if not include_tests and (
            is_test_file(path, root)
            if above is None
            else _is_test_path(relative if above == "." else f"{above}/{relative}")
        ):
            continue
        display = relative if shown == "." else posixpath.join(shown, relative)
        yield SourceFile(path=path, display=display)


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
) -> Iterator[tuple[str, str]]:
    """Yield (path, path relative to the walk's start) for every kept *.py, sorted by name.

    Folder symlinks are not followed so a link loop cannot hang the run. The walk starts from
    a resolved folder, so only a file that is itself a link has its path resolved. The folder
    the walk starts from is walked whatever it holds: the user named it."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
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
            and entry.is_file()
            and not _is_ignored(ignores, entry.path, is_dir=False)
            and not excludes.matches(entry.path, is_dir=False)
        ):
            yield (os.path.realpath(entry.path) if entry.is_symlink() else entry.path), inner


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
    """A folder's .gitignore, if any; an unreadable one is treated as absent."""
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ()
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
