"""Lazy initialisation: code that runs once because an `if` guards a long-lived target.

Two shapes count, both testing and assigning the same global, nonlocal, class attribute or
module-level dict entry:

    if _table is None:                  if _client is not None:
        _table = make_table()               return _client
                                        _client = boto3.client("s3")

An instance attribute (`self._client`) does not count: the instance may itself be per request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from dynalint.analysis.scopes import Scope
from dynalint.analysis.tree import children

_BLOCK_FIELDS = ("body", "orelse", "handlers", "finalbody")


def guards_target(node: cst.If, scope: Scope) -> bool:
    """The `if` body assigns a long-lived target that the test looks at."""
    mentioned = _mentions(node.test)
    return any(_key(target) in mentioned for target in _targets(node.body, scope))


def after_early_exit(
    statements: Sequence[cst.BaseStatement], scope: Scope
) -> Sequence[cst.BaseStatement]:
    """The statements after `if <target>: return <target>` that go on to assign that target."""
    for index, statement in enumerate(statements):
        if not (isinstance(statement, cst.If) and statement.orelse is None):
            continue
        if not _exits(statement.body):
            continue
        mentioned = _mentions(statement.test)
        rest = statements[index + 1 :]
        if any(_key(target) in mentioned for s in rest for target in _targets(s, scope)):
            return rest
    return ()


def _targets(node: cst.CSTNode, scope: Scope) -> Iterator[cst.BaseExpression]:
    return (target for target in _assigned(node) if _long_lived(target, scope))


def _assigned(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Assignment targets in a block, through nested compound statements but not into defs."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return
    if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
        for small in node.body:
            if isinstance(small, cst.Assign):
                yield from (target.target for target in small.targets)
            elif isinstance(small, cst.AnnAssign | cst.AugAssign):
                yield small.target
        return
    if isinstance(node, cst.IndentedBlock):
        for statement in node.body:
            yield from _assigned(statement)
        return
    for field in _BLOCK_FIELDS:
        child = getattr(node, field, None)
        items = child if isinstance(child, Sequence) else (child,)
        for item in items:
            if isinstance(item, cst.CSTNode):
                yield from _assigned(item)


def _long_lived(target: cst.BaseExpression, scope: Scope) -> bool:
    if isinstance(target, cst.Name):
        return target.value in scope.declared_global or target.value in scope.declared_nonlocal
    if isinstance(target, cst.Attribute):
        return _is_class_reference(target.value)
    if isinstance(target, cst.Subscript):
        holder = target.value
        if isinstance(holder, cst.Name):
            return holder.value not in scope.bindings
        return isinstance(holder, cst.Attribute) and _is_class_reference(holder.value)
    return False


def _is_class_reference(node: cst.BaseExpression) -> bool:
    """`cls`, `ClassName`, `self.__class__` or `type(self)`."""
    if isinstance(node, cst.Name):
        return node.value == "cls" or node.value[:1].isupper()
    if isinstance(node, cst.Attribute):
        return node.attr.value == "__class__"
    return (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "type"
    )


def _key(target: cst.BaseExpression) -> str | None:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript):
        return _key(target.value)
    return None


def _mentions(test: cst.CSTNode) -> set[str]:
    """Names, attribute names and strings (`hasattr(cls, "_client")`) that a test looks at."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.add(node.value)
        elif isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if isinstance(value, str):
                found.add(value)
        stack.extend(children(node))
    return found


def _exits(body: cst.BaseSuite) -> bool:
    statements = body.body
    if not statements:
        return False
    last = statements[-1]
    if isinstance(body, cst.SimpleStatementSuite):
        return isinstance(last, cst.Return | cst.Raise)
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        return isinstance(last.body[-1], cst.Return | cst.Raise)
    return False
