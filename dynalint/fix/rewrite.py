"""The rewrite: per-request creations become calls on the cached helper module.

Planning and applying are separate. `plan` finds the call nodes behind the findings (by position)
and decides, for each, a replacement or a reason to leave it alone; `RewriteCalls` swaps the nodes.
Imports are never edited by hand: they are scheduled on the codemod context and applied by
libcst's AddImportsVisitor and RemoveImportsVisitor after the transform.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from dynalint.analysis.build import return_annotations
from dynalint.analysis.collect import CallRecord, Collection, collect
from dynalint.analysis.flow import Resolver, service_argument, service_name
from dynalint.analysis.positions import spans
from dynalint.analysis.tree import children
from dynalint.rules import BY_KIND
from dynalint.types import Applicability, Finding

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
_FIXABLE = frozenset({"DYN001", "DYN002", "DYN003"})
_NO_SPACE = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


@dataclass(frozen=True)
class Skip:
    finding: Finding
    reason: str


@dataclass
class Plan:
    replacements: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)
    removals: set[cst.CSTNode] = field(default_factory=set)
    helpers: set[str] = field(default_factory=set)
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.replacements or self.removals)


def skip_reason(finding: Finding, unsafe_fixes: bool) -> str | None:
    """Why a finding's arguments forbid a fix, or None if they allow one."""
    if finding.applicability is Applicability.NONE:
        return "its arguments depend on the request, so a shared cache would keep one per request"
    if finding.applicability is Applicability.UNSAFE and not unsafe_fixes:
        return "its arguments are computed by calls that may not be stable (use --unsafe-fixes)"
    return None


def plan(
    module: cst.Module,
    module_name: str,
    findings: Sequence[Finding],
    *,
    is_package: bool = False,
    unsafe_fixes: bool = False,
) -> Plan:
    return _Planner(module, collect(module, module_name, is_package), unsafe_fixes).plan(findings)


class RewriteCalls(cst.CSTTransformer):
    """Swap planned nodes by identity; everything else is left exactly as it was.

    A removed statement hands the blank lines and comments above it to the next statement, so the
    file keeps its layout.
    """

    def __init__(self, planned: Plan) -> None:
        super().__init__()
        self._plan = planned

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return self._plan.replacements.get(original_node, updated_node)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = _hand_over(original_node.body, updated_node.body, self._plan.removals)
        return updated_node.with_changes(body=body or [cst.SimpleStatementLine([cst.Pass()])])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = _hand_over(original_node.body, updated_node.body, self._plan.removals)
        return updated_node.with_changes(body=body)


def _hand_over(
    originals: Sequence[cst.BaseStatement],
    updated: Sequence[cst.BaseStatement],
    removals: set[cst.CSTNode],
) -> list[cst.BaseStatement]:
    """Drop the statements removed; their blank lines and comments move to the next one."""
    result: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for original, statement in zip(originals, updated, strict=True):
        assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        if original in removals:
            carried.extend(statement.leading_lines)
            continue
        if carried:
            statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
            carried = []
        result.append(statement)
    return result


@dataclass(frozen=True)
class _Resource:
    """A `boto3.resource("dynamodb", ...)` call and the name it was assigned to, if any."""

    call: cst.Call
    variable: str | None


