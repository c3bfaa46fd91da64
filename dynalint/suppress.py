"""`# noqa` comments, handled here once rather than in each rule (flake8 and ruff convention)."""

from __future__ import annotations

import io
import re
import tokenize

_NOQA = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.I)

# None means a bare `# noqa`, which suppresses every code on its line.
Suppressions = dict[int, frozenset[str] | None]


def suppressions(source: str) -> Suppressions:
    """The noqa comments of a module by line; only real comments count, never strings."""
    found: Suppressions = {}
    if "noqa" not in source.lower():
        return found
    for line, comment in _comments(source):
        match = _NOQA.search(comment)
        if match is None:
            continue
        codes = match.group("codes")
        found[line] = frozenset(c.upper() for c in _CODE.findall(codes)) if codes else None
    return found


def is_suppressed(found: Suppressions, line: int, code: str) -> bool:
    if line not in found:
        return False
    codes = found[line]
    return codes is None or code in codes


def _comments(source: str) -> list[tuple[int, str]]:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return [(t.start[0], t.string) for t in tokens if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return []
