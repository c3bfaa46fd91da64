"""Line and column of a few nodes, for about the price of printing the module.

libcst's PositionProvider records a range for every node of the module, which costs about
seven times the code generation it rides on; findings need the ranges of a handful of calls.
This state generates the code the same way, counts lines and columns, and records syntactic
ranges (parentheses and surrounding whitespace excluded, as PositionProvider does) only for the
nodes asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from dynalint.analysis.model import Span


class _AllFound(Exception):
    """Stops code generation once the last node asked for has its range."""


@dataclass(frozen=False)
class _Counting(CodegenState):
    wanted: frozenset[int] = frozenset()
    found: dict[int, Span] = field(default_factory=dict)
    line: int = 1
    column: int = 0

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.line += len(lines) - 1
        self.column = len(lines[-1])

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        if id(node) not in self.wanted:
            yield
            return
        line, column = self.line, self.column
        yield
        self.found[id(node)] = Span(line, column + 1, self.line, self.column + 1)
        if len(self.found) == len(self.wanted):
            raise _AllFound


def spans(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[int, Span]:
    """1-based spans (end column exclusive) of `nodes`, by `id()`; they must be in `module`."""
    state = _Counting(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        wanted=frozenset(id(node) for node in nodes),
    )
    try:
        module._codegen(state)
    except _AllFound:
        pass
    return state.found
