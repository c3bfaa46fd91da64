"""Reporters turn a `LintResult` into text for people or machines; they never decide exit codes.

Each format lives in a module of its own, imported only when it is the one asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from dynalint.report.options import ReportOptions
from dynalint.types import LintResult

Reporter = Callable[[LintResult, ReportOptions], str]

_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}
FORMATS = tuple(_MODULES)


def reporter(name: str) -> Reporter:
    """The `render` function of format `name` (one of `FORMATS`)."""
    render: Reporter = importlib.import_module(f"dynalint.report.{_MODULES[name]}").render
    return render
