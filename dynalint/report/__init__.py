"""Reporters turn a `LintResult` into text for people or machines; they never decide exit codes."""

from __future__ import annotations

from collections.abc import Callable

from dynalint.report import github, json_report, junit, sarif, text
from dynalint.report.options import ReportOptions
from dynalint.types import LintResult

Reporter = Callable[[LintResult, ReportOptions], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}
