"""`dynalint fix` without the writing: findings in, the files' new contents out.

`fix_source` is the pure core for one module, the way pyupgrade's is. `plan_fixes` applies the
fixes a `LintResult` carries to the very bytes they were computed from and plans the helper
modules, analysing nothing again (SARIF output uses it); `fix_paths` lints once, plans, then
lints the project once more as it would be after the fix, and leaves alone (and reports) any file
whose fix does not settle. Nothing here touches the disk but to read helper modules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dynalint.analysis.roots import DEFAULT_HELPER_MODULE
from dynalint.config import DEFAULT_CONFIG, Config
from dynalint.engine import lint_paths, lint_source
from dynalint.fix.apply import Applied, FixRefused, Skip, apply_fixes
from dynalint.fix.helper import plan_helper, render_helper
from dynalint.text import decode
from dynalint.types import FileError, Finding, LintResult, RunStats, Source


@dataclass(frozen=True)
class FileChange:
    """New contents for one file; `before` is None for a file that does not exist yet."""

    path: Path
    display: str
    before: bytes | None
    after: bytes
    encoding: str = "utf-8"

    @property
    def text_before(self) -> str | None:
        return self.before.decode(self.encoding) if self.before is not None else None

    @property
    def text_after(self) -> str:
        return self.after.decode(self.encoding)


@dataclass(frozen=True)
class FixResult:
    changes: tuple[FileChange, ...]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Skip, ...]
    errors: tuple[FileError, ...]
    stats: RunStats = field(default_factory=RunStats)

    @property
    def helpers(self) -> tuple[FileChange, ...]:
        return tuple(change for change in self.changes if change.before is None)


@dataclass(frozen=True)
class SourceFix:
    """One module fixed on its own: its new text, and the helper functions it now imports from
    `helper_module` (`helper_source` is a freshly generated module that provides them)."""

    text: str
    helper_module: str
    helpers: frozenset[str]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Skip, ...]
    errors: tuple[FileError, ...]

    @property
    def helper_source(self) -> str | None:
        return render_helper() if self.helpers else None


def fix_source(
    source: str | bytes,
    path: str = "<stdin>",
    config: Config = DEFAULT_CONFIG,
    *,
    unsafe_fixes: bool = False,
) -> SourceFix:
    """Fix one module as if it were the whole project: no disk, no other module."""
    data = source.encode() if isinstance(source, str) else source
    linted = lint_source(data, path, config)
    text = source if isinstance(source, str) else _text_of(data)
    fixes = [f.fix for f in linted.findings if f.fix is not None]
    helper = fixes[0].helper_module if fixes else config.helper_module or DEFAULT_HELPER_MODULE
    if linted.errors or text is None:
        return SourceFix(text or "", helper, frozenset(), (), (), linted.errors)
    try:
        applied = apply_fixes(text, linted.findings, unsafe_fixes=unsafe_fixes)
    except FixRefused as refused:
        skips = tuple(Skip(finding, str(refused)) for finding in linted.findings)
        error = FileError(path, f"not fixed: {refused}")
        return SourceFix(text, helper, frozenset(), (), skips, (error,))
    return SourceFix(applied.text, helper, applied.helpers, applied.fixed, applied.skipped, ())


def fix_paths(
    paths: Sequence[str], config: Config = DEFAULT_CONFIG, *, unsafe_fixes: bool = False
) -> FixResult:
    """What `dynalint fix` writes: one analysis, then one more to prove that the fix settles."""
    linted = lint_paths(paths, config)
    planned = plan_fixes(linted, unsafe_fixes=unsafe_fixes)
    return replace(_settled(planned, paths, config), stats=linted.stats)


def plan_fixes(linted: LintResult, *, unsafe_fixes: bool = False) -> FixResult:
    """The files `linted`'s fixes would write, from the bytes they were computed from."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in linted.findings:
        by_file[finding.path].append(finding)
    errors = list(linted.errors)
    unfixed: list[Skip] = []
    rewrites: list[_Rewrite] = []
    for display, findings in by_file.items():
        source = linted.sources.get(display)
        if source is None:
            unfixed.extend(Skip(f, f.no_fix or "it has no fix") for f in findings)
            continue
        outcome = _rewrite(source, display, findings, unsafe_fixes)
        if isinstance(outcome, FileError):
            errors.append(outcome)
            unfixed.extend(Skip(f, outcome.message) for f in findings)
            continue
        unfixed.extend(outcome.applied.skipped)
        if outcome.applied.fixed:
            rewrites.append(outcome)
    rewrites, helpers = _with_helpers(rewrites, errors, unfixed)
    return _result(rewrites, helpers, unfixed, errors)


