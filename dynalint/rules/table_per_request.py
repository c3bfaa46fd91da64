"""DYN003 table-per-request

## What it does
Reports a DynamoDB `Table` created inside code that runs on every request: `.Table(...)` called on
a receiver known to be a DynamoDB service resource, directly (`boto3.resource("dynamodb").Table(x)`)
or through a local or module-level variable, a `self` attribute, or a name imported from another
module of the project.

## Why is this bad?
Each `Table(...)` builds a new resource object with its own attribute loading; created per request
it is thrown away after one use. Together with the resource it is usually built from, it is the
84 ms behind a 7 ms DynamoDB call.

## Example
```python
DDB = boto3.resource("dynamodb")

def save(item):
    DDB.Table(os.environ["TABLE_NAME"]).put_item(Item=item)
```

## Use instead
```python
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])

def save(item):
    TABLE.put_item(Item=item)
```
or `get_dynamo_table(os.environ["TABLE_NAME"])` from the generated helper module.

## Fix safety
The fix replaces the resource and the table with `get_dynamo_table(name, **resource_kwargs)`. Safe
when the table name is a literal, a module-level name or an environment lookup; unsafe when it is
computed by a call; never applied when it comes from the request.

## Known limits
`.Table(...)` on something dynalint cannot trace to a DynamoDB resource (a parameter, another
library's object) is not reported, so other libraries' `Table` classes never match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

if TYPE_CHECKING:
    from dynalint.rules.fixing import FixSite, Outcome


def fix(site: FixSite) -> Outcome:
    """Built in `resource_fixes`, with the rule it interlocks with; loaded with libcst."""
    from dynalint.rules.resource_fixes import table_fix

    return table_fix(site)


RULE = Rule(
    code="DYN003",
    name="table-per-request",
    kind=Creation.TABLE,
    summary="DynamoDB Table created on every request",
    advice="create it once at module level or use a cached helper",
    doc=__doc__ or "",
    fix=fix,
)
