"""Source text to `FileModel`: one parse, one collecting pass, then resolution."""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import replace

import libcst as cst
from libcst.helpers import get_full_name_for_node

from dynalint.analysis import names
from dynalint.analysis.collect import (
    CallRecord,
    Collection,
    FunctionRecord,
    ValueRecord,
    collect,
)
from dynalint.analysis.flow import Classified, Instance, Qual, Resolver, first_literal
from dynalint.analysis.model import (
    FileModel,
    FixOption,
    Function,
    Reference,
    Site,
    Span,
    Value,
)
from dynalint.analysis.positions import spans
from dynalint.analysis.roots import DEFAULT_HELPER_MODULE
from dynalint.analysis.scopes import (
    Assigned,
    Binding,
    Defined,
    Imported,
    Scope,
    ScopeKind,
)
from dynalint.analysis.tree import children
from dynalint.rules import BY_KIND
from dynalint.rules.fixing import FixSite, ModuleFixes, NodeEdit, Outcome, Plan
from dynalint.types import Edit, Fix, HelperImport

_TEXT_LIMIT = 60
_NAMING_ONLY = frozenset({"super", "isinstance", "issubclass"})
_ACCESSORS = frozenset({"property", "cached_property", "setter", "deleter"})
_WHITESPACE = re.compile(r"\s+")
_STAR_IMPORTED = (
    "the module star-imports {helper}, which hides from the proof which helper a name calls; "
    "import the helper functions by name"
)
_IMPORTED_ELSEWHERE = (
    "it is made from an object that another module or an inherited method hands out; move that "
    "object to a cached helper by hand"
)


def build_model(
    module: cst.Module,
    module_name: str,
    *,
    is_package: bool = False,
    vocabulary: names.Vocabulary = names.DEFAULT_VOCABULARY,
    helper_module: str = DEFAULT_HELPER_MODULE,
) -> FileModel:
    """`helper_module` is the helper module this module's fixes import."""
    collection = collect(module, module_name, is_package)
    return _Builder(module, collection, vocabulary, helper_module).build()