@dataclass(frozen=True)
class _Rewrite:
    change: FileChange
    applied: Applied

    @property
    def helper(self) -> tuple[Path, str]:
        """Where the helper module lives and how it is shown: every fix of a file shares it."""
        fix = self.applied.fixed[0].fix
        assert fix is not None and fix.helper_path is not None and fix.helper_display is not None
        return fix.helper_path, fix.helper_display


def _rewrite(
    source: Source, display: str, findings: list[Finding], unsafe_fixes: bool
) -> _Rewrite | FileError:
    text, encoding = decode(source.data)
    try:
        applied = apply_fixes(text, findings, unsafe_fixes=unsafe_fixes)
    except FixRefused as refused:
        return FileError(display, f"not fixed: {refused}")
    change = FileChange(source.path, display, source.data, applied.text.encode(encoding), encoding)
    return _Rewrite(change, applied)


def _with_helpers(
    rewrites: list[_Rewrite], errors: list[FileError], unfixed: list[Skip]
) -> tuple[list[_Rewrite], list[FileChange]]:
    """One helper module per import root. A file that needs what a hand-written helper lacks is
    not fixed; the others sharing that helper still are."""
    by_helper: dict[tuple[Path, str], list[_Rewrite]] = defaultdict(list)
    for rewrite in rewrites:
        by_helper[rewrite.helper].append(rewrite)
    kept: list[_Rewrite] = []
    helpers: list[FileChange] = []
    for (target, display), users in sorted(by_helper.items()):
        existing = target.read_bytes() if target.is_file() else None
        source = decode(existing)[0] if existing is not None else None
        able = []
        for user in users:
            error = plan_helper(source, user.applied.helpers).error
            if error is None:
                able.append(user)
                continue
            errors.append(FileError(user.change.display, f"not fixed: {display} {error}"))
            unfixed.extend(Skip(f, f"{display} {error}") for f in user.applied.fixed)
            unfixed.extend(user.applied.skipped)
        kept.extend(able)
        needed = set().union(*(u.applied.helpers for u in able))
        content = plan_helper(source, needed).content if able else None
        if content is not None:
            helpers.append(FileChange(target, display, existing, content.encode("utf-8")))
    return kept, helpers


def _settled(planned: FixResult, paths: Sequence[str], config: Config) -> FixResult:
    """Lint the project again as it would be after the fix: what was fixed must be gone."""
    rewritten = [c for c in planned.changes if c.before is not None]
    if not rewritten:
        return planned
    overrides = {change.path: change.after for change in planned.changes}
    again = lint_paths(paths, config, sources=overrides)
    left: dict[str, int] = defaultdict(int)
    for finding in again.findings:
        left[finding.path] += 1
    unparsed = {error.path for error in again.errors}
    unfixed_in: dict[str, int] = defaultdict(int)
    for skip in planned.unfixed:
        unfixed_in[skip.finding.path] += 1
    failed = {
        change.display
        for change in rewritten
        if change.display in unparsed or left[change.display] > unfixed_in[change.display]
    }
    if not failed:
        return planned
    errors = list(planned.errors)
    unfixed = list(planned.unfixed)
    for display in sorted(failed):
        message = "the fix did not settle; file left unchanged (please report this)"
        errors.append(FileError(display, message))
        unsettled = (f for f in planned.fixed if f.path == display)
        unfixed.extend(Skip(f, "the fix did not settle") for f in unsettled)
    fixed = tuple(f for f in planned.fixed if f.path not in failed)
    used = {f.fix.helper_path for f in fixed if f.fix is not None}
    kept = [
        change
        for change in planned.changes
        if change.display not in failed and (change.before is not None or change.path in used)
    ]
    return FixResult(tuple(kept), fixed, _sorted(unfixed), tuple(errors))


def _result(
    rewrites: list[_Rewrite],
    helpers: list[FileChange],
    unfixed: list[Skip],
    errors: list[FileError],
) -> FixResult:
    return FixResult(
        changes=tuple([*helpers, *(r.change for r in rewrites)]),
        fixed=tuple(f for r in rewrites for f in r.applied.fixed),
        unfixed=_sorted(unfixed),
        errors=tuple(errors),
    )


def _sorted(unfixed: list[Skip]) -> tuple[Skip, ...]:
    return tuple(sorted(unfixed, key=lambda skip: skip.finding.sort_key))


def _text_of(data: bytes) -> str | None:
    try:
        return decode(data)[0]
    except (UnicodeDecodeError, SyntaxError):
        return None
