"""The fixes of DYN002 and DYN003, which interlock: a DynamoDB resource and the Tables made from
it are often rewritten together, into one `get_dynamo_table(...)` per Table.

- `boto3.resource("sqs")` becomes `get_resource("sqs")`.
- `boto3.resource("dynamodb", **kw).Table(name)` becomes `get_dynamo_table(name, **kw)`; the
  resource and the Table findings share that fix.
- `ddb = boto3.resource("dynamodb")` followed by `ddb.Table(name)`: every Table call becomes
  `get_dynamo_table(name)` and the resource line goes, when the Tables are its only uses; those
  findings share one fix. Otherwise the resource becomes `get_dynamo_resource()` and each Table
  is rewritten on its own.
"""

from __future__ import annotations

import libcst as cst

from dynalint.analysis.flow import service_name
from dynalint.analysis.model import Creation
from dynalint.rules.base import FROM_REQUEST, FROM_SESSION
from dynalint.rules.fixing import (
    FixSite,
    NodeEdit,
    Outcome,
    Plan,
    count_names,
    keyword_arguments,
)
from dynalint.types import Applicability

# boto3.resource's positional parameters after service_name, so they can travel as keywords.
_RESOURCE_PARAMETERS = (
    "region_name",
    "api_version",
    "use_ssl",
    "verify",
    "endpoint_url",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "config",
)
_RANK = {Applicability.SAFE: 0, Applicability.UNSAFE: 1, Applicability.NONE: 2}
ELSEWHERE = "its DynamoDB resource is built elsewhere; use get_dynamo_table() by hand"
NOT_A_NAME = "its Table(...) arguments are not a plain table name"


def resource_fix(site: FixSite) -> Outcome:
    if not site.resolver.made_by(site.call, site.scope, "boto3.resource"):
        return FROM_SESSION
    if site.safety is Applicability.NONE:
        return FROM_REQUEST
    if service_name(site.call) != "dynamodb":
        edit = site.module.renamed_call(site.call, "get_resource")
        return [site.plan(site.module.use("get_resource"), [edit], ["get_resource"])]
    content = site.module.helper_call("get_dynamo_resource", _resource_kwargs(site.call))
    edit = NodeEdit(site.call, content)
    alone = site.plan(site.module.use("get_dynamo_resource"), [edit], ["get_dynamo_resource"])
    together = _with_tables(site)
    return [together, alone] if together is not None else [alone]


def table_fix(site: FixSite) -> Outcome:
    alone = _table_alone(site)
    if isinstance(alone, str):
        return alone
    resource = _resource_site(site)
    together = _with_tables(resource) if resource is not None else None
    if together is not None and site.index in together.needs:
        return [together, alone]
    return [alone]


def _table_alone(site: FixSite) -> Plan | str:
    found = site.resolver.table_resource(site.call, site.scope)
    if found is None:
        return ELSEWHERE
    if site.safety is Applicability.NONE:
        return FROM_REQUEST
    arguments = _table_arguments(site.call)
    if arguments is None:
        return NOT_A_NAME
    content = site.module.helper_call("get_dynamo_table", [*arguments, *_resource_kwargs(found[0])])
    message = site.module.use("get_dynamo_table")
    return site.plan(message, [NodeEdit(site.call, content)], ["get_dynamo_table"])


def _resource_site(table: FixSite) -> FixSite | None:
    found = table.resolver.table_resource(table.call, table.scope)
    if found is None:
        return None
    sites = table.module.sites
    return next((s for s in sites if s.call is found[0] and s.kind is Creation.RESOURCE), None)


def _with_tables(resource: FixSite) -> Plan | None:
    """The one fix that rewrites a DynamoDB resource and every Table made from it, if any."""
    memo = resource.module.memo
    if resource.index not in memo:
        memo[resource.index] = _together(resource)
    return memo[resource.index]


def _together(resource: FixSite) -> Plan | None:
    tables = [
        table
        for table in resource.module.sites
        if table.kind is Creation.TABLE and _resource_site(table) is resource
    ]
    plans = [_table_alone(table) for table in tables]
    if not tables or any(isinstance(plan, str) for plan in plans):
        return None
    edits = [edit for plan in plans if isinstance(plan, Plan) for edit in plan.edits]
    variable = resource.resolver.table_resource(tables[0].call, tables[0].scope)
    assert variable is not None
    if variable[1] is not None:
        removal = _removal(resource, variable[1], len(tables))
        if removal is None:
            return None
        edits.append(removal)
    worst = max((resource.safety, *(t.safety for t in tables)), key=_RANK.__getitem__)
    if worst is not resource.safety:
        return None  # the resource alone can be fixed more safely than with its Tables
    message = resource.module.use("get_dynamo_table")
    needs = frozenset({resource.index, *(table.index for table in tables)})
    return Plan(worst, message, tuple(edits), ("get_dynamo_table",), needs)


def _removal(resource: FixSite, variable: str, uses: int) -> NodeEdit | None:
    """Delete `variable = boto3.resource(...)` when the Table calls were its only uses."""
    assignment = resource.module.assignments.get(resource.call)
    scope = resource.scope
    body = next((r.node for r in resource.module.collection.functions if r.scope is scope), None)
    if assignment is None or body is None or scope.binding_scope(variable) is not scope:
        return None
    statement, name, alone = assignment
    if name != variable or count_names(body, variable) - 1 != uses:
        return None
    return NodeEdit(statement, "pass") if alone else NodeEdit(statement, "", whole_lines=True)


def _resource_kwargs(call: cst.Call) -> list[cst.Arg]:
    return keyword_arguments(call, _RESOURCE_PARAMETERS)


def _table_arguments(call: cst.Call) -> list[cst.Arg] | None:
    if len(call.args) != 1 or call.args[0].star:
        return None
    arg = call.args[0]
    if arg.keyword is not None and arg.keyword.value != "name":
        return None
    return [cst.Arg(arg.value)]
