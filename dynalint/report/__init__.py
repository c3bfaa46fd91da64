"""Reporters turn a `LintResult` into text for people or machines; they never decide exit codes."""

from __future__ import annotations

from collections.abc import Callable

from dynalint.report import json_report, text
from dynalint.types import LintResult

Reporter = Callable[[LintResult], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
}
