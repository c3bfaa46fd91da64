"""What `dynalint fix` did, or with `--diff` would do, in words and in unified diffs."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from dynalint.fix.fixer import FileChange, FixResult
from dynalint.fix.write import Progress
from dynalint.report.text import plural


def summary(result: FixResult, *, written: bool) -> str:
    """Modules rewritten and helper modules written are counted apart: a completed helper is
    not one more fixed file."""
    lines = []
    helpers = _helpers(result.helpers, written)
    if result.fixed or helpers or result.unwritten:
        files = len(result.rewritten)
        verb = "Fixed" if written else "Would fix"
        count = len(result.fixed)
        line = f"{verb} {count} {plural(count, 'finding')} in {files} {plural(files, 'file')}"
        lines.append("; ".join([line, *helpers]) + ".")
    else:
        lines.append("No fixes available." if result.unfixed else "Nothing to fix.")
    for skip in result.unfixed:
        f = skip.finding
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} not fixed: {skip.reason}")
    if result.unfixed:
        count = len(result.unfixed)
        lines.append(f"{count} {plural(count, 'finding')} left.")
    return "\n".join(lines) + "\n"


def _helpers(helpers: Iterable[FileChange], written: bool) -> list[str]:
    """`wrote a/aws_helpers.py`, `completed aws_helpers.py`: each helper by its own path."""
    new = [change.display for change in helpers if change.before is None]
    completed = [change.display for change in helpers if change.before is not None]
    words = [("wrote", "would write", new), ("completed", "would complete", completed)]
    return [
        f"{done if written else would} {', '.join(shown)}" for done, would, shown in words if shown
    ]


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


def interrupted(progress: Progress, *, terminated: bool) -> str:
    """Stopped by a signal: which files are new, in full, and that the rest are as they were."""
    written, total = len(progress.written), progress.total
    return (
        f"interrupted by {'SIGTERM' if terminated else 'SIGINT'}: {written} of {total} "
        f"{plural(total, 'file')} written, each in full; the other {total - written} are unchanged"
    )
