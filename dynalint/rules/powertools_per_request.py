"""DYN008 powertools-per-request

## What it does
Reports a Powertools for AWS Lambda `Logger()`, `Tracer()` or `Metrics()` created inside code
that runs on every request, under any of the paths they are imported from
(`aws_lambda_powertools`, `aws_lambda_powertools.logging`, `.tracing`, `.metrics`).

## Why is this bad?
Powertools documents these utilities as module-level objects. Made in the handler, a `Logger`
loses the keys appended to it and is configured again on every call, a `Tracer` patches the
libraries it traces again, and a `Metrics` made per call loses the metrics of any other instance
that was meant to flush them.

## Example
```python
def lambda_handler(event, context):
    logger = Logger(service="orders")
    logger.info("received", extra={"id": event["id"]})
```

## Use instead
```python
logger = Logger(service="orders")

@logger.inject_lambda_context
def lambda_handler(event, context):
    logger.info("received", extra={"id": event["id"]})
```

## Fix safety
No automatic fix: the decorators that use these objects (`@logger.inject_lambda_context`,
`@tracer.capture_lambda_handler`, `@metrics.log_metrics`) need them before the handler is
defined, so the fix is a move to module level that only the author can place.

## Known limits
Objects created in a function that only runs once per process (a factory under `lru_cache`,
code reached only at import time) are not reported.
"""

from dynalint.analysis.model import Creation
from dynalint.rules.base import Rule

RULE = Rule(
    code="DYN008",
    name="powertools-per-request",
    kind=Creation.POWERTOOLS,
    summary="Powertools Logger, Tracer or Metrics created on every request",
    advice="create it once at module level, as Powertools documents",
    doc=__doc__ or "",
    no_fix="Powertools objects are not rewritten: create it once at module level by hand",
)
