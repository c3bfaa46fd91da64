"""What names and expressions mean: the small data-flow step that libcst leaves to us.

`Resolver.meaning` follows a value through imports, assignments, `self.<attr>` and calls, just far
enough to tell whether a receiver is a boto3 Session or DynamoDB resource, or which function a
call reaches. It is flow-insensitive within a function (any binding of a name counts), which
matches how such code is written: a name holds one kind of thing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from dynalint.analysis.model import Creation, Value
from dynalint.analysis.names import (
    BOTO_SESSION_NAMES,
    CREATORS,
    ENVIRON_READERS,
    HELPER_VALUES,
    LIBRARIES,
    MODULE_WILDCARD,
    POOL_KEYWORDS,
    RECEIVER_METHODS,
    RETURNED,
    creation_by_name,
    documented_session,
    is_dotted_name,
    method_creation,
)
from dynalint.analysis.scopes import (
    Assigned,
    Binding,
    Defined,
    Imported,
    Parameter,
    Scope,
)
from dynalint.analysis.tree import children
from dynalint.types import Applicability

_EXTERNAL_ROOTS = frozenset({*sys.stdlib_module_names, "boto3", "botocore", "aioboto3", *LIBRARIES})
_RANK = {Applicability.SAFE: 0, Applicability.UNSAFE: 1, Applicability.NONE: 2}
_CONSTANTS = frozenset({"None", "True", "False"})
_MAX_BASES = 8


@dataclass(frozen=True)
class Qual:
    """A dotted qualified name: a module, a function, a class or something inside them."""

    name: str
    is_class: bool = False
    local: bool = False

    @property
    def looks_like_class(self) -> bool:
        return self.is_class or self.name.rpartition(".")[2][:1].isupper()

    @property
    def is_external(self) -> bool:
        return self.name.partition(".")[0] in _EXTERNAL_ROOTS


@dataclass(frozen=True)
class Instance:
    """An object of a class; `local` when the class is this module's own."""

    cls: str
    local: bool = True

    @property
    def is_external(self) -> bool:
        return self.cls.partition(".")[0] in _EXTERNAL_ROOTS


Meaning = Qual | Value | Instance | None


@dataclass(frozen=True)
class Classified:
    """A creating call. `kind` is None while it waits on another module's exports."""

    kind: Creation | None
    service: str | None
    receiver: str | None = None
    method: str | None = None


