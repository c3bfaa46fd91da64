"""Property tests of `dynalint check` and `dynalint fix` on generated and mutated programs.

The programs come from three sources: modules generated here (boto3 creations in every kind of
scope, under every import spelling, beside bindings of the helper's own names in every kind of
scope), hypothesmith's random valid programs with a creation inserted, and the fixture projects
of `fixtures/check/` with such code inserted into their modules and functions. The properties:

1. check never crashes: no exception, and an unparsable input is a reported error;
2. fix never crashes, and every file it writes compiles;
3. a second fix changes nothing;
4. check after fix reports nothing fixable (no finding with a safe fix; with `--unsafe-fixes`,
   none with an unsafe one either);
5. every name a fix imports from the helper module resolves to the helper: it is bound once at
   module level, by that import, read nowhere at module level before it, with no star import
   after it, and no scope that reads it binds it or sees an enclosing function's binding; the
   helper module defines it; and the original module read no global of that name, which would
   now be the helper's.

Beside them, check must find the same in a module whether it is checked on its own, found in
its project's folder or named (the sift that spares parsing must never pass over a creation).

A bounded, derandomized run is part of the test suite (about 20 s in all; a failing example is
shown unshrunk). The long run draws N fresh random examples per test, and shrinks a failing one:

    python -m pytest tests/test_fuzz.py --fuzz-examples=2000

No example database is kept (nothing is written under `.hypothesis/`): a failure prints its
example and a `@reproduce_failure` blob. Bugs found are kept at the end as plain regression tests
with their minimal inputs (marked `xfail(strict=True)` while a bug is open), so that the
generic property tests stay as they are.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import shutil
import symtable
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import hypothesmith
import libcst as cst
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dynalint import Applicability, Config, fix_paths, fix_source, lint_paths, lint_source
from dynalint.cli import main
from dynalint.engine import lint_stdin
from dynalint.fix.helper import render_helper
from dynalint.fix.write import write_changes
from dynalint.types import FileError, Finding, LintResult
from tests.conftest import FIXTURES

HELPER_NAMES = (
    "get_client",
    "get_resource",
    "get_dynamo_table",
    "get_dynamo_resource",
    "aws_helpers",
    "cached_get_client",
    "cached_get_dynamo_table",
    "reset_caches",
)
CHECK_PROJECTS = sorted(p for p in (FIXTURES / "check").iterdir() if p.is_dir())
# The projects whose fix takes about a second; the others join them in a long run.
QUICK_PROJECTS = ("crud", "cli_tool", "kmskit", "monorepo", "ops_console", "ops_scripts")


# -- how many examples --------------------------------------------------------------------


def budget(fuzz_examples: int | None, bounded: int) -> settings:
    """`bounded` derandomized examples in the test suite, shown unshrunk when one fails (the
    shrinking of a generated module can take minutes), or `--fuzz-examples` fresh ones."""
    bounded_run = fuzz_examples is None
    return settings(
        max_examples=fuzz_examples or bounded,
        deadline=None,
        database=None,
        derandomize=bounded_run,
        phases=[p for p in Phase if p is not Phase.shrink or not bounded_run],
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


# -- generated modules --------------------------------------------------------------------

# An import line and the callables it binds: "client", "resource" or "session".
IMPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("import boto3", {"client": "boto3.client", "resource": "boto3.resource"}),
    ("import boto3", {"session": "boto3.Session"}),
    ("import boto3 as {a}", {"client": "{a}.client", "session": "{a}.session.Session"}),
    ("import boto3 as {a}", {"resource": "{a}.resource"}),
    ("from boto3 import client as {a}", {"client": "{a}"}),
    ("from boto3 import resource as {a}", {"resource": "{a}"}),
    ("from boto3 import client, resource", {"client": "client", "resource": "resource"}),
    ("from boto3 import Session as {a}", {"session": "{a}"}),
    ("from boto3.session import Session", {"session": "Session"}),
    ("import boto3.session", {"session": "boto3.session.Session", "client": "boto3.client"}),
)
ALIASES = ("b3", "mk", "boto", *HELPER_NAMES)


@dataclass(frozen=True)
class Scope:
    """Where statements are generated: the module, a function (`params` are its parameters,
    `declared` its `global` names) or a class body."""

    kind: str
    callables: dict[str, str]
    depth: int = 0
    params: frozenset[str] = frozenset()
    declared: frozenset[str] = frozenset()
    names: Iterator[int] = field(default_factory=itertools.count, compare=False)

    def fresh(self, stem: str) -> str:
        return f"{stem}_{next(self.names)}"

    def inner(self, kind: str, **changes: Any) -> Scope:
        return replace(self, kind=kind, depth=self.depth + 1, **changes)


def indent(lines: Sequence[str], by: int = 1) -> list[str]:
    return ["    " * by + line if line else line for line in lines]


@st.composite
def spellings(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    """One or two imports of boto3's factories under distinct random names, and what they
    bind: {"client": ..., "resource": ..., "session": ...}."""
    numbers = st.integers(0, len(IMPORTS) - 1)
    chosen = [IMPORTS[n] for n in draw(st.lists(numbers, min_size=1, max_size=2, unique=True))]
    aliases = draw(st.lists(st.sampled_from(ALIASES), min_size=2, max_size=2, unique=True))
    lines: list[str] = []
    callables: dict[str, str] = {}
    for (template, binds), alias in zip(chosen, aliases[: len(chosen)], strict=True):
        lines.append(template.format(a=alias))
        callables |= {role: spelled.format(a=alias) for role, spelled in binds.items()}
    return lines, callables


@st.composite
def creations(draw: st.DrawFn, scope: Scope) -> str:
    """One expression that creates a boto3 object, with arguments of every fix safety."""
    c, r, s = (scope.callables.get(role) for role in ("client", "resource", "session"))
    options = []
    if c:
        options += [
            f'{c}("s3")',
            f'{c}("sqs", region_name="eu-west-1")',
            f'{c}("s3", region_name=os.environ["AWS_REGION"])',
            f'{c}(service_name="sns", region_name=REGION)',
            f'{c}("s3", region_name=region())',
            f'{c}("s3", config={c}("sts"))',
            f'{c}(\n    "s3",  # a comment\n    region_name="eu-west-1",\n)',
        ]
        if "event" in scope.params:
            options.append(f'{c}("s3", region_name=event["region"])')
    if r:
        options += [
            "DDB.Table('orders')",
            f'{r}("sqs")',
            f'{r}("dynamodb").Table("orders")',
            f'{r}("dynamodb", region_name="eu-west-1").Table(os.environ["TABLE"])',
            f'{r}("dynamodb").Table(name=TABLE)',
            f'{r}("s3").Bucket("b")',
        ]
    if s:
        options += [f"{s}()", f'{s}(profile_name="ops").client("s3")']
    assume(options)
    return draw(st.sampled_from(options))


@st.composite
def bindings(draw: st.DrawFn, scope: Scope) -> list[str]:
    """A helper name bound (or read) in `scope` in one of the ways Python binds names."""
    name = draw(st.sampled_from(HELPER_NAMES))
    forms = [
        f"{name} = None",
        f"print({name})",
        f"{name}: object = None",
        f"{name}: object",
        f"for {name} in range(1):\n    pass",
        f"with open(__file__) as {name}:\n    pass",
        f"import os as {name}",
        f"from os import path as {name}",
        f"def {name}():\n    return None",
        f"class {name}:\n    pass",
        f"try:\n    pass\nexcept Exception as {name}:\n    pass",
        f"({name} := None)",
        f"{name} += 1",
        f"del {name}",
        f"print([{name} for {name} in range(1)])",
        f"match None:\n    case {name}:\n        pass",
        f"print(os.{name})",
        f"os.{name} = None",
    ]
    if scope.kind == "function" and name not in scope.params | scope.declared:
        inner = scope.fresh("closure")
        forms.append(
            f"{name} = None\ndef {inner}():\n    nonlocal {name}\n    {name} = 1\n"
            f"    return {name}\n{inner}()"
        )
    return draw(st.sampled_from(forms)).splitlines()


@st.composite
def creating_statements(draw: st.DrawFn, scope: Scope) -> list[str]:
    """A statement holding a creation: assigned, returned, in a lambda or a comprehension, or a
    resource whose Table is made on the next line."""
    made = draw(creations(scope))
    target = scope.fresh("obj")
    loop_name = draw(st.sampled_from(("_i", *HELPER_NAMES)))
    forms = [
        f"{target} = {made}",
        f"print({made})",
        f"{target} = lambda {loop_name}: {made}",
        f"{target} = [{made} for {loop_name} in range(2)]",
        f"{target} = {{k: {made} for k in 'ab'}}",
        f"{target} = list({made} for {loop_name} in range(1))",
        f"if {target}_ready := True:\n    print({made})",
        f"def {target}(arg={made}):\n    return arg",
        f"{target} = (lambda x={made}: x)",
        f"{target} = {made} if REGION else None",
        f"with {made} as {target}:\n    pass",
        f"try:\n    {target} = {made}\nexcept Exception:\n    {target} = None",
        f"while True:\n    {target} = {made}\n    break",
        f"{target} = 1; {target} = {made}",
        f"{loop_name} = {made}\nprint({loop_name})",
    ]
    if "\n" not in made:
        forms.append("print(f'{" + made + "!r}')")
    resource = scope.callables.get("resource")
    if resource:
        table = scope.fresh("table")
        two_steps = f'{target} = {resource}("dynamodb")\n{table} = {target}.Table(os.environ["T"])'
        forms += [two_steps, f"{two_steps}\nprint({target}.meta)"]  # the resource used again
    if scope.kind == "function":
        lazy = scope.fresh("_lazy")
        forms += [
            f"return {made}",
            f"yield {made}",
            f"global {lazy}\nif {lazy} is None:\n    {lazy} = {made}",
        ]
    return draw(st.sampled_from(forms)).splitlines()


@st.composite
def functions(
    draw: st.DrawFn,
    scope: Scope,
    name: str,
    *,
    params: Sequence[str] | None = None,
    first: Sequence[str] = (),
    plain: bool = False,
) -> list[str]:
    """A function whose parameters and body may bind helper names, maybe async or memoized
    (unless `plain`); `first` are statements run before the body."""
    if params is None:
        names = st.sampled_from(("event", "context", *HELPER_NAMES))
        params = draw(st.lists(names, max_size=3, unique=True))
    declared = draw(st.lists(st.sampled_from(HELPER_NAMES), max_size=2, unique=True))
    declared = [n for n in declared if n not in params]
    body_scope = scope.inner("function", params=frozenset(params), declared=frozenset(declared))
    body = [f"global {', '.join(declared)}"] if declared else []
    body += [*first, *draw(block(body_scope))]
    prefix, decorator = "def", ""
    if not plain:
        if scope.depth < 2:
            prefix = draw(st.sampled_from(("def", "def", "def", "async def")))
        decorations = ["", "", "", "@functools.lru_cache"]
        decorator = draw(
            st.sampled_from([*decorations, *(["@staticmethod"] * (scope.kind == "class"))])
        )
    if scope.kind == "class" and decorator != "@staticmethod":
        params = ["self", *params]
    header = f"{prefix} {name}({', '.join(params)}):"
    return [*([decorator] if decorator else []), header, *indent(body)]


@st.composite
def classes(draw: st.DrawFn, scope: Scope, name: str) -> list[str]:
    """A class whose attributes may be helper names, with a method `run` that runs per
    request when the class is instantiated and run from a handler."""
    class_scope = scope.inner("class")
    statements = st.one_of(bindings(class_scope), creating_statements(class_scope))
    lines = [line for statement in draw(st.lists(statements, max_size=2)) for line in statement]
    lines += draw(functions(class_scope, "run", plain=True))
    return [f"class {name}:", *indent(lines)]


def call(definition: list[str], name: str) -> str:
    """A call of the function `name` defined by `definition`, with a value for each parameter."""
    header = next(line for line in definition if f" {name}(" in line)
    params = header[header.index("(") + 1 : header.rindex(")")]
    count = len([p for p in params.split(",") if p.strip() and p.strip() != "self"])
    return f"{name}({', '.join(['None'] * count)})"


@st.composite
def block(draw: st.DrawFn, scope: Scope) -> list[str]:
    """Some statements for `scope`: creations, bindings, nested functions and classes."""
    kinds = ["create", "bind"]
    if scope.depth < 3:
        kinds += ["function", "class"]
    lines: list[str] = []
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3)):
        if kind == "create":
            lines += draw(creating_statements(scope))
        elif kind == "bind":
            lines += draw(bindings(scope))
        elif kind == "function":
            name = scope.fresh("inner")
            definition = draw(functions(scope, name))
            lines += definition
            if scope.kind == "function":
                lines.append(call(definition, name))
        else:
            name = scope.fresh("Inner")
            lines += draw(classes(scope, name))
            if scope.kind == "function":
                lines.append(f"{name}().run()")
    if scope.kind == "function" and any(line.startswith("return ") for line in lines):
        first = next(i for i, line in enumerate(lines) if line.startswith("return "))
        lines = lines[: first + 1]  # code after a return would never run
    return lines or ["pass"]


HEADER = [
    "import functools",
    "import os",
    'REGION = "eu-west-1"',
    'TABLE = "orders"',
    "def region():",
    '    return os.environ["R"]',
]
# What a module may already import beside boto3: the helper itself, or anything by a star.
ALREADY = (
    "from aws_helpers import get_client",
    "from aws_helpers import get_client as gc",
    "from aws_helpers import get_dynamo_table, reset_caches",
    "import aws_helpers",
    "from aws_helpers import *",
    "from os.path import *",
    "if REGION:\n    from os.path import *",
    "try:\n    import boto3\nexcept ImportError:\n    boto3 = None",
)


@st.composite
def headers(
    draw: st.DrawFn, imports: list[str], callables: dict[str, str], *, top: bool = True
) -> list[str]:
    """The module's imports of boto3, the names its creations use, and maybe an import of the
    helper or a star import; at the `top` of a module, maybe a docstring and a future import."""
    lines: list[str] = []
    if top:
        lines += draw(st.sampled_from(([], ['"""A module."""'])))
        lines += draw(st.sampled_from(([], ["from __future__ import annotations"])))
    lines += [*imports, *HEADER]
    lines += draw(st.lists(st.sampled_from(ALREADY), max_size=2, unique=True)) * draw(
        st.sampled_from((0, 0, 1))
    )
    if "resource" in callables:
        lines.append(f'DDB = {callables["resource"]}("dynamodb")')
    return [line for text in lines for line in text.splitlines()]


@st.composite
def modules(draw: st.DrawFn) -> str:
    """A module with boto3 imported under random names, module-level code, and a Lambda
    handler that calls every function and runs every class the module defines."""
    imports, callables = draw(spellings())
    scope = Scope("module", callables)
    body: list[str] = []
    calls: list[str] = []
    kinds = st.sampled_from(("bind", "create", "function", "class"))
    for kind in draw(st.lists(kinds, max_size=5)):
        if kind == "bind":
            body += draw(bindings(scope))
        elif kind == "create":
            body += draw(creating_statements(scope))
        elif kind == "function":
            name = scope.fresh("work")
            definition = draw(functions(scope, name))
            body += ["", "", *definition]
            calls.append(call(definition, name))
        else:
            name = scope.fresh("Service")
            body += ["", "", *draw(classes(scope, name))]
            calls.append(f"{name}().run()")
    handler = draw(
        functions(scope, "lambda_handler", params=("event", "context"), first=calls, plain=True)
    )
    main_block = draw(st.sampled_from(([], ['if __name__ == "__main__":', "    work_0()"])))
    header = draw(headers(imports, callables))
    source = "\n".join([*header, *body, "", "", *handler, *main_block]) + "\n"
    assume(compiles(source))
    return source


def compiles(source: str | bytes, path: str = "<fuzz>") -> bool:
    try:
        compile_source(source, path)
    except (SyntaxError, ValueError, LookupError):
        return False
    return True


def compile_source(source: str | bytes, path: str) -> None:
    """compile() as the import system does it: bytes decoded by their coding cookie."""
    text = importlib.util.decode_source(source) if isinstance(source, bytes) else source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like are not dynalint's doing
        compile(text, path, "exec", dont_inherit=True)


# -- property 5: the names a fix imports resolve to the helper ----------------------------

FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = (*FUNCTION_SCOPES, ast.ClassDef, *COMPREHENSIONS)
Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp


def evaluated_outside(node: ast.AST) -> list[ast.AST]:
    """The parts of a function, lambda, class or comprehension that run in the scope around
    it: decorators, defaults, annotations, bases, the first iterable, walrus targets."""
    if isinstance(node, COMPREHENSIONS):
        walrus = [n.target for n in ast.walk(node) if isinstance(n, ast.NamedExpr)]
        return [node.generators[0].iter, *walrus]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
    assert isinstance(node, FUNCTION_SCOPES)
    arguments = node.args
    parts: list[ast.AST] = [*arguments.defaults]
    parts += [d for d in arguments.kw_defaults if d is not None]
    if not isinstance(node, ast.Lambda):
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        parts += [a.annotation for a in every if a.annotation is not None]
        parts += [*node.decorator_list, *([node.returns] if node.returns else [])]
    return parts


def inside(scope: ast.AST) -> list[ast.AST]:
    """The parts of a scope evaluated in its own namespace, parameters included."""
    if isinstance(scope, COMPREHENSIONS):
        assert isinstance(scope, Comprehension)
        parts: list[ast.AST] = [scope.key, scope.value] if isinstance(scope, ast.DictComp) else []
        parts += [] if isinstance(scope, ast.DictComp) else [scope.elt]
        for number, generator in enumerate(scope.generators):
            parts += [generator.target, *generator.ifs, *([generator.iter] if number else [])]
        return parts
    if isinstance(scope, FUNCTION_SCOPES):
        arguments = scope.args
        params: list[ast.AST] = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        body = [scope.body] if isinstance(scope, ast.Lambda) else scope.body
        return [*params, *body]
    assert isinstance(scope, (ast.Module, ast.ClassDef))
    return list(scope.body)


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Every node evaluated in `scope`'s own namespace: a nested scope's node itself and what
    it evaluates outside, but not its inside."""
    stack = inside(scope)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, SCOPES):
            stack += evaluated_outside(node)
        elif not isinstance(node, ast.arg):
            stack += ast.iter_child_nodes(node)


