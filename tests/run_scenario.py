"""Run a fix scenario's Lambda handlers under moto and print what they did as one JSON document.

    python tests/run_scenario.py PROJECT_DIR

reads ``PROJECT_DIR/run.json``. Run it in a fresh interpreter per project copy: the handlers'
modules, their module-level clients and the helper module's caches must not leak between copies.

``run.json``::

    {
      "root": ".",                            # the folder Lambda puts on sys.path (SAM CodeUri)
      "env": {"TABLE_NAME": "orders"},        # environment of the run
      "tables": [{"name": "orders", "key": "id"}],
      "queues": ["jobs"],
      "buckets": ["uploads"],
      "topics": ["alerts"],
      "calls": [{"handler": "handler.lambda_handler", "event": {"id": "1"}}],
      "count": {"sqlalchemy.create_engine": [3, 1]},  # calls counted (the numbers are the test's)
      "expect_unchanged": false               # read by the test, not here
    }

Every key but ``calls`` is optional. The region is ``us-east-1`` with fake credentials unless
``env`` says otherwise; resources are created in ``AWS_DEFAULT_REGION``. DynamoDB tables have a
string hash key ``key`` and may add a string range key ``sort_key``, global secondary indexes
``indexes`` (``{"index-name": "hash attribute"}``, all attributes projected) and seed ``items``
(JSON floats become ``Decimal``). A bucket is a name or ``{"name": ..., "objects": {key: text}}``.
Topics are SNS topic names, created for the handlers to publish to; nothing of them is recorded.
Each ``count`` key is a module attribute, replaced before any handler module is imported by a
wrapper that counts its calls, so the copy as written and the fixed copy (whose helper module
calls it through its module) are counted alike.

Each call is ``module.function(event, context)`` with ``context.aws_request_id`` set to
``request-1``, ``request-2``, ...; its result is its return value as JSON, or
``{"raised": "Type: message"}``. Printed: ``{"calls": [...], "tables": {name: items},
"queues": {name: message bodies}, "buckets": {name: keys}, "created": {name: calls}}``, every
list but ``calls`` sorted.
Whatever the handlers print goes to standard error.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from moto import mock_aws

AWS_DEFAULTS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
AWS_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL")


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def sort_json(values: list[Any]) -> list[Any]:
    return sorted(as_json(values), key=lambda value: json.dumps(value, sort_keys=True))


def create_table(table: dict[str, Any]) -> None:
    keys = {table["key"]: "HASH"}
    if "sort_key" in table:
        keys[table["sort_key"]] = "RANGE"
    indexes = table.get("indexes", {})
    options: dict[str, Any] = {}
    if indexes:
        options["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index,
                "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, attribute in indexes.items()
        ]
    created = boto3.resource("dynamodb").create_table(
        TableName=table["name"],
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys.items()],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in sorted({*keys, *indexes.values()})
        ],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )
    for item in json.loads(json.dumps(table.get("items", [])), parse_float=Decimal):
        created.put_item(Item=item)


def create_resources(spec: dict[str, Any]) -> None:
    for table in spec.get("tables", []):
        create_table(table)
    for queue in spec.get("queues", []):
        boto3.client("sqs").create_queue(QueueName=queue)
    s3 = boto3.client("s3")
    for bucket in spec.get("buckets", []):
        bucket = {"name": bucket} if isinstance(bucket, str) else bucket
        s3.create_bucket(Bucket=bucket["name"])
        for key, text in bucket.get("objects", {}).items():
            s3.put_object(Bucket=bucket["name"], Key=key, Body=text.encode())
    for topic in spec.get("topics", []):
        boto3.client("sns").create_topic(Name=topic)


def call(number: int, target: str, event: Any) -> Any:
    module_name, _, function_name = target.rpartition(".")
    context = SimpleNamespace(aws_request_id=f"request-{number}")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            handler = getattr(importlib.import_module(module_name), function_name)
            return as_json(handler(event, context))
    except Exception as error:  # the failure is the result
        return {"raised": f"{type(error).__name__}: {error}"}


def table_items(name: str) -> list[Any]:
    scan = boto3.resource("dynamodb").Table(name).scan
    page = scan()
    items = page["Items"]
    while "LastEvaluatedKey" in page:
        page = scan(ExclusiveStartKey=page["LastEvaluatedKey"])
        items += page["Items"]
    return sort_json(items)


def queue_bodies(name: str) -> list[str]:
    """Every message left in the queue; each is received once (the visibility timeout hides it)."""
    sqs = boto3.client("sqs")
    url, bodies = sqs.get_queue_url(QueueName=name)["QueueUrl"], []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [message["Body"] for message in messages]
    return sorted(bodies)


def bucket_keys(name: str) -> list[str]:
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=name)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def final_state(spec: dict[str, Any]) -> dict[str, Any]:
    buckets = [b if isinstance(b, str) else b["name"] for b in spec.get("buckets", [])]
    return {
        "tables": {table["name"]: table_items(table["name"]) for table in spec.get("tables", [])},
        "queues": {name: queue_bodies(name) for name in spec.get("queues", [])},
        "buckets": {name: bucket_keys(name) for name in buckets},
    }


def counting(names: list[str]) -> dict[str, int]:
    """Wrap each `module.attribute` creator so its calls are counted in the returned dict."""
    counts = dict.fromkeys(names, 0)
    for name in names:
        module_name, _, attribute = name.rpartition(".")
        module = importlib.import_module(module_name)
        setattr(module, attribute, counted(getattr(module, attribute), name, counts))
    return counts


def counted(original: Any, name: str, counts: dict[str, int]) -> Any:
    def creator(*args: Any, **kwargs: Any) -> Any:
        counts[name] += 1
        return original(*args, **kwargs)

    return creator


def main(project: Path) -> None:
    spec = json.loads((project / "run.json").read_text(encoding="utf-8"))
    sys.dont_write_bytecode = True  # the project's modules are imported later: no __pycache__
    for name in AWS_CLEARED:
        os.environ.pop(name, None)
    os.environ.update(AWS_DEFAULTS)
    os.environ.update(spec.get("env", {}))
    sys.path[0] = str((project / spec.get("root", ".")).resolve())  # in place of tests/
    created = counting(list(spec.get("count", {})))
    with mock_aws():
        create_resources(spec)
        calls = [
            call(number, entry["handler"], entry["event"])
            for number, entry in enumerate(spec["calls"], start=1)
        ]
        state = final_state(spec)
    print(json.dumps({"calls": calls, **state, "created": created}, indent=2, sort_keys=True))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
