"""Applying the fixes that findings carry to one module's text, and proving the result.

Nothing here decides what to rewrite: the rules did, and each finding carries its `Fix`. This
module applies the edits of the fixes it is given (a fix shared by several findings once), then
schedules the helper imports and the removal of the imports the edits left unused, which
libcst's AddImportsVisitor and RemoveImportsVisitor carry out. Before the text is handed back,
every helper name in it is resolved again by Python's own symbol tables: each must be bound by
the helper import and by nothing else, or the module is refused.
"""

from __future__ import annotations

import io
import re
import symtable
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import ImportAssignment, MetadataWrapper, ScopeProvider

from dynalint.analysis.tree import children
from dynalint.bindings import Bindings, Imported
from dynalint.types import Applicability, Edit, Finding, Fix

UNSAFE = "its arguments are computed by calls that may not be stable (use --unsafe-fixes)"
OVERLAP = "its fix overlaps another one; run dynalint fix again"
_STAR_AFTER = "a star import after the {helper} import could rebind its names"
_BOUND_ELSEWHERE = (
    "{alias} would not call {helper}.{name} everywhere it is used "
    "(the name is bound to something else)"
)
_LINE_END = re.compile(r"\r\n|\r|\n")
_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# f-strings are one STRING token before Python 3.12 and FSTRING_* tokens from it on.
_STRINGS = frozenset(
    {tokenize.STRING, *(getattr(tokenize, n, -1) for n in ("FSTRING_MIDDLE", "FSTRING_START"))}
)


@dataclass(frozen=True)
class Skip:
    finding: Finding
    reason: str


@dataclass(frozen=True)
class Applied:
    """The module's new text; `helpers` are the helper functions it now imports."""

    text: str
    fixed: tuple[Finding, ...]
    skipped: tuple[Skip, ...]
    helpers: frozenset[str]


class FixRefused(Exception):
    """The fixed module would not mean what the original meant; nothing may be written."""


def apply_fixes(text: str, findings: Sequence[Finding], *, unsafe_fixes: bool) -> Applied:
    """`text` with the fixes of `findings` applied. Raises FixRefused when the result does not
    parse or a helper name in it does not resolve to the helper import."""
    chosen: dict[Fix, list[Finding]] = {}
    skipped: list[Skip] = []
    for finding in findings:
        reason = _unapplied(finding, unsafe_fixes)
        if reason is not None:
            skipped.append(Skip(finding, reason))
        elif finding.fix is not None:
            chosen.setdefault(finding.fix, []).append(finding)
    applied = _without_overlaps(chosen, skipped)
    if not applied:
        return Applied(text, (), tuple(skipped), frozenset())
    fixes = list(applied)
    new_text = _imports(text, _edited(text, [e for fix in fixes for e in fix.edits]), fixes)
    _prove(new_text, fixes)
    fixed = tuple(finding for fix in fixes for finding in applied[fix])
    helpers = frozenset(i.name for fix in fixes for i in fix.imports)
    return Applied(new_text, fixed, tuple(skipped), helpers)


def _unapplied(finding: Finding, unsafe_fixes: bool) -> str | None:
    if finding.fix is None:
        return finding.no_fix or "it has no fix"
    if finding.fix.applicability is Applicability.UNSAFE and not unsafe_fixes:
        return UNSAFE
    return None


def _without_overlaps(
    chosen: dict[Fix, list[Finding]], skipped: list[Skip]
) -> dict[Fix, list[Finding]]:
    """ruff's rule: fixes apply in order of position, outer ones first, and one that overlaps
    an earlier one waits for the next run, unless its findings' calls lie wholly inside what
    the earlier one replaced (`boto3.resource("dynamodb").Table(x)` rewritten as a Table takes
    its resource with it): those are fixed by it."""
    kept: dict[Fix, list[Finding]] = {}
    for fix in sorted(chosen, key=_extent):
        earlier = [k for k in kept if any(_overlap(a, b) for a in fix.edits for b in k.edits)]
        if not earlier:
            kept[fix] = list(chosen[fix])
            continue
        for finding in chosen[fix]:
            outer = next((k for k in earlier if _replaces(k, finding)), None)
            if outer is not None:
                kept[outer].append(finding)
            else:
                skipped.append(Skip(finding, OVERLAP))
    return kept


