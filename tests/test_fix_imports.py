"""The quick way of adding and removing imports gives what libcst's visitors give on the whole
module, for every module of the fixtures that has fixes."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod.visitors import ImportItem

from dynalint.engine import lint_paths
from dynalint.fix import apply
from dynalint.text import decode
from dynalint.types import Applicability, Finding, Fix
from tests.conftest import FIXTURES

PROJECTS = sorted(p for p in (FIXTURES / "check").iterdir() if p.is_dir())
SCENARIOS = sorted(p for p in (FIXTURES / "fix").iterdir() if p.is_dir() and "." not in p.name)


@pytest.mark.parametrize("project", [*PROJECTS, *SCENARIOS], ids=lambda p: p.name)
def test_the_quick_way_matches_the_visitors(project: Path) -> None:
    linted = lint_paths([str(project)])
    for display, source in linted.sources.items():
        chosen: dict[Fix, list[Finding]] = {}
        for finding in linted.findings:
            if finding.path == display and finding.fix is not None:
                if finding.fix.applicability is Applicability.SAFE:
                    chosen.setdefault(finding.fix, []).append(finding)
        fixes = list(apply._without_overlaps(chosen, []))
        if not fixes:
            continue
        text, _ = decode(source.data)
        edited = apply._edited(text, [e for fix in fixes for e in fix.edits])
        items = sorted(
            (
                ImportItem(fixes[0].helper_module, i.name, i.alias if i.alias != i.name else None)
                for fix in fixes
                for i in fix.imports
            ),
            key=lambda i: i.obj_name or "",
        )
        pruned = {module for fix in fixes for module in fix.prunes}
        tree = cst.parse_module(edited)
        quick = apply._with_imports_fast(tree, edited, items, pruned)
        if quick is None:  # only when whether an import is still used is not certain
            assert apply._unused_imports(edited, list(apply._imports_of(tree, pruned))) is None
            continue
        assert quick.code == apply._with_imports(tree, items, pruned).code, display


def test_a_name_read_in_a_string_leaves_the_decision_to_the_visitors() -> None:
    text = 'import boto3\n\n\ndef f(s: "boto3.Session") -> None:\n    pass\n'
    assert apply._unused_imports(text, [("boto3", None, None)]) is None


def test_a_name_still_read_keeps_its_import() -> None:
    text = "import boto3\n\nTABLE = boto3.resource('dynamodb')\n"
    assert apply._unused_imports(text, [("boto3", None, None)]) == []


def test_a_local_of_the_same_name_is_not_a_use() -> None:
    """Only Python's symbol tables tell a local `boto3` from the module's: the visitors decide."""
    text = "import boto3\n\n\ndef f():\n    boto3 = 1\n    return boto3\n"
    assert apply._unused_imports(text, [("boto3", None, None)]) is None
