"""Paths or source text in, `LintResult` out. Pure: no printing, no click, and it never raises
for a bad file; the file becomes a `FileError` and the run goes on.

Every file of the project is read (or, with a cache, stat-ed) once; only files that can matter
are parsed, as `selection` decides from facts read off their bytes: files that can hold a
creation site, then, in rounds, files that import a module holding a function that leads to a
site and name that function. Models come from the cache where their key matches, and are built
in worker processes when there are many. One analysis serves a whole command.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dynalint.analysis.declared import (
    DeclaredEntry,
    console_scripts,
    distribution_roots,
    handlers_in,
    is_declaring_name,
    is_project_file_name,
    packaging_files,
)
from dynalint.analysis.facts import Facts, facts_of, reached_modules
from dynalint.analysis.model import FileModel, Job, Site
from dynalint.analysis.project import FunctionKey, Project, Verdict
from dynalint.analysis.roots import ImportRoots, helper_module_for, module_path
from dynalint.cache import CACHE_DIR, Cache, Known, Stat, digest, model_key, stat_key
from dynalint.config import DEFAULT_CONFIG, Config, canonical, default_jobs
from dynalint.discovery import (
    Walker,
    discover,
    find_project_root,
    folder_import_root,
    project_tree,
)
from dynalint.reading import read_regular, reason, stat_regular
from dynalint.rules import BY_KIND
from dynalint.selection import Callers, Unit
from dynalint.suppress import Suppressions, is_suppressed, suppressions
from dynalint.text import decode
from dynalint.types import FileError, Finding, Fix, LintResult, RunStats, Source

if TYPE_CHECKING:  # each needs libcst, which a run that parses nothing never imports
    from dynalint.fix.helper import HelperPlace
    from dynalint.workers import Builder


def lint_paths(
    paths: Sequence[str],
    config: Config = DEFAULT_CONFIG,
    *,
    sources: Mapping[Path, bytes] | None = None,
) -> LintResult:
    """Check the files under `paths`, judging reachability over their whole project.

    `sources` stands in for files' contents on disk (editors' unsaved buffers, a fix being
    verified before it is written); its paths are absolute and resolved, and may not exist yet.
    """
    overrides = dict(sources or {})
    walker = Walker(config.excludes, also=is_project_file_name)
    found = discover(paths, include_tests=config.include_tests, walker=walker)
    missing = tuple(FileError(given, "no such file or directory") for given in found.missing)
    if not found.files:
        return LintResult((), missing + found.problems, 0)
    checked = {source.path: source.display for source in found.files}
    named = {source.path for source in found.files if source.named}
    absolute = all(os.path.isabs(given) for given in paths)
    result = _in_project(checked, named, config, overrides, absolute, walker)
    errors = sorted((*found.problems, *result.errors), key=lambda error: error.path)
    return replace(result, errors=missing + tuple(errors))


def lint_stdin(data: bytes, filename: str, config: Config = DEFAULT_CONFIG) -> LintResult:
    """Check source read from standard input as the file `filename`, in that file's project.

    Editors send unsaved buffers this way; the file need not exist on disk.
    """
    path = Path(os.path.realpath(filename))  # Path.resolve() raises on a symlink loop
    walker = Walker(config.excludes, also=is_project_file_name)
    return _in_project(
        {path: filename}, {path}, config, {path: data}, os.path.isabs(filename), walker
    )


def _in_project(
    checked: Mapping[Path, str],
    named: Set[Path],
    config: Config,
    overrides: Mapping[Path, bytes],
    absolute: bool,
    walker: Walker,
) -> LintResult:
    root = find_project_root(list({path.parent for path in checked}))
    tree = project_tree(root, walker, include_tests=config.include_tests)
    everything = {*tree.python, *checked, *overrides}
    cache = None
    if config.cache:
        cache = Cache(config.cache_dir or root / CACHE_DIR, root)
    project = (root, tree.other)
    return _Analysis(everything, checked, config, overrides, project, absolute, cache).run(named)


def lint_source(
    source: str | bytes, path: str = "<stdin>", config: Config = DEFAULT_CONFIG
) -> LintResult:
    """Check one module on its own, as if it were the whole project."""
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    where = Path(path).absolute()
    return _Analysis({where}, {where: path}, config, {where: data}, None, False, None).run({where})


@dataclass(frozen=True)
class _Outcome:
    """What a run found, kept so that a run on the same inputs gives it back. `outside` holds
    the helper modules its fixes looked at that are not files of the project, with the digest
    of their bytes (None: there was none)."""

    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    outside: tuple[tuple[Path, str | None], ...]


@dataclass
class _File:
    """A project file as far as the run has needed it: with the stat shortcut of the cache, its
    bytes are read only when it is parsed or reported."""

    facts: Facts
    digest: str
    data: bytes | None = None
    module: str = ""


class _Changed(Exception):
    """A file's bytes are no longer those its cached facts were computed from."""


