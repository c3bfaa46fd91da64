"""Every fixture project's findings must equal its `# expect:` markers, no more, no less."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynalint import lint_paths
from dynalint.discovery import project_files
from tests.conftest import FIXTURES
from tests.markers import expected_findings

PROJECTS = sorted(p for p in (FIXTURES / "check").iterdir() if p.is_dir())


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_findings_match_markers(project: Path) -> None:
    result = lint_paths([str(project)])

    assert result.errors == ()
    found = sorted(
        (Path(f.path).relative_to(project).as_posix(), f.line, f.code) for f in result.findings
    )
    assert found == expected_findings(project, project_files(project))
