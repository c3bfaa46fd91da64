"""Tests for entry points declared outside Python code (SAM, Serverless, packaging metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dynalint.analysis.declared import DeclaredEntry, console_scripts, lambda_handlers

SAM_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    CodeUri: hello_world/
    Runtime: python3.12
    Timeout: !If [IsProd, 30, 3]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.lambda_handler
      Role: !GetAtt HelloRole.Arn
      Environment:
        Variables:
          TABLE: !Ref Table
          URL: !Sub
            - https://${Api}.example.com/${Stage}
            - Api: !Ref Api
  UsersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./services/users
      Handler: users.handlers.create_user
  NodeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
  ImageFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageConfig:
        Command: ["app.handler"]
    Metadata:
      DockerContext: ./image
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def resolve(entry: DeclaredEntry, folder: Path) -> DeclaredEntry:
    if entry.base is None:
        return entry
    return DeclaredEntry(entry.module, entry.function, folder / entry.base, entry.source)


def test_sam_template_with_globals_and_intrinsic_tags(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml", SAM_TEMPLATE)
    assert lambda_handlers(tmp_path) == [
        DeclaredEntry("app", "lambda_handler", tmp_path / "hello_world", "template.yaml"),
        DeclaredEntry(
            "users.handlers", "create_user", tmp_path / "services" / "users", "template.yaml"
        ),
    ]


@pytest.mark.parametrize(
    ("properties", "globals_", "expected"),
    [
        pytest.param(
            {"Handler": "hello_world.app.lambda_handler"},
            {},
            [DeclaredEntry("hello_world.app", "lambda_handler", Path("."), "template.yaml")],
            id="no-codeuri-is-template-folder",
        ),
        pytest.param(
            {"CodeUri": {"Bucket": "b", "Key": "k.zip"}, "Handler": "app.main"},
            {},
            [DeclaredEntry("app", "main", None, "template.yaml")],
            id="s3-location-codeuri",
        ),
        pytest.param(
            {"CodeUri": "s3://bucket/code.zip", "Handler": "app.main"},
            {},
            [DeclaredEntry("app", "main", None, "template.yaml")],
            id="s3-uri-codeuri",
        ),
        pytest.param(
            {"CodeUri": "src"},
            {"Handler": "app.main"},
            [DeclaredEntry("app", "main", Path("src"), "template.yaml")],
            id="globals-handler",
        ),
        pytest.param(
            {"Handler": "app.main", "Runtime": "python3.11"},
            {"Runtime": "nodejs20.x"},
            [DeclaredEntry("app", "main", Path("."), "template.yaml")],
            id="own-runtime-beats-globals",
        ),
        pytest.param(
            {"Handler": "app.main"},
            {"Runtime": "java21"},
            [],
            id="globals-non-python-runtime",
        ),
        pytest.param(
            {"Handler": {"Fn::Sub": "${Module}.main"}},
            {},
            [],
            id="computed-handler",
        ),
        pytest.param({"Handler": "lambda_handler"}, {}, [], id="handler-without-module"),
        pytest.param({"ImageUri": "repo:latest"}, {}, [], id="image-without-handler"),
    ],
)
def test_sam_function_properties(
    tmp_path: Path,
    properties: dict[str, object],
    globals_: dict[str, object],
    expected: list[DeclaredEntry],
) -> None:
    """Expected bases are relative to the template folder, which is tmp_path."""
    template = {
        "Globals": {"Function": globals_},
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": properties}},
    }
    write(tmp_path / "template.yaml", json.dumps(template))  # JSON is valid YAML
    assert lambda_handlers(tmp_path) == [resolve(entry, tmp_path) for entry in expected]


def test_template_json_with_plain_cloudformation_function(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Worker": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "worker.handle",
                    "Runtime": "python3.12",
                    "Code": {"S3Bucket": "bucket", "S3Key": "worker.zip"},
                },
            },
            "Local": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "local.handle", "Code": "code/"},
            },
        }
    }
    write(tmp_path / "infra" / "template.json", json.dumps(template))
    assert lambda_handlers(tmp_path) == [
        DeclaredEntry("worker", "handle", None, "template.json"),
        DeclaredEntry("local", "handle", tmp_path / "infra" / "code", "template.json"),
    ]


def test_serverless_yml(tmp_path: Path) -> None:
    write(
        tmp_path / "svc" / "serverless.yml",
        """\
service: users
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: src/handlers/user.create
    events:
      - httpApi: 'POST /users'
  hello:
    handler: handler.hello
  node:
    handler: index.handler
    runtime: nodejs20.x
  image:
    image: repo:latest
resources:
  Outputs:
    Arn:
      Value: !GetAtt CreateLambdaFunction.Arn
