"""End to end: `dynalint fix` on the CRUD Lambda keeps its behaviour and makes it reuse one Table.

The CRUD fixture is copied twice: ``before`` stays as written, ``after`` goes through the real
command line. Both copies' ``handler`` modules are then imported side by side (they share the
module names ``handler``, ``app``, ``app.collection`` and, after the fix, ``app.aws_helpers``) and
driven with the same API Gateway events against a moto DynamoDB table built like the fixture's
own ``tests/conftest.py`` builds it.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dynalint.cache import CACHE_DIR
from tests.conftest import FIXTURES

CRUD = FIXTURES / "check" / "crud"
TABLE_NAME = "collections-test"
REGION = "us-east-1"
FIXED_NOW = "2024-05-01T12:00:00+00:00"
CONTEXT = SimpleNamespace(aws_request_id="req-end-to-end")

# Top-level module names the fixture's code is imported under; "app.*" submodules too.
PROJECT_MODULES = ("handler", "app")


# --------------------------------------------------------------------------- loading a copy


def _is_project_module(name: str) -> bool:
    return name in PROJECT_MODULES or name.startswith("app.")


@contextmanager
def project_imports(root: Path) -> Iterator[None]:
    """Import the project at ``root`` with a clean slate of its module names.

    On exit ``sys.modules``, ``sys.path``, ``sys.dont_write_bytecode`` and the root logger's level
    (``handler`` sets it at import) are as they were; the imported module objects stay usable
    because they hold references to one another, not look-ups in ``sys.modules``.
    """
    saved_modules = {
        name: sys.modules.pop(name) for name in list(sys.modules) if _is_project_module(name)
    }
    saved_path = list(sys.path)
    saved_bytecode = sys.dont_write_bytecode
    saved_level = logging.getLogger().level
    sys.path.insert(0, str(root))
    sys.dont_write_bytecode = (
        True  # no __pycache__ in the copies: the idempotency test compares bytes
    )
    importlib.invalidate_caches()
    try:
        yield
    finally:
        for name in [name for name in sys.modules if _is_project_module(name)]:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        logging.getLogger().setLevel(saved_level)


@dataclass
class Loaded:
    root: Path
    handler: ModuleType
    collection: ModuleType
    aws_helpers: ModuleType | None


def load_copy(root: Path) -> Loaded:
    """Import ``handler`` (and what it imports) from the copy at ``root``, isolated from others."""
    with project_imports(root):
        handler = importlib.import_module("handler")
        collection = importlib.import_module("app.collection")
        helpers = (
            importlib.import_module("app.aws_helpers")
            if (root / "app" / "aws_helpers.py").exists()
            else None
        )
    # Each module really comes from this copy, and the handler dispatches to this copy's code.
    for module in (handler, collection, helpers):
        if module is not None:
            assert Path(module.__file__).resolve().is_relative_to(root.resolve()), module
    assert handler.collection is collection
    return Loaded(root, handler, collection, helpers)


# --------------------------------------------------------------------------- fixtures


@dataclass
class Copies:
    before: Path
    after: Path
    fix: subprocess.CompletedProcess[str]


def dynalint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dynalint", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Copies:
    """``before/`` untouched and ``after/`` fixed by the real CLI.

    Module-scoped so the CLI (about a second per run) is started once for all tests here.
    """
    base = tmp_path_factory.mktemp("end_to_end")
    before, after = base / "before", base / "after"
    shutil.copytree(CRUD, before)
    shutil.copytree(CRUD, after)
    return Copies(before, after, dynalint("fix", str(after), cwd=base))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and the table name the fixture's code reads."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)


def create_table() -> None:
    """The fixture's own table: key ``id``, GSI ``owner-index`` on ``owner_id``."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=os.environ["TABLE_NAME"],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "owner_id", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "owner-index",
                "KeySchema": [{"AttributeName": "owner_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


# --------------------------------------------------------------------------- events


def create_event(owner_id: str, name: str, items: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"owner_id": owner_id, "name": name}
    if items is not None:
        body["items"] = items
    return {"routeKey": "POST /collections", "body": json.dumps(body)}  # HTTP API payload v2


def get_event(collection_id: str) -> dict[str, Any]:
    return {"routeKey": "GET /collections/{id}", "pathParameters": {"id": collection_id}}


def query_event(owner_id: str) -> dict[str, Any]:
    # REST API payload: httpMethod + pathParameters
    return {
        "httpMethod": "GET",
        "pathParameters": None,
        "queryStringParameters": {"owner_id": owner_id},
    }


def delete_event(collection_id: str) -> dict[str, Any]:
    return {"httpMethod": "DELETE", "pathParameters": {"id": collection_id}}


def sequential_uuids() -> Callable[[], uuid.UUID]:
    counter = itertools.count(1)
    return lambda: uuid.UUID(int=next(counter))


def drive(handler: ModuleType) -> list[dict[str, Any]]:
    """Create two collections for one owner, get one, query, delete it, get it, delete again."""
    responses: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        response = handler.lambda_handler(event, CONTEXT)
        responses.append(response)
        return response

    first = invoke(create_event("owner-1", "Favourites", ["a", "b"]))
    invoke(create_event("owner-1", "Reading list"))
    first_id = json.loads(first["body"])["id"]
    invoke(get_event(first_id))
    invoke(query_event("owner-1"))
    invoke(delete_event(first_id))
    invoke(get_event(first_id))
    invoke(delete_event("no-such-collection"))
    return responses


def run_sequence(loaded: Loaded, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The responses of ``drive`` on a fresh table, with ids and timestamps made deterministic."""
    # Only the fixture's own uuid.uuid4() calls: botocore and moto draw uuid4s for request ids too.
    monkeypatch.setattr(loaded.collection, "uuid", SimpleNamespace(uuid4=sequential_uuids()))
    monkeypatch.setattr(loaded.collection, "_now", lambda: FIXED_NOW)
    with mock_aws():
        create_table()
        return drive(loaded.handler)


class ResourceSpy:
    """Stands in for ``boto3.resource``: counts calls, then builds the real resource."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.real(*args, **kwargs)


def snapshot(root: Path) -> dict[str, bytes]:
    """The project's files; dynalint's cache is its own state, not the user's code."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and CACHE_DIR not in path.relative_to(root).parts
    }


# --------------------------------------------------------------------------- tests


def test_fix_prints_what_it_did_and_leaves_before_untouched(copies: Copies) -> None:
    assert copies.fix.returncode == 0, copies.fix.stderr
    assert (
        copies.fix.stdout
        == f"Fixed 8 findings in 1 file; wrote {copies.after}/app/aws_helpers.py.\n"
    )
    assert (copies.after / "app" / "aws_helpers.py").is_file()
    assert snapshot(copies.before) == snapshot(CRUD)
    assert snapshot(copies.after) != snapshot(CRUD)
    assert "boto3.resource(" not in (copies.after / "app" / "collection.py").read_text(
        encoding="utf-8"
    )


def test_handler_responses_are_identical_before_and_after(
    copies: Copies, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = load_copy(copies.before), load_copy(copies.after)
    assert before.aws_helpers is None and after.aws_helpers is not None

    before_responses = run_sequence(before, monkeypatch)
    after_responses = run_sequence(after, monkeypatch)

    assert after_responses == before_responses
    # ...and they are the responses of a working API, not two identical failures.
    assert [r["statusCode"] for r in before_responses] == [201, 201, 200, 200, 204, 404, 404]
    first_id = str(uuid.UUID(int=1))
    created = json.loads(before_responses[0]["body"])
    assert created == {
        "id": first_id,
        "owner_id": "owner-1",
        "name": "Favourites",
        "items": ["a", "b"],
        "created_at": FIXED_NOW,
    }
    assert json.loads(before_responses[2]["body"]) == created
    listed = json.loads(before_responses[3]["body"])["items"]
    assert sorted(item["name"] for item in listed) == ["Favourites", "Reading list"]


def test_after_reuses_one_table_across_invocations_before_builds_one_each_time(
    copies: Copies, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = load_copy(copies.before), load_copy(copies.after)
    assert after.aws_helpers is not None
    real_resource = boto3.resource

    with mock_aws():
        create_table()

        # before: every invocation builds its own resource.
        created = before.handler.lambda_handler(create_event("owner-b", "Before"), CONTEXT)
        before_id = json.loads(created["body"])["id"]
        spy = ResourceSpy(real_resource)
        monkeypatch.setattr(boto3, "resource", spy)
        assert before.handler.lambda_handler(get_event(before_id), CONTEXT)["statusCode"] == 200
        assert spy.calls == 1
        assert before.handler.lambda_handler(query_event("owner-b"), CONTEXT)["statusCode"] == 200
        assert spy.calls == 2
        monkeypatch.setattr(boto3, "resource", real_resource)

        # after: the first invocation builds the Table, later ones reuse it.
        created = after.handler.lambda_handler(create_event("owner-a", "After"), CONTEXT)
        after_id = json.loads(created["body"])["id"]
        table = after.aws_helpers.get_dynamo_table(os.environ["TABLE_NAME"])

        handed_out: list[Any] = []
        cached = after.collection.get_dynamo_table

        def recording_get_dynamo_table(*args: Any, **kwargs: Any) -> Any:
            handed_out.append(cached(*args, **kwargs))
            return handed_out[-1]

        monkeypatch.setattr(after.collection, "get_dynamo_table", recording_get_dynamo_table)
        spy = ResourceSpy(real_resource)
        monkeypatch.setattr(boto3, "resource", spy)

        assert after.handler.lambda_handler(get_event(after_id), CONTEXT)["statusCode"] == 200
        assert after.aws_helpers.get_dynamo_table(os.environ["TABLE_NAME"]) is table
        assert after.handler.lambda_handler(query_event("owner-a"), CONTEXT)["statusCode"] == 200
        assert after.aws_helpers.get_dynamo_table(os.environ["TABLE_NAME"]) is table

        assert spy.calls == 0
        assert len(handed_out) == 2
        assert all(obj is table for obj in handed_out)


def test_fixed_copy_passes_check_and_a_second_fix_changes_nothing(copies: Copies) -> None:
    assert copies.fix.returncode == 0, copies.fix.stderr
    check = dynalint("check", str(copies.after), cwd=copies.after.parent)
    assert (check.returncode, check.stdout) == (0, "All checks passed.\n"), check.stderr

    files = snapshot(copies.after)
    again = dynalint("fix", str(copies.after), cwd=copies.after.parent)
    assert (again.returncode, again.stdout) == (0, "Nothing to fix.\n"), again.stderr
    assert snapshot(copies.after) == files
