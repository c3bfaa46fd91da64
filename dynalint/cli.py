"""The command line: parse options, call the engine, hand the result to a reporter, exit."""

from __future__ import annotations

import sys

import click

from dynalint import __version__
from dynalint.config import Config
from dynalint.engine import lint_paths
from dynalint.report import REPORTERS
from dynalint.rules import UnknownRuleError
from dynalint.types import LintResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(code for value in values for code in value.split(",") if code.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dynalint")
def main() -> None:
    """Find boto3 clients, resources, Tables and Sessions created on every request."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True, help="Output format.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rule codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are reported.")
@click.option("--include-tests", is_flag=True, help="Also check test files (test_*.py, *_test.py, conftest.py, tests/).")
def check(
    paths: tuple[str, ...],
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exit_zero: bool,
    include_tests: bool,
) -> None:
    """Report boto3 objects created per request under PATHS (default: .)."""
    config = Config(select=_codes(select) or None, ignore=_codes(ignore), include_tests=include_tests)
    try:
        config.codes
    except UnknownRuleError as error:
        raise click.UsageError(str(error)) from None
    result = lint_paths(list(paths) or ["."], config)
    click.echo(REPORTERS[output_format](result), nl=False)
    _report_errors(result)
    sys.exit(_exit_code(result, exit_zero))


def _report_errors(result: LintResult) -> None:
    for error in result.errors:
        click.echo(f"error: {error.path}: {error.message}", err=True)


def _exit_code(result: LintResult, exit_zero: bool) -> int:
    if result.errors:
        return EXIT_ERROR
    if result.findings and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN
