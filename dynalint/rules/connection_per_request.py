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
No automatic fix. A connection has a lifetime a cache cannot see: the server closes idle ones,
a transaction left open would carry over to the next request, and most drivers' connections may
not be shared between threads. The hand-written lazy global above checks liveness and stays in
the one thread a Lambda environment runs.

## Known limits
A connection opened with credentials taken from the request (one per tenant) is reported too;
the finding says so. Connections passed in as parameters are not tracked.
"""

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

RULE = Rule(
    code="DYN005",
    name="connection-per-request",
    kind=Creation.DATABASE,
    summary="database connection created on every request",
    advice="open it once at module level, or in a lazy global that reconnects when it is stale",
    doc=__doc__ or "",
    no_fix=(
        "connections are not rewritten: a cached one needs a liveness check, so open it once "
        "in a lazy global that reconnects"
    ),
)
