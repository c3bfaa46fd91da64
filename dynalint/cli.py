"""The command line: parse options, call the engine, hand the result to a reporter, exit."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dynalint import cache
from dynalint.analysis.roots import DEFAULT_HELPER_MODULE
from dynalint.cache import CACHE_DIR
from dynalint.config import Config, default_jobs
from dynalint.discovery import find_project_root
from dynalint.engine import lint_paths, lint_stdin
from dynalint.report import FORMATS, reporter
from dynalint.report.options import (
    ArtifactChange,
    Fixes,
    LineReader,
    ReportOptions,
    file_line_reader,
)
from dynalint.rules import BY_CODE, RULES, UnknownRuleError, docs
from dynalint.settings import Settings, SettingsError, settings_for
from dynalint.text import decode
from dynalint.types import FileError, LintResult, RunStats
from dynalint.version import __version__

if TYPE_CHECKING:  # fixing needs libcst's codemods, which `check` never imports
    from dynalint.fix.fixer import FileChange

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM = 130, 143  # 128 + the signal's number, as shells report it


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for value in values for code in value.split(",") if code.strip())


@dataclass(frozen=True)
class _Selection:
    """What `check` and `fix` share: the paths, and the settings merged with the flags."""

    paths: list[str]
    config: Config
    settings: Settings
    verbose: bool = False

    def tell(self, stats: RunStats) -> None:
        """The figures `--verbose` adds on standard error."""
        if self.verbose:
            jobs = self.config.jobs or default_jobs()
            click.echo(
                f"dynalint: {stats.files} files, {stats.read} read, {stats.parsed} parsed, "
                f"{stats.cached} from cache{', findings reused' if stats.reused else ''}, "
                f"{jobs} jobs",
                err=True,
            )


def _selection(command: Callable[..., None]) -> Callable[..., None]:
    """Add the shared options and hand the command one `_Selection` instead of six values."""

    @functools.wraps(command)
    def run(
        paths: tuple[str, ...],
        select: tuple[str, ...],
        ignore: tuple[str, ...],
        reach: tuple[str, ...],
        include_tests: bool | None,
        config_file: str | None,
        isolated: bool,
        **rest: Any,
    ) -> None:
        stdin_name = rest.get("stdin_filename") if paths == ("-",) else None
        where = [Path(stdin_name or ".")] if paths == ("-",) else [Path(p) for p in paths]
        try:
            settings = settings_for(
                where or [Path(".")],
                config_file=Path(config_file) if config_file else None,
                isolated=isolated,
            )
            config = Config.from_settings(
                settings,
                select=_codes(select) or None,
                ignore=_codes(ignore) or None,
                include_tests=include_tests,
                reach=_codes(reach) or None,
                helper_module=rest.pop("helper_module", None),
                cache=not rest.pop("no_cache"),
                cache_dir=_path(rest.pop("cache_dir")),
                jobs=rest.pop("jobs"),
            )
        except SettingsError as error:
            _report_errors([FileError("", str(error))])
            sys.exit(EXIT_ERROR)
        except (UnknownRuleError, ValueError) as error:
            raise click.UsageError(str(error)) from None
        helper = config.helper_module
        if helper is not None:
            from dynalint.fix.helper import name_problem

            project = find_project_root(where or [Path(".")])
            problem = name_problem(helper, project)
            if problem is not None:
                _report_errors([FileError("", f"helper module {helper!r}: {problem}")])
                sys.exit(EXIT_ERROR)
        verbose = rest.pop("verbose")
        command(_Selection(list(paths) or ["."], config, settings, verbose), **rest)

    options = [
        # No click checks: the engine reports a bad path in one line and checks the rest.
        click.argument("paths", nargs=-1, type=click.Path(readable=False)),
        click.option(
            "--select",
            multiple=True,
            metavar="CODES",
            help="Only these rule codes or prefixes (comma-separated).",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="CODES",
            help="Skip these rule codes or prefixes (comma-separated).",
        ),
        click.option(
            "--reach",
            multiple=True,
            metavar="REACHES",
            help="Only findings of these reaches (comma-separated): per-request, the certain "
            "ones, and unknown, the possible ones [default: both].",
        ),
        click.option(
            "--include-tests",
            is_flag=True,
            default=None,
            help="Also check test files (test_*.py, *_test.py, conftest.py, tests/).",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(readable=False),
            help="Read settings from this file instead of the nearest pyproject.toml.",
        ),
        click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the cache; parse everything."
        ),
        click.option(
            "--cache-dir",
            metavar="DIR",
            type=click.Path(file_okay=False),
            help="Keep the cache here [default: cache-dir setting, else .dynalint_cache at the "
            "project root].",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            default=None,
            help="Processes that parse [default: one per CPU].",
        ),
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            help="Also say how many files were read, parsed and taken from the cache.",
        ),
    ]
    for option in reversed(options):
        run = option(run)
    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dynalint")
def main() -> None:
    """Find boto3 clients, resources, Tables and Sessions created on every request."""


@main.command()
@_selection
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format: text for people, json, sarif (code scanning), github, junit for CI.",
)
@click.option(
    "--output-file",
    "-o",
    type=click.Path(readable=False),
    help="Write the report to this file instead of standard output (its folder is created).",
)
@click.option("--show-source", is_flag=True, help="Show each finding's line with a caret.")
@click.option("--no-color", is_flag=True, help="Never colour the text output (also NO_COLOR).")
@click.option("--statistics", is_flag=True, help="Count the findings per rule.")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings only, no summary.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With PATH '-': the name of the file whose source is read from standard input.",
)
def check(
    selection: _Selection,
    output_format: str,
    output_file: str | None,
    show_source: bool,
    no_color: bool,
    statistics: bool,
    quiet: bool,
    exit_zero: bool,
    stdin_filename: str | None,
) -> None:
    """Report boto3 objects created per request under PATHS (default: .; '-' for stdin)."""
    reader = file_line_reader()
    stdin = selection.paths == ["-"]
    if stdin:
        data = sys.stdin.buffer.read()
        name = stdin_filename or "-"
        result = lint_stdin(data, name, selection.config)
        reader = _stdin_reader(name, data, reader)
    else:
        result = lint_paths(selection.paths, selection.config)
    selection.tell(result.stats)
    color = output_file is None and not no_color and _terminal_wants_color()
    fixes = _sarif_fixes(result) if output_format == "sarif" and not stdin else {}
    options = ReportOptions(show_source, color, statistics, quiet, reader, fixes)
    report = reporter(output_format)(result, options)
    errors = list(result.errors)
    if output_file is None:
        click.echo(report, nl=False)
    else:
        errors.extend(_write_report(output_file, report))
    _report_errors(errors)
    sys.exit(_exit_code(bool(result.findings) and not exit_zero, errors))


def _write_report(output_file: str, report: str) -> list[FileError]:
    """Its folder is created, as ruff does, so `-o reports/dynalint.sarif` works in a fresh
    checkout; what still cannot be written is one error line, not a traceback."""
    path = Path(output_file)
    try:
        with contextlib.suppress(FileExistsError):  # a file in the folder's place: writing says so
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report, encoding="utf-8")
    except OSError as error:
        return [FileError(output_file or "''", f"cannot write: {error.strerror or error}")]
    return []


def _sarif_fixes(result: LintResult) -> Fixes:
    """What plain `dynalint fix` would write, for the findings it would remove: the fixes the
    findings carry, applied to the bytes they were computed from (no second analysis)."""
    from dynalint.fix.fixer import plan_fixes

    planned = plan_fixes(result)
    fixes: dict[tuple[str, int, int, str], tuple[ArtifactChange, ...]] = {}
    for change in planned.changes:
        if change.before is None:
            continue
        helpers = [h for h in planned.helpers if h.path.parent in change.path.parents]
        artifacts = tuple(_artifact(c) for c in (change, *helpers))
        for finding in planned.fixed:
            if finding.path == change.display:
                fixes[(finding.path, finding.line, finding.column, finding.code)] = artifacts
    return fixes


def _artifact(change: FileChange) -> ArtifactChange:
    return ArtifactChange(change.display, change.text_before, change.text_after)


def _terminal_wants_color() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _stdin_reader(name: str, data: bytes, fallback: LineReader) -> LineReader:
    """Source lines of the text read from stdin; none when it is not text (the check says why)."""
    try:
        lines = decode(data)[0].splitlines()
    except SyntaxError:
        lines = []

    def read_line(path: str, line: int) -> str | None:
        if path != name:
            return fallback(path, line)
        return lines[line - 1] if 1 <= line <= len(lines) else None

    return read_line


@main.command()
@_selection
@click.option(
    "--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of every change."
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also rewrite calls whose arguments are computed by other functions.",
)
@click.option(
    "--helper-module",
    metavar="DOTTED.NAME",
    help=f"The cached helper module, relative to each file's import root "
    f"[default: helper-module setting, else {DEFAULT_HELPER_MODULE} in each fixed module's "
    "top-level package, or at its import root for a top-level module].",
)
def fix(selection: _Selection, show_diff: bool, unsafe_fixes: bool) -> None:
    """Rewrite per-request creations under PATHS onto a cached helper module."""
    from dynalint.fix.fixer import fix_paths
    from dynalint.fix.write import Progress, Terminated, sigterm_raises, write_changes
    from dynalint.report import fixes

    try:
        result = fix_paths(selection.paths, selection.config, unsafe_fixes=unsafe_fixes)
    except KeyboardInterrupt:
        _report_errors([FileError("", "interrupted; nothing was written")])
        sys.exit(EXIT_SIGINT)
    selection.tell(result.stats)
    if show_diff:
        click.echo(fixes.diff(result.changes), nl=False)
        click.echo(fixes.summary(result, written=False), nl=False, err=True)
        _report_errors(result.errors)
        sys.exit(_exit_code(bool(result.unfixed or result.changes), result.errors))
    progress, stopped = Progress(), None
    try:
        with sigterm_raises():  # SIGTERM too stops between two files, never inside one
            write_changes(result.changes, progress)
    except KeyboardInterrupt as interrupt:
        stopped = interrupt
    done = result.as_written(progress.written, progress.reasons)
    click.echo(fixes.summary(done, written=True), nl=False)
    errors = [*result.errors, *progress.errors]
    if stopped is not None:
        terminated = isinstance(stopped, Terminated)
        _report_errors([*errors, FileError("", fixes.interrupted(progress, terminated=terminated))])
        sys.exit(EXIT_SIGTERM if terminated else EXIT_SIGINT)
    _report_errors(errors)
    sys.exit(_exit_code(bool(done.unfixed), errors))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--cache-dir", metavar="DIR", type=click.Path(file_okay=False), help="This cache.")
def clean(paths: tuple[str, ...], cache_dir: str | None) -> None:
    """Remove the cache of the project holding PATHS (default: .)."""
    where = [Path(p) for p in paths] or [Path(".")]
    if cache_dir is not None:
        folder = Path(cache_dir)
    else:
        try:
            settings = settings_for(where)
        except SettingsError as error:
            _report_errors([FileError("", str(error))])
            sys.exit(EXIT_ERROR)
        configured = Config.from_settings(settings).cache_dir
        folder = configured or find_project_root(where) / CACHE_DIR
    try:
        removed = cache.clean(folder)
    except (OSError, ValueError) as error:
        _report_errors([FileError("", f"cannot remove the cache: {error}")])
        sys.exit(EXIT_ERROR)
    click.echo(f"Removed {folder}." if removed else f"No cache at {folder}.")


def _path(value: str | None) -> Path | None:
    return Path(value) if value is not None else None


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, whether `dynalint fix` fixes it."""
    width = max(len(rule.name) for rule in RULES) + 2
    click.echo(f"{'code':<8}{'name':<{width}}{'fix':<5}summary")
    for rule in RULES:
        fix = "yes" if rule.fixable else "no"
        click.echo(f"{rule.code:<8}{rule.name:<{width}}{fix:<5}{rule.summary}")


@main.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of one rule, e.g. `dynalint rule DYN002`."""
    rule = BY_CODE.get(code.strip().upper())
    if rule is None:
        raise click.UsageError(f"unknown rule code {code!r}; `dynalint rules` lists them")
    click.echo(docs.markdown(rule), nl=False)


def _report_errors(errors: Sequence[FileError]) -> None:
    for error in errors:
        where = f"{error.path}: " if error.path else ""
        click.echo(f"error: {where}{error.message}", err=True)


def _exit_code(pending: bool, errors: Sequence[FileError]) -> int:
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if pending else EXIT_CLEAN
