"""`[tool.dynalint]` as the command line sees it: every setting changes what is reported."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from dynalint.cli import main

APP = """\
import boto3
from functools import wraps
from framework import memo, on_message


def process_event(event, context):
    return boto3.client("sqs")


@on_message("orders")
def consume(message):
    return boto3.client("sns")


@memo
def cached_client():
    return boto3.client("s3")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "backfill.py").write_text(
        "import boto3\n\ndef run(table):\n    return boto3.resource('dynamodb').Table(table)\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text("[tool.dynalint]\n" + textwrap.dedent(body))


def findings(*args: str) -> list[tuple[str, str, str]]:
    """(path:line, code, reach) of every finding, via the JSON report."""
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return [
        (f"{f['path']}:{f['line']}", f["code"], f["reach"])
        for f in json.loads(result.stdout)["findings"]
    ]


def test_without_settings(project: Path) -> None:
    assert findings() == [
        ("app.py:7", "DYN001", "unknown"),
        ("app.py:12", "DYN001", "unknown"),
        ("app.py:17", "DYN001", "unknown"),
        ("scripts/backfill.py:4", "DYN002", "unknown"),
        ("scripts/backfill.py:4", "DYN003", "unknown"),
    ]


def test_vocabulary_settings(project: Path) -> None:
    settings(
        project,
        """
        handler-patterns = ["process_*"]
        route-decorators = ["on_message"]
        memoize-decorators = ["framework.memo"]
        """,
    )

    assert findings()[:2] == [
        ("app.py:7", "DYN001", "per-request"),
        ("app.py:12", "DYN001", "per-request"),
    ]
    assert ("app.py:17", "DYN001", "unknown") not in findings()


def test_exclude_and_per_file_ignores(project: Path) -> None:
    settings(
        project,
        """
        extend-exclude = ["scripts/"]
        per-file-ignores = { "app.py" = ["DYN001"] }
        """,
    )

    assert findings() == []
    assert findings("scripts/backfill.py") == []


def test_select_and_ignore_from_settings_and_flags_win(project: Path) -> None:
    settings(project, 'select = ["DYN002", "DYN003"]\nignore = ["DYN003"]\n')

    assert findings() == [("scripts/backfill.py:4", "DYN002", "unknown")]
    assert [f[1] for f in findings("--select", "DYN001")] == ["DYN001"] * 3


def test_reach_chooses_certain_or_possible_findings(project: Path) -> None:
    settings(project, 'handler-patterns = ["process_*"]\nreach = ["per-request"]\n')

    assert findings() == [("app.py:7", "DYN001", "per-request")]
    assert {f[2] for f in findings("--reach", "unknown")} == {"unknown"}
    assert len(findings("--reach", "per-request,unknown")) == 5


def test_an_unknown_reach_is_a_usage_error(project: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--reach", "sometimes"])

    assert result.exit_code == 2
    assert "unknown reach 'sometimes'; expected per-request or unknown" in result.output


def test_isolated_ignores_the_file(project: Path) -> None:
    settings(project, 'select = ["DYN004"]\n')

    assert findings() == []
    assert len(findings("--isolated")) == 5


def test_config_option(project: Path) -> None:
    (project / "dynalint.toml").write_text('select = ["DYN003"]\n')

    assert findings("--config", "dynalint.toml") == [("scripts/backfill.py:4", "DYN003", "unknown")]


def test_helper_module_setting(project: Path) -> None:
    settings(project, 'helper-module = "shared.aws"\n')

    result = CliRunner().invoke(main, ["fix", "app.py"])

    assert result.stdout.splitlines()[0] == "Fixed 3 findings in 1 file; wrote shared/aws.py."
    assert "from shared.aws import get_client\n" in (project / "app.py").read_text()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            'selct = ["DYN001"]\n',
            "pyproject.toml: [tool.dynalint] unknown key 'selct' (did you mean 'select'?)",
            id="unknown key",
        ),
        pytest.param(
            'select = "DYN001"\n',
            "pyproject.toml: [tool.dynalint] select: expected a list of rule codes, got 'DYN001'",
            id="wrong type",
        ),
        pytest.param(
            'ignore = ["DYN999"]\n',
            "pyproject.toml: [tool.dynalint] ignore: unknown rule code 'DYN999'",
            id="unknown code",
        ),
    ],
)
def test_bad_settings_exit_2_naming_file_and_key(project: Path, body: str, message: str) -> None:
    settings(project, body)

    result = CliRunner().invoke(main, ["check"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {message}\n"
