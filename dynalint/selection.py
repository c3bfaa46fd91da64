"""Which files are worth parsing, decided from the facts of `analysis.facts`.

A file is parsed for its creation sites only if its facts say it can hold one. A file is parsed
for reachability only if it can refer to a function leading to a site: it imports the module
that defines the function, re-exports it or inherits it (or a package above it, with a plain
`import`), it names the function's top-level name in that module (the function, or the class
of a method), and it spells the member a reference would (the method, `C` for `C.__init__`),
subclasses the class or calls `getattr`. Over-approximating is safe; missing is not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Set
from pathlib import Path

from dynalint.analysis.facts import Facts, reached_modules
from dynalint.analysis.model import FileModel
from dynalint.analysis.project import FunctionKey, Project, inherited


class Importers:
    """Which files can refer to the names of a module, found by their imports. A file that
    imports `importlib` can load any module by a name it computes."""

    def __init__(self, reached: Mapping[Path, tuple[set[str], set[str]]]) -> None:
        self._exact: dict[str, set[Path]] = defaultdict(set)
        self._within: dict[str, set[Path]] = defaultdict(set)
        for path, (exact, within) in reached.items():
            for name in exact:
                self._exact[name].add(path)
            for name in within:
                self._within[name].add(path)
        self._dynamic = self._exact.get("importlib", set()) | self._within.get("importlib", set())

    def of(self, module: str) -> set[Path]:
        found = set(self._exact.get(module, ()))
        parts = module.split(".")
        for cut in range(1, len(parts) + 1):
            found |= self._within.get(".".join(parts[:cut]), set())
        return found

    def loading(self, module: str) -> set[Path]:
        """Files that may load a module of a package by a computed name
        (`import_module("commands." + name)`): only modules inside a package can be."""
        return self._dynamic if "." in module else set()


def names_package(data: bytes, module: str) -> bool:
    """The file spells the package of `module` as the start of a string: `"commands.`."""
    package = module.rpartition(".")[0].encode()
    return re.search(rb"[\"']" + re.escape(package + b"."), data) is not None


def top_name(qualname: str) -> str:
    """How other modules must name a function to reach it: `f` for `f`, `f.<locals>.g` and the
    methods of a class `f`."""
    return qualname.partition(".")[0]


def mention(qualname: str) -> str:
    """The last name a reference to a function spells: `m` for `C.m`, `C` for `C.__init__`."""
    parts = qualname.split(".<locals>.")[0].split(".")
    if len(parts) > 1 and parts[-1].startswith("__") and parts[-1].endswith("__"):
        return parts[-2]
    return parts[-1]


class Words:
    """Matches files that name one of a set of words, rebuilt as the set grows."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self._patterns: tuple[re.Pattern[bytes], re.Pattern[bytes]] | None = None

    def add(self, words: Iterable[str]) -> bool:
        before = len(self.words)
        self.words.update(words)
        if len(self.words) == before:
            return False
        self._patterns = None
        return True

    def found_in(self, data: bytes) -> bool:
        return self._search(data, 0)

    def subclassed_in(self, data: bytes) -> bool:
        """A class statement of the file names one of the words among its bases."""
        return self._search(data, 1)

    def _search(self, data: bytes, which: int) -> bool:
        if not self.words:
            return False
        if self._patterns is None:
            names = b"|".join(re.escape(word.encode()) for word in sorted(self.words))
            word = rb"(?<!\w)(?:%s)(?!\w)" % names
            self._patterns = (re.compile(word), re.compile(rb"class\s+\w+\s*\([^)]*" + word))
        return self._patterns[which].search(data) is not None


Unit = tuple[Path, str]
"""A module as Python finds it: its import root and its dotted name."""

_MAX_HOPS = 8


