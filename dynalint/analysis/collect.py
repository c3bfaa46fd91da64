"""One pass over a module's syntax tree that writes down scopes, bindings, calls and functions.

The walk answers no questions itself; `flow.Resolver` does, once the module has been read.
Only lazy-initialisation guards are judged here, since they are a matter of syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docstring_parser
import libcst as cst
from libcst.helpers import get_full_name_for_node

from dynalint.analysis import guards
from dynalint.analysis.scopes import (
    Assigned,
    Defined,
    Imported,
    Opaque,
    Parameter,
    Scope,
    ScopeKind,
)
from dynalint.analysis.tree import children


@dataclass(frozen=True)
class CallRecord:
    """`lazy`: inside a guard that runs once per process; `per_instance`: once per instance;
    `per_closure`: once per closure (a guard on a `nonlocal`); `unless`: the parameter whose
    default the call supplies (`if client is None: client = ...`); `stored`: what the call
    makes is assigned to a target that outlives the call (`Config.client = ...`)."""

    node: cst.Call
    scope: Scope
    lazy: bool
    per_instance: bool = False
    per_closure: bool = False
    unless: str | None = None
    stored: bool = False


@dataclass(frozen=True)
class ValueRecord:
    """A name or attribute used as a value (passed, stored, returned): it may be a function.

    `table` names the function-local dict, list, tuple or set literal it is an element of
    (`sources = {"s3": S3Source}`), the dispatch tables that call what they hold; `passed_to`
    is the call it is an argument of (`threading.Thread(target=refresh)`).
    """

    node: cst.BaseExpression
    scope: Scope
    lazy: bool
    table: str | None = None
    passed_to: cst.Call | None = None


@dataclass(frozen=True)
class FunctionRecord:
    qualname: str
    name: str
    node: cst.FunctionDef | cst.Lambda
    outer: Scope
    scope: Scope


@dataclass(frozen=True)
class ClassRecord:
    qualname: str
    node: cst.ClassDef
    outer: Scope
    scope: Scope


@dataclass
class Collection:
    module: str
    module_scope: Scope
    calls: list[CallRecord] = field(default_factory=list)
    values: list[ValueRecord] = field(default_factory=list)
    argv: list[ValueRecord] = field(default_factory=list)  # `x.argv`, maybe `sys.argv`
    returns: list[ValueRecord] = field(default_factory=list)  # what `return` statements give
    entered: list[ValueRecord] = field(default_factory=list)  # `with <item>:` context managers
    functions: list[FunctionRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)
    # function -> the long-lived targets it assigns what a call makes to (`Settings.ssm`)
    kept: dict[str, set[str]] = field(default_factory=dict)


def collect(module: cst.Module, module_name: str, is_package: bool) -> Collection:
    collector = _Collector(module_name, is_package)
    collector.walk(module)
    return collector.result


_VALUE_NODES = (cst.Name, cst.Attribute)
_TABLES = (cst.Dict, cst.List, cst.Tuple, cst.Set)


class _Collector:
    """A direct walk over the tree's fields: libcst's generic visitor costs ten times as much,
    and this pass runs on every file that can matter."""

    def __init__(self, module_name: str, is_package: bool) -> None:
        self._module = module_name
        self._package = module_name if is_package else module_name.rpartition(".")[0]
        self.scope = Scope(ScopeKind.MODULE, "", None, None)
        self.result = Collection(module_name, self.scope)
        self._lazy_nodes: dict[int, guards.Lifetime] = {}
        self._fallbacks: dict[int, str] = {}
        self._stored: set[int] = set()  # calls whose result a long-lived target keeps
        self._unless: list[str] = []
        self._depth = {lifetime: 0 for lifetime in guards.Lifetime}
        self._lambda_names: dict[int, str] = {}
        self._tables: dict[int, str] = {}  # element value -> the local table holding it
        self._anonymous = 0
        self._handlers: dict[type[cst.CSTNode], Callable[[Any], None]] = {
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.FunctionDef: self._function_def,
            cst.ClassDef: self._class_def,
            cst.Lambda: self._lambda,
            cst.Assign: self._assign,
            cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._aug_assign,
            cst.NamedExpr: self._named_expr,
            cst.For: self._for,
            cst.CompFor: self._for,
            cst.WithItem: self._with_item,
            cst.ExceptHandler: self._except_handler,
            cst.Call: self._call,
            cst.Attribute: self._attribute,
            cst.Return: self._return,
            cst.DictElement: self._element,
            cst.Element: self._element,
            cst.If: self._if,
            cst.BooleanOperation: self._boolean_operation,
            cst.IfExp: self._if_exp,
            cst.IndentedBlock: self._indented_block,
        }

    def walk(self, node: cst.CSTNode) -> None:
        lifetime = self._lazy_nodes.get(id(node))
        if lifetime is not None:
            self._depth[lifetime] += 1
        fallback = self._fallbacks.get(id(node))
        if fallback is not None:
            self._unless.append(fallback)
        handler = self._handlers.get(type(node))
        if handler is not None:
            handler(node)
        else:
            self._children(node)
        if fallback is not None:
            self._unless.pop()
        if lifetime is not None:
            self._depth[lifetime] -= 1

    def _children(self, node: cst.CSTNode) -> None:
        for child in children(node):
            self.walk(child)

    def _walk_all(self, *nodes: cst.CSTNode | Sequence[cst.CSTNode] | None) -> None:
        for node in nodes:
            if isinstance(node, cst.CSTNode):
                self.walk(node)
            elif node is not None:
                for item in node:
                    self.walk(item)

    # -- lazy-initialisation regions -------------------------------------------------------

    def _if(self, node: cst.If) -> None:
        lifetime = guards.guards_target(node, self.scope) if self.scope.is_function else None
        if lifetime is not None:
            self._lazy_nodes[id(node.body)] = lifetime
        elif self.scope.kind is ScopeKind.FUNCTION:
            fallback = guards.fallback_parameter(node, self.scope)
            if fallback is not None:
                self._fallbacks[id(node.body)] = fallback
        self._children(node)

    def _boolean_operation(self, node: cst.BooleanOperation) -> None:
        """`client or boto3.client("s3")` on a parameter: the right side is its default."""
        left = node.left
        if (
            self.scope.kind is ScopeKind.FUNCTION
            and isinstance(node.operator, cst.Or)
            and isinstance(left, cst.Name)
            and self.scope.is_parameter(left.value)
        ):
            self._fallbacks[id(node.right)] = left.value
        self._children(node)

    def _if_exp(self, node: cst.IfExp) -> None:
        """`client if client else boto3.client("s3")` on a parameter: a default too."""
        if self.scope.kind is ScopeKind.FUNCTION:
            found = guards.conditional_default(node, self.scope)
            if found is not None:
                self._fallbacks[id(found[1])] = found[0]
        self._children(node)

    def _indented_block(self, node: cst.IndentedBlock) -> None:
        if self.scope.is_function:
            rest, lifetime = guards.after_early_exit(node.body, self.scope)
            if lifetime is not None:
                self._lazy_nodes.update((id(s), lifetime) for s in rest)
        self._children(node)

    # -- imports ---------------------------------------------------------------------------

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = get_full_name_for_node(alias.name) or ""
            if alias.asname is not None:
                self._bind_name(alias.asname.name, Imported(dotted))
            else:
                head = dotted.partition(".")[0]
                self.scope.bind(head, Imported(head))

    def _import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        base = self._from_module(node)
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            target = f"{base}.{name}" if base else name
            self._bind_name(alias.asname.name if alias.asname else alias.name, Imported(target))

    def _from_module(self, node: cst.ImportFrom) -> str:
        written = (get_full_name_for_node(node.module) or "") if node.module is not None else ""
        if not node.relative:
            return written
        parts = self._package.split(".") if self._package else []
        parts = parts[: len(parts) - (len(node.relative) - 1)] if len(node.relative) > 1 else parts
        return ".".join(p for p in (*parts, written) if p)

    # -- definitions: decorators, defaults and bases run in the enclosing scope ------------

    def _function_def(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        qualname = outer.child_qualname(node.name.value)
        outer.bind(node.name.value, Defined(f"{self._module}.{qualname}", is_class=False))
        self._walk_all(node.decorators, node.params, node.returns)
        scope = Scope(ScopeKind.FUNCTION, qualname, outer, qualname)
        if outer.kind is ScopeKind.CLASS:
            positional = [*node.params.posonly_params, *node.params.params]
            if positional:
                scope.owner, scope.receiver = outer, positional[0].name.value
        self._bind_parameters(node.params, scope, _documented_types(node))
        _declare(node.body, scope)
        self.result.functions.append(FunctionRecord(qualname, node.name.value, node, outer, scope))
        self._inside(scope, node.body)

    def _class_def(self, node: cst.ClassDef) -> None:
        outer = self.scope
        qualname = outer.child_qualname(node.name.value)
        outer.bind(node.name.value, Defined(f"{self._module}.{qualname}", is_class=True))
        self._walk_all(node.decorators, node.bases, node.keywords)
        scope = Scope(ScopeKind.CLASS, qualname, outer, outer.function)
        scope.bases = tuple(base.value for base in node.bases)
        self.result.classes.append(ClassRecord(qualname, node, outer, scope))
        self._inside(scope, node.body)

    def _lambda(self, node: cst.Lambda) -> None:
        outer = self.scope
        self.walk(node.params)
        name = self._lambda_names.get(id(node))
        if name is None and outer.function is None:
            self._anonymous += 1
            name = f"<lambda#{self._anonymous}>"
        if name is not None:
            scope = Scope(ScopeKind.LAMBDA, name, outer, name)
            self.result.functions.append(FunctionRecord(name, name, node, outer, scope))
        else:
            # A lambda inside a function runs when that function uses it.
            scope = Scope(ScopeKind.LAMBDA, outer.qualname, outer, outer.function)
        self._bind_parameters(node.params, scope)
        self._inside(scope, node.body)

    def _inside(self, scope: Scope, body: cst.CSTNode) -> None:
        outer, self.scope = self.scope, scope
        self.walk(body)
        self.scope = outer

    def _bind_parameters(
        self, params: cst.Parameters, scope: Scope, documented: Mapping[str, str] | None = None
    ) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                every.append(star)
        for param in every:
            annotation = param.annotation.annotation if param.annotation else None
            name = param.name.value
            written = (documented or {}).get(name) if annotation is None else None
            scope.bind(name, Parameter(name, annotation, scope.parent or scope, written))

    # -- bindings --------------------------------------------------------------------------

    def _assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Lambda) and self.scope.kind is ScopeKind.MODULE:
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                name = node.targets[0].target.value
                self._lambda_names[id(node.value)] = name
                self.scope.bind(name, Defined(f"{self._module}.{name}", is_class=False))
                self._children(node)
                return
        for target in node.targets:
            self._bind_target(target.target, node.value)
        self._note_kept(node)
        self._note_table(node)
        self._note_value(node.value)
        lifetime = guards.or_default(node, self.scope) if self.scope.is_function else None
        if lifetime is not None:
            self._lazy_nodes[id(node.value)] = lifetime
        self._children(node)

    def _note_kept(self, node: cst.Assign) -> None:
        """A function assigning what a call makes to a target that outlives it."""
        function = self.scope.function
        if function is None or not isinstance(node.value, cst.Call):
            return
        held = [t.target for t in node.targets if guards.held_by_process(t.target, self.scope)]
        if held:
            self._stored.add(id(node.value))
            kept = self.result.kept.setdefault(function, set())
            kept.update(filter(None, map(get_full_name_for_node, held)))

    def _ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)
            self._note_value(node.value)
        self._children(node)

    def _aug_assign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)
        self._children(node)

    def _named_expr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)
        self._children(node)

    def _for(self, node: cst.For | cst.CompFor) -> None:
        self._bind_target(node.target, None)
        self._children(node)

    def _with_item(self, node: cst.WithItem) -> None:
        lazy = self._depth[guards.Lifetime.PROCESS] > 0
        self.result.entered.append(ValueRecord(node.item, self.scope, lazy))
        if node.asname is not None:
            self._bind_target(node.asname.name, node.item)
        self._children(node)

    def _except_handler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None)
        self._children(node)

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            binding = Assigned(value, self.scope) if value is not None else Opaque()
            self._bind_name(target, binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)
        elif isinstance(target, cst.Attribute):
            self._note_value(target)  # setting a property calls it
            if value is not None:
                self._bind_attribute(target, value)

    def _bind_name(self, name: cst.BaseExpression, binding: Imported | Assigned | Opaque) -> None:
        if isinstance(name, cst.Name):
            self.scope.binding_scope(name.value).bind(name.value, binding)

    def _bind_attribute(self, target: cst.Attribute, value: cst.BaseExpression) -> None:
        """`self.x = ...` and `cls.x = ...` in a method describe the class's attribute x."""
        owner = self.scope.method_owner()
        if owner is None or not isinstance(target.value, cst.Name):
            return
        cls, receiver = owner
        if target.value.value in (receiver, "cls", "self"):
            cls.attributes.setdefault(target.attr.value, []).append(Assigned(value, self.scope))

    # -- uses ------------------------------------------------------------------------------

    def _call(self, node: cst.Call) -> None:
        lazy = self._depth[guards.Lifetime.PROCESS] > 0
        per_instance = self._depth[guards.Lifetime.INSTANCE] > 0
        per_closure = self._depth[guards.Lifetime.CLOSURE] > 0
        unless = self._unless[-1] if self._unless else None
        stored = id(node) in self._stored
        self.result.calls.append(
            CallRecord(node, self.scope, lazy, per_instance, per_closure, unless, stored)
        )
        for arg in node.args:
            self._note_value(arg.value, passed_to=node)
        self._children(node)

    def _attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "argv":
            self.result.argv.append(ValueRecord(node, self.scope, lazy=False))
        self._children(node)

    def _return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._note_value(node.value)
            if self.scope.function is not None:
                self.result.returns.append(ValueRecord(node.value, self.scope, lazy=False))
        self._children(node)

    def _element(self, node: cst.Element | cst.DictElement) -> None:
        self._note_value(node.value)
        self._children(node)

    def _note_value(self, node: cst.BaseExpression, passed_to: cst.Call | None = None) -> None:
        if isinstance(node, _VALUE_NODES):
            lazy = self._depth[guards.Lifetime.PROCESS] > 0
            table = self._tables.get(id(node))
            self.result.values.append(ValueRecord(node, self.scope, lazy, table, passed_to))

    def _note_table(self, node: cst.Assign) -> None:
        """`name = {...}` / `[...]` / `(...)` in a function: its elements belong to table `name`."""
        if not self.scope.is_function or len(node.targets) != 1:
            return
        target, literal = node.targets[0].target, node.value
        if isinstance(target, cst.Name) and isinstance(literal, _TABLES):
            for element in literal.elements:
                if isinstance(element, cst.Element | cst.DictElement):
                    self._tables[id(element.value)] = target.value


def _documented_types(node: cst.FunctionDef) -> dict[str, str]:
    """The types a docstring gives parameters (Google, NumPy or reST style), read only when it
    may name a Session: the one object whose type decides what calls on it create."""
    docstring = node.get_docstring()
    if not docstring or "Session" not in docstring:
        return {}
    try:
        params = docstring_parser.parse(docstring).params
    except (docstring_parser.ParseError, ValueError):
        return {}
    return {param.arg_name: param.type_name for param in params if param.type_name}


def _declare(node: cst.CSTNode, scope: Scope) -> None:
    """Note `global` and `nonlocal` up front: guards before the statement depend on them."""
    if isinstance(node, cst.Global):
        scope.declared_global.update(item.name.value for item in node.names)
    elif isinstance(node, cst.Nonlocal):
        scope.declared_nonlocal.update(item.name.value for item in node.names)
    elif not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.BaseExpression)):
        for child in children(node):
            _declare(child, scope)
