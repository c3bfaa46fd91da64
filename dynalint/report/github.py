"""GitHub Actions workflow commands: each finding becomes an inline annotation on the pull request.

Only the commands are printed, no summary: the runner would show any other line as plain log.
Columns are left out when a call spans several lines, because the runner rejects annotations whose
columns are given with `line` and `endLine` different.
"""

from __future__ import annotations

from dynalint.report.options import DEFAULT_OPTIONS, ReportOptions
from dynalint.types import FileError, Finding, LintResult


def render(result: LintResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    commands = [_warning(finding) for finding in result.findings]
    commands += [_error(error) for error in result.errors]
    return "".join(f"{command}\n" for command in commands)


def _warning(finding: Finding) -> str:
    properties: dict[str, object] = {
        "file": finding.path,
        "line": finding.line,
        "col": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "title": f"{finding.code} {finding.name}",
    }
    if finding.end_line != finding.line:
        del properties["col"], properties["endColumn"]
    return _command("warning" if finding.certain else "notice", properties, finding.message)


def _error(error: FileError) -> str:
    return _command("error", {"file": error.path}, error.message)


def _command(name: str, properties: dict[str, object], message: str) -> str:
    listed = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {listed}::{escape_data(message)}"


def escape_data(value: str) -> str:
    """The runner decodes these three in a message; anything else passes through as is."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """`:` and `,` also separate properties, so a path holding them must be escaped too."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
