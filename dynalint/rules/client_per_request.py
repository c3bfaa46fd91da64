"""DYN001 client-per-request

## What it does
Reports a boto3 client created inside code that runs on every request: `boto3.client(...)`,
`<session>.client(...)`, botocore's `<session>.create_client(...)` and aioboto3's
`<session>.client(...)`, in a Lambda handler, a route, or any function they reach.

## Why is this bad?
Creating a client loads the service model, resolves credentials and builds a connection pool:
tens of milliseconds, paid again on every invocation. Lambda keeps the process warm between
invocations, so a client created once at import time is reused for free, connections included.

## Example
```python
def lambda_handler(event, context):
    s3 = boto3.client("s3")
    return s3.get_object(Bucket=BUCKET, Key=event["key"])
```

## Use instead
```python
s3 = boto3.client("s3")

def lambda_handler(event, context):
    return s3.get_object(Bucket=BUCKET, Key=event["key"])
```
or a cached helper: `get_client("s3")`.

## Fix safety
The fix replaces the call with `get_client(...)` from the generated helper module, which keeps one
client per distinct arguments. It is safe when the arguments are literals, module-level names or
environment lookups; unsafe when they call other functions; never applied when they come from the
request (parameters, `event`, `context`), since the cache would keep one client per request.

## Known limits
Callers that dynalint cannot see (a library's public function) make the finding's reach
`unknown`. A client passed in as a parameter is not tracked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynalint.analysis.model import Creation
from dynalint.rules.base import FROM_REQUEST, FROM_SESSION, Rule
from dynalint.types import Applicability

if TYPE_CHECKING:
    from dynalint.rules.fixing import FixSite, Outcome


def fix(site: FixSite) -> Outcome:
    """`boto3.client(...)` becomes `get_client(...)`, arguments untouched."""
    if not site.resolver.made_by(site.call, site.scope, "boto3.client"):
        return FROM_SESSION
    if site.safety is Applicability.NONE:
        return FROM_REQUEST
    edit = site.module.renamed_call(site.call, "get_client")
    return [site.plan(site.module.use("get_client"), [edit], ["get_client"])]


RULE = Rule(
    code="DYN001",
    name="client-per-request",
    kind=Creation.CLIENT,
    summary="boto3 client created on every request",
    advice="create it once at module level or use a cached helper",
    doc=__doc__ or "",
    fix=fix,
)
