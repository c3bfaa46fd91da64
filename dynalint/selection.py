"""Which files are worth parsing, decided from their bytes alone.

A file can hold a creation site only if it mentions boto (or calls `.client(`, `.resource(`,
`.Table(` on a name it imported). A file matters for reachability only if it can refer to a
function that leads to a site, and dynalint only follows references that name it: a module-level
function or class by its name next to the name of a module that defines or re-exports it
(`from app import collection`, `from .collection import get`), a method by its name next to its
class's name (`repo = Repo(); repo.save()`, `class Sub(Repo)`, `self.save()` inside the class).
Over-approximating is safe; missing is not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

CANDIDATE = re.compile(rb"boto|\.(?:Table|client|resource|create_client)\s*\(")
_DUNDER = re.compile(r"__\w+__")


class Wanted:
    """Names whose mention makes a file worth parsing, each with the words that must go with it."""

    def __init__(self) -> None:
        self._anchors: dict[str, set[str | None]] = {}
        self._pattern: re.Pattern[bytes] | None = None

    def add_function(self, qualname: str, module: str) -> bool:
        """Want the callers of a function; True if that wants anything new."""
        name, anchor = _mention(qualname)
        return self.add(name, anchor or _last(module))

    def add_reexports(self, aliases: Mapping[str, str], module: str) -> bool:
        """`from .collection import get_collection` in `app/__init__.py` lets others say `app`."""
        return any(
            [
                self.add(alias, _last(module))
                for alias, target in aliases.items()
                if _last(target) in self._anchors
            ]
        )

    def add(self, name: str, anchor: str | None) -> bool:
        anchors = self._anchors.setdefault(name, set())
        if anchor in anchors:
            return False
        anchors.add(anchor)
        self._pattern = None
        return True

    def is_mentioned_by(self, target: str) -> bool:
        """A reference to `pkg.mod.f`, `pkg.mod.C.m` or `pkg.mod.C.__init__` names a wanted one."""
        return _mention(target)[0] in self._anchors

    def matches(self, data: bytes) -> bool:
        if not self._anchors:
            return False
        if self._pattern is None:
            names = b"|".join(re.escape(name.encode()) for name in sorted(self._anchors))
            self._pattern = re.compile(rb"\b(?:%s)\b" % names)
        for found in set(self._pattern.findall(data)):
            anchors = self._anchors[found.decode()]
            if None in anchors or any(a.encode() in data for a in anchors if a is not None):
                return True
        return False


def _mention(qualname: str) -> tuple[str, str | None]:
    """How other code names a function: `f`, a method `m` with its class `C`, `C` for `C()`.

    The anchor is None where it is the module's name, which the caller knows."""
    parts = qualname.split(".<locals>.")[0].split(".")
    name = parts[-1]
    if len(parts) == 1:
        return name, None
    if _DUNDER.fullmatch(name):
        return parts[-2], None
    return name, parts[-2]


def _last(dotted: str) -> str:
    return dotted.rpartition(".")[2]
