"""Paths or source text in, `LintResult` out. Pure: no printing, no click, and it never raises
for a bad file; the file becomes a `FileError` and the run goes on.

Only files that can matter are parsed. A file can hold a creation site only if it mentions boto
(or calls `.client(`, `.resource(`, `.Table(` on something it imported); a file matters for
reachability only if it mentions a function that leads to a site. Everything else is read as bytes,
searched once, and never parsed.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import replace
from pathlib import Path

import libcst as cst

from dynalint.analysis.build import build_model
from dynalint.analysis.declared import DeclaredEntry, console_scripts, lambda_handlers
from dynalint.analysis.model import FileModel, Site
from dynalint.analysis.project import FunctionKey, Project, Verdict
from dynalint.analysis.roots import ImportRoots, helper_module_for, module_path
from dynalint.config import DEFAULT_CONFIG, Config
from dynalint.discovery import discover, find_project_root, project_files
from dynalint.fix.helper import HelperPlace
from dynalint.rules import BY_KIND
from dynalint.selection import CANDIDATE, Wanted
from dynalint.suppress import Suppressions, is_suppressed, suppressions
from dynalint.text import decode, decode_error
from dynalint.types import FileError, Finding, Fix, LintResult, Source


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
    found = discover(paths, include_tests=config.include_tests, excludes=config.excludes)
    missing = tuple(FileError(given, "no such file or directory") for given in found.missing)
    if not found.files:
        return LintResult((), missing, 0)
    checked = {source.path: source.display for source in found.files}
    absolute = all(os.path.isabs(given) for given in paths)
    result = _in_project(checked, config, overrides, absolute)
    return replace(result, errors=missing + result.errors)


def lint_stdin(data: bytes, filename: str, config: Config = DEFAULT_CONFIG) -> LintResult:
    """Check source read from standard input as the file `filename`, in that file's project.

    Editors send unsaved buffers this way; the file need not exist on disk.
    """
    path = Path(filename).resolve()
    return _in_project({path: filename}, config, {path: data}, os.path.isabs(filename))


def _in_project(
    checked: Mapping[Path, str], config: Config, overrides: Mapping[Path, bytes], absolute: bool
) -> LintResult:
    root = find_project_root([path.parent for path in checked])
    everything = set(
        project_files(root, include_tests=config.include_tests, excludes=config.excludes)
    )
    everything |= checked.keys() | overrides.keys()

    def read(path: Path) -> bytes:
        return overrides[path] if path in overrides else path.read_bytes()

    return _Analysis(everything, checked, config, read, root, absolute).run()


def lint_source(
    source: str | bytes, path: str = "<stdin>", config: Config = DEFAULT_CONFIG
) -> LintResult:
    """Check one module on its own, as if it were the whole project."""
    data = source.encode() if isinstance(source, str) else source
    where = Path(path).absolute()
    return _Analysis({where}, {where: path}, config, lambda _: data, None, False).run()


class _Analysis:
    def __init__(
        self,
        paths: Iterable[Path],
        checked: Mapping[Path, str],
        config: Config,
        read: Callable[[Path], bytes],
        root: Path | None,
        absolute: bool,
    ) -> None:
        self._checked = checked
        self._config = config
        self._root = root
        self._absolute = absolute
        self._errors: list[FileError] = []
        self._data: dict[Path, bytes] = {}
        self._texts: dict[Path, str] = {}
        self.models: dict[Path, FileModel] = {}
        self._attempted: set[Path] = set()
        self._helpers: dict[Path, HelperPlace] = {}
        for path in sorted(paths):
            try:
                self._data[path] = read(path)
            except OSError as error:
                self._fail(path, f"cannot read: {error.strerror or error}")
        self._handlers, self._scripts = self._declared()
        self._roots = ImportRoots(root, self._data, [*self._handlers, *self._scripts])

    def run(self) -> LintResult:
        self._parse(path for path, data in self._data.items() if CANDIDATE.search(data))
        self._follow_callers()
        project = Project(self.models, self._handlers, self._scripts, self._roots)
        findings: list[Finding] = []
        for path in self._checked:
            if path in self.models:
                findings.extend(self._findings(path, project))
        findings.sort(key=lambda finding: finding.sort_key)
        errors = sorted(self._errors, key=lambda error: error.path)
        fixed = {finding.path for finding in findings if finding.fix is not None}
        sources = {
            display: Source(path, self._data[path])
            for path, display in self._checked.items()
            if display in fixed
        }
        return LintResult(tuple(findings), tuple(errors), len(self._checked), sources)

    # -- parsing only what matters ---------------------------------------------------------

    def _parse(self, paths: Iterable[Path]) -> None:
        for path in list(paths):
            if path in self._attempted:
                continue
            self._attempted.add(path)
            model = self._model(path)
            if model is not None:
                self.models[path] = model

    def _model(self, path: Path) -> FileModel | None:
        try:
            text, _ = decode(self._data[path])
        except (UnicodeDecodeError, SyntaxError) as error:
            self._fail(path, f"cannot decode: {decode_error(error)}")
            return None
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as error:
            self._fail(path, _syntax_error(text, error))
            return None
        except RecursionError:
            self._fail(path, "too deeply nested to parse")
            return None
        self._texts[path] = text
        name, is_package = self._roots.module_name(path), path.name == "__init__.py"
        return build_model(
            module,
            name,
            is_package=is_package,
            vocabulary=self._config.vocabulary,
            helper_module=helper_module_for(name, is_package, self._config.helper_module),
        )

    def _follow_callers(self) -> None:
        """Parse, in rounds, the files that can refer to a function leading to a creation site."""
        wanted = Wanted()
        for model in self.models.values():
            for site in model.sites:
                wanted.add_function(site.function, model.module)
                if site.receiver:
                    wanted.add(site.receiver.rpartition(".")[2], None)
        grown = True
        while grown:
            self._parse(
                p
                for p, data in self._data.items()
                if p not in self._attempted and wanted.matches(data)
            )
            grown = False
            for model in list(self.models.values()):
                grown |= wanted.add_reexports(model.aliases, model.module)
                for reference in model.references:
                    if reference.source is not None and wanted.is_mentioned_by(reference.target):
                        grown |= wanted.add_function(reference.source, model.module)

    def _declared(self) -> tuple[list[DeclaredEntry], list[DeclaredEntry]]:
        """Lambda handlers and console scripts from the project's templates and packaging."""
        if self._root is None:
            return [], []
        return lambda_handlers(self._root), console_scripts(self._root)

    # -- findings --------------------------------------------------------------------------

    def _findings(self, path: Path, project: Project) -> list[Finding]:
        reported = dict(self._reported(path, project))
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
        name = self.models[path].helper_module
        try:
            where = module_path(self._roots.of(path), name)
        except ValueError as error:
            return f"the helper module {name} cannot be created: {error}"
        if where not in self._helpers:
            data = self._data.get(where)
            self._helpers[where] = HelperPlace.at(where, self._display(where), data)
        return self._helpers[where]

    def _reported(self, path: Path, project: Project) -> Iterator[tuple[int, tuple[Site, Verdict]]]:
        """The module's sites that are reported, by their index in the model."""
        codes = self._config.codes - self._config.ignored_in(path)
        noqa: Suppressions | None = None
        for index, site in enumerate(self.models[path].sites):
            site = project.site_kind(site, path)
            if site.kind is None or BY_KIND[site.kind].code not in codes:
                continue
            verdict = project.verdict((path, site.function))
            if verdict.reach is None:
                continue
            if noqa is None:
                noqa = suppressions(self._texts[path])
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


def _syntax_error(text: str, error: cst.ParserSyntaxError) -> str:
    """CPython words syntax errors best; libcst's own message is for code only it rejects."""
    try:
        ast.parse(text)
    except SyntaxError as python:
        return f"syntax error at line {python.lineno}, column {python.offset}: {python.msg}"
    first = error.message.splitlines()[0] if error.message else "cannot parse"
    return f"cannot parse at line {error.raw_line}, column {error.raw_column + 1}: {first}"


def _readable(qualname: str) -> str:
    return qualname.replace(".<locals>", "")
