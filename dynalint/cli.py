"""The command line: parse options, call the engine, hand the result to a reporter, exit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import click

from dynalint import __version__
from dynalint.config import Config
from dynalint.engine import lint_paths, lint_stdin
from dynalint.fix.codemod import DEFAULT_HELPER_MODULE
from dynalint.fix.fixer import fix_paths
from dynalint.fix.write import write_changes
from dynalint.report import REPORTERS, fixes
from dynalint.rules import BY_CODE, RULES, UnknownRuleError, docs
from dynalint.types import FileError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for value in values for code in value.split(",") if code.strip())


def _config(select: tuple[str, ...], ignore: tuple[str, ...], include_tests: bool) -> Config:
    try:
        return Config(
            select=_codes(select) or None, ignore=_codes(ignore), include_tests=include_tests
        )
    except UnknownRuleError as error:
        raise click.UsageError(str(error)) from None


def _selection(command: Callable[..., None]) -> Callable[..., None]:
    """The options `check` and `fix` share: which files and which rules."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path()),
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
            "--include-tests",
            is_flag=True,
            help="Also check test files (test_*.py, *_test.py, conftest.py, tests/).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dynalint")
def main() -> None:
    """Find boto3 clients, resources, Tables and Sessions created on every request."""


@main.command()
@_selection
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With PATH '-': the name of the file whose source is read from standard input.",
)
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    include_tests: bool,
    output_format: str,
    exit_zero: bool,
    stdin_filename: str | None,
) -> None:
    """Report boto3 objects created per request under PATHS (default: .; '-' for stdin)."""
    config = _config(select, ignore, include_tests)
    if paths == ("-",):
        data = sys.stdin.buffer.read()
        result = lint_stdin(data, stdin_filename or "-", config)
    else:
        result = lint_paths(list(paths) or ["."], config)
    click.echo(REPORTERS[output_format](result), nl=False)
    _report_errors(result.errors)
    sys.exit(_exit_code(bool(result.findings) and not exit_zero, result.errors))


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
    default=DEFAULT_HELPER_MODULE,
    show_default=True,
    metavar="DOTTED.NAME",
    help="The cached helper module, relative to each file's import root.",
)
def fix(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    include_tests: bool,
    show_diff: bool,
    unsafe_fixes: bool,
    helper_module: str,
) -> None:
    """Rewrite per-request creations under PATHS onto a cached helper module."""
    config = _config(select, ignore, include_tests)
    result = fix_paths(
        list(paths) or ["."], config, unsafe_fixes=unsafe_fixes, helper_module=helper_module
    )
    errors = list(result.errors)
    if show_diff:
        click.echo(fixes.diff(result.changes), nl=False)
    else:
        errors.extend(write_changes(result.changes))
    click.echo(fixes.summary(result, written=not show_diff), nl=False, err=show_diff)
    _report_errors(errors)
    pending = bool(result.unfixed) or (show_diff and bool(result.changes))
    sys.exit(_exit_code(pending, errors))


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, whether `dynalint fix` fixes it."""
    click.echo(f"{'code':<8}{'name':<24}{'fix':<5}summary")
    for rule in RULES:
        click.echo(f"{rule.code:<8}{rule.name:<24}{'yes' if rule.fixable else 'no':<5}{rule.summary}")


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
        click.echo(f"error: {error.path}: {error.message}", err=True)


def _exit_code(pending: bool, errors: Sequence[FileError]) -> int:
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if pending else EXIT_CLEAN
