"""The vocabulary: which qualified names and methods create what (boto3's objects, database
connections, HTTP clients, other SDKs' clients, Powertools utilities), and which decorators and
call shapes make a function an entry point or a cure.

Everything here is matched against names resolved through imports, never against spelling.
"""

from __future__ import annotations

import fnmatch
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dynalint.analysis.model import Creation, Value

CREATORS: dict[str, Creation] = {
    "boto3.client": Creation.CLIENT,
    "boto3.resource": Creation.RESOURCE,
    "boto3.Session": Creation.SESSION,
    "boto3.session.Session": Creation.SESSION,
    "botocore.session.get_session": Creation.SESSION,
    "botocore.session.Session": Creation.SESSION,
    "aioboto3.Session": Creation.SESSION,
    "aioboto3.session.Session": Creation.SESSION,
    "aiobotocore.session.get_session": Creation.SESSION,
    "aiobotocore.session.AioSession": Creation.SESSION,
}


def _family(kind: Creation, *names: str) -> dict[str, Creation]:
    return dict.fromkeys(names, kind)


# Each library's documented constructors, under every public path they are imported from.
CREATORS |= _family(
    Creation.DATABASE,
    "pymysql.connect",
    "pymysql.Connect",
    "pymysql.Connection",
    "pymysql.connections.Connection",
    "MySQLdb.connect",
    "MySQLdb.Connect",
    "psycopg2.connect",
    "psycopg2.pool.SimpleConnectionPool",
    "psycopg2.pool.ThreadedConnectionPool",
    "psycopg.connect",
    "psycopg.Connection.connect",
    "psycopg.AsyncConnection.connect",
    "psycopg_pool.ConnectionPool",
    "psycopg_pool.AsyncConnectionPool",
    "mysql.connector.connect",
    "mysql.connector.pooling.MySQLConnectionPool",
    "pg8000.connect",
    "pg8000.dbapi.connect",
    "pg8000.native.Connection",
    "redshift_connector.connect",
    "pymongo.MongoClient",
    "pymongo.AsyncMongoClient",
    "pymongo.mongo_client.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient",
    "motor.motor_tornado.MotorClient",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.Redis.from_url",
    "redis.StrictRedis.from_url",
    "redis.from_url",
    "redis.client.Redis",
    "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url",
    "redis.asyncio.from_url",
    "redis.ConnectionPool",
    "redis.cluster.RedisCluster",
    "redis.RedisCluster",
    "sqlalchemy.create_engine",
    "sqlalchemy.engine.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlite3.connect",
    "peewee.MySQLDatabase",
    "peewee.PostgresqlDatabase",
    "peewee.SqliteDatabase",
    "peewee.CockroachDatabase",
    "playhouse.pool.PooledMySQLDatabase",
    "playhouse.pool.PooledPostgresqlDatabase",
    "playhouse.postgres_ext.PostgresqlExtDatabase",
    "mongoengine.connect",
    "elasticsearch.Elasticsearch",
    "elasticsearch.AsyncElasticsearch",
    "opensearchpy.OpenSearch",
    "opensearchpy.AsyncOpenSearch",
)
CREATORS |= _family(
    Creation.HTTP,
    "requests.Session",
    "requests.session",
    "requests.sessions.Session",
    "requests.sessions.session",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "aiohttp.client.ClientSession",
    "urllib3.PoolManager",
    "urllib3.poolmanager.PoolManager",
)
CREATORS |= _family(
    Creation.SDK,
    "openai.OpenAI",
    "openai.AsyncOpenAI",
    "openai.AzureOpenAI",
    "openai.AsyncAzureOpenAI",
    "anthropic.Anthropic",
    "anthropic.AsyncAnthropic",
    "anthropic.AnthropicBedrock",
    "anthropic.AsyncAnthropicBedrock",
    "anthropic.AnthropicVertex",
    "slack_sdk.WebClient",
    "slack_sdk.web.WebClient",
    "slack_sdk.web.client.WebClient",
    "slack_sdk.web.async_client.AsyncWebClient",
)
CREATORS |= _family(
    Creation.POWERTOOLS,
    *(
        f"aws_lambda_powertools.{path}"
        for path in (
            "Logger",
            "Tracer",
            "Metrics",
            "logging.Logger",
            "logging.logger.Logger",
            "tracing.Tracer",
            "tracing.tracer.Tracer",
            "metrics.Metrics",
            "metrics.metrics.Metrics",
        )
    ),
)
# Google Cloud's and Azure's clients are too many to list: `google.cloud.<product>.Client`
# (and `PublisherClient` and the like), `azure.<...>.<Name>ServiceClient`, and the classmethods
# that build them.
CLASS_BUILDERS = frozenset({"from_connection_string", "from_service_account_json"})

