"""Decide once, then reuse the decision: every command analyses the project once.

`check` in any format (SARIF fixes included) runs one analysis and parses each file at most
once; `fix` runs one analysis and one more to verify the result; the libcst codemod command
analyses each project once however many of its files it transforms.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from libcst.codemod import parallel_exec_transform_with_prettyprint

from dynalint import engine
from dynalint.cli import main
from dynalint.fix.codemod import CacheBoto3Objects
from tests.conftest import FIXTURES


class Counts:
    def __init__(self) -> None:
        self.analyses = 0
        self.parses: Counter[Path] = Counter()


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counts:
    counted = Counts()
    run, shape = engine._Analysis.run, engine._Analysis._shape

    def counting_run(self: Any, *args: Any) -> Any:
        counted.analyses += 1
        return run(self, *args)

    def counting_shape(self: Any, path: Path) -> Any:
        counted.parses[path] += 1
        return shape(self, path)

    monkeypatch.setattr(engine._Analysis, "run", counting_run)
    monkeypatch.setattr(engine._Analysis, "_shape", counting_shape)
    return counted


@pytest.fixture
def crud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "check" / "crud", tmp_path / "crud")
    monkeypatch.chdir(tmp_path / "crud")
    return tmp_path / "crud"


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "junit"])
def test_check_analyses_once(counts: Counts, crud: Path, output_format: str) -> None:
    result = CliRunner().invoke(main, ["check", "--format", output_format])

    assert result.exit_code == 1
    assert counts.analyses == 1
    assert counts.parses and max(counts.parses.values()) == 1
    if output_format == "sarif":
        assert '"fixes"' in result.stdout


def test_fix_analyses_once_and_verifies_once(counts: Counts, crud: Path) -> None:
    result = CliRunner().invoke(main, ["fix"])

    assert result.exit_code == 0, result.output
    assert counts.analyses == 2


def test_the_codemod_command_analyses_the_project_once(counts: Counts, crud: Path) -> None:
    files = [str(crud / "handler.py"), str(crud / "app" / "collection.py")]
    outcome = parallel_exec_transform_with_prettyprint(
        CacheBoto3Objects, files, jobs=1, hide_progress=True, repo_root=str(crud)
    )

    assert (outcome.successes, outcome.failures) == (2, 0)
    assert counts.analyses == 1
    assert "get_dynamo_table(" in (crud / "app" / "collection.py").read_text()
    assert (crud / "app" / "aws_helpers.py").is_file()
