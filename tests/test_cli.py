"""The command-line contract: output, exit codes and error messages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from dynalint.cli import main
from tests.conftest import FIXTURES
from tests.test_reports import validate_sarif

CRUD = FIXTURES / "check" / "crud"
ADVICE = "create it once at module level or use a cached helper"
FIXABLE = "[*] 8 fixable with `dynalint fix`."


@pytest.fixture
def crud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "crud"
    shutil.copytree(CRUD, project)
    monkeypatch.chdir(project)
    return project


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def crud_lines() -> list[str]:
    lines = []
    for function, line in [
        ("create_collection", 31),
        ("get_collection", 47),
        ("delete_collection", 55),
        ("query_collections", 65),
    ]:
        via = f"{function}() <- lambda_handler() (handler.py)"
        lines.append(
            f'app/collection.py:{line}:16: DYN002 [*] boto3.resource("dynamodb") is created on '
            f"every call of {via}; {ADVICE}"
        )
        lines.append(
            f'app/collection.py:{line + 1}:13: DYN003 [*] dynamodb.Table(os.environ["TABLE_NAME"]) '
            f"is created on every call of {via}; {ADVICE}"
        )
    return lines


def test_text_output_for_the_crud_lambda(crud: Path) -> None:
    code, out, err = run("check")

    assert code == 1
    assert out.splitlines() == [*crud_lines(), "Found 8 findings in 1 file.", FIXABLE]
    assert err == ""


def test_paths_are_shown_as_reached_from_the_given_path(crud: Path) -> None:
    code, out, _ = run("check", "../crud/app")

    assert code == 1
    assert out.splitlines()[0].startswith("../crud/app/collection.py:31:16: DYN002 ")
    assert "lambda_handler() (handler.py);" in out


def test_json_output(crud: Path) -> None:
    code, out, _ = run("check", ".", "--format", "json")

    document = json.loads(out)
    assert code == 1
    assert document["errors"] == []
    assert len(document["findings"]) == 8
    assert document["findings"][1] == {
        "path": "app/collection.py",
        "line": 32,
        "column": 13,
        "end_line": 32,
        "end_column": 53,
        "code": "DYN003",
        "name": "table-per-request",
        "message": (
            'dynamodb.Table(os.environ["TABLE_NAME"]) is created on every call of '
            f"create_collection() <- lambda_handler() (handler.py); {ADVICE}"
        ),
        "severity": "warning",
        "reach": "per-request",
        "certain": True,
        "chain": ["handler.py:lambda_handler", "app/collection.py:create_collection"],
        "applicability": "safe",
        "fix": {
            "applicability": "safe",
            "message": "Use get_dynamo_table(...) from app.aws_helpers",
            "edits": [
                {
                    "content": 'get_dynamo_table(os.environ["TABLE_NAME"])',
                    "location": {"row": 32, "column": 13},
                    "end_location": {"row": 32, "column": 53},
                },
                {
                    "content": "",
                    "location": {"row": 31, "column": 1},
                    "end_location": {"row": 32, "column": 1},
                },
            ],
            "imports": [
                {
                    "module": "app.aws_helpers",
                    "name": "get_dynamo_table",
                    "alias": "get_dynamo_table",
                }
            ],
            "helper": {"module": "app.aws_helpers", "path": "app/aws_helpers.py"},
        },
        "no_fix": None,
    }
    assert document["findings"][0]["fix"] == document["findings"][1]["fix"]


@pytest.mark.parametrize(
    ("options", "count"),
    [
        pytest.param(["--select", "DYN003"], 4, id="select one"),
        pytest.param(["--select", "DYN002,DYN003", "--ignore", "DYN002"], 4, id="ignore wins"),
        pytest.param(["--select", "DYN"], 8, id="prefix"),
        pytest.param(["--ignore", "DYN002", "--ignore", "DYN003"], 0, id="ignore repeated"),
    ],
)
def test_rule_selection(crud: Path, options: list[str], count: int) -> None:
    code, out, _ = run("check", *options, "--format", "json")

    assert len(json.loads(out)["findings"]) == count
    assert code == (1 if count else 0)


def test_unknown_rule_code_is_a_usage_error(crud: Path) -> None:
    code, _, err = run("check", "--select", "DYN999")

    assert code == 2
    assert "unknown rule code 'DYN999'" in err


def test_exit_zero(crud: Path) -> None:
    code, out, _ = run("check", "--exit-zero")

    assert code == 0
    assert out.splitlines()[-2:] == ["Found 8 findings in 1 file.", FIXABLE]


def test_clean_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'clean'\n")
    (tmp_path / "app.py").write_text(
        "import boto3\nS3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    return S3.list_buckets()\n"
    )
    monkeypatch.chdir(tmp_path)

    assert run("check") == (0, "All checks passed.\n", "")


def test_bad_files_are_reported_and_the_rest_still_checked(crud: Path) -> None:
    (crud / "broken.py").write_text(
        "import boto3\ndef handler(event, context:\n    return boto3.client('s3')\n"
    )
    (crud / "latin.py").write_bytes(b"import boto3\nNAME = '\xe9t\xe9'\n")

    code, out, err = run("check")

    assert code == 2
    assert out.splitlines()[-2:] == ["Found 8 findings in 1 file.", FIXABLE]
    assert err.splitlines() == [
        "error: broken.py: syntax error at line 2, column 12: '(' was never closed",
        "error: latin.py: cannot decode: invalid utf-8 byte at offset 21",
    ]


def test_missing_path(crud: Path) -> None:
    code, out, err = run("check", "nowhere.py", ".")

    assert code == 2
    assert "Found 8 findings" in out
    assert err == "error: nowhere.py: no such file or directory\n"


def test_tests_are_skipped_unless_included(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(
        "import boto3\n\ndef test_upload():\n    boto3.client('s3')\n"
    )
    monkeypatch.chdir(tmp_path)

    assert run("check")[0] == 0
    code, out, _ = run("check", "--include-tests")
    assert code == 1
    assert out.startswith("tests/test_app.py:4:5: DYN001 ")


def test_python_dash_m(crud: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "dynalint", "check", "--select", "DYN003"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stdout.splitlines()[-2:] == [
        "Found 4 findings in 1 file.",
        "[*] 4 fixable with `dynalint fix`.",
    ]


def test_installed_console_script(crud: Path) -> None:
    script = Path(sysconfig.get_path("scripts")) / "dynalint"
    completed = subprocess.run(
        [str(script), "check", "--format", "json"], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 1
    codes = [finding["code"] for finding in json.loads(completed.stdout)["findings"]]
    assert codes == ["DYN002", "DYN003"] * 4


def test_stdin_is_checked_as_the_named_file_in_its_project(crud: Path) -> None:
    source = (crud / "app" / "collection.py").read_text()
    (crud / "app" / "collection.py").write_text("# the file on disk is clean\n")

    result = CliRunner().invoke(
        main, ["check", "-", "--stdin-filename", "app/collection.py"], input=source
    )

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [*crud_lines(), "Found 8 findings in 1 file.", FIXABLE]


def test_stdin_without_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = "import boto3\ndef upload(path):\n    boto3.client('s3')\n"

    result = CliRunner().invoke(main, ["check", "-", "--select", "DYN001"], input=source)

    assert result.exit_code == 1
    assert result.stdout.startswith("-:3:5: DYN001 [*] [?] boto3.client('s3') is created on every")


def test_sarif_carries_the_fix_that_dynalint_fix_writes(crud: Path) -> None:
    code, out, _ = run("check", "--format", "sarif")
    document = json.loads(out)
    validate_sarif(document)
    results = document["runs"][0]["results"]
    changes = results[0]["fixes"][0]["artifactChanges"]
    run("fix")

    assert code == 1
    assert all("fixes" in result for result in results)
    assert [change["artifactLocation"]["uri"] for change in changes] == [
        "app/collection.py",
        "app/aws_helpers.py",
    ]
    for change in changes:
        written = (crud / change["artifactLocation"]["uri"]).read_text()
        assert change["replacements"][0]["insertedContent"]["text"] == written
