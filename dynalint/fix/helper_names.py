"""What a helper module already on disk binds and exports, read with libcst.

Apart from the rest of `fix.helper` so that `check` imports libcst only when a helper module
exists to be read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node

ParserSyntaxError = cst.ParserSyntaxError
_BLOCK_FIELDS = ("body", "orelse", "handlers", "finalbody")


def parse(source: str) -> cst.Module:
    """Raises ParserSyntaxError or RecursionError, which `parse_problem` words."""
    return cst.parse_module(source)


def top_level_names(tree: cst.Module) -> frozenset[str]:
    """Names bound at module level, also inside top-level `if`, `try` and `with` blocks."""
    return frozenset(_bound(tree.body))


def _bound(statements: Sequence[cst.CSTNode]) -> Iterator[str]:
    for statement in statements:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            yield statement.name.value
        elif isinstance(statement, cst.BaseSmallStatement):
            yield from _small_bound(statement)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                yield from _small_bound(small)
        else:
            yield from _nested_bound(statement)


def _nested_bound(statement: cst.CSTNode) -> Iterator[str]:
    """Names bound in a compound statement's blocks, which run at import time too."""
    for name in _BLOCK_FIELDS:
        child = getattr(statement, name, None)
        for item in child if isinstance(child, Sequence) else (child,):
            if isinstance(item, cst.BaseSuite):
                yield from _bound(item.body)
            elif isinstance(item, cst.CSTNode):
                yield from _nested_bound(item)


def _small_bound(small: cst.BaseSmallStatement) -> Iterator[str]:
    if isinstance(small, cst.Import):
        for alias in small.names:
            yield _alias_name(alias, head=True)
    elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        for alias in small.names:
            yield _alias_name(alias, head=False)
    elif isinstance(small, cst.Assign):
        for target in small.targets:
            yield from _target_names(target.target)
    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        yield from _target_names(small.target)


def _alias_name(alias: cst.ImportAlias, head: bool) -> str:
    """The name an import binds: its `as` name, else (for `import a.b`) its first part."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    dotted = get_full_name_for_node(alias.name) or ""
    return dotted.partition(".")[0] if head else dotted


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)


def literal_all(tree: cst.Module) -> set[str] | None:
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and _assigns_name(small, "__all__"):
                return _strings(small.value)
    return None


def _assigns_name(assign: cst.Assign, name: str) -> bool:
    return any(isinstance(t.target, cst.Name) and t.target.value == name for t in assign.targets)


def _strings(value: cst.BaseExpression) -> set[str] | None:
    if not isinstance(value, (cst.List, cst.Tuple)):
        return None
    strings = [e.value for e in value.elements if isinstance(e.value, cst.SimpleString)]
    return {name for name in (s.evaluated_value for s in strings) if isinstance(name, str)}


def parse_problem(source: str, error: Exception) -> str:
    """Worded as CPython words it, since that is the error the user would see on import."""
    if not isinstance(error, cst.ParserSyntaxError):
        return "too deeply nested to parse"
    try:
        ast.parse(source)
    except SyntaxError as python:
        return f"syntax error at line {python.lineno}, column {python.offset}: {python.msg}"
    return f"cannot parse at line {error.raw_line}, column {error.raw_column + 1}"