class Resolver:
    def __init__(
        self,
        module: str,
        returns: Mapping[str, tuple[cst.BaseExpression, Scope]] | None = None,
        returned: Mapping[str, Sequence[tuple[cst.BaseExpression, Scope]]] | None = None,
        properties: frozenset[str] = frozenset(),
        classes: Mapping[str, Scope] | None = None,
        creators: Mapping[str, Creation] | None = None,
    ) -> None:
        """`returns` maps this module's functions (qualified) to their return annotation, and
        `returned` to the values their `return` statements give; `properties` are
        the methods read as attributes (`@property`, `cached_property`); `classes` the scopes
        of this module's classes by qualified name; `creators` the project's own creators."""
        self._module = module
        self._creators = creators or {}
        self._classes = classes or {}
        self._returns = returns or {}
        self._returned = returned or {}
        self._properties = properties
        self._parsed: list[cst.BaseExpression] = []
        self._meanings: dict[tuple[int, int], Meaning] = {}
        self._classified: dict[int, Classified | None] = {}
        self._safeties: dict[int, tuple[Applicability, tuple[str, ...]]] = {}
        self._active: set[tuple[int, int]] = set()

    def meaning(self, node: cst.BaseExpression, scope: Scope) -> Meaning:
        key = (id(node), id(scope))
        if key in self._meanings:
            return self._meanings[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            result = self._compute(node, scope)
        finally:
            self._active.discard(key)
        self._meanings[key] = result
        return result

    def _compute(self, node: cst.BaseExpression, scope: Scope) -> Meaning:
        if isinstance(node, cst.Name):
            found = scope.lookup(node.value)
            return self.resolve_bindings(found[1]) if found else None
        if isinstance(node, cst.Attribute):
            return self._attribute(node, scope)
        if isinstance(node, cst.Call):
            classified = self.classify(node, scope)
            if classified is not None and classified.kind is not None:
                return Value(classified.kind, classified.service)
            keyed = _keyed_session(node.args[0]) if _is_get(node) else None
            if keyed is not None:
                return keyed
            got = self._got_attribute(node, scope)
            if got is not None:
                return got
            callee = self.meaning(node.func, scope)
            if not isinstance(callee, Qual):
                return None
            if callee.name == "importlib.import_module":
                return _imported_module(node)
            helper = HELPER_VALUES.get(callee.name.rpartition(".")[2])
            if helper is not None and not callee.local:
                return helper
            if callee.looks_like_class:
                return self.produced(callee.name) or Instance(callee.name, local=callee.local)
            if callee.local:
                return self.produced(callee.name) or self.produced_instance(callee.name)
            # Another module's function: the project pass reads what it returns from its model.
            return None if callee.is_external else Instance(f"{callee.name}.{RETURNED}", False)
        if isinstance(node, cst.Subscript):
            return _keyed_session(node.slice[0].slice if len(node.slice) == 1 else None)
        if isinstance(node, cst.Await):
            return self.meaning(node.expression, scope)
        if isinstance(node, cst.BooleanOperation):
            return _either(self.meaning(node.left, scope), self.meaning(node.right, scope))
        if isinstance(node, cst.IfExp):
            return _either(self.meaning(node.body, scope), self.meaning(node.orelse, scope))
        return None

    def _got_attribute(self, call: cst.Call, scope: Scope) -> Qual | None:
        """`getattr(owner, "name")` is `owner.name`, and `getattr(owner, name)` with a computed
        name any public member of a project class, object or module (`owner.*`)."""
        func = call.func
        if not isinstance(func, cst.Name) or func.value != "getattr" or scope.lookup("getattr"):
            return None
        if len(call.args) < 2 or any(arg.keyword or arg.star for arg in call.args[:2]):
            return None
        owner = self.meaning(call.args[0].value, scope)
        if isinstance(owner, Instance):
            owner = Qual(owner.cls, local=owner.local)
        if not isinstance(owner, Qual) or owner.is_external:
            return None
        name = call.args[1].value
        member = name.evaluated_value if isinstance(name, cst.SimpleString) else MODULE_WILDCARD
        if not isinstance(member, str) or not (member.isidentifier() or member == MODULE_WILDCARD):
            return None
        return Qual(f"{owner.name}.{member}", local=owner.local)

    def produced(self, function: str) -> Value | None:
        """What a call of one of this module's functions gives: a Session its annotation names,
        else what its `return` statements give (`-> Any` says nothing)."""
        if function in self._returns:
            value = self.annotated(*self._returns[function])
            if value is not None:
                return value
        return self.returned(function)

    def produced_instance(self, function: str) -> Instance | None:
        """The object of a project class a call of one of this module's functions gives, as its
        return annotation says, else as its `return` statements do when they agree."""
        if function in self._returns:
            found = self.annotated_instance(*self._returns[function])
            if found is not None:
                return found
        meanings = {self.meaning(value, scope) for value, scope in self._returned.get(function, ())}
        only = meanings.pop() if len(meanings) == 1 else None
        return only if isinstance(only, Instance) and not only.is_external else None

    def member(self, node: cst.BaseExpression, scope: Scope) -> Meaning:
        """What a name or attribute denotes, a property itself rather than what it gives."""
        if isinstance(node, cst.Attribute):
            return self._plain_attribute(node, scope)
        return self.meaning(node, scope)

    def _attribute(self, node: cst.Attribute, scope: Scope) -> Meaning:
        found = self._plain_attribute(node, scope)
        if isinstance(found, Qual) and found.name in self._properties:
            return self.produced(found.name) or self.produced_instance(found.name)
        return found

    def _plain_attribute(self, node: cst.Attribute, scope: Scope) -> Meaning:
        attr = node.attr.value
        owner = scope.method_owner()
        if owner is not None and isinstance(node.value, cst.Name):
            cls, receiver = owner
            if node.value.value in (receiver, "cls"):
                return self._class_attribute(cls, attr)
        if owner is not None and _is_super(node.value):
            parent = self._first_base(owner[0])
            return Qual(f"{parent.name}.{attr}", local=parent.local) if parent else None
        base = self.meaning(node.value, scope)
        if attr in BOTO_SESSION_NAMES and not isinstance(base, Value):
            return BOTO_SESSION_NAMES[attr]
        if isinstance(base, Qual):
            return Qual(f"{base.name}.{attr}", local=base.local)
        if isinstance(base, Instance):
            return Qual(f"{base.cls}.{attr}", local=base.local)
        return None

    def bases(self, cls: Scope) -> tuple[Qual, ...]:
        """A class's bases that dynalint can name, generic ones (`Hook[Client]`) included."""
        found = []
        for base in cls.bases:
            if isinstance(base, cst.Subscript):
                base = base.value
            meaning = self.meaning(base, cls.parent) if cls.parent is not None else None
            if isinstance(meaning, Qual):
                found.append(meaning)
        return tuple(found)

    def _first_base(self, cls: Scope) -> Qual | None:
        """What `super()` reaches first, as far as dynalint follows: the first base class."""
        first = next(iter(self.bases(cls)), None)
        return first if first is not None and not first.is_external else None

    def _class_attribute(self, cls: Scope, attr: str) -> Meaning:
        if attr in cls.attributes:
            found = self.resolve_bindings(cls.attributes[attr])
            if found is not None:
                return found
        if attr in cls.bindings:
            return self.resolve_bindings(cls.bindings[attr])
        inherited = self._inherited(cls, attr, 0)
        if inherited is not None:
            return inherited
        return BOTO_SESSION_NAMES.get(attr) or Qual(
            f"{self._module}.{cls.qualname}.{attr}", local=True
        )

    def _inherited(self, cls: Scope, attr: str, depth: int) -> Meaning:
        """`attr` as a base class of this module defines it (other modules' bases are the
        project pass's to follow)."""
        for base in self.bases(cls):
            scope = self._classes.get(base.name)
            if scope is None or depth >= _MAX_BASES:
                continue
            if attr in scope.attributes or attr in scope.bindings:
                return self._class_attribute(scope, attr)
            found = self._inherited(scope, attr, depth + 1)
            if found is not None:
                return found
        return None

    def resolve_bindings(self, bindings: list[Binding] | list[Assigned]) -> Meaning:
        """The first binding dynalint can read, one it knows here before one that waits on
        another module's model."""
        pending = None
        for binding in bindings:
            found = self._binding(binding)
            if found is not None and not _pending(found):
                return found
            pending = pending or found
        return pending

    def _binding(self, binding: Binding) -> Meaning:
        if isinstance(binding, Imported):
            return Qual(binding.qualified)
        if isinstance(binding, Defined):
            return Qual(binding.qualified, is_class=binding.is_class, local=True)
        if isinstance(binding, Assigned):
            return self.meaning(binding.value, binding.scope)
        if isinstance(binding, Parameter) and binding.annotation is None:
            return BOTO_SESSION_NAMES.get(binding.name) or documented_session(binding.documented)
        if isinstance(binding, Parameter) and binding.annotation is not None:
            return self.annotated(binding.annotation, binding.scope) or self.annotated_instance(
                binding.annotation, binding.scope
            )
        return None

    def returned(self, function: str) -> Value | None:
        """The boto3 object a function of this module returns, if one does. One that returns a
        client or a resource, as its settings say, is taken as the resource: of the two only a
        resource makes more objects (a DynamoDB resource's `Table`)."""
        found = [
            meaning
            for value, scope in self._returned.get(function, ())
            if isinstance(meaning := self.meaning(value, scope), Value)
        ]
        resources = [value for value in found if value.kind is Creation.RESOURCE]
        return next(iter(resources or found), None)

    def annotated(self, annotation: cst.BaseExpression, scope: Scope) -> Value | None:
        """A Session type annotation, also as `Session | None`, `Optional[...]` or a string."""
        for meaning in self._alternatives(annotation, scope):
            if isinstance(meaning, Qual) and CREATORS.get(meaning.name) is Creation.SESSION:
                return Value(Creation.SESSION)
        return None

    def annotated_instance(self, annotation: cst.BaseExpression, scope: Scope) -> Instance | None:
        """An object of a project class an annotation names (`Provider`, `Provider | None`)."""
        for meaning in self._alternatives(annotation, scope):
            if isinstance(meaning, Qual) and meaning.looks_like_class and not meaning.is_external:
                return Instance(meaning.name, local=meaning.local)
        return None

    def _alternatives(self, annotation: cst.BaseExpression, scope: Scope) -> Iterator[Meaning]:
        """What each type an annotation allows denotes, through strings, `|`, `Optional` and
        `Union`."""
        if isinstance(annotation, cst.SimpleString):
            text = annotation.evaluated_value
            try:
                parsed = cst.parse_expression(text) if isinstance(text, str) else None
            except cst.ParserSyntaxError:
                return
            if parsed is not None:
                self._parsed.append(parsed)  # memo keys are ids: keep the node alive
                yield from self._alternatives(parsed, scope)
        elif isinstance(annotation, cst.BinaryOperation) and isinstance(
            annotation.operator, cst.BitOr
        ):
            yield from self._alternatives(annotation.left, scope)
            yield from self._alternatives(annotation.right, scope)
        elif isinstance(annotation, cst.Subscript):
            wrapper = self.meaning(annotation.value, scope)
            if isinstance(wrapper, Qual) and wrapper.name in ("typing.Optional", "typing.Union"):
                for element in annotation.slice:
                    if isinstance(element.slice, cst.Index):
                        yield from self._alternatives(element.slice.value, scope)
        else:
            yield self.meaning(annotation, scope)

    # -- creating calls --------------------------------------------------------------------

    def classify(self, call: cst.Call, scope: Scope) -> Classified | None:
        if id(call) not in self._classified:
            self._classified[id(call)] = self._classify(call, scope)
        return self._classified[id(call)]

    def _classify(self, call: cst.Call, scope: Scope) -> Classified | None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in RECEIVER_METHODS:
            method = func.attr.value
            receiver = self.meaning(func.value, scope)
            if isinstance(receiver, Value):
                kind = method_creation(receiver, method)
                return Classified(kind, _service(call, kind)) if kind else None
            if isinstance(receiver, Qual):
                creator = creation_by_name(f"{receiver.name}.{method}", self._creators)
                if creator is not None:
                    return Classified(creator, _service(call, creator))
                if self._deferred(receiver):
                    return Classified(None, _service(call, Creation.CLIENT), receiver.name, method)
            unknown = receiver is None or _pending(receiver)
            maker = self._maker(func.value, scope) if unknown else None
            if maker is not None:
                # `other_module.make_session().client(...)`: its exports say what it returns.
                return Classified(None, _service(call, Creation.CLIENT), maker.name, method)
            return None
        callee = self.meaning(func, scope)
        if not isinstance(callee, Qual) or _shares_a_pool(callee.name, call):
            return None
        kind = creation_by_name(callee.name, self._creators)
        return Classified(kind, _service(call, kind)) if kind is not None else None

    def _maker(self, receiver: cst.BaseExpression, scope: Scope) -> Qual | None:
        """Another module's function or method whose result the receiver is: called right there
        (`creds.get_session().client(...)`) or through a name bound only to such calls."""
        if isinstance(receiver, cst.Name):
            found = scope.lookup(receiver.value)
            bindings = found[1] if found else []
            makers = {
                self._maker(b.value, b.scope) if isinstance(b, Assigned) else None for b in bindings
            }
            return makers.pop() if len(makers) == 1 else None
        if not isinstance(receiver, cst.Call):
            return None
        maker = self.meaning(receiver.func, scope)
        return maker if isinstance(maker, Qual) and self._deferred(maker) else None

    def _deferred(self, name: Qual) -> bool:
        """Whether the project pass may know what `name` holds or returns: a name of another
        module, or a method this module's class inherits from a base class."""
        if name.is_external:
            return False
        return not name.local or name.name.count(".") > self._module.count(".") + 1

    # -- what the fix can rewrite ----------------------------------------------------------

    def made_by(self, call: cst.Call, scope: Scope, creator: str) -> bool:
        """The call is `creator` itself (`boto3.client`), not a method of some Session."""
        return self.callee(call, scope) == creator

    def callee(self, call: cst.Call, scope: Scope) -> str | None:
        """The qualified name the call calls, when it resolves to one."""
        meaning = self.meaning(call.func, scope)
        return meaning.name if isinstance(meaning, Qual) else None

    def table_resource(self, call: cst.Call, scope: Scope) -> tuple[cst.Call, str | None] | None:
        """The `boto3.resource("dynamodb")` call a `.Table(...)` is made on, and the name it was
        assigned to: directly, or through one assignment in a function or, with literal
        arguments, at module level. None when the resource comes from anywhere else."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Call):
            return (receiver, None) if self._dynamodb_resource(receiver, scope) else None
        if not isinstance(receiver, cst.Name):
            return None
        found = scope.lookup(receiver.value)
        if found is None or len(found[1]) != 1 or not isinstance(found[1][0], Assigned):
            return None
        binding = found[1][0]
        value = binding.value
        if isinstance(value, cst.Call) and self._dynamodb_resource(value, binding.scope):
            return value, receiver.value
        return None

    def _dynamodb_resource(self, call: cst.Call, scope: Scope) -> bool:
        if not self.made_by(call, scope, "boto3.resource") or service_name(call) != "dynamodb":
            return False
        return scope.function is not None or all(_is_literal(a.value) for a in call.args)

    # -- fix safety ------------------------------------------------------------------------

    def safety(self, call: cst.Call, scope: Scope) -> tuple[Applicability, tuple[str, ...]]:
        """How stable a creation's inputs are: its arguments and those of its receiver. Asked by
        the model (for the message) and by the fixes, so kept per call."""
        if id(call) not in self._safeties:
            names: list[str] = []
            worst = self._expression_safety(call, scope, names)
            self._safeties[id(call)] = (worst, tuple(dict.fromkeys(names)))
        return self._safeties[id(call)]

    def _expression_safety(
        self, node: cst.CSTNode, scope: Scope, names: list[str]
    ) -> Applicability:
        if isinstance(node, cst.Name):
            return self._name_safety(node, scope, names)
        if isinstance(node, cst.Attribute):
            return self._expression_safety(node.value, scope, names)
        if isinstance(node, cst.Call):
            return self._call_safety(node, scope, names)
        if isinstance(node, cst.Subscript):
            held = self.meaning(node.value, scope)
            stable = isinstance(held, Qual) and held.name == "os.environ"
            own = Applicability.SAFE if stable else Applicability.UNSAFE
            return _worst(own, *(self._expression_safety(c, scope, names) for c in children(node)))
        if isinstance(node, cst.Arg):
            return self._expression_safety(node.value, scope, names)
        if isinstance(node, cst.Lambda):
            return Applicability.UNSAFE
        return _worst(*(self._expression_safety(c, scope, names) for c in children(node)))

    def _name_safety(self, node: cst.Name, scope: Scope, names: list[str]) -> Applicability:
        if node.value in _CONSTANTS:
            return Applicability.SAFE
        found = scope.lookup(node.value)
        if found is None or not found[0].is_function:
            return Applicability.SAFE
        bindings = found[1]
        if all(isinstance(b, (Imported, Defined)) for b in bindings):
            return Applicability.SAFE
        assigned = [b for b in bindings if isinstance(b, Assigned)]
        if len(assigned) == len(bindings) and all(
            isinstance(self._binding(b), Value) for b in assigned
        ):
            # A local holding a boto3 object built here: judge what it was built from.
            return _worst(*(self._expression_safety(b.value, b.scope, names) for b in assigned))
        names.append(node.value)
        return Applicability.NONE

    def _call_safety(self, node: cst.Call, scope: Scope, names: list[str]) -> Applicability:
        args = _worst(*(self._expression_safety(arg.value, scope, names) for arg in node.args))
        creates = self.classify(node, scope) is not None
        if creates:
            func = node.func
            receiver = func.value if isinstance(func, cst.Attribute) else None
            if receiver is not None:
                return _worst(args, self._expression_safety(receiver, scope, names))
            return args
        callee = self.meaning(node.func, scope)
        reads_environ = isinstance(callee, Qual) and callee.name in ENVIRON_READERS
        own = Applicability.SAFE if reads_environ else Applicability.UNSAFE
        return _worst(own, args, self._expression_safety(node.func, scope, names))


def _imported_module(call: cst.Call) -> Qual | None:
    """`importlib.import_module("commands.deploy")` is that module, and
    `import_module("commands." + name)` (or an f-string) one of the modules `commands.*`."""
    if len(call.args) != 1 or call.args[0].keyword is not None:
        return None
    name = call.args[0].value
    if isinstance(name, cst.SimpleString):
        text = name.evaluated_value
        return Qual(text) if isinstance(text, str) and is_dotted_name(text) else None
    prefix = _literal_prefix(name)
    if prefix is None or not prefix.endswith(".") or not is_dotted_name(prefix[:-1]):
        return None
    return Qual(prefix + MODULE_WILDCARD)


def _literal_prefix(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        if isinstance(node.left, cst.SimpleString):
            text = node.left.evaluated_value
            return text if isinstance(text, str) else None
    if isinstance(node, cst.FormattedString) and node.parts:
        first = node.parts[0]
        return first.value if isinstance(first, cst.FormattedStringText) else None
    return None


def _is_get(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "get" and bool(call.args)


def _keyed_session(key: cst.BaseSlice | cst.Arg | None) -> Value | None:
    """`kwargs["boto_session"]`, `options.get("boto3_session")`: the key says what it holds."""
    value = key.value if isinstance(key, (cst.Index, cst.Arg)) else None
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return BOTO_SESSION_NAMES.get(value.evaluated_value)
    return None


def _is_super(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "super"
    )


def _pending(meaning: Meaning) -> bool:
    """An object another module's function returns, which only the project pass can name."""
    return isinstance(meaning, Instance) and meaning.cls.endswith(f".{RETURNED}")


def _either(first: Meaning, second: Meaning) -> Meaning:
    """`a or b`, `a if c else b`: a boto3 object either side is what the value may be."""
    if isinstance(second, Value) and not isinstance(first, Value):
        return second
    return first or second


def _worst(*values: Applicability) -> Applicability:
    return max(values, key=_RANK.__getitem__, default=Applicability.SAFE)


def _shares_a_pool(creator: str, call: cst.Call) -> bool:
    keyword = POOL_KEYWORDS.get(creator)
    return keyword is not None and any(a.keyword and a.keyword.value == keyword for a in call.args)


def _service(call: cst.Call, kind: Creation | None) -> str | None:
    return service_name(call) if kind in (Creation.CLIENT, Creation.RESOURCE) else None


def first_argument(call: cst.Call, keyword: str) -> cst.Arg | None:
    """A creator's first parameter as the call passes it: the first positional argument, or
    the keyword (`service_name` for boto3, `url` for `create_engine`)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
        if arg.keyword is None and not arg.star:
            return arg
    return None


def first_literal(call: cst.Call, keyword: str) -> str | None:
    """That argument's text, when it is a string literal."""
    arg = first_argument(call, keyword)
    if arg is not None and isinstance(arg.value, cst.SimpleString):
        text = arg.value.evaluated_value
        return text if isinstance(text, str) else None
    return None


def service_argument(call: cst.Call) -> cst.Arg | None:
    """boto3's `service_name`: the first positional argument or the keyword."""
    return first_argument(call, "service_name")


def service_name(call: cst.Call) -> str | None:
    return first_literal(call, "service_name")


def _is_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)) or (
        isinstance(node, cst.Name) and node.value in _CONSTANTS
    )
