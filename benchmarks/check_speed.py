"""Time `dynalint check` against ruff and pythaw on two trees: real AWS code and a Lambda monorepo.

    python benchmarks/check_speed.py                       # both trees, 5 rounds, builds first
    python benchmarks/check_speed.py --tree lambda --runs 3 --skip-x3
    python benchmarks/check_speed.py --work /tmp/speed --jobs 2

The trees are built under --work (default: dynalint-speed in the temporary folder) and reused:

* speed: the sdists of PINS (`pip download --no-deps --no-binary :all:`), unpacked, with every
  test file removed by dynalint's own test rule, so the three tools see the same files;
* lambda: a generated repository of SAM and CDK functions, Chalice apps and scripts, written
  from the templates below with a fixed seed (the same bytes on every machine).

Each tool runs as a fresh subprocess with the tree as working directory. dynalint is timed cold,
warm (cache filled, nothing changed), with one file changed before each run, and as pre-commit
calls it on one file. Modes whose flags this dynalint lacks (`dynalint check --help`) print n/a.

A script, not a test; standard library only besides dynalint, ruff and pythaw in the running
interpreter (`pip install ruff pythaw`). POSIX only: peak memory comes from GNU time or from
`resource`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sdists import download, unpack

from dynalint.discovery import is_test_file

PINS = (
    "moto==5.2.5",
    "botocore==1.44.8",
    "boto3==1.44.8",
    "awscli==1.46.3",
    "aws-lambda-powertools==3.37.0",
    "chalice==1.34.0",
    "localstack-core==2026.3.0",
)
# The speed tree's one-changed file and pre-commit call: a moto module that mentions boto3.
SPEED_CHANGED = Path("moto-5.2.5/moto/s3/models.py")
SPEED_PRECOMMIT_ROOT = Path("moto-5.2.5")
X3_COPIES = 3

GNU_TIME = "/usr/bin/time"
# Fallback when GNU time is missing: a fresh interpreter whose only child is the tool.
WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "kb = kb // 1024 if sys.platform == 'darwin' else kb\n"
    "open(sys.argv[1], 'w').write(str(kb))\n"
    "sys.exit(rc)\n"
)
VERBOSE_LINE = re.compile(r"(\d+) files, (\d+) read, (\d+) parsed, (\d+) from cache")
# The tools run as installed packages do, with their bytecode compiled and kept, even where
# the environment turns that off (an editable install has no .pyc until a run writes one).
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
RUFF = (sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--quiet", "--exit-zero")
RUFF_ARGS = (*RUFF, "--output-format", "concise", ".")
PYTHAW_ARGS = (sys.executable, "-m", "pythaw", "check", "--format", "github", ".")
DYNALINT = (sys.executable, "-m", "dynalint", "check", "--quiet")


# --- the speed tree: pinned sdists, tests removed ----------------------------------------------


def remove_tests(root: Path) -> int:
    """Delete what dynalint skips by default, so ruff and pythaw check the same files."""
    removed = 0
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and is_test_file(path, root):
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed


def build_speed(work: Path) -> Path:
    """WORK/speed/<sdist>/..., rebuilt only when the pins changed or a build was cut short."""
    root, stamp = work / "speed", work / "speed.done"
    if root.is_dir() and stamp.exists() and stamp.read_text() == "\n".join(PINS):
        print(f"speed tree: reusing {root}")
        return root
    start = time.perf_counter()
    archives = download(PINS, work / "sdists")
    fetched = time.perf_counter()
    partial = work / "speed.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    for archive in archives:
        unpack(archive, partial)
    removed = remove_tests(partial)
    partial.rename(root)
    stamp.write_text("\n".join(PINS))
    print(
        f"speed tree: {len(archives)} sdists fetched in {fetched - start:.1f} s, unpacked and "
        f"{removed:,} test files removed in {time.perf_counter() - fetched:.1f} s"
    )
    return root


def build_x3(work: Path, speed: Path) -> Path:
    """The speed tree three times over, for the memory figure; built once."""
    root, stamp = work / "speed_x3", work / "speed_x3.done"
    if root.is_dir() and stamp.exists():
        return root
    start = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    for n in range(X3_COPIES):
        shutil.copytree(speed, root / f"copy_{n}")
    stamp.write_text("done")
    print(f"speed_x3 tree: copied in {time.perf_counter() - start:.1f} s")
    return root


# --- the lambda tree: templates ----------------------------------------------------------------
#
# Placeholders are {{name}}, filled by fill(); everything else is the generated file verbatim.

LAMBDA_SEED = 20240611
SAM_APPS, CDK_APPS, CHALICE_APPS, SCRIPTS = 175, 90, 12, 20

DOMAINS = (
    ("orders", "order"),
    ("payments", "payment"),
    ("invoices", "invoice"),
    ("customers", "customer"),
    ("products", "product"),
    ("carts", "cart"),
    ("shipments", "shipment"),
    ("reviews", "review"),
    ("subscriptions", "subscription"),
    ("tickets", "ticket"),
    ("bookings", "booking"),
    ("devices", "device"),
    ("readings", "reading"),
    ("documents", "document"),
    ("images", "image"),
    ("accounts", "account"),
    ("coupons", "coupon"),
    ("refunds", "refund"),
    ("claims", "claim"),
    ("leads", "lead"),
    ("campaigns", "campaign"),
    ("jobs", "job"),
    ("reports", "report"),
    ("alerts", "alert"),
    ("tenants", "tenant"),
    ("vehicles", "vehicle"),
    ("trips", "trip"),
    ("recipes", "recipe"),
    ("courses", "course"),
    ("listings", "listing"),
)
TRIGGERS = ("apigw", "httpapi", "alb", "eventbridge", "sqs")

# service: (environment variable, the call on its client that publishes `message`)
PUBLISHERS = {
    "sqs": (
        "QUEUE_URL",
        'send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=_dumps(message))',
    ),
    "sns": (
        "TOPIC_ARN",
        'publish(TopicArn=os.environ["TOPIC_ARN"], Subject=subject, Message=_dumps(message))',
    ),
    "events": (
        "EVENT_BUS_NAME",
        'put_events(Entries=[{"Source": "app", "DetailType": subject, '
        '"Detail": _dumps(message), "EventBusName": os.environ["EVENT_BUS_NAME"]}])',
    ),
    "s3": (
        "BUCKET_NAME",
        'put_object(Bucket=os.environ["BUCKET_NAME"], Key=f"{subject}/{uuid.uuid4()}.json", '
        "Body=_dumps(message).encode())",
    ),
    "kinesis": (
        "STREAM_NAME",
        'put_record(StreamName=os.environ["STREAM_NAME"], Data=_dumps(message).encode(), '
        "PartitionKey=subject)",
    ),
    "stepfunctions": (
        "STATE_MACHINE_ARN",
        'start_execution(stateMachineArn=os.environ["STATE_MACHINE_ARN"], input=_dumps(message))',
    ),
}
# service: (import, construct, environment value, grant) in a CDK stack
CDK_TARGETS = {
    "sqs": (
        "from aws_cdk import aws_sqs as sqs",
        'sqs.Queue(self, "Events", visibility_timeout=Duration.seconds(60))',
        "target.queue_url",
        "target.grant_send_messages(function)",
    ),
    "sns": (
        "from aws_cdk import aws_sns as sns",
        'sns.Topic(self, "Events")',
        "target.topic_arn",
        "target.grant_publish(function)",
    ),
    "events": (
        "from aws_cdk import aws_events as events",
        'events.EventBus(self, "Bus")',
        "target.event_bus_name",
        "target.grant_put_events_to(function)",
    ),
    "s3": (
        "from aws_cdk import aws_s3 as s3",
        's3.Bucket(self, "Exports", enforce_ssl=True)',
        "target.bucket_name",
        "target.grant_put(function)",
    ),
    "kinesis": (
        "from aws_cdk import aws_kinesis as kinesis",
        'kinesis.Stream(self, "Stream", shard_count=1)',
        "target.stream_name",
        "target.grant_write(function)",
    ),
    "stepfunctions": (
        "from aws_cdk import aws_stepfunctions as sfn",
        'sfn.StateMachine(self, "Flow", definition_body=sfn.DefinitionBody.from_chainable('
        'sfn.Pass(self, "Start")))',
        "target.state_machine_arn",
        "target.grant_start_execution(function)",
    ),
}
# op kind -> the operation names of that kind a function may offer
OPS = {
    "write": ("create", "update", "archive", "approve", "cancel", "restore", "submit", "assign"),
    "read": ("get",),
    "query": ("query", "search", "export"),
    "remove": ("delete", "purge"),
}
BASE_OPS = ("create", "get", "query", "delete")
KIND_OF = {op: kind for kind, ops in OPS.items() for op in ops}
MODEL_SUFFIXES = ("Line", "Event", "Note", "Attachment", "Summary", "Snapshot", "Audit")
MODEL_FIELDS = (
    ("owner_id", "str", '""'),
    ("status", "str", '"NEW"'),
    ("amount", "Decimal", 'Decimal("0")'),
    ("currency", "str", '"EUR"'),
    ("quantity", "int", "0"),
    ("title", "str", '""'),
    ("description", "str", '""'),
    ("tags", "list[str]", "field(default_factory=list)"),
    ("priority", "int", "3"),
    ("region", "str", '"eu-west-1"'),
    ("email", "str", '""'),
    ("due_date", "str", '""'),
    ("score", "Decimal", 'Decimal("0")'),
    ("metadata", "dict[str, Any]", "field(default_factory=dict)"),
    ("external_ref", "str", '""'),
    ("created_by", "str", '""'),
)

DOC_PARAGRAPHS = (
    "Requests arrive from API Gateway (REST API, Lambda proxy integration). The {{entity}} id\n"
    "travels in the path and the body is JSON; every response carries the CORS headers of\n"
    "utils.json_response so the single-page app can call the API from its own origin.",
    "Writes are idempotent for the client: it sends the same {{key}} again after a timeout and\n"
    "the conditional write on ``version`` turns the second attempt into a no-op instead of a\n"
    "duplicate. Reads are strongly consistent because the UI polls right after a write.",
    "Every change is announced through {{svc_title}} so that the search index, the analytics\n"
    "export and the e-mail notifications stay decoupled from this API. A failed notification\n"
    "is logged and swallowed: the write has already happened and must be reported as such.",
    "The table ({{table}}) is provisioned by the template of this folder. Its global secondary\n"
    "index ``by-owner`` (``owner_id``, ``updated_at``) serves every list query, so no code\n"
    "path scans the table; pages are returned with an opaque token built from\n"
    "LastEvaluatedKey.",
    "Errors are mapped once, in _dispatch: validation problems become 422 with the offending\n"
    "field, unknown ids 404 and unknown actions 400. Anything else is a bug and is left to\n"
    "Lambda, which logs the traceback and answers 502 through API Gateway.",
    "Configuration comes from environment variables only ({{table_env}}, {{svc_env}},\n"
    "LOG_LEVEL, DEFAULT_PAGE_SIZE), set by the template per stage; nothing is read from SSM\n"
    "at import time, which keeps cold starts short.",
)

HANDLER_HEAD = '''\
"""{{Title}}: the {{plural}} API of {{app}}.