class _Builder:
    def __init__(
        self,
        module: cst.Module,
        collection: Collection,
        vocabulary: names.Vocabulary,
        helper_module: str,
    ) -> None:
        self._module = module
        self._vocabulary = vocabulary
        self._collection = collection
        self._helper_module = helper_module
        self._resolver = Resolver(
            collection.module,
            return_annotations(collection),
            returned_values(collection),
            properties(collection),
            {f"{collection.module}.{c.qualname}": c.scope for c in collection.classes},
            dict(vocabulary.creators),
        )
        self._class_nodes = {id(c.scope): c.node for c in collection.classes}
        self._defs = {record.qualname: record for record in collection.functions}

    def build(self) -> FileModel:
        self._command_line = self._reading_the_command_line()
        self._handed_out = self._closures_handed_out()
        self._getters = self._using_what_they_keep()
        self._cached_properties: set[str] = set()  # filled as functions are read
        functions = {
            record.qualname: self._function(record) for record in self._collection.functions
        }
        sites, references = self._calls(functions)
        references.extend(self._values())
        references.extend(self._dependencies())
        references.extend(self._entered())
        references.extend(self._decorated())
        module_scope = self._collection.module_scope
        return FileModel(
            module=self._collection.module,
            functions=functions,
            classes={
                c.qualname: tuple(base.name for base in self._resolver.bases(c.scope))
                for c in self._collection.classes
            },
            aliases=_aliases(module_scope),
            exports=self._exports(module_scope),
            returns=self._returns(module_scope),
            sites=self._place(sites),
            references=tuple(references),
            helper_module=self._helper_module,
        )

    # -- functions -------------------------------------------------------------------------

    def _function(self, record: FunctionRecord) -> Function:
        node = record.node
        if isinstance(node, cst.Lambda):
            return Function(record.qualname, record.name)
        kinds = {self._decorator_kind(d.decorator, record.outer) for d in node.decorators}
        if "per instance" in kinds:
            # Its whole body is the cold branch of a cache on `self` (`cached_property`).
            self._cached_properties.add(record.qualname)
        positional = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
        entry = "route" if "route" in kinds else self._conventional_entry(record, positional)
        return Function(
            qualname=record.qualname,
            name=record.name,
            entry=entry,
            runs_once="command" in kinds
            or record.qualname in self._command_line
            or self._is_task(record, positional),
            memoized=bool(kinds & {"memoized", "per instance"}),
            accessor=_accessor(record),
            hands_out=tuple(q for q, _ in self._handed_out.get(record.qualname, ())),
        )

    def _closures_handed_out(self) -> dict[str, list[tuple[str, int]]]:
        """The functions defined inside a function that it returns (`return wrapper`), with
        the returned node's id: its callers call them, not the function itself."""
        found: dict[str, list[tuple[str, int]]] = {}
        for record in self._collection.returns:
            function, node = record.scope.function, record.node
            if function is None or not isinstance(node, cst.Name):
                continue
            inner = f"{function}.<locals>.{node.value}"
            bindings = record.scope.bindings.get(node.value, ())
            if any(
                isinstance(b, Defined) and b.qualified == f"{self._collection.module}.{inner}"
                for b in bindings
            ):
                found.setdefault(function, []).append((inner, id(node)))
        return found

    def _decorated(self) -> list[Reference]:
        """A function decorated by one of the project's decorators runs the wrapper that the
        decorator hands out (`@retry` hands out one, `@retry(3)` hands out a decorator that
        hands out one): whenever the function is called, the wrapper is."""
        found: list[Reference] = []
        for record in self._collection.functions:
            if isinstance(record.node, cst.Lambda):
                continue
            for decorator in record.node.decorators:
                expression = decorator.decorator
                called = isinstance(expression, cst.Call)
                target = expression.func if isinstance(expression, cst.Call) else expression
                meaning = self._resolver.meaning(target, record.outer)
                if isinstance(meaning, Qual) and not meaning.is_external and not meaning.is_class:
                    handed = f"{meaning.name}.{names.HANDED_OUT}"
                    if called:
                        handed = f"{handed}.{names.HANDED_OUT}"
                    found.append(Reference(record.qualname, handed, call=True))
        return found

    def _reading_the_command_line(self) -> set[str]:
        """Functions that read the process's command line (argparse, getopt, `sys.argv`) or
        prompt at the console (`input()`): a process runs them once, or once per command a
        person types, never per request."""
        found: set[str] = set()
        for record in self._collection.calls:
            func, function = record.node.func, record.scope.function
            if function is None or function in found:
                continue
            meaning = self._resolver.meaning(func, record.scope)
            if isinstance(meaning, Qual):
                if meaning.name in names.COMMAND_LINE:
                    found.add(function)
            elif isinstance(func, cst.Name) and func.value == "input":
                found.add(function)
            elif isinstance(func, cst.Attribute) and func.attr.value in names.PARSE_METHODS:
                found.add(function)
        for value in self._collection.argv:
            meaning = self._resolver.meaning(value.node, value.scope)
            if value.scope.function is not None and isinstance(meaning, Qual):
                if meaning.name == "sys.argv":
                    found.add(value.scope.function)
        return found

    def _decorator_kind(self, decorator: cst.BaseExpression, scope: Scope) -> str | None:
        target = decorator.func if isinstance(decorator, cst.Call) else decorator
        meaning = self._resolver.meaning(target, scope)
        qualified = meaning.name if isinstance(meaning, Qual) else ""
        if qualified in names.PER_INSTANCE_MEMOIZERS:
            return "per instance"
        if self._vocabulary.is_memoizer(qualified):
            return "memoized"
        if qualified in names.COMMAND_FUNCTIONS or names.names_a_cli(qualified):
            return "command"
        if not isinstance(decorator, cst.Call):
            bare = target.attr.value if isinstance(target, cst.Attribute) else None
            if bare in names.BARE_ROUTE_DECORATORS:
                return "route"
            return "route" if self._vocabulary.is_route(qualified, None) else None
        attr = target.attr.value if isinstance(target, cst.Attribute) else None
        if attr == "on_event" and first_literal(decorator, "event_type") in names.PROCESS_EVENTS:
            return "command"  # `@app.on_event("startup")`: once per process
        if attr in names.COMMAND_DECORATORS:
            return "route" if _is_slash_command(decorator) else "command"
        return "route" if self._vocabulary.is_route(qualified, attr) else None

    def _is_task(self, record: FunctionRecord, positional: tuple[str, ...]) -> bool:
        """An Airflow operator's `execute(self, context)` (a `*Operator` class deriving from
        another): each task instance runs it once, in a process of its own."""
        if record.name != "execute" or positional[1:] != ("context",):
            return False
        outer = record.outer
        if outer.kind is not ScopeKind.CLASS:
            return False
        bases = (base.name for base in self._resolver.bases(outer))
        return names.framework_class(outer.qualname.rpartition(".")[2], bases, "Operator")

    def _conventional_entry(
        self, record: FunctionRecord, positional: tuple[str, ...]
    ) -> str | None:
        outer = record.outer
        if outer.kind is ScopeKind.MODULE:
            if self._vocabulary.is_handler(record.name, len(positional)):
                return "Lambda handler"
            return None
        if outer.kind is not ScopeKind.CLASS:
            return None
        if record.name == "__call__":
            return "__call__"
        if record.name == "poke" and positional[1:] == ("context",):
            node = self._class_nodes.get(id(outer))
            if node is not None and node.name.value.endswith("Sensor"):
                return "sensor poke"  # Airflow calls it every poke_interval until it succeeds
        if names.REQUEST_HANDLER_METHOD.fullmatch(record.name):
            node = self._class_nodes.get(id(outer))
            if node is not None and any(
                (get_full_name_for_node(base.value) or "").endswith("RequestHandler")
                for base in node.bases
            ):
                return "request handler"
        return None

    # -- calls and values ------------------------------------------------------------------

    def _calls(
        self, functions: Mapping[str, Function]
    ) -> tuple[list[tuple[CallRecord, Site]], list[Reference]]:
        sites: list[tuple[CallRecord, Site]] = []
        references: list[Reference] = []
        for record in self._collection.calls:
            scope = record.scope
            if scope.function in self._cached_properties:
                record = replace(record, per_instance=True)
            classified = self._resolver.classify(record.node, scope)
            if classified is not None:
                function = _runs_in(record, functions)
                if (
                    function is not None
                    and not record.lazy
                    and self._reported_in(functions[function])
                ):
                    site = self._site(record.node, scope, classified)
                    hoisted = function != scope.function
                    site = replace(
                        site,
                        function=function,
                        per_instance=hoisted and record.per_instance,
                        per_closure=hoisted and record.per_closure,
                        unless=None if hoisted else self._unless(record),
                        callers_decide=not hoisted
                        and (self._stored(record) or self._stands_in(record)),
                    )
                    sites.append((record, site))
                continue
            # The cold branch of a cache on `self` (in a `nonlocal`) runs once per instance (per
            # closure): when the class's `__init__` (the closure's maker) runs. A private helper
            # it calls is part of the cure; a public one has users of its own.
            runs_in = _runs_in(record, functions)
            stored = self._stored(record)
            positions, keywords = _given(record.node, scope)
            for target in self._called(record.node.func, scope):
                reference = self._reference(target, scope, call=True, once=record.lazy)
                if reference is None:
                    continue
                cure = runs_in != scope.function and _is_private(reference.target)
                references.append(
                    replace(
                        reference,
                        source=runs_in if cure or record.per_closure else reference.source,
                        positions=positions,
                        keywords=keywords,
                        kept=stored or cure,
                    )
                )
        return sites, references

    def _stored(self, record: CallRecord) -> bool:
        """What the call makes, a setter keeps: a function stores it in a global or class
        attribute and leaves it there. One that also returns something or calls a method on
        what it keeps uses it: a getter or a worker missing its guard."""
        return record.stored and record.scope.function not in self._getters

    def _stands_in(self, record: CallRecord) -> bool:
        """The call hands its function's own `*args, **kwargs` over unchanged, and nothing else:
        the function is a stand-in for the creator (boto3's own `client`, a test double)."""
        found = self._defs.get(record.scope.function or "")
        args = record.node.args
        if found is None or isinstance(found.node, cst.Lambda) or not args:
            return False
        params = found.node.params
        variadic = {
            "*": params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None,
            "**": params.star_kwarg.name.value if params.star_kwarg is not None else None,
        }
        return all(
            arg.star in variadic
            and isinstance(arg.value, cst.Name)
            and arg.value.value == variadic[arg.star]
            for arg in args
        )

    def _using_what_they_keep(self) -> set[str | None]:
        """The functions that return something, or call a method on a target they keep."""
        collection = self._collection
        found: set[str | None] = {record.scope.function for record in collection.returns}
        for record in collection.calls:
            func, function = record.node.func, record.scope.function
            if isinstance(func, cst.Attribute) and function in collection.kept:
                if get_full_name_for_node(func.value) in collection.kept[function]:
                    found.add(function)
        return found

    def _unless(self, record: CallRecord) -> tuple[str, int | None] | None:
        """The parameter whose default the call supplies, and its position in a call of the
        function (a bound method's receiver is not passed)."""
        found = self._defs.get(record.scope.function or "")
        if record.unless is None or found is None or isinstance(found.node, cst.Lambda):
            return None
        params = found.node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        keyword_only = [p.name.value for p in params.kwonly_params]
        if record.unless in keyword_only:
            return record.unless, None
        if record.unless not in positional:
            return None
        bound = found.scope.receiver is not None and not any(
            get_full_name_for_node(d.decorator) in ("staticmethod", "builtins.staticmethod")
            for d in found.node.decorators
        )
        return record.unless, positional.index(record.unless) - bound

    def _reported_in(self, function: Function) -> bool:
        """A memoized function is a cure; a configured creator's body is the creator itself,
        reported where it is called."""
        creators = self._vocabulary.creators
        qualified = f"{self._collection.module}.{function.qualname}"
        return not function.memoized and not any(name == qualified for name, _ in creators)

    def _called(self, func: cst.BaseExpression, scope: Scope) -> list[cst.BaseExpression]:
        """What a call calls: its callee, or for `REGISTRY[key](...)` on a module-level table
        literal, whichever of the table's values the key picks."""
        if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name):
            found = scope.lookup(func.value.value)
            if found is not None and found[0].kind is ScopeKind.MODULE:
                return [value for binding in found[1] for value in _table_values(binding)]
        return [func]

    def _values(self) -> list[Reference]:
        """A function or class held by a local dispatch table that never leaves its function
        (`sources[kind](session)`), handed to a thread, a timer or an exit hook, or a method
        of the object itself handed on (`prompts = [self._ask_region]`), runs when, and only
        when, that function runs: a call. Naming a class to `super()`, `isinstance()` or
        `issubclass()` builds nothing: no reference."""
        values = self._collection.values
        escaped = {(id(r.scope), r.node.value) for r in values if isinstance(r.node, cst.Name)}
        handed = {node for closures in self._handed_out.values() for _, node in closures}
        found = (
            self._reference(
                record.node,
                record.scope,
                call=(record.table is not None and (id(record.scope), record.table) not in escaped)
                or self._runs_later(record)
                or _bound_to_self(record),
                once=record.lazy,
            )
            for record in values
            if not _only_named(record)
            and id(record.node) not in handed
            and not self._is_dependency(record.passed_to, record.scope)
        )
        return [reference for reference in found if reference is not None]

    def _dependencies(self) -> list[Reference]:
        """FastAPI runs a parameter's dependency (`db=Depends(get_db)`, or `Depends` inside
        `Annotated[...]`) every time it runs the function: a call from that function, not a
        value handed away at import time."""
        found: list[Reference] = []
        for record in self._collection.functions:
            if isinstance(record.node, cst.Lambda):
                continue
            stack: list[cst.CSTNode] = [record.node.params]
            while stack:
                node = stack.pop()
                stack.extend(children(node))
                if not isinstance(node, cst.Call) or not self._is_dependency(node, record.outer):
                    continue
                for arg in node.args[:1]:
                    reference = self._reference(arg.value, record.outer, call=True, once=False)
                    if reference is not None:
                        found.append(replace(reference, source=record.qualname))
        return found

    def _is_dependency(self, call: cst.Call | None, scope: Scope) -> bool:
        if call is None:
            return False
        meaning = self._resolver.meaning(call.func, scope)
        return isinstance(meaning, Qual) and meaning.name in names.DEPENDENCY_MARKERS

    def _entered(self) -> list[Reference]:
        """`with Context(...) as ctx:` runs the class's `__enter__` and `__exit__`."""
        found: list[Reference] = []
        for record in self._collection.entered:
            meaning = self._resolver.meaning(record.node, record.scope)
            if isinstance(meaning, Instance) and not meaning.is_external:
                found.extend(
                    Reference(record.scope.function, f"{meaning.cls}.{method}", True, record.lazy)
                    for method in ("__enter__", "__exit__")
                )
        return found

    def _runs_later(self, record: ValueRecord) -> bool:
        """Handed to a thread, a timer or an exit hook, or to an app as its `lifespan=`."""
        call = record.passed_to
        if call is None:
            return False
        if any(
            arg.value is record.node and arg.keyword and arg.keyword.value in names.RUN_KEYWORDS
            for arg in call.args
        ):
            return True
        runner = self._resolver.meaning(call.func, record.scope)
        return isinstance(runner, Qual) and runner.name in names.RUN_LATER

    def _reference(
        self, node: cst.BaseExpression, scope: Scope, *, call: bool, once: bool
    ) -> Reference | None:
        meaning = self._resolver.member(node, scope)
        if not isinstance(meaning, Qual) or meaning.is_external:
            return None
        target = f"{meaning.name}.__init__" if meaning.is_class else meaning.name
        return Reference(scope.function, target, call=call, once=once)

    def _site(self, call: cst.Call, scope: Scope, classified: Classified) -> Site:
        _, request_names = self._resolver.safety(call, scope)
        assert scope.function is not None
        return Site(
            kind=classified.kind,
            span=Span(0, 0, 0, 0),
            text=self._render(call),
            function=scope.function,
            request_names=request_names,
            receiver=classified.receiver,
            method=classified.method,
        )

    def _render(self, call: cst.Call) -> str:
        text = _WHITESPACE.sub(" ", self._module.code_for_node(call)).strip()
        text = text.replace("( ", "(").replace(" )", ")")
        if len(text) <= _TEXT_LIMIT:
            return text
        callee = _WHITESPACE.sub(" ", self._module.code_for_node(call.func)).strip()
        return f"{callee}(...)"

    def _place(self, sites: list[tuple[CallRecord, Site]]) -> tuple[Site, ...]:
        """Positions cost a pass of their own, so only modules with sites pay for them: one
        pass places the calls and every node their fixes edit."""
        if not sites:
            return ()
        fixes = ModuleFixes(self._module, self._collection, self._resolver, self._helper_module)
        for record, site in sites:
            fixes.add(record.node, record.scope, site.kind)
        star = _STAR_IMPORTED.format(helper=self._helper_module)
        outcomes = [
            star if fixes.star_imports_helper else _outcome(fix_site) for fix_site in fixes.sites
        ]
        edited = [e.node for o in outcomes if not isinstance(o, str) for p in o for e in p.edits]
        found = spans(self._module, [*(record.node for record, _ in sites), *edited])
        placed = []
        for (record, site), outcome in zip(sites, outcomes, strict=True):
            options = () if isinstance(outcome, str) else self._options(fixes, outcome, found)
            placed.append(
                replace(
                    site,
                    span=found[id(record.node)],
                    fixes=options,
                    no_fix=outcome if isinstance(outcome, str) else None,
                )
            )
        return tuple(placed)

    def _options(
        self, fixes: ModuleFixes, plans: list[Plan], found: Mapping[int, Span]
    ) -> tuple[FixOption, ...]:
        return tuple(
            FixOption(
                Fix(
                    applicability=plan.applicability,
                    message=plan.message,
                    edits=tuple(_edit(edit, found[id(edit.node)]) for edit in plan.edits),
                    imports=tuple(
                        HelperImport(name, fixes.bound_name(name)) for name in plan.helpers
                    ),
                    helper_module=self._helper_module,
                    prunes=plan.prunes,
                ),
                plan.needs,
            )
            for plan in plans
        )

    # -- module surface --------------------------------------------------------------------

    def _exports(self, module_scope: Scope) -> dict[str, Value]:
        """Module-level names holding a boto3 object, and functions that return one (as their
        annotation says, or as what they return shows)."""
        exports: dict[str, Value] = {}
        for name in module_scope.bindings:
            meaning = self._resolver.resolve_bindings(module_scope.bindings[name])
            if isinstance(meaning, Value):
                exports[name] = meaning
        for record in self._collection.functions:
            node = record.node
            if not isinstance(node, cst.FunctionDef) or not _exported(record.outer, module_scope):
                continue
            value = self._resolver.produced(f"{self._collection.module}.{record.qualname}")
            if value is not None:
                exports[record.qualname] = value
        return exports

    def _returns(self, module_scope: Scope) -> dict[str, str]:
        """The project class whose objects each function or method returns, if one does."""
        found: dict[str, str] = {}
        for record in self._collection.functions:
            if isinstance(record.node, cst.FunctionDef) and _exported(record.outer, module_scope):
                name = f"{self._collection.module}.{record.qualname}"
                instance = self._resolver.produced_instance(name)
                if instance is not None:
                    found[record.qualname] = instance.cls
        return found


