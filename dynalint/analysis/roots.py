"""Where each module is imported from: the sys.path entry its callers, declared handlers and
packaging show, which gives its dotted name and the folder a fix's helper module must live in.

Python's rule alone is not enough: a folder without `__init__.py` is either its own sys.path
entry (a SAM function folder holding `app.py`) or a namespace package (`from app import store`
with `app/` holding no `__init__.py`). The folder above a package-less folder is taken as the
root when a declared handler's code folder (a SAM `CodeUri`) is there, or when the project's own
code imports a module of the folder through it (`from app import store`, `import app.store`,
a console script `app.store:main`). Test code is no evidence: tests often import the code under
test through paths that Lambda never sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from dynalint.analysis.declared import DeclaredEntry
from dynalint.analysis.facts import Facts, absolute_imports
from dynalint.analysis.names import is_dotted_name
from dynalint.discovery import folder_import_root, import_root, is_test_file


class ImportRoots:
    def __init__(
        self,
        project: Path | None,
        facts: Mapping[Path, Facts],
        declared: Iterable[DeclaredEntry] = (),
    ) -> None:
        self._project = project
        self._facts = facts
        declared = list(declared)
        self._bases = {entry.base.resolve() for entry in declared if entry.base is not None}
        self._scripts = [entry.module for entry in declared if entry.base is None]
        self._imported: frozenset[str] | None = None
        self._folders: dict[Path, Path] = {}
        self._paths: dict[Path, Path] = {}

    def of(self, path: Path) -> Path:
        """The folder on sys.path when `path` is imported."""
        if path not in self._paths:
            folder = import_root(path)
            if folder not in self._folders:
                self._folders[folder] = self._root_above(folder)
            self._paths[path] = self._folders[folder]
        return self._paths[path]

    def module_name(self, path: Path) -> str:
        parts = list(path.relative_to(self.of(path)).with_suffix("").parts)
        if len(parts) > 1 and parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def _root_above(self, folder: Path) -> Path:
        candidates = list(self._candidates(folder))
        for candidate in candidates:
            if candidate in self._bases:
                return candidate
        if len(candidates) > 1 and (folder.parent / "__init__.py").is_file():
            # A folder inside a regular package is a namespace portion of that package.
            return self._root_above(folder_import_root(folder.parent))
        found = folder
        for candidate in candidates[1:]:
            prefix = ".".join(folder.relative_to(candidate).parts)
            if self._imported_through(prefix, folder):
                found = candidate
        return found

    def _candidates(self, folder: Path) -> Iterator[Path]:
        """`folder`, then each folder above it while the one below could be a namespace
        package of it, within the project."""
        yield folder
        if self._project is None or not folder.is_relative_to(self._project):
            return
        while folder != self._project and folder.name.isidentifier():
            folder = folder.parent
            yield folder

    def _imported_through(self, prefix: str, folder: Path) -> bool:
        """Some module imports a module of `folder` as `prefix.<module>`."""
        start = f"{prefix}."
        for name in self._imported_names():
            if name.startswith(start):
                head = name[len(start) :].partition(".")[0]
                if (folder / f"{head}.py").is_file() or (folder / head).is_dir():
                    return True
        return False

    def _imported_names(self) -> frozenset[str]:
        if self._imported is None:
            names = set(self._scripts)
            for path, facts in self._facts.items():
                if self._project is None or not is_test_file(path, self._project):
                    names.update(absolute_imports(facts))
            self._imported = frozenset(n for n in names if "." in n and is_dotted_name(n))
        return self._imported


DEFAULT_HELPER_MODULE = "aws_helpers"


def helper_module_for(module: str, is_package: bool, configured: str | None) -> str:
    """The helper module a fix of `module` imports: the configured one (relative to the import
    root), else `aws_helpers` in the module's top-level package, so that it ships with the code
    that imports it however that code is packaged (a wheel, a Lambda zip), or at the import root
    for a top-level module."""
    if configured is not None:
        return configured
    if "." in module or is_package:
        return f"{module.partition('.')[0]}.{DEFAULT_HELPER_MODULE}"
    return DEFAULT_HELPER_MODULE


def module_path(root: Path, dotted: str) -> Path:
    """The file of module `dotted` under `root`: a package's `__init__.py` if it has one.

    Raises ValueError when a module of the project stands where one of its packages would have
    to be (`handler.db` beside `handler.py`)."""
    if not is_dotted_name(dotted):
        raise ValueError(f"not a dotted module name: {dotted!r}")
    parts = dotted.split(".")
    for depth in range(1, len(parts)):
        module = root.joinpath(*parts[: depth - 1], f"{parts[depth - 1]}.py")
        if module.is_file():
            prefix = ".".join(parts[:depth])
            raise ValueError(f"{prefix} is a module of the project ({module.name}), not a package")
    package = root.joinpath(*parts, "__init__.py")
    if package.is_file():
        return package
    return root.joinpath(*parts[:-1], f"{parts[-1]}.py")
