"""What `dynalint fix` did, or with `--diff` would do, in words and in unified diffs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from dynalint.fix.fixer import FileChange, FixResult
from dynalint.report.text import plural


def summary(result: FixResult, *, written: bool) -> str:
    rewritten = [c for c in result.changes if c.before is not None]
    lines = []
    if result.fixed:
        files = len(rewritten)
        verb = "Fixed" if written else "Would fix"
        count = len(result.fixed)
        line = f"{verb} {count} {plural(count, 'finding')} in {files} {plural(files, 'file')}"
        helpers = ", ".join(change.display for change in result.helpers)
        if helpers:
            line += f"; {'wrote' if written else 'would write'} {helpers}"
        lines.append(line + ".")
    else:
        lines.append("No fixes available." if result.unfixed else "Nothing to fix.")
    for skip in result.unfixed:
        f = skip.finding
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} not fixed: {skip.reason}")
    if result.unfixed:
        count = len(result.unfixed)
        lines.append(f"{count} {plural(count, 'finding')} left.")
    return "\n".join(lines) + "\n"


def diff(changes: Iterable[FileChange]) -> str:
    return "".join(_diff(change) for change in changes)


def _diff(change: FileChange) -> str:
    before = change.text_before or ""
    after = change.text_after
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{change.display}" if change.before is not None else "/dev/null",
            tofile=f"b/{change.display}",
        )
    )