def _exported(outer: Scope, module_scope: Scope) -> bool:
    """Module-level functions, and methods of module-level classes (`Creds.session`)."""
    return outer is module_scope or (outer.kind is ScopeKind.CLASS and outer.parent is module_scope)


def _table_values(binding: Binding) -> list[cst.BaseExpression]:
    """The values of a dict, list or tuple literal a module-level name is bound to."""
    literal = binding.value if isinstance(binding, Assigned) else None
    if not isinstance(literal, (cst.Dict, cst.List, cst.Tuple)):
        return []
    return [
        element.value
        for element in literal.elements
        if isinstance(element, (cst.Element, cst.DictElement))
    ]


def _outcome(site: FixSite) -> Outcome:
    rule = BY_KIND.get(site.kind) if site.kind is not None else None
    if rule is None:
        return _IMPORTED_ELSEWHERE
    return rule.fix(site) if rule.fix is not None else rule.no_fix


def _edit(edit: NodeEdit, span: Span) -> Edit:
    if edit.whole_lines:
        return Edit(span.line, 1, span.end_line + 1, 1, "")
    return Edit(span.line, span.column, span.end_line, span.end_column, edit.content)


def _is_private(qualified: str) -> bool:
    """`pkg.Store._open`, not `pkg.Store.open` nor `pkg.Store.__init__`."""
    name = qualified.rpartition(".")[2]
    return name.startswith("_") and not name.endswith("__")


