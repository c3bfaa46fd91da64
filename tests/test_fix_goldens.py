"""Golden before/after pairs for `dynalint fix`, and the invariants every fix must keep.

Each folder of `fixtures/fix/` is a project as it is before the fix; `<name>.expected/` beside it
holds the files `dynalint fix` changed or created (`<name>.unsafe-fixes.expected/` for
`dynalint fix --unsafe-fixes`), with `fix.out` holding the exit code and what was printed. Every
file not there must come out of the fix exactly as it went in.
`pytest --update-goldens` rewrites them from the current output, for review in the diff.

A freshly generated helper module is not stored in the goldens: it must equal `render_helper()`
byte for byte, and `fix.out` says where it was written.
"""

from __future__ import annotations

import ast
import difflib
import shutil
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from dynalint import Applicability, fix_paths, lint_paths
from dynalint.cache import CACHE_DIR
from dynalint.cli import main
from dynalint.fix.helper import render_helper
from dynalint.report.options import is_fixable
from tests.conftest import FIXTURES

SCENARIOS = sorted(p for p in (FIXTURES / "fix").iterdir() if p.is_dir() and "." not in p.name)
VARIANTS = {"unsafe_arguments": [(), ("--unsafe-fixes",)]}
CASES = [
    pytest.param(scenario, options, id=scenario.name + "".join(options))
    for scenario in SCENARIOS
    for options in VARIANTS.get(scenario.name, [()])
]
NOT_COMPARED = {"SCENARIO.md", "fix.out"}


GENERATED = render_helper().encode("utf-8")


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.name not in NOT_COMPARED
        and not {"__pycache__", CACHE_DIR} & set(p.parts)
    }


def written_by_hand(tree: dict[str, bytes]) -> dict[str, bytes]:
    """The tree without the generated helper modules, whose text is `render_helper()`'s."""
    return {path: data for path, data in tree.items() if data != GENERATED}


def fix(project: Path, *options: str) -> str:
    result = CliRunner().invoke(main, ["fix", project.name, *options])
    return f"exit: {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("scenario", "options"), CASES)
def test_golden(
    scenario: Path, options: tuple[str, ...], workspace: Path, update_goldens: bool
) -> None:
    project = workspace / scenario.name
    shutil.copytree(scenario, project)
    output = fix(project, *options)

    expected = (
        scenario.parent
        / f"{scenario.name}{''.join(o.replace('--', '.') for o in options)}.expected"
    )
    if update_goldens:
        shutil.rmtree(expected, ignore_errors=True)
        before = files(scenario)
        for path, data in written_by_hand(files(project)).items():
            if before.get(path) != data:
                (expected / path).parent.mkdir(parents=True, exist_ok=True)
                (expected / path).write_bytes(data)
        expected.mkdir(exist_ok=True)
        (expected / "fix.out").write_text(output)
    assert output == (expected / "fix.out").read_text()
    assert written_by_hand(files(project)) == files(scenario) | files(expected)


@pytest.mark.parametrize(("scenario", "options"), CASES)
def test_fix_settles(scenario: Path, options: tuple[str, ...], workspace: Path) -> None:
    project = workspace / scenario.name
    shutil.copytree(scenario, project)
    fix(project, *options)
    after_first = files(project)

    second = fix(project, *options)

    assert files(project) == after_first
    assert "Would fix" not in second and "Fixed" not in second
    for path, data in after_first.items():
        if path.endswith(".py"):
            cst.parse_module(data)


CHECK_PROJECTS = sorted(p for p in (FIXTURES / "check").iterdir() if p.is_dir())


@pytest.mark.parametrize("project", CHECK_PROJECTS, ids=[p.name for p in CHECK_PROJECTS])
def test_every_check_fixture_fixes_and_settles(project: Path, workspace: Path) -> None:
    copy = workspace / project.name
    shutil.copytree(project, copy)
    first = CliRunner().invoke(main, ["fix", copy.name])
    fixed = files(copy)

    again = CliRunner().invoke(main, ["fix", copy.name])
    check = CliRunner().invoke(main, ["check", "--quiet", copy.name])

    assert files(copy) == fixed
    assert first.exit_code in (0, 1) and again.exit_code == first.exit_code
    assert "Fixed" not in again.stdout
    remaining = [line for line in first.stdout.splitlines() if " not fixed: " in line]
    findings = check.stdout.splitlines()
    assert not [line for line in findings if " [*] " in line], "a safe fix was left undone"
    assert sorted(_path_and_code(line) for line in findings) == sorted(
        map(_path_and_code, remaining)
    )
    for path, data in fixed.items():
        if path.endswith(".py"):
            cst.parse_module(data)


def _path_and_code(line: str) -> tuple[str, str]:
    """`path:line:col: CODE ...`; lines move when imports are added, so only these two count."""
    return line.split(":")[0], line.split(": ", 1)[1].split()[0]


FIX_PROJECTS = [*CHECK_PROJECTS, *SCENARIOS]


@pytest.mark.parametrize("project", FIX_PROJECTS, ids=[p.name for p in FIX_PROJECTS])
def test_what_is_marked_fixable_is_fixed_and_nothing_else_is_touched(
    project: Path, workspace: Path
) -> None:
    """ruff's harness invariant: the `[*]` findings are exactly what `dynalint fix` fixes, and
    the lines it changes are those of the fixes' edits and the imports they add or prune."""
    copy = workspace / project.name
    shutil.copytree(project, copy)
    linted = lint_paths([copy.name])
    marked = {f for f in linted.findings if is_fixable(f)}

    planned = fix_paths([copy.name])

    assert {f for f in planned.fixed if f.applicability is Applicability.SAFE} == marked
    edited: dict[str, set[int]] = {}
    for finding in planned.fixed:
        assert finding.fix is not None
        lines = edited.setdefault(finding.path, set())
        for edit in finding.fix.edits:
            lines.update(range(edit.line, max(edit.end_line, edit.line + 1)))
    for change in planned.changes:
        if change.before is None:
            continue
        before = change.text_before or ""
        touched = _changed_lines(before, change.text_after)
        allowed = edited.get(change.display, set()) | _import_lines(before)
        assert touched <= allowed, f"{change.display}: lines {sorted(touched - allowed)}"


def _changed_lines(before: str, after: str) -> set[int]:
    """1-based lines of `before` that the change replaced or deleted."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
    return {
        line + 1
        for tag, start, end, _, _ in matcher.get_opcodes()
        if tag in ("replace", "delete")
        for line in range(start, end)
    }


def _import_lines(source: str) -> set[int]:
    """Lines of module-level imports, which a fix may extend or prune, and the blank line
    that follows a pruned one."""
    lines: set[int] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 2))
    return lines
