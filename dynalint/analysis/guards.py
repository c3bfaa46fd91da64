"""Lazy initialisation: code that runs once because an `if` guards a long-lived target.

Two shapes count, both testing and assigning the same global, nonlocal, class attribute,
attribute of a module-level object (a `threading.local()`) or module-level dict entry:

    if _table is None:                  if _client is not None:
        _table = make_table()               return _client
                                        _client = boto3.client("s3")

`x = x or make()` counts too, and so does a test of a local read out of the target: a pool
keyed by a tuple, `client = _POOL.get(key)` then `if client is None: _POOL[key] = client = ...`.
An instance attribute (`self._client`) makes the creation run once per instance rather than once
per process: it then runs as often as the class is instantiated, which the caller judges from the
class's `__init__`. A `nonlocal` makes it run once per closure: as often as the function that
made the closure runs. Flask's `g` is no such object: the framework empties it for every request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import Enum

import libcst as cst

from dynalint.analysis.names import REQUEST_GLOBALS
from dynalint.analysis.scopes import Assigned, Imported, Scope
from dynalint.analysis.tree import children

_BLOCK_FIELDS = ("body", "orelse", "handlers", "finalbody")


class Lifetime(Enum):
    """How long what a guarded block creates lives, and so how often the block runs; declared
    longest first, the order a guard of several targets is judged in."""

    PROCESS = "process"
    CLOSURE = "closure"
    INSTANCE = "instance"


def guards_target(node: cst.If, scope: Scope) -> Lifetime | None:
    """The `if` body assigns a long-lived target that the test looks at."""
    return _longest(_tested(node.test, scope), _targets(node.body, scope))


def fallback_parameter(node: cst.If, scope: Scope) -> str | None:
    """`if client is None: client = ...` (or `if not client:`) on a parameter: the body
    supplies a default that only calls omitting the argument need."""
    found = _missing_test(node.test, scope)
    if found is None or not found[1]:
        return None
    assigned = (t for t in _assigned(node.body) if isinstance(t, cst.Name))
    return found[0] if any(t.value == found[0] for t in assigned) else None


def conditional_default(node: cst.IfExp, scope: Scope) -> tuple[str, cst.BaseExpression] | None:
    """`client if client else boto3.client(...)` (or `... is not None`, or the branches the
    other way round under `is None` or `not`): the parameter, and the branch that supplies its
    default."""
    found = _missing_test(node.test, scope)
    if found is None:
        return None
    name, holds_when_missing = found
    default, given = (node.body, node.orelse) if holds_when_missing else (node.orelse, node.body)
    return (name, default) if isinstance(given, cst.Name) and given.value == name else None


def _missing_test(test: cst.BaseExpression, scope: Scope) -> tuple[str, bool] | None:
    """The parameter a test checks for a missing argument, and whether the test holds when it
    is missing: `p is None` and `not p` do, `p is not None` and `p` do not."""
    name: cst.BaseExpression = test
    holds_when_missing = False
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if not (isinstance(target.comparator, cst.Name) and target.comparator.value == "None"):
            return None
        if not isinstance(target.operator, cst.Is | cst.IsNot):
            return None
        name, holds_when_missing = test.left, isinstance(target.operator, cst.Is)
    elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        name, holds_when_missing = test.expression, True
    if not isinstance(name, cst.Name) or not scope.is_parameter(name.value):
        return None
    return name.value, holds_when_missing


def held_by_process(target: cst.BaseExpression, scope: Scope) -> bool:
    """The target outlives every call: a global, a class attribute, an entry of a module-level
    dict, an attribute of a module-level object."""
    return _lifetime(target, scope) is Lifetime.PROCESS


def after_early_exit(
    statements: Sequence[cst.BaseStatement], scope: Scope
) -> tuple[Sequence[cst.BaseStatement], Lifetime | None]:
    """The statements after `if <target>: return <target>` that go on to assign that target."""
    for index, statement in enumerate(statements):
        if not (isinstance(statement, cst.If) and statement.orelse is None):
            continue
        if not _exits(statement.body):
            continue
        rest = statements[index + 1 :]
        targets = (found for s in rest for found in _targets(s, scope))
        lifetime = _longest(_tested(statement.test, scope), targets)
        if lifetime is not None:
            return rest, lifetime
    return (), None


def or_default(node: cst.Assign, scope: Scope) -> Lifetime | None:
    """`_client = _client or boto3.client(...)`: the right side runs only while unset."""
    value = node.value
    if len(node.targets) != 1 or not isinstance(value, cst.BooleanOperation):
        return None
    if not isinstance(value.operator, cst.Or):
        return None
    target = node.targets[0].target
    lifetime = _lifetime(target, scope)
    return lifetime if lifetime is not None and target.deep_equals(value.left) else None


def _longest(
    mentioned: set[str], targets: Iterator[tuple[cst.BaseExpression, Lifetime]]
) -> Lifetime | None:
    found = {lifetime for target, lifetime in targets if _key(target) in mentioned}
    return next((lifetime for lifetime in Lifetime if lifetime in found), None)


def _targets(node: cst.CSTNode, scope: Scope) -> Iterator[tuple[cst.BaseExpression, Lifetime]]:
    for target in _assigned(node):
        lifetime = _lifetime(target, scope)
        if lifetime is not None:
            yield target, lifetime


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


def _lifetime(target: cst.BaseExpression, scope: Scope) -> Lifetime | None:
    if isinstance(target, cst.Name):
        if target.value in scope.declared_nonlocal:
            return Lifetime.CLOSURE
        return Lifetime.PROCESS if target.value in scope.declared_global else None
    if isinstance(target, cst.Attribute):
        return _attribute_lifetime(target.value, scope)
    if isinstance(target, cst.Subscript):
        holder = target.value
        if isinstance(holder, cst.Name):
            return Lifetime.PROCESS if holder.value not in scope.bindings else None
        if isinstance(holder, cst.Attribute):
            return _attribute_lifetime(holder.value, scope)
    return None


def _attribute_lifetime(holder: cst.BaseExpression, scope: Scope) -> Lifetime | None:
    """An attribute lives as long as what holds it: a class, `self`, or a module-level object
    (a `threading.local()`, a namespace); `self._local.client` as long as `self`."""
    if _is_class_reference(holder):
        return Lifetime.PROCESS
    owner = scope.method_owner()
    if isinstance(holder, cst.Name):
        if owner is not None and holder.value == owner[1]:
            return Lifetime.INSTANCE
        if holder.value in scope.bindings or _request_global(holder.value, scope):
            return None
        return Lifetime.PROCESS
    if isinstance(holder, cst.Attribute):
        return _attribute_lifetime(holder.value, scope)
    return None


def _request_global(name: str, scope: Scope) -> bool:
    """A module-level name bound to a framework's per-request namespace (Flask's `g`), which
    the framework empties for every request: what it keeps lives as long as the request."""
    found = scope.lookup(name)
    bindings = found[1] if found is not None else []
    return any(isinstance(b, Imported) and b.qualified in REQUEST_GLOBALS for b in bindings)


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


def _tested(test: cst.CSTNode, scope: Scope) -> set[str]:
    """What a test looks at, a local read out of a container (`client = _POOL.get(key)`,
    `_POOL[key]`, or either in a conditional expression) standing for the container too."""
    found = _mentions(test)
    for name in list(found):
        for binding in scope.bindings.get(name, ()):
            if isinstance(binding, Assigned):
                found.update(filter(None, map(_key, _containers(binding.value))))
    return found


def _containers(value: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        if value.func.attr.value == "get":
            yield value.func.value
    elif isinstance(value, cst.Subscript):
        yield value.value
    elif isinstance(value, cst.IfExp):
        yield from _containers(value.body)
        yield from _containers(value.orelse)


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
