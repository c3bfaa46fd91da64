"""What Python's own symbol tables say about the names a module binds.

CPython's `symtable` and `ast` read a module in C, in a second for megabytes of source, and
they are the interpreter's own word on which scope a name belongs to. The fixer asks them two
questions: may an existing helper import be reused, and does every helper name in the fixed
code reach the helper import.
"""

from __future__ import annotations

import ast
import symtable
from collections.abc import Iterator, Set
from dataclasses import dataclass

# The blocks of compound statements whose names are the module's own: `if`, `try`, `with`,
# `for`, `while` and `match` bodies, their `else`/`finally`, except handlers and cases.
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_CLAUSES = (ast.ExceptHandler, ast.match_case)


@dataclass(frozen=True)
class Imported:
    """What an import binds a name to: `from <module> import <name>` (`level` dots before a
    relative module), or `import <name>` with `module` None."""

    module: str | None
    name: str
    level: int = 0


@dataclass(frozen=True)
class Bindings:
    tree: ast.Module
    table: symtable.SymbolTable

    @classmethod
    def of(cls, code: str) -> Bindings | None:
        """The module's tables, or None when this interpreter cannot read it (newer syntax)."""
        try:
            return cls(ast.parse(code), symtable.symtable(code, "<module>", "exec"))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def sole_imports(self, names: Set[str]) -> dict[str, Imported]:
        """Those of `names` that the module binds by imports of one same thing and by nothing
        else, in no scope, with what those imports bind them to."""
        imported: dict[str, list[Imported]] = {}
        for bound, what in _imported_at_module_level(self.tree.body):
            if bound in names:
                imported.setdefault(bound, []).append(what)
        found = {
            name: what[0]
            for name, what in imported.items()
            if len(set(what)) == 1 and not _assigned(self.table, name)
        }
        stack = list(self.table.get_children())
        while stack and found:
            child = stack.pop()
            for name in [name for name in found if _bound_in(child, name)]:
                del found[name]
            stack.extend(child.get_children())
        return found

    def star_import_after(self, module: str) -> bool:
        """A module-level star import of another module below the first import from `module`,
        which could rebind what that import bound."""
        body = self.tree.body
        first = next((i for i, s in enumerate(body) if _imports_from(s, module)), len(body))
        return any(
            isinstance(node, ast.ImportFrom)
            and node.names[0].name == "*"
            and not _imports_from(node, module)
            for statement in body[first + 1 :]
            for node in _module_level(statement)
        )


def _imports_from(statement: ast.stmt, module: str) -> bool:
    name = statement.module if isinstance(statement, ast.ImportFrom) else None
    within = name is not None and (name == module or name.startswith(f"{module}."))
    return within and isinstance(statement, ast.ImportFrom) and statement.level == 0


def _module_level(statement: ast.stmt) -> Iterator[ast.stmt]:
    """The statement and those in its blocks that run in the module's own scope."""
    yield statement
    if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        blocks = [b for f in _BLOCKS for b in getattr(statement, f, [])]
        for block in blocks:
            for inner in block.body if isinstance(block, _CLAUSES) else [block]:
                yield from _module_level(inner)


def _imported_at_module_level(statements: list[ast.stmt]) -> Iterator[tuple[str, Imported]]:
    """The names import statements bind in the module's own scope, in if/try/with blocks too."""
    for node in (n for statement in statements for n in _module_level(statement)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.asname or alias.name.split(".")[0], Imported(None, alias.name)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield alias.asname or alias.name, Imported(node.module, alias.name, node.level)


def _assigned(table: symtable.SymbolTable, name: str) -> bool:
    return name in table.get_identifiers() and table.lookup(name).is_assigned()


def _bound_in(table: symtable.SymbolTable, name: str) -> bool:
    """Bound in that scope: its own local, or the module's, rebound under `global`."""
    if name not in table.get_identifiers():
        return False
    symbol = table.lookup(name)
    rebinds = symbol.is_assigned() or symbol.is_imported()
    return symbol.is_local() or (symbol.is_declared_global() and rebinds)