# A Redis client handed an existing pool (`redis.Redis(connection_pool=POOL)`) opens nothing:
# redis-py's own way of sharing one pool.
POOL_KEYWORDS: dict[str, str] = dict.fromkeys(
    (
        "redis.Redis",
        "redis.StrictRedis",
        "redis.client.Redis",
        "redis.asyncio.Redis",
        "redis.cluster.RedisCluster",
        "redis.RedisCluster",
    ),
    "connection_pool",
)

# A framework's per-request namespace: what a guard stores there lives as long as the request.
REQUEST_GLOBALS = frozenset({"flask.g", "quart.g"})

# The top-level packages the creators live in: never a module of the project.
LIBRARIES = frozenset({name.partition(".")[0] for name in CREATORS} | {"google", "azure"})


def creation_by_name(name: str, configured: Mapping[str, Creation]) -> Creation | None:
    """What calling the qualified `name` creates: a built-in creator, one of Google Cloud's or
    Azure's client classes (or a classmethod building one), or a project's configured one."""
    found = CREATORS.get(name) or configured.get(name)
    if found is not None:
        return found
    parts = name.split(".")
    if parts[-1] in CLASS_BUILDERS:
        parts = parts[:-1]
    last = parts[-1]
    if parts[:2] == ["google", "cloud"] and len(parts) > 2 and last.endswith("Client"):
        return Creation.SDK if last[:1].isupper() else None
    if parts[0] == "azure" and len(parts) > 2 and last.endswith("ServiceClient"):
        return Creation.SDK
    return None


# What the generated helper module's functions return, so code it was fixed onto stays understood:
# `get_dynamo_resource().Table(name)` still builds a Table on every call.
HELPER_VALUES: dict[str, Value] = {
    "get_dynamo_resource": Value(Creation.RESOURCE, "dynamodb"),
    "get_client": Value(Creation.CLIENT),
    "get_resource": Value(Creation.RESOURCE),
}

# Names that say what they hold: a parameter or attribute spelled `boto_session` is a boto3 or
# botocore Session wherever its value comes from (a caller, another object, a framework).
BOTO_SESSION_NAMES: dict[str, Value] = {
    f"{underscore}{name}": Value(Creation.SESSION)
    for name in ("boto_session", "boto3_session", "botocore_session")
    for underscore in ("", "_")
}


def documented_session(text: str | None) -> Value | None:
    """A Session that a docstring names as a parameter's type (`boto3.Session`, `Optional[
    boto3.session.Session]`, `boto3.Session, optional`). Documentation imports nothing, so only
    a fully dotted name counts: a bare `Session` may be anyone's."""
    words = re.split(r"[^\w.]+", text or "")
    if any(CREATORS.get(word) is Creation.SESSION for word in words):
        return Value(Creation.SESSION)
    return None


# Stands for any one module of a package in a qualified name: `commands.*.run` is the `run` of
# whichever module `importlib.import_module("commands." + name)` loads.
MODULE_WILDCARD = "*"

# Methods that create something when called on a value of the given kind.
SESSION_METHODS: dict[str, Creation] = {
    "client": Creation.CLIENT,
    "create_client": Creation.CLIENT,
    "resource": Creation.RESOURCE,
}
RECEIVER_METHODS = frozenset({*SESSION_METHODS, "Table"})

MEMOIZERS = frozenset(
    {
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "cachetools.func.fifo_cache",
        "cachetools.func.lfu_cache",
        "cachetools.func.rr_cache",
        "async_lru.alru_cache",
    }
)


def framework_class(name: str, bases: Iterable[str], suffix: str) -> bool:
    """A framework's kind of class, told by the suffix its name shares with one of its bases:
    `LoadOperator(BaseOperator)`, `DynamoDBHook(AwsBaseHook)`."""
    return name.endswith(suffix) and any(base.endswith(suffix) for base in bases)


# Memoizers that cache on the instance, not in the process: a property they make runs once
# per object, so it is judged like a cache on `self`.
PER_INSTANCE_MEMOIZERS = frozenset({"functools.cached_property"})

# `@<app>.<attr>(...)` registers a function that a framework calls once per request or event:
# Chalice, Flask, FastAPI, Starlette, Powertools event handlers, Slack Bolt, Celery.
ROUTE_DECORATORS = frozenset(
    {
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "api_route",
        "websocket",
        "websocket_route",
        "middleware",
        "exception_handler",
        "resolver",
        "lambda_function",
        "authorizer",
        "schedule",
        "on_s3_event",
        "on_sns_message",
        "on_sqs_message",
        "on_cw_event",
        "on_kinesis_record",
        "on_dynamodb_record",
        "on_ws_connect",
        "on_ws_message",
        "on_ws_disconnect",
        "event",
        "message",
        "action",
        "shortcut",
        "view",
        "task",
    }
)
ROUTE_FUNCTIONS = frozenset({"celery.shared_task"})
# FastAPI's parameter dependencies: the function handed to them runs each time the function
# whose parameter it is runs.
DEPENDENCY_MARKERS = frozenset(
    {"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"}
)
# Of those, the ones also used bare, without a call: Celery's `@app.task`.
BARE_ROUTE_DECORATORS = frozenset({"task"})

