"""Facts read off a file's bytes without parsing it: whether it can hold a creation site, and
what it imports. Cheap enough to compute for every file of a project, and small enough to cache.

A file can hold a creation site only if it has a creation-shaped call (`client(`, `resource(`,
`Session(`, `Table(`, `connect(`, `Redis(`, `create_engine(`, any `...Client(`: the last names of
the vocabulary's creators) inside a function, a lambda or a class body and mentions boto or imports
one of the other libraries (pymysql, redis, httpx, ...); without either, only a call of a boto3
object's creating methods counts, since its receiver may be a boto3 object imported from a project
module. A file that renames a creator (`from boto3 import client as make`, `make = boto3.client`)
always can. Literal-led regular expressions answer for most files; where they see a call, CPython's
compiler confirms it, so a call in a comment or a docstring, at module level, or a class named
`Table` costs no libcst parse. Imports are read loosely (in strings too, across `;` and `try:`): a
spurious one only costs a parse.
"""

from __future__ import annotations

import re
import symtable
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import CodeType

from dynalint.analysis.names import CLASS_BUILDERS, CREATORS, LIBRARIES
from dynalint.text import decode, decode_error

_CLIENT = "Client"  # a suffix: Google Cloud's and Azure's many client classes end with it
_CREATORS = frozenset(
    {"Table", "get_session", *(name.rpartition(".")[2] for name in CREATORS), *CLASS_BUILDERS}
)
# What a file that imports none of the creators' libraries can still call: a method of a boto3
# object a project module hands over.
_METHODS = frozenset(
    {"client", "resource", "Session", "Table", "create_client", "get_session", "AioSession"}
)
_COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})


def _alternation(names: frozenset[str]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(sorted((name.encode() for name in names), reverse=True)))


_CREATOR = _alternation(_CREATORS | {_CLIENT})
_METHOD = _alternation(_METHODS)
_CALLED = re.compile(rb"\s*\(")
_RENAMED = re.compile(rb"[ \t]+as[ \t]+\w|[ \t]*(?:[\r\n,;)#]|$)")
_ASSIGNED = re.compile(rb"=[ \t]*[\w.]*$")
# A function written on one line, whose body may go on at column 0 inside brackets.
_ONE_LINE_FUNCTION = re.compile(rb"^(?:async[ \t]+)?def[ \t][^\r\n]*:[ \t]*[^\s#]", re.MULTILINE)
_FUNCTION_LINE = re.compile(rb"\b(?:def|lambda)\b")
_IMPORT = re.compile(rb"import[ \t(\\]")
_FROM = re.compile(rb"(?:^|[;:])[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+$", re.MULTILINE)
_NAMES = re.compile(rb"[ \t]*(\([^)]*\)|(?:[^\r\n#;\\]|\\\r?\n?)*)")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class Import:
    """`from <level dots><module> import <names>`, or `import <module>` when `names` is None."""

    level: int
    module: str
    names: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Facts:
    """What selection needs from a file, read off its bytes without parsing them. `problem`
    says why the bytes are not Python text at all (they cannot be decoded)."""

    may_create: bool
    imports: tuple[Import, ...]
    problem: str | None = None


def facts_of(data: bytes) -> Facts:
    try:
        decode(data)
    except SyntaxError as error:
        return Facts(False, (), decode_error(error))
    imports = tuple(_imports(data))
    return Facts(_may_create(data, imports), imports)


_CALL = "a creation-shaped call"
_RENAMED_CREATOR = "a renamed creator"


def _may_create(data: bytes, imports: tuple[Import, ...]) -> bool:
    """The shapes the regular expressions see, confirmed by what the compiled code names: a
    call needs a creator named in a scope, a renamed creator one named anywhere."""
    shapes = _site_shapes(data, imports)
    if not shapes:
        return False
    named = _creators_named(data)
    if named is None:
        return True
    at_module, in_a_scope = named
    return in_a_scope or (_RENAMED_CREATOR in shapes and at_module)


def _site_shapes(data: bytes, imports: tuple[Import, ...]) -> set[str]:
    """Which shapes that can make a site the regular expressions see. Boto is known by its
    mention anywhere (a module imported by name, too); the other libraries by an import."""
    shapes: set[str] = set()
    library = b"boto" in data or any(
        not item.level and item.module.partition(".")[0] in LIBRARIES for item in imports
    )
    anywhere = library and _ONE_LINE_FUNCTION.search(data) is not None
    for match in (_CREATOR if library else _METHOD).finditer(data):
        at, end = match.span()
        if match.group() == b"Client":
            while at and data[at - 1] in _WORD:  # the rest of the class name
                at -= 1
        elif at and data[at - 1] in _WORD:
            continue
        if end < len(data) and data[end] in _WORD:
            continue
        start = data.rfind(b"\n", 0, at) + 1
        if not _CALLED.match(data, end):
            renamed = _RENAMED.match(data, end) and (
                data[end : end + 1] in b" \t" or _ASSIGNED.search(data, start, at)
            )
            if library and renamed and match.group() != b"Table":
                shapes.add(_RENAMED_CREATOR)
            continue
        if not library and data[start:at].rstrip()[-1:] != b".":
            continue
        if (
            anywhere
            or data[start : start + 1] in (b" ", b"\t", b"\f")
            or _FUNCTION_LINE.search(data, start, at)
        ):
            shapes.add(_CALL)
        if len(shapes) == 2:
            break
    return shapes


