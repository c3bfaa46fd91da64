"""Bad source text: every file gets a true one-line verdict, and the rest of the run goes on.

Each case is a project of two files: `good.py`, whose finding must always be reported, and the
file under test. Python itself is the judge of what is Python (see `dynalint.analysis.parse`).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dynalint.analysis.model import FileModel, Job
from dynalint.analysis.names import DEFAULT_VOCABULARY
from dynalint.cli import main
from dynalint.workers import CRASHED, Builder

GOOD = b'import boto3\n\n\ndef handler(event, context):\n    return boto3.client("s3")\n'
GOOD_FINDING = (
    'good.py:5:12: DYN001 [*] boto3.client("s3") is created on every call of handler(); '
    "create it once at module level or use a cached helper"
)
HANDLER = b'\ndef handler(event, context):\n    return boto3.client("sqs")\n'


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "good.py").write_bytes(GOOD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def nested(opening: str, closing: str, depth: int) -> bytes:
    return b"import boto3\nX = " + (opening * depth + "1" + closing * depth).encode() + b"\n"


REFUSED = {
    "syntax error": (
        b"import boto3\ndef handler(event, context:\n    return boto3.client('s3')\n",
        "syntax error at line 2, column 12: '(' was never closed",
    ),
    "python 2": (
        b'import boto3\nprint "hello"\n' + HANDLER,
        "syntax error at line 2, column 1: Missing parentheses in call to 'print'. "
        "Did you mean print(...)?",
    ),
    "NUL byte": (b"import boto3\x00\n" + HANDLER, "contains a NUL byte at offset 12"),
    "binary": (
        b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)),
        "contains a NUL byte at offset 7",
    ),
    "undecodable": (
        b"import boto3\nNAME = '\xe9t\xe9'\n" + HANDLER,
        "cannot decode: invalid utf-8 byte at offset 21",
    ),
    "rot13 cookie": (
        b"# coding: rot13\nimport boto3\n" + HANDLER,
        "cannot decode: 'rot13' is not a text encoding",
    ),
    "hex cookie": (b"# coding: hex\n", "cannot decode: 'hex' is not a text encoding"),
    "base64 cookie": (b"# coding: base64\n", "cannot decode: 'base64' is not a text encoding"),
    "zlib cookie": (b"# coding: zlib\n", "cannot decode: 'zlib' is not a text encoding"),
    "unknown cookie": (b"# coding: klingon\n", "cannot decode: unknown encoding: klingon"),
    "return at module level": (
        b"import boto3\nreturn 1\n" + HANDLER,
        "syntax error at line 2, column 1: 'return' outside function",
    ),
    "starred assignment": (
        b"import boto3\nx = *a\n" + HANDLER,
        "syntax error at line 2, column 5: can't use starred expression here",
    ),
    "duplicate argument": (
        b"import boto3\ndef g(x, x):\n    pass\n" + HANDLER,
        "syntax error at line 2, column 10: duplicate argument 'x' in function definition",
    ),
    "nonlocal at module level": (
        b"import boto3\nnonlocal x\n" + HANDLER,
        "syntax error at line 2, column 1: nonlocal declaration not allowed at module level",
    ),
    "300 nested parentheses": (
        nested("(", ")", 300) + HANDLER,
        "syntax error at line 2, column 205: too many nested parentheses",
    ),
    # libcst's native parser overflows its stack on this one: Python refuses it first.
    "1,500 nested parentheses": (
        nested("(", ")", 1500) + HANDLER,
        "syntax error at line 2, column 205: too many nested parentheses",
    ),
    "expression too deep to compile": (
        b"import boto3\nX = " + b"-" * 5000 + b"1\n" + HANDLER,
        "too deeply nested for Python to compile",
    ),
    "inconsistent tabs": (
        b"import boto3\nif True:\n        x = 1\n\ty = 2\n" + HANDLER,
        "syntax error at line 4, column 1: inconsistent use of tabs and spaces in indentation",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_file_python_refuses_gets_one_line_and_the_rest_is_checked(
    project: Path, name: str
) -> None:
    data, reason = REFUSED[name]
    (project / "bad.py").write_bytes(data)

    code, out, err = run(".")

    assert code == 2
    assert out.splitlines()[0] == GOOD_FINDING
    assert err == f"error: bad.py: {reason}\n"


def test_a_file_that_cannot_be_decoded_is_reported_even_when_it_is_never_parsed(
    project: Path,
) -> None:
    """Decoding every file is cheap; parsing one that mentions no boto3 is not done at all."""
    (project / "notes.py").write_bytes(b"TITLE = '\xff\xfe'\n")
    (project / "broken.py").write_bytes(b"def f(:\n")  # no creation: never parsed

    code, _, err = run(".")

    assert code == 2
    assert err == "error: notes.py: cannot decode: invalid utf-8 byte at offset 9\n"


def test_a_named_file_is_parsed_so_its_syntax_errors_show(project: Path) -> None:
    (project / "broken.py").write_bytes(b"def f(:\n")

    code, _, err = run("broken.py")

    assert code == 2
    assert err == "error: broken.py: syntax error at line 1, column 7: invalid syntax\n"


ACCEPTED = {
    "latin-1 with a coding line": (
        b"# -*- coding: latin-1 -*-\nimport boto3\nNAME = '\xe9t\xe9'\n" + HANDLER,
        "bad.py:6:12",
    ),
    "UTF-8 BOM": (b"\xef\xbb\xbfimport boto3\n" + HANDLER, "bad.py:4:12"),
    "CRLF": ((b"import boto3\n" + HANDLER).replace(b"\n", b"\r\n"), "bad.py:4:12"),
    "mixed line endings": (
        b"import boto3\r\n\ndef handler(event, context):\r\n    return boto3.client('sqs')\n",
        "bad.py:4:12",
    ),
    "one enormous line": (
        b"import boto3\nDATA = [" + b", ".join(b'"%06d"' % i for i in range(40_000)) + b"]\n"
        b'\ndef handler(event, context):\n    return boto3.client("sqs")\n',
        "bad.py:5:12",
    ),
    "large generated file": (
        b"import boto3\n"
        + b"".join(b"def f%d(x):\n    return x + %d\n\n\n" % (i, i) for i in range(6000))
        + HANDLER,
        "bad.py:24004:12",
    ),
    "500 terms (deep but valid)": (
        b"import boto3\nX = " + b"+".join([b"1"] * 500) + b"\n" + HANDLER,
        "bad.py:5:12",
    ),
    "modern syntax": (
        b"import boto3\n"
        b"type Pair[T] = tuple[T, T]\n"
        b"def first[T](xs: list[T]) -> T:\n    return xs[0]\n"
        b"class Box[T]:\n    pass\n"
        b"NAME = f\"{'a' + f\"{'b'}\"}\"\n"
        b"match NAME:\n    case 'ab':\n        pass\n"
        b"try:\n    pass\nexcept* ValueError:\n    pass\n" + HANDLER,
        "bad.py:17:12",
    ),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_file_python_accepts_is_read_and_its_finding_reported(project: Path, name: str) -> None:
    data, where = ACCEPTED[name]
    (project / "bad.py").write_bytes(data)

    code, out, err = run(".")

    assert (code, err) == (1, "")
    assert [line.split(" DYN")[0] for line in out.splitlines()[:2]] == [
        f"{where}:",
        "good.py:5:12:",
    ]


def test_an_empty_file_is_fine(project: Path) -> None:
    (project / "empty.py").write_bytes(b"")

    assert run(".", "empty.py")[:2] == (
        1,
        f"{GOOD_FINDING}\nFound 1 finding in 1 file.\n[*] 1 fixable with `dynalint fix`.\n",
    )


def test_indentation_only_python_reads_is_reported_where_it_is_without_a_fix(
    project: Path,
) -> None:
    """A block indented by a space, its body by a tab and a space: CPython accepts it (a tab
    counts as up to eight columns), libcst does not; the finding is still reported, at the
    column it has in the file, and left to be fixed by hand."""
    (project / "tabs.py").write_bytes(
        b"import boto3\n\ndef handler(event, context):\n if event:\n\t s = boto3.client('sqs')\n"
    )

    code, out, err = run("tabs.py", "--show-source")

    assert (code, err) == (1, "")
    assert out.splitlines()[:3] == [
        "tabs.py:5:7: DYN001 boto3.client('sqs') is created on every call of handler(); "
        "create it once at module level or use a cached helper",
        "  |",
        "5 | \t s = boto3.client('sqs')",
    ]


STDIN = {
    "undecodable": (
        b"import boto3\nX = '\xff'\n",
        "cannot decode: invalid utf-8 byte at offset 18",
    ),
    "NUL byte": (b"import boto3\n\x00", "contains a NUL byte at offset 13"),
    "syntax error": (
        b"import boto3\nreturn\n",
        "syntax error at line 2, column 1: 'return' outside function",
    ),
}


@pytest.mark.parametrize("name", STDIN)
def test_bad_input_on_stdin(project: Path, name: str) -> None:
    data, reason = STDIN[name]

    code, out, err = run("-", stdin=data)

    assert code == 2
    assert "DYN" not in out
    assert err == f"error: -: {reason}\n"


def _crash_on_marker(job: Job) -> FileModel | str:
    if b"CRASH" in job.data:
        os.kill(os.getpid(), signal.SIGSEGV)
    return f"parsed {job.module}"


@pytest.mark.skipif(sys.platform != "linux", reason="the workers fork only on Linux")
def test_a_worker_that_dies_costs_only_its_own_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A native parser's crash kills its process: the other files are still built, and the
    one that killed it is named."""
    monkeypatch.setattr("dynalint.workers.model_of", _crash_on_marker)
    jobs = [
        Job(b"CRASH" if index == 5 else b"x = 1\n", f"m{index}", False, DEFAULT_VOCABULARY, "h")
        for index in range(12)
    ]
    builder = Builder(2)
    try:
        built = builder.models(jobs)
    finally:
        builder.close()

    assert built == [CRASHED if index == 5 else f"parsed m{index}" for index in range(12)]


