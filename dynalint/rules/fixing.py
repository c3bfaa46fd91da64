"""What a rule's fix is made of before it has positions: edits on nodes, helpers by name.

A rule's `fix` function gets a `FixSite` for each of its creation sites and returns the ways to
fix it (`Plan`s, best first) or the reason there is none. The model builder turns the plans of a
whole module into `Fix` values in one positions pass, so a rule never counts lines or columns.

Helper functions are bound to names that are free in the module: `get_client` itself when the
module binds, reads or declares no such name anywhere (in any scope, as a def, class, import,
assignment, parameter, loop or comprehension variable, attribute or `global`), else the first
free one of `cached_get_client`, `cached_get_client_2`, ... A helper the module already imports
from the helper module keeps the name it is imported under.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node

from dynalint.analysis.collect import Collection
from dynalint.analysis.flow import Resolver, service_argument
from dynalint.analysis.model import Creation
from dynalint.analysis.scopes import Scope
from dynalint.analysis.tree import children
from dynalint.bindings import Bindings
from dynalint.types import BOTO3, Applicability

# Why a creation has no fix, in words shared by the rules.

_NO_SPACE = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


@dataclass(frozen=True)
class NodeEdit:
    """Replace `node`'s text with `content`; `whole_lines` deletes the lines it stands on."""

    node: cst.CSTNode
    content: str
    whole_lines: bool = False


@dataclass(frozen=True)
class Plan:
    """One way to fix a site. `needs` are the module's sites (by index) whose code the plan
    rewrites too: it is chosen only when every one of them is reported."""

    applicability: Applicability
    message: str
    edits: tuple[NodeEdit, ...]
    helpers: tuple[str, ...]
    needs: frozenset[int]
    prunes: tuple[str, ...] = BOTO3


Outcome = list[Plan] | str


@dataclass(frozen=True, eq=False)
class FixSite:
    index: int
    call: cst.Call
    scope: Scope
    kind: Creation | None
    module: ModuleFixes

    @property
    def resolver(self) -> Resolver:
        return self.module.resolver

    @property
    def safety(self) -> Applicability:
        return self.resolver.safety(self.call, self.scope)[0]

    def plan(
        self,
        message: str,
        edits: Sequence[NodeEdit],
        helpers: Sequence[str],
        prunes: tuple[str, ...] = BOTO3,
    ) -> Plan:
        """`prunes`: the libraries whose imports the edits may leave unused."""
        needs = frozenset({self.index})
        return Plan(self.safety, message, tuple(edits), tuple(helpers), needs, prunes)


@dataclass(eq=False)
class ModuleFixes:
    """What the fixes of one module share: its tree, its resolver and the helper names."""

    module: cst.Module
    collection: Collection
    resolver: Resolver
    helper_module: str
    sites: list[FixSite] = field(default_factory=list)
    # Plans shared by several sites, computed by the first that asks (by the owner's index).
    memo: dict[int, Plan | None] = field(default_factory=dict)

    def add(self, call: cst.Call, scope: Scope, kind: Creation | None) -> FixSite:
        site = FixSite(len(self.sites), call, scope, kind, self)
        self.sites.append(site)
        return site

    # -- helper names ----------------------------------------------------------------------

    def bound_name(self, helper: str) -> str:
        """The name `helper` is called by in this module once the fix has imported it."""
        return self._names[helper] if helper in self._names else self._free(helper)

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        """Helpers the module already imports from the helper module, by imported name, under
        a name nothing else binds (a local `get_client = None` would hide the import)."""
        imported = self._imported_names()
        if not imported:
            return {}  # spares rendering and reading the whole module again
        bindings = Bindings.of(self.module.code)
        alone = bindings.sole_imports(set(imported.values())) if bindings else {}
        return {name: bound for name, bound in imported.items() if bound in alone}

    @functools.cached_property
    def star_imports_helper(self) -> bool:
        """`from <helper> import *` at module level: libcst's scope analysis cannot say which
        names it binds, so no fix could be proven to call the helper."""
        return any(isinstance(node.names, cst.ImportStar) for node in self._helper_imports())

    def _imported_names(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for node in self._helper_imports():
            if isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                name = get_full_name_for_node(alias.name) or ""
                asname = alias.asname.name if alias.asname else alias.name
                if isinstance(asname, cst.Name):
                    found[name] = asname.value
        return found

    def _helper_imports(self) -> Iterator[cst.ImportFrom]:
        """The module-level `from <helper> import ...` statements."""
        for statement in self.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if (
                        isinstance(small, cst.ImportFrom)
                        and not small.relative
                        and small.module is not None
                        and get_full_name_for_node(small.module) == self.helper_module
                    ):
                        yield small

    @functools.cached_property
    def _taken(self) -> frozenset[str]:
        return frozenset(_names_in(self.module))

    def _free(self, helper: str) -> str:
        taken = self._taken
        if helper not in taken:
            return helper
        numbered = (f"cached_{helper}_{n}" for n in itertools.count(2))
        return next(n for n in itertools.chain([f"cached_{helper}"], numbered) if n not in taken)

    # -- code ------------------------------------------------------------------------------

    def use(self, helper: str) -> str:
        """A fix's message: what the fixed code calls instead."""
        return f"Use {self.bound_name(helper)}(...) from {self.helper_module}"

    def helper_call(self, helper: str, args: Sequence[cst.Arg]) -> str:
        every = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]
        call = cst.Call(func=cst.Name(self.bound_name(helper)), args=every)
        return self.module.code_for_node(call)

    def renamed_call(self, call: cst.Call, helper: str) -> NodeEdit:
        """`call` with only its callee replaced: `boto3.client("s3")` -> `get_client("s3")`."""
        return NodeEdit(call.func, self.bound_name(helper))

    @functools.cached_property
    def assignments(self) -> dict[cst.CSTNode, tuple[cst.SimpleStatementLine, str, bool]]:
        """`name = <call>` statement lines in function bodies, by call: the statement, the name
        and whether it stands alone in its block (removing it would leave the block empty)."""
        return dict(_assignments(self.module))


def keyword_arguments(call: cst.Call, positional: Sequence[str]) -> list[cst.Arg]:
    """The call's arguments other than the service, every one as a keyword, positional ones
    named after `positional` (the creator's parameters after `service_name`)."""
    service = service_argument(call)
    names = iter(positional)
    found: list[cst.Arg] = []
    for arg in call.args:
        if arg is service:
            continue
        if arg.keyword is None and not arg.star:
            found.append(cst.Arg(arg.value, keyword=cst.Name(next(names)), equal=_NO_SPACE))
        else:
            found.append(arg)
    return found


def count_names(node: cst.CSTNode, name: str) -> int:
    return sum(1 for found in _names_in(node) if found == name)


def _names_in(node: cst.CSTNode) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current.value
        stack.extend(children(current))


def _assignments(
    module: cst.Module,
) -> Iterator[tuple[cst.CSTNode, tuple[cst.SimpleStatementLine, str, bool]]]:
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.IndentedBlock):
            alone = len(node.body) == 1
            for statement in node.body:
                found = _single_assignment(statement)
                if found is not None:
                    yield found[0], (found[1], found[2], alone)
        stack.extend(children(node))


def _single_assignment(
    statement: cst.CSTNode,
) -> tuple[cst.BaseExpression, cst.SimpleStatementLine, str] | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    return (assign.value, statement, target.value) if isinstance(target, cst.Name) else None


FixFunction = Callable[[FixSite], Outcome]