def _extent(fix: Fix) -> tuple[tuple[int, int], tuple[int, int]]:
    start = min((e.line, e.column) for e in fix.edits)
    end = max((e.end_line, e.end_column) for e in fix.edits)
    return start, (-end[0], -end[1])


def _overlap(a: Edit, b: Edit) -> bool:
    return (a.line, a.column) < (b.end_line, b.end_column) and (b.line, b.column) < (
        a.end_line,
        a.end_column,
    )


def _replaces(fix: Fix, finding: Finding) -> bool:
    start, end = (finding.line, finding.column), (finding.end_line, finding.end_column)
    return any((e.line, e.column) <= start and end <= (e.end_line, e.end_column) for e in fix.edits)


def _edited(text: str, edits: Iterable[Edit]) -> str:
    starts = [0, *(match.end() for match in _LINE_END.finditer(text))]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1 if line <= len(starts) else len(text)

    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        text = text[:start] + edit.content + text[end:]
    return text


# -- imports ------------------------------------------------------------------------------


def _imports(original: str, edited: str, fixes: Sequence[Fix]) -> str:
    try:
        before, tree = cst.parse_module(original), cst.parse_module(edited)
    except cst.ParserSyntaxError as error:
        raise FixRefused(f"the fixed code does not parse ({error.message})") from None
    helper = fixes[0].helper_module
    wanted = {(i.name, i.alias) for fix in fixes for i in fix.imports}
    items = [ImportItem(helper, name, alias if alias != name else None) for name, alias in wanted]
    items.sort(key=lambda i: i.obj_name or "")
    pruned = {module for fix in fixes for module in fix.prunes}
    # libcst's import visitors refuse a default indentation holding a form feed, which Python
    # skips as whitespace: they run with it left out, and it is put back for the rendering.
    indent = tree.default_indent
    tree = tree.with_changes(default_indent=indent.replace("\f", "") or "    ")
    tree = _with_imports_fast(tree, edited, items, pruned) or _with_imports(tree, items, pruned)
    tree = tree.with_changes(default_indent=indent)
    placed = _in_place_of_removed(before, tree, helper, pruned)
    return _without_blank_start(_after_star_imports(placed, helper)).code


def _with_imports(tree: cst.Module, items: list[ImportItem], pruned: set[str]) -> cst.Module:
    """The helper imports added, and the imports of `pruned` modules that no longer have a use
    removed, by libcst's visitors over the whole module."""
    context = CodemodContext()
    tree = AddImportsVisitor(context, items).transform_module(tree)
    unused = list(_imports_of(tree, pruned))
    return RemoveImportsVisitor(context, unused).transform_module(tree)


def _with_imports_fast(
    tree: cst.Module, edited: str, items: list[ImportItem], pruned: set[str]
) -> cst.Module | None:
    """What `_with_imports` gives, for the price of the module's import lines: libcst's
    visitors walk every node, seconds to minutes on a large module, but they only ever change
    module-level import lines. So they run on the module with every other statement held out
    behind a placeholder line, and the held statements go back in afterwards, with the blank
    lines the visitors gave their placeholders. Whether an import still has a use is settled
    first (`_unused_imports`); None when it cannot be: then the slow way decides."""
    held: dict[str, cst.BaseStatement] = {}
    body: list[cst.BaseStatement] = []
    for statement in tree.body:
        if _import_line_or_docstring(statement):
            body.append(statement)
            continue
        marker = f"__dynalint_held_{len(held)}__"
        held[marker] = statement
        body.append(
            cst.SimpleStatementLine(
                [cst.Expr(cst.Name(marker))], leading_lines=_leading_lines(statement)
            )
        )
    unused = _unused_imports(edited, list(_imports_of(tree, pruned)))
    if unused is None or not held:
        return None
    context = CodemodContext()
    stub = AddImportsVisitor(context, items).transform_module(tree.with_changes(body=body))
    stub = RemoveImportsVisitor(context, unused).transform_module(stub)
    restored: list[cst.BaseStatement] = []
    for statement in stub.body:
        placeholder = _held_marker(statement)
        if placeholder is None:
            restored.append(statement)
            continue
        # The visitors set the blank lines above the code after the imports: keep theirs.
        assert isinstance(statement, cst.SimpleStatementLine)
        original = held.pop(placeholder)
        restored.append(original.with_changes(leading_lines=statement.leading_lines))
    return tree.with_changes(body=restored) if not held else None