""",
    )
    base = tmp_path / "svc"
    assert lambda_handlers(tmp_path) == [
        DeclaredEntry("src.handlers.user", "create", base, "serverless.yml"),
        DeclaredEntry("handler", "hello", base, "serverless.yml"),
    ]


def test_shared_handler_listed_once(tmp_path: Path) -> None:
    write(
        tmp_path / "serverless.yml",
        "functions:\n  get:\n    handler: api.handle\n  post:\n    handler: api.handle\n",
    )
    assert lambda_handlers(tmp_path) == [
        DeclaredEntry("api", "handle", tmp_path, "serverless.yml"),
    ]


def test_files_in_path_order_and_skipped_folders(tmp_path: Path) -> None:
    serverless = "functions:\n  f:\n    handler: {}.main\n"
    write(tmp_path / "b" / "serverless.yaml", serverless.format("b"))
    function = {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "a.main"}}
    template = {"Resources": {"F": function}}
    write(tmp_path / "a" / "api.template.yml", json.dumps(template))
    for skipped in ("node_modules", ".aws-sam", "build", "dist", "__pycache__", ".hidden", "venv"):
        write(tmp_path / skipped / "serverless.yml", serverless.format("skipped"))
    write(tmp_path / "venv" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "c" / "other.yaml", serverless.format("other"))
    assert lambda_handlers(tmp_path) == [
        DeclaredEntry("a", "main", tmp_path / "a", "api.template.yml"),
        DeclaredEntry("b", "main", tmp_path / "b", "serverless.yaml"),
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("template.yaml", "Resources: [open\n  Handler: app.main", id="invalid-yaml"),
        pytest.param("template.yaml", "!!python/object:os.system {}\n", id="unsafe-tag"),
        pytest.param("template.yaml", "- just\n- a list\n", id="not-a-mapping"),
        pytest.param("template.json", "{not json", id="invalid-json"),
        pytest.param("serverless.yml", "functions: [1, 2]\n", id="odd-serverless"),
    ],
)
def test_unparsable_files_are_ignored(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path / name, text)
    write(tmp_path / "ok" / "serverless.yml", "functions:\n  f:\n    handler: ok.main\n")
    assert lambda_handlers(tmp_path) == [
        DeclaredEntry("ok", "main", tmp_path / "ok", "serverless.yml"),
    ]


def test_missing_root(tmp_path: Path) -> None:
    assert lambda_handlers(tmp_path / "absent") == []
    assert console_scripts(tmp_path / "absent") == []


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param(
            "pyproject.toml",
            """\
[project.scripts]
tool = "pkg.cli:main"
tool-run = "pkg.cli:Cli.run"
extra = "pkg.extra:main [fancy]"
broken = "not a reference"

[project.gui-scripts]
gui = "pkg.gui:start"
""",
            [
                DeclaredEntry("pkg.cli", "main", None, "pyproject.toml"),
                DeclaredEntry("pkg.cli", "Cli.run", None, "pyproject.toml"),
                DeclaredEntry("pkg.extra", "main", None, "pyproject.toml"),
                DeclaredEntry("pkg.gui", "start", None, "pyproject.toml"),
            ],
            id="pyproject-scripts",
        ),
        pytest.param(
            "pyproject.toml",
            """\
[tool.poetry.scripts]
tool = "pkg.cli:main"
devtool = { reference = "bin/devtool", type = "file" }
""",
            [DeclaredEntry("pkg.cli", "main", None, "pyproject.toml")],
            id="poetry-scripts",
        ),
        pytest.param("pyproject.toml", "[project\nscripts = 1\n", [], id="invalid-toml"),
        pytest.param(
            "setup.cfg",
            """\
[metadata]
name = pkg
description = 100% %(not)s interpolated

[options.entry_points]
console_scripts =
    tool = pkg.cli:main
    # a comment
    other = pkg.other:Cli.run [extra]
pytest11 =
    plugin = pkg.plugin
""",
            [
                DeclaredEntry("pkg.cli", "main", None, "setup.cfg"),
                DeclaredEntry("pkg.other", "Cli.run", None, "setup.cfg"),
            ],
            id="setup-cfg",
        ),
        pytest.param("setup.cfg", "no section header\n", [], id="invalid-setup-cfg"),
        pytest.param(
            "setup.py",
            """\
from setuptools import setup

setup(
    name="pkg",
    version=VERSION,
    entry_points={
        "console_scripts": [
            "tool = pkg.cli:main",
            "other=pkg.other:Cli.run",
            f"dynamic = {MODULE}:main",
            f"{NAME}=pkg.cli.main:cli",
            "not an entry",
        ],
        "pytest11": ["plugin = pkg.plugin:hooks"],
        **EXTRA,
    },
)

EXTRA = dict(gui_scripts="gui = pkg.gui:start")
""",
            [
                DeclaredEntry("pkg.cli", "main", None, "setup.py"),
                DeclaredEntry("pkg.other", "Cli.run", None, "setup.py"),
                DeclaredEntry("pkg.cli.main", "cli", None, "setup.py"),
                DeclaredEntry("pkg.gui", "start", None, "setup.py"),
            ],
            id="setup-py-entry-points",
        ),
        pytest.param(
            "setup.py",
            'setup(entry_points={"console_scripts": ["tool = pkg.cli:main"]}\n',
            [],
            id="setup-py-syntax-error",
        ),
    ],
)
def test_console_scripts(
    tmp_path: Path, name: str, text: str, expected: list[DeclaredEntry]
) -> None:
    write(tmp_path / name, text)
    assert console_scripts(tmp_path) == expected


def test_console_scripts_from_all_files_in_order(tmp_path: Path) -> None:
    write(tmp_path / "setup.py", 'setup(entry_points={"console_scripts": "c = pkg.c:main"})\n')
    write(tmp_path / "setup.cfg", "[options.entry_points]\nconsole_scripts =\n  b = pkg.b:main\n")
    write(tmp_path / "pyproject.toml", '[project.scripts]\na = "pkg.a:main"\n')
    assert console_scripts(tmp_path) == [
        DeclaredEntry("pkg.a", "main", None, "pyproject.toml"),
        DeclaredEntry("pkg.b", "main", None, "setup.cfg"),
        DeclaredEntry("pkg.c", "main", None, "setup.py"),
    ]