def _creators_named(data: bytes) -> tuple[bool, bool] | None:
    """Whether the module's own code, and the code of a function, lambda, comprehension or class
    body, names a creator, as CPython's compiler (many times faster than a libcst parse, and
    blind to comments and strings) sees it. None for source this interpreter cannot compile
    (newer syntax, an error), which is left to libcst to judge."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to tell
            module = compile(data, "<facts>", "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    at_module = _names_a_creator(module.co_names)
    compiled: Counter[str] = Counter()
    scopes = [const for const in module.co_consts if isinstance(const, CodeType)]
    while scopes:
        code = scopes.pop()
        if _names_a_creator(code.co_names):
            return at_module, True
        compiled[code.co_name] += 1
        scopes.extend(const for const in code.co_consts if isinstance(const, CodeType))
    return (at_module, False) if _all_compiled(data, compiled) else None


def _names_a_creator(names: tuple[str, ...]) -> bool:
    return not _CREATORS.isdisjoint(names) or any(name.endswith(_CLIENT) for name in names)


def _all_compiled(data: bytes, compiled: Counter[str]) -> bool:
    """Whether every function, lambda and class the module defines has code: the compiler
    drops those it can never reach (after a `raise` or `return`, under `if False:`), which
    dynalint still checks. Python's symbol tables, built before that, list them all."""
    try:
        table = symtable.symtable(data, "<facts>", "exec")  # type: ignore[arg-type]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    defined: Counter[str] = Counter()
    stack = table.get_children()
    while stack:
        child = stack.pop()
        stack.extend(child.get_children())
        kind, name = str(child.get_type()), child.get_name()
        if kind in ("function", "class") and name not in _COMPREHENSIONS:
            defined["<lambda>" if name == "lambda" else name] += 1
    return defined <= compiled


def _imports(data: bytes) -> Iterator[Import]:
    for match in _IMPORT.finditer(data):
        at = match.start()
        if at and data[at - 1] in _WORD or data[at - 1 : at] == b".":
            continue
        start = data.rfind(b"\n", 0, at) + 1
        listed = _NAMES.match(data, at + len(b"import"))
        names = listed.group(1).decode("ascii", "replace") if listed else ""
        source = _FROM.search(data, start, at)
        if source is None:
            yield from (Import(0, item) for item in _items(names))
            continue
        module = source.group(1).decode("ascii", "replace")
        dotted = module.lstrip(".")
        yield Import(len(module) - len(dotted), dotted, tuple(_items(names)))


def _items(names: str) -> Iterator[str]:
    for item in names.strip().strip("()").replace("\\", " ").split(","):
        name = item.split(" as ")[0].strip()
        if name and all(part.isidentifier() for part in name.split(".")):
            yield name
        elif name == "*":
            yield name


def absolute_imports(facts: Facts) -> Iterator[str]:
    """The absolute module names a file's imports name, and `module.name` for each name a
    `from module import ...` imports (it may be a submodule)."""
    for item in facts.imports:
        if item.level:
            continue
        if item.names is None:
            yield item.module
        elif item.module:
            yield item.module
            yield from (f"{item.module}.{name}" for name in item.names if name != "*")


def reached_modules(facts: Facts, module: str, is_package: bool) -> tuple[set[str], set[str]]:
    """The modules whose names a file can refer to: `exact` ones by a `from` import of them, and
    `within` ones, below which any module can be referred to (`import a.b` binds `a`, through
    which `a.x.f` can be reached; `from a import b` may bind the package `a.b`)."""
    exact: set[str] = set()
    within: set[str] = set()
    for item in facts.imports:
        base = _absolute(item, module, is_package)
        if base is None:
            continue
        if item.names is None:
            parts = base.split(".")
            within.update(".".join(parts[:cut]) for cut in range(1, len(parts) + 1))
            continue
        if base:
            exact.add(base)
        within.update(f"{base}.{name}" if base else name for name in item.names if name != "*")
    return exact, within


def _absolute(item: Import, module: str, is_package: bool) -> str | None:
    if not item.level:
        return item.module
    parts = module.split(".") if module else []
    keep = len(parts) - item.level + (1 if is_package else 0)
    if keep < 0:
        return None
    return ".".join([*parts[:keep], *([item.module] if item.module else [])])
