"""Precise selection parses few files, and never misses one that can reach a creation site.

Each case is a project whose handler reaches `make()` in `pkg/aws.py` through one way a
reference can travel between modules. The finding is per request only if dynalint parsed the
handler's file, which holds no creation-shaped call of its own: it is selected by its import.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from dynalint.analysis.facts import facts_of
from dynalint.config import Config
from dynalint.discovery import discover
from dynalint.engine import lint_paths
from dynalint.types import Reach
from tests.conftest import FIXTURES

AWS = "import boto3\n\n\ndef make():\n    return boto3.client('s3')\n"
CLASS = "import boto3\n\n\nclass Store:\n    def make(self):\n        return boto3.client('s3')\n"

CASES = {
    "from module import function": ({"pkg/aws.py": AWS}, "from pkg.aws import make", "make()"),
    "import as alias": ({"pkg/aws.py": AWS}, "import pkg.aws as aws", "aws.make()"),
    "import dotted": ({"pkg/aws.py": AWS}, "import pkg.aws", "pkg.aws.make()"),
    "from package import module": ({"pkg/aws.py": AWS}, "from pkg import aws", "aws.make()"),
    "re-export renamed": (
        {"pkg/aws.py": AWS, "pkg/__init__.py": "from .aws import make as build\n"},
        "from pkg import build",
        "build()",
    ),
    "re-export through two packages": (
        {
            "pkg/aws.py": AWS,
            "pkg/__init__.py": "from .aws import make\n",
            "api/__init__.py": "from pkg import make\n",
        },
        "import api",
        "api.make()",
    ),
    "method of an imported class": (
        {"pkg/aws.py": CLASS},
        "from pkg.aws import Store",
        "Store().make()",
    ),
    "inherited method": (
        {
            "pkg/aws.py": CLASS,
            "pkg/local.py": "from pkg.aws import Store\n\n\nclass Local(Store):\n    pass\n",
        },
        "from pkg.local import Local",
        "Local().make()",
    ),
    "caller of a caller": (
        {
            "pkg/aws.py": AWS,
            "pkg/service.py": "from pkg import aws\n\n\ndef serve():\n    return aws.make()\n",
        },
        "from pkg.service import serve",
        "serve()",
    ),
    "relative import": ({"pkg/aws.py": AWS}, None, "make()"),
}


def build(root: Path, files: dict[str, str], import_line: str | None, call: str) -> Path:
    (root / "pyproject.toml").write_text("")
    for name, text in {"pkg/__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    body = f"def lambda_handler(event, context):\n    return {call}\n"
    if import_line is None:  # the handler lives inside the package
        handler = root / "pkg" / "handler.py"
        handler.write_text("from .aws import make\n\n\n" + body)
    else:
        handler = root / "handler.py"
        handler.write_text(f"{import_line}\n\n\n{body}")
    assert not facts_of(handler.read_bytes()).may_create
    return handler


@pytest.mark.parametrize("case", CASES)
def test_every_way_a_handler_reaches_a_site_is_followed(case: str, tmp_path: Path) -> None:
    files, import_line, call = CASES[case]
    handler = build(tmp_path, files, import_line, call)

    result = lint_paths([str(tmp_path)], Config())

    site = [f for f in result.findings if f.path.endswith("pkg/aws.py")]
    assert [(f.code, f.reach) for f in site] == [("DYN001", Reach.PER_REQUEST)]
    assert site[0].chain[0].startswith(f"{handler}:lambda_handler")


def test_a_star_import_of_a_wanted_module_is_parsed(tmp_path: Path) -> None:
    """The model does not resolve names a star import brings, but selection still offers it."""
    build(tmp_path, {"pkg/aws.py": AWS}, "from pkg.aws import *", "make()")

    assert lint_paths([str(tmp_path)], Config()).stats.parsed == 2


def test_files_that_cannot_matter_are_never_parsed(tmp_path: Path) -> None:
    build(tmp_path, {"pkg/aws.py": AWS}, "from pkg.aws import make", "make()")
    (tmp_path / "pkg" / "models.py").write_text("import boto3\n\nS3 = boto3.client('s3')\n")
    (tmp_path / "other.py").write_text("from pkg import models\n\n\ndef make():\n    pass\n")
    (tmp_path / "unrelated.py").write_text("def make():\n    return 1\n")

    result = lint_paths([str(tmp_path)], Config())

    assert result.stats.parsed == 2  # pkg/aws.py for its site, handler.py for its import


def test_a_module_of_the_callers_own_root_hides_a_same_named_one(tmp_path: Path) -> None:
    """SAM functions each have their own `utils`: a handler's import finds its own."""
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent(
            """\
            Resources:
              A:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: a/, Handler: app.lambda_handler}
              B:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: b/, Handler: app.lambda_handler}
            """
        )
    )
    for name, utils in (("a", AWS), ("b", "def make():\n    return 1\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "utils.py").write_text(utils)
        (tmp_path / name / "app.py").write_text(
            "from utils import make\n\n\ndef lambda_handler(event, context):\n    return make()\n"
        )

    result = lint_paths([str(tmp_path)], Config())

    assert [(f.path.rpartition("/")[2], f.reach) for f in result.findings] == [
        ("utils.py", Reach.PER_REQUEST)
    ]
    assert result.findings[0].chain[0].startswith(f"{tmp_path / 'a' / 'app.py'}:")
    assert result.stats.parsed == 2  # a/utils.py and a/app.py; b/app.py imports b/utils.py


PROJECTS = sorted(p.name for p in (FIXTURES / "check").iterdir() if p.is_dir())


@pytest.mark.parametrize("name", PROJECTS)
def test_a_file_checked_alone_gets_the_findings_of_the_whole_run(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pre-commit hook names only the changed files; their verdicts still come from the whole
    project, though only what can reach their sites is parsed."""
    shutil.copytree(FIXTURES / "check" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path / name)
    whole = lint_paths(["."], Config())
    files = [source.display for source in discover(["."]).files]
    assert len(files) == whole.files_checked

    for path in files:
        alone = lint_paths([path], Config())

        assert alone.findings == tuple(f for f in whole.findings if f.path == path)
        assert alone.errors == tuple(e for e in whole.errors if e.path == path)
        assert alone.stats.parsed <= whole.stats.parsed


def test_sites_of_files_not_checked_are_not_parsed(tmp_path: Path) -> None:
    handler = build(tmp_path, {"pkg/aws.py": AWS}, "from pkg.aws import make", "make()")
    (tmp_path / "pkg" / "other.py").write_text(AWS)

    assert lint_paths([str(handler)], Config()).stats.parsed == 1
    assert lint_paths([str(tmp_path / "pkg" / "aws.py")], Config()).stats.parsed == 2


MAY_CREATE = {
    "a call in a function": ("import boto3\n\ndef f():\n    return boto3.client('s3')\n", True),
    "a method call without boto": ("def f(session):\n    return session.client('s3')\n", True),
    "a one-line function": ("import boto3\ndef f(): return boto3.client('s3')\n", True),
    "a lambda at module level": ("import boto3\nmake = lambda: boto3.client('s3')\n", True),
    "a class body": ("import boto3\n\nclass A:\n    s3 = boto3.client('s3')\n", True),
    "an import renamed": ("from boto3 import client as make\n", True),
    "a creator assigned": ("import boto3\n\nmake = boto3.client\n", True),
    "a creator assigned after a docstring's call": (
        '"""Use boto3.client("s3")."""\nimport boto3\n\nmake = boto3.client\n',
        True,
    ),
    "an imported creator assigned": ("from boto3 import Session\nmake = Session\n", True),
    "a syntax error": ("import boto3\n\ndef f(:\n    return boto3.client('s3')\n", True),
    "only at module level": ("import boto3\n\nS3 = boto3.client('s3')\n", False),
    "a bare call without boto": ("def f():\n    return client('s3')\n", False),
    "in a comment": ("import boto3\n\ndef f():\n    pass  # boto3.client('s3') is slow\n", False),
    "in a docstring": ('import boto3\n\ndef f():\n    """boto3.client("s3")"""\n', False),
    "a class named Table": ("import boto3\n\nclass Table:\n    pass\n", False),
    "a client attribute used": (
        "import boto3\n\ndef f(self):\n    return self.client.get_object()\n",
        False,
    ),
    "a parameter named client": (
        "import boto3\n\ndef f(self, client):\n    self.c = client\n",
        False,
    ),
}


@pytest.mark.parametrize("case", MAY_CREATE)
def test_which_files_can_hold_a_creation_site(case: str) -> None:
    source, expected = MAY_CREATE[case]

    assert facts_of(source.encode()).may_create is expected