def test_code_as_deep_as_python_compiles_is_fixed_too(project: Path) -> None:
    deep = b"import boto3\nX = " + b"+".join([b"1"] * 2000) + b"\n" + HANDLER
    (project / "deep.py").write_bytes(deep)

    result = CliRunner().invoke(main, ["fix", "--no-cache", "."])

    assert (result.exit_code, result.stderr) == (0, "")
    fixed = (project / "deep.py").read_bytes()
    assert fixed.startswith(b"from aws_helpers import get_client\n\nX = 1+1+")
    assert fixed.endswith(b'\ndef handler(event, context):\n    return get_client("sqs")\n')


def test_modern_syntax_is_fixed_too(project: Path) -> None:
    """Where this Python cannot read the syntax, libcst proves the helper names instead of
    Python's symbol tables."""
    data = ACCEPTED["modern syntax"][0]
    (project / "bad.py").write_bytes(data)

    result = CliRunner().invoke(main, ["fix", "--no-cache", "."])

    assert (result.exit_code, result.stderr) == (0, "")
    fixed = data.replace(b"import boto3\n", b"from aws_helpers import get_client\n\n", 1)
    assert (project / "bad.py").read_bytes() == fixed.replace(
        b'boto3.client("sqs")', b'get_client("sqs")'
    )


@pytest.mark.parametrize(
    "name", ["latin-1 with a coding line", "UTF-8 BOM", "CRLF", "500 terms (deep but valid)"]
)
def test_good_input_on_stdin_is_read_as_a_file_would_be(project: Path, name: str) -> None:
    data, where = ACCEPTED[name]

    code, out, err = run("-", "--stdin-filename", "bad.py", stdin=data)

    assert (code, err) == (1, "")
    assert out.startswith(f"{where}: DYN001 ")


def test_nesting_that_crashes_native_parsers_on_stdin(project: Path) -> None:
    code, _, err = run("-", stdin=REFUSED["1,500 nested parentheses"][0])

    assert (code, err) == (
        2,
        "error: -: syntax error at line 2, column 205: too many nested parentheses\n",
    )
