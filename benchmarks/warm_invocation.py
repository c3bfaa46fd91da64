"""Warm Lambda invocations of the CRUD fixture, before and after `dynalint fix`, under moto.

Usage: python benchmarks/warm_invocation.py [--invocations N]

Copies fixtures/check/crud twice into a temporary directory, runs `python -m dynalint fix` on
one copy, imports both copies' ``handler`` modules side by side in this process, and times
``lambda_handler`` on a mix of create, get, query and delete events against moto's in-process
DynamoDB. See benchmarks/README.md for what the numbers mean (and do not mean).

Not a test: pytest collects only tests/ (pyproject testpaths) and this file is not named test_*.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import botocore
import moto
from moto import mock_aws

REPO = Path(__file__).resolve().parent.parent
CRUD = REPO / "fixtures" / "check" / "crud"
TABLE_NAME = "collections-bench"
REGION = "us-east-1"
OWNER = "owner-bench"
SEED_ITEMS = 10  # collections the benchmark owner already has, so queries return real pages
CONTEXT = SimpleNamespace(aws_request_id="req-bench")
KINDS = ("create", "get", "query", "delete")  # one cycle; the table's size stays constant

# Top-level module names of the fixture's code; "app.*" submodules too.
PROJECT_MODULES = ("handler", "app", "aws_helpers")


def _is_project_module(name: str) -> bool:
    return name in PROJECT_MODULES or name.startswith("app.")


@contextmanager
def project_imports(root: Path) -> Iterator[None]:
    """Import the project at ``root`` with a clean slate of its module names, then restore."""
    saved_modules = {
        name: sys.modules.pop(name) for name in list(sys.modules) if _is_project_module(name)
    }
    saved_path = list(sys.path)
    saved_bytecode = sys.dont_write_bytecode
    sys.path.insert(0, str(root))
    sys.dont_write_bytecode = True
    importlib.invalidate_caches()
    try:
        yield
    finally:
        for name in [name for name in sys.modules if _is_project_module(name)]:
            del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode


def load_handler(root: Path) -> ModuleType:
    with project_imports(root):
        handler = importlib.import_module("handler")
    if not Path(handler.collection.__file__).resolve().is_relative_to(root.resolve()):
        raise RuntimeError(
            f"{root}: handler imported app.collection from {handler.collection.__file__}"
        )
    return handler


def prepare(base: Path) -> tuple[Path, Path]:
    """``before/`` as the fixture is, ``after/`` rewritten by the real command line."""
    before, after = base / "before", base / "after"
    shutil.copytree(CRUD, before, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(CRUD, after, ignore=shutil.ignore_patterns("__pycache__"))
    fix = subprocess.run(
        [sys.executable, "-m", "dynalint", "fix", str(after)],
        check=False,
        cwd=base,
        capture_output=True,
        text=True,
    )
    if fix.returncode != 0 or not (after / "aws_helpers.py").is_file():
        raise SystemExit(f"dynalint fix failed ({fix.returncode}):\n{fix.stdout}{fix.stderr}")
    return before, after


def create_table() -> None:
    """As the fixture's tests/conftest.py does, plus a few existing collections."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    table = dynamodb.create_table(
        TableName=TABLE_NAME,
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
    for owner, count in ((OWNER, SEED_ITEMS), ("someone-else", 5)):
        for n in range(count):
            table.put_item(
                Item={"id": f"{owner}-{n}", "owner_id": owner, "name": f"seed {n}", "items": ["x"]}
            )


@dataclass
class Variant:
    """One copy of the Lambda and the state its event cycle carries (the id it last created)."""

    label: str
    handler: ModuleType
    last_id: str | None = None
    times_ns: dict[str, list[int]] = field(default_factory=lambda: {kind: [] for kind in KINDS})

    def event(self, kind: str, step: int) -> dict[str, Any]:
        if kind == "create":
            body = {"owner_id": OWNER, "name": f"{self.label} {step}", "items": ["a", "b"]}
            return {"routeKey": "POST /collections", "body": json.dumps(body)}
        if kind == "get":
            return {"routeKey": "GET /collections/{id}", "pathParameters": {"id": self.last_id}}
        if kind == "query":
            return {
                "httpMethod": "GET",
                "pathParameters": None,
                "queryStringParameters": {"owner_id": OWNER},
            }
        return {"httpMethod": "DELETE", "pathParameters": {"id": self.last_id}}

    def invoke(self, kind: str, step: int, record: bool) -> None:
        event = self.event(kind, step)
        start = time.perf_counter_ns()
        response = self.handler.lambda_handler(event, CONTEXT)
        elapsed = time.perf_counter_ns() - start
        expected = {"create": 201, "get": 200, "query": 200, "delete": 204}[kind]
        if response["statusCode"] != expected:
            raise RuntimeError(f"{self.label} {kind}: expected {expected}, got {response}")
        if kind == "create":
            self.last_id = json.loads(response["body"])["id"]
        if record:
            self.times_ns[kind].append(elapsed)

    def all_ms(self) -> list[float]:
        return [ns / 1e6 for kind in KINDS for ns in self.times_ns[kind]]


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def run(invocations: int) -> None:
    with tempfile.TemporaryDirectory(prefix="dynalint-bench-") as tmp:
        before_root, after_root = prepare(Path(tmp))
        root_level = logging.getLogger().level
        before = Variant("before", load_handler(before_root))
        after = Variant("after", load_handler(after_root))
        logging.getLogger().setLevel(root_level)  # handler.py sets the root level at import

        with mock_aws():
            create_table()
            # Warm-up: each Lambda's first invocation of every kind is not measured.
            for step, kind in enumerate(KINDS):
                before.invoke(kind, step, record=False)
                after.invoke(kind, step, record=False)
            gc.collect()
            # Alternate before/after invocation by invocation, swapping who goes first each step.
            for step, kind in zip(range(invocations), itertools.cycle(KINDS)):
                pair = (before, after) if step % 2 == 0 else (after, before)
                for variant in pair:
                    variant.invoke(kind, step, record=True)

    print(
        "dynalint warm-invocation benchmark: fixtures/check/crud under moto (in-process DynamoDB)"
    )
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"boto3 {boto3.__version__}, botocore {botocore.__version__}, moto {moto.__version__}"
    )
    print(
        f"{invocations} warm invocations each, before and after alternating; "
        f"event mix cycles {', '.join(KINDS)}"
    )
    medians = {}
    for variant, what in (
        (before, "boto3.resource + Table per call"),
        (after, "cached get_dynamo_table"),
    ):
        values = variant.all_ms()
        medians[variant.label] = statistics.median(values)
        per_kind = ", ".join(
            f"{kind} {statistics.median(ns / 1e6 for ns in variant.times_ns[kind]):.2f}"
            for kind in KINDS
            if variant.times_ns[kind]
        )
        median = medians[variant.label]
        print(
            f"{variant.label:<6}  median {median:6.2f} ms  p90 {p90(values):6.2f} ms"
            f"  ({what}; median by event: {per_kind})"
        )
    print(f"speed-up: {medians['before'] / medians['after']:.1f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--invocations",
        "-n",
        type=int,
        default=200,
        help="timed warm invocations per variant (default: 200)",
    )
    args = parser.parse_args(argv)
    if args.invocations < 4:
        parser.error("--invocations must be at least 4 (one create, get, query, delete cycle)")

    # Fake credentials and region, before boto3's default session looks for any.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        TABLE_NAME=TABLE_NAME,
    )
    run(args.invocations)


if __name__ == "__main__":
    main()