def _unused_imports(
    text: str, imports: list[tuple[str, str | None, str | None]]
) -> list[tuple[str, str | None, str | None]] | None:
    """Those of `imports` (module, name, alias) whose bound name has no use left, decided as
    libcst's scope analysis decides it: used when Python's own symbol tables see it read as the
    module's global anywhere, unused when it appears as a name token only in these imports and
    in no string (an annotation, `__all__`). None when neither is certain for some name."""
    bound = {_bound_name(entry) for entry in imports}
    if not bound:
        return []
    spelled = Counter(
        part
        for module, name, alias in imports
        for part in (*module.split("."), name, alias)
        if part is not None
    )
    seen: Counter[str] = Counter()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.string in bound:
                seen[token.string] += 1
            elif token.type in _STRINGS and bound & set(_WORDS.findall(token.string)):
                return None
        tables = symtable.symtable(text, "<fixed>", "exec")
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    used = _read_as_globals(tables, bound)
    if any(seen[name] > spelled[name] and name not in used for name in bound):
        return None
    return [entry for entry in imports if _bound_name(entry) not in used]


def _bound_name(entry: tuple[str, str | None, str | None]) -> str:
    module, name, alias = entry
    return alias or name or module.split(".")[0]


def _read_as_globals(table: symtable.SymbolTable, names: Set[str]) -> set[str]:
    """The `names` read anywhere in the module as the module's own globals."""
    found: set[str] = set()
    module_level = table.get_type() == "module"
    for name in names & set(table.get_identifiers()):
        symbol = table.lookup(name)
        if symbol.is_referenced() and (module_level or symbol.is_global()):
            found.add(name)
    for child in table.get_children():
        found |= _read_as_globals(child, names - found)
    return found


def _import_line_or_docstring(statement: cst.BaseStatement) -> bool:
    """What libcst's import visitors look at: import lines, and a docstring they go below."""
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, (cst.Import, cst.ImportFrom))
        or (
            isinstance(small, cst.Expr)
            and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
        )
        for small in statement.body
    )


def _held_marker(statement: cst.BaseStatement) -> str | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Name):
            name = small.value.value
            return name if name.startswith("__dynalint_held_") else None
    return None


def _leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return statement.leading_lines


def _imports_of(
    tree: cst.Module, modules: set[str]
) -> Iterator[tuple[str, str | None, str | None]]:
    """Every module-level import from `modules`, for RemoveImportsVisitor to drop if unused."""
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = get_full_name_for_node(alias.name) or ""
                    if name.split(".")[0] in modules:
                        yield name, None, _asname(alias)
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                module = get_full_name_for_node(small.module) or ""
                if module.split(".")[0] in modules and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        yield module, get_full_name_for_node(alias.name), _asname(alias)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


def _in_place_of_removed(
    before: cst.Module, after: cst.Module, helper: str, pruned: set[str]
) -> cst.Module:
    """Put the helper import where the boto3 import it replaces stood, with its blank lines.

    AddImportsVisitor appends new imports after the last one, and RemoveImportsVisitor drops a
    removed import's leading lines; together they would glue the helper import onto another
    group. Moving that one line afterwards keeps the diff to `-import boto3 / +from ... import`.
    """
    added = [s for s in after.body if _imports_from(s, {helper})]
    imported = [s for s in before.body if _imports_from(s, pruned)]
    kept = [s for s in after.body if _imports_from(s, pruned)]
    gone = [s for s in imported if not any(s.deep_equals(k) for k in kept)]
    was_there = any(_imports_from(s, {helper}) for s in before.body)
    if was_there or len(added) != 1 or not gone or len(kept) + len(gone) != len(imported):
        return after
    # The edits never remove module-level statements, so the others keep their order.
    at = next(i for i, s in enumerate(before.body) if s is gone[0])
    body = [s for s in after.body if s is not added[0]]
    moved = added[0].with_changes(leading_lines=gone[0].leading_lines)
    return after.with_changes(body=[*body[:at], moved, *body[at:]])