def _runs_in(record: CallRecord, functions: Mapping[str, Function]) -> str | None:
    """The function whose runs a creation follows: its own, or for one cached on `self`, the
    class's `__init__`, since it then runs once per instance, or for one cached in a
    `nonlocal`, the function that made the closure."""
    if record.per_instance:
        owner = record.scope.method_owner()
        initialiser = f"{owner[0].qualname}.__init__" if owner else None
        if initialiser in functions:
            return initialiser
    if record.per_closure:
        maker = _closure_maker(record.scope, functions)
        if maker is not None:
            return maker
    return record.scope.function


def _given(call: cst.Call, scope: Scope) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The positions and keywords a call certainly gives a value."""
    positions: list[int] = []
    keywords: list[str] = []
    for index, arg in enumerate(call.args):
        if arg.star:
            break
        value = arg.value
        if isinstance(value, cst.Name) and (
            value.value == "None" or scope.is_parameter(value.value)
        ):
            continue
        if arg.keyword is not None:
            keywords.append(arg.keyword.value)
        else:
            positions.append(index)
    return tuple(positions), tuple(keywords)


def _closure_maker(scope: Scope, functions: Mapping[str, Function]) -> str | None:
    """The function that made the closure `scope` belongs to: the nearest enclosing one."""
    outer = scope.parent
    while outer is not None and not outer.is_function:
        outer = outer.parent
    return outer.function if outer is not None and outer.function in functions else None


def returned_values(collection: Collection) -> dict[str, list[tuple[cst.BaseExpression, Scope]]]:
    """What each function's `return` statements give, by its qualified name."""
    found: dict[str, list[tuple[cst.BaseExpression, Scope]]] = {}
    for record in collection.returns:
        name = f"{collection.module}.{record.scope.function}"
        found.setdefault(name, []).append((record.node, record.scope))
    return found