class _Analysis:
    def __init__(
        self,
        paths: Iterable[Path],
        checked: Mapping[Path, str],
        config: Config,
        overrides: Mapping[Path, bytes],
        project: tuple[Path, Sequence[Path]] | None,
        absolute: bool,
        cache: Cache | None,
    ) -> None:
        """`project` is the project's root and the templates and packaging files under it, None
        for a lone module."""
        self._checked = checked
        self._config = config
        self._overrides = overrides
        self._root: Path | None = project[0] if project else None
        other = project[1] if project else ()
        self._templates = [path for path in other if is_declaring_name(path.name)]
        self._absolute = absolute
        self._cache = cache
        self._errors: list[FileError] = []
        self._unsettled = False  # something could not be read as it was: keep no outcome
        self._files: dict[Path, _File] = {}
        self.models: dict[Path, FileModel] = {}
        self._attempted: set[Path] = set()
        self._helpers: dict[Path, HelperPlace] = {}
        self._outside: dict[Path, str | None] = {}
        self._builder: Builder | None = None
        self._read = self._parsed = self._cached = 0
        paths = sorted(paths, key=str)
        self._distributions = distribution_roots(project[0], [*other, *paths]) if project else ()
        for path in paths:
            self._inspect(path)

    def run(self, named: Set[Path] = frozenset()) -> LintResult:
        """`named` files are parsed whatever their facts say, so their syntax errors show.

        Only the checked files' sites are reported, so only their sites are wanted: the rest of
        the project is parsed as far as it can call them or say what their receivers hold."""
        key = self._outcome_key(named)
        if key is not None:
            reused = self._reuse(*key)
            if reused is not None:
                return reused
        self._prepare()
        try:
            self._parse(
                path
                for path, file in self._files.items()
                if path in named or (path in self._checked and self._may_create(path, file))
            )
            self._follow_callers()
        finally:
            if self._builder is not None:
                self._builder.close()
            if self._cache is not None:
                self._cache.save()
        project = self._project()
        findings: list[Finding] = []
        for path in self._checked:
            if path in self.models:
                findings.extend(self._findings(path, project))
        findings.sort(key=lambda finding: finding.sort_key)
        sources = self._sources(findings)
        errors = tuple(sorted(self._errors, key=lambda error: error.path))
        if key is not None and self._cache is not None and not self._unsettled:
            outside = tuple(sorted(self._outside.items()))
            self._cache.keep_outcome(*key, _Outcome(tuple(findings), errors, outside))
        stats = RunStats(len(self._files), self._read, self._parsed, self._cached)
        return LintResult(tuple(findings), errors, len(self._checked), sources, stats)

    def _prepare(self) -> None:
        """The module name and import root of every file, from its facts and the entry points
        the project declares."""
        self._handlers, self._scripts = self._declared()
        self._facts = {path: file.facts for path, file in self._files.items()}
        entries = [*self._handlers, *self._scripts]
        self._roots = ImportRoots(self._root, self._facts, entries)
        self._units: dict[Path, Unit] = {}
        for path, file in self._files.items():
            file.module = self._roots.module_name(path)
            self._units[path] = (self._roots.of(path), file.module)
        self._on_disk = set(self._units.values())

    def _may_create(self, path: Path, file: _File) -> bool:
        """Its facts say so, or it can reach one of the project's configured creators: it is
        the creator's own module, or it imports the creator or a module above it."""
        if file.facts.may_create:
            return True
        creators = self._config.vocabulary.creators
        if not creators:
            return False
        exact, within = reached_modules(file.facts, file.module, path.name == "__init__.py")
        reachable = exact | within | {file.module}
        return any(
            ".".join(parts[:cut]) in reachable
            for parts in (name.split(".") for name, _ in creators)
            for cut in range(1, len(parts) + 1)
        )

    def _sources(self, findings: Iterable[Finding]) -> dict[str, Source]:
        fixed = {finding.path for finding in findings if finding.fix is not None}
        return {
            display: Source(path, self._bytes(path))
            for path, display in self._checked.items()
            if display in fixed
        }

    # -- reusing a whole outcome -----------------------------------------------------------

    def _outcome_key(self, named: Set[Path]) -> tuple[str, str] | None:
        """The cache entry of this command and the key of its inputs: every file's path and
        digest, where each package's imports start, the templates and packaging files, the
        settings, and how paths are shown. None when the outcome cannot be kept."""
        if self._cache is None or self._overrides or self._unsettled or self._root is None:
            return None
        command = (
            os.getcwd(),
            self._absolute,
            str(self._root),
            sorted((str(path), shown) for path, shown in self._checked.items()),
            sorted(map(str, named)),
            self._config.shape(),
        )
        packaging = (p for folder in self._distributions for p in packaging_files(folder))
        declaring = sorted({*self._templates, *packaging})
        folders = {path.parent for path in self._files}
        inputs = [
            *(f"{path}\0{file.digest}" for path, file in self._files.items()),
            *(f"{folder}\0{folder_import_root(folder)}" for folder in folders),
            *(f"{path}\0{_digest_at(path)}" for path in declaring),
        ]
        return digest(repr(command).encode()), digest("\n".join(sorted(inputs)).encode())

    def _reuse(self, slot: str, key: str) -> LintResult | None:
        assert self._cache is not None
        stored = self._cache.outcome(slot, key)
        if not isinstance(stored, _Outcome):
            return None
        if any(_digest_at(path) != known for path, known in stored.outside):
            return None
        try:
            sources = self._sources(stored.findings)
        except (OSError, _Changed):
            return None
        self._cache.save()
        stats = RunStats(len(self._files), self._read, reused=True)
        return LintResult(stored.findings, stored.errors, len(self._checked), sources, stats)

    def _project(self) -> Project:
        models = dict(sorted(self.models.items()))
        return Project(
            models,
            self._handlers,
            self._scripts,
            self._roots,
            self._on_disk,
            self._distributions,
        )

    # -- reading ---------------------------------------------------------------------------

    def _inspect(self, path: Path) -> None:
        """A file's facts: from the cache when its stat matches, else from its bytes."""
        if path in self._overrides:
            self._learn(path, self._overrides[path], None)
            return
        try:
            stat = stat_key(stat_regular(path))
            known = self._cache.known(path, stat) if self._cache is not None else None
            if known is None:
                data = read_regular(path)
        except OSError as error:
            self._trouble(path, _cannot_read(error))
            return
        if known is None:
            self._learn(path, data, stat)
        else:
            self._add(path, _File(known.facts, known.digest))

    def _learn(self, path: Path, data: bytes, stat: Stat | None) -> None:
        """Only the bytes a run is sure to need are kept; the rest are read again if needed, so
        memory stays flat however large the project is."""
        self._read += 1
        file = _File(facts_of(data), digest(data))
        if file.facts.may_create or path in self._overrides:
            file.data = data
        if self._cache is not None:
            self._cache.remember(path, stat, Known(file.digest, file.facts))
        self._add(path, file)

    def _add(self, path: Path, file: _File) -> None:
        """Every file that cannot be decoded is reported, parsed or not; it never is."""
        self._files[path] = file
        if file.facts.problem is not None:
            self._fail(path, file.facts.problem)
            self._attempted.add(path)

    def _bytes(self, path: Path) -> bytes:
        """A file's bytes, the very ones this run's facts and models were computed from."""
        file = self._files[path]
        if file.data is None:
            data = read_regular(path)
            if digest(data) != file.digest:
                raise _Changed(path)
            file.data = data
        return file.data

    # -- parsing only what matters ---------------------------------------------------------

    def _parse(self, paths: Iterable[Path]) -> None:
        """Models for `paths`, from the cache where it has them, built (in parallel) where not;
        a file's bytes are read only to build its model."""
        todo: list[tuple[Path, Job, str | None]] = []
        for path in sorted(set(paths) - self._attempted):
            self._attempted.add(path)
            module, is_package, helper = self._shape(path)
            key, cached = None, None
            if self._cache is not None:
                key = self._key(path, module, is_package, helper)
                cached = self._cache.model(key)
            if cached is not None:
                self._cached += 1
                self._keep(path, cached)
                continue
            try:
                data = self._bytes(path)
            except OSError as error:
                self._trouble(path, _cannot_read(error))
                continue
            except _Changed:
                self._trouble(path, _CHANGED)
                continue
            vocabulary = self._config.vocabulary
            todo.append((path, Job(data, module, is_package, vocabulary, helper), key))
        if todo:
            built = self._workers().models([job for _, job, _ in todo])
            for (path, _, key), model in zip(todo, built, strict=True):
                self._parsed += 1
                if self._cache is not None and key is not None:
                    self._cache.keep(key, model)
                self._keep(path, model)

    def _shape(self, path: Path) -> tuple[str, bool, str]:
        """The module's name, whether it is a package, and the helper module its fixes import."""
        module = self._files[path].module
        is_package = path.name == "__init__.py"
        return module, is_package, helper_module_for(module, is_package, self._config.helper_module)

    def _key(self, path: Path, module: str, is_package: bool, helper: str) -> str:
        vocabulary = canonical(self._config.vocabulary)
        return model_key(self._files[path].digest, module, is_package, helper, vocabulary)

    def _keep(self, path: Path, built: FileModel | str) -> None:
        if isinstance(built, str):
            self._fail(path, built)
        else:
            self.models[path] = built

    def _workers(self) -> Builder:
        if self._builder is None:
            from dynalint.workers import Builder

            self._builder = Builder(self._config.jobs or default_jobs())
        return self._builder

    def _follow_callers(self) -> None:
        """Parse, in rounds, the files that can refer to a function leading to a creation site."""
        callers = Callers(self._units, self._facts, self._on_disk, self._bytes_or_nothing)
        while True:
            pending = callers.next_files(self.models, self._project()) - self._attempted
            if not pending:
                return
            self._parse(pending)

    def _bytes_or_nothing(self, path: Path) -> bytes:
        try:
            return self._bytes(path)
        except (OSError, _Changed):
            self._unsettled = True
            return b""

    def _declared(self) -> tuple[list[DeclaredEntry], list[DeclaredEntry]]:
        """Lambda handlers and console scripts from the project's templates and packaging."""
        if self._root is None:
            return [], []
        scripts = [entry for folder in self._distributions for entry in console_scripts(folder)]
        return handlers_in(self._templates), scripts

    # -- findings --------------------------------------------------------------------------

    def _findings(self, path: Path, project: Project) -> list[Finding]:
        try:
            reported = dict(self._reported(path, project))
        except OSError as error:
            self._trouble(path, _cannot_read(error))
            return []
        except _Changed:
            self._trouble(path, _CHANGED)
            return []
        if not reported:
            return []
        helper = self._helper_path(path)
        found: list[Finding] = []
        for site, verdict in reported.values():
            assert site.kind is not None and verdict.reach is not None
            chain = tuple(f"{self._display(p)}:{_readable(q)}" for p, q in verdict.chain)
            via = self._via(verdict.chain or ((path, site.function),), path)
            fix = _chosen_fix(site, reported.keys(), helper)
            display = self._checked[path]
            found.append(BY_KIND[site.kind].finding(site, display, verdict.reach, chain, via, fix))
        return found

    def _helper_path(self, path: Path) -> HelperPlace | str:
        """Where the helper module a fix of `path` imports lives, or why it cannot."""
        from dynalint.fix.helper import HelperPlace

        name = self.models[path].helper_module
        try:
            where = module_path(self._roots.of(path), name)
        except ValueError as error:
            return f"the helper module {name} cannot be created: {error}"
        if where not in self._helpers:
            if where in self._files:
                data: bytes | None = self._bytes_or_nothing(where)
            else:
                data = _read_or_none(where)
                self._outside[where] = None if data is None else digest(data)
            self._helpers[where] = HelperPlace.at(where, self._display(where), data, self._root)
        return self._helpers[where]

    def _reported(self, path: Path, project: Project) -> Iterator[tuple[int, tuple[Site, Verdict]]]:
        """The module's sites that are reported, by their index in the model."""
        codes = self._config.codes - self._config.ignored_in(path)
        noqa: Suppressions | None = None
        for index, site in enumerate(self.models[path].sites):
            site = project.site_kind(site, path)
            if site.kind is None or BY_KIND[site.kind].code not in codes:
                continue
            verdict = project.site_verdict(site, path)
            if verdict.reach not in self._config.reach:
                continue
            if noqa is None:
                noqa = suppressions(decode(self._bytes(path))[0])
            if not is_suppressed(noqa, site.span.line, BY_KIND[site.kind].code):
                yield index, (site, verdict)

    def _via(self, chain: Sequence[FunctionKey], site_path: Path) -> str:
        steps = []
        for path, qualname in reversed(chain):
            step = f"{_readable(qualname)}()"
            steps.append(step if path == site_path else f"{step} ({self._display(path)})")
        return " <- ".join(steps)

    def _display(self, path: Path) -> str:
        if path in self._checked:
            return self._checked[path]
        if self._absolute:
            return str(path)
        relative = os.path.relpath(path)
        return (str(path) if relative.startswith("..") else relative).replace(os.sep, "/")

    def _fail(self, path: Path, message: str) -> None:
        if path in self._checked:
            self._errors.append(FileError(self._checked[path], message))

    def _trouble(self, path: Path, message: str) -> None:
        """A failure of the moment, not of the file's bytes: the next run may not see it."""
        self._unsettled = True
        self._fail(path, message)


_CHANGED = "changed while being checked; check it again"


def _cannot_read(error: OSError) -> str:
    return reason(error)


def _read_or_none(path: Path) -> bytes | None:
    """The bytes of a regular file; None for anything else (a folder, a pipe) or none at all."""
    try:
        return read_regular(path)
    except OSError:
        return None


def _digest_at(path: Path) -> str | None:
    data = _read_or_none(path)
    return None if data is None else digest(data)


def _chosen_fix(site: Site, reported: Set[int], helper: HelperPlace | str) -> Fix | str:
    """The site's best fix whose every rewritten site is reported, or why it has none."""
    for option in site.fixes:
        if isinstance(helper, str):
            return helper
        if option.needs <= reported:
            problem = helper.problem(i.name for i in option.fix.imports)
            if problem is not None:
                return problem
            return replace(option.fix, helper_path=helper.path, helper_display=helper.display)
    return site.no_fix or "it cannot be fixed without touching code that is not reported"


def _readable(qualname: str) -> str:
    return qualname.replace(".<locals>", "")
