"""Fast access to a node's children.

libcst's `node.children` and its generic visitor rebuild each node's field list through the
visitor machinery; walking the dataclass fields directly, minus whitespace and punctuation, is
about ten times cheaper, and every pass of the analysis goes through here.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator

import libcst as cst

# Fields that hold only whitespace, punctuation, comments or keyword names.
_SKIPPED_FIELDS = (
    "whitespace",
    "lpar",
    "rpar",
    "leading_lines",
    "lines_after_decorators",
    "header",
    "footer",
    "comma",
    "semicolon",
    "colon",
    "equal",
    "trailing_whitespace",
    "newline",
    "lbracket",
    "rbracket",
    "lbrace",
    "rbrace",
    "dot",
    "operator",
    "asynchronous",
    "keyword",
)


@functools.cache
def _child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(
        f.name for f in dataclasses.fields(node_type) if not f.name.startswith(_SKIPPED_FIELDS)
    )


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item
