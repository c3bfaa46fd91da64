"""`path:line:col: CODE message`, one line per finding, then a summary (ruff's shape)."""

from __future__ import annotations

from dynalint.types import LintResult


def render(result: LintResult) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in result.findings]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def summary(result: LintResult) -> str:
    count = len(result.findings)
    if not count:
        return "All checks passed."
    files = len({finding.path for finding in result.findings})
    return f"Found {count} {plural(count, 'finding')} in {files} {plural(files, 'file')}."


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"
