"""Prove on real source trees that `dynalint fix` leaves working code, and settles.

Working: every fixed file compiles, finds its helper module and calls the helper exactly where the
fix meant it to. Settled: a second fix changes nothing.

    python benchmarks/verify_fixes.py TREE [TREE ...] [--helper-module aws_helpers] [--work DIR]
                                      [--keep]

Each TREE (a source folder, e.g. an unpacked sdist) is copied to a scratch folder (under --work,
else a temporary one, removed unless --keep) and fixed there: `dynalint fix .` (with
`--helper-module NAME` when one is given)
run in the copy. Then, per tree:

1. the files the fix changed, and the new files (helper modules) it wrote;
2. every changed or new `.py` file compiles (decoded as Python decodes source);
3. each name a changed file imports by `from NAME import ...` reaches that import wherever it is
   read: bound once at module level (by any assignment, def, class, import, loop, with, except,
   walrus, match capture, or `global` in a function), no module-level `from x import *` after
   it nor read before it, and no local, parameter, enclosing function's or class body's binding
   of it in a scope that reads it (`symtable` and `ast`). Conversely ("names taken over"), the
   original file must not have read a name the fix newly imports as a global: such reads,
   reported at the original's line, would now reach the helper;
4. NAME exists, as a module or a package, at each fixed file's import root or in a folder above,
   up to the tree. The import root is the nearest folder above the file that is not a package
   (has no `__init__.py`) nor a namespace package (a folder inside a package, or one that
   non-test code imports by its name);
5. a second `dynalint fix` changes no file;
6. `dynalint check --format json .` on the fixed copy reports no finding whose applicability is
   "safe": plain `dynalint fix` should have fixed it.

It prints one line of figures per tree, then every problem as `TREE/path:line: ...`, and exits 1
when there is any. dynalint runs as `sys.executable -m dynalint`: run the script with the
interpreter that has the dynalint to verify. A script, not a test; standard library only.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import symtable
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COMPILE, UNRESOLVED, TAKEN = "compile failures", "unresolved names", "names taken over"
MISSING, SECOND, SAFE = "missing helpers", "changed by a second fix", "safe findings left"
CRASH = "dynalint failures"
IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\w+)[\w.]*[ \t]+import|import[ \t]+(\w+))", re.M)
TEST = re.compile(r"(^|/)(tests?/|test_[^/]*$|[^/]*_test\.py$|conftest\.py$)")  # dynalint's rule
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *COMPREHENSIONS)
TABLE_NAMES: dict[type[ast.AST], str] = {ast.Lambda: "lambda", ast.GeneratorExp: "genexpr"}
TABLE_NAMES |= {ast.ListComp: "listcomp", ast.SetComp: "setcomp", ast.DictComp: "dictcomp"}
Problem = tuple[str, str, str]  # figure, path[:line], text
Bound = ast.stmt | ast.expr | ast.excepthandler | ast.pattern  # a node that binds a name


SKIPPED_FOLDERS = frozenset({"__pycache__", ".dynalint_cache"})


def dynalint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "dynalint", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def snapshot(root: Path) -> dict[str, str]:
    """A digest of every file under root by its posix path, bytecode and dynalint's own cache
    left out."""
    digests = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS]
        for path in (Path(folder, name) for name in files):
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                digests[path.relative_to(root).as_posix()] = digest
    return digests


def compile_error(data: bytes, path: str) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not our business
            compile(importlib.util.decode_source(data), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError) as error:
        return f"{getattr(error, 'lineno', 0)}: does not compile ({type(error).__name__}: {error})"
    return None


def inner(scope: ast.AST) -> list[ast.AST]:
    """The parts of a scope evaluated inside it: its decorators, defaults, bases and (for a
    comprehension) first iterable are evaluated in the scope around it."""
    if isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return list(scope.body)
    if isinstance(scope, ast.Lambda):
        return [scope.body]
    if isinstance(scope, ast.DictComp):
        parts: list[ast.AST] = [scope.key, scope.value]
    elif isinstance(scope, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        parts = [scope.elt]
    else:
        return []
    for number, generator in enumerate(scope.generators):
        parts += [generator.target, *generator.ifs, *([generator.iter] if number else [])]
    return parts


def walk_scope(scope: ast.AST | None) -> Iterator[ast.AST]:
    """Every node evaluated in `scope` itself: a nested scope's node, but not its inside."""
    stack = inner(scope) if scope is not None else []
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, COMPREHENSIONS):
            stack.append(node.generators[0].iter)
        elif isinstance(node, SCOPES):
            inside = {id(part) for part in inner(node)}
            stack += [child for child in ast.iter_child_nodes(node) if id(child) not in inside]
        else:
            stack += ast.iter_child_nodes(node)


