"""One JSON object: `{"findings": [...], "errors": [...]}`, stable for machines."""

from __future__ import annotations

import json
from typing import Any

from dynalint.report.options import DEFAULT_OPTIONS, ReportOptions
from dynalint.types import Finding, LintResult


def render(result: LintResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    document = {
        "findings": [_finding(finding) for finding in result.findings],
        "errors": [{"path": error.path, "message": error.message} for error in result.errors],
    }
    return json.dumps(document, indent=2) + "\n"


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity,
        "reach": finding.reach.value,
        "chain": list(finding.chain),
        "applicability": finding.applicability.value,
    }
