"""`path:line:col: CODE [*] [?] message`, one line per finding, then a summary (ruff's shape).

`[*]` marks findings plain `dynalint fix` rewrites, as ruff marks safe fixes; findings that need
`--unsafe-fixes` get no marker and are counted in the hint instead. `[?]` marks a possible
finding: no chain from an entry point proves it, because its callers cannot be seen. File errors
are not rendered here: the command line prints them on stderr so they never mix with findings on
stdout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dynalint.report.options import DEFAULT_OPTIONS, ReportOptions, is_fixable, unsafe_fix
from dynalint.types import Finding, LintResult

BOLD, RED_BOLD, RED, CYAN, RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[31m", "\x1b[36m", "\x1b[0m"
FIX_MARKER = "[*]"
POSSIBLE_MARKER = "[?]"


def render(result: LintResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    if options.statistics:
        lines = _statistics(result.findings, options)
    else:
        lines = [line for finding in result.findings for line in _finding(finding, options)]
    if not options.quiet:
        lines += _footer(result, options)
    return "".join(f"{line}\n" for line in lines)


def summary(result: LintResult) -> str:
    """Never "All checks passed." when a file could not be checked: nothing says it would."""
    count = len(result.findings)
    failed = len({error.path for error in result.errors})
    if not count and failed:
        return f"No findings; {failed} {plural(failed, 'file')} could not be checked."
    if not count:
        return "All checks passed."
    files = len({finding.path for finding in result.findings})
    possible = sum(1 for finding in result.findings if not finding.certain)
    split = f" ({count - possible} certain, {possible} possible)" if possible else ""
    return f"Found {count} {plural(count, 'finding')}{split} in {files} {plural(files, 'file')}."


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _paint(text: str, style: str, options: ReportOptions) -> str:
    """The only place escape codes are made, so `color=False` can never leak one."""
    return f"{style}{text}{RESET}" if options.color else text


def _finding(finding: Finding, options: ReportOptions) -> list[str]:
    path = _paint(finding.path, BOLD, options)
    code = _paint(finding.code, RED_BOLD, options)
    marker = f" {_paint(FIX_MARKER, CYAN, options)}" if is_fixable(finding) else ""
    if not finding.certain:
        marker += f" {POSSIBLE_MARKER}"
    line = f"{path}:{finding.line}:{finding.column}: {code}{marker} {finding.message}"
    return [line, *_snippet(finding, options)] if options.show_source else [line]


def _snippet(finding: Finding, options: ReportOptions) -> list[str]:
    """The source line with carets under the call, framed by a `|` gutter as ruff does."""
    source = options.read_line(finding.path, finding.line)
    if source is None:
        return []
    start, end = _caret_span(finding, source)
    pad = "".join("\t" if char == "\t" else " " for char in source[: start - 1])
    gutter = " " * len(str(finding.line)) + " |"
    carets = _paint("^" * (end - start), RED, options)
    return [gutter, f"{finding.line} |{f' {source}' if source else ''}", f"{gutter} {pad}{carets}"]


def _caret_span(finding: Finding, source: str) -> tuple[int, int]:
    """1-based [start, end) on this line; a call running past the line is cut at its end."""
    line_end = len(source) + 1
    start = min(max(finding.column, 1), line_end)
    end = finding.end_column if finding.end_line == finding.line else len(source.rstrip()) + 1
    return start, max(min(end, line_end), start + 1)


def _statistics(findings: Sequence[Finding], options: ReportOptions) -> list[str]:
    """One line per rule, most frequent first (ruff `--statistics`)."""
    counts = Counter(finding.code for finding in findings)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [_statistic([f for f in findings if f.code == code], options) for code, _ in ranked]


def _statistic(group: Sequence[Finding], options: ReportOptions) -> str:
    fixable = [is_fixable(finding) for finding in group]
    marker = FIX_MARKER if all(fixable) else "[-]" if any(fixable) else "[ ]"
    if any(fixable):
        marker = _paint(marker, CYAN, options)
    code = _paint(group[0].code, RED_BOLD, options)
    return f"{len(group):>4}\t{code}\t{group[0].name}\t{marker}"


def _footer(result: LintResult, options: ReportOptions) -> list[str]:
    hint = _fix_hint(result.findings, options)
    return [summary(result), hint] if hint else [summary(result)]


def _fix_hint(findings: Sequence[Finding], options: ReportOptions) -> str | None:
    """How many findings each flavour of `dynalint fix` would rewrite (ruff's wording shape)."""
    safe = sum(1 for finding in findings if is_fixable(finding))
    unsafe = sum(1 for finding in findings if unsafe_fix(finding))
    if not safe and not unsafe:
        return None
    if not safe:
        return f"No safe fixes available ({unsafe} with `dynalint fix --unsafe-fixes`)."
    more = f" ({unsafe} more with `dynalint fix --unsafe-fixes`)" if unsafe else ""
    return f"{_paint(FIX_MARKER, CYAN, options)} {safe} fixable with `dynalint fix`{more}."