def reads(scope: ast.AST | None, name: str) -> list[int]:
    """The lines where `scope` itself reads `name`."""
    return [
        node.lineno
        for node in walk_scope(scope)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]


def bindings(scope: ast.AST) -> Iterator[tuple[str, Bound, str]]:
    """(name, node, how) for every binding `scope` makes in its own namespace."""
    nodes = list(walk_scope(scope))
    bare = {id(n.target) for n in nodes if isinstance(n, ast.AnnAssign) and n.value is None}
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            if id(node) not in bare:
                yield node.id, node, "del" if isinstance(node.ctx, ast.Del) else "assigned"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            yield node.name, node, f"{kind} {node.name}"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0], node, ast.unparse(node)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node.name, node, "except ... as"
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            yield node.name, node, "a match capture"
        elif isinstance(node, ast.MatchMapping) and node.rest:
            yield node.rest, node, "a match capture"


def helper_imports(tree: ast.AST, helper: str) -> list[tuple[str, ast.ImportFrom]]:
    return [
        (alias.asname or alias.name, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == helper
        for alias in node.names
    ]


def readers(tree: ast.Module, source: str, path: str, name: str) -> Iterator[tuple[str, int]]:
    """(shadow, line) for every function, class and comprehension reading `name`: the binding
    it sees instead of the module's ("" if none), and the first line where it reads it."""
    scopes = [n for n in ast.walk(tree) if isinstance(n, SCOPES)]
    by_key = {(TABLE_NAMES.get(type(n), getattr(n, "name", "")), n.lineno): n for n in scopes}
    stack = symtable.symtable(source, path, "exec").get_children()
    while stack:
        table = stack.pop()
        stack += table.get_children()
        symbol = table.lookup(name) if name in table.get_identifiers() else None
        if symbol is None or not symbol.is_referenced():
            continue
        scope, start, is_class = table.get_name(), table.get_lineno(), table.get_type() == "class"
        line = min(reads(by_key.get((scope, start)), name), default=start)
        if scope in TABLE_NAMES.values():
            scope = f"a {scope} on line {start}"
        else:
            scope = f"class {scope}" if is_class else f"{scope}()"
        if symbol.is_global():
            yield "", line
        elif symbol.is_parameter():
            yield f"a parameter of {scope}", line
        elif symbol.is_free():
            yield f"{scope} sees a binding in an enclosing function", line
        else:
            yield f"{'bound in the body of' if is_class else 'a local of'} {scope}", line


def unresolved(
    tree: ast.Module, source: str, path: str, helper: str
) -> Iterator[tuple[str, int, str]]:
    """Check 3: (name, line, why) for each use of a name imported from `helper` that may not
    reach that import."""
    module_level = list(bindings(tree))
    for scope in (n for n in ast.walk(tree) if isinstance(n, SCOPES)):
        declared = {n for s in walk_scope(scope) if isinstance(s, ast.Global) for n in s.names}
        where = f"under `global` in {getattr(scope, 'name', 'a lambda')}"
        module_level += [(n, b, f"{how} {where}") for n, b, how in bindings(scope) if n in declared]
    for name, imported in helper_imports(tree, helper):
        found = [(line, why) for why, line in readers(tree, source, path, name) if why]
        if not any(node is imported for _, node, _ in module_level):
            found.append((imported.lineno, "the import is not at module level"))
        for other, node, how in module_level:
            if other == name and node is not imported:
                found.append((node.lineno, f"also bound at module level: {how}"))
            elif other == "*" and node.lineno > imported.lineno:
                found.append((node.lineno, f"a later `{how}` may rebind it"))
        early = [line for line in reads(tree, name) if line < imported.lineno]
        found += [(line, "read at module level before the import") for line in early]
        yield from ((name, line, why) for line, why in sorted(set(found)))


def taken_over(tree: ast.Module, before: str, path: str, helper: str) -> Iterator[tuple[str, int]]:
    """Check 3, conversely: (name, line of the original) for each global read, in the original
    file, of a name that the fix newly imports from `helper`."""
    try:
        old = ast.parse(before, path)
    except SyntaxError:  # parsed by dynalint, but not by this Python: nothing to compare
        return
    new = {n for n, _ in helper_imports(tree, helper)} - {n for n, _ in helper_imports(old, helper)}
    for name in sorted(new):
        lines = reads(old, name) + [
            line for why, line in readers(old, before, path, name) if not why
        ]
        yield from ((name, line) for line in sorted(set(lines)))


def imported_heads(copy: Path) -> dict[str, Path]:
    """The first names of the modules that non-test files import absolutely, with one importer."""
    heads: dict[str, Path] = {}
    for path in copy.rglob("*.py"):
        if not path.is_file() or TEST.search(path.relative_to(copy).as_posix()):
            continue
        for match in IMPORT.finditer(path.read_text("utf-8", errors="replace")):
            heads.setdefault(match[1] or match[2], path)
    return heads


def missing_helper(copy: Path, relative: str, helper: str, heads: dict[str, Path]) -> str | None:
    """Check 4: None when `helper` is at the file's import root or in a folder above, to copy.
    The import root is the nearest folder above the file that is neither a package nor a
    namespace package: a folder inside a package, or one that other code imports by name."""
    folder, why = (copy / relative).parent, ""
    while folder != copy:
        shown, importer = folder.relative_to(copy).as_posix(), heads.get(folder.name)
        if (folder / "__init__.py").is_file():
            pass  # a package: the folder above decides
        elif (folder.parent / "__init__.py").is_file():
            why = f" ({shown}/ is a namespace package inside a package)"
        elif importer is not None:
            shown_importer = importer.relative_to(copy).as_posix()
            why = f" ({shown}/ is a namespace package: {shown_importer} imports {folder.name})"
        else:
            break
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        module = candidate.joinpath(*helper.split("."))
        if module.with_suffix(".py").is_file() or (module / "__init__.py").is_file():
            return None
        if candidate == copy:
            break
    return f"no {helper} at its import root {folder.relative_to(copy).as_posix()}/ or above{why}"


def check_file(
    tree: Path, copy: Path, relative: str, helper: str, heads: dict[str, Path]
) -> tuple[list[Problem], int]:
    """Checks 3 and 4 on one changed file that compiles: its problems, and how many names it
    imports from the helper."""
    source = importlib.util.decode_source((copy / relative).read_bytes())
    module = ast.parse(source, relative)
    found = list(unresolved(module, source, relative, helper))
    problems: list[Problem] = [
        (UNRESOLVED, f"{relative}:{line}", f"{name} does not resolve to the helper import ({why})")
        for name, line, why in found
    ]
    original = importlib.util.decode_source((tree / relative).read_bytes())
    explained = {name for name, _, _ in found}  # the fixed file rebinds them, already reported
    for name, line in taken_over(module, original, relative, helper):
        if name not in explained:
            text = f"this line of the original read another {name}; now it reads the helper's"
            problems.append((TAKEN, f"{relative}:{line} (line of the original)", text))
    imports = helper_imports(module, helper)
    for node in {node.module: node for _, node in reversed(imports)}.values():
        if node.module and (missing := missing_helper(copy, relative, node.module, heads)):
            problems.append((MISSING, f"{relative}:{node.lineno}", missing))
    return problems, len(imports)


def verify(
    tree: Path, copy: Path, helper: str, flags: list[str]
) -> tuple[list[str], list[Problem], list[str]]:
    """Fix a copy of `tree` at `copy`: the figures, the problems and some notes. `flags` are
    dynalint's (`--helper-module NAME` when one is given, else its default placement)."""
    shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    before = snapshot(copy)
    fixed = dynalint(copy, "fix", *flags, ".")
    after = snapshot(copy)
    changed = sorted(p for p in before if after.get(p) != before[p])
    written = sorted(p for p in after if p not in before)
    figures = [f"{sum(p.endswith('.py') for p in before)} .py files scanned"]
    figures += [f"{len(changed)} changed", f"{len(written)} helpers written"]
    last = (fixed.stdout.strip().splitlines() or ["no output"])[-1]
    errors = sum(line.startswith("error:") for line in fixed.stderr.splitlines())
    notes = [f"first fix: exit {fixed.returncode}, {errors} error line(s), {last}"]
    notes += [f"wrote {tree.name}/{path}" for path in written]
    problems: list[Problem] = []
    heads = imported_heads(copy) if changed else {}
    names = files = 0
    for relative in (p for p in changed + written if p.endswith(".py") and p in after):
        error = compile_error((copy / relative).read_bytes(), relative)
        if error is None and relative in before:
            found, count = check_file(tree, copy, relative, helper, heads)
            problems, names, files = problems + found, names + count, files + (count > 0)
        elif error is None:
            continue
        elif relative in before and compile_error((tree / relative).read_bytes(), relative):
            notes.append(f"{tree.name}/{relative}:{error}, nor did it before the fix")
        else:
            problems.append((COMPILE, relative, error))

    notes.append(f"checked {names} name(s) imported from {helper} in {files} changed file(s)")
    again = dynalint(copy, "fix", *flags, ".")
    settled = snapshot(copy)
    for path in sorted(p for p in after.keys() | settled.keys() if after.get(p) != settled.get(p)):
        problems.append((SECOND, path, "changed by a second dynalint fix"))

    checked = dynalint(copy, "check", "--format", "json", ".")
    try:
        findings: list[dict[str, Any]] | None = json.loads(checked.stdout)["findings"]
    except (ValueError, KeyError):
        findings = None
    for finding in (f for f in findings or () if f.get("applicability") == "safe"):
        where = f"{finding['path'].removeprefix('./')}:{finding['line']}:{finding['column']}"
        problems.append((SAFE, where, f"{finding['code']} left unfixed: {finding['message']}"))
    for what, run in {"fix": fixed, "second fix": again, "check": checked}.items():
        broken = run is checked and findings is None
        if broken or run.returncode not in (0, 1, 2) or "Traceback" in run.stderr:
            text = f"dynalint {what} failed (exit {run.returncode}):\n{run.stderr[-2000:]}"
            problems.append((CRASH, ".", text))
    return figures, problems, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", type=Path, metavar="TREE", help="a source folder")
    parser.add_argument("--helper-module", default=None, metavar="DOTTED.NAME")
    parser.add_argument("--work", type=Path, metavar="DIR", help="scratch folder (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the fixed copies")
    args = parser.parse_args()
    for tree in args.trees:
        if not tree.is_dir():
            parser.error(f"{tree}: not a folder")
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="verify_fixes_", dir=args.work))
    lines: list[str] = []
    problems: list[str] = []
    for number, tree in enumerate(t.resolve() for t in args.trees):
        print(f"fixing a copy of {tree} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        copy = work / str(number) / tree.name
        try:
            flags = ["--helper-module", args.helper_module] if args.helper_module else []
            helper = args.helper_module or "aws_helpers"
            figures, found, notes = verify(tree, copy, helper, flags)
        finally:
            if not args.keep:
                shutil.rmtree(copy.parent, ignore_errors=True)
        kinds = Counter(kind for kind, _, _ in found)
        figures += [f"{kinds[kind]} {kind}" for kind in (COMPILE, UNRESOLVED, TAKEN, MISSING)]
        figures += [f"{kinds[kind]} {kind}" for kind in (SECOND, SAFE, CRASH)]
        lines.append(f"{tree.name}: {', '.join(figures)}, {time.perf_counter() - start:.1f} s")
        lines += [f"  {note}" for note in notes]
        problems += [f"{tree.name}/{where}: {text}" for _, where, text in found]
    if args.keep:
        lines.append(f"fixed copies kept under {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    if problems:
        print(f"\n{len(problems)} problem(s):", *problems, sep="\n")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
