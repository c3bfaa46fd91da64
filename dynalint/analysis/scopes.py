"""Scopes and bindings, as the collector records them during its one pass over a module.

Name resolution is deliberately deferred: a function may call a helper defined further down, and
a name is local to a function if it is bound anywhere in it. So the collector only writes down
what binds what, and `flow.Resolver` answers questions once the whole module has been seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import libcst as cst


class ScopeKind(Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"


@dataclass(frozen=True)
class Imported:
    qualified: str


@dataclass(frozen=True)
class Defined:
    """A def or class statement; `qualified` is module-qualified."""

    qualified: str
    is_class: bool


@dataclass(frozen=True)
class Assigned:
    value: cst.BaseExpression
    scope: Scope


@dataclass(frozen=True)
class Parameter:
    """`documented` is the type the function's docstring gives an unannotated parameter."""

    name: str
    annotation: cst.BaseExpression | None
    scope: Scope
    documented: str | None = None


@dataclass(frozen=True)
class Opaque:
    """Bound by something whose value dynalint does not follow (loop targets, unpacking)."""


Binding = Imported | Defined | Assigned | Parameter | Opaque


@dataclass(eq=False)
class Scope:
    kind: ScopeKind
    qualname: str
    parent: Scope | None
    # The function that sites and references in this scope belong to; None at import time.
    function: str | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    # Class scopes: what `self.<attr>` and `cls.<attr>` are assigned anywhere in the class.
    attributes: dict[str, list[Assigned]] = field(default_factory=dict)
    # Class scopes: the base class expressions, evaluated in the enclosing scope.
    bases: tuple[cst.BaseExpression, ...] = ()
    # Method scopes: the class they belong to and the name of their first parameter.
    owner: Scope | None = None
    receiver: str | None = None

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def is_parameter(self, name: str) -> bool:
        """`name` is one of this scope's parameters (rebound or not)."""
        return any(isinstance(binding, Parameter) for binding in self.bindings.get(name, ()))

    def child_qualname(self, name: str) -> str:
        if self.kind is ScopeKind.MODULE:
            return name
        if self.kind is ScopeKind.CLASS:
            return f"{self.qualname}.{name}"
        return f"{self.qualname}.<locals>.{name}"

    @property
    def is_function(self) -> bool:
        return self.kind in (ScopeKind.FUNCTION, ScopeKind.LAMBDA)

    def method_owner(self) -> tuple[Scope, str] | None:
        """The class and receiver name visible here: in a method, or in a closure inside one."""
        scope: Scope | None = self
        while scope is not None and scope.kind is not ScopeKind.MODULE:
            if scope.owner is not None and scope.receiver is not None:
                return scope.owner, scope.receiver
            scope = scope.parent
        return None

    def binding_scope(self, name: str) -> Scope:
        """Where an assignment to `name` made in this scope lands (`global` and `nonlocal`)."""
        if name in self.declared_global:
            return self.module()
        if name in self.declared_nonlocal:
            scope = self.parent
            while scope is not None and scope.is_function:
                if name in scope.bindings:
                    return scope
                scope = scope.parent
        return self

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> tuple[Scope, list[Binding]] | None:
        """Python's LEGB rule: class bodies are visible only to code directly inside them."""
        if name in self.declared_global:
            scope: Scope | None = self.module()
        else:
            scope = self
        first = True
        while scope is not None:
            if (first or scope.kind is not ScopeKind.CLASS) and name in scope.bindings:
                return scope, scope.bindings[name]
            first = False
            scope = scope.parent
        return None
