"""Values that cross module boundaries: what a lint run finds and what went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reach(str, Enum):
    """How often the function holding a creation site runs, as far as dynalint can tell."""

    PER_REQUEST = "per-request"
    UNKNOWN = "unknown"


class Applicability(str, Enum):
    """Whether moving a creation onto the cached helper keeps the program's meaning."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


@dataclass(frozen=True)
class Finding:
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
    applicability: Applicability
    severity: str = "warning"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True)
class FileError:
    """A file that could not be read or parsed; the rest of the run goes on."""

    path: str
    message: str


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    files_checked: int