def _after_star_imports(tree: cst.Module, helper: str) -> cst.Module:
    """A star import run after a helper import could rebind its names: every helper import
    above the last star import (of another module) goes below it."""
    body = list(tree.body)
    stars = [i for i, s in enumerate(body) if _foreign_star_import(s, helper)]
    helpers = [
        i for i, s in enumerate(body) if _imports_from(s, {helper}) and not _has_star_import(s)
    ]
    above = [i for i in helpers if stars and i < stars[-1]]
    if not above:
        return tree
    moved = [body[i].with_changes(leading_lines=()) for i in above]
    rest = [s for i, s in enumerate(body) if i not in above]
    at = rest.index(body[stars[-1]]) + 1
    return tree.with_changes(body=[*rest[:at], *moved, *rest[at:]])


def _foreign_star_import(statement: cst.CSTNode, helper: str) -> bool:
    """A star import of another module than the helper (whose own star import binds the same
    functions)."""
    return _has_star_import(statement) and not _imports_from(statement, {helper})


def _without_blank_start(tree: cst.Module) -> cst.Module:
    """An import removed from the top leaves the blank lines that followed it at the top."""
    if not tree.body or tree.header:
        return tree
    first = tree.body[0]
    if first.leading_lines and all(line.comment is None for line in first.leading_lines):
        return tree.with_changes(body=[first.with_changes(leading_lines=()), *tree.body[1:]])
    return tree


def _has_star_import(node: cst.CSTNode) -> bool:
    """A star import in this module-level statement, also inside its if/try/with blocks."""
    if isinstance(node, cst.ImportFrom):
        return isinstance(node.names, cst.ImportStar)
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.BaseExpression)):
        return False
    return any(_has_star_import(child) for child in children(node))


def _imports_from(statement: cst.CSTNode, modules: set[str]) -> bool:
    """A line that only imports from `modules` or their submodules."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        return _within(get_full_name_for_node(small.module), modules)
    if isinstance(small, cst.Import):
        return all(_within(get_full_name_for_node(alias.name), modules) for alias in small.names)
    return False


def _within(name: str | None, modules: set[str]) -> bool:
    return name is not None and any(name == m or name.startswith(f"{m}.") for m in modules)


# -- the proof ----------------------------------------------------------------------------


def _prove(text: str, fixes: Sequence[Fix]) -> None:
    """Every helper name must be bound by `from <helper> import name [as alias]` and by
    nothing else in any scope, with no star import after it that could rebind it, as Python's
    own symbol tables see it; libcst's scope analysis judges code this Python cannot read."""
    helper = fixes[0].helper_module
    expected = {i.alias: i.name for fix in fixes for i in fix.imports}
    bindings = Bindings.of(text)
    if bindings is None:
        _prove_by_scopes(text, helper, expected)
        return
    if bindings.star_import_after(helper):
        raise FixRefused(_STAR_AFTER.format(helper=helper))
    sole = bindings.sole_imports(set(expected))
    for alias, name in expected.items():
        if sole.get(alias) != Imported(helper, name):
            raise FixRefused(_BOUND_ELSEWHERE.format(alias=alias, helper=helper, name=name))


def _prove_by_scopes(text: str, helper: str, expected: dict[str, str]) -> None:
    """Every use of a helper name must reach the helper import, by libcst's scope analysis."""
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise FixRefused(f"the fixed code does not parse ({error.message})") from None
    body = tree.body
    first_helper = next((i for i, s in enumerate(body) if _imports_from(s, {helper})), len(body))
    if any(_foreign_star_import(s, helper) for s in body[first_helper + 1 :]):
        raise FixRefused(_STAR_AFTER.format(helper=helper))
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    for scope in set(wrapper.resolve(ScopeProvider).values()):
        if scope is None:
            continue
        for access in scope.accesses:
            node = access.node
            if isinstance(node, cst.Name) and node.value in expected:
                name = expected[node.value]
                if not access.referents or not all(
                    _is_helper_import(r, helper, name) for r in access.referents
                ):
                    raise FixRefused(
                        _BOUND_ELSEWHERE.format(alias=node.value, helper=helper, name=name)
                    )


def _is_helper_import(referent: object, helper: str, name: str) -> bool:
    if not isinstance(referent, ImportAssignment):
        return False
    node = referent.node
    return (
        isinstance(node, cst.ImportFrom)
        and not node.relative
        and node.module is not None
        and get_full_name_for_node(node.module) == helper
        and not isinstance(node.names, cst.ImportStar)
        and any(
            alias.evaluated_name == name and (alias.evaluated_alias or name) == referent.name
            for alias in node.names
        )
    )