class Callers:
    """The rounds that follow callers: which files to parse next so that every reference to a
    function leading to a creation site is seen.

    A function is wanted when it holds a site or refers to a wanted function; a module's names
    are wanted when they lead to a wanted function (defined there, re-exported, or inherited by
    a class). A file is parsed when it imports a module with wanted names and names one of them.
    """

    def __init__(
        self,
        units: Mapping[Path, Unit],
        facts: Mapping[Path, Facts],
        on_disk: Set[Unit],
        read: Callable[[Path], bytes],
    ) -> None:
        """`on_disk` is the set of `units`' values, which the caller already holds."""
        self._units = units
        self._on_disk = on_disk
        self._by_module: dict[str, list[Path]] = defaultdict(list)
        for path, (_, module) in sorted(units.items()):
            self._by_module[module].append(path)
        self._importers = Importers(
            {
                path: reached_modules(facts[path], module, path.name == "__init__.py")
                for path, (_, module) in units.items()
            }
        )
        self._read = read
        self._wanted: set[FunctionKey] = set()
        self._words: dict[Unit, Words] = defaultdict(Words)
        self._said: dict[Unit, Words] = defaultdict(Words)
        self._mentions: set[str] = set()
        self._members: dict[str, set[str]] = defaultdict(set)
        self._grown: set[Unit] = set()

    def next_files(self, models: Mapping[Path, FileModel], project: Project) -> set[Path]:
        """Files not among `models` that the wanted names, grown from `models`, may be in."""
        self._grow(models, project)
        found = self._exporters(models)
        for unit in self._grown:
            found |= self._importing(unit, models)
        self._grown = set()
        return found - models.keys()

    # -- what is wanted ------------------------------------------------------------------------

    def _grow(self, models: Mapping[Path, FileModel], project: Project) -> None:
        returning: dict[str, list[tuple[Path, str]]] = defaultdict(list)
        for path, model in models.items():
            for site in model.sites:
                self._want(path, site.function)
            for function, cls in model.returns.items():
                returning[cls].append((path, function))
        self._factories(models, returning)
        changed = True
        while changed:
            changed = False
            for path, model in models.items():
                for reference in model.references:
                    source = reference.source
                    if source is None or (path, source) in self._wanted:
                        continue
                    if mention(reference.target) in self._mentions and self._leads(
                        project.resolve(reference.target, path)
                    ):
                        changed |= self._want(path, source)
                changed |= self._exported(path, model, project)
            changed |= self._factories(models, returning)

    def _want(self, path: Path, qualname: str) -> bool:
        if (path, qualname) in self._wanted:
            return False
        self._wanted.add((path, qualname))
        self._name(self._units[path], qualname.split(".<locals>.")[0], mention(qualname))
        return True

    def _name(self, unit: Unit, spelled: str, mentioned: str) -> bool:
        """`spelled` (`f`, `C.m`) of the module of `unit` leads to a wanted function: other
        modules must name its top-level name, and references spell `mentioned`."""
        top = top_name(spelled)
        self._mentions.add(mentioned)
        self._members[top].add(spelled[len(top) + 1 :])
        said = self._said[unit].add([mentioned])
        if self._words[unit].add([top]) or said:
            self._grown.add(unit)
            return True
        return False

    def _factories(
        self, models: Mapping[Path, FileModel], returning: Mapping[str, list[tuple[Path, str]]]
    ) -> bool:
        """A wanted method is called on what a function returns as its class, too
        (`provider_for(kind).run()`): that function's name leads to it. `returning` lists the
        functions returning each class."""
        changed = False
        for path, qualname in list(self._wanted):
            cls, _, method = qualname.partition(".<locals>.")[0].rpartition(".")
            owner = models.get(path)
            if owner is None or cls not in owner.classes:
                continue
            for at, function in returning.get(f"{owner.module}.{cls}", ()):
                changed |= self._name(self._units[at], function, method)
        return changed

    def _exported(self, path: Path, model: FileModel, project: Project) -> bool:
        """Re-exported and inherited names of the module that lead to wanted functions: an
        alias of a wanted name, a class whose base has wanted members."""
        names = [(alias, _last(target)) for alias, target in model.aliases.items()]
        names += [(cls, _last(base)) for cls, bases in model.classes.items() for base in bases]
        changed = False
        for name, source in names:
            for member in sorted(self._members.get(source, ())):
                spelled = f"{name}.{member}" if member else name
                if self._leads(project.resolve(f"{model.module}.{spelled}", path)):
                    changed |= self._name(self._units[path], spelled, mention(spelled))
        return changed

    def _leads(self, keys: Iterable[FunctionKey]) -> bool:
        return any(key in self._wanted for key in keys)

    # -- which files ---------------------------------------------------------------------------

    def _importing(self, unit: Unit, models: Mapping[Path, FileModel]) -> set[Path]:
        """Files that import the module of `unit`, resolve that import to it, and name one of
        its wanted names and the member they would use."""
        root, module = unit
        found = set()
        static = self._importers.of(module)
        for path in static | self._importers.loading(module):
            if path in models:
                continue
            own_root = self._units[path][0]
            if own_root != root and (own_root, module) in self._on_disk:
                continue  # Python finds the module of the file's own import root instead
            data = self._read(path)
            if path not in static and not names_package(data, module):
                continue
            words = self._words[unit]
            if words.found_in(data) and (
                self._said[unit].found_in(data)
                or words.subclassed_in(data)
                or b"getattr" in data  # `getattr(module, name)` spells no member
            ):
                found.add(path)
        return found

    def _exporters(self, models: Mapping[Path, FileModel]) -> set[Path]:
        """The modules that say what a receiver imported from the project holds."""
        found: set[Path] = set()
        for path, model in models.items():
            for site in model.sites:
                if site.kind is None and site.receiver is not None:
                    found |= self._defining(site.receiver, path, models, 0)
        return found

    def _defining(
        self, target: str, origin: Path, models: Mapping[Path, FileModel], hops: int
    ) -> set[Path]:
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            paths = self._by_module.get(".".join(parts[:cut]))
            if not paths:
                continue
            root = self._units[origin][0]
            found: set[Path] = set()
            for path in [p for p in paths if self._units[p][0] == root] or paths:
                if path not in models:
                    found.add(path)
                elif hops < _MAX_HOPS:
                    for onward in _onward(models[path], parts[cut:]):
                        found |= self._defining(onward, path, models, hops + 1)
            return found
        return set()


def _onward(model: FileModel, rest: list[str]) -> list[str]:
    """Where a name of a parsed module leads on: its alias's target, or the bases of the class
    whose member it is (an inherited method)."""
    alias = model.aliases.get(rest[0])
    if alias is not None:
        return [".".join((alias, *rest[1:]))]
    return inherited(model, rest)


def _last(dotted: str) -> str:
    return dotted.rpartition(".")[2]