class _Planner:
    def __init__(self, module: cst.Module, collection: Collection, unsafe_fixes: bool) -> None:
        self._collection = collection
        self._resolver = Resolver(collection.module, return_annotations(collection))
        self._unsafe = unsafe_fixes
        positions = spans(module, [record.node for record in collection.calls])
        self._calls: dict[tuple[int, int], list[CallRecord]] = {}
        for record in collection.calls:
            start = positions[id(record.node)]
            self._calls.setdefault((start.line, start.column), []).append(record)
        self._statements = _assignment_statements(module)
        self._bodies = {id(r.scope): r.node for r in collection.functions}
        self._result = Plan()

    def plan(self, findings: Sequence[Finding]) -> Plan:
        tables: list[tuple[Finding, CallRecord, _Resource]] = []
        resources: list[tuple[Finding, CallRecord]] = []
        for finding in findings:
            record = self._record(finding) if finding.code in _FIXABLE else None
            reason = self._shape_reason(finding, record) or skip_reason(finding, self._unsafe)
            if reason is not None or record is None:
                self._skip(finding, reason or _LOST)
            elif finding.code == "DYN001":
                self._client(finding, record)
            elif finding.code == "DYN003":
                found = self._resolver.table_resource(record.node, record.scope)
                assert found is not None
                tables.append((finding, record, _Resource(*found)))
            else:
                resources.append((finding, record))
        consumed = self._tables(tables)
        for finding, record in resources:
            self._resource(finding, record, consumed)
        return self._result

    def _shape_reason(self, finding: Finding, record: CallRecord | None) -> str | None:
        """Why this call cannot move onto the helper whatever its arguments."""
        if finding.code not in _FIXABLE:
            return _SESSION
        if record is None:
            return _LOST
        creator = {"DYN001": "boto3.client", "DYN002": "boto3.resource"}.get(finding.code)
        if creator is not None:
            made = self._resolver.made_by(record.node, record.scope, creator)
            return None if made else _FROM_SESSION
        if self._resolver.table_resource(record.node, record.scope) is None:
            return "its DynamoDB resource is built elsewhere; use get_dynamo_table() by hand"
        return None

    def _record(self, finding: Finding) -> CallRecord | None:
        for record in self._calls.get((finding.line, finding.column), ()):
            classified = self._resolver.classify(record.node, record.scope)
            kind = classified.kind if classified is not None else None
            if kind is not None and BY_KIND[kind].code == finding.code:
                return record
        return None

    def _skip(self, finding: Finding, reason: str) -> None:
        self._result.skipped.append(Skip(finding, reason))

    def _fix(self, finding: Finding, helper: str) -> None:
        self._result.fixed.append(finding)
        self._result.helpers.add(helper)

    # -- clients and plain resources -------------------------------------------------------

    def _client(self, finding: Finding, record: CallRecord) -> None:
        self._result.replacements[record.node] = record.node.with_changes(
            func=cst.Name("get_client")
        )
        self._fix(finding, "get_client")

    def _resource(
        self, finding: Finding, record: CallRecord, consumed: dict[cst.Call, int]
    ) -> None:
        call = record.node
        if service_name(call) != "dynamodb":
            self._result.replacements[call] = call.with_changes(func=cst.Name("get_resource"))
            self._fix(finding, "get_resource")
            return
        if call in consumed and consumed[call] < 0:
            self._result.fixed.append(finding)
            return
        assignment = self._statements.get(call)
        if (
            call in consumed
            and assignment is not None
            and self._unused_after(record, consumed[call])
        ):
            self._result.removals.add(assignment[0])
            self._result.fixed.append(finding)
            return
        self._result.replacements[call] = _helper_call(
            "get_dynamo_resource", [], _resource_kwargs(call)
        )
        self._fix(finding, "get_dynamo_resource")

    # -- tables ----------------------------------------------------------------------------

    def _tables(
        self, tables: Iterable[tuple[Finding, CallRecord, _Resource]]
    ) -> dict[cst.Call, int]:
        """Rewrite Table calls; count, per resource call, the uses they absorb (-1: chained)."""
        consumed: dict[cst.Call, int] = {}
        for finding, record, resource in tables:
            table_args = _table_arguments(record.node)
            if table_args is None:
                self._skip(finding, "its Table(...) arguments are not a plain table name")
                continue
            self._result.replacements[record.node] = _helper_call(
                "get_dynamo_table", table_args, _resource_kwargs(resource.call)
            )
            self._fix(finding, "get_dynamo_table")
            if resource.variable is None:
                consumed[resource.call] = -1
            else:
                consumed[resource.call] = consumed.get(resource.call, 0) + 1
        return consumed

    def _unused_after(self, record: CallRecord, absorbed: int) -> bool:
        """The resource variable has no use left once the Table calls are rewritten."""
        assignment = self._statements.get(record.node)
        body = self._bodies.get(id(record.scope))
        if assignment is None or body is None:
            return False
        return _count_names(body, assignment[1]) - 1 == absorbed


_FROM_SESSION = "it is made from a Session: move the Session to module level by hand"
_SESSION = "Sessions are not rewritten: create the Session once at module level by hand"
_LOST = "dynalint could not find this call again"


def _resource_kwargs(call: cst.Call) -> list[cst.Arg]:
    """The resource call's arguments other than the service, every one as a keyword."""
    service = service_argument(call)
    kwargs: list[cst.Arg] = []
    positional = iter(_RESOURCE_PARAMETERS)
    for arg in call.args:
        if arg is service:
            continue
        if arg.keyword is None and not arg.star:
            kwargs.append(cst.Arg(arg.value, keyword=cst.Name(next(positional)), equal=_NO_SPACE))
        else:
            kwargs.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return kwargs


def _table_arguments(call: cst.Call) -> list[cst.Arg] | None:
    if len(call.args) != 1 or call.args[0].star:
        return None
    arg = call.args[0]
    if arg.keyword is not None and arg.keyword.value != "name":
        return None
    return [cst.Arg(arg.value)]


def _helper_call(name: str, args: list[cst.Arg], kwargs: list[cst.Arg]) -> cst.Call:
    every = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in (*args, *kwargs)]
    return cst.Call(func=cst.Name(name), args=every)


_Assignment = tuple[cst.SimpleStatementLine, str]


def _assignment_statements(module: cst.Module) -> dict[cst.CSTNode, _Assignment]:
    """`name = <call>` statement lines and their name, by call: resources the fix may remove."""
    found: dict[cst.CSTNode, _Assignment] = {}

    class _Find(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            if len(node.body) != 1 or not isinstance(node.body[0], cst.Assign):
                return
            assign = node.body[0]
            target = assign.targets[0].target
            if len(assign.targets) == 1 and isinstance(target, cst.Name):
                found[assign.value] = (node, target.value)

    module.visit(_Find())
    return found


def _count_names(node: cst.CSTNode, name: str) -> int:
    stack = [node]
    count = 0
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            count += 1
        stack.extend(children(current))
    return count
