"""Every output format, byte for byte, from results built by hand; SARIF also against its schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dynalint import lint_paths
from dynalint.report import github, junit, sarif, text
from dynalint.report.options import ReportOptions, file_line_reader, is_fixable, unsafe_fix
from dynalint.rules import RULES
from dynalint.types import (
    Applicability,
    Edit,
    FileError,
    Finding,
    Fix,
    HelperImport,
    LintResult,
    Reach,
)
from tests.conftest import FIXTURES

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
ADVICE = "create it once at module level or use a cached helper"
HANDLER = "app/handler.py"
UTIL = "lib/util.py"


def finding(
    path: str,
    position: tuple[int, int, int, int],
    code: str,
    message: str,
    applicability: Applicability,
    reach: Reach = Reach.PER_REQUEST,
) -> Finding:
    names = {rule.code: rule.name for rule in RULES}
    line, column, end_line, end_column = position
    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        code=code,
        name=names[code],
        message=message,
        reach=reach,
        chain=(f"{HANDLER}:lambda_handler", f"{path}:helper"),
        fix=_fix(position, applicability) if applicability is not Applicability.NONE else None,
        no_fix="Sessions are not rewritten" if applicability is Applicability.NONE else None,
    )


def _fix(position: tuple[int, int, int, int], applicability: Applicability) -> Fix:
    edit = Edit(*position, "get_client")
    imports = (HelperImport("get_client", "get_client"),)
    return Fix(applicability, "Use get_client(...)", (edit,), imports, "aws_helpers")


TABLE = finding(
    HANDLER,
    (12, 13, 12, 48),
    "DYN003",
    f'dynamodb.Table(os.environ["TABLE"]) is created on every call of lambda_handler(); {ADVICE}',
    Applicability.SAFE,
)
CLIENT_UNSAFE = finding(
    HANDLER,
    (20, 10, 22, 6),
    "DYN001",
    f"boto3.client(...) is created on every call of lambda_handler(); {ADVICE}",
    Applicability.UNSAFE,
)
CLIENT_SAFE = finding(
    HANDLER,
    (30, 5, 30, 23),
    "DYN001",
    f"boto3.client('s3') is created on every call of lambda_handler(); {ADVICE}",
    Applicability.SAFE,
)
SESSION = finding(
    UTIL,
    (5, 9, 5, 24),
    "DYN004",
    "boto3.Session() is created on every call of make(), whose callers are unknown; "
    "create it once at module level",
    Applicability.NONE,
    Reach.UNKNOWN,
)
TABLE_UTIL = finding(
    UTIL,
    (9, 12, 9, 30),
    "DYN003",
    f"DDB.Table('cache') is created on every call of get(); {ADVICE}",
    Applicability.SAFE,
)
BROKEN = FileError("broken.py", "syntax error at line 2, column 12: '(' was never closed")

MIXED = LintResult(
    findings=(TABLE, CLIENT_UNSAFE, CLIENT_SAFE, SESSION, TABLE_UTIL),
    errors=(BROKEN,),
    files_checked=4,
)
CLEAN = LintResult(findings=(), errors=(), files_checked=2)

SOURCE = {
    (HANDLER, 12): '    table = dynamodb.Table(os.environ["TABLE"])',
    (HANDLER, 20): "    s3 = boto3.client(  ",
    (UTIL, 5): "\treturn boto3.Session()",
}


def fake_read_line(path: str, line: int) -> str | None:
    return SOURCE.get((path, line))


def line_of(item: Finding, marker: str = "") -> str:
    return f"{item.path}:{item.line}:{item.column}: {item.code}{marker} {item.message}"


HINT = "[*] 3 fixable with `dynalint fix` (1 more with `dynalint fix --unsafe-fixes`)."


# --- options -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "safe", "unsafe"),
    [
        pytest.param(TABLE, True, False, id="safe"),
        pytest.param(CLIENT_UNSAFE, False, True, id="unsafe"),
        pytest.param(SESSION, False, False, id="not fixable"),
    ],
)
def test_fixability(item: Finding, safe: bool, unsafe: bool) -> None:
    assert (is_fixable(item), unsafe_fix(item)) == (safe, unsafe)


def test_file_line_reader(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"\xef\xbb\xbfx = 1\r\ny = '\x0c'\rz = 3\n")
    read_line = file_line_reader(tmp_path)

    assert [read_line("a.py", n) for n in (1, 2, 3, 4, 5, 0)] == [
        "x = 1",
        "y = '\x0c'",
        "z = 3",
        "",
        None,
        None,
    ]
    assert read_line("missing.py", 1) is None


# --- text ----------------------------------------------------------------------------------------


def test_text_default() -> None:
    assert text.render(MIXED, ReportOptions()) == "\n".join(
        [
            line_of(TABLE, " [*]"),
            line_of(CLIENT_UNSAFE),
            line_of(CLIENT_SAFE, " [*]"),
            line_of(SESSION, " [?]"),
            line_of(TABLE_UTIL, " [*]"),
            "Found 5 findings (4 certain, 1 possible) in 2 files.",
            HINT,
            "",
        ]
    )


def test_text_without_options_is_the_plain_output() -> None:
    assert text.render(MIXED) == text.render(MIXED, ReportOptions())


def test_text_clean() -> None:
    assert text.render(CLEAN, ReportOptions()) == "All checks passed.\n"


@pytest.mark.parametrize(
    ("findings", "hint"),
    [
        pytest.param((TABLE,), "[*] 1 fixable with `dynalint fix`.", id="safe only"),
        pytest.param(
            (CLIENT_UNSAFE, SESSION),
            "No safe fixes available (1 with `dynalint fix --unsafe-fixes`).",
            id="unsafe only",
        ),
        pytest.param((SESSION,), None, id="nothing fixable"),
    ],
)
def test_text_fix_hint(findings: tuple[Finding, ...], hint: str | None) -> None:
    lines = text.render(LintResult(findings, (), 1), ReportOptions()).splitlines()

    assert lines[-1] == (hint or "Found 1 finding (0 certain, 1 possible) in 1 file.")


def test_text_show_source() -> None:
    options = ReportOptions(show_source=True, read_line=fake_read_line)

    assert text.render(MIXED, options) == "\n".join(
        [
            line_of(TABLE, " [*]"),
            "   |",
            '12 |     table = dynamodb.Table(os.environ["TABLE"])',
            "   |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
            line_of(CLIENT_UNSAFE),
            "   |",
            "20 |     s3 = boto3.client(  ",
            "   |          ^^^^^^^^^^^^^",
            line_of(CLIENT_SAFE, " [*]"),
            line_of(SESSION, " [?]"),
            "  |",
            "5 | \treturn boto3.Session()",
            "  | \t       ^^^^^^^^^^^^^^^",
            line_of(TABLE_UTIL, " [*]"),
            "Found 5 findings (4 certain, 1 possible) in 2 files.",
            HINT,
            "",
        ]
    )


def test_text_show_source_clamps_carets_to_the_line() -> None:
    beyond = finding(HANDLER, (3, 7, 3, 99), "DYN001", "m", Applicability.NONE)
    options = ReportOptions(show_source=True, quiet=True, read_line=lambda path, line: "x = f()")

    assert text.render(LintResult((beyond,), (), 1), options) == (
        f"{line_of(beyond)}\n  |\n3 | x = f()\n  |       ^\n"
    )


def test_text_color() -> None:
    result = LintResult((TABLE, SESSION), (), 2)
    bold, red, cyan, reset = "\x1b[1m", "\x1b[1;31m", "\x1b[36m", "\x1b[0m"

    assert text.render(result, ReportOptions(color=True)) == "\n".join(
        [
            f"{bold}{HANDLER}{reset}:12:13: {red}DYN003{reset} {cyan}[*]{reset} {TABLE.message}",
            f"{bold}{UTIL}{reset}:5:9: {red}DYN004{reset} [?] {SESSION.message}",
            "Found 2 findings (1 certain, 1 possible) in 2 files.",
            f"{cyan}[*]{reset} 1 fixable with `dynalint fix`.",
            "",
        ]
    )


def test_text_has_no_escape_codes_without_color() -> None:
    options = ReportOptions(show_source=True, statistics=False, read_line=fake_read_line)

    assert "\x1b" not in text.render(MIXED, options)
    assert "\x1b" not in text.render(MIXED, ReportOptions(statistics=True))


def test_text_statistics() -> None:
    assert text.render(MIXED, ReportOptions(statistics=True)) == "\n".join(
        [
            "   2\tDYN001\tclient-per-request\t[-]",
            "   2\tDYN003\ttable-per-request\t[*]",
            "   1\tDYN004\tsession-per-request\t[ ]",
            "Found 5 findings (4 certain, 1 possible) in 2 files.",
            HINT,
            "",
        ]
    )


def test_text_statistics_quiet_and_clean() -> None:
    assert text.render(MIXED, ReportOptions(statistics=True, quiet=True)).count("\n") == 3
    assert text.render(CLEAN, ReportOptions(statistics=True)) == "All checks passed.\n"


def test_text_quiet() -> None:
    assert text.render(MIXED, ReportOptions(quiet=True)) == "\n".join(
        [
            line_of(TABLE, " [*]"),
            line_of(CLIENT_UNSAFE),
            line_of(CLIENT_SAFE, " [*]"),
            line_of(SESSION, " [?]"),
            line_of(TABLE_UTIL, " [*]"),
            "",
        ]
    )
    assert text.render(CLEAN, ReportOptions(quiet=True)) == ""


# --- github --------------------------------------------------------------------------------------


def test_github() -> None:
    result = LintResult((TABLE, CLIENT_UNSAFE), (BROKEN,), 2)

    assert github.render(result, ReportOptions()) == "".join(
        [
            "::warning file=app/handler.py,line=12,col=13,endLine=12,endColumn=48,"
            f"title=DYN003 table-per-request::{TABLE.message}\n",
            # Columns are dropped on a multi-line span: the runner rejects them there.
            "::warning file=app/handler.py,line=20,endLine=22,"
            f"title=DYN001 client-per-request::{CLIENT_UNSAFE.message}\n",
            "::error file=broken.py::syntax error at line 2, column 12: '(' was never closed\n",
        ]
    )


def test_github_shows_a_possible_finding_as_a_notice() -> None:
    assert github.render(LintResult((SESSION,), (), 1), ReportOptions()) == (
        "::notice file=lib/util.py,line=5,col=9,endLine=5,endColumn=24,"
        f"title=DYN004 session-per-request::{SESSION.message}\n"
    )


def test_github_escaping() -> None:
    odd = finding(
        "odd,dir/a:b%\n.py", (1, 1, 1, 5), "DYN001", "50% done, see: x\r\ny", Applicability.NONE
    )
    error = FileError("bad,name.py", "cannot decode: 100%\nbroken")

    assert github.render(LintResult((odd,), (error,), 1), ReportOptions()).splitlines() == [
        "::warning file=odd%2Cdir/a%3Ab%25%0A.py,line=1,col=1,endLine=1,endColumn=5,"
        "title=DYN001 client-per-request::50%25 done, see: x%0D%0Ay",
        "::error file=bad%2Cname.py::cannot decode: 100%25%0Abroken",
    ]


def test_github_clean_prints_nothing() -> None:
    assert github.render(CLEAN, ReportOptions()) == ""


# --- junit ---------------------------------------------------------------------------------------


def test_junit() -> None:
    session = finding(
        UTIL, (5, 9, 5, 24), "DYN004", 'boto3.Session("a") <- x & y', SESSION.applicability
    )
    result = LintResult((TABLE, session), (BROKEN,), 3)

    assert junit.render(result, ReportOptions()) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="dynalint" tests="3" failures="2" errors="1">\n'
        '  <testsuite name="dynalint" tests="3" failures="2" errors="1">\n'
        '    <testcase name="DYN003 table-per-request" classname="app/handler.py"'
        ' file="app/handler.py" line="12">\n'
        '      <failure message="dynamodb.Table(os.environ[&quot;TABLE&quot;]) is created on every'
        f' call of lambda_handler(); {ADVICE}" type="DYN003">app/handler.py:12:13: DYN003'
        ' dynamodb.Table(os.environ["TABLE"]) is created on every call of lambda_handler();'
        f" {ADVICE}</failure>\n"
        "    </testcase>\n"
        '    <testcase name="DYN004 session-per-request" classname="lib/util.py"'
        ' file="lib/util.py" line="5">\n'
        '      <failure message="boto3.Session(&quot;a&quot;) &lt;- x &amp; y" type="DYN004">'
        'lib/util.py:5:9: DYN004 boto3.Session("a") &lt;- x &amp; y</failure>\n'
        "    </testcase>\n"
        '    <testcase name="file-error" classname="broken.py" file="broken.py">\n'
        "      <error message=\"syntax error at line 2, column 12: '(' was never closed\""
        " type=\"file-error\">broken.py: syntax error at line 2, column 12: '(' was never closed"
        "</error>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n"
    )


def test_junit_clean_run_has_one_passing_case() -> None:
    assert junit.render(CLEAN, ReportOptions()) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="dynalint" tests="1" failures="0" errors="0">\n'
        '  <testsuite name="dynalint" tests="1" failures="0" errors="0">\n'
        '    <testcase name="dynalint" classname="dynalint" />\n'
        "  </testsuite>\n"
        "</testsuites>\n"
    )


def test_junit_stays_well_formed_with_control_characters() -> None:
    odd = finding(
        HANDLER, (1, 1, 1, 2), "DYN001", "boto3.client('\x00\x1b')\nnext", SESSION.applicability
    )
    document = ET.fromstring(
        junit.render(LintResult((odd,), (), 1), ReportOptions()).split("\n", 1)[1]
    )

    failure = document.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "boto3.client('\\x00\\x1b')\nnext"


# --- sarif ---------------------------------------------------------------------------------------


def validate_sarif(document: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(SCHEMA)
    validator.check_schema(SCHEMA)
    validator(SCHEMA).validate(document)


def sarif_document(result: LintResult) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sarif.render(result, ReportOptions()))
    validate_sarif(document)
    return document


def test_sarif_tool_lists_every_rule() -> None:
    driver = sarif_document(CLEAN)["runs"][0]["tool"]["driver"]
    rules = driver["rules"]

    assert (driver["name"], driver["version"]) == ("dynalint", "0.1.0")
    assert [rule["id"] for rule in rules] == [f"DYN00{n}" for n in range(1, 9)]
    table = rules[2]
    assert table["name"] == "table-per-request"
    assert table["shortDescription"] == {"text": "DynamoDB Table created on every request"}
    assert table["fullDescription"]["text"].startswith(
        "Reports a DynamoDB `Table` created inside code that runs on every request: `.Table(...)`"
    )
    assert "\n" not in table["fullDescription"]["text"]
    assert table["help"]["markdown"].startswith("DYN003 table-per-request\n\n## What it does\n")
    assert "## Known limits" in table["help"]["text"]
    assert table["helpUri"] == "https://github.com/dynalint/dynalint/blob/main/docs/rules/DYN003.md"
    assert table["defaultConfiguration"] == {"level": "warning"}
    assert table["properties"] == {"tags": ["performance", "aws-lambda"]}


def test_sarif_results() -> None:
    document = sarif_document(MIXED)
    run = document["runs"][0]
    first, unsafe, *_, session, _ = run["results"]

    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    assert len(run["results"]) == 5
    assert first == {
        "ruleId": "DYN003",
        "ruleIndex": 2,
        "level": "warning",
        "message": {"text": TABLE.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "app/handler.py", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 12, "startColumn": 13, "endLine": 12, "endColumn": 48},
                }
            }
        ],
        "properties": {
            "reach": "per-request",
            "certain": True,
            "chain": ["app/handler.py:lambda_handler", "app/handler.py:helper"],
            "applicability": "safe",
            "fixable": True,
        },
    }
    assert "fixes" not in first
    assert (unsafe["ruleIndex"], unsafe["properties"]["fixable"]) == (0, True)
    assert session["level"] == "note"
    assert session["properties"] == {
        "reach": "unknown",
        "certain": False,
        "chain": ["app/handler.py:lambda_handler", "lib/util.py:helper"],
        "applicability": "none",
        "fixable": False,
    }


def test_sarif_invocation_reports_file_errors() -> None:
    invocation = sarif_document(MIXED)["runs"][0]["invocations"][0]

    assert invocation == {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": BROKEN.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": "broken.py", "uriBaseId": "%SRCROOT%"}
                        }
                    }
                ],
            }
        ],
    }
    clean = sarif_document(CLEAN)["runs"][0]
    assert clean["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    assert clean["results"] == []


@pytest.mark.parametrize(
    ("path", "location"),
    [
        pytest.param("app/a b.py", {"uri": "app/a%20b.py", "uriBaseId": "%SRCROOT%"}, id="space"),
        pytest.param("./app\\a.py", {"uri": "app/a.py", "uriBaseId": "%SRCROOT%"}, id="windows"),
        pytest.param("../up/a.py", {"uri": "../up/a.py", "uriBaseId": "%SRCROOT%"}, id="parent"),
        pytest.param("/srv/app/a.py", {"uri": "file:///srv/app/a.py"}, id="absolute"),
        pytest.param("C:\\src\\a.py", {"uri": "file:///C:/src/a.py"}, id="drive"),
    ],
)
def test_sarif_artifact_uris(path: str, location: dict[str, str]) -> None:
    assert sarif.artifact(path) == location


# --- a real run in every format ------------------------------------------------------------------


@pytest.fixture(scope="module")
def crud() -> LintResult:
    result = lint_paths([str(FIXTURES / "check" / "crud")])
    assert len(result.findings) == 8
    return result


def test_real_run_text(crud: LintResult) -> None:
    options = ReportOptions(show_source=True, read_line=file_line_reader())
    lines = text.render(crud, options).splitlines()

    assert lines[0].startswith(f"{FIXTURES / 'check' / 'crud' / 'app' / 'collection.py'}:31:16: ")
    assert lines[0].endswith(
        'DYN002 [*] boto3.resource("dynamodb") is created on every call of '
        f"create_collection() <- lambda_handler() ({FIXTURES / 'check' / 'crud' / 'handler.py'}); "
        f"{ADVICE}"
    )
    assert lines[1:4] == [
        "   |",
        '31 |     dynamodb = boto3.resource("dynamodb")  # expect: DYN002',
        "   |                ^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ]
    assert lines[-2:] == ["Found 8 findings in 1 file.", "[*] 8 fixable with `dynalint fix`."]


def test_real_run_github(crud: LintResult) -> None:
    lines = github.render(crud, ReportOptions()).splitlines()

    assert len(lines) == 8
    assert all(line.startswith("::warning file=") for line in lines)
    assert ",line=32,col=13,endLine=32,endColumn=53,title=DYN003 table-per-request::" in lines[1]


def test_real_run_junit(crud: LintResult) -> None:
    document = ET.fromstring(junit.render(crud, ReportOptions()).split("\n", 1)[1])

    assert document.attrib == {"name": "dynalint", "tests": "8", "failures": "8", "errors": "0"}
    assert len(document.findall("testsuite/testcase/failure")) == 8


def test_real_run_sarif(crud: LintResult) -> None:
    run = sarif_document(crud)["runs"][0]

    assert [result["ruleId"] for result in run["results"]] == ["DYN002", "DYN003"] * 4
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].startswith("file:///")
    assert location["artifactLocation"]["uri"].endswith("/fixtures/check/crud/app/collection.py")
    assert location["region"] == {
        "startLine": 31,
        "startColumn": 16,
        "endLine": 31,
        "endColumn": 42,
    }
    assert run["invocations"][0]["executionSuccessful"] is True
