"""One pass over a module's syntax tree that writes down scopes, bindings, calls and functions.

The visitor answers no questions itself; `flow.Resolver` does, once the module has been read.
Only lazy-initialisation guards are judged here, since they are a matter of syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

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


@dataclass(frozen=True)
class CallRecord:
    node: cst.Call
    scope: Scope
    lazy: bool


@dataclass(frozen=True)
class ValueRecord:
    """A name or attribute used as a value (passed, stored, returned): it may be a function."""

    node: cst.BaseExpression
    scope: Scope
    lazy: bool


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
    functions: list[FunctionRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)


def collect(module: cst.Module, module_name: str, is_package: bool) -> Collection:
    collector = _Collector(module_name, is_package)
    module.visit(collector)
    return collector.result


_VALUE_NODES = (cst.Name, cst.Attribute)


class _Collector(cst.CSTVisitor):
    def __init__(self, module_name: str, is_package: bool) -> None:
        super().__init__()
        self._module = module_name
        self._package = module_name if is_package else module_name.rpartition(".")[0]
        self.scope = Scope(ScopeKind.MODULE, "", None, None)
        self.result = Collection(module_name, self.scope)
        self._lazy_nodes: set[int] = set()
        self._lazy_depth = 0
        self._lambda_names: dict[int, str] = {}
        self._anonymous = 0
        self._class_scopes: dict[int, Scope] = {}

    # -- lazy-initialisation regions -------------------------------------------------------

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self._lazy_nodes:
            self._lazy_depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if id(original_node) in self._lazy_nodes:
            self._lazy_depth -= 1

    def visit_If(self, node: cst.If) -> None:
        if self.scope.is_function and guards.guards_target(node, self.scope):
            self._lazy_nodes.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if self.scope.is_function:
            self._lazy_nodes.update(id(s) for s in guards.after_early_exit(node.body, self.scope))

    # -- imports ---------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if alias.asname is not None:
                self._bind_name(alias.asname.name, Imported(dotted))
            else:
                head = dotted.partition(".")[0]
                self.scope.bind(head, Imported(head))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        base = self._from_module(node)
        for alias in node.names:
            name = dotted_name(alias.name)
            target = f"{base}.{name}" if base else name
            self._bind_name(alias.asname.name if alias.asname else alias.name, Imported(target))

    def _from_module(self, node: cst.ImportFrom) -> str:
        written = dotted_name(node.module) if node.module is not None else ""
        if not node.relative:
            return written
        parts = self._package.split(".") if self._package else []
        parts = parts[: len(parts) - (len(node.relative) - 1)] if len(node.relative) > 1 else parts
        return ".".join(p for p in (*parts, written) if p)

    # -- definitions -----------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qualified = f"{self._module}.{self.scope.child_qualname(node.name.value)}"
        self.scope.bind(node.name.value, Defined(qualified, is_class=False))

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        qualname = outer.child_qualname(node.name.value)
        scope = Scope(ScopeKind.FUNCTION, qualname, outer, qualname)
        if outer.kind is ScopeKind.CLASS:
            positional = [*node.params.posonly_params, *node.params.params]
            if positional:
                scope.owner, scope.receiver = outer, positional[0].name.value
        self._bind_parameters(node.params, scope)
        _declare(node.body, scope)
        self.result.functions.append(FunctionRecord(qualname, node.name.value, node, outer, scope))
        self.scope = scope

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qualname = self.scope.child_qualname(node.name.value)
        self.scope.bind(node.name.value, Defined(f"{self._module}.{qualname}", is_class=True))
        scope = Scope(ScopeKind.CLASS, qualname, self.scope, self.scope.function)
        self.result.classes.append(ClassRecord(qualname, node, self.scope, scope))
        self._class_scopes[id(node)] = scope

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.scope = self._class_scopes[id(node)]

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self._pop()

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        outer = self.scope
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
        self.scope = scope

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self._pop()

    def _pop(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def _bind_parameters(self, params: cst.Parameters, scope: Scope) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                every.append(star)
        for param in every:
            annotation = param.annotation.annotation if param.annotation else None
            scope.bind(param.name.value, Parameter(annotation, scope.parent or scope))

    # -- bindings --------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Lambda) and self.scope.kind is ScopeKind.MODULE:
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                name = node.targets[0].target.value
                self._lambda_names[id(node.value)] = name
                self.scope.bind(name, Defined(f"{self._module}.{name}", is_class=False))
                return
        for target in node.targets:
            self._bind_target(target.target, node.value)
        self._note_value(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)
            self._note_value(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None)

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            binding = Assigned(value, self.scope) if value is not None else Opaque()
            self._bind_name(target, binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)
        elif isinstance(target, cst.Attribute) and value is not None:
            self._bind_attribute(target, value)

    def _bind_name(self, name: cst.Name, binding: Imported | Assigned | Opaque) -> None:
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

    def visit_Call(self, node: cst.Call) -> None:
        lazy = self._lazy_depth > 0
        self.result.calls.append(CallRecord(node, self.scope, lazy))
        for arg in node.args:
            self._note_value(arg.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._note_value(node.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._note_value(node.value)

    def visit_Element(self, node: cst.Element) -> None:
        self._note_value(node.value)

    def _note_value(self, node: cst.BaseExpression) -> None:
        if isinstance(node, _VALUE_NODES):
            self.result.values.append(ValueRecord(node, self.scope, self._lazy_depth > 0))


def _declare(node: cst.CSTNode, scope: Scope) -> None:
    """Note `global` and `nonlocal` up front: guards before the statement depend on them."""
    if isinstance(node, cst.Global):
        scope.declared_global.update(item.name.value for item in node.names)
    elif isinstance(node, cst.Nonlocal):
        scope.declared_nonlocal.update(item.name.value for item in node.names)
    elif not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.BaseExpression)):
        for child in node.children:
            _declare(child, scope)


def dotted_name(node: cst.BaseExpression) -> str:
    """`a.b.c` for a chain of names; empty for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""
