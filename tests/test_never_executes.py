"""dynalint reads code and configuration; it never imports or runs any of it.

Every file of the project below leaves a mark in a folder when it is run or imported: the
packaging script, a module's import-time code, a conftest, a `.pth` file, a module named like
the helper that fixes import. `check` and `fix` must leave no mark.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dynalint.cli import main


def marker(folder: Path, name: str) -> str:
    return f"open({str(folder / name)!r}, 'w').close()\n"


@pytest.fixture
def traps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    marks = tmp_path / "marks"
    marks.mkdir()
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\n[project.scripts]\napp = "app.cli:main"\n'
        '[tool.dynalint]\nhelper-module = "aws_helpers"\n'
    )
    (project / "setup.py").write_text(marker(marks, "setup.py"))
    (project / "conftest.py").write_text(marker(marks, "conftest.py"))
    (project / "sitecustomize.py").write_text(marker(marks, "sitecustomize.py"))
    (project / "trap.pth").write_text("import os; " + marker(marks, "pth"))
    (project / "app" / "__init__.py").write_text(marker(marks, "app"))
    (project / "app" / "cli.py").write_text(
        "import boto3\n" + marker(marks, "cli.py") + "\ndef main():\n    boto3.client('s3')\n"
    )
    (project / "app" / "handler.py").write_text(
        "import boto3\n"
        "from app.cli import main\n"
        + marker(marks, "handler.py")
        + "\ndef handler(event, context):\n    return boto3.client('sqs')\n"
    )
    monkeypatch.chdir(project)
    return project, marks


@pytest.mark.parametrize("command", [["check"], ["check", "--format", "sarif"], ["fix"]])
def test_nothing_the_project_holds_is_run(traps: tuple[Path, Path], command: list[str]) -> None:
    project, marks = traps

    result = CliRunner().invoke(main, [*command, "--no-cache", "."])

    assert result.exit_code in (0, 1), result.output
    handler = (project / "app" / "handler.py").read_text()
    assert "app/handler.py" in result.output or "get_client(" in handler  # it did its work
    assert sorted(p.name for p in marks.iterdir()) == []
