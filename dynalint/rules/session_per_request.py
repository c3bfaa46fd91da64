"""DYN004 session-per-request

## What it does
Reports a Session created inside code that runs on every request: `boto3.Session(...)`,
`boto3.session.Session(...)`, `botocore.session.get_session()`, `botocore.session.Session()`,
`aioboto3.Session(...)` and aiobotocore's `get_session()`.

## Why is this bad?
A Session resolves credentials and configuration and loads its own copy of the service data; every
client or resource made from a fresh Session starts cold as well.

## Example
```python
def lambda_handler(event, context):
    session = boto3.Session()
    sqs = session.client("sqs")
```

## Use instead
```python
session = boto3.Session()
sqs = session.client("sqs")

def lambda_handler(event, context):
    ...
```

## Fix safety
No automatic fix: a Session often carries a profile or per-tenant credentials, and moving it
changes whose credentials are used. Move it to module level by hand, or keep one Session per tenant
in a cache keyed by tenant.

## Known limits
Sessions built from assumed-role credentials for each caller are reported too; they are
per-request by design, and the finding says so when the arguments come from the request.
"""

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

RULE = Rule(
    code="DYN004",
    name="session-per-request",
    kind=Creation.SESSION,
    summary="boto3 Session created on every request",
    advice="create it once at module level",
    doc=__doc__ or "",
    no_fix="Sessions are not rewritten: create the Session once at module level by hand",
)
