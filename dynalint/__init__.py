"""dynalint: find boto3 objects created on every request, and move them to a cached helper."""

from dynalint.config import Config
from dynalint.engine import lint_paths, lint_source
from dynalint.types import Applicability, FileError, Finding, LintResult, Reach

__version__ = "0.1.0"

__all__ = [
    "Applicability",
    "Config",
    "FileError",
    "Finding",
    "LintResult",
    "Reach",
    "__version__",
    "lint_paths",
    "lint_source",
]