def bound_names(scope: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(name, node) for every binding `scope` makes in its own namespace."""
    nodes = list(own_nodes(scope))
    bare = {id(n.target) for n in nodes if isinstance(n, ast.AnnAssign) and n.value is None}
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            if id(node) not in bare:
                yield node.id, node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0], node
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            yield node.name, node
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest, node
        elif isinstance(node, ast.arg):
            yield node.arg, node


def module_bindings(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    """Bindings of module-level names: the module's own, and those made under `global`."""
    found = list(bound_names(tree))
    for scope in (n for n in ast.walk(tree) if isinstance(n, SCOPES)):
        declared = {n for s in own_nodes(scope) if isinstance(s, ast.Global) for n in s.names}
        found += [(name, node) for name, node in bound_names(scope) if name in declared]
    return found


def helper_imports(tree: ast.Module, helper: str) -> dict[str, tuple[str, ast.ImportFrom]]:
    """{bound name: (helper function, import)} for every `from <helper> import ...`."""
    return {
        alias.asname or alias.name: (alias.name, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == helper
        for alias in node.names
        if alias.name != "*"
    }


@dataclass(frozen=True)
class Reader:
    """A function or class scope that reads a name; `module` when it reads the global one."""

    scope: str
    line: int
    module: bool


def readers(source: str, name: str) -> Iterator[Reader]:
    """Every function, lambda, comprehension or class scope that reads `name` (symtable),
    named by its qualified name (`function Service.run.<listcomp>`)."""
    tree = ast.parse(source)
    classes = {(n.name, n.lineno): n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    top = symtable.symtable(source, "<fuzz>", "exec").get_children()
    stack = [(table, "", False) for table in top]
    while stack:
        table, outer, enclosed = stack.pop()
        qualified = f"{outer}{table.get_name()}"
        symbol = table.lookup(name) if name in table.get_identifiers() else None
        binds = symbol is not None and table.get_type() == "function" and symbol.is_local()
        stack += [(child, f"{qualified}.", enclosed or binds) for child in table.get_children()]
        if symbol is None or not symbol.is_referenced():
            continue
        module = symbol.is_global()
        if table.get_type() == "class" and symbol.is_local() and not enclosed:
            node = classes[table.get_name(), table.get_lineno()]
            module = not reads_after_binding(node, name)
        yield Reader(f"{table.get_type()} {qualified}", table.get_lineno(), module)


def reads_after_binding(scope: ast.ClassDef, name: str) -> bool:
    """Whether the class body reads `name` after binding it. Before, it reads the global:
    `get_client = get_client("s3")` in a class body calls the module's `get_client`. An
    assignment binds once its value is evaluated; other bindings where they stand."""
    nodes = list(own_nodes(scope))
    bound_at: dict[int, tuple[int, int]] = {}
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    bound_at[id(part)] = (node.end_lineno or 0, node.end_col_offset or 0)
    bindings = [
        bound_at.get(id(node), (node.lineno, node.col_offset))  # type: ignore[attr-defined]
        for bound_name, node in bound_names(scope)
        if bound_name == name
    ]
    reads = [
        (n.lineno, n.col_offset)
        for n in nodes
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]
    return bool(bindings) and any(read > min(bindings) for read in reads)


def module_reads(tree: ast.Module, name: str) -> list[int]:
    """The lines where module-level code itself reads `name`."""
    return [
        n.lineno
        for n in own_nodes(tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]


def unresolved_helper_names(
    before: str, after: str, helper: str, helper_source: str | None
) -> list[str]:
    """Property 5 on one fixed module: why a name imported from `helper` may not mean the
    helper's function wherever the fix made it read. A name the fix imports must be bound once
    at module level, by that import, with no star import after it, read at module level only
    after it, read as a global by every scope that reads it, and read as a global nowhere in
    the original. A name the module imported already must be read as a global by each scope
    that the fix made read it."""
    tree = ast.parse(after)
    try:
        original: ast.Module | None = ast.parse(before)
    except SyntaxError:  # parsed by dynalint, but not by this Python: nothing to compare
        original = None
    existing = helper_imports(original, helper) if original is not None else {}
    defined = None
    if helper_source is not None:
        defined = {n.name for n in ast.parse(helper_source).body if isinstance(n, ast.FunctionDef)}
    problems = []
    bound = module_bindings(tree)
    for name, (function, imported) in sorted(helper_imports(tree, helper).items()):
        where = f"{name} (from {helper} import {function}, line {imported.lineno})"
        # An import the module had already may name what the helper lacks: the fix made no
        # promise about it unless it made the name read somewhere new.
        reads_added = name not in existing or len(list(readers(after, name))) > len(
            list(readers(before, name))
        )
        if defined is not None and function not in defined and reads_added:
            problems.append(f"{where}: the helper module defines no {function}")
        shadowed = [r for r in readers(after, name) if not r.module]
        if name in existing:
            known = {(r.scope, r.module) for r in readers(before, name)}
            shadowed = [r for r in shadowed if (r.scope, r.module) not in known]
        problems += [f"{where}: {r.scope} (line {r.line}) does not read it" for r in shadowed]
        if name in existing:
            continue
        binders = [node for bound_name, node in bound if bound_name == name]
        if binders != [imported]:
            lines = sorted(getattr(node, "lineno", 0) for node in binders)
            problems.append(f"{where}: bound at module level on lines {lines}")
        for node in own_nodes(tree):
            if not isinstance(node, ast.ImportFrom) or node.names[0].name != "*":
                continue
            if node.lineno > imported.lineno and node.module != helper:
                problems.append(f"{where}: a star import after it, line {node.lineno}")
        early = [line for line in module_reads(tree, name) if line < imported.lineno]
        if early:
            problems.append(f"{where}: read at module level before the import, lines {early}")
        if original is not None:
            taken = module_reads(original, name)
            taken += [r.line for r in readers(before, name) if r.module]
            if taken:
                problems.append(f"{where}: the original read another global {name}: {taken}")
    return problems


# -- the properties on one module ---------------------------------------------------------


def remark(text: str) -> None:
    """hypothesis' `note`, which the plain regression tests run without."""
    try:
        note(text)
    except InvalidArgument:
        pass


def safe_left(result: LintResult, *, unsafe_fixes: bool = False) -> list[Finding]:
    fixable = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe_fixes else set())
    return [f for f in result.findings if f.applicability in fixable]


def check_module(source: str, *, unsafe_fixes: bool = False, path: str = "handler.py") -> None:
    """Properties 1 to 5 for one module fixed on its own, with `fix_source`."""
    remark(source)
    linted = lint_source(source, path)  # 1: returns, never raises
    if linted.errors:
        assert linted.findings == (), "findings in a module that could not be analysed"
    fixed = fix_source(source, path, unsafe_fixes=unsafe_fixes)  # 2
    remark(fixed.text)
    compile_source(fixed.text, path)
    if fixed.helper_source is not None:
        compile_source(fixed.helper_source, "aws_helpers.py")
    if fixed.text != source:
        assert fixed.fixed, "the text changed, but no finding was fixed"
    again = fix_source(fixed.text, path, unsafe_fixes=unsafe_fixes)  # 3
    assert again.text == fixed.text, "a second fix changed the module"
    assert again.fixed == (), again.fixed
    left = safe_left(lint_source(fixed.text, path), unsafe_fixes=unsafe_fixes)  # 4
    assert left == [], f"fixable findings left after the fix (its errors: {fixed.errors})"
    problems = unresolved_helper_names(source, fixed.text, fixed.helper_module, fixed.helper_source)
    assert problems == [], problems  # 5


# -- the properties on one project --------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {"__pycache__", ".dynalint_cache"} & set(p.parts)
    }


@dataclass(frozen=True)
class Written:
    """What one `dynalint fix` wrote: {path: bytes}, and each fixed file's helper module as
    {path: (dotted name, file)}."""

    files: dict[str, bytes]
    helpers: dict[str, tuple[str, Path]]
    errors: tuple[FileError, ...]


def fix_project(root: Path, *, unsafe_fixes: bool) -> Written:
    """`dynalint fix ROOT` through the API the command uses."""
    before = snapshot(root)
    result = fix_paths([str(root)], Config(), unsafe_fixes=unsafe_fixes)
    assert write_changes(result.changes) == []
    after = snapshot(root)
    helpers = {}
    for finding in result.fixed:
        fix = finding.fix
        assert fix is not None and fix.helper_path is not None
        path = Path(finding.path).resolve().relative_to(root).as_posix()
        helpers[path] = (fix.helper_module, fix.helper_path)
    written = {path: data for path, data in after.items() if before.get(path) != data}
    return Written(written, helpers, result.errors)


def check_project(root: Path, *, unsafe_fixes: bool = False) -> None:
    """Properties 1 to 5 for a project fixed in place, as `dynalint fix` fixes it."""
    original = snapshot(root)
    lint_paths([str(root)], Config())  # 1: returns, never raises
    first = fix_project(root, unsafe_fixes=unsafe_fixes)  # 2
    for path, data in first.files.items():
        if path.endswith(".py"):
            compile_source(data, path)
    second = fix_project(root, unsafe_fixes=unsafe_fixes)  # 3
    assert second.files == {}, "a second fix changed files"
    left = safe_left(lint_paths([str(root)], Config()), unsafe_fixes=unsafe_fixes)  # 4
    assert left == [], f"fixable findings left after the fix (its errors: {first.errors})"
    for path, (helper, helper_file) in first.helpers.items():  # 5
        assert path in first.files, f"{path} had findings fixed, but was not written"
        before = importlib.util.decode_source(original[path])
        after = importlib.util.decode_source(first.files[path])
        helper_source = helper_file.read_text("utf-8")
        problems = unresolved_helper_names(before, after, helper, helper_source)
        assert problems == [], (path, problems)


# -- fixture projects, mutated ------------------------------------------------------------


def project_modules(project: Path) -> list[Path]:
    """The modules dynalint checks by default: tests are left out."""
    return [
        p
        for p in sorted(project.rglob("*.py"))
        if not {"tests", "test"} & set(p.relative_to(project).parts)
        and not p.name.startswith("test_")
        and not p.name.endswith("_test.py")
        and p.name != "conftest.py"
    ]


def insertion_after_imports(tree: ast.Module) -> int:
    """The 0-based line after the last module-level import (after the docstring if none)."""
    last = 0
    for number, node in enumerate(tree.body):
        is_docstring = number == 0 and isinstance(node, ast.Expr)
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_docstring:
            last = node.end_lineno or node.lineno
    return last


@dataclass(frozen=True)
class Mutation:
    """A fixture project with one module's text replaced (written with `newline`), and maybe
    a helper module written beside it beforehand: {path: text}."""

    project: str
    module: str
    text: str
    newline: str = "\n"
    extra: tuple[tuple[str, str], ...] = ()


# Helper modules a project may hold already: one generated by dynalint, hand-written ones
# that lack functions, and one that is no helper at all.
EXISTING_HELPERS = (
    render_helper(),
    "def get_client(*args, **kwargs):\n    return None\n",
    "import boto3\n\n\ndef get_dynamo_table(name):\n"
    "    return boto3.resource('dynamodb').Table(name)\n",
    "VALUE = 1\n",
)


def first_statement(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    """The statement new code goes before: the first after the docstring."""
    body = function.body
    return body[1] if ast.get_docstring(function) is not None and len(body) > 1 else body[0]


def on_own_line(statement: ast.stmt, lines: list[str]) -> bool:
    return not lines[statement.lineno - 1][: statement.col_offset].strip()


@st.composite
def mutations(draw: st.DrawFn, projects: Sequence[str]) -> Mutation:
    """A fixture project's module with boto3 imported under random names, and generated code
    inserted at module level or at the top of one of its functions or methods."""
    project = FIXTURES / "check" / draw(st.sampled_from(projects))
    module = draw(st.sampled_from(project_modules(project)))
    lines = module.read_text("utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    imports, callables = draw(spellings())
    scope = Scope("module", callables, names=itertools.count(100))
    functions_ = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        and on_own_line(first_statement(n), lines)
    ]
    top = insertion_after_imports(tree)
    inserts = [(top, draw(headers(imports, callables, top=False)))]
    if len(functions_) > 0 and draw(st.booleans()):
        function = draw(st.sampled_from(functions_))
        first = first_statement(function)
        args = function.args
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        inner = scope.inner("function", params=frozenset(params))
        statements = [line for line in draw(block(inner)) if not line.startswith("return ")]
        prefix = lines[first.lineno - 1][: first.col_offset]
        inserts.append((first.lineno - 1, [prefix + line for line in statements or ["pass"]]))
    else:
        handler = draw(functions(scope, "fuzz_handler", params=("event", "context"), plain=True))
        code = ["", "", *draw(block(scope)), "", "", *handler, ""]
        inserts.append((draw(st.sampled_from((len(lines), top))), code))
    for at, new in sorted(inserts, key=lambda insert: insert[0], reverse=True):
        lines[at:at] = new
    text = "\n".join(lines) + "\n"
    assume(compiles(text))
    newline = draw(st.sampled_from(("\n", "\n", "\r\n")))
    relative = module.relative_to(project)
    extra: tuple[tuple[str, str], ...] = ()
    if draw(st.integers(0, 3)) == 0:
        folders = ["", *(f"{part}/" for part in relative.parts[:1] if len(relative.parts) > 1)]
        place = draw(st.sampled_from(folders)) + "aws_helpers.py"
        assume(not (project / place).exists())
        extra = ((place, draw(st.sampled_from(EXISTING_HELPERS))),)
    return Mutation(project.name, relative.as_posix(), text, newline, extra)


def copy_project(mutation: Mutation, into: Path) -> Path:
    root = into / mutation.project
    shutil.copytree(FIXTURES / "check" / mutation.project, root)
    (root / mutation.module).write_bytes(mutation.text.replace("\n", mutation.newline).encode())
    for place, text in mutation.extra:
        (root / place).write_text(text)
    return root


# -- unparsable input ---------------------------------------------------------------------

BREAKERS = ("(", ")", "[", "'", '"""', ":", "\\", "\t", "\0", "def", "=", "lambda", "\x0c")


@st.composite
def broken(draw: st.DrawFn, source: str) -> str:
    """`source` with a random cut, or a token that breaks it inserted at a random place."""
    at = draw(st.integers(0, len(source)))
    if draw(st.booleans()):
        end = draw(st.integers(at, len(source)))
        return source[:at] + source[end:]
    return source[:at] + draw(st.sampled_from(BREAKERS)) + source[at:]


def parses(data: str | bytes) -> bool:
    """Whether Python parses `data` (bytes decoded as the import system decodes them)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = importlib.util.decode_source(data) if isinstance(data, bytes) else data
            ast.parse(text.encode("utf-8"))  # a str that cannot be encoded is no source
    except (SyntaxError, ValueError, LookupError):
        return False
    return True


def crash(result: Result) -> str:
    """What `dynalint` printed, and the exception it raised."""
    assert result.exc_info is not None
    return result.output + "".join(traceback.format_exception(*result.exc_info))


def check_any_input(data: str | bytes) -> None:
    """Property 1 (and 2) for any text or bytes: a result, never an exception; errors, not
    findings, for input that Python cannot parse, and `fix_source` leaves it as it was."""
    linted = lint_source(data, "handler.py")
    assert isinstance(linted, LintResult)
    fixed = fix_source(data, "handler.py")
    if not parses(data):
        assert linted.errors and linted.findings == ()
        assert fixed.errors and fixed.helpers == frozenset()
        assert fixed.fixed == ()


def findings_wherever_found(source: str, folder: Path) -> None:
    """`check` finds the same in a module checked on its own (`lint_source`), found in its
    project's folder, or named: the sift that spares parsing files that cannot hold a creation
    must never pass over one that does."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'fuzz'\n")
    module = folder / "handler.py"
    module.write_bytes(source.encode("utf-8"))

    def found(result: LintResult) -> list[tuple[int, int, str]]:
        return sorted((f.line, f.column, f.code) for f in result.findings)

    alone = found(lint_source(source, "handler.py"))
    assert found(lint_paths([str(folder)], Config())) == alone, "checked in its folder"
    assert found(lint_paths([str(module)], Config())) == alone, "named"


# -- the tests ----------------------------------------------------------------------------


@pytest.fixture
def fuzz(fuzz_examples: int | None) -> Callable[[int], settings]:
    return lambda bounded: budget(fuzz_examples, bounded)


def test_generated_modules(fuzz: Callable[[int], settings], tmp_path: Path) -> None:
    folders = (tmp_path / str(n) for n in itertools.count())

    @fuzz(25)
    @given(source=modules(), unsafe_fixes=st.booleans())
    def run(source: str, unsafe_fixes: bool) -> None:
        check_module(source, unsafe_fixes=unsafe_fixes)
        findings_wherever_found(source, next(folders))

    run()


def with_creation(source: str, statement: str, where: int) -> str | None:
    """`source` with `import boto3` after its docstring and future imports, and `statement`
    at the start of one of its functions (`where`-th, counting from 1), or in a Lambda handler
    appended (`where` 0, or no function); None if libcst cannot parse it."""
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    new = cst.parse_statement(statement)
    found: list[cst.FunctionDef] = []

    class Collect(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append(node)

    tree.visit(Collect())
    target = found[(where - 1) % len(found)] if found and where else None

    class Insert(cst.CSTTransformer):
        def leave_FunctionDef(
            self, original: cst.FunctionDef, updated: cst.FunctionDef
        ) -> cst.FunctionDef:
            if original is not target:
                return updated
            body = updated.body
            if isinstance(body, cst.IndentedBlock):
                return updated.with_changes(body=body.with_changes(body=[new, *body.body]))
            assert isinstance(body, cst.SimpleStatementSuite)
            rest = cst.SimpleStatementLine(body=body.body)
            return updated.with_changes(body=cst.IndentedBlock(body=[new, rest]))

    changed = tree.visit(Insert())
    body = list(changed.body)
    top = max((n + 1 for n, s in enumerate(body) if _is_future_or_docstring(s, n)), default=0)
    body.insert(top, cst.parse_statement("import boto3"))
    if target is None:
        body.append(cst.parse_statement(f"def lambda_handler(event, context):\n    {statement}\n"))
    return changed.with_changes(body=body).code


def _is_future_or_docstring(statement: cst.CSTNode, number: int) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name):
        return small.module.value == "__future__"
    return number == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)


HYPOTHESMITH_CREATIONS = (
    'print(boto3.client("s3"))',
    'print(boto3.resource("dynamodb").Table("orders"))',
    'print(boto3.resource("sqs", region_name="eu-west-1"))',
    "print(boto3.Session())",
)


@pytest.mark.parametrize("grammar", ["from_grammar", "from_node"])
def test_hypothesmith_programs(
    fuzz: Callable[[int], settings], grammar: str, tmp_path: Path
) -> None:
    folders = (tmp_path / str(n) for n in itertools.count())
    programs = (
        hypothesmith.from_grammar() if grammar == "from_grammar" else hypothesmith.from_node()
    )

    @fuzz(12 if grammar == "from_grammar" else 6)
    @given(
        program=programs,
        statement=st.sampled_from(HYPOTHESMITH_CREATIONS),
        where=st.integers(0, 20),
    )
    def run(program: str, statement: str, where: int) -> None:
        check_any_input(program.encode("utf-8", "surrogatepass"))
        source = with_creation(program, statement, where)
        assume(source is not None and compiles(source))
        assert source is not None
        check_module(source)
        findings_wherever_found(source, next(folders))

    run()


def test_mutated_fixture_projects(
    fuzz: Callable[[int], settings], fuzz_examples: int | None, tmp_path: Path
) -> None:
    projects = [p.name for p in CHECK_PROJECTS]
    if fuzz_examples is None:
        projects = [p for p in projects if p in QUICK_PROJECTS]
    workspaces = itertools.count()

    @fuzz(6)
    @given(mutation=mutations(projects), unsafe_fixes=st.booleans())
    def run(mutation: Mutation, unsafe_fixes: bool) -> None:
        note(f"{mutation.project}/{mutation.module}:\n{mutation.text}")
        root = copy_project(mutation, tmp_path / str(next(workspaces)))
        check_project(root, unsafe_fixes=unsafe_fixes)

    run()


def test_any_input(fuzz: Callable[[int], settings]) -> None:
    @fuzz(40)
    @given(
        data=st.one_of(
            st.binary(max_size=200),
            st.text(max_size=200),
            st.text(st.characters(codec=None, categories=["Cs", "Lu", "Zs"]), max_size=20),
            st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
            modules().flatmap(broken).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.sampled_from(
                (
                    b"\xef\xbb\xbfimport boto3\n",
                    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
                    b"# coding: utf-16\nimport boto3\n",
                    b"# coding: rot13\nvzcbeg obgb3\n",
                    b"\xff\xfeimport boto3\n",
                    b"import boto3\r\ndef handler(event, context):\r\n\treturn boto3.client('s3')",
                )
            ),
        )
    )
    def run(data: str | bytes) -> None:
        check_any_input(data)

    run()


def test_unparsable_project_file_is_a_reported_error(
    fuzz: Callable[[int], settings], fuzz_examples: int | None, tmp_path: Path
) -> None:
    """A project with one broken module. Named on the command line, `check` and `fix` report
    it (exit code 2, the error on stderr) and leave it untouched, as `lint_stdin` reports it;
    with its folder named, they do not crash. (A syntax error shows only in a file that is
    parsed, and a file that cannot hold a creation is not: README, *Which files are parsed*.)"""
    projects = QUICK_PROJECTS if fuzz_examples is None else [p.name for p in CHECK_PROJECTS]
    workspaces = itertools.count()

    @st.composite
    def broken_projects(draw: st.DrawFn) -> Mutation:
        project = FIXTURES / "check" / draw(st.sampled_from(projects))
        module = draw(st.sampled_from(project_modules(project)))
        text = draw(broken(module.read_text("utf-8")))
        assume(not parses(text.encode("utf-8", "surrogatepass")))
        return Mutation(project.name, module.relative_to(project).as_posix(), text)

    @fuzz(4)
    @given(mutation=broken_projects())
    def run(mutation: Mutation) -> None:
        note(f"{mutation.project}/{mutation.module}:\n{mutation.text}")
        root = tmp_path / str(next(workspaces)) / mutation.project
        shutil.copytree(FIXTURES / "check" / mutation.project, root)
        target = root / mutation.module
        data = mutation.text.encode("utf-8", "surrogatepass")
        target.write_bytes(data)
        stdin = lint_stdin(data, str(target))
        assert [e.path for e in stdin.errors] == [str(target)]
        assert stdin.findings == ()
        for command in ("check", "fix"):
            for given_path in (target, root):
                result = CliRunner().invoke(main, [command, "--no-cache", str(given_path)])
                assert isinstance(result.exception, (SystemExit, type(None))), crash(result)
                assert "Traceback" not in result.output
                errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
                assert all(line.startswith(f"error: {target}: ") for line in errors), errors
                if given_path == target:
                    assert result.exit_code == 2, result.output
                    assert errors, result.output
                else:
                    assert result.exit_code == (2 if errors else result.exit_code)
        assert target.read_bytes() == data

    run()


# -- regressions: minimal inputs of the bugs the properties found -------------------------

# A line of the handler's body that starts with a form feed, which Python skips as whitespace.
FORM_FEED = (
    'import boto3\n\n\ndef lambda_handler(event, context):\n\x0c    return boto3.client("s3")\n'
)

# Fixed since they were found (4279042, 7f33e8d, 4a1b515); the comments say what went wrong.
FIXED = [
    pytest.param(
        "import boto3\nfrom aws_helpers import *\n\n\ndef lambda_handler(event, context):\n"
        '    return boto3.client("s3")\n',
        id="star import of the helper module",  # marked fixable; the fix raised ValueError
    ),
    pytest.param(
        "from aws_helpers import get_client\nimport boto3\n\n\n"
        "def lambda_handler(event, context):\n"
        "    get_client = None\n"
        '    return boto3.client("s3")\n',
        id="helper already imported, shadowed by a local",  # marked fixable; fix refused
    ),
    pytest.param(
        "import boto3\nX = 1\nfrom mylib import *\nfrom aws_helpers import reset_caches\n\n\n"
        "def lambda_handler(event, context):\n"
        '    return boto3.client("s3")\n',
        id="new helper import above a star import",  # mylib's get_client was called
    ),
    pytest.param(FORM_FEED, id="form feed in indentation"),  # the fix raised ValueError
    pytest.param(
        "from aws_helpers import get_client\nimport boto3\nimport os as get_client\n\n\n"
        'def lambda_handler(event, context):\n    return boto3.client("s3")\n',
        id="helper already imported, rebound by an import",  # marked fixable; fix refused
    ),
    pytest.param(
        "from aws_helpers import get_client\nimport boto3\n\n\n"
        "def lambda_handler(event, context):\n    global get_client\n    get_client = None\n"
        '    return boto3.client("s3")\n',
        id="helper already imported, rebound under global",  # marked fixable; fix refused
    ),
    pytest.param(
        'import boto3\nREGION = "eu-west-1"\nfrom aws_helpers import get_client\n'
        'DDB = boto3.resource("dynamodb")\n\n\ndef lambda_handler(event, context):\n'
        '    return boto3.client("s3")\n',
        id="helper imported below other code",  # a second import of it made the proof refuse
    ),
]


@pytest.mark.parametrize("source", FIXED)
def test_regression(source: str) -> None:
    check_module(source)


def test_regression_form_feed_in_indentation_is_checked_in_a_folder(tmp_path: Path) -> None:
    """The sift took a line for indented only when it started with a space or a tab."""
    findings_wherever_found(FORM_FEED, tmp_path / "project")


def test_regression_text_that_cannot_be_encoded_is_a_reported_error() -> None:
    """A str holding a lone surrogate (text read with surrogateescape) raised."""
    check_any_input('import boto3\nNAME = "\udcff"\n')


def test_regression_python_warnings_stay_inside() -> None:
    """CPython's SyntaxWarning about checked code went to stderr, and under `-W error` made a
    valid file a reported syntax error."""
    source = (
        "import boto3\n\n\ndef lambda_handler(event, context):\n"
        '    assert (event, "no event")\n    return boto3.client("s3")\n'
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = lint_source(source, "handler.py")
    assert [str(w.message) for w in caught] == []
    assert result.errors == ()


def test_regression_invalid_string_escape_is_a_reported_error() -> None:
    check_any_input(
        'import boto3\n\n\ndef lambda_handler(event, context):\n    name = "\\u"\n'
        '    return boto3.client("s3")\n'
    )


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            'import boto3\nraise\ndef lambda_handler(event, context):\n    boto3.client("s3")\n',
            id="after a module-level raise",
        ),
        pytest.param(
            "import boto3\n\n\ndef lambda_handler(event, context):\n    return 1\n"
            '    fetch = lambda: boto3.client("s3")\n',
            id="after a return",
        ),
        pytest.param(
            "import boto3\nif False:\n\n    def lambda_handler(event, context):\n"
            '        boto3.client("s3")\n',
            id="under if False",
        ),
    ],
)
def test_regression_code_the_compiler_drops_is_checked_in_a_folder(
    source: str, tmp_path: Path
) -> None:
    """The sift asked CPython's compiler which scopes name a creator, and the compiler drops
    the code it can never reach, so a folder's check passed over what `lint_source` found."""
    findings_wherever_found(source, tmp_path / "project")


def test_regression_an_import_the_helper_lacked_is_no_promise_of_the_fix(tmp_path: Path) -> None:
    """The module imported `reset_caches` from a hand-written helper that never defined it; the
    fix, which only needed `get_client`, was blamed for it."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "aws_helpers.py").write_text(
        "import boto3\n\n\ndef get_client(service_name, **kwargs):\n"
        "    return boto3.client(service_name, **kwargs)\n"
    )
    (root / "handler.py").write_text(
        "import boto3\nfrom aws_helpers import reset_caches\n\n\n"
        'def lambda_handler(event, context):\n    reset_caches()\n    return boto3.client("s3")\n'
    )
    check_project(root)
