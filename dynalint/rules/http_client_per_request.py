"""DYN006 http-client-per-request

## What it does
Reports an HTTP client that keeps a connection pool, created inside code that runs on every
request: `requests.Session()` (and `requests.session()`), `httpx.Client(...)`,
`httpx.AsyncClient(...)`, `aiohttp.ClientSession(...)` and `urllib3.PoolManager(...)`. Module
functions such as `requests.get(...)` are not reported: they make no client to keep.

## Why is this bad?
The point of these objects is their connection pool. Created per request, every call opens a
fresh TCP connection and, for HTTPS, a fresh TLS handshake, and the pool is thrown away before it
is ever reused.

## Example
```python
def lambda_handler(event, context):
    with httpx.Client(base_url=API_URL, timeout=5) as client:
        return client.get(f"/orders/{event['id']}").json()
```

## Use instead
```python
client = httpx.Client(base_url=API_URL, timeout=5)

def lambda_handler(event, context):
    return client.get(f"/orders/{event['id']}").json()
```

## Fix safety
No automatic fix. Each of these clients keeps state between the calls made on it: a cookie jar
that every response can add to (requests, httpx, aiohttp), and headers, auth and parameters the
code may set on it. A client shared across requests would carry one caller's cookies and
headers into the next caller's requests. `with` blocks close the client at their end, so a
shared one cannot simply be handed in; `requests.Session` is not documented as thread-safe, and
the async clients belong to the event loop that made them. Create the client once at module
level by hand, with only settings that hold for every request, and keep per-caller state
(cookies, tokens) on the request instead.

## Known limits
Clients passed in as parameters are not tracked. A client created with per-request credentials
(headers built from the event) is reported too; the finding says so.
"""

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

RULE = Rule(
    code="DYN006",
    name="http-client-per-request",
    kind=Creation.HTTP,
    summary="HTTP client created on every request",
    advice="create it once at module level and reuse its connection pool",
    doc=__doc__ or "",
    no_fix=(
        "HTTP clients are not rewritten: they keep cookies and headers between calls, and a "
        "`with` block closes them, so create it once at module level by hand"
    ),
)
