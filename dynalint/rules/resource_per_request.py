"""DYN002 resource-per-request

## What it does
Reports a boto3 service resource created inside code that runs on every request:
`boto3.resource(...)` and `<session>.resource(...)`.

## Why is this bad?
A resource builds a client underneath and loads the resource model on top: the costliest boto3
object to create. One team measured a DynamoDB delete and query at 84 ms and 76 ms with a
resource built per call, and 7 ms and 12 ms after moving it to a cached helper.

## Example
```python
def get_collection(collection_id):
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.Table(os.environ["TABLE_NAME"])
    return table.get_item(Key={"id": collection_id})
```

## Use instead
```python
from aws_helpers import get_dynamo_table

def get_collection(collection_id):
    table = get_dynamo_table(os.environ["TABLE_NAME"])
    return table.get_item(Key={"id": collection_id})
```

## Fix safety
The fix moves the resource onto `get_resource(...)` or `get_dynamo_resource(...)` of the generated
helper module, which keeps one resource per thread and distinct arguments. It is safe for
literal, module-level and environment arguments, unsafe for arguments computed by calls, and
never applied to per-request arguments.

## Known limits
A resource whose service name is not a string literal is still reported, but `.Table(...)` on it is
not, since dynalint cannot tell that it is DynamoDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

if TYPE_CHECKING:
    from dynalint.rules.fixing import FixSite, Outcome


def fix(site: FixSite) -> Outcome:
    """Built in `resource_fixes`, with the rule it interlocks with; loaded with libcst."""
    from dynalint.rules.resource_fixes import resource_fix

    return resource_fix(site)


RULE = Rule(
    code="DYN002",
    name="resource-per-request",
    kind=Creation.RESOURCE,
    summary="boto3 resource created on every request",
    advice="create it once at module level or use a cached helper",
    doc=__doc__ or "",
    fix=fix,
)