# Decorators of one-shot commands (click, typer): the process runs them once and exits. Hooks
# a process runs once (an exit hook, Celery's worker start-up signals) count the same.
COMMAND_FUNCTIONS = frozenset(
    {
        "click.command",
        "click.group",
        "typer.Typer.command",
        "atexit.register",
        *(
            f"celery.signals.{signal}.connect"
            for signal in ("worker_process_init", "worker_init", "celeryd_init", "worker_ready")
        ),
        # Dagster's initialisers: it calls them once per run (or step process) to build what
        # the run's steps share, its documented home for a client.
        *(f"dagster.{kind}" for kind in ("resource", "io_manager", "executor", "logger")),
    }
)
COMMAND_DECORATORS = frozenset({"command", "group", "callback"})

# `retry.<handed-out>`: what calling `retry` returns, when that is a function defined inside it.
HANDED_OUT = "<handed-out>"
# `providers.provider_for.<returned>`: the object of a project class another module's function
# returns, which that module's model names.
RETURNED = "<returned>"


def names_a_cli(qualified: str) -> bool:
    """A project's own decorator of command-line actions says so by name (`@cli_utils.action_cli`,
    `@cli_command`): the words of its last part include `cli`."""
    return "cli" in qualified.rpartition(".")[2].lower().split("_")


# What only code run once per process reads: its command line. `input()` too, which a person
# answers once per command typed. Parsers built out of sight are known by their method.
PARSE_METHODS = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args"})
COMMAND_LINE = frozenset(
    {
        "sys.argv",
        "getopt.getopt",
        "getopt.gnu_getopt",
        "optparse.OptionParser.parse_args",
        *(f"argparse.ArgumentParser.{method}" for method in PARSE_METHODS),
    }
)

# Calls that run a function they are given once, later: a thread or process started with it, a
# timer, an exit hook. Made at import time, what they run runs once per process.
RUN_LATER = frozenset(
    {
        "threading.Thread",
        "threading.Timer",
        "multiprocessing.Process",
        "atexit.register",
    }
)

# An app runs what it is handed as its lifespan (FastAPI, Starlette) once per process, and so
# its start-up and shut-down event handlers (`@app.on_event("startup")`).
RUN_KEYWORDS = frozenset({"lifespan"})
PROCESS_EVENTS = frozenset({"startup", "shutdown"})

HANDLER_NAMES = frozenset({"handler", "lambda_handler"})  # and *_handler
REQUEST_HANDLER_METHOD = re.compile(r"do_[A-Z]+|handle")

ENVIRON_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})


@dataclass(frozen=True)
class Vocabulary:
    """What a project adds to the built-in names (`[tool.dynalint]` handler-patterns,
    route-decorators, memoize-decorators, creators)."""

    handler_patterns: tuple[str, ...] = ()
    route_decorators: frozenset[str] = frozenset()
    memoize_decorators: frozenset[str] = frozenset()
    creators: tuple[tuple[str, Creation], ...] = ()

    def is_handler(self, name: str, positional: int) -> bool:
        """Conventional names need the `(event, context)` shape; configured ones are trusted."""
        if name in HANDLER_NAMES or name.endswith("_handler"):
            return positional >= 2
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.handler_patterns)

    def is_memoizer(self, qualified: str) -> bool:
        return qualified in MEMOIZERS or qualified in self.memoize_decorators

    def is_route(self, qualified: str, attribute: str | None) -> bool:
        """A route decorator is matched by its attribute name (`@app.get(...)`), by its full
        name, or, for a configured bare name, by the last part of its full name."""
        if qualified in ROUTE_FUNCTIONS or qualified in self.route_decorators:
            return True
        if attribute is not None and (
            attribute in ROUTE_DECORATORS or attribute in self.route_decorators
        ):
            return True
        return bool(qualified) and qualified.rpartition(".")[2] in self.route_decorators


DEFAULT_VOCABULARY = Vocabulary()


def is_dotted_name(name: str) -> bool:
    """A module or attribute path Python could import, such as `pkg.mod` or `Cli.run`."""
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))


def method_creation(receiver: Value, method: str) -> Creation | None:
    """What calling `method` on a known boto3 object creates, if anything."""
    if receiver.kind is Creation.SESSION:
        return SESSION_METHODS.get(method)
    if method == "Table" and receiver.kind is Creation.RESOURCE:
        # Of boto3's resources only DynamoDB's has `Table`: a resource of a service that could
        # not be read (`session.resource(service_name=name)`) that is asked for one is DynamoDB.
        return Creation.TABLE if receiver.service in (None, "dynamodb") else None
    return None