def properties(collection: Collection) -> frozenset[str]:
    """Methods read as attributes: `@property`, `@cached_property`, `@functools.cached_property`."""
    return frozenset(
        f"{collection.module}.{r.qualname}"
        for r in collection.functions
        if _accessor(r, frozenset({"property", "cached_property"}))
    )


def _accessor(record: FunctionRecord, decorators: Set[str] = _ACCESSORS) -> bool:
    """A method that reading (or setting, or deleting) an attribute calls."""
    return (
        isinstance(record.node, cst.FunctionDef)
        and record.outer.kind is ScopeKind.CLASS
        and any(
            (get_full_name_for_node(d.decorator) or "").rpartition(".")[2] in decorators
            for d in record.node.decorators
        )
    )


def return_annotations(collection: Collection) -> dict[str, tuple[cst.BaseExpression, Scope]]:
    return {
        f"{collection.module}.{r.qualname}": (r.node.returns.annotation, r.outer)
        for r in collection.functions
        if isinstance(r.node, cst.FunctionDef) and r.node.returns is not None
    }


def _aliases(module_scope: Scope) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for name, bindings in module_scope.bindings.items():
        imported = [b.qualified for b in bindings if isinstance(b, Imported)]
        if imported:
            aliases[name] = imported[0]
    return aliases


def _bound_to_self(record: ValueRecord) -> bool:
    """`self.method` (not called) inside a method of the same object."""
    node = record.node
    owner = record.scope.method_owner()
    return (
        owner is not None
        and isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == owner[1]
    )


def _only_named(record: ValueRecord) -> bool:
    call = record.passed_to
    return (
        call is not None
        and isinstance(call.func, cst.Name)
        and call.func.value in _NAMING_ONLY
        and record.scope.lookup(call.func.value) is None
    )


def _is_slash_command(decorator: cst.Call) -> bool:
    """Slack Bolt's `@app.command("/deploy")` serves requests; click's `@cli.command()` does not."""
    return (first_literal(decorator, "command") or "").startswith("/")
