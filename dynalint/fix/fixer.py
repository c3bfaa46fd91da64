"""`dynalint fix` without the writing: findings in, the files' new contents out.

Nothing here touches the disk but to read. Every rewritten file is parsed and linted again, in its
project and beside the helper module it will import, before it is offered for writing; a file
whose fix does not settle is left alone and reported.
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile

from dynalint.config import DEFAULT_CONFIG, Config
from dynalint.discovery import discover, import_root, module_name
from dynalint.engine import lint_paths
from dynalint.fix.codemod import DEFAULT_HELPER_MODULE, CacheBoto3Objects
from dynalint.fix.helper import module_path, plan_helper
from dynalint.fix.rewrite import Skip
from dynalint.text import decode
from dynalint.types import FileError, Finding


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

    @property
    def helpers(self) -> tuple[FileChange, ...]:
        return tuple(change for change in self.changes if change.before is None)


@dataclass(frozen=True)
class _Rewrite:
    change: FileChange
    fixed: tuple[Finding, ...]
    unfixed: tuple[Skip, ...]
    helpers: frozenset[str]


def fix_paths(
    paths: Sequence[str],
    config: Config = DEFAULT_CONFIG,
    *,
    unsafe_fixes: bool = False,
    helper_module: str = DEFAULT_HELPER_MODULE,
) -> FixResult:
    linted = lint_paths(paths, config)
    files = {
        source.display: source.path
        for source in discover(
            paths, include_tests=config.include_tests, excludes=config.excludes
        ).files
    }
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in linted.findings:
        by_file[finding.path].append(finding)
    errors = list(linted.errors)
    unfixed: list[Skip] = []
    rewrites: list[_Rewrite] = []
    for display, findings in by_file.items():
        outcome = _rewrite(files[display], display, findings, unsafe_fixes, helper_module)
        if isinstance(outcome, FileError):
            errors.append(outcome)
            unfixed.extend(Skip(f, outcome.message) for f in findings)
            continue
        unfixed.extend(outcome.unfixed)
        if outcome.fixed:
            rewrites.append(outcome)
    rewrites, helpers = _with_helpers(rewrites, helper_module, errors, unfixed)
    rewrites = _settled(rewrites, helpers, paths, config, errors, unfixed)
    roots = {module_path(import_root(r.change.path), helper_module) for r in rewrites}
    helpers = [helper for helper in helpers if helper.path in roots]
    return FixResult(
        changes=tuple([*helpers, *(r.change for r in rewrites)]),
        fixed=tuple(f for r in rewrites for f in r.fixed),
        unfixed=tuple(sorted(unfixed, key=lambda skip: skip.finding.sort_key)),
        errors=tuple(errors),
    )


def _rewrite(
    path: Path, display: str, findings: list[Finding], unsafe_fixes: bool, helper_module: str
) -> _Rewrite | FileError:
    try:
        before = path.read_bytes()
    except OSError as error:
        return FileError(display, f"cannot read: {error.strerror or error}")
    text, encoding = decode(before)
    context = CodemodContext(filename=str(path), full_module_name=module_name(path))
    command = CacheBoto3Objects(context, helper_module, unsafe_fixes, findings=findings)
    try:
        after = command.transform_module(cst.parse_module(text)).code
    except SkipFile as skipped:
        return FileError(display, str(skipped))
    planned = command.plan
    change = FileChange(path, display, before, after.encode(encoding), encoding)
    return _Rewrite(
        change, tuple(planned.fixed), tuple(planned.skipped), frozenset(planned.helpers)
    )


def _with_helpers(
    rewrites: list[_Rewrite], helper_module: str, errors: list[FileError], unfixed: list[Skip]
) -> tuple[list[_Rewrite], list[FileChange]]:
    """One helper module per import root. A file that needs what a hand-written helper lacks is
    not fixed; the others sharing that helper still are."""
    by_helper: dict[Path, list[_Rewrite]] = defaultdict(list)
    for rewrite in rewrites:
        by_helper[module_path(import_root(rewrite.change.path), helper_module)].append(rewrite)
    kept: list[_Rewrite] = []
    helpers: list[FileChange] = []
    for target, users in sorted(by_helper.items()):
        existing = target.read_bytes() if target.exists() else None
        source = existing.decode("utf-8") if existing is not None else None
        display = _display_beside(target, users[0].change)
        able = []
        for user in users:
            error = plan_helper(source, user.helpers).error
            if error is None:
                able.append(user)
                continue
            errors.append(FileError(user.change.display, f"not fixed: {display} {error}"))
            unfixed.extend(Skip(f, f"{display} {error}") for f in user.fixed)
            unfixed.extend(user.unfixed)
        kept.extend(able)
        content = (
            plan_helper(source, set().union(*(u.helpers for u in able))).content if able else None
        )
        if content is not None:
            helpers.append(FileChange(target, display, existing, content.encode("utf-8")))
    return kept, helpers


def _settled(
    rewrites: list[_Rewrite],
    helpers: list[FileChange],
    paths: Sequence[str],
    config: Config,
    errors: list[FileError],
    unfixed: list[Skip],
) -> list[_Rewrite]:
    """Lint the project again as it would be after the fix: what was fixed must be gone."""
    if not rewrites:
        return []
    overrides = {c.path: c.after for c in (*helpers, *(r.change for r in rewrites))}
    again = lint_paths(paths, config, sources=overrides)
    left: dict[str, int] = defaultdict(int)
    for finding in again.findings:
        left[finding.path] += 1
    unparsed = {error.path for error in again.errors}
    kept = []
    for rewrite in rewrites:
        display = rewrite.change.display
        if display in unparsed or left[display] > len(rewrite.unfixed):
            errors.append(
                FileError(
                    display, "the fix did not settle; file left unchanged (please report this)"
                )
            )
            unfixed.extend(Skip(f, "the fix did not settle") for f in rewrite.fixed)
            continue
        kept.append(rewrite)
    return kept


def _display_beside(target: Path, neighbour: FileChange) -> str:
    """Name the helper the way the user named the file it serves."""
    relative = os.path.relpath(target, neighbour.path.parent)
    return posixpath.normpath(
        posixpath.join(posixpath.dirname(neighbour.display), Path(relative).as_posix())
    )
