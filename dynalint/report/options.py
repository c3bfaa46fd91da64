"""What the command line asks of every reporter, and the fixability questions they all ask.

Reporters get a `ReportOptions` instead of loose flags so one signature fits every format; a format
ignores what does not apply to it. Reading source lines is injected (`read_line`) so reporters
never touch the file system themselves and tests can feed them lines.
"""

from __future__ import annotations

import tokenize
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dynalint.types import Applicability, Finding

LineReader = Callable[[str, int], str | None]


def _no_source(path: str, line: int) -> str | None:
    """The default: reporters show no source unless the caller says how to read it."""
    return None


@dataclass(frozen=True)
class ArtifactChange:
    """A file's whole text before (None: a new file) and after `dynalint fix`."""

    path: str
    before: str | None
    after: str


# (path, line, column, code) of a finding -> the file changes of the fix that removes it.
Fixes = Mapping[tuple[str, int, int, str], tuple[ArtifactChange, ...]]


@dataclass(frozen=True)
class ReportOptions:
    show_source: bool = False
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    read_line: LineReader = _no_source
    fixes: Fixes = field(default_factory=dict)


DEFAULT_OPTIONS = ReportOptions()


def is_fixable(finding: Finding) -> bool:
    """Fixable by plain `dynalint fix`: the ruff `[*]` convention counts only safe fixes."""
    return finding.applicability is Applicability.SAFE


def unsafe_fix(finding: Finding) -> bool:
    """Fixable only with `--unsafe-fixes`, so reported apart from the safe ones."""
    return finding.applicability is Applicability.UNSAFE


def file_line_reader(root: Path | None = None) -> LineReader:
    """A `read_line` that reads display paths (relative to `root`, default the working directory).

    Files are decoded the way Python decodes source (BOM, coding cookie) so that columns, counted
    in code points by the parser, line up with the text shown. Each file is read once per reader.
    """
    cache: dict[str, list[str] | None] = {}

    def read_line(path: str, line: int) -> str | None:
        if path not in cache:
            cache[path] = _source_lines(root / path if root else Path(path))
        lines = cache[path]
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    return read_line


def _source_lines(path: Path) -> list[str] | None:
    """Split on the line ends Python itself knows (not form feeds, unlike `str.splitlines`)."""
    try:
        with tokenize.open(path) as handle:
            text = handle.read()
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
