"""DYN005 connection-per-request

## What it does
Reports a database connection, pool, engine or client created inside code that runs on every
request: `pymysql.connect(...)` (and `Connect`, `Connection`, MySQLdb's), `psycopg2.connect(...)`
and its pools, `psycopg.connect(...)`, `psycopg.AsyncConnection.connect(...)` and psycopg_pool's
pools, `mysql.connector.connect(...)`, `pg8000.connect(...)`, `redshift_connector.connect(...)`,
`pymongo.MongoClient(...)`, motor's clients, `redis.Redis(...)`, `StrictRedis(...)`,
`Redis.from_url(...)`, `redis.from_url(...)` and their asyncio forms,
`sqlalchemy.create_engine(...)`, `create_async_engine(...)`, `sessionmaker(...)`,
`sqlite3.connect(...)`, peewee's databases, `mongoengine.connect(...)`, and Elasticsearch and
OpenSearch clients. A `with` block that opens and closes the connection on every request is reported
too: the cost is the opening.

## Why is this bad?
Opening a connection costs a TCP handshake, often TLS, authentication and session setup with the
server: milliseconds to tens of milliseconds, paid again on every invocation, and every
concurrent Lambda environment holds its own. AWS's Lambda best practices: "Initialize SDK
clients and database connections outside of the function handler".

## Example
```python
def lambda_handler(event, context):
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    with conn.cursor() as cursor:
        cursor.execute("SELECT * FROM orders WHERE id = %s", (event["id"],))
        return cursor.fetchone()
```

## Use instead
A lazy global that reconnects when the server dropped the connection:
```python
_conn = None

def get_connection():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _conn

def lambda_handler(event, context):
    with get_connection().cursor() as cursor:
        ...
```
An engine or pool (`create_engine(url, pool_pre_ping=True)`, `redis.Redis(...)`) can simply be
created once at module level: it reconnects by itself.

## Fix safety
SQLAlchemy's `create_engine(...)` becomes `get_engine(...)` from the generated helper module, which
keeps one engine per distinct arguments for the life of the process. An engine is thread-safe and
made to be shared: it pools its connections, and the helper turns on `pool_pre_ping` (unless the
arguments set it) so a connection the server closed while the environment sat idle is replaced
before a request gets it. Safe when the arguments are literals, module-level names or environment
lookups; unsafe when they call other functions; never applied when they come from the request, nor
to an in-memory SQLite URL (`sqlite://`), whose database would outlive the request in a shared
engine. Event listeners attached to the engine after it is made would, once the engine is shared, be
attached again on every call: attach them at module level.

A synchronous Redis client (`redis.Redis(...)`, `StrictRedis(...)`) becomes `get_redis(...)`
and `redis.from_url(...)` (or `Redis.from_url(...)`) `get_redis_from_url(...)`, under the same
conditions: redis-py documents its clients as safe to share between threads, their pool
replaces a dropped connection by itself, and closing one (or leaving its `with` block) only
drops its connections, so code that closes its client keeps working. The asyncio clients are
bound to the event loop that made them, which `asyncio.run` in a handler replaces on every call:
not rewritten.

The others have no automatic fix. A connection has a lifetime a cache cannot see: the server
closes idle ones, a transaction left open would carry over to the next request, and most
drivers' connections may not be shared between threads. The hand-written lazy global above
checks liveness and stays in the one thread a Lambda environment runs.

## Known limits
A connection opened with credentials taken from the request (one per tenant) is reported too;
the finding says so. Connections passed in as parameters are not tracked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynalint.analysis.model import Creation
from dynalint.rules.base import FROM_REQUEST, Rule
from dynalint.types import Applicability

if TYPE_CHECKING:
    import libcst as cst

    from dynalint.rules.fixing import FixSite, Outcome

# The creators a cached helper keeps the meaning of, with that helper: a SQLAlchemy engine and
# a (synchronous) Redis client are thread-safe, pool their connections and replace dead ones.
# asyncio clients are bound to the event loop that made them, which a handler's `asyncio.run`
# replaces on every call: never cached.
CACHED = {
    "sqlalchemy.create_engine": "get_engine",
    "sqlalchemy.engine.create_engine": "get_engine",
    "redis.Redis": "get_redis",
    "redis.StrictRedis": "get_redis",
    "redis.client.Redis": "get_redis",
    "redis.from_url": "get_redis_from_url",
    "redis.Redis.from_url": "get_redis_from_url",
    "redis.StrictRedis.from_url": "get_redis_from_url",
}
IN_MEMORY = (
    "an in-memory SQLite database lives and dies with its engine: a shared engine would keep "
    "one request's data for the next"
)
NOT_CACHEABLE = (
    "connections are not rewritten: a cached one needs a liveness check, so open it once "
    "in a lazy global that reconnects"
)


def fix(site: FixSite) -> Outcome:
    """`sqlalchemy.create_engine(...)` becomes `get_engine(...)`, `redis.Redis(...)`
    `get_redis(...)` and `redis.from_url(...)` `get_redis_from_url(...)`, arguments untouched."""
    creator = site.resolver.callee(site.call, site.scope)
    helper = CACHED.get(creator) if creator is not None else None
    if creator is None or helper is None:
        return NOT_CACHEABLE
    if site.safety is Applicability.NONE:
        return FROM_REQUEST
    if helper == "get_engine" and _in_memory(site.call):
        return IN_MEMORY
    edit = site.module.renamed_call(site.call, helper)
    library = (creator.partition(".")[0],)
    return [site.plan(site.module.use(helper), [edit], [helper], library)]


def _in_memory(call: cst.Call) -> bool:
    """A literal SQLite URL naming no file: `sqlite://`, `:memory:` or `mode=memory`."""
    from dynalint.analysis.flow import first_literal  # loaded only by a run that builds fixes

    text = first_literal(call, "url")
    if text is None or not text.startswith("sqlite"):
        return False
    return text.partition("://")[2] in ("", "/") or ":memory:" in text or "mode=memory" in text


RULE = Rule(
    code="DYN005",
    name="connection-per-request",
    kind=Creation.DATABASE,
    summary="database connection created on every request",
    advice="open it once at module level, or in a lazy global that reconnects when it is stale",
    doc=__doc__ or "",
    fix=fix,
)
