"""dynalint: find boto3 objects created on every request, and move them to a cached helper."""

from __future__ import annotations

from typing import Any

from dynalint.config import Config
from dynalint.engine import lint_paths, lint_source
from dynalint.types import Applicability, Edit, FileError, Finding, Fix, LintResult, Reach
from dynalint.version import __version__

__all__ = [
    "Applicability",
    "Config",
    "Edit",
    "FileError",
    "Finding",
    "Fix",
    "LintResult",
    "Reach",
    "__version__",
    "fix_paths",
    "fix_source",
    "lint_paths",
    "lint_source",
]


def __getattr__(name: str) -> Any:
    """The fixing API loads libcst's codemod machinery, which checking never needs."""
    if name in ("fix_source", "fix_paths"):
        from dynalint.fix import fixer

        return getattr(fixer, name)
    raise AttributeError(f"module 'dynalint' has no attribute {name!r}")