{{doc}}
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import datetime, timezone
{{imports}}from typing import Any

import boto3

from db import {{Entity}}Store
from models import {{Entity}}, ValidationError
from utils import json_response, parse_body

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

TABLE_NAME = os.environ.get("{{table_env}}", "{{table}}")
DEFAULT_PAGE_SIZE = int(os.environ.get("DEFAULT_PAGE_SIZE", "{{page_size}}"))
'''

SETUP_MODULE = '''
# Created once per execution environment; every warm invocation reuses them.
dynamodb = boto3.resource("dynamodb")
store = {{Entity}}Store(dynamodb.Table(TABLE_NAME))
publisher = boto3.client("{{svc}}")


def {{func}}(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point named in the template: route the request to one operation."""
    logger.info("%s %s", event.get("httpMethod"), event.get("path"))
    return _dispatch(event, store, publisher)
'''

SETUP_IN_HANDLER = '''

def {{func}}(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point named in the template: route the request to one operation."""
    logger.info("%s %s", event.get("httpMethod"), event.get("path"))
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.Table(TABLE_NAME)
    publisher = boto3.client("{{svc}}")
    return _dispatch(event, {{Entity}}Store(table), publisher)
'''

SETUP_SESSION = '''

def {{func}}(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point named in the template; a session per request keeps credentials fresh."""
    session = boto3.Session(region_name=os.environ.get("AWS_REGION"))
    table = session.resource("dynamodb").Table(TABLE_NAME)
    publisher = session.client("{{svc}}")
    return _dispatch(event, {{Entity}}Store(table), publisher)
'''

SETUP_LRU = '''

@lru_cache(maxsize=1)
def get_store() -> {{Entity}}Store:
    """The table wrapper, built on first use and kept for the life of the environment."""
    return {{Entity}}Store(boto3.resource("dynamodb").Table(TABLE_NAME))


@lru_cache(maxsize=1)
def get_publisher() -> Any:
    return boto3.client("{{svc}}")


def {{func}}(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point named in the template: route the request to one operation."""
    return _dispatch(event, get_store(), get_publisher())
'''

SETUP_LAZY = '''
_store: {{Entity}}Store | None = None
_publisher: Any = None


def _clients() -> tuple[{{Entity}}Store, Any]:
    """Build the clients on the first invocation only; later ones reuse the globals."""
    global _store, _publisher
    if _store is None:
        _store = {{Entity}}Store(boto3.resource("dynamodb").Table(TABLE_NAME))
    if _publisher is None:
        _publisher = boto3.client("{{svc}}")
    return _store, _publisher


def {{func}}(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point named in the template: route the request to one operation."""
    store, publisher = _clients()
    return _dispatch(event, store, publisher)
'''

SETUP_CRUD = '''
# The store opens its table itself (see db.py); only the publisher is shared.
store = {{Entity}}Store(TABLE_NAME)
publisher = boto3.client("{{svc}}")


def {{func}}(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point named in the template: route the request to one operation."""
    return _dispatch(event, store, publisher)
'''

DISPATCH = '''

def _dispatch(event: dict[str, Any], store: {{Entity}}Store, publisher: Any) -> dict[str, Any]:
    """Pick the operation from the `action` query parameter, else from the HTTP method.

    Unknown actions are a client error, validation problems a 422 naming the field at fault,
    and a missing {{entity}} a 404, so the front end can tell them apart without parsing
    messages.
    """
    query = event.get("queryStringParameters") or {}
    action = query.get("action") or DEFAULT_ACTIONS.get(event.get("httpMethod", "GET"), "get")
    operation = OPERATIONS.get(action)
    if operation is None:
        return json_response(400, {"message": f"unknown action {action!r}"})
    try:
        return operation(event, store, publisher)
    except ValidationError as exc:
        logger.info("rejected %s: %s", action, exc)
        return json_response(422, {"message": str(exc), "field": exc.field})
    except LookupError as exc:
        return json_response(404, {"message": f"{{entity}} {exc} not found"})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def _caller(event: dict[str, Any]) -> str:
    """The Cognito user behind the request, or 'anonymous' on unauthenticated routes."""
    claims = (event.get("requestContext") or {}).get("authorizer", {}).get("claims", {})
    return claims.get("sub", "anonymous")


def _publish(publisher: Any, subject: str, message: dict[str, Any]) -> None:
    """Tell the rest of the system; a failed notification must not fail the request."""
    try:
        publisher.{{publish}}
    except Exception:
        logger.exception("could not publish %s", subject)
'''

OP_TEMPLATES = {
    "write": '''

def _{{op}}(event: dict[str, Any], store: {{Entity}}Store, publisher: Any) -> dict[str, Any]:
    """{{Op}} one {{entity}} from the JSON body.

    The body is validated against :class:`models.{{Entity}}` before anything is written, so
    a malformed request never reaches DynamoDB. The stored item and the event published
    afterwards carry the same ``updated_at``, which consumers use to drop stale deliveries.
    """
    body = parse_body(event)
    params = event.get("pathParameters") or {}
    item = {{Entity}}.from_request(params.get("{{key}}") or str(uuid.uuid4()), body)
    item.updated_at = _now()
    if not item.owner_id:
        item.owner_id = _caller(event)
    saved = store.{{op}}(item)
    _publish(publisher, "{{entity}}.{{op}}", saved.to_item())
    logger.info("{{op}} {{entity}} %s (version %s)", saved.{{key}}, saved.version)
    return json_response(200, saved.to_dict())
''',
    "read": '''

def _{{op}}(event: dict[str, Any], store: {{Entity}}Store, publisher: Any) -> dict[str, Any]:
    """Return one {{entity}}; callers poll right after a write, hence the consistent read."""
    {{key}} = (event.get("pathParameters") or {}).get("{{key}}")
    if not {{key}}:
        raise ValidationError("{{key}}", "missing from the path")
    item = store.{{op}}({{key}})
    if item is None:
        raise LookupError({{key}})
    if item.owner_id and item.owner_id != _caller(event):
        logger.warning("{{entity}} %s read by %s", {{key}}, _caller(event))
    return json_response(200, item.to_dict())
''',
    "query": '''

def _{{op}}(event: dict[str, Any], store: {{Entity}}Store, publisher: Any) -> dict[str, Any]:
    """List the caller's {{plural}}, newest first, one page at a time.

    The page token is an opaque encoding of DynamoDB's LastEvaluatedKey: clients pass it
    back unchanged as ``next`` and never build one themselves.
    """
    query = event.get("queryStringParameters") or {}
    owner = query.get("owner_id") or _caller(event)
    try:
        limit = min(int(query.get("limit", DEFAULT_PAGE_SIZE)), 100)
    except ValueError as exc:
        raise ValidationError("limit", "not a number") from exc
    items, token = store.{{op}}(owner, limit, query.get("next"))
    logger.debug("{{op}}: %d {{plural}} for %s", len(items), owner)
    return json_response(200, {"items": [item.to_dict() for item in items], "next": token})
''',
    "remove": '''

def _{{op}}(event: dict[str, Any], store: {{Entity}}Store, publisher: Any) -> dict[str, Any]:
    """Remove one {{entity}} and announce it; a second delete answers 404."""
    {{key}} = (event.get("pathParameters") or {}).get("{{key}}")
    if not {{key}}:
        raise ValidationError("{{key}}", "missing from the path")
    removed = store.{{op}}({{key}})
    if removed is None:
        raise LookupError({{key}})
    _publish(publisher, "{{entity}}.{{op}}", {"{{key}}": {{key}}, "at": _now()})
    return json_response(204, {})
''',
}

HANDLER_TAIL = """

OPERATIONS = {
{{operations}}
}
DEFAULT_ACTIONS = {"POST": "create", "GET": "get", "DELETE": "delete"}
"""

POWERTOOLS_HEAD = '''\
"""{{Title}}: the {{plural}} REST API of {{app}}, on Powertools' event handler.

{{doc}}
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from db import {{Entity}}Store
from models import {{Entity}}, ValidationError

logger = Logger(service="{{plural}}")
tracer = Tracer(service="{{plural}}")
metrics = Metrics(namespace="{{app}}", service="{{plural}}")
app = APIGatewayRestResolver()

TABLE_NAME = os.environ.get("{{table_env}}", "{{table}}")
store = {{Entity}}Store(boto3.resource("dynamodb").Table(TABLE_NAME))
{{publisher_def}}

def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def _notify(subject: str, message: dict[str, Any]) -> None:
    """Announce a change; failures are logged, the request has succeeded anyway."""
    try:
        _publisher().{{publish}}
    except Exception:
        logger.exception("could not publish %s", subject)
'''

PUBLISHER_MODULE = """publisher = boto3.client("{{svc}}")


def _publisher() -> Any:
    return publisher
"""

PUBLISHER_PER_CALL = '''

def _publisher() -> Any:
    """A client for the notifications; cheap enough to build per call, or so it seemed."""
    return boto3.client("{{svc}}")
'''

ROUTE = '''

{{decorator}}
def {{op}}_{{entity}}({{params}}) -> Any:
    """{{route_doc}}"""
{{body}}
'''

ROUTE_DOCS = {
    "write": "{{Op}} one {{entity}}; the model validates the body, a stale version answers 404.",
    "read": "One {{entity}}, strongly consistent: the UI reads right after it writes.",
    "query": "{{Op}} {{plural}}, newest first; pass ``next`` back for the following page.",
    "remove": "{{Op}} one {{entity}}; deleting twice answers 404 the second time.",
}

ROUTE_BODIES = {
    "write": """\
    body = {{request}}.json_body or {}
    try:
        item = {{Entity}}.from_request({{new_key}}, body)
    except ValidationError as exc:
        raise BadRequestError(str(exc)) from exc
    saved = {{store}}.{{op}}(item)
    _notify("{{entity}}.{{op}}", saved.to_item())
    return saved.to_dict()""",
    "read": """\
    item = {{store}}.{{op}}({{key}})
    if item is None:
        raise NotFoundError(f"{{entity}} {{{key}}} not found")
    return item.to_dict()""",
    "query": """\
    params = {{request}}.{{query_params}} or {}
    limit = min(int(params.get("limit", "25")), 100)
    items, token = {{store}}.{{op}}(params.get("owner_id", "anonymous"), limit, params.get("next"))
    return {"items": [item.to_dict() for item in items], "next": token}""",
    "remove": """\
    removed = {{store}}.{{op}}({{key}})
    if removed is None:
        raise NotFoundError(f"{{entity}} {{{key}}} not found")
    _notify("{{entity}}.{{op}}", {"{{key}}": {{key}}})
    return {}""",
}

POWERTOOLS_TAIL = '''

@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def {{func}}(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point named in the template; the resolver routes by method and path."""
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    return app.resolve(event, context)
'''

DB_HEAD = '''\
"""DynamoDB access for {{plural}}.

Items are keyed by ``{{key}}``; the global secondary index ``by-owner`` (``owner_id``,
``updated_at``) serves the list queries. Every write is conditional on ``version``, so two
concurrent updates cannot silently overwrite each other: the loser gets a LookupError and the
API answers 404, after which the client reloads and retries.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from {{models}} import {{Entity}}

logger = logging.getLogger(__name__)


def _encode(key: dict[str, Any] | None) -> str | None:
    """DynamoDB's LastEvaluatedKey as an opaque page token."""
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode()


def _decode(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    return json.loads(base64.urlsafe_b64decode(token.encode()))
'''

DB_INIT = {
    "injected": '''

class {{Entity}}Store:
    """Reads and writes {{plural}}; the caller owns the Table, so it is created once."""

    def __init__(self, table: Any) -> None:
        self._table = table

    @classmethod
    def from_name(cls, table_name: str, region: str | None = None) -> {{Entity}}Store:
        """For scripts and notebooks; Lambda code passes a Table built at module level."""
        return cls(boto3.resource("dynamodb", region_name=region).Table(table_name))
''',
    "per_call": '''

class {{Entity}}Store:
    """Reads and writes {{plural}} in the table named at construction."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
''',
}
TABLE_EXPRS = {
    "injected": "self._table",
    "per_call": 'boto3.resource("dynamodb").Table(self.table_name)',
}

DB_METHODS = {
    "write": '''
    def {{op}}(self, item: {{Entity}}) -> {{Entity}}:
        """{{Op}}: write the item, refusing to overwrite a newer version."""
        table = {{table_expr}}
        expected = item.version
        item.version = expected + 1
        try:
            table.put_item(
                Item=item.to_item(),
                ConditionExpression=Attr("version").not_exists() | Attr("version").eq(expected),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                logger.warning("stale {{op}} of {{entity}} %s", item.{{key}})
                raise LookupError(item.{{key}}) from exc
            raise
        return item
''',
    "read": '''
    def {{op}}(self, {{key}}: str) -> {{Entity}} | None:
        """One item by key, strongly consistent."""
        table = {{table_expr}}
        response = table.get_item(Key={"{{key}}": {{key}}}, ConsistentRead=True)
        item = response.get("Item")
        return {{Entity}}.from_item(item) if item else None
''',
    "query": '''
    def {{op}}(
        self, owner_id: str, limit: int, token: str | None = None
    ) -> tuple[list[{{Entity}}], str | None]:
        """One page of an owner's {{plural}}, newest first."""
        table = {{table_expr}}
        kwargs: dict[str, Any] = {
            "IndexName": "by-owner",
            "KeyConditionExpression": Key("owner_id").eq(owner_id),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = _decode(token)
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = table.query(**kwargs)
        items = [{{Entity}}.from_item(raw) for raw in response.get("Items", [])]
        return items, _encode(response.get("LastEvaluatedKey"))
''',
    "remove": '''
    def {{op}}(self, {{key}}: str) -> {{Entity}} | None:
        """Delete by key; return what was there, or None when nothing was."""
        table = {{table_expr}}
        response = table.delete_item(Key={"{{key}}": {{key}}}, ReturnValues="ALL_OLD")
        old = response.get("Attributes")
        return {{Entity}}.from_item(old) if old else None
''',
}

MODELS_HEAD = '''\
"""The {{entity}} model: request validation and conversion to and from DynamoDB items.

DynamoDB hands numbers back as Decimal and has no date type, so the conversions are explicit
here instead of being left to the serializer. ``to_dict`` is what the API returns: it never
contains internal attributes such as ``version``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar


class ValidationError(ValueError):
    """A request field is missing or malformed; ``field`` names it for the client."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _number(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(name, f"not a number: {value!r}") from exc
'''

MODEL_CLASS = '''

@dataclass
class {{Model}}:
    """{{Model}} as stored in the {{plural}} table ({{table}}).

    ``REQUIRED`` lists the fields a request must carry; the others have defaults. ``version``
    is bumped by every write and checked by the store's conditional writes, and
    ``updated_at`` is set by the API, never taken from the client.
    """

    REQUIRED: ClassVar[tuple[str, ...]] = ({{required}},)

    {{key}}: str
{{fields}}
    version: int = 0
    updated_at: str = ""

    @classmethod
    def from_request(cls, {{key}}: str, body: dict[str, Any]) -> {{Model}}:
        """Validate a request body; unknown keys are ignored rather than stored."""
        missing = [name for name in cls.REQUIRED if body.get(name) in (None, "")]
        if missing:
            raise ValidationError(missing[0], "is required")
        known = {f.name for f in fields(cls)} - {"{{key}}", "version", "updated_at"}
        values = {name: body[name] for name in known if name in body}
        for name, value in list(values.items()):
            if isinstance(value, float):
                values[name] = _number(value, name)
        return cls({{key}}={{key}}, **values)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> {{Model}}:
        """Rebuild from a DynamoDB item; Decimal counters become int again."""
        known = {f.name for f in fields(cls)}
        values = {name: value for name, value in item.items() if name in known}
        if isinstance(values.get("version"), Decimal):
            values["version"] = int(values["version"])
        return cls(**values)

    def to_item(self) -> dict[str, Any]:
        """The item to write: empty strings dropped, since key attributes refuse them."""
        return {name: value for name, value in asdict(self).items() if value != ""}

    def to_dict(self) -> dict[str, Any]:
        """The API representation: numbers as strings, no internal attributes."""
        data = asdict(self)
        data.pop("version", None)
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}
'''

UTILS_HEAD = '''\
"""Helpers shared by the {{plural}} function: responses, parsing, retries and paging.

Kept free of handler state so the unit tests import it without any AWS configuration.
"""

from __future__ import annotations

{{imports}}
'''

# (group, imports, text): one variant per group at most; the first two groups always.
UTILS_POOL: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "json_response",
        ("import json", "from decimal import Decimal", "from typing import Any"),
        '''

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Content-Type,Authorization,Idempotency-Key",
    "Content-Type": "application/json",
}


def _default(value: Any) -> Any:
    """JSON for what DynamoDB returns: Decimal as int or float, sets as sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway proxy response with the CORS headers the front end needs."""
    return {
        "statusCode": status,
        "headers": {**CORS_HEADERS, **(headers or {})},
        "body": "" if status == 204 else json.dumps(body, default=_default),
    }
''',
    ),
    (
        "parse_body",
        ("import base64", "import json", "from typing import Any"),
        '''

def parse_body(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a proxy event, base64-decoded when API Gateway encoded it."""
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"body is not JSON: {exc.msg} at {exc.pos}") from exc
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body
''',
    ),
    (
        "chunked",
        ("from collections.abc import Iterable, Iterator", "from typing import Any"),
        '''

def chunked(items: Iterable[Any], size: int = 25) -> Iterator[list[Any]]:
    """Batches of at most `size`, the limit of BatchWriteItem."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
''',
    ),
    (
        "retry",
        ("import functools", "import random", "import time", "from typing import Any"),
        '''

def retry(attempts: int = 3, base_delay: float = 0.2) -> Any:
    """Retry a flaky call with full-jitter exponential backoff (AWS architecture blog)."""

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(attempts):
                try:
                    return func(*args, **kwargs)
                except Exception:
                    if attempt == attempts - 1:
                        raise
                    time.sleep(random.uniform(0, base_delay * 2**attempt))
            return None

        return wrapper

    return decorate
''',
    ),
    (
        "mask",
        ("import re",),
        '''

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+)")


def mask_email(text: str) -> str:
    """Keep the first letter and the domain, so logs stay useful without the address."""
    return _EMAIL.sub(r"\\1***\\2", text)
''',
    ),
    (
        "hash",
        ("import hashlib", "import json", "from typing import Any"),
        '''

def stable_hash(value: Any) -> str:
    """A short digest of a JSON value, stable across processes (unlike hash())."""
    encoded = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
''',
    ),
    (
        "dates",
        ("from datetime import datetime, timedelta, timezone",),
        '''

def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def expires_at(days: int = 30) -> int:
    """A DynamoDB TTL value: epoch seconds, `days` from now."""
    return int((utc_now() + timedelta(days=days)).timestamp())


def parse_iso(text: str) -> datetime:
    """ISO 8601 with a trailing Z, as JavaScript clients send it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
''',
    ),
    (
        "secret",
        ("import functools", "import json", "from typing import Any", "import boto3"),
        '''

@functools.lru_cache(maxsize=32)
def get_secret(secret_id: str) -> dict[str, Any]:
    """A JSON secret from Secrets Manager, fetched once per execution environment."""
    client = boto3.client("secretsmanager")
    return json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
''',
    ),
    (
        "secret",
        ("import json", "from typing import Any", "import boto3"),
        '''

def get_secret(secret_id: str) -> dict[str, Any]:
    """A JSON secret from Secrets Manager, read fresh so a rotation is seen at once."""
    client = boto3.client("secretsmanager")
    return json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
''',
    ),
    (
        "parameter",
        ("import os", "from typing import Any", "import boto3"),
        '''

_ssm: Any = None


def get_parameter(name: str, decrypt: bool = True) -> str:
    """An SSM parameter under the stage's prefix; the client is created on first use."""
    global _ssm
    if _ssm is None:
        _ssm = boto3.client("ssm")
    prefix = os.environ.get("PARAMETER_PREFIX", "/app")
    response = _ssm.get_parameter(Name=f"{prefix}/{name}", WithDecryption=decrypt)
    return response["Parameter"]["Value"]
''',
    ),
    (
        "presign",
        ("import os", "import boto3"),
        '''

def presigned_download(key: str, expires: int = 900) -> str:
    """A short-lived download link for an attachment."""
    s3 = boto3.client("s3")
    return s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": os.environ["ATTACHMENTS_BUCKET"], "Key": key},
        ExpiresIn=expires,
    )
''',
    ),
    (
        "batch",
        ("from collections.abc import Iterable", "from typing import Any"),
        '''

def batch_put(table: Any, items: Iterable[dict[str, Any]]) -> int:
    """Write many items; boto3's batch writer resends unprocessed ones itself."""
    count = 0
    with table.batch_writer(overwrite_by_pkeys=["{{key}}"]) as batch:
        for item in items:
            batch.put_item(Item=item)
            count += 1
    return count
''',
    ),
)
THIRD_PARTY = ("import boto3",)

SAM_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: >
  {{app}}: {{Title}} behind API Gateway, stored in DynamoDB, announced through {{svc_title}}.

Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, staging, prod]

Globals:
  Function:
    Runtime: python3.12
    Architectures: [arm64]
    Timeout: 10
    MemorySize: 256
    Tracing: Active
    Environment:
      Variables:
        LOG_LEVEL: INFO
        POWERTOOLS_SERVICE_NAME: {{plural}}

Resources:
  {{Entity}}Function:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {{code_uri}}/
      Handler: {{module}}.{{func}}
      Description: !Sub "{{Title}} (${Stage})"
      Environment:
        Variables:
          {{table_env}}: !Ref {{Entity}}Table
          {{svc_env}}: !Sub "{{app}}-${Stage}"
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref {{Entity}}Table
      Events:
        Create:
          Type: Api
          Properties:
            Path: /{{plural}}
            Method: post
        Read:
          Type: Api
          Properties:
            Path: /{{plural}}/{{{key}}}
            Method: get
        List:
          Type: Api
          Properties:
            Path: /{{plural}}
            Method: get
        Delete:
          Type: Api
          Properties:
            Path: /{{plural}}/{{{key}}}
            Method: delete

  {{Entity}}Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: {{key}}
          AttributeType: S
        - AttributeName: owner_id
          AttributeType: S
        - AttributeName: updated_at
          AttributeType: S
      KeySchema:
        - AttributeName: {{key}}
          KeyType: HASH
      GlobalSecondaryIndexes:
        - IndexName: by-owner
          KeySchema:
            - AttributeName: owner_id
              KeyType: HASH
            - AttributeName: updated_at
              KeyType: RANGE
          Projection:
            ProjectionType: ALL

Outputs:
  ApiUrl:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/{{plural}}"
  FunctionArn:
    Value: !GetAtt {{Entity}}Function.Arn
"""

APP_README = """\
# {{app}}

{{Title}}: an {{trigger}} front end, a Python Lambda function, a DynamoDB table and
{{svc_title}} for the events.

```sh
{{deploy}}
```

The function code is in `{{code_uri}}/`; `{{module}}.py` holds the handler, `db.py` the table
access, `models.py` the data model and `utils.py` the shared helpers.
"""

EVENT_JSON = """\
{
  "httpMethod": "POST",
  "path": "/{{plural}}",
  "pathParameters": null,
  "queryStringParameters": null,
  "requestContext": {"authorizer": {"claims": {"sub": "user-123"}}},
  "body": "{\\"owner_id\\": \\"user-123\\", \\"status\\": \\"NEW\\"}",
  "isBase64Encoded": false
}
"""

REQUIREMENTS = "boto3>=1.34\n"
POWERTOOLS_REQUIREMENTS = "aws-lambda-powertools[tracer]>=3.0\nboto3>=1.34\n"

CDK_APP = '''\
#!/usr/bin/env python3
"""CDK entry point of {{app}}: one stack per stage; account and region from the CLI profile."""

import os

import aws_cdk as cdk

from {{package}}.{{package}}_stack import {{Stack}}Stack

app = cdk.App()
stage = app.node.try_get_context("stage") or "dev"
{{Stack}}Stack(
    app,
    f"{{Stack}}-{stage}",
    stage=stage,
    env=cdk.Environment(
        account=os.getenv("CDK_DEFAULT_ACCOUNT"),
        region=os.getenv("CDK_DEFAULT_REGION"),
    ),
)
cdk.Tags.of(app).add("project", "{{app}}")
app.synth()
'''

CDK_STACK = '''\
"""The {{app}} stack: a DynamoDB table, the {{plural}} function and its REST API.

The function's code is the ``{{code_dir}}`` folder, bundled as is (its requirements are in the
Lambda runtime already). Production keeps the table on deletion and turns on point-in-time
recovery; other stages are disposable.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
{{target_import}}
from constructs import Construct


class {{Stack}}Stack(Stack):
    """Table, function and API of {{app}}; outputs the API URL and the table name."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        prod = stage == "prod"
        table = dynamodb.Table(
            self,
            "{{Entity}}Table",
            partition_key=dynamodb.Attribute(name="{{key}}", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=RemovalPolicy.RETAIN if prod else RemovalPolicy.DESTROY,
            point_in_time_recovery=prod,
        )
        table.add_global_secondary_index(
            index_name="by-owner",
            partition_key=dynamodb.Attribute(name="owner_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="updated_at", type=dynamodb.AttributeType.STRING),
        )
        target = {{target_construct}}
        function = lambda_.Function(
            self,
            "{{Entity}}Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler="{{module}}.{{func}}",
            code=lambda_.Code.from_asset("{{code_dir}}"),
            timeout=Duration.seconds(10),
            memory_size=256,
            tracing=lambda_.Tracing.ACTIVE,
            log_retention=logs.RetentionDays.ONE_MONTH,
            environment={
                "{{table_env}}": table.table_name,
                "{{svc_env}}": {{target_env}},
                "STAGE": stage,
            },
        )
        table.grant_read_write_data(function)
        {{grant}}
        api = apigateway.LambdaRestApi(
            self,
            "{{Entity}}Api",
            handler=function,
            proxy=True,
            deploy_options=apigateway.StageOptions(stage_name=stage, tracing_enabled=True),
        )
        CfnOutput(self, "ApiUrl", value=api.url)
        CfnOutput(self, "TableName", value=table.table_name)
'''

CDK_JSON = """\
{
  "app": "python3 app.py",
  "watch": {"include": ["**"], "exclude": ["README.md", "cdk*.json", "**/__pycache__"]},
  "context": {"@aws-cdk/aws-lambda:recognizeLayerVersion": true}
}
"""
CDK_REQUIREMENTS = "aws-cdk-lib>=2.150\nconstructs>=10.0\n"

CHALICE_HEAD = '''\
"""{{Title}} on AWS Chalice: REST routes, a queue consumer and an hourly export.

{{doc}}
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import boto3
from chalice import BadRequestError, Chalice, NotFoundError, Rate

from chalicelib.db import {{Entity}}Store
from chalicelib.models import {{Entity}}, ValidationError

app = Chalice(app_name="{{app}}")
_STORE: {{Entity}}Store | None = None
{{publisher_def}}

def get_store() -> {{Entity}}Store:
    """The tutorial's lazy global: built on the first request, reused afterwards."""
    global _STORE
    if _STORE is None:
        _STORE = {{Entity}}Store(boto3.resource("dynamodb").Table(os.environ["{{table_env}}"]))
    return _STORE


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def _notify(subject: str, message: dict[str, Any]) -> None:
    try:
        _publisher().{{publish}}
    except Exception:
        app.log.exception("could not publish %s", subject)
'''

CHALICE_TAIL = '''

@app.on_sqs_message(queue="{{app}}-imports", batch_size=10)
def import_{{plural}}(event: Any) -> None:
    """Bulk import: each message is one {{entity}} as JSON."""
    store = get_store()
    for record in event:
        body = json.loads(record.body)
        store.create({{Entity}}.from_request(body.get("{{key}}") or str(uuid.uuid4()), body))


@app.schedule(Rate(1, unit=Rate.HOURS))
def export_{{plural}}(event: Any) -> None:
    """Hourly export of the owners' {{plural}} to S3 for the analytics team."""
    s3 = boto3.client("s3")
    items, _ = get_store().query("anonymous", 100)
    body = "\\n".join(_dumps(item.to_item()) for item in items)
    key = f"{{plural}}/{event.time}.jsonl"
    s3.put_object(Bucket=os.environ["EXPORT_BUCKET"], Key=key, Body=body)
'''

CHALICE_CONFIG = """\
{
  "version": "2.0",
  "app_name": "{{app}}",
  "stages": {
    "dev": {
      "api_gateway_stage": "api",
      "environment_variables": {"{{table_env}}": "{{table}}", "EXPORT_BUCKET": "{{app}}-exports"}
    }
  }
}
"""

SCRIPT = '''\
#!/usr/bin/env python3
"""{{Title}}: {{script_doc}}

Run it from a workstation with credentials for the target account::

    python scripts/{{script}}.py --table {{table}} --profile ops --dry-run

The table is read with a parallel scan (``--segments``), so the script can be re-run safely:
items already in the target state are skipped, and ``--dry-run`` prints what would change
without writing anything.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr

LOG = logging.getLogger("{{script}}")
TARGET_STATUS = "{{status}}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="{{table}}", help="DynamoDB table name")
    parser.add_argument("--profile", help="AWS profile (default: the environment's)")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--segments", type=int, default=4, help="parallel scan segments")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    parser.add_argument("--output", type=argparse.FileType("w"), default=sys.stdout)
    return parser.parse_args(argv)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def scan_segment(table: Any, segment: int, total: int) -> Iterator[dict[str, Any]]:
    """Every item of one parallel-scan segment not yet in the target state."""
    kwargs: dict[str, Any] = {
        "Segment": segment,
        "TotalSegments": total,
        "FilterExpression": Attr("status").ne(TARGET_STATUS),
    }
    while True:
        page = table.scan(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def process(table: Any, publisher: Any, item: dict[str, Any], dry_run: bool) -> str:
    """Move one item to the target state and announce it; returns what happened."""
    if dry_run:
        return "would update"
    table.update_item(
        Key={"{{key}}": item["{{key}}"]},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": TARGET_STATUS},
    )
    subject, message = "{{entity}}.{{status_lower}}", {"{{key}}": item["{{key}}"]}
    publisher.{{publish}}
    return "updated"


def run_segment(args: argparse.Namespace, session: Any, segment: int) -> list[dict[str, str]]:
    table = session.resource("dynamodb").Table(args.table)
    publisher = session.client("{{svc}}")
    rows = []
    for item in scan_segment(table, segment, args.segments):
        result = process(table, publisher, item, args.dry_run)
        status = item.get("status", "")
        rows.append({"{{key}}": str(item["{{key}}"]), "status": status, "result": result})
    LOG.info("segment %d: %d items", segment, len(rows))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    writer = csv.DictWriter(args.output, fieldnames=["{{key}}", "status", "result"])
    writer.writeheader()
    with ThreadPoolExecutor(max_workers=args.segments) as pool:
        futures = [pool.submit(run_segment, args, session, n) for n in range(args.segments)]
        for future in futures:
            writer.writerows(future.result())
    LOG.info("run %s done", uuid.uuid4())
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
SCRIPT_DOCS = (
    "backfill the status of old items after the schema change.",
    "close items whose due date has passed and notify their owners.",
    "re-send the change events of every item, for a new consumer.",
    "mark abandoned items so the nightly cleanup removes them.",
)

ROOT_README = """\
# Serverless samples

Lambda functions in Python, one folder each: `sam/` deploys with `sam build && sam deploy
--guided`, `cdk/` with `cdk deploy`, `chalice/` with `chalice deploy`. `scripts/` holds the
operational scripts run from a workstation.
"""
ROOT_PYPROJECT = """\
[project]
name = "serverless-samples"
version = "0.0.0"
requires-python = ">=3.10"

[tool.pytest.ini_options]
addopts = "-ra"
"""
ROOT_GITIGNORE = ".aws-sam/\ncdk.out/\n.chalice/deployments/\n__pycache__/\n*.pyc\n.venv/\n"

# style: (setup, how db.py gets its table, extra import), for plain handlers
STYLES = {
    "module": (SETUP_MODULE, "injected", ""),
    "in_handler": (SETUP_IN_HANDLER, "injected", ""),
    "session": (SETUP_SESSION, "injected", ""),
    "lru_cache": (SETUP_LRU, "injected", "from functools import lru_cache\n"),
    "lazy_global": (SETUP_LAZY, "injected", ""),
    "crud": (SETUP_CRUD, "per_call", ""),
}
STYLE_WEIGHTS = {
    "module": 3,
    "in_handler": 2,
    "session": 1,
    "lru_cache": 2,
    "lazy_global": 2,
    "crud": 2,
    "powertools": 2,
}
HANDLER_FILES = (
    ("app", "lambda_handler"),
    ("handler", "handler"),
    ("lambda_function", "lambda_handler"),
)


# --- the lambda tree: generator -----------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace each {{name}}; a name missing from values is a bug, so KeyError."""
    return PLACEHOLDER.sub(lambda match: values[match[1]], template)


def camel(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", text))


@dataclass(frozen=True)
class App:
    """One generated folder: its files (relative path -> text) and its handler's path."""

    files: dict[str, str]
    handler: str


def app_values(rng: random.Random, name: str, domain: tuple[str, str], svc: str) -> dict[str, str]:
    """The names one folder's templates are filled with."""
    plural, entity = domain
    env, publish = PUBLISHERS[svc]
    values = {
        "app": name,
        "plural": plural,
        "entity": entity,
        "Entity": camel(entity),
        "Title": f"{camel(plural)} API",
        "key": f"{entity}_id",
        "table_env": f"{plural.upper()}_TABLE",
        "table": f"{name}-{plural}",
        "svc": svc,
        "svc_env": env,
        "svc_title": {"events": "EventBridge", "stepfunctions": "Step Functions"}.get(
            svc, svc.upper()
        ),
        "publish": publish,
        "page_size": str(rng.choice((20, 25, 50))),
        "models": "models",
    }
    paragraphs = rng.sample(DOC_PARAGRAPHS, 3)
    values["doc"] = "\n\n".join(fill(p, values) for p in paragraphs)
    return values


def pick_ops(rng: random.Random) -> list[str]:
    """The base CRUD operations plus a few others, in a stable order."""
    extra = [op for op in KIND_OF if op not in BASE_OPS]
    return [*BASE_OPS, *rng.sample(extra, rng.randint(3, 6))]


def handler_source(rng: random.Random, values: dict[str, str], style: str, ops: list[str]) -> str:
    """A plain handler module: setup in the given style, dispatch, one function per op."""
    setup, _, imports = STYLES[style]
    parts = [fill(HANDLER_HEAD, {**values, "imports": imports}), fill(setup, values)]
    parts.append(fill(DISPATCH, values))
    for op in ops:
        parts.append(fill(OP_TEMPLATES[KIND_OF[op]], {**values, "op": op, "Op": op.capitalize()}))
    lines = "\n".join(f'    "{op}": _{op},' for op in ops)
    parts.append(fill(HANDLER_TAIL, {"operations": lines}))
    return "".join(parts)


def route_source(values: dict[str, str], op: str, framework: str) -> str:
    """One Powertools or Chalice route calling the store."""
    kind, key = KIND_OF[op], values["key"]
    path, method, with_key = route_path(values["plural"], key, op, framework)
    if framework == "powertools":
        decorator = f'@app.{method}("{path}")\n@tracer.capture_method'
        local = {"request": "app.current_event", "store": "store"}
        local["query_params"] = "query_string_parameters"
    else:
        decorator = f'@app.route("{path}", methods=["{method.upper()}"])'
        local = {"request": "app.current_request", "store": "get_store()"}
        local["query_params"] = "query_params"
    op_values = {**values, **local, "op": op, "Op": op.capitalize()}
    op_values["new_key"] = "str(uuid.uuid4())" if op == "create" else key
    body = fill(ROUTE_BODIES[kind], op_values)
    params = f"{key}: str" if with_key else ""
    route_values = {**op_values, "decorator": decorator, "params": params, "body": body}
    return fill(ROUTE, {**route_values, "route_doc": fill(ROUTE_DOCS[kind], op_values)})


def route_path(plural: str, key: str, op: str, framework: str) -> tuple[str, str, bool]:
    """REST paths as teams lay them out: the verbs beyond CRUD get a path of their own."""
    kind = KIND_OF[op]
    item = f"/{plural}/<{key}>" if framework == "powertools" else f"/{plural}/{{{key}}}"
    if op == "create":
        return f"/{plural}", "post", False
    if op == "query":
        return f"/{plural}", "get", False
    if kind == "query":
        return f"/{plural}/{op}", "get", False
    methods = {"read": "get", "remove": "delete", "write": "put" if op == "update" else "post"}
    suffix = "" if op in ("get", "update", "delete") else f"/{op}"
    return item + suffix, methods[kind], True


def publisher_def(rng: random.Random, values: dict[str, str]) -> str:
    """Module-level client (most teams) or one built per notification (some)."""
    return fill(rng.choice((PUBLISHER_MODULE, PUBLISHER_MODULE, PUBLISHER_PER_CALL)), values)


def powertools_source(rng: random.Random, values: dict[str, str], ops: list[str]) -> str:
    head = fill(POWERTOOLS_HEAD, {**values, "publisher_def": publisher_def(rng, values)})
    routes = "".join(route_source(values, op, "powertools") for op in ops)
    return head + routes + fill(POWERTOOLS_TAIL, values)


def chalice_source(rng: random.Random, values: dict[str, str], ops: list[str]) -> str:
    head = fill(CHALICE_HEAD, {**values, "publisher_def": publisher_def(rng, values)})
    routes = "".join(route_source(values, op, "chalice") for op in ops)
    return head + routes + fill(CHALICE_TAIL, values)


def db_source(values: dict[str, str], table: str, ops: list[str]) -> str:
    """The store: one method per operation, each opening the table the given way."""
    parts = [fill(DB_HEAD, values), fill(DB_INIT[table], values)]
    for op in ops:
        op_values = {**values, "op": op, "Op": op.capitalize(), "table_expr": TABLE_EXPRS[table]}
        parts.append(fill(DB_METHODS[KIND_OF[op]], op_values))
    return "".join(parts)


def models_source(rng: random.Random, values: dict[str, str]) -> str:
    """The entity's dataclass and a few related ones, with varying fields."""
    names = [values["Entity"]]
    names += [values["Entity"] + suffix for suffix in rng.sample(MODEL_SUFFIXES, rng.randint(2, 4))]
    parts = [fill(MODELS_HEAD, values)]
    for name in names:
        chosen = [MODEL_FIELDS[0], *rng.sample(MODEL_FIELDS[1:], rng.randint(4, 9))]
        lines = "\n".join(f"    {attr}: {kind} = {default}" for attr, kind, default in chosen)
        required = ", ".join(f'"{attr}"' for attr, _, _ in chosen[:2])
        parts.append(
            fill(MODEL_CLASS, {**values, "Model": name, "fields": lines, "required": required})
        )
    return "".join(parts)


def import_block(lines: Iterable[str]) -> str:
    """Imports merged per module and sorted, the standard library above boto3."""
    plain: set[str] = set()
    names: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("from "):
            module, _, imported = line.removeprefix("from ").partition(" import ")
            names.setdefault(module, set()).update(imported.split(", "))
        else:
            plain.add(line)
    merged = [f"from {m} import {', '.join(sorted(n))}" for m, n in names.items()]
    stdlib = sorted(plain - set(THIRD_PARTY)) + sorted(merged)
    third = sorted(plain & set(THIRD_PARTY))
    return "\n".join(stdlib) + ("\n\n" + "\n".join(third) if third else "")


def utils_source(rng: random.Random, values: dict[str, str]) -> str:
    """The two response helpers and a few others from the pool, imports gathered on top."""
    always, optional = UTILS_POOL[:2], list(UTILS_POOL[2:])
    rng.shuffle(optional)
    chosen, groups = list(always), set()
    for entry in optional[: rng.randint(4, 8)]:
        if entry[0] not in groups:
            groups.add(entry[0])
            chosen.append(entry)
    block = import_block(line for _, needed, _ in chosen for line in needed)
    head = fill(UTILS_HEAD, {**values, "imports": block})
    return head + "".join(fill(text, values) for _, _, text in chosen)


def function_files(
    rng: random.Random, values: dict[str, str], folder: str
) -> tuple[dict[str, str], str]:
    """Handler, db.py, models.py, utils.py and requirements.txt of one function folder."""
    style = rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]
    ops = pick_ops(rng)
    module, func = rng.choice(HANDLER_FILES)
    if style != "powertools" and rng.random() < 0.1:
        func = "main"  # only the template says it is a handler
    values.update(module=module, func=func)
    if style == "powertools":
        handler = powertools_source(rng, values, ops)
        table, requirements = "injected", POWERTOOLS_REQUIREMENTS
    else:
        handler = handler_source(rng, values, style, ops)
        table, requirements = STYLES[style][1], REQUIREMENTS
    files = {
        f"{folder}/{module}.py": handler,
        f"{folder}/db.py": db_source(values, table, ops),
        f"{folder}/models.py": models_source(rng, values),
        f"{folder}/utils.py": utils_source(rng, values),
        f"{folder}/requirements.txt": requirements,
    }
    return files, f"{folder}/{module}.py"


def sam_app(rng: random.Random, name: str, domain: tuple[str, str], svc: str) -> App:
    values = app_values(rng, name, domain, svc)
    code_uri = rng.choice(("src", f"{domain[1]}_function", f"functions/{domain[0]}", "hello_world"))
    values.update(
        code_uri=code_uri, trigger="API Gateway", deploy="sam build && sam deploy --guided"
    )
    base = f"sam/{name}"
    files, handler = function_files(rng, values, f"{base}/{code_uri}")
    files[f"{base}/template.yaml"] = fill(SAM_TEMPLATE, values)
    files[f"{base}/README.md"] = fill(APP_README, values)
    files[f"{base}/events/event.json"] = fill(EVENT_JSON, values)
    return App(files, handler)


def cdk_app(rng: random.Random, name: str, domain: tuple[str, str], svc: str) -> App:
    values = app_values(rng, name, domain, svc)
    code_dir = rng.choice(("lambda", f"lambda/{domain[0]}", "src", "runtime"))
    package = name.replace("-", "_")
    target_import, construct, env, grant = CDK_TARGETS[svc]
    values.update(
        code_uri=code_dir,
        code_dir=code_dir,
        package=package,
        Stack=camel(name),
        target_import=target_import,
        target_construct=construct,
        target_env=env,
        grant=grant,
        trigger="API Gateway",
        deploy="pip install -r requirements.txt && cdk deploy -c stage=dev",
    )
    base = f"cdk/{name}"
    files, handler = function_files(rng, values, f"{base}/{code_dir}")
    files[f"{base}/app.py"] = fill(CDK_APP, values)
    files[f"{base}/{package}/__init__.py"] = ""
    files[f"{base}/{package}/{package}_stack.py"] = fill(CDK_STACK, values)
    files[f"{base}/cdk.json"] = CDK_JSON
    files[f"{base}/requirements.txt"] = CDK_REQUIREMENTS
    files[f"{base}/README.md"] = fill(APP_README, values)
    return App(files, handler)


def chalice_app(rng: random.Random, name: str, domain: tuple[str, str], svc: str) -> App:
    values = {**app_values(rng, name, domain, svc), "models": "chalicelib.models"}
    ops = pick_ops(rng)
    base = f"chalice/{name}"
    files = {
        f"{base}/app.py": chalice_source(rng, values, ops),
        f"{base}/chalicelib/__init__.py": "",
        f"{base}/chalicelib/db.py": db_source(values, "injected", ops),
        f"{base}/chalicelib/models.py": models_source(rng, values),
        f"{base}/chalicelib/utils.py": utils_source(rng, values),
        f"{base}/.chalice/config.json": fill(CHALICE_CONFIG, values),
        f"{base}/requirements.txt": "chalice>=1.31\nboto3>=1.34\n",
    }
    return App(files, f"{base}/app.py")


def script_file(rng: random.Random, name: str, domain: tuple[str, str], svc: str) -> App:
    values = app_values(rng, name, domain, svc)
    status = rng.choice(("ARCHIVED", "CLOSED", "EXPIRED", "MIGRATED"))
    values.update(
        script=name, status=status, status_lower=status.lower(), script_doc=rng.choice(SCRIPT_DOCS)
    )
    path = f"scripts/{name}.py"
    return App({path: fill(SCRIPT, values)}, path)


def unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def generate_lambda(root: Path) -> str:
    """Write the tree from LAMBDA_SEED; return the path of the first SAM app's handler."""
    rng = random.Random(LAMBDA_SEED)
    combos = [(t, s, d) for t in TRIGGERS for s in PUBLISHERS for d in DOMAINS]
    rng.shuffle(combos)
    plan = [("sam", SAM_APPS), ("cdk", CDK_APPS), ("chalice", CHALICE_APPS), ("script", SCRIPTS)]
    builders: dict[str, Callable[[random.Random, str, tuple[str, str], str], App]] = {
        "sam": sam_app,
        "cdk": cdk_app,
        "chalice": chalice_app,
        "script": script_file,
    }
    files = {
        "README.md": ROOT_README,
        "pyproject.toml": ROOT_PYPROJECT,
        ".gitignore": ROOT_GITIGNORE,
    }
    handlers: list[str] = []
    combo = iter(combos)
    for kind, count in plan:
        for _ in range(count):
            trigger, svc, domain = next(combo)
            name = f"{trigger}-lambda-{svc}-{domain[0]}"
            if kind == "script":
                verb = rng.choice(("backfill", "close", "replay", "mark"))
                name = unique(f"{verb}_{domain[0]}", {Path(path).stem for path in files})
            app = builders[kind](rng, name, domain, svc)
            clash = files.keys() & app.files.keys()
            assert not clash, f"generated twice: {sorted(clash)}"
            files.update(app.files)
            handlers.append(app.handler)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return handlers[0]


def build_lambda(work: Path) -> tuple[Path, Path]:
    """WORK/lambda, regenerated whenever this script changed; returns it and its handler."""
    root, stamp = work / "lambda", work / "lambda.done"
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    if root.is_dir() and stamp.exists() and stamp.read_text().startswith(digest):
        print(f"lambda tree: reusing {root}")
        return root, Path(stamp.read_text().split()[1])
    start = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    handler = generate_lambda(root)
    stamp.write_text(f"{digest} {handler}")
    print(f"lambda tree: generated in {time.perf_counter() - start:.1f} s")
    return root, Path(handler)


# --- what to run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """A tree to time: where the one-changed file is, and the pre-commit call's cwd and file."""

    name: str
    root: Path
    changed: Path
    precommit_cwd: Path
    precommit_file: Path


@dataclass(frozen=True)
class Support:
    """Which `dynalint check` options this dynalint has, from its --help."""

    no_cache: bool
    cache_dir: bool
    jobs: bool
    verbose: bool


def detect_support() -> Support:
    proc = subprocess.run([*DYNALINT[:-1], "--help"], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"`dynalint check --help` failed:\n{proc.stderr}")

    def has(flag: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", proc.stdout) is not None

    return Support(has("--no-cache"), has("--cache-dir"), has("--jobs"), has("--verbose"))


@dataclass(frozen=True)
class Mode:
    """One row of a table: a command run in cwd, or None when this dynalint cannot run it."""

    label: str
    argv: tuple[str, ...] | None
    cwd: Path
    counter: Callable[[str], int]
    cache_fill: tuple[str, ...] | None = None  # untimed run first, in cwd, to fill the cache
    touch: Path | None = None  # file changed before each run


def count_lines(stdout: str) -> int:
    """dynalint --quiet and ruff's concise format print one finding a line."""
    return sum(1 for line in stdout.splitlines() if line.strip())


def count_pythaw(stdout: str) -> int:
    """pythaw's github format prints one `::error` line per violation."""
    return sum(1 for line in stdout.splitlines() if line.startswith("::error "))


def dynalint_argv(support: Support, jobs: int | None, *extra: str) -> tuple[str, ...]:
    verbose = ("--verbose",) if support.verbose else ()
    parallel = ("--jobs", str(jobs)) if jobs is not None and support.jobs else ()
    return (*DYNALINT, *verbose, *parallel, *extra)


def cold_argv(support: Support, jobs: int | None) -> tuple[str, ...] | None:
    """--no-cache; without any cache option every run is cold, with only --cache-dir none is."""
    if support.no_cache:
        return dynalint_argv(support, jobs, "--no-cache", ".")
    if not support.cache_dir:
        return dynalint_argv(support, jobs, ".")
    return None


def modes_for(tree: Tree, support: Support, jobs: int | None, caches: Path) -> list[Mode]:
    """The six rows of a tree's table, each dynalint warm mode with its own cache folder."""
    modes = [
        Mode("ruff", RUFF_ARGS, tree.root, count_lines),
        Mode("pythaw", PYTHAW_ARGS, tree.root, count_pythaw),
        Mode("dynalint cold", cold_argv(support, jobs), tree.root, count_lines),
    ]
    warm = [
        ("dynalint warm", tree.root, ".", None),
        ("dynalint one changed", tree.root, ".", tree.root / tree.changed),
        ("dynalint pre-commit", tree.precommit_cwd, str(tree.precommit_file), None),
    ]
    for label, cwd, target, touch in warm:
        if not support.cache_dir:
            modes.append(Mode(label, None, cwd, count_lines))
            continue
        cache = ("--cache-dir", str(caches / label.replace(" ", "-")))
        argv = dynalint_argv(support, jobs, *cache, target)
        fill_argv = dynalint_argv(support, jobs, *cache, ".")
        modes.append(Mode(label, argv, cwd, count_lines, cache_fill=fill_argv, touch=touch))
    return modes


# --- measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_kb: int
    exit_code: int
    findings: int
    parsed: str  # "?" when dynalint did not say
    cached: str
    stderr: str = field(repr=False)


def measure(argv: Sequence[str], cwd: Path, counter: Callable[[str], int], scratch: Path) -> Run:
    """Run one command once as a child process; its peak RSS is that child's alone."""
    rss_file = scratch / "rss.txt"
    rss_file.unlink(missing_ok=True)
    if Path(GNU_TIME).exists():
        cmd = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv]
    else:
        cmd = [sys.executable, "-c", WRAPPER, str(rss_file), *argv]
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=CHILD_ENV, capture_output=True, text=True, errors="replace"
    )
    seconds = time.perf_counter() - start
    # GNU time writes "Command exited with non-zero status N" above the number.
    rss_kb = int(rss_file.read_text().split()[-1]) if rss_file.exists() else 0
    stats = VERBOSE_LINE.search(proc.stderr)
    parsed, cached = (stats[3], stats[4]) if stats else ("?", "?")
    if "findings reused" in proc.stderr:
        cached = "findings"
    return Run(seconds, rss_kb, proc.returncode, counter(proc.stdout), parsed, cached, proc.stderr)


@contextmanager
def changed(path: Path, label: str) -> Iterator[None]:
    """Append a comment to path for the duration; then put its bytes and mtime back."""
    original, stat = path.read_bytes(), path.stat()
    base = original if original.endswith(b"\n") else original + b"\n"
    path.write_bytes(base + f"# check_speed: {label}\n".encode())
    try:
        yield
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def run_mode(mode: Mode, label: str, scratch: Path) -> Run:
    assert mode.argv is not None
    if mode.touch is None:
        run = measure(mode.argv, mode.cwd, mode.counter, scratch)
    else:
        with changed(mode.touch, label):
            run = measure(mode.argv, mode.cwd, mode.counter, scratch)
    warn_on_failure(mode.label, label, run)
    return run


def warn_on_failure(what: str, label: str, run: Run) -> None:
    """0, 1 and 2 are the tools' documented exit codes; anything else is shown, not hidden."""
    if run.exit_code not in (0, 1, 2):
        tail = "\n    ".join(run.stderr.strip().splitlines()[-5:])
        print(f"  warning: {what} ({label}) exited {run.exit_code}:\n    {tail}")


def time_modes(modes: list[Mode], runs: int, scratch: Path) -> dict[str, list[Run]]:
    """Fill caches, one untimed warm-up per mode, then rounds in an order rotating each round."""
    active = [mode for mode in modes if mode.argv is not None]
    for mode in active:
        if mode.cache_fill is not None:
            filled = measure(mode.cache_fill, mode.cwd, mode.counter, scratch)
            warn_on_failure(mode.label, "cache fill", filled)
    for mode in active:
        run_mode(mode, "warm-up", scratch)
    results: dict[str, list[Run]] = {mode.label: [] for mode in active}
    for round_no in range(runs):
        shift = round_no % len(active)
        for mode in active[shift:] + active[:shift]:
            results[mode.label].append(run_mode(mode, f"round {round_no + 1}", scratch))
    return results


# --- reporting ----------------------------------------------------------------------------------

COLUMNS = (
    "mode",
    "median s",
    "min s",
    "/ ruff",
    "/ pythaw",
    "parsed",
    "from cache",
    "peak RSS MB",
    "findings",
    "exit",
)


RATIO_TO = ("ruff", "pythaw")


def markdown_table(rows: list[list[str]]) -> str:
    """Padded columns, the first left-aligned, the others right-aligned."""
    table = [list(COLUMNS), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]

    def line(cells: list[str]) -> str:
        padded = [cells[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:]])
    return "\n".join([line(table[0]), rule + "|", *(line(row) for row in table[1:])])


def median_run(runs: list[Run]) -> Run:
    """The run at the (lower) median time, whose parse figures the table shows."""
    return sorted(runs, key=lambda run: run.seconds)[(len(runs) - 1) // 2]


def joined(values: Sequence[int]) -> str:
    return "/".join(str(value) for value in sorted(set(values)))


def row_of(mode: Mode, runs: list[Run] | None, medians: Mapping[str, float]) -> list[str]:
    if not runs:
        return [mode.label, *["n/a"] * (len(COLUMNS) - 1)]
    seconds = [run.seconds for run in runs]
    median = statistics.median(seconds)
    ratios = [f"{median / medians[tool]:.1f}x" if tool in medians else "?" for tool in RATIO_TO]
    is_dynalint = mode.label.startswith("dynalint")
    typical = median_run(runs)
    parsed, cached = (typical.parsed, typical.cached) if is_dynalint else ("-", "-")
    return [
        mode.label,
        f"{median:.2f}",
        f"{min(seconds):.2f}",
        *ratios,
        parsed,
        cached,
        f"{max(run.rss_kb for run in runs) / 1024:.1f}",
        joined([run.findings for run in runs]),
        joined([run.exit_code for run in runs]),
    ]


def print_table(modes: list[Mode], results: dict[str, list[Run]]) -> None:
    medians = {
        label: statistics.median(run.seconds for run in runs)
        for label, runs in results.items()
        if label in RATIO_TO and runs
    }
    print(markdown_table([row_of(mode, results.get(mode.label), medians) for mode in modes]))


def tree_size(root: Path) -> str:
    py = [path.stat().st_size for path in root.rglob("*.py") if path.is_file()]
    every = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
    return f"{len(py):,} .py files, {sum(py) / 1e6:.1f} MB of .py ({every / 1e6:.0f} MB in all)"


def tool_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        sys.exit(f"{name} is not installed in {sys.executable}: pip install ruff pythaw")


def print_header(support: Support, runs: int) -> None:
    print("dynalint check speed: ruff, pythaw and dynalint, each a fresh subprocess per run")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}, {os.cpu_count()} CPUs"
    )
    print(
        f"dynalint {tool_version('dynalint')} (libcst {tool_version('libcst')}), "
        f"ruff {tool_version('ruff')}, pythaw {tool_version('pythaw')}"
    )
    options = asdict(support).items()
    flags = ", ".join(f"--{name.replace('_', '-')} {'yes' if on else 'no'}" for name, on in options)
    print(f"dynalint check options: {flags}")
    memory = "GNU time %M" if Path(GNU_TIME).exists() else "ru_maxrss of a wrapper's child"
    print(f"peak RSS: {memory}, the largest of the timed runs")
    print(f"{runs} timed rounds after one untimed warm-up per mode; order rotates each round")


def print_commands(modes: list[Mode]) -> None:
    for mode in modes:
        shown = "n/a (option missing)" if mode.argv is None else " ".join(short(mode.argv))
        print(f"  {mode.label}: {shown}")


def short(argv: Sequence[str]) -> list[str]:
    """The command as a person would type it: `ruff`, not `/path/python -m ruff`."""
    parts = list(argv)
    if parts[:2] == [sys.executable, "-m"]:
        parts = parts[2:]
    return [Path(part).name if part.startswith("/") else part for part in parts]


# --- main ---------------------------------------------------------------------------------------


def build_trees(names: Sequence[str], work: Path) -> list[Tree]:
    trees = []
    for name in names:
        if name == "speed":
            root = build_speed(work)
            cwd = root / SPEED_PRECOMMIT_ROOT
            precommit = SPEED_CHANGED.relative_to(SPEED_PRECOMMIT_ROOT)
            trees.append(Tree(name, root, SPEED_CHANGED, cwd, precommit))
        else:
            root, handler = build_lambda(work)
            trees.append(Tree(name, root, handler, root, handler))
    return trees


def time_tree(tree: Tree, support: Support, args: argparse.Namespace) -> dict[str, list[Run]]:
    caches = args.work / "cache" / tree.name
    shutil.rmtree(caches, ignore_errors=True)
    modes = modes_for(tree, support, args.jobs, caches)
    print(f"\n### {tree.name}: {tree_size(tree.root)}")
    print(
        f"changed file: {tree.changed}; pre-commit: {tree.precommit_file} in "
        f"{tree.precommit_cwd.relative_to(tree.root.parent)}"
    )
    print_commands(modes)
    print()
    results = time_modes(modes, args.runs, args.work)
    print_table(modes, results)
    return results


def print_x3(speed: Tree, x1: list[Run] | None, support: Support, args: argparse.Namespace) -> None:
    """Peak RSS of one cold run on the speed tree copied three times, against one copy."""
    argv = cold_argv(support, args.jobs)
    if argv is None:
        print("\nmemory x3: n/a (no --no-cache)")
        return
    root = build_x3(args.work, speed.root)
    x3 = measure(argv, root, count_lines, args.work)
    warn_on_failure("dynalint cold x3", "once", x3)
    if not x1:
        x1 = [measure(argv, speed.root, count_lines, args.work)]
    x1_mb = max(run.rss_kb for run in x1) / 1024
    x3_mb = x3.rss_kb / 1024
    print(
        f"\nmemory, dynalint cold: peak RSS x1 {x1_mb:.1f} MB, x3 {x3_mb:.1f} MB "
        f"({x3_mb / x1_mb:.2f}x) on {tree_size(root)}; x3 one run, {x3.seconds:.1f} s, "
        f"{x3.findings} findings, parsed {x3.parsed}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per tree (default 5)")
    default_work = Path(tempfile.gettempdir()) / "dynalint-speed"
    parser.add_argument("--work", type=Path, default=default_work, help="build folder, reused")
    parser.add_argument(
        "--tree", action="append", choices=("speed", "lambda"), help="tree to time (repeat)"
    )
    parser.add_argument("--skip-x3", action="store_true", help="skip the memory run on 3 copies")
    parser.add_argument("--jobs", type=int, help="passed to dynalint as --jobs N")
    args = parser.parse_args()
    args.work = args.work.resolve()
    args.tree = list(dict.fromkeys(args.tree or ["speed", "lambda"]))
    return args


def main() -> None:
    args = parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file
    args.work.mkdir(parents=True, exist_ok=True)
    support = detect_support()
    print_header(support, args.runs)
    if args.jobs is not None and not support.jobs:
        print(f"--jobs {args.jobs}: this dynalint has no --jobs, ignored")
    trees = build_trees(args.tree, args.work)
    cold: dict[str, list[Run]] = {}
    for tree in trees:
        cold[tree.name] = time_tree(tree, support, args).get("dynalint cold", [])
    speed = next((tree for tree in trees if tree.name == "speed"), None)
    if speed is not None and not args.skip_x3:
        print_x3(speed, cold["speed"], support, args)


if __name__ == "__main__":
    main()
