"""Values that cross module boundaries: what a lint run finds, how to fix it, what went wrong."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class ByValue(Enum):
    """An enum pickled as `Kind(value)` on every Python. Enums of Python 3.11's early releases
    pickle as `getattr(Kind, name)`, which the cache's loader rightly refuses to run."""

    def __reduce_ex__(self, protocol: object) -> tuple[type, tuple[object]]:
        return (type(self), (self.value,))


class Reach(str, ByValue):
    """How often the function holding a creation site runs, as far as dynalint can tell: on
    every request, through a chain from an entry point (a certain finding), or through callers
    dynalint cannot see, as for a library's public function (a possible one)."""

    PER_REQUEST = "per-request"
    UNKNOWN = "unknown"


def reaches(names: Iterable[str]) -> frozenset[Reach]:
    """The reaches named (`per-request`, `unknown`); ValueError names one that is not."""
    found = set()
    for name in names:
        try:
            found.add(Reach(name.strip().lower()))
        except ValueError:
            known = " or ".join(reach.value for reach in Reach)
            raise ValueError(f"unknown reach {name.strip()!r}; expected {known}") from None
    return frozenset(found)


class Applicability(str, ByValue):
    """Whether moving a creation onto the cached helper keeps the program's meaning."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to (end_line, end_column) with `content`.

    Lines and columns are 1-based, columns count code points and the end is exclusive, as in a
    `Finding`; an empty range inserts, an empty `content` deletes.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class HelperImport:
    """`from <helper module> import name as alias`; `alias` is `name` unless that name is taken."""

    name: str
    alias: str


# The library whose imports a boto3 fix's edits may leave unused.
BOTO3 = ("boto3",)


@dataclass(frozen=True)
class Fix:
    """What `dynalint fix` writes for a finding: ruff's `Fix`, plus the imports it needs.

    The edits apply to the text the finding was computed from. `imports` are added once per file
    after the edits; `prunes` names the modules whose imports the edits may leave unused, which
    are then removed. `helper_path` is where the helper module lives (or will be generated),
    given the way the fixed module is imported, and `helper_display` how the user sees it
    named. Several findings may share one fix (a resource and the Table made from it): it is
    applied once.
    """

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]
    imports: tuple[HelperImport, ...]
    helper_module: str
    helper_path: Path | None = None
    helper_display: str | None = None
    prunes: tuple[str, ...] = BOTO3


@dataclass(frozen=True)
class Finding:
    """One reported creation. It carries its `fix`, or in `no_fix` the reason there is none."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    message: str
    reach: Reach
    chain: tuple[str, ...]
    fix: Fix | None = None
    no_fix: str | None = None

    @property
    def certain(self) -> bool:
        """A chain from an entry point proves it; otherwise it is a judgement on unseen callers."""
        return self.reach is Reach.PER_REQUEST

    @property
    def severity(self) -> str:
        """SARIF's level: a certain finding is a warning, a possible one a note."""
        return "warning" if self.certain else "note"

    @property
    def applicability(self) -> Applicability:
        return self.fix.applicability if self.fix is not None else Applicability.NONE

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True)
class FileError:
    """A file that could not be read or parsed; the rest of the run goes on."""

    path: str
    message: str


@dataclass(frozen=True)
class Source:
    """A checked file's bytes as the findings were computed from them, and where it lives."""

    path: Path
    data: bytes


@dataclass(frozen=True)
class RunStats:
    """What a run did: files it knew of, read, parsed, and took from the cache; `reused` when
    nothing it depends on changed since a run whose findings it gives back as they were."""

    files: int = 0
    read: int = 0
    parsed: int = 0
    cached: int = 0
    reused: bool = False


@dataclass(frozen=True)
class LintResult:
    """`sources` holds, by display path, the files whose findings carry a fix, so a fix can be
    applied (and checked against the disk) without reading or analysing anything again."""

    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    files_checked: int
    sources: Mapping[str, Source] = field(default_factory=dict)
    stats: RunStats = field(default_factory=RunStats)
