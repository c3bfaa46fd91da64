"""`dynalint fix` without the writing: findings in, the files' new contents out.

`fix_source` is the pure core for one module, the way pyupgrade's is. `plan_fixes` applies the
fixes a `LintResult` carries to the very bytes they were computed from and plans the helper
modules, analysing nothing again (SARIF output uses it); `fix_paths` lints once, plans, then
lints the project once more as it would be after the fix, and leaves alone (and reports) any file
whose fix does not settle. Nothing here touches the disk but to read helper modules.

Whatever goes wrong while one file's fix is built (a refused fix, a result that does not compile,
a bug) becomes that file's error; the other files are still fixed.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dynalint.analysis.roots import DEFAULT_HELPER_MODULE
from dynalint.config import DEFAULT_CONFIG, Config
from dynalint.deep import run_deep
from dynalint.engine import lint_paths, lint_source
from dynalint.fix.apply import Applied, FixRefused, Skip, apply_fixes
from dynalint.fix.helper import plan_helper, read_helper, render_helper, undecodable
from dynalint.text import SourceDecodeError, decode
from dynalint.types import FileError, Finding, LintResult, RunStats, Source

_NOT_FIXED = "not fixed: "


@dataclass(frozen=True)
class FileChange:
    """New contents for one file; `before` is None for a file that does not exist yet.

    `before` is the very bytes the findings were computed from (a helper's: the bytes its plan
    was made from); nothing is written over anything else. `is_helper` marks a helper module,
    new or completed; `needs` is the helper module a rewritten file imports, which must be in
    place before the file is written.
    """

    path: Path
    display: str
    before: bytes | None
    after: bytes
    encoding: str = "utf-8"
    is_helper: bool = False
    needs: Path | None = None

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
    unwritten: int = 0  # modules planned but not written (`as_written`)

    @property
    def helpers(self) -> tuple[FileChange, ...]:
        """The helper modules written: new ones (`before` is None) and completed ones."""
        return tuple(change for change in self.changes if change.is_helper)

    @property
    def rewritten(self) -> tuple[FileChange, ...]:
        """The modules whose findings are fixed."""
        return tuple(change for change in self.changes if not change.is_helper)

    def as_written(
        self, written: Collection[FileChange], failed: Mapping[str, str] | None = None
    ) -> FixResult:
        """What the fix did once only `written` were written: a module that was not keeps its
        findings, left with the reason in `failed` (by display path) when there is one."""
        done = {change.display for change in written if not change.is_helper}
        kept = {id(change) for change in written}
        reasons = failed or {}
        left = [
            Skip(finding, reasons[finding.path])
            for finding in self.fixed
            if finding.path not in done and finding.path in reasons
        ]
        return replace(
            self,
            changes=tuple(change for change in self.changes if id(change) in kept),
            fixed=tuple(finding for finding in self.fixed if finding.path in done),
            unfixed=_sorted([*self.unfixed, *left]),
            unwritten=len(self.rewritten) - len(done),
        )


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
        return render_helper(self.helpers) if self.helpers else None


def fix_source(
    source: str | bytes,
    path: str = "<stdin>",
    config: Config = DEFAULT_CONFIG,
    *,
    unsafe_fixes: bool = False,
) -> SourceFix:
    """Fix one module as if it were the whole project: no disk, no other module."""
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    linted = lint_source(data, path, config)
    text = source if isinstance(source, str) else _text_of(data)
    fixes = [f.fix for f in linted.findings if f.fix is not None]
    helper = fixes[0].helper_module if fixes else config.helper_module or DEFAULT_HELPER_MODULE
    if linted.errors or text is None:
        return SourceFix(text or "", helper, frozenset(), (), (), linted.errors)
    refusal: str | None = None
    try:
        applied = run_deep(lambda: apply_fixes(text, linted.findings, unsafe_fixes=unsafe_fixes))
        problem = compile_problem(applied.text, text) if applied.fixed else None
        if problem is not None:
            refusal = f"the fixed code does not parse ({problem})"
    except Exception as exception:  # one module's failure is its result
        refusal = _refusal(exception)
    if refusal is not None:
        skips = tuple(Skip(finding, refusal) for finding in linted.findings)
        error = FileError(path, f"not fixed: {refusal}")
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
            reason = outcome.message.removeprefix(_NOT_FIXED)
            unfixed.extend(Skip(f, reason) for f in findings)
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
    """The file's new bytes, from the bytes its findings were computed from; whatever goes
    wrong is this file's error, never the run's."""
    try:
        text, encoding = decode(source.data)
        applied = run_deep(lambda: apply_fixes(text, findings, unsafe_fixes=unsafe_fixes))
        after = applied.text.encode(encoding)
        problem = compile_problem(after, source.data) if applied.fixed else None
    except Exception as exception:  # one file's failure is its error
        return FileError(display, f"{_NOT_FIXED}{_refusal(exception)}")
    if problem is not None:
        return FileError(display, f"the fixed code does not parse ({problem}); not written")
    helper = next((f.fix.helper_path for f in applied.fixed if f.fix is not None), None)
    change = FileChange(source.path, display, source.data, after, encoding, needs=helper)
    return _Rewrite(change, applied)


def _refusal(exception: Exception) -> str:
    """Why a file is not fixed, in one line: a refusal says it; anything else is a bug."""
    if isinstance(exception, FixRefused):
        return str(exception)
    if isinstance(exception, (UnicodeError, SourceDecodeError)):
        return undecodable(exception)
    detail = " ".join(str(exception).split()) or "no details"
    return f"fixing it failed ({type(exception).__name__}: {detail}); please report this"


def compile_problem(after: str | bytes, before: str | bytes | None) -> str | None:
    """Why the fixed code does not compile, or None. Python's compiler judges it, so what it
    rejects beyond the grammar (`nonlocal` at module level) is caught too; code this Python
    cannot compile to begin with (newer syntax) is left to libcst, which parsed it already."""
    problem = _compile_error(after)
    if problem is not None and (before is None or _compile_error(before) is None):
        return problem
    return None


def _compile_error(code: str | bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to say
            compile(code, "<fixed>", "exec", dont_inherit=True)
    except SyntaxError as error:
        where = f" at line {error.lineno}" if error.lineno else ""
        return f"{error.msg}{where}"
    except (ValueError, RecursionError, MemoryError) as error:
        return " ".join(str(error).split()) or type(error).__name__
    return None


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
        try:
            problems, change = _helper_for(target, users)
        except Exception as exception:  # one helper's failure is its users'
            problems, change = [_refusal(exception)] * len(users), None
        for user, problem in zip(users, problems, strict=True):
            if problem is None:
                kept.append(user)
                continue
            errors.append(FileError(user.change.display, f"not fixed: {display} {problem}"))
            unfixed.extend(Skip(f, f"{display} {problem}") for f in user.applied.fixed)
            unfixed.extend(user.applied.skipped)
        if change is not None:
            helpers.append(change)
    return kept, helpers


def _helper_for(target: Path, users: list[_Rewrite]) -> tuple[list[str | None], FileChange | None]:
    """Each user's problem with the helper at `target` (None: it can be served), and the
    helper's new contents, kept in the encoding, BOM and line endings of the one there."""
    existing = read_helper(target)
    if isinstance(existing, str):
        return [existing] * len(users), None
    source, encoding = decode(existing) if existing is not None else (None, "utf-8")
    problems = [plan_helper(source, user.applied.helpers).error for user in users]
    served = [user for user, problem in zip(users, problems, strict=True) if problem is None]
    needed = set().union(*(user.applied.helpers for user in served))
    content = plan_helper(source, needed).content if served else None
    if content is None:
        return problems, None
    data = content.encode(encoding)
    problem = compile_problem(data, existing)
    if problem is not None:
        refused = f"would not parse once completed ({problem}); not written"
        return [p or refused for p in problems], None
    display = _shown(users[0].helper[1], users[0].change.display)
    return problems, FileChange(target, display, existing, data, encoding, is_helper=True)


def _shown(helper: str, user: str) -> str:
    """The helper's path as its user's is shown: relative to the working folder when the user's
    is (`../users/aws_helpers.py` beside `../users/app.py`), never absolute beside it."""
    if not os.path.isabs(helper) or os.path.isabs(user):
        return helper
    try:
        return os.path.relpath(helper).replace(os.sep, "/")
    except ValueError:  # another drive
        return helper


def _settled(planned: FixResult, paths: Sequence[str], config: Config) -> FixResult:
    """Lint the project again as it would be after the fix: what was fixed must be gone."""
    rewritten = planned.rewritten
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
        if change.display not in failed and (not change.is_helper or change.path in used)
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
