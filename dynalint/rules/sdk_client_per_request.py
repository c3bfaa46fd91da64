"""DYN007 sdk-client-per-request

## What it does
Reports another SDK's client created inside code that runs on every request: `openai.OpenAI(...)`,
`AsyncOpenAI(...)` and the Azure OpenAI clients, `anthropic.Anthropic(...)`,
`AsyncAnthropic(...)`, `AnthropicBedrock(...)` and `AnthropicVertex(...)`, Google Cloud's
`google.cloud.<product>.Client(...)` (and `PublisherClient` and the like), Azure's
`<Name>ServiceClient(...)` constructors and their `from_connection_string(...)`, and
`slack_sdk.WebClient(...)`.

## Why is this bad?
These clients build their own HTTP connection pool, and many resolve credentials or load
configuration when they are made. Made per request, each invocation pays for that and for a new
TLS handshake to the service.

## Example
```python
def lambda_handler(event, context):
    client = anthropic.Anthropic()
    return client.messages.create(model=MODEL, max_tokens=512, messages=event["messages"])
```

## Use instead
```python
client = anthropic.Anthropic()

def lambda_handler(event, context):
    return client.messages.create(model=MODEL, max_tokens=512, messages=event["messages"])
```

## Fix safety
No automatic fix: these clients take keys, endpoints and options that dynalint cannot prove are
the same on every call. Create the client once at module level by hand.

## Known limits
Google Cloud and Azure clients are known by the shape of their names (`google.cloud.*.*Client`,
`azure.*.*ServiceClient`). Other SDKs, and a project's own factories, can be added with the
`creators` setting.
"""

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

RULE = Rule(
    code="DYN007",
    name="sdk-client-per-request",
    kind=Creation.SDK,
    summary="SDK client created on every request",
    advice="create it once at module level",
    doc=__doc__ or "",
    no_fix="SDK clients are not rewritten: create the client once at module level by hand",
)
